ALTER TABLE outbox_events ADD COLUMN claimed_by TEXT;
