-- Transactional outbox: every module writes its events here in the same
-- transaction as its domain change; the relay publishes and marks them.
-- Times are Unix microseconds (BIGINT) so both backends compare them the same way.
-- claimed_by names the relay incarnation that has handed the row to a sink and
-- awaits its acknowledgement.
CREATE TABLE outbox_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    family TEXT NOT NULL,
    source_module TEXT NOT NULL,
    destination TEXT NOT NULL CHECK (destination IN ('kafka', 'kafka_or_http')),
    aggregate_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    traceparent TEXT,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    delivered_at BIGINT,
    transport TEXT,
    claimed_by TEXT
);
CREATE INDEX outbox_events_pending_idx ON outbox_events (seq) WHERE delivered_at IS NULL;
CREATE INDEX outbox_events_pending_aggregate_idx ON outbox_events (aggregate_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX outbox_events_delivered_idx ON outbox_events (delivered_at) WHERE delivered_at IS NOT NULL;

-- One relay at a time holds the lease and publishes: this keeps each aggregate's
-- events in order even when several replicas share the database.
CREATE TABLE relay_leases (
    name TEXT PRIMARY KEY,
    holder TEXT,
    expires_at BIGINT NOT NULL
);
INSERT INTO relay_leases (name, holder, expires_at) VALUES ('outbox', NULL, 0);
