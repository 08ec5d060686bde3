#!/bin/sh
# tape tests: install everything, build warning-free, then run every test:
# pg_regress (sql/ + expected/), pgTAP (test/pgtap/), Perl TAP (test/t/),
# a smoke run of the benchmarks, the demo's SQL and its live section.  Uses only the mock
# servers (REST and WebSocket).
. "$(dirname "$0")/lib.sh"

install_deps
build_install
setup_workdir
trap stop_services EXIT INT TERM

failed=""
# step NAME COMMAND: run a step as the PostgreSQL user; it fails if the command fails or if
# a backend crashed meanwhile (in the throwaway cluster's log, and for the Perl TAP tests in
# the logs of their own clusters): a crash that the tests survive is still a crash
step() {
    name=$1
    shift
    say "$name"
    log_before=0
    [ -f "$WORK/postgres.log" ] && log_before=$(wc -l <"$WORK/postgres.log")
    if as_run_user "$1"; then status=ok; else status=FAILED; fi
    crashes=""
    [ -f "$WORK/postgres.log" ] && crashes=$(tail -n +$((log_before + 1)) "$WORK/postgres.log" | crash_lines -)
    [ "$name" = "Perl TAP" ] && crashes="$crashes$(tap_crash_lines "$WORK/tree/tmp_check/log")"
    if [ -n "$crashes" ]; then
        echo "    the server restarted its backends after a crash:"
        echo "$crashes" | sed 's/^/      /'
        status=FAILED
    fi
    echo "    $status: $name"
    if [ $status = FAILED ]; then
        failed="$failed
  - $name"
    fi
}

step "version is the same in tape.control, META.json and CHANGELOG.md" \
    "make -s PG_CONFIG=$PG_CONFIG check-version"

start_services

step "pg_regress" \
    "make -s PG_CONFIG=$PG_CONFIG installcheck || { cat regression.diffs 2>/dev/null | head -300; exit 1; }"

step "pgTAP" \
    "createdb tape_pgtap && pg_prove -d tape_pgtap test/pgtap/*.sql"

step "Perl TAP" \
    "make -s PG_CONFIG=$PG_CONFIG prove-installcheck"

step "benchmark smoke run (small scale, timings not asserted)" \
    "TAPE_BENCH_SCALE=small sh bench/run.sh"

# the demo's SQL, so that it cannot rot: it must run through and write its plot; how long it
# took is printed, not asserted
step "the demo (demo/demo.sql against the mock, in a database of its own)" \
    'createdb tape_demo_check && started=$(date +%s) &&
     { psql -X -q -v ON_ERROR_STOP=1 -v plot_file="$WORK/demo-check.svg" -d tape_demo_check -f demo/demo.sql \
         >"$WORK/demo-check.out" 2>&1 || { tail -60 "$WORK/demo-check.out"; exit 1; }; } &&
     grep -q "<svg" "$WORK/demo-check.svg" &&
     echo "    the demo ran in $(($(date +%s) - started)) s"'

# and its live section, a day replayed through the mock WebSocket at 6000x (4 s)
step "the demo's live section (demo/live.py against the mock WebSocket)" \
    'python3 test/mock/live_mock.py --port 0 --port-file "$WORK/live-check.port" --log "$WORK/live-check.log" \
         --api-key "$TAPE_API_KEY" --day 2025-11-18 --start 09:25 --end 16:00 --speed 6000 >"$WORK/live-check.out" 2>&1 &
     echo $! >"$WORK/live.pid" && i=0 &&
     while [ ! -s "$WORK/live-check.port" ]; do i=$((i + 1)); [ $i -lt 100 ] || exit 1; sleep 0.1; done &&
     python3 demo/live.py --db tape_demo_check --mock-log "$WORK/live-check.log" \
         --stream-url "ws://127.0.0.1:$(cat "$WORK/live-check.port")/stocks" >"$WORK/live-check.txt" 2>&1;
     r=$?; kill "$(cat "$WORK/live.pid")"; tail -40 "$WORK/live-check.txt"; exit $r'

if [ -n "$failed" ]; then
    say "FAILED:$failed"
    exit 1
fi
say "all tests passed"
