-- Subscriber rows and their delivery records have no place in the old schema;
-- HTTP-only rows become what they were before ('kafka_or_http').
CREATE TABLE outbox_deliveries_old (
    seq BIGINT PRIMARY KEY,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    family TEXT NOT NULL,
    source_module TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    delivered_at BIGINT NOT NULL,
    transport TEXT NOT NULL CHECK (transport IN ('kafka', 'http'))
);
INSERT INTO outbox_deliveries_old SELECT * FROM outbox_deliveries WHERE transport <> 'subscriber';
DROP TABLE outbox_deliveries;
ALTER TABLE outbox_deliveries_old RENAME TO outbox_deliveries;
CREATE INDEX outbox_deliveries_delivered_idx ON outbox_deliveries (delivered_at);

CREATE TABLE outbox_events_old (
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
    last_error TEXT
);
INSERT INTO outbox_events_old (seq, event_id, event_type, family, source_module, destination,
                               aggregate_id, payload, traceparent, created_at, attempts,
                               next_attempt_at, last_error)
SELECT seq, event_id, event_type, family, source_module,
       CASE WHEN destination = 'http' THEN 'kafka_or_http' ELSE destination END,
       aggregate_id, payload, traceparent, created_at, attempts, next_attempt_at, last_error
FROM outbox_events WHERE destination NOT LIKE 'subscriber:%';
DELETE FROM sqlite_sequence WHERE name = 'outbox_events_old';
INSERT INTO sqlite_sequence (name, seq)
SELECT 'outbox_events_old', seq FROM sqlite_sequence WHERE name = 'outbox_events';
DROP TABLE outbox_events;
ALTER TABLE outbox_events_old RENAME TO outbox_events;
CREATE INDEX outbox_events_aggregate_idx ON outbox_events (aggregate_id, family, seq);
