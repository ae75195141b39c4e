-- 003_portal.sql: what the web portal keeps so that any instance can serve any request:
-- login sessions, rate-limit counters, and "this browser proved it knows the parcel" grants.

-- Server-side sessions: the cookie holds a random id; only its SHA-256 is stored.
CREATE TABLE sessions (
    id_hash      bytea PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    ip           text NOT NULL DEFAULT '',
    user_agent   text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Fixed-window counters shared by all instances (lookups per IP, wrong answers per parcel).
-- UNLOGGED: counters need no crash safety, and skipping the WAL spares every public
-- lookup a disk flush (BENCHMARKS.md). A crash empties the table: limits start afresh.
CREATE UNLOGGED TABLE rate_counters (
    key           text NOT NULL,
    window_start  timestamptz NOT NULL,
    count         integer NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_window_idx ON rate_counters (window_start);
