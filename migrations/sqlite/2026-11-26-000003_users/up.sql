-- User module: login accounts. employee_id links an account to an employee
-- record of the employee module (no foreign key: modules do not share tables;
-- the link is checked through the employee actor).
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'hr', 'manager', 'employee')),
    employee_id TEXT,
    active BOOLEAN NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login_at TIMESTAMP
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_employee_key ON users (employee_id);
CREATE INDEX users_role_idx ON users (role);
