DROP TABLE attendance_period_locks;
DROP TABLE attendance_correction_requests;
DROP INDEX attendance_records_one_open;
DROP INDEX attendance_records_employee_start;
DROP TABLE attendance_records;
