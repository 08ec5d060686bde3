#!/bin/sh
# tape demo: install everything, start a throwaway PostgreSQL and the Polygon
# mock server, and run the main job on the bundled demo data (no API key).
#
#   scripts/demo.sh              run the demo and clean up
#   scripts/demo.sh --keep       leave the cluster and the mock running to explore
#   scripts/demo.sh --stop DIR   stop what --keep left running in DIR, and remove it
#
# The demo writes the SVG plot of one event's window to $TAPE_DEMO_OUT (default
# /tmp/tape-demo) and says where.
. "$(dirname "$0")/lib.sh"

if [ "${1:-}" = "--stop" ]; then
    WORK=${2:?"usage: scripts/demo.sh --stop /tmp/tape.XXXXXX (the directory --keep printed)"}
    [ -d "$WORK/data" ] || { echo "tape: $WORK is not a directory left by scripts/demo.sh --keep" >&2; exit 1; }
    RUN_USER=$(stat -c %U "$WORK/data")
    export WORK RUN_USER
    stop_services
    echo "stopped and removed $WORK"
    exit 0
fi

KEEP_WORK=0
[ "${1:-}" = "--keep" ] && KEEP_WORK=1

install_deps
build_install
setup_workdir
trap stop_services EXIT INT TERM
start_services

say "running demo/demo.sql"
started=$(date +%s)
kept_var=""
[ "$KEEP_WORK" = 1 ] && kept_var="-v kept=1"
as_run_user "createdb tape_demo && psql -X -v ON_ERROR_STOP=1 $kept_var -v plot_file='$WORK/event-window.svg' -d tape_demo -f demo/demo.sql"

say "the live feed: 2025-11-18 replayed through the mock WebSocket at 600x (09:25-16:00 in 40 s)"
as_run_user "nohup python3 test/mock/live_mock.py --port 0 --port-file '$WORK/live.port' --log '$WORK/live.log' \
    --api-key \"\$TAPE_API_KEY\" --day 2025-11-18 --start 09:25 --end 16:00 --speed 600 >'$WORK/live.out' 2>&1 &
echo \$! > '$WORK/live.pid'"
i=0
while [ ! -s "$WORK/live.port" ]; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$WORK/live.out"; exit 1; }; sleep 0.1
done
as_run_user "python3 demo/live.py --db tape_demo --stream-url ws://127.0.0.1:$(cat "$WORK/live.port")/stocks --mock-log '$WORK/live.log'"
kill "$(cat "$WORK/live.pid")" 2>/dev/null || true
elapsed=$(($(date +%s) - started))
out_dir=${TAPE_DEMO_OUT:-/tmp/tape-demo}
mkdir -p "$out_dir"
cp "$WORK/event-window.svg" "$out_dir/event-window.svg"
say "the demo ran in $elapsed s; the plot of the best event's window is $out_dir/event-window.svg (open it in a browser)"

if [ "$KEEP_WORK" = 1 ]; then
    trap - EXIT INT TERM
    say "left running in $WORK; explore with:"
    # psql may run as any user (the cluster trusts local connections); the server may not run as root
    echo "    $PG_BIN/psql -h $PGHOST -p $PGPORT -U $RUN_USER tape_demo"
    echo "    (the mock server is at $TAPE_MOCK_URL; its API key is $TAPE_API_KEY)"
    echo "stop it with:"
    echo "    ${TAPE_PG_BIN:+TAPE_PG_BIN=$TAPE_PG_BIN }sh $TAPE_ROOT/scripts/demo.sh --stop $WORK"
fi
