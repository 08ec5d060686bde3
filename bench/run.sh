#!/bin/sh
# Benchmarks of tape, each against a baseline measured in the same run.
# Needs a running PostgreSQL with tape installed (PGHOST/PGPORT), python3 and psql.
#
#   TAPE_BENCH_SCALE=small|full (default full: 40 pages of 2 M bars to decode;
#   2 M minute bars of 120 tickers x 20 days for the analytics)
set -eu
cd "$(dirname "$0")/.."
scale=${TAPE_BENCH_SCALE:-full}
case $scale in
    small) pages=4 reps=1 tickers=10 days=5 areps=1 ;;
    full) pages=40 reps=3 tickers=120 days=20 areps=5 ;;
    *) echo "TAPE_BENCH_SCALE must be small or full" >&2; exit 2 ;;
esac
key=${TAPE_API_KEY:-bench-key-not-secret}
out=$(mktemp -d /tmp/tape-bench.XXXXXX)
trap 'kill $(cat "$out/mock.pid" 2>/dev/null) 2>/dev/null; rm -rf "$out"' EXIT INT TERM

echo "== generating $pages pages of Polygon minute bars"
info=$(python3 bench/gen_bars_pages.py "$out" "$pages")
rows=$(echo "$info" | sed 's/.*"rows": \([0-9]*\).*/\1/')
json_bytes=$(echo "$info" | sed 's/.*"json_bytes": \([0-9]*\).*/\1/')
json_mb=$(awk "BEGIN { printf \"%.1f\", $json_bytes / 1e6 }")

python3 test/mock/polygon_mock.py --port 0 --port-file "$out/mock.port" --api-key "$key" \
    --bench-pages "$out/pages" >"$out/mock.out" 2>&1 &
echo $! >"$out/mock.pid"
i=0
while [ ! -s "$out/mock.port" ]; do
    i=$((i + 1)); [ $i -gt 300 ] && { cat "$out/mock.out"; exit 1; }
    sleep 0.1
done
url="http://127.0.0.1:$(cat "$out/mock.port")/_f/bench=1,gzip=0"

echo "== bench/decode.sql: polygon_fdw vs json(b)_to_recordset vs COPY"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v bench_url="$url" -v api_key="$key" -v out="$out" \
    -v pages="$pages" -v reps="$reps" -v rows="$rows" -v json_bytes="$json_bytes" -v json_mb="$json_mb" \
    -f bench/decode.sql

echo "== bench/analytics.sql: window functions and detectors in C vs plain SQL"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v tickers="$tickers" -v days="$days" -v reps="$areps" \
    -v work_mem="'${TAPE_BENCH_WORK_MEM:-256MB}'" \
    -f bench/analytics.sql
