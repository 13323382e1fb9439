-- Each employee's IANA time zone (attendance, leave and compliance put instants
-- on local days with it). Existing records get UTC, the default of
-- HRMS_DEFAULT_TIME_ZONE; the application validates names against the tz database.
ALTER TABLE employees ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
