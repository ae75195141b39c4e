-- 019_status_sms.sql: status SMS settings (package statussms, issue 13 part 1).
--
-- Which status changes text a parcel's subscribers (and, where its shipper turned it on,
-- its consignee): one row per status, edited in the console admin. A status without a
-- row sends nothing.
CREATE TABLE status_sms_statuses (
    status     text PRIMARY KEY,
    texts      boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
INSERT INTO status_sms_statuses (status, texts, updated_at) VALUES
    ('created', false, now()),
    ('picked_up', true, now()),
    ('in_transit', false, now()),
    ('arrived_at_station', false, now()),
    ('out_for_delivery', true, now()),
    ('delivery_failed', true, now()),
    ('delivered', true, now()),
    ('exception', true, now()),
    ('returned', true, now());

-- A shipper's self-service choice to text the consignee of its own parcels on every status
-- change (the same statuses and rules as subscribers). No row: off.
CREATE TABLE status_sms_shippers (
    shipper_id    bigint PRIMARY KEY REFERENCES shippers(id) ON DELETE CASCADE,
    consignee_sms boolean NOT NULL,
    updated_at    timestamptz NOT NULL
);
