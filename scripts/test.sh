#!/bin/sh
# tape tests: install everything, build warning-free, then run every test:
# pg_regress (sql/ + expected/), pgTAP (test/pgtap/), Perl TAP (test/t/),
# and a smoke run of the benchmarks.  Uses only the Polygon mock server.
. "$(dirname "$0")/lib.sh"

install_deps
build_install
setup_workdir
trap stop_services EXIT INT TERM

failed=""
step() {
    name=$1
    shift
    say "$name"
    if as_run_user "$1"; then
        echo "    ok: $name"
    else
        echo "    FAILED: $name"
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

if [ -n "$failed" ]; then
    say "FAILED:$failed"
    exit 1
fi
say "all tests passed"
