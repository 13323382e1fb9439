DROP TABLE leave_processed_events;
DROP TABLE leave_meta;
DROP TABLE leave_ledger;
DROP TABLE leave_requests;
DROP TABLE leave_calendar_assignments;
DROP TABLE leave_calendars;
DROP TABLE leave_types;
