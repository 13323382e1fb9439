-- The longest interval each employee's projection has held (end - start, Unix
-- microseconds; it only grows, so it stays a bound): the interval queries read only
-- intervals starting at most that long before their range, instead of the
-- employee's whole history before it.
CREATE TABLE compliance_longest (
    employee_id TEXT PRIMARY KEY NOT NULL,
    micros BIGINT NOT NULL
);
INSERT INTO compliance_longest (employee_id, micros)
SELECT employee_id, MAX(end_at - start_at) FROM compliance_intervals
WHERE end_at IS NOT NULL GROUP BY employee_id;
