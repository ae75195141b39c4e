-- 020_webhooks.sql: outgoing webhooks to shippers (issue 13 part 2).
--
-- An endpoint is a shipper's URL with the event types it wants and its signing secret; a
-- rotated secret stays valid until old_secret_until. Each event becomes one delivery per
-- endpoint, written in the transaction that made the event, and is sent by the sender
-- (package hooks) with a lease, attempts and backoff like the SMS outbox.
CREATE TABLE webhook_endpoints (
    id               bigserial PRIMARY KEY,
    shipper_id       bigint NOT NULL REFERENCES shippers(id) ON DELETE CASCADE,
    url              text NOT NULL,
    events           text[] NOT NULL,
    secret           text NOT NULL,
    old_secret       text NOT NULL DEFAULT '',
    old_secret_until timestamptz,
    enabled          boolean NOT NULL DEFAULT true,
    -- the first failed attempt since the last success; 3 days of only failures disable
    failing_since    timestamptz,
    disabled_at      timestamptz,
    disabled_reason  text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_shipper ON webhook_endpoints (shipper_id);

CREATE TABLE webhook_deliveries (
    id               bigserial PRIMARY KEY,
    endpoint_id      bigint NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id         text NOT NULL,
    event_type       text NOT NULL,
    -- deliveries with the same non-empty order_key (the shipment) go out in id order
    order_key        text NOT NULL DEFAULT '',
    body             text NOT NULL,
    -- pending, sending (claimed; next_attempt_at is the lease's end), delivered, failed
    status           text NOT NULL DEFAULT 'pending',
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    give_up_after    timestamptz NOT NULL,
    claimed_at       timestamptz,
    created_at       timestamptz NOT NULL,
    delivered_at     timestamptz,
    last_status_code int NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    updated_at       timestamptz NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, order_key, id) WHERE status IN ('pending', 'sending');
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, id DESC);

-- Every attempt, for the delivery log the shipper sees.
CREATE TABLE webhook_attempts (
    id           bigserial PRIMARY KEY,
    delivery_id  bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt      int NOT NULL,
    at           timestamptz NOT NULL,
    status_code  int NOT NULL DEFAULT 0,
    latency_ms   int NOT NULL DEFAULT 0,
    response     text NOT NULL DEFAULT '',
    error        text NOT NULL DEFAULT ''
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);
