-- The generation of an account's credentials: raised by a password change or
-- reset, a deactivation or reactivation and a role change. Tokens carry the
-- generation they were issued at (claim `gen`); the per-request account lookup
-- refuses a token of an older generation, so those changes revoke every token
-- issued before them at once. Existing accounts start at 0, as do tokens
-- issued before this column existed (they carry no claim).
ALTER TABLE users ADD COLUMN token_generation INTEGER NOT NULL DEFAULT 0;
