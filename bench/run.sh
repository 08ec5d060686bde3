#!/bin/sh
# Benchmarks of tape, each against a baseline measured in the same run.
# Needs a running PostgreSQL with tape installed (PGHOST/PGPORT), python3 and psql.
#
#   TAPE_BENCH_SCALE=small|full (default full: 40 pages of 2 M bars to decode;
#   2 M minute bars of 120 tickers x 20 days for the analytics; 1 M trades and
#   1,000 windows for trades; 600 windows of trades and quotes for ticks, and
#   10,000 event windows over them for features and for the pipeline steps (tick
#   QA, features and labels of a manifest); 960,000 minute bars of 50
#   tickers and 200 tickers' day bars for the store; 1,008 windows of 5 minutes
#   on 24 ticker-days and 260,000 generated events for the capture; for the live feed
#   200 tickers' bars a minute for its latency, 10,000 tickers' minute and 1 M trades
#   for its rates; scale: 2,000 tickers x 252 trading days of minute bars,
#   about 310 M, through bench/scale.py, only when asked: TAPE_BENCH_ONLY=scale; its small scale,
#   20 tickers x 10 days, runs in every run)
#   TAPE_BENCH_ONLY=decode|analytics|trades|ticks|features|pipeline|quality|store|capture|live|scale runs one of them (default: all)
set -eu
cd "$(dirname "$0")/.."
scale=${TAPE_BENCH_SCALE:-full}
case $scale in
    small) pages=4 reps=1 tickers=10 days=5 areps=1 tpages=2 win_tickers=2 win_days=1 win_per_day=5 kwindows=10
           quality="--seed 1 --tickers 8 --days 27 --warmup 10" warmup=10
           store_tickers=4 store_day_tickers=40 sreps=1 events=200
           cap_tickers=2 cap_days=2 cap_per_day=10 cap_events=20000
           live="--latency-tickers 50 --latency-minutes 20 --rate-tickers 1000 --trades 50000" ;;
    full) pages=40 reps=3 tickers=120 days=20 areps=5 tpages=20 win_tickers=5 win_days=10 win_per_day=20 kwindows=600
          quality="--seed 42 --tickers 40 --days 45 --warmup 20 --from 2025-10-01" warmup=20
          store_tickers=50 store_day_tickers=200 sreps=3 events=10000
          cap_tickers=4 cap_days=6 cap_per_day=42 cap_events=260000
          live="--latency-tickers 200 --latency-minutes 60 --rate-tickers 10000 --trades 1000000" ;;
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

echo "== generating $tpages pages of Polygon trades"
tinfo=$(python3 bench/gen_trades_pages.py "$out" "$tpages")
trows=$(echo "$tinfo" | sed 's/.*"rows": \([0-9]*\).*/\1/')
tjson_bytes=$(echo "$tinfo" | sed 's/.*"json_bytes": \([0-9]*\).*/\1/')
tjson_mb=$(awk "BEGIN { printf \"%.1f\", $tjson_bytes / 1e6 }")

only=${TAPE_BENCH_ONLY:-all}
runs() { [ "$only" = all ] || [ "$only" = "$1" ]; }
json_field() { echo "$1" | sed "s/.*\"$2\": \([0-9]*\).*/\1/"; }

if runs ticks || runs features || runs pipeline; then
    echo "== generating $kwindows windows of trades and quotes"
    kinfo=$(python3 bench/gen_ticks.py "$out/ticks" "$kwindows")
fi

if runs store; then
    echo "== generating the store's bars: minute bars of $store_tickers tickers, day bars of $store_day_tickers"
    srows=$(json_field "$(python3 bench/gen_store_bars.py "$out" "$store_tickers" "$store_day_tickers")" rows)
fi

python3 test/mock/polygon_mock.py --port 0 --port-file "$out/mock.port" --api-key "$key" \
    --bench-pages "$out/pages" --log "$out/mock.log" >"$out/mock.out" 2>&1 &
echo $! >"$out/mock.pid"
i=0
while [ ! -s "$out/mock.port" ]; do
    i=$((i + 1)); [ $i -gt 300 ] && { cat "$out/mock.out"; exit 1; }
    sleep 0.1
done
mock_url="http://127.0.0.1:$(cat "$out/mock.port")"
url="$mock_url/_f/bench=1,gzip=0"

if runs decode; then
echo "== bench/decode.sql: polygon_fdw vs json(b)_to_recordset vs COPY"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v bench_url="$url" -v api_key="$key" -v out="$out" \
    -v pages="$pages" -v reps="$reps" -v rows="$rows" -v json_bytes="$json_bytes" -v json_mb="$json_mb" \
    -f bench/decode.sql
fi

if runs analytics; then
echo "== bench/analytics.sql: window functions and detectors in C vs plain SQL"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v tickers="$tickers" -v days="$days" -v reps="$areps" \
    -v work_mem="'${TAPE_BENCH_WORK_MEM:-256MB}'" \
    -f bench/analytics.sql
