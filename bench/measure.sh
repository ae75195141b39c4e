#!/usr/bin/env bash
# bench/measure.sh DBURL PORT LCRM_BINARY LABEL: the 1M-vs-10M figures (BENCHMARKS.md, "1,000,000
# against 10,000,000 shipments") on one database. It writes to it (events, an API key): use a copy.
# LOADGEN is the loadgen binary (go build -o loadgen ./cmd/loadgen); output goes to ./run-LABEL.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOADGEN=$(realpath "${LOADGEN:-./loadgen}")
DB=$1; PORT=$2; BIN=$3; LABEL=$4
BIN=$(realpath "$BIN"); W=$PWD/run-$LABEL; mkdir -p $W; cd $W
# The slow sign-off candidate query, as the job runs it, with now() for its instant.
sed -n '/^const candidatesSQL = `/,/`$/p' $ROOT/care/signoff.go | sed '1d; s/`$/;/; s/\$1::timestamptz/now()::timestamptz/g' > candidates.sql
export DATABASE_URL=$DB LCRM_DATA_DIR=$W/data LCRM_LOOKUPS_PER_MINUTE=1000000000 LCRM_2FA_REQUIRED_ROLES=none LCRM_JOBS=false LCRM_ADDR=127.0.0.1:$PORT LCRM_PUBLIC_URL=http://127.0.0.1:$PORT
echo "== $LABEL $(date -u +%H:%M:%S) load: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s numbers.txt ] || $LOADGEN numbers -db $DB -n 100000 > numbers.txt
t0=$(date +%s.%N); $BIN jobs run kpi-rollup >/dev/null 2>&1; echo "kpi-rollup first run: $(echo "$(date +%s.%N) - $t0" | bc) s"
$BIN serve > serve.log 2>&1 & SP=$!
for i in $(seq 60); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 1; done
for r in 1 2 3; do echo "track r$r load $(cut -d' ' -f1 /proc/loadavg): $(wrk -t2 -c32 -d15s -s $ROOT/bench/track.lua http://127.0.0.1:$PORT 2>/dev/null | tail -1)"; done
rm -f jar; curl -s -c jar -b jar http://127.0.0.1:$PORT/login > login.html
CSRF=$(grep -o 'name="_csrf" value="[^"]*"' login.html | head -1 | sed 's/.*value="//;s/"//')
curl -s -c jar -b jar -o /dev/null -w "login %{http_code}\n" --data-urlencode "_csrf=$CSRF" --data-urlencode "email=manager@demo.lcrm" --data-urlencode "password=lcrm-demo-2026" http://127.0.0.1:$PORT/login
for p in "/console/kpi" "/console/value"; do
  for r in 1 2 3 4; do curl -s -b jar -o /dev/null -w "$p r$r %{http_code} %{time_total}s\n" "http://127.0.0.1:$PORT$p"; done
done
KEY=$($BIN apikey create bench-$RANDOM 2>/dev/null | tail -1)
for r in 1 2 3; do echo "ingest r$r load $(cut -d' ' -f1 /proc/loadavg): $($LOADGEN events -db $DB -url http://127.0.0.1:$PORT -key $KEY -events 50000 -batch 1000 -conns 4 2>&1 | tail -1)"; echo "copy r$r: $($LOADGEN copy -db $DB -events 50000 2>&1 | tail -1)"; done
kill $SP; wait $SP 2>/dev/null
for r in 1 2 3; do t0=$(date +%s.%N); psql "$DB" -Atq -f candidates.sql | wc -l > cand.n; echo "slow-signoff candidate scan r$r: $(echo "$(date +%s.%N) - $t0" | bc) s, $(cat cand.n) rows"; done
echo "== done $(date -u +%H:%M:%S)"
