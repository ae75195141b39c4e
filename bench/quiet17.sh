#!/usr/bin/env bash
# bench/quiet17.sh DBURL: the issue #17 rows on a copy of the 1M data set, each interleaved with
# its floor in the same round, ROUNDS rounds (default 3), load average per line. It writes to the
# database (events, an API key, the KPI rollup): use a copy. LCRM and LOADGEN are the binaries;
# PGB_SQL is the floor of the tracking read (default bench/track_pgbench.sql, the public read;
# bench/track_full_pgbench.sql for a build before the per-view read).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DB=$1; PORT=${PORT:-18300}; ROUNDS=${ROUNDS:-3}; T=${T:-10}
LCRM=$(realpath "${LCRM:-./lcrm}"); LOADGEN=$(realpath "${LOADGEN:-./loadgen}")
W=$PWD/run-quiet17; mkdir -p $W; cd $W
export DATABASE_URL=$DB LCRM_DATA_DIR=$W/data LCRM_LOOKUPS_PER_MINUTE=1000000000 LCRM_2FA_REQUIRED_ROLES=none LCRM_JOBS=false LCRM_ADDR=127.0.0.1:$PORT LCRM_PUBLIC_URL=http://127.0.0.1:$PORT
load() { cut -d' ' -f1 /proc/loadavg; }
[ -s numbers.txt ] || $LOADGEN numbers -db $DB -n 100000 > numbers.txt
t0=$(date +%s.%N); $LCRM jobs run kpi-rollup >/dev/null 2>&1; echo "kpi-rollup: $(echo "$(date +%s.%N) - $t0" | bc) s"
$LCRM serve > serve.log 2>&1 & SP=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
rm -f jar; curl -s -c jar -b jar http://127.0.0.1:$PORT/login > login.html
CSRF=$(grep -o 'name="_csrf" value="[^"]*"' login.html | head -1 | sed 's/.*value="//;s/"//')
curl -s -c jar -b jar -o /dev/null -w "login %{http_code}\n" --data-urlencode "_csrf=$CSRF" --data-urlencode "email=manager@demo.lcrm" --data-urlencode "password=lcrm-demo-2026" http://127.0.0.1:$PORT/login
KEY=$($LCRM apikey create bench-$RANDOM 2>/dev/null | tail -1)
PGB() { pgbench -n -M prepared -f ${PGB_SQL:-$ROOT/bench/track_pgbench.sql} -c $1 -j 2 -T $T "$DB" 2>/dev/null | grep -E "^tps|latency average" | tr '\n' ' '; }
WRK() { WRK_PATH=$2 wrk -t2 -c$1 -d${T}s -s $ROOT/bench/track.lua http://127.0.0.1:$PORT 2>/dev/null | tail -1; }
kpi() { curl -s -b jar -o /dev/null -w "%{http_code} %{time_total}s" "http://127.0.0.1:$PORT/console/kpi"; }
for r in $(seq $ROUNDS); do
  for c in 4 32; do
    echo "r$r c$c pgbench load $(load): $(PGB $c)"
    echo "r$r c$c api     load $(load): $(WRK $c /api/v1/track/)"
    echo "r$r c$c page    load $(load): $(WRK $c /track/)"
  done
  echo "r$r kpi before ingest load $(load): $(kpi) $(kpi)"
  echo "r$r ingest overlap load $(load): $($LOADGEN events -db $DB -url http://127.0.0.1:$PORT -key $KEY -events 50000 -batch 1000 -conns 4 -overlap 0.5 2>&1 | tail -1)"
  echo "r$r copy overlap   load $(load): $($LOADGEN copy -db $DB -events 50000 -overlap 0.5 2>&1 | tail -1)"
  echo "r$r ingest random  load $(load): $($LOADGEN events -db $DB -url http://127.0.0.1:$PORT -key $KEY -events 50000 -batch 1000 -conns 4 2>&1 | tail -1)"
  echo "r$r copy random    load $(load): $($LOADGEN copy -db $DB -events 50000 2>&1 | tail -1)"
  echo "r$r kpi after ingest load $(load): $(kpi) $(kpi) (kpi_changes $(psql "$DB" -Atc 'select count(*) from kpi_changes'), shipments n_dead_tup $(psql "$DB" -Atc "select n_dead_tup from pg_stat_user_tables where relname='shipments'"))"
done
kill $SP; wait $SP 2>/dev/null
