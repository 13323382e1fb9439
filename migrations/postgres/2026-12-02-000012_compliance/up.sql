-- Compliance (issue 14). Instants are Unix microseconds (UTC); dates are the
-- employee's local dates. The module reads no other module's tables: it keeps
-- a journal of the events it applied and a projection built from them.

-- Every input event applied, once (event_id), in the order applied: replaying
-- it (`hrms compliance rebuild`) rebuilds the projection.
CREATE TABLE compliance_journal (
    seq BIGSERIAL PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    employee_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    applied_at BIGINT NOT NULL
);

-- What the rules need to know of an employee (from EMPLOYEE_* events).
CREATE TABLE compliance_employees (
    employee_id TEXT PRIMARY KEY NOT NULL,
    time_zone TEXT NOT NULL,
    hire_date DATE,
    termination_date DATE,
    updated_at BIGINT NOT NULL
);

-- The latest version of each attendance record (a later version replaces an
-- earlier one; an older version arriving late is ignored).
CREATE TABLE compliance_intervals (
    record_id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT,
    voided BOOLEAN NOT NULL
);
CREATE INDEX compliance_intervals_employee_start ON compliance_intervals (employee_id, start_at);

-- The latest version of each leave request, and the leave days it holds.
CREATE TABLE compliance_leave_requests (
    request_id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    status TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE compliance_leave_days (
    request_id TEXT NOT NULL,
    day DATE NOT NULL,
    employee_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    half_days INTEGER NOT NULL,
    PRIMARY KEY (request_id, day)
);
CREATE INDEX compliance_leave_days_employee ON compliance_leave_days (employee_id, day);

-- Recorded grants of paid annual leave (LEAVE_BALANCE_ADJUSTED of kind grant,
-- corrections included), one row per ledger entry; a year's entitlement is their sum.
CREATE TABLE compliance_entitlements (
    entry_id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL,
    year INTEGER NOT NULL,
    half_days INTEGER NOT NULL
);
CREATE INDEX compliance_entitlements_employee ON compliance_entitlements (employee_id, year);

-- Written opt-outs from the weekly limit (Art. 22) and their withdrawal.
CREATE TABLE compliance_opt_outs (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT NOT NULL,
    signed_on DATE NOT NULL,
    withdrawn_on DATE,
    notice_days INTEGER,
    last_day DATE,
    recorded_by TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    withdrawn_by TEXT,
    withdrawn_at BIGINT
);
CREATE INDEX compliance_opt_outs_employee ON compliance_opt_outs (employee_id);

-- Violations and alerts: one row per identity (employee, rule, check, window,
-- kind), however often the events behind it are replayed.
CREATE TABLE compliance_violations (
    id TEXT PRIMARY KEY NOT NULL,
    identity TEXT NOT NULL UNIQUE,
    employee_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    check_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL,
    reference TEXT NOT NULL,
    window_first DATE NOT NULL,
    window_last DATE NOT NULL,
    span_start BIGINT,
    span_end BIGINT,
    unit TEXT NOT NULL,
    measured BIGINT NOT NULL,
    limit_value BIGINT NOT NULL,
    status TEXT NOT NULL,
    detected_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at BIGINT,
    note TEXT,
    resolved_at BIGINT,
    version INTEGER NOT NULL
);
CREATE INDEX compliance_violations_employee_window ON compliance_violations (employee_id, window_first);
CREATE INDEX compliance_violations_status ON compliance_violations (status, detected_at);

-- Completed checks (on demand and periodic) with their counts.
CREATE TABLE compliance_checks (
    id TEXT PRIMARY KEY NOT NULL,
    employee_id TEXT,
    from_date DATE NOT NULL,
    to_date DATE NOT NULL,
    trigger_kind TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    employees INTEGER NOT NULL,
    detected INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    open_total INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    completed_at BIGINT NOT NULL
);

-- Small facts of the module (the rule pack in force, to audit its changes).
CREATE TABLE compliance_meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
