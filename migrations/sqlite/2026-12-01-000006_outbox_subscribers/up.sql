-- One outbox row per destination. Besides Kafka ('kafka', or 'kafka_or_http' for
-- audit and notification) a row may go only over HTTP ('http': the audit or
-- notification event of a module whose Kafka switch is off, decided when it is
-- written) or to an in-process subscriber ('subscriber:<name>'). The rows of one
-- event share its event_id, one per destination; each destination keeps its own
-- order per aggregate (the head-of-queue guard compares the destination too).
-- SQLite cannot change a CHECK or UNIQUE constraint: both tables are rebuilt,
-- and the sequence counter is carried over so that no seq is ever reused.
CREATE TABLE outbox_events_new (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    family TEXT NOT NULL,
    source_module TEXT NOT NULL,
    destination TEXT NOT NULL
        CHECK (destination IN ('kafka', 'kafka_or_http', 'http') OR destination LIKE 'subscriber:_%'),
    aggregate_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    traceparent TEXT,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    UNIQUE (event_id, destination)
);
INSERT INTO outbox_events_new (seq, event_id, event_type, family, source_module, destination,
                               aggregate_id, payload, traceparent, created_at, attempts,
                               next_attempt_at, last_error)
SELECT seq, event_id, event_type, family, source_module, destination, aggregate_id, payload,
       traceparent, created_at, attempts, next_attempt_at, last_error
FROM outbox_events;
DELETE FROM sqlite_sequence WHERE name = 'outbox_events_new';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'outbox_events_new', seq FROM sqlite_sequence WHERE name = 'outbox_events';
DROP TABLE outbox_events;
ALTER TABLE outbox_events_new RENAME TO outbox_events;
CREATE INDEX outbox_events_aggregate_idx ON outbox_events (aggregate_id, family, destination, seq);

CREATE TABLE outbox_deliveries_new (
    seq BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    family TEXT NOT NULL,
    source_module TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at BIGINT NOT NULL,
    transport TEXT NOT NULL CHECK (transport IN ('kafka', 'http', 'subscriber'))
);
INSERT INTO outbox_deliveries_new SELECT * FROM outbox_deliveries;
DROP TABLE outbox_deliveries;
ALTER TABLE outbox_deliveries_new RENAME TO outbox_deliveries;
CREATE INDEX outbox_deliveries_delivered_idx ON outbox_deliveries (delivered_at);
