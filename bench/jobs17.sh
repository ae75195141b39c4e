#!/usr/bin/env bash
# bench/jobs17.sh LABEL BIN: the two issue #17 rows quiet17.sh leaves out, for one build, on
# fresh copies of the 1M data set (TEMPLATE, default bench1m, on PG, default the bench server):
#   - the slow sign-off job's first run (wall time, peak RSS, what it wrote);
#   - `lcrm import events` of N (default 200,000) in_transit rows for pseudo-random parcels,
#     then `\copy` of the same rows (other event keys) into tracking_events as its floor.
# SKIP_SIGNOFF=1 measures the import only. Run it once per build and round, alternating builds, so the rounds interleave.
set -uo pipefail
LABEL=$1; BIN=$(realpath "$2"); N=${N:-200000}; TEMPLATE=${TEMPLATE:-bench1m}
PG=${PG:-postgres://postgres@127.0.0.1:55432}
P="psql -X -q -v ON_ERROR_STOP=1 $PG/postgres -At"
W=$PWD/run-jobs17; mkdir -p $W
export PGOPTIONS="-c client_min_messages=warning"
load() { cut -d' ' -f1 /proc/loadavg; }
fresh() { $P -c "DROP DATABASE IF EXISTS $1" && $P -c "CREATE DATABASE $1 TEMPLATE $TEMPLATE"; }

if [ -z "${SKIP_SIGNOFF:-}" ]; then
DB=j17_signoff_$LABEL; fresh $DB
DATABASE_URL=$PG/$DB $BIN migrate >/dev/null 2>&1
l=$(load); /usr/bin/time -o $W/time -f "%e s, rss %M KB" env DATABASE_URL=$PG/$DB $BIN jobs run slow-signoff >$W/signoff.log 2>&1; t=$(cat $W/time)
counts=$(psql -X -At $PG/$DB -c "select count(*) from slow_signoffs" -c "select string_agg(kind||'/'||status||'='||n, ' ' order by kind, status) from (select kind, status, count(*) n from sms_outbox group by 1,2) x")
echo "$LABEL signoff load $l: $t; flags/sms: $(echo $counts)"
$P -c "DROP DATABASE $DB"
fi

DB=j17_import_$LABEL; fresh $DB
DATABASE_URL=$PG/$DB $BIN migrate >/dev/null 2>&1
# Pseudo-random parcels (a multiplicative walk over the ids), an hour ago, as a hub scan file.
psql -X -q $PG/$DB <<SQL
CREATE TEMP TABLE zz AS SELECT g, s.id AS sid, s.tracking_no FROM generate_series(1, $N) g
  JOIN shipments s ON s.id = 1 + ((g::bigint * 7919 * 104729) % 1000000);
\copy (SELECT tracking_no, 'bench-imp-' || g, 'in_transit', to_char(now() - interval '1 hour' + g * interval '1 ms', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), '杭州转运中心', 'bench' FROM zz ORDER BY g) TO '$W/ev.csv' CSV
\copy (SELECT sid, 'bench-copy-' || g, 'in_transit', now() - interval '1 hour' + g * interval '1 ms', '杭州转运中心', 'bench' FROM zz ORDER BY g) TO '$W/floor.csv' CSV
SQL
sed -i '1i tracking_no,event_id,code,occurred_at,location,note' $W/ev.csv
l=$(load); /usr/bin/time -o $W/time -f "%e s, rss %M KB" env DATABASE_URL=$PG/$DB $BIN import events $W/ev.csv >$W/import.log 2>&1; t=$(cat $W/time)
stored=$(psql -X -At $PG/$DB -c "select count(*) from tracking_events where event_key like 'bench-imp-%'")
echo "$LABEL import $N load $l: $t; stored $stored; $(tail -1 $W/import.log)"
l=$(load); s=$(date +%s.%N)
psql -X -q $PG/$DB -c "\copy tracking_events(shipment_id,event_key,code,occurred_at,location,note) FROM '$W/floor.csv' CSV"
echo "$LABEL copy $N load $l: $(echo "$(date +%s.%N) $s" | awk '{printf "%.2f", $1 - $2}') s"
$P -c "DROP DATABASE $DB"
