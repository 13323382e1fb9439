-- Delivered rows come back without their payload (it was not kept).
DROP INDEX outbox_events_aggregate_idx;
ALTER TABLE outbox_events ADD COLUMN delivered_at BIGINT;
ALTER TABLE outbox_events ADD COLUMN transport TEXT;
INSERT INTO outbox_events (seq, event_id, event_type, family, source_module, destination,
                           aggregate_id, payload, created_at, attempts, next_attempt_at,
                           delivered_at, transport)
SELECT seq, event_id, event_type, family, source_module,
       CASE WHEN family IN ('audit', 'notification') THEN 'kafka_or_http' ELSE 'kafka' END,
       aggregate_id, '', created_at, attempts, created_at, delivered_at, transport
FROM outbox_deliveries;
CREATE INDEX outbox_events_pending_idx ON outbox_events (seq) WHERE delivered_at IS NULL;
CREATE INDEX outbox_events_pending_aggregate_idx ON outbox_events (aggregate_id, seq) WHERE delivered_at IS NULL;
CREATE INDEX outbox_events_delivered_idx ON outbox_events (delivered_at) WHERE delivered_at IS NOT NULL;
DROP TABLE outbox_deliveries;
