-- 031_trigger_plans.sql: the statement triggers on shipments and surveys run their
-- transition-table queries through EXECUTE, so each is planned for the rows at hand. A
-- query written inline in PL/pgSQL keeps the plan of its first run on a connection: after a
-- small first update, the old/new join of a 5,000-row update ran as a nested loop over
-- 1-row estimates (6.6 s and 8.4 s in kpi_mark_shipments and billing_mark_shipments,
-- against 19 ms and 26 ms freshly planned; an import of 1,000,000 events slowed to 250
-- rows a second). Planning each run costs well under a millisecond. The bodies are those
-- of 030 and 026 otherwise.

CREATE OR REPLACE FUNCTION kpi_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE $q$
            INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                    promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen)
            SELECT 1, n.shipper_id, n.service_level, n.dest_province, n.created_at, n.delivered_at,
                   n.promised_at, n.out_for_delivery_at, n.freight_fen, n.surcharge_fen, n.cost_fen
            FROM new_rows n
        $q$;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $q$
            INSERT INTO kpi_changes (utc_day)
            SELECT DISTINCT (t AT TIME ZONE 'UTC')::date
            FROM old_rows o, LATERAL (VALUES (o.created_at), (o.delivered_at)) v(t) WHERE t IS NOT NULL
        $q$;
    ELSE
        -- LATERAL, so the survey is looked up by its unique index for the changed rows only.
        EXECUTE $q$
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
                   n.service_level, n.dest_province, n.freight_fen, n.surcharge_fen, n.cost_fen)
        $q$;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION kpi_mark_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE $q$
            WITH s AS (
                SELECT s.*, n.csat AS new_csat, n.nps AS new_nps
                FROM new_rows n JOIN shipments s ON s.id = n.shipment_id
                FOR NO KEY UPDATE OF s)
            INSERT INTO kpi_deltas (sign, shipper_id, service_level, dest_province, created_at, delivered_at,
                                    promised_at, out_for_delivery_at, freight_fen, surcharge_fen, cost_fen, csat, nps)
            SELECT x.sign, s.shipper_id, s.service_level, s.dest_province, s.created_at, s.delivered_at,
                   s.promised_at, s.out_for_delivery_at, s.freight_fen, s.surcharge_fen, s.cost_fen, x.csat, x.nps
            FROM s, LATERAL (VALUES (-1::smallint, NULL::smallint, NULL::smallint), (1, s.new_csat, s.new_nps)) x(sign, csat, nps)
            WHERE s.delivered_at IS NOT NULL
        $q$;
    ELSIF TG_OP = 'DELETE' THEN
        EXECUTE $q$
            INSERT INTO kpi_changes (utc_day)
            SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
            FROM old_rows o JOIN shipments s ON s.id = o.shipment_id WHERE s.delivered_at IS NOT NULL
        $q$;
    ELSE
        EXECUTE $q$
            INSERT INTO kpi_changes (utc_day)
            SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
            FROM old_rows o JOIN new_rows n ON n.id = o.id
                 JOIN shipments s ON s.id IN (o.shipment_id, n.shipment_id)
            WHERE s.delivered_at IS NOT NULL AND o.shipment_id IS DISTINCT FROM n.shipment_id
        $q$;
        EXECUTE $q$
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
            WHERE s.delivered_at IS NOT NULL
        $q$;
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION billing_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- Only rows created inside a closed month: the normal flow costs one lookup.
        EXECUTE $q$
            INSERT INTO billing_changes (shipment_id)
            SELECT n.id FROM new_rows n
            WHERE n.created_at < (SELECT max(period_end) FROM billing_months)
            ON CONFLICT DO NOTHING
        $q$;
    ELSE
        EXECUTE $q$
            INSERT INTO billing_changes (shipment_id)
            SELECT n.id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.freight_fen, o.surcharge_fen, o.created_at)
                  IS DISTINCT FROM (n.freight_fen, n.surcharge_fen, n.created_at)
            ON CONFLICT DO NOTHING
        $q$;
    END IF;
    RETURN NULL;
END $$;
