#!/bin/sh
# tape demo: install everything, start a throwaway PostgreSQL and the Polygon
# mock server, and run the main job on the bundled demo data (no API key).
#
#   scripts/demo.sh          run the demo and clean up
#   scripts/demo.sh --keep   leave the cluster and the mock running to explore
. "$(dirname "$0")/lib.sh"

KEEP_WORK=0
[ "${1:-}" = "--keep" ] && KEEP_WORK=1

install_deps
build_install
setup_workdir
trap stop_services EXIT INT TERM
start_services

say "running demo/demo.sql"
as_run_user "createdb tape_demo && psql -X -v ON_ERROR_STOP=1 -d tape_demo -f demo/demo.sql"

if [ "$KEEP_WORK" = 1 ]; then
    trap - EXIT INT TERM
    say "left running; explore with:"
    if [ "$(id -u)" = 0 ]; then
        echo "    runuser -u $RUN_USER -- psql -h $PGHOST -p $PGPORT tape_demo"
    else
        echo "    psql -h $PGHOST -p $PGPORT tape_demo"
    fi
    echo "    stop with: kill \$(cat $WORK/mock.pid); $PG_BIN/pg_ctl -D $WORK/data stop"
fi
