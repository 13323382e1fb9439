-- Subscriber rows and their delivery records have no place in the old schema;
-- HTTP-only rows become what they were before ('kafka_or_http').
DELETE FROM outbox_deliveries WHERE transport = 'subscriber';
ALTER TABLE outbox_deliveries DROP CONSTRAINT outbox_deliveries_transport_check;
ALTER TABLE outbox_deliveries ADD CONSTRAINT outbox_deliveries_transport_check
    CHECK (transport IN ('kafka', 'http'));

DELETE FROM outbox_events WHERE destination LIKE 'subscriber:%';
UPDATE outbox_events SET destination = 'kafka_or_http' WHERE destination = 'http';
DROP INDEX outbox_events_aggregate_idx;
CREATE INDEX outbox_events_aggregate_idx ON outbox_events (aggregate_id, family, seq);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_event_id_destination_key;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_event_id_key UNIQUE (event_id);
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_destination_check;
ALTER TABLE outbox_events ADD CONSTRAINT outbox_events_destination_check
    CHECK (destination IN ('kafka', 'kafka_or_http'));
