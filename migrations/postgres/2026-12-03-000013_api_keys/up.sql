-- User module: API keys for machine clients (the old services' callers). A key
-- acts with its role (admin or hr), optionally narrowed to reads or to some
-- modules (a comma-separated list of module names; NULL = every module). Only
-- an HMAC-SHA256 of the key under the server's key is stored (secret_hash,
-- hex), never the key. A revoked key keeps its row (revoked_at, revoked_by), so
-- that audit events naming its id stay explained; live names are unique.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'hr')),
    read_only BOOLEAN NOT NULL,
    modules TEXT,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    revoked_by TEXT
);
CREATE UNIQUE INDEX api_keys_live_name_key ON api_keys (name) WHERE revoked_at IS NULL;
