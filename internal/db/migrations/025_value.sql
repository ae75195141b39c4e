-- 025_value.sql: customer value (package reports). The KPI rollup's cells gain the money
-- of the shipments created that day: revenue (freight + surcharge, unknown parts as 0),
-- the cost of those whose cost is known, and counts of shipments whose cost is not known
-- and that carry no charge at all, so per-shipper revenue and margin over a year read the
-- rollup instead of every shipment. A change of any charge marks its day, as every other
-- column the figures come from does.

ALTER TABLE kpi_cells
    ADD COLUMN revenue_fen  bigint NOT NULL DEFAULT 0,
    ADD COLUMN cost_fen     bigint NOT NULL DEFAULT 0,
    ADD COLUMN unknown_cost bigint NOT NULL DEFAULT 0,
    ADD COLUMN uncharged    bigint NOT NULL DEFAULT 0;

-- Cells computed before this migration hold no money: forget them, the next Refresh
-- (or any read, live) recomputes them.
DELETE FROM kpi_cells;
DELETE FROM kpi_days;

CREATE OR REPLACE FUNCTION kpi_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
        FROM new_rows n, LATERAL (VALUES (n.created_at), (n.delivered_at)) v(t) WHERE t IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
        FROM old_rows o, LATERAL (VALUES (o.created_at), (o.delivered_at)) v(t) WHERE t IS NOT NULL;
    ELSE
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN new_rows n ON n.id = o.id,
             LATERAL (VALUES (o.created_at), (o.delivered_at), (n.created_at), (n.delivered_at)) v(t)
        WHERE t IS NOT NULL
          AND (o.created_at, o.delivered_at, o.promised_at, o.out_for_delivery_at, o.shipper_id,
               o.service_level, o.dest_province, o.freight_fen, o.surcharge_fen, o.cost_fen)
              IS DISTINCT FROM
              (n.created_at, n.delivered_at, n.promised_at, n.out_for_delivery_at, n.shipper_id,
               n.service_level, n.dest_province, n.freight_fen, n.surcharge_fen, n.cost_fen);
    END IF;
    RETURN NULL;
END $$;

-- Compensation by shipper and resolution time (the value page's period).
CREATE INDEX complaints_compensation ON complaints (resolved_at, shipper_id)
    WHERE compensation_fen > 0;

-- Win-back tasks carry the revenue at risk: what the quiet shipper brought in over the 90
-- days up to its last shipment, so the calls go to the customers worth most first.
ALTER TABLE staff_tasks ADD COLUMN revenue_at_risk_fen bigint;
