DROP TABLE relay_leases;
DROP TABLE outbox_events;
