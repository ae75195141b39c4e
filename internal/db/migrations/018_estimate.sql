-- 018_estimate.sql: a delivery estimate learned from delivered history (issue 13, part 3).
--
-- For every lane key (basis, origin, dest, service level) and milestone (created, picked up,
-- arrived at station, out for delivery), estimate_buckets counts delivered parcels by the
-- time from the milestone to delivery, in 15-minute buckets. The refresh job folds in only
-- the deliveries not yet folded (estimate_folded, fed by the status-change feed of 017) and
-- recomputes the quantiles of the keys it touched into estimate_quantiles, which the
-- tracking read joins. Keys: basis 'lane' = (origin city, dest city), 'province' = (origin
-- province, dest province), 'service' = ('', ''); each with the service level.

-- Origin shipments carry only a city: its province comes from here. Cities not listed
-- fall back from lane straight to service level. Seeded with the cities lcrm serves.
CREATE TABLE city_provinces (
    city      text PRIMARY KEY,
    province  text NOT NULL
);
INSERT INTO city_provinces (city, province) VALUES
    ('广州市', '广东省'), ('深圳市', '广东省'), ('东莞市', '广东省'), ('佛山市', '广东省'),
    ('杭州市', '浙江省'), ('宁波市', '浙江省'), ('温州市', '浙江省'), ('金华市', '浙江省'),
    ('南京市', '江苏省'), ('苏州市', '江苏省'), ('无锡市', '江苏省'), ('上海市', '上海市'),
    ('北京市', '北京市'), ('济南市', '山东省'), ('青岛市', '山东省'), ('郑州市', '河南省'),
    ('洛阳市', '河南省'), ('成都市', '四川省'), ('绵阳市', '四川省'), ('武汉市', '湖北省'),
    ('宜昌市', '湖北省'), ('福州市', '福建省'), ('厦门市', '福建省'), ('泉州市', '福建省'),
    ('长沙市', '湖南省'), ('西安市', '陕西省'), ('合肥市', '安徽省'), ('芜湖市', '安徽省'),
    ('沈阳市', '辽宁省'), ('大连市', '辽宁省'), ('重庆市', '重庆市');

CREATE TABLE estimate_buckets (
    basis          text NOT NULL CHECK (basis IN ('lane', 'province', 'service')),
    origin         text NOT NULL,
    dest           text NOT NULL,
    service_level  text NOT NULL,
    milestone      text NOT NULL CHECK (milestone IN ('created', 'picked_up', 'arrived_at_station', 'out_for_delivery')),
    bucket         integer NOT NULL CHECK (bucket >= 0),
    n              bigint NOT NULL CHECK (n > 0),
    PRIMARY KEY (basis, origin, dest, service_level, milestone, bucket)
);

-- What the tracking read joins: one row per key and milestone, quantiles in seconds.
CREATE TABLE estimate_quantiles (
    basis          text NOT NULL,
    origin         text NOT NULL,
    dest           text NOT NULL,
    service_level  text NOT NULL,
    milestone      text NOT NULL,
    n              bigint NOT NULL,
    p10_s          integer NOT NULL,
    p50_s          integer NOT NULL,
    p90_s          integer NOT NULL,
    refreshed_at   timestamptz NOT NULL,
    PRIMARY KEY (service_level, milestone, basis, origin, dest)
);

-- Each delivered shipment is folded in once, whichever way it reached the refresh.
CREATE TABLE estimate_folded (
    shipment_id  bigint PRIMARY KEY REFERENCES shipments (id) ON DELETE CASCADE
);

-- One row once the first (full) refresh has run; later refreshes are incremental.
CREATE TABLE estimate_state (
    id            boolean PRIMARY KEY DEFAULT true CHECK (id),
    rebuilt_at    timestamptz NOT NULL,
    refreshed_at  timestamptz NOT NULL
);

-- The estimate is a third consumer of the status changes.
ALTER TABLE shipment_status_changes ADD COLUMN estimate_done_at timestamptz;
CREATE INDEX shipment_status_changes_estimate_todo ON shipment_status_changes (id) WHERE estimate_done_at IS NULL;
