-- Attendance (issue 13). Instants are Unix microseconds (UTC), as in the outbox.
-- One row per version of a time record: a correction appends a version and only
-- moves the is_current flag off the earlier one; a version's data never changes.
CREATE TABLE attendance_records (
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    employee_id TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT,
    source TEXT NOT NULL,
    note TEXT,
    voided BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    created_by TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at BIGINT NOT NULL,
    reason TEXT,
    request_id TEXT,
    is_current BOOLEAN NOT NULL,
    PRIMARY KEY (id, version)
);
CREATE INDEX attendance_records_employee_start ON attendance_records (employee_id, start_at) WHERE is_current;
-- One open live record per employee, also under concurrent check-ins.
CREATE UNIQUE INDEX attendance_records_one_open ON attendance_records (employee_id)
    WHERE is_current AND end_at IS NULL AND NOT voided;

-- An employee's request to correct their own record.
CREATE TABLE attendance_correction_requests (
    id TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    record_version INTEGER NOT NULL,
    proposed_start BIGINT,
    proposed_end BIGINT,
    reason TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    decided_by TEXT,
    decided_at BIGINT,
    decision_note TEXT
);
CREATE INDEX attendance_correction_requests_record ON attendance_correction_requests (record_id);

-- Locked periods: local dates from_date..=to_date, for everyone (employee_id NULL) or one employee.
CREATE TABLE attendance_period_locks (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT,
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    locked_by TEXT NOT NULL,
    locked_at BIGINT NOT NULL,
    reason TEXT,
    reopened_by TEXT,
    reopened_at BIGINT,
    reopen_reason TEXT
);
