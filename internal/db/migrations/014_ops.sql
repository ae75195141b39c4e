-- 014_ops.sql: secrets the instances of one site must share, kept in the database.
--
-- app_secrets holds keys made once, on first start, when no key is configured: the key
-- that signs survey links and grant cookies (LCRM_SESSION_KEY unset). Every instance and
-- every restart reads the same row, so links already texted keep working. The first
-- instance to start inserts it (INSERT ... ON CONFLICT DO NOTHING), then all read it.

CREATE TABLE app_secrets (
    name       text PRIMARY KEY,
    value      bytea NOT NULL CHECK (length(value) >= 16),
    created_at timestamptz NOT NULL DEFAULT now()
);
