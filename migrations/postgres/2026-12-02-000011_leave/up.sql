-- Leave (issue 12). Instants are Unix microseconds (UTC), as in the outbox;
-- dates are local dates of the employee. Quantities are half days (1 day = 2).

-- Leave types: the display name and the rules' policy (JSON of LeavePolicy).
CREATE TABLE leave_types (
    code TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    policy TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Work calendars: working weekdays (e.g. "mon,tue,wed,thu,fri") and public
-- holidays (JSON array of {date, name, part}). Exactly one is the default.
CREATE TABLE leave_calendars (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    working_weekdays TEXT NOT NULL,
    holidays TEXT NOT NULL,
    is_default BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX leave_calendars_one_default ON leave_calendars (is_default) WHERE is_default;

-- An employee's calendar when it is not the default.
CREATE TABLE leave_calendar_assignments (
    employee_id TEXT PRIMARY KEY NOT NULL,
    calendar_id TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at BIGINT NOT NULL
);

-- Requests. `counted` is the count at filing, `held` the days the request
-- holds now (JSON arrays of {date, leave_year, am, pm}): stored, never
-- recounted, so a later calendar change does not rewrite history.
CREATE TABLE leave_requests (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL,
    leave_type TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date DATE NOT NULL,
    start_part TEXT NOT NULL,
    end_part TEXT NOT NULL,
    status TEXT NOT NULL,
    counted TEXT NOT NULL,
    held TEXT NOT NULL,
    units INTEGER NOT NULL,
    note TEXT,
    filed_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    manager_approved_by TEXT,
    decided_by TEXT,
    decided_at BIGINT,
    rejection_reason TEXT,
    cancelled_by TEXT,
    cancelled_at BIGINT,
    cancel_reason TEXT,
    version INTEGER NOT NULL
);
CREATE INDEX leave_requests_employee ON leave_requests (employee_id, start_date);
CREATE INDEX leave_requests_status ON leave_requests (status, start_date);

-- The append-only balance ledger: rows are only ever inserted.
CREATE TABLE leave_ledger (
    id TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    employee_id TEXT NOT NULL,
    leave_type TEXT NOT NULL,
    kind TEXT NOT NULL,
    leave_year INTEGER NOT NULL,
    units INTEGER NOT NULL,
    effective_date DATE NOT NULL,
    request_id TEXT,
    reason TEXT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX leave_ledger_employee ON leave_ledger (employee_id, leave_type, leave_year);

-- Module settings fixed at first start (e.g. the first accounted leave year).
CREATE TABLE leave_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- Events of other modules already processed (at-least-once delivery).
CREATE TABLE leave_processed_events (
    event_id TEXT PRIMARY KEY NOT NULL,
    processed_at BIGINT NOT NULL
);
