-- 009_desk.sql: when each staff user last looked at "my desk", so the desk can show what
-- changed on their complaints since then.
CREATE TABLE desk_seen (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    seen_at timestamptz NOT NULL
);

-- "What changed since": entries of a complaint newer than a time.
CREATE INDEX complaint_entries_at_idx ON complaint_entries (at);
