-- Delivered events leave the queue. Marking a row delivered used to write a new
-- version of the whole ~600-byte row and three index entries; moving it costs a
-- delete (no new version, no index change) and a narrow insert here, and keeps
-- the queue table to the undelivered rows, so every claim, count and scan of
-- it stays small whatever the delivered history. The payload is not kept: the
-- broker or the HTTP peer holds it; this table answers "was event X
-- delivered, when, by which transport" for HRMS_OUTBOX_RETENTION_HOURS.
CREATE TABLE outbox_deliveries (
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
CREATE INDEX outbox_deliveries_delivered_idx ON outbox_deliveries (delivered_at);
-- No index on event_id: it would cost every mark a fourth of its time, for an
-- operator's occasional lookup.

INSERT INTO outbox_deliveries (seq, event_id, event_type, family, source_module, aggregate_id,
                               created_at, attempts, delivered_at, transport)
SELECT seq, event_id, event_type, family, source_module, aggregate_id, created_at, attempts,
       delivered_at, COALESCE(transport, 'kafka')
FROM outbox_events WHERE delivered_at IS NOT NULL;
DELETE FROM outbox_events WHERE delivered_at IS NOT NULL;

DROP INDEX outbox_events_pending_idx;
DROP INDEX outbox_events_pending_aggregate_idx;
DROP INDEX outbox_events_delivered_idx;
ALTER TABLE outbox_events DROP COLUMN delivered_at;
ALTER TABLE outbox_events DROP COLUMN transport;
-- Every row is undelivered now: the primary key gives commit order, and this
-- index answers "is an earlier event of this aggregate still queued".
CREATE INDEX outbox_events_aggregate_idx ON outbox_events (aggregate_id, family, seq);
