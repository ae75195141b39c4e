-- 024_requests.sql: what a consignee asks for on the verified tracking page (a delivery
-- window, a new address, hold at a pickup point, refuse and return, "where is my parcel")
-- and the dispatch queue that answers them; the pickup points (stations and lockers) staff
-- keep; each consignee's standing consent to locker or station delivery; and the complaint
-- category for a parcel left in a locker or station without that consent.

CREATE TABLE pickup_points (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    address     text NOT NULL,
    city        text NOT NULL,
    hours       text NOT NULL DEFAULT '',
    kind        text NOT NULL CHECK (kind IN ('station', 'locker')),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (city, name)
);

CREATE TABLE delivery_requests (
    id               bigserial PRIMARY KEY,
    shipment_id      bigint NOT NULL REFERENCES shipments (id),
    shipper_id       bigint NOT NULL REFERENCES shippers (id),
    consignee_id     bigint NOT NULL REFERENCES consignees (id),
    kind             text NOT NULL CHECK (kind IN ('window', 'address', 'pickup', 'refuse', 'urge')),
    status           text NOT NULL DEFAULT 'requested'
                         CHECK (status IN ('requested', 'accepted', 'declined', 'done')),
    window_from      timestamptz,
    window_to        timestamptz,
    province         text NOT NULL DEFAULT '',
    city             text NOT NULL DEFAULT '',
    district         text NOT NULL DEFAULT '',
    street           text NOT NULL DEFAULT '',
    postal_code      text NOT NULL DEFAULT '',
    pickup_point_id  bigint REFERENCES pickup_points (id),
    urges            integer NOT NULL DEFAULT 1 CHECK (urges >= 1),
    last_urged_at    timestamptz NOT NULL,
    locale           text NOT NULL DEFAULT 'zh' CHECK (locale IN ('zh', 'en')),
    decline_reason   text NOT NULL DEFAULT '',
    answer_due       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    answered_at      timestamptz,
    answered_by      text NOT NULL DEFAULT '',
    done_at          timestamptz,
    updated_at       timestamptz NOT NULL,
    CHECK ((kind = 'window') = (window_from IS NOT NULL AND window_to IS NOT NULL)),
    CHECK ((kind = 'pickup') = (pickup_point_id IS NOT NULL)),
    CHECK (kind <> 'address' OR city <> ''),
    CHECK ((status = 'declined') = (decline_reason <> ''))
);
-- One open request of a kind per parcel: a second "change my address" while the first is
-- unanswered is refused, and two racing submits cannot both open one.
CREATE UNIQUE INDEX delivery_requests_open_idx ON delivery_requests (shipment_id, kind)
    WHERE status IN ('requested', 'accepted');
CREATE INDEX delivery_requests_queue_idx ON delivery_requests (answer_due) WHERE status = 'requested';
CREATE INDEX delivery_requests_shipment_idx ON delivery_requests (shipment_id, created_at);

-- Every form submission's token: the same token again (a double submit, a retry) is the
-- request it made and changes nothing.
CREATE TABLE delivery_request_submits (
    key         text PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES delivery_requests (id),
    at          timestamptz NOT NULL
);

-- A consignee's standing preference for locker and station delivery. No row: ask first.
CREATE TABLE delivery_consents (
    consignee_id  bigint PRIMARY KEY REFERENCES consignees (id),
    preference    text NOT NULL CHECK (preference IN ('ask_first', 'lockers_ok', 'stations_ok', 'both_ok')),
    source        text NOT NULL CHECK (source IN ('tracking_page', 'staff')),
    set_by        bigint REFERENCES users (id),
    set_at        timestamptz NOT NULL
);

ALTER TABLE complaints DROP CONSTRAINT complaints_category_check;
ALTER TABLE complaints ADD CONSTRAINT complaints_category_check CHECK (category IN ('delayed', 'damaged', 'lost',
    'not_received_but_signed', 'courier_attitude', 'wrong_address', 'billing', 'unconsented_locker', 'other'));

-- The third "where is my parcel" opens a staff task (key urge:<request id>).
ALTER TABLE staff_tasks DROP CONSTRAINT staff_tasks_kind_check;
ALTER TABLE staff_tasks ADD CONSTRAINT staff_tasks_kind_check CHECK (kind IN ('slow_signoff', 'winback', 'urge'));

INSERT INTO canned_replies (category, locale, title, body) VALUES
    ('unconsented_locker', 'zh', '未经同意投柜致歉', '您好{name}，快递 {tracking_no} 未经您同意放入快递柜/驿站，我们深表歉意，已通知网点今后先征得您同意（单号 {ref}）。'),
    ('unconsented_locker', 'en', 'Apology: locker without consent', 'Hello {name}, we are sorry that {tracking_no} was left in a locker or station without your consent; the station has been told to ask you first ({ref}).');
