-- Employee module: the employee record. Ids are UUID v7 as text so that both
-- backends share one schema; e-mails are stored lower-cased.
CREATE TABLE employees (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    age INTEGER NOT NULL,
    email TEXT,
    department TEXT,
    position TEXT,
    manager_id TEXT REFERENCES employees (id),
    hire_date DATE NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'on_leave', 'terminated')),
    termination_date DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX employees_email_key ON employees (email);
CREATE INDEX employees_department_idx ON employees (department);
CREATE INDEX employees_manager_idx ON employees (manager_id);
CREATE INDEX employees_status_idx ON employees (status);
