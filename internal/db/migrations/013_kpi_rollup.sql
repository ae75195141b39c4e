-- 013_kpi_rollup.sql: a per-day rollup of the shipment KPIs (package reports), so the
-- dashboard of a 30-day period reads a few thousand rows per day instead of scanning and
-- joining every shipment and survey of 60 days.
--
-- kpi_cells holds, for each closed local day of a zone, one row per shipper × service
-- level × destination province: the additive counts, and every sign-off lag (seconds) of
-- the shipments delivered that day, so medians and p90s stay exact at any grouping. The
-- lags are packed as float8send does (8 bytes each, big-endian): a float8[] took longer
-- to decode than everything else on the dashboard.
-- kpi_days lists the days computed (a day with no shipments has no cells but is listed).
-- kpi_changes is written by triggers in the same transaction as any change to the rows a
-- day's figures come from; a day with a change not yet folded in is read live instead, so
-- the rollup can be behind but never wrong.

CREATE TABLE kpi_days (
    zone        text NOT NULL,
    day         date NOT NULL,
    cells       integer NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (zone, day)
);

CREATE TABLE kpi_cells (
    zone              text NOT NULL,
    day               date NOT NULL,
    shipper_id        bigint NOT NULL,
    service_level     text NOT NULL,
    dest_province     text NOT NULL,
    created           bigint NOT NULL,
    delivered         bigint NOT NULL,
    on_time           bigint NOT NULL,
    surveys           bigint NOT NULL,
    satisfied         bigint NOT NULL,
    csat_sum          bigint NOT NULL,
    promoters         bigint NOT NULL,
    detractors        bigint NOT NULL,
    surveys_on_time   bigint NOT NULL,
    satisfied_on_time bigint NOT NULL,
    surveys_late      bigint NOT NULL,
    satisfied_late    bigint NOT NULL,
    lags              bytea NOT NULL,
    PRIMARY KEY (zone, day, shipper_id, service_level, dest_province)
);

-- One row per statement and UTC date touched; UTC because the trigger knows no zone (a
-- reader maps a UTC date to the one or two local days it overlaps). Plain inserts, no
-- unique key: writers never wait on each other here.
CREATE TABLE kpi_changes (
    id      bigserial PRIMARY KEY,
    utc_day date NOT NULL,
    at      timestamptz NOT NULL DEFAULT now()
);

-- Shipments: the created and delivered days of inserted and deleted rows, and of updated
-- rows whose KPI columns changed (both the old and the new days, so a moved delivery
-- marks the day it left).
CREATE FUNCTION kpi_mark_shipments() RETURNS trigger LANGUAGE plpgsql AS $$
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
               o.service_level, o.dest_province)
              IS DISTINCT FROM
              (n.created_at, n.delivered_at, n.promised_at, n.out_for_delivery_at, n.shipper_id,
               n.service_level, n.dest_province);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER shipments_kpi_insert AFTER INSERT ON shipments
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_shipments();
CREATE TRIGGER shipments_kpi_update AFTER UPDATE ON shipments
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_shipments();
CREATE TRIGGER shipments_kpi_delete AFTER DELETE ON shipments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_shipments();

-- Surveys count on their shipment's delivery day.
CREATE FUNCTION kpi_mark_surveys() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
        FROM new_rows n JOIN shipments s ON s.id = n.shipment_id WHERE s.delivered_at IS NOT NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN shipments s ON s.id = o.shipment_id WHERE s.delivered_at IS NOT NULL;
    ELSE
        INSERT INTO kpi_changes (utc_day)
        SELECT DISTINCT (s.delivered_at AT TIME ZONE 'UTC')::date
        FROM old_rows o JOIN new_rows n ON n.id = o.id
             JOIN shipments s ON s.id IN (o.shipment_id, n.shipment_id)
        WHERE s.delivered_at IS NOT NULL
          AND (o.shipment_id, o.csat, o.nps) IS DISTINCT FROM (n.shipment_id, n.csat, n.nps);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER surveys_kpi_insert AFTER INSERT ON surveys
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_surveys();
CREATE TRIGGER surveys_kpi_update AFTER UPDATE ON surveys
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_surveys();
CREATE TRIGGER surveys_kpi_delete AFTER DELETE ON surveys
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION kpi_mark_surveys();

-- TRUNCATE leaves no rows to mark: forget the whole rollup instead.
CREATE FUNCTION kpi_forget() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM kpi_cells;
    DELETE FROM kpi_days;
    RETURN NULL;
END $$;

CREATE TRIGGER shipments_kpi_truncate AFTER TRUNCATE ON shipments
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_forget();
CREATE TRIGGER surveys_kpi_truncate AFTER TRUNCATE ON surveys
    FOR EACH STATEMENT EXECUTE FUNCTION kpi_forget();
