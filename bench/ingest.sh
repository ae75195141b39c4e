#!/usr/bin/env bash
# bench/ingest.sh DBURL: migrate a copy of the 1M data set, then three interleaved rounds of
# loadgen events -overlap 0.5 and loadgen copy -overlap 0.5 with the WAL each writes
# (BENCHMARKS.md, "Merged build at 1,000,000 shipments"). LCRM and LOADGEN are the binaries.
set -uo pipefail
DB=$1; PORT=${PORT:-18112}
LCRM=$(realpath "${LCRM:-./lcrm}"); LOADGEN=$(realpath "${LOADGEN:-./loadgen}")
W=$PWD/run-ingest; mkdir -p $W; cd $W
export DATABASE_URL=$DB LCRM_DATA_DIR=$W/data LCRM_LOOKUPS_PER_MINUTE=1000000000 LCRM_JOBS=false LCRM_ADDR=127.0.0.1:$PORT LCRM_PUBLIC_URL=http://127.0.0.1:$PORT
t0=$(date +%s.%N); $LCRM migrate > migrate.log 2>&1; echo "migrate 027->029 on m1m: $(echo "$(date +%s.%N) - $t0" | bc) s"
$LCRM serve > serve.log 2>&1 & SP=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
KEY=$($LCRM apikey create bench-$RANDOM 2>/dev/null | tail -1)
lsn() { psql $DB -Atc "select pg_current_wal_lsn()"; }
wal() { psql $DB -Atc "select pg_wal_lsn_diff('$2','$1')"; }
for r in 1 2 3; do
  a=$(lsn); out=$($LOADGEN events -db $DB -url http://127.0.0.1:$PORT -key $KEY -events 50000 -batch 1000 -conns 4 -overlap 0.5 2>&1 | tail -1); b=$(lsn)
  echo "api overlap r$r load $(cut -d' ' -f1 /proc/loadavg): $out; WAL $(( $(wal $a $b) / 50000 )) B/event"
  a=$(lsn); out=$($LOADGEN copy -db $DB -events 50000 -overlap 0.5 2>&1 | tail -1); b=$(lsn)
  echo "copy overlap r$r: $out; WAL $(( $(wal $a $b) / 50000 )) B/row"
done
kill $SP; wait $SP 2>/dev/null
