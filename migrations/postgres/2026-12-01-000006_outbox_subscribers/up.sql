-- One outbox row per destination. Besides Kafka ('kafka', or 'kafka_or_http' for
-- audit and notification) a row may go only over HTTP ('http': the audit or
-- notification event of a module whose Kafka switch is off, decided when it is
-- written) or to an in-process subscriber ('subscriber:<name>'). The rows of one
-- event share its event_id, one per destination; each destination keeps its own
-- order per aggregate (the head-of-queue guard compares the destination too).
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_destination_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_destination_check
    CHECK (destination IN ('kafka', 'kafka_or_http', 'http') OR destination LIKE 'subscriber:_%');
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_id_key;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_id_destination_key
    UNIQUE (event_id, destination);
DROP INDEX outbox_events_aggregate_idx;
CREATE INDEX outbox_events_aggregate_idx ON outbox_events (aggregate_id, family, destination, seq);

ALTER TABLE outbox_deliveries DROP CONSTRAINT outbox_deliveries_transport_check;
ALTER TABLE outbox_deliveries ADD CONSTRAINT outbox_deliveries_transport_check
    CHECK (transport IN ('kafka', 'http', 'subscriber'));
