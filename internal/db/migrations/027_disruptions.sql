-- 027_disruptions.sql: disruption mode (大面积延误 / 不可抗力). A supervisor declares that
-- parcels to (and optionally from) some provinces or cities are late for a reason beyond
-- the courier's control, for a window of time, with a notice for the customers.

CREATE TABLE disruptions (
    id              bigserial PRIMARY KEY,
    -- Names as disruptions.NormalizePlace leaves them: without the 省/市/自治区 suffix, so
    -- "广东省", "广东" and "广东 " are one province.
    provinces       text[] NOT NULL DEFAULT '{}',
    cities          text[] NOT NULL DEFAULT '{}',
    -- Also parcels leaving the area: their origin city is one of origin_cities, which the
    -- store fills on every save with the cities plus the cities of the provinces
    -- (city_provinces), so matching needs no lookup per parcel.
    include_origin  boolean NOT NULL DEFAULT false,
    origin_cities   text[] NOT NULL DEFAULT '{}',
    starts_at       timestamptz NOT NULL,
    ends_at         timestamptz NOT NULL,
    reason          text NOT NULL CHECK (reason IN ('weather', 'flood', 'hub_closed', 'traffic_control', 'epidemic', 'other')),
    notice_zh       text NOT NULL,
    notice_en       text NOT NULL,
    created_by      bigint REFERENCES users (id),
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    -- Set when a supervisor ended the disruption (ends_at is then that moment).
    ended_at        timestamptz,
    ended_by        bigint REFERENCES users (id),
    -- The declare form's nonce: a double submit declares one disruption.
    idempotency_key text UNIQUE,
    CHECK (ends_at > starts_at),
    CHECK (cardinality(provinces) + cardinality(cities) > 0)
);
CREATE INDEX disruptions_ends_idx ON disruptions (ends_at);

-- The place names of a shipment as disruptions match them (the same rule as
-- disruptions.NormalizePlace in Go; a test checks they agree).
CREATE FUNCTION disruption_place(name text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN regexp_replace(btrim(name), '(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市)$', '');

-- Which shipments each disruption affects: the destination (or, with include_origin, the
-- origin) in the area, created before the window ended, and not delivered or returned
-- before it began. Callers that judge "as of now" add starts_at <= now themselves (no
-- now() here: the stores pass their clock).
CREATE VIEW disrupted_shipments AS
SELECT d.id AS disruption_id, s.id AS shipment_id, d.starts_at, d.ends_at
FROM disruptions d
JOIN shipments s
  ON s.created_at < d.ends_at
 AND NOT (s.status IN ('delivered', 'returned')
          AND COALESCE(s.delivered_at, s.last_event_at, s.updated_at) < d.starts_at)
 AND (disruption_place(s.dest_province) = ANY (d.provinces)
      OR disruption_place(s.dest_city) = ANY (d.cities)
      OR (d.include_origin AND disruption_place(s.origin_city) = ANY (d.origin_cities)));

-- A complaint's SLA clocks stand still inside each of its pauses (a disruption's window:
-- key 'disruption:<id>'); complaints.Store computes the deadlines without them.
CREATE TABLE complaint_pauses (
    complaint_id  bigint NOT NULL REFERENCES complaints (id),
    key           text NOT NULL,
    from_at       timestamptz NOT NULL,
    to_at         timestamptz NOT NULL,
    tagged_at     timestamptz NOT NULL,
    PRIMARY KEY (complaint_id, key),
    CHECK (to_at > from_at)
);
CREATE INDEX complaint_pauses_key_idx ON complaint_pauses (key);
