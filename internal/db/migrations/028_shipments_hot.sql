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

-- Indexes reviewed: none covers last_event_at or updated_at. status, arrived_at_station_at,
-- out_for_delivery_at and delivered_at are indexed (open-parcel, slow sign-off and KPI
-- indexes, which their queries need), so a scan that moves a parcel to a new step stays a
-- non-HOT update. shipments_created_idx and shipments_delivered_idx look redundant next to
-- 007's covering indexes but are kept: without them the planner picked a sequential scan
-- for a 30-day created count at 1,000,000 shipments (the wider index costs more).
