-- 028_shipments_hot.sql: let tracking scans update shipments in place (HOT).
--
-- A scan that does not move a parcel to a new step (a second in_transit at the next hub)
-- changes only last_event_at and updated_at, which no index covers. Such an update can be
-- HOT (no new index entries) if the new row version fits on the same page, which a table
-- packed at fillfactor 100 never allows: at 1,000,000 shipments 0 of 1,000 updates were HOT.
-- Keeping 15 % of each page free gives the new versions room.
--
-- SET (fillfactor) only changes how new pages are filled: it rewrites nothing and takes a
-- brief lock, so this migration is instant on a big database. Existing full pages gain room
-- only as rows leave them (vacuum) or when an operator rewrites the table off-peak
-- (VACUUM FULL shipments, or pg_repack without the long lock).
ALTER TABLE shipments SET (fillfactor = 85);

-- Two indexes were exact prefixes of the KPI covering indexes of migration 007 (same key,
-- same predicate), so every query that could use one can use the other. Each costs an
-- index entry on every insert and every non-HOT update (a delivery scan sets delivered_at).
DROP INDEX shipments_created_idx;    -- shipments_created_kpi_idx: (created_at) INCLUDE (...)
DROP INDEX shipments_delivered_idx;  -- shipments_delivered_kpi_idx: (delivered_at) INCLUDE (...) WHERE delivered_at IS NOT NULL
