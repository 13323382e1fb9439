-- Claims live in the relay's memory: only the lease holder claims, so a claim
-- needs no row write (it was one full row version per event, the relay's
-- largest cost on PostgreSQL). A restarted or new lease holder starts with no
-- claims, so every undelivered row is claimable again, as before.
ALTER TABLE outbox_events DROP COLUMN claimed_by;
