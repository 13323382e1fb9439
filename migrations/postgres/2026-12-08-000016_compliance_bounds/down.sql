ALTER TABLE compliance_longest DROP COLUMN last_start;
ALTER TABLE compliance_longest DROP COLUMN first_start;
