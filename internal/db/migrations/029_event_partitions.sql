-- tracking_events becomes a table partitioned by RANGE (shipment_id) (issue #18).
--
-- Why shipment_id and not the month of occurred_at: PostgreSQL needs every unique key of
-- a partitioned table to contain the partition key. The idempotency key is
-- (shipment_id, event_key); partitioned by shipment_id it stays exactly that, and
-- INSERT ... ON CONFLICT (shipment_id, event_key) DO NOTHING is unchanged. By month of
-- occurred_at (or received_at) the key would have to become (shipment_id, event_key,
-- occurred_at): the same event resent with a corrected time, or arriving months late into
-- another month's partition, would be stored twice. Shipment ids grow with creation time,
-- so a partition is "the parcels created in a period": every event of a parcel, late ones
-- included, lives in the one partition, the timeline read touches one partition, and
-- "archive what is older than a month" is "archive the id ranges whose parcels were all
-- created before it".
--
-- The conversion is in place and does not copy rows: the old table becomes the history
-- partition [0, max(shipments.id)+1). A CHECK constraint proving the bound is added first
-- (one sequential scan), so ATTACH skips its own scan; the existing primary key, timeline
-- index and foreign key are adopted by the parent's, not rebuilt.
--
-- Partitions after the history one are about a month of new parcels each, created ahead by
-- tracking_events_add_partitions (the event-partitions job). tracking_events_default
-- catches ids past them if the job has not run; the function moves such rows into their
-- partition when it creates it.

-- Every partition but the default, with its bound [lo, hi); archived_at is set when
-- lcrm events archive has written its rows out and dropped it (see README, "Archiving
-- events"). The timeline of a parcel in an archived range says so.
CREATE TABLE tracking_event_partitions (
    lo             bigint PRIMARY KEY,
    hi             bigint NOT NULL,
    name           text NOT NULL UNIQUE,
    created_at     timestamptz NOT NULL DEFAULT now(),
    archived_at    timestamptz,
    archive_file   text NOT NULL DEFAULT '',
    archived_rows  bigint NOT NULL DEFAULT 0,
    CHECK (lo < hi)
);

-- Events that arrive for a parcel whose events are archived: kept aside (not shown, not
-- derived), unique by the same key, merged back by a restore with ON CONFLICT DO NOTHING,
-- so an event is still stored once.
CREATE TABLE tracking_events_after_archive (LIKE tracking_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
    PRIMARY KEY (shipment_id, event_key));

ALTER TABLE tracking_events RENAME TO tracking_events_history;
ALTER INDEX tracking_events_pkey RENAME TO tracking_events_history_pkey;
ALTER INDEX tracking_events_timeline_idx RENAME TO tracking_events_history_timeline_idx;

CREATE TABLE tracking_events (
    shipment_id  bigint NOT NULL,
    event_key    text NOT NULL,
    code         text NOT NULL CONSTRAINT tracking_events_code_check CHECK (code IN ('created', 'picked_up', 'in_transit',
                     'arrived_at_station', 'out_for_delivery', 'delivery_failed',
                     'delivered', 'exception', 'returned')),
    occurred_at  timestamptz NOT NULL,
    location     text NOT NULL DEFAULT '',
    note         text NOT NULL DEFAULT '',
    signed_by    text NOT NULL DEFAULT '',
    pod_url      text NOT NULL DEFAULT '',
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shipment_id, event_key),
    CONSTRAINT tracking_events_shipment_id_fkey FOREIGN KEY (shipment_id) REFERENCES shipments (id)
) PARTITION BY RANGE (shipment_id);
CREATE INDEX tracking_events_timeline_idx ON tracking_events (shipment_id, occurred_at);

DO $$
DECLARE b bigint;
BEGIN
    SELECT coalesce(max(id), 0) + 1 INTO b FROM shipments;
    EXECUTE format('ALTER TABLE tracking_events_history ADD CONSTRAINT tracking_events_history_bound CHECK (shipment_id >= 0 AND shipment_id < %s)', b);
    EXECUTE format('ALTER TABLE tracking_events ATTACH PARTITION tracking_events_history FOR VALUES FROM (0) TO (%s)', b);
    ALTER TABLE tracking_events_history DROP CONSTRAINT tracking_events_history_bound;
    INSERT INTO tracking_event_partitions (lo, hi, name) VALUES (0, b, 'tracking_events_history');
END $$;

CREATE TABLE tracking_events_default PARTITION OF tracking_events DEFAULT;

-- tracking_events_add_partitions creates the partitions ahead: while fewer than p_ahead
-- partitions' worth of ids are left past the newest shipment id, it adds the next range
-- [hi, hi + size), size being the parcels created in the 31 days before p_now (at least
-- 10,000, rounded up to 10,000), i.e. about a month. Rows the default partition holds in the
-- new range are moved into it. Serialised by a transaction advisory lock and driven by the
-- table above, so it is idempotent and safe from any number of instances. Returns the number
-- of partitions created.
CREATE FUNCTION tracking_events_add_partitions(p_now timestamptz, p_ahead int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    top bigint;
    cur bigint;
    size bigint;
    part text;
    n int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('lcrm:tracking_events_partitions'));
    SELECT max(hi) INTO top FROM tracking_event_partitions;
    SELECT last_value INTO cur FROM shipments_id_seq;
    SELECT greatest(10000, ceil(count(*) / 10000.0)::bigint * 10000) INTO size
        FROM shipments WHERE created_at >= p_now - interval '31 days' AND created_at < p_now;
    WHILE top <= cur + p_ahead * size LOOP
        part := format('tracking_events_%s', lpad(top::text, 12, '0'));
        EXECUTE format('CREATE TABLE %I (LIKE tracking_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('WITH m AS (DELETE FROM tracking_events_default WHERE shipment_id >= %s AND shipment_id < %s RETURNING *) INSERT INTO %I SELECT * FROM m',
            top, top + size, part);
        EXECUTE format('ALTER TABLE tracking_events ATTACH PARTITION %I FOR VALUES FROM (%s) TO (%s)', part, top, top + size);
        INSERT INTO tracking_event_partitions (lo, hi, name) VALUES (top, top + size, part);
        top := top + size;
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- An archived range keeps an empty partition so that late events for its parcels are not
-- an error: this trigger puts them aside in tracking_events_after_archive instead (RETURN
-- NULL: nothing is stored in the partition, and RecordEvents reports a duplicate).
CREATE FUNCTION tracking_events_archived_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tracking_events_after_archive VALUES (NEW.*) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

SELECT tracking_events_add_partitions(now(), 2);
