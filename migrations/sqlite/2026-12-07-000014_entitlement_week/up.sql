-- The working weekdays of the employee's leave calendar when a grant was written
-- (LEAVE_BALANCE_ADJUSTED data.working_days_per_week): annual_leave's minimum is four
-- weeks of the employee's own working days. NULL: the event did not say (the pack's week).
ALTER TABLE compliance_entitlements ADD COLUMN working_days_per_week INTEGER;
