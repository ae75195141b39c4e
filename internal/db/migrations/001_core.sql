-- Core records: shippers, consignees, shipments, tracking events, API keys, users.

CREATE TABLE shippers (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    name          text NOT NULL,
    contact_name  text NOT NULL DEFAULT '',
    phone         text NOT NULL DEFAULT '',          -- E.164, '' when unknown
    email         text NOT NULL DEFAULT '',
    tier          text NOT NULL DEFAULT 'regular' CHECK (tier IN ('key', 'regular', 'small')),
    time_zone     text NOT NULL DEFAULT 'Asia/Shanghai',
    locale        text NOT NULL DEFAULT 'zh-CN',
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shippers_phone_idx ON shippers (phone) WHERE phone <> '';

-- One person, one record: phone (E.164) is the identity. A merged record keeps its row so
-- its phone still resolves, and points at the survivor.
CREATE TABLE consignees (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    phone         text NOT NULL UNIQUE,
    email         text NOT NULL DEFAULT '',
    province      text NOT NULL DEFAULT '',
    city          text NOT NULL DEFAULT '',
    district      text NOT NULL DEFAULT '',
    street        text NOT NULL DEFAULT '',
    postal_code   text NOT NULL DEFAULT '',
    merged_into   bigint REFERENCES consignees (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consignees_name_idx ON consignees (name);
CREATE INDEX consignees_merged_into_idx ON consignees (merged_into) WHERE merged_into IS NOT NULL;

CREATE TABLE consignee_merges (
    id               bigserial PRIMARY KEY,
    survivor_id      bigint NOT NULL REFERENCES consignees (id),
    merged_id        bigint NOT NULL UNIQUE REFERENCES consignees (id),
    shipments_moved  integer NOT NULL,
    merged_by        text NOT NULL DEFAULT '',
    merged_at        timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shipments (
    id                     bigserial PRIMARY KEY,
    tracking_no            text NOT NULL UNIQUE,
    shipper_id             bigint NOT NULL REFERENCES shippers (id),
    consignee_id           bigint NOT NULL REFERENCES consignees (id),
    service_level          text NOT NULL CHECK (service_level IN ('standard', 'express', 'same_day')),
    origin_city            text NOT NULL,
    dest_province          text NOT NULL DEFAULT '',
    dest_city              text NOT NULL,
    dest_district          text NOT NULL DEFAULT '',
    dest_street            text NOT NULL DEFAULT '',
    dest_postal_code       text NOT NULL DEFAULT '',
    weight_g               integer NOT NULL CHECK (weight_g >= 0),
    declared_value_fen     bigint NOT NULL DEFAULT 0 CHECK (declared_value_fen >= 0),
    promised_at            timestamptz NOT NULL,
    status                 text NOT NULL DEFAULT 'created',
    created_at             timestamptz NOT NULL DEFAULT now(),
    picked_up_at           timestamptz,
    arrived_at_station_at  timestamptz,
    out_for_delivery_at    timestamptz,
    delivered_at           timestamptz,
    signed_by              text NOT NULL DEFAULT '',
    signed_at              timestamptz,
    pod_url                text NOT NULL DEFAULT '',
    last_event_at          timestamptz,
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipments_shipper_created_idx ON shipments (shipper_id, created_at DESC);
CREATE INDEX shipments_consignee_idx ON shipments (consignee_id);
CREATE INDEX shipments_created_idx ON shipments (created_at);
CREATE INDEX shipments_delivered_idx ON shipments (delivered_at) WHERE delivered_at IS NOT NULL;
-- Shipments still on the road: the slow sign-off job reads only these.
CREATE INDEX shipments_open_idx ON shipments (status, promised_at)
    WHERE status NOT IN ('delivered', 'returned');

-- Append-only and idempotent by (shipment, source event id). Planned: monthly partitions
-- once the table outgrows one index (see README, "Scale-out").
CREATE TABLE tracking_events (
    shipment_id  bigint NOT NULL REFERENCES shipments (id),
    event_key    text NOT NULL,
    code         text NOT NULL CHECK (code IN ('created', 'picked_up', 'in_transit',
                     'arrived_at_station', 'out_for_delivery', 'delivery_failed',
                     'delivered', 'exception', 'returned')),
    occurred_at  timestamptz NOT NULL,
    location     text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    signed_by    text NOT NULL DEFAULT '',
    pod_url      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shipment_id, event_key)
);
CREATE INDEX tracking_events_timeline_idx ON tracking_events (shipment_id, occurred_at);

-- Integration keys: only a SHA-256 of the key is stored; the key is shown once.
CREATE TABLE api_keys (
    id            bigserial PRIMARY KEY,
    name          text NOT NULL,
    prefix        text NOT NULL,
    key_hash      bytea NOT NULL UNIQUE,
    shipper_id    bigint REFERENCES shippers (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz
);

-- People who log in: shipper users (scoped to one shipper) and staff with a role. manager_id
-- is the escalation ladder.
CREATE TABLE users (
    id              bigserial PRIMARY KEY,
    email           text NOT NULL UNIQUE,
    name            text NOT NULL DEFAULT '',
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('shipper', 'agent', 'supervisor', 'manager', 'admin')),
    shipper_id      bigint REFERENCES shippers (id),
    manager_id      bigint REFERENCES users (id),
    phone           text NOT NULL DEFAULT '',
    active          boolean NOT NULL DEFAULT true,
    failed_logins   integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'shipper') = (shipper_id IS NOT NULL))
);