fi

if runs trades; then
echo "== bench/trades.sql: trades decode vs COPY; join-driven windows vs whole days"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v bench_url="$url" -v api_key="$key" -v out="$out" \
    -v reps="$areps" -v trows="$trows" -v tpages="$tpages" -v tjson_bytes="$tjson_bytes" -v tjson_mb="$tjson_mb" \
    -v win_url="$mock_url/_f/tag=bench_win" -v day_url="$mock_url/_f/tag=bench_day" -v mock_log="$out/mock.log" \
    -v win_tickers="$win_tickers" -v win_days="$win_days" -v win_per_day="$win_per_day" \
    -f bench/trades.sql
fi

if runs ticks; then
echo "== bench/ticks.sql: tick blocks vs heap rows vs zstd JSON; decode vs a heap scan; packing from polygon_fdw"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v out="$out" -v reps="$areps" -v bench_url="$url" -v api_key="$key" \
    -v trows="$trows" -v windows="$(json_field "$kinfo" windows)" -v trades="$(json_field "$kinfo" trades)" \
    -v quotes="$(json_field "$kinfo" quotes)" -v trades_json_zstd="$(json_field "$kinfo" trades_json_zstd_bytes)" \
    -v quotes_json_zstd="$(json_field "$kinfo" quotes_json_zstd_bytes)" \
    -f bench/ticks.sql
fi

if runs quality; then
echo "== bench/detect_quality.sql: recall on planted events, events on quiet bars, three volume baselines"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v gen_args="$quality" -v warmup="$warmup" \
    -f bench/detect_quality.sql
fi

if runs store; then
echo "== bench/store.sql: refresh_bars vs COPY into tape.bars_1m; requests in flight"
store_db=tape_bench_store_$$
createdb "$store_db"
psql -X -q -d "$store_db" -v store_url="$mock_url/_f/bench=1,gzip=0" -v api_key="$key" -v out="$out" \
    -v slow_url="$mock_url/_f/tag=store_slow,delay_ms=100,bench=1,gzip=0" -v mock_log="$out/mock.log" \
    -v tickers="$store_tickers" -v day_tickers="$store_day_tickers" -v rows="$srows" -v reps="$sreps" \
    -f bench/store.sql || { dropdb "$store_db"; exit 1; }
dropdb "$store_db"
fi

if runs features; then
echo "== bench/features.sql: window features in C vs plain SQL over the rows; bars from trades vs GROUP BY"
psql -X -q -d "${TAPE_BENCH_DB:-postgres}" -v out="$out" -v reps="$areps" -v events="$events" \
    -v windows="$(json_field "$kinfo" windows)" -v trades="$(json_field "$kinfo" trades)" \
    -f bench/features.sql
fi

if runs pipeline; then
echo "== bench/pipeline.sql: tick QA of a manifest's windows in C vs plain SQL; features and labels as pipeline steps"
pipeline_db=tape_bench_pipeline_$$
createdb "$pipeline_db"
psql -X -q -d "$pipeline_db" -v out="$out" -v reps="$areps" -v events="$events" \
    -f bench/pipeline.sql || { dropdb "$pipeline_db"; exit 1; }
dropdb "$pipeline_db"
fi

if [ "$only" = scale ] || { [ "$only" = all ] && [ "$scale" = small ]; }; then
echo "== bench/scale.py: the user's universe on one machine (heap vs Parquet, detect_all on every core, tape vs DuckDB)"
case $scale in
    small) python3 bench/scale.py "${TAPE_SCALE_TICKERS:-20}" "${TAPE_SCALE_DAYS:-10}" 1 "$out/scale" 0.05 ;;
    full) python3 bench/scale.py "${TAPE_SCALE_TICKERS:-2000}" "${TAPE_SCALE_DAYS:-252}" 3 "$out/scale" ;;
esac
fi

if runs capture; then
echo "== bench/capture.sql: the capture plan against a series per window; capture end to end against the scans alone"
capture_db=tape_bench_capture_$$
createdb "$capture_db"
psql -X -q -d "$capture_db" -v api_key="$key" -v mock_log="$out/mock.log" \
    -v capture_url="$mock_url/_f/tag=bench_capture" -v scan_url="$mock_url/_f/tag=bench_scan" \
    -v cap_tickers="$cap_tickers" -v cap_days="$cap_days" -v cap_per_day="$cap_per_day" -v events="$cap_events" \
    -f bench/capture.sql || { dropdb "$capture_db"; exit 1; }
dropdb "$capture_db"
fi

if runs live; then
echo "== bench/live.py: the live feed: bar message -> NOTIFY latency, AM.* and T.* rates, memory"
live_db=tape_bench_live_$$
createdb "$live_db"
psql -X -q -d "$live_db" -c 'CREATE EXTENSION tape CASCADE'
# shellcheck disable=SC2086
python3 bench/live.py --db "$live_db" $live || { dropdb "$live_db"; exit 1; }
dropdb "$live_db"
fi
