-- The earliest and the latest start of any closed interval each employee's
-- projection has held (Unix microseconds; the first only falls, the last only
-- rises, so both stay bounds, whatever is voided later): an interval query
-- needs no extra lookup of the interval before its range when nothing starts
-- before it, nor of the one after when nothing starts after it.
ALTER TABLE compliance_longest ADD COLUMN first_start BIGINT;
ALTER TABLE compliance_longest ADD COLUMN last_start BIGINT;
UPDATE compliance_longest SET
    first_start = (SELECT MIN(i.start_at) FROM compliance_intervals i
                   WHERE i.employee_id = compliance_longest.employee_id AND i.end_at IS NOT NULL),
    last_start = (SELECT MAX(i.start_at) FROM compliance_intervals i
                  WHERE i.employee_id = compliance_longest.employee_id AND i.end_at IS NOT NULL);
