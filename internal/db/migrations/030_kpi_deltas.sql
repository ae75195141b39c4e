-- 030_kpi_deltas.sql: the KPI rollup follows changes as deltas instead of day marks
-- (package reports, issue #17). A mark made its whole day read live until the rollup job
-- ran, and ingest of events for random parcels marked every day of a period, so the
-- dashboard went from 0.09 s to seconds after ingest. A delta is what a cell is cut from,
-- for one shipment as it was (sign -1) and as it is now (sign +1): a held day reads as its
-- stored cells plus the deltas committed since, so it stays exact without going live.
--
-- Timestamps, not days: the trigger knows no zone; the reader maps them to local days with
-- the same expressions as the rollup. No index and no key: rows are only appended by the
-- writers (who never wait on each other here) and read or deleted whole by the rollup.
-- Rare or awkward changes (a deleted shipment or survey, a survey moved to another
-- shipment) keep writing day marks to kpi_changes, read live as before; TRUNCATE still
-- forgets the rollup.

CREATE TABLE kpi_deltas (
    sign                smallint NOT NULL CHECK (sign IN (-1, 1)),
    shipper_id          bigint NOT NULL,
    service_level       text NOT NULL,
    dest_province       text NOT NULL,
    created_at          timestamptz NOT NULL,
    delivered_at        timestamptz,
    promised_at         timestamptz,
    out_for_delivery_at timestamptz,
    freight_fen         bigint,
    surcharge_fen       bigint,
    cost_fen            bigint,
    csat                smallint,
    nps                 smallint
);

-- Shipments: an insert adds its contribution (a new shipment has no survey yet: the survey
-- references it); an update whose KPI columns changed removes the old contribution and
-- adds the new, both with the shipment's survey as it is now (the survey trigger locks the
-- shipment, so the two never race); a delete marks its days.
CREATE OR REPLACE FUNCTION kpi_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen)
        SELECT 1, n.shipper_id, n.service_level, n.dest_province, n.created_at, n.delivered_at,
               n.promised_at, n.out_for_delivery_at, n.freight_fen, n.surcharge_fen, n.cost_fen
        FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
        FROM old_rows o, LATERAL (VALUES (o.created_at), (o.delivered_at)) v(t) WHERE t IS NOT NULL;
    ELSE
        -- LATERAL, so the survey is looked up by its unique index for the changed rows only.
        INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen, csat, nps)
        SELECT x.*, v.csat, v.nps
        FROM old_rows o JOIN new_rows n ON n.id = o.id
             LEFT JOIN LATERAL (SELECT csat, nps FROM surveys WHERE shipment_id = n.id) v ON true,
             LATERAL (VALUES
                 (-1::smallint, o.shipper_id, o.service_level, o.dest_province, o.created_at, o.delivered_at,
                  o.promised_at, o.out_for_delivery_at, o.freight_fen, o.surcharge_fen, o.cost_fen),
                 (1::smallint, n.shipper_id, n.service_level, n.dest_province, n.created_at, n.delivered_at,
                  n.promised_at, n.out_for_delivery_at, n.freight_fen, n.surcharge_fen, n.cost_fen)) x
        WHERE (o.created_at, o.delivered_at, o.promised_at, o.out_for_delivery_at, o.shipper_id,
               o.service_level, o.dest_province, o.freight_fen, o.surcharge_fen, o.cost_fen)
              IS DISTINCT FROM
              (n.created_at, n.delivered_at, n.promised_at, n.out_for_delivery_at, n.shipper_id,
               n.service_level, n.dest_province, n.freight_fen, n.surcharge_fen, n.cost_fen);
    END IF;
    RETURN NULL;
END $$;

-- Surveys count only on a delivered shipment. An insert removes the shipment without a
-- survey and adds it with the survey; an update of the answers removes the old answers
-- and adds the new. The shipment row is locked (as an update would), so a concurrent
-- update of the shipment either sees this survey or is seen by it. A delete, or a survey
-- moved to another shipment, marks the delivery day.
CREATE OR REPLACE FUNCTION kpi_mark_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH s AS (
            SELECT s.*, n.csat AS new_csat, n.nps AS new_nps
            FROM new_rows n JOIN shipments s ON s.id = n.shipment_id
            FOR NO KEY UPDATE OF s)
        INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen, csat, nps)
        SELECT x.sign, s.shipper_id, s.service_level, s.dest_province, s.created_at, s.delivered_at,
               s.promised_at, s.out_for_delivery_at, s.freight_fen, s.surcharge_fen, s.cost_fen, x.csat, x.nps
        FROM s, LATERAL (VALUES (-1::smallint, NULL::smallint, NULL::smallint), (1, s.new_csat, s.new_nps)) x(sign, csat, nps)
        WHERE s.delivered_at IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN shipments s ON s.id = o.shipment_id WHERE s.delivered_at IS NOT NULL;
    ELSE
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN new_rows n ON n.id = o.id
             JOIN shipments s ON s.id IN (o.shipment_id, n.shipment_id)
        WHERE s.delivered_at IS NOT NULL AND o.shipment_id IS DISTINCT FROM n.shipment_id;
        WITH s AS (
            SELECT s.*, o.csat AS old_csat, o.nps AS old_nps, n.csat AS new_csat, n.nps AS new_nps
            FROM old_rows o JOIN new_rows n ON n.id = o.id JOIN shipments s ON s.id = n.shipment_id
            WHERE o.shipment_id = n.shipment_id AND (o.csat, o.nps) IS DISTINCT FROM (n.csat, n.nps)
            FOR NO KEY UPDATE OF s)
        INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen, csat, nps)
        SELECT x.sign, s.shipper_id, s.service_level, s.dest_province, s.created_at, s.delivered_at,
               s.promised_at, s.out_for_delivery_at, s.freight_fen, s.surcharge_fen, s.cost_fen, x.csat, x.nps
        FROM s, LATERAL (VALUES (-1::smallint, s.old_csat, s.old_nps), (1, s.new_csat, s.new_nps)) x(sign, csat, nps)
        WHERE s.delivered_at IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;

-- TRUNCATE forgets the rollup, and with it the deltas on top of it.
CREATE OR REPLACE FUNCTION kpi_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_cells;
    DELETE FROM kpi_days;
    DELETE FROM kpi_deltas;
    RETURN NULL;
END $$;
