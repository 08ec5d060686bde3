#!/bin/sh
# tape benchmarks at full scale: the same setup as scripts/test.sh, then bench/run.sh.
# Every benchmark prints ratios against a baseline measured in the same run.
. "$(dirname "$0")/lib.sh"

install_deps
build_install
setup_workdir
trap stop_services EXIT INT TERM
start_services
TAPE_BENCH_SCALE=${TAPE_BENCH_SCALE:-full}
export TAPE_BENCH_SCALE
as_run_user "sh bench/run.sh"
