-- 016_login.sql: login throttling per account and address, TOTP two-factor, recovery
-- codes and shipper password reset codes (package accounts).

-- Login attempt counters. key is 'pair:<user>:<addr>' (one account from one client
-- address: failures since the last success, with a growing block), 'acct:<user>' (every
-- address, fixed window) or 'addr:<addr>' (failed logins from one address to any account,
-- fixed window). An attempt is counted before its password is checked, in one statement.
-- UNLOGGED like rate_counters: a crash empties the counters, nothing else.
CREATE UNLOGGED TABLE login_throttle (
    key           text PRIMARY KEY,
    failures      integer NOT NULL DEFAULT 0,
    window_start  timestamptz,
    blocked_until timestamptz,
    last_ok_at    timestamptz,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX login_throttle_updated_idx ON login_throttle (updated_at);

-- TOTP two-factor: the secret is set at enrolment and only used once confirmed
-- (totp_enabled); totp_last_step is the last accepted time step, so a code is used once.
ALTER TABLE users
    ADD COLUMN totp_secret    text NOT NULL DEFAULT '',
    ADD COLUMN totp_enabled   boolean NOT NULL DEFAULT false,
    ADD COLUMN totp_last_step bigint NOT NULL DEFAULT 0;

-- One-time recovery codes (SHA-256 of a random code; shown once at enrolment).
CREATE TABLE recovery_codes (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    used_at    timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Shipper password reset codes sent by SMS: valid 10 minutes, single use, 5 tries.
CREATE TABLE password_resets (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash  bytea NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    tries      integer NOT NULL DEFAULT 0,
    used_at    timestamptz
);
CREATE INDEX password_resets_user_idx ON password_resets (user_id, created_at DESC);
