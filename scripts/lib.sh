# tape developer scripts: what demo.sh and test.sh share.
#
# Sourced, not run.  Works on a fresh Debian 12 with nothing but a shell:
# as root it installs what it needs with apt-get; as another user it uses
# sudo for apt-get and "make install" only.  PostgreSQL itself always runs
# as an unprivileged user (postgres when we are root) in a throwaway
# directory, with the Polygon mock server beside it.

set -eu

TAPE_ROOT=$(cd "$(dirname "$0")/.." && pwd)

# The throwaway cluster is reached only with what start_services exports: a
# caller's libpq settings (PGUSER, PGHOST, PGDATABASE, PGPORT, PGSERVICE, ...)
# would send pg_regress, psql and createdb elsewhere, as another role.
for v in $(env | sed -n 's/^\(PG[A-Z]*\)=.*/\1/p'); do
    unset "$v"
done

# TAPE_PG_BIN: another PostgreSQL 15 build to use (a relocated copy, say); default Debian's
# TAPE_PGPORT: the throwaway cluster's port (default 5439), so that two runs can go side by side
PG_BIN=${TAPE_PG_BIN:-/usr/lib/postgresql/15/bin}
PG_CONFIG=$PG_BIN/pg_config
TAPE_API_KEY=${TAPE_API_KEY:-demo-key-not-secret-0001}
export TAPE_API_KEY

DEB_PACKAGES="build-essential pkg-config ca-certificates tzdata python3 perl
postgresql-15 postgresql-server-dev-15 postgresql-contrib
libcurl4-openssl-dev libjson-c-dev libzstd-dev zlib1g-dev libwebsockets-dev
postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl postgresql-15-cron
libipc-run-perl zstd valgrind"

say() { printf '\n==> %s\n' "$*"; }

as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        echo "tape: '$*' needs root and sudo is not installed; run this script as root" >&2
        exit 1
    fi
}

# install_deps: the Debian packages tape builds and tests with
install_deps() {
    missing=""
    for p in $DEB_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
    done
    if [ -z "$missing" ]; then
        return 0
    fi
    say "installing Debian packages:$missing"
    # tape runs its own throwaway clusters; do not create or start the default one
    if ! dpkg-query -W -f='${Status}' postgresql-common 2>/dev/null | grep -q "ok installed"; then
        as_root mkdir -p /etc/postgresql-common
        [ -e /etc/postgresql-common/createcluster.conf ] ||
            echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    # shellcheck disable=SC2086
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
}

# build_install: compile warning-free (-Werror) and install the extension
build_install() {
    say "building tape (warnings are errors)"
    make -C "$TAPE_ROOT" -s PG_CONFIG="$PG_CONFIG" WERROR=-Werror
    say "installing tape into PostgreSQL 15"
    as_root make -C "$TAPE_ROOT" -s PG_CONFIG="$PG_CONFIG" install
}

# setup_workdir: a private copy of the tree, owned by the user who runs PostgreSQL
setup_workdir() {
    WORK=$(mktemp -d /tmp/tape.XXXXXX)
    if [ "$(id -u)" = 0 ]; then
        RUN_USER=postgres
    else
        RUN_USER=$(id -un)
    fi
    mkdir -p "$WORK/tree"
    (cd "$TAPE_ROOT" && tar --exclude=./.git -cf - .) | (cd "$WORK/tree" && tar -xf -)
    if [ "$(id -u)" = 0 ]; then
        chown -R "$RUN_USER" "$WORK"
    fi
    export WORK RUN_USER
}

# as_run_user CMD: run a shell command as the PostgreSQL user, in the copy
as_run_user() {
    vars="WORK=$WORK TAPE_API_KEY=$TAPE_API_KEY PATH=$PG_BIN:$PATH"
    for v in PGHOST PGPORT TAPE_MOCK_URL TAPE_MOCK_LOG TAPE_PG_LOG TAPE_FLATFILES_DIR TAPE_BENCH_SCALE TAPE_BENCH_ONLY; do
        eval "val=\${$v:-}"
        [ -n "$val" ] && vars="$vars $v=$val"
    done
    if [ "$(id -u)" = 0 ]; then
        # shellcheck disable=SC2086
        runuser -u "$RUN_USER" -- env $vars sh -c "cd '$WORK/tree' && $1"
    else
        # shellcheck disable=SC2086
        env $vars sh -c "cd '$WORK/tree' && $1"
    fi
}

# start_services: a throwaway cluster (socket in $WORK) and the mock server
start_services() {
    PGPORT=${TAPE_PGPORT:-5439}
    PGHOST=$WORK
    export PGHOST PGPORT
    say "starting a throwaway PostgreSQL 15 cluster in $WORK/data"
    as_run_user "initdb -D '$WORK/data' -A trust -E UTF8 --locale=C.UTF-8 >'$WORK/initdb.log' 2>&1 || { cat '$WORK/initdb.log'; exit 1; }
cat >> '$WORK/data/postgresql.conf' <<CONF
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $PGPORT
shared_preload_libraries = 'tape,pg_cron'
cron.database_name = 'postgres'
cron.host = '$WORK'
max_connections = 40
fsync = off
timezone = 'UTC'
log_line_prefix = '%m [%p] '
log_min_messages = warning
CONF
pg_ctl -D '$WORK/data' -l '$WORK/postgres.log' -w start >/dev/null"
    say "starting the Polygon mock server"
    as_run_user "mkdir -p '$WORK/flatfiles' && nohup python3 test/mock/polygon_mock.py --port 0 --port-file '$WORK/mock.port' \
        --log '$WORK/mock.log' --api-key \"\$TAPE_API_KEY\" --flatfiles '$WORK/flatfiles' >'$WORK/mock.out' 2>&1 &
echo \$! > '$WORK/mock.pid'"
    i=0
    while [ ! -s "$WORK/mock.port" ]; do
        i=$((i + 1))
        if [ $i -gt 100 ]; then
            cat "$WORK/mock.out"
            echo "tape: the mock server did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
    TAPE_MOCK_URL="http://127.0.0.1:$(cat "$WORK/mock.port")"
    TAPE_MOCK_LOG="$WORK/mock.log"
    TAPE_PG_LOG="$WORK/postgres.log"
    TAPE_FLATFILES_DIR="$WORK/flatfiles"
    export TAPE_MOCK_URL TAPE_MOCK_LOG TAPE_PG_LOG TAPE_FLATFILES_DIR
    echo "    mock server at $TAPE_MOCK_URL"
}

# stop_services: stop the cluster and the mock; remove the work directory unless asked to keep it
stop_services() {
    if [ -n "${WORK:-}" ] && [ -d "$WORK" ]; then
        [ -f "$WORK/mock.pid" ] && kill "$(cat "$WORK/mock.pid")" 2>/dev/null || true
        [ -f "$WORK/live.pid" ] && kill "$(cat "$WORK/live.pid")" 2>/dev/null || true
        [ -d "$WORK/data" ] && as_run_user "pg_ctl -D '$WORK/data' -m fast -w stop >/dev/null 2>&1" || true
        if [ "${KEEP_WORK:-0}" != 1 ]; then
            rm -rf "$WORK"
        fi
    fi
}

# crash_lines LOG [KILLED]: the lines of a server log (- for stdin) that say a backend crashed
# and the server restarted its backends: a process terminated by a signal or an exception or
# exiting with a code other than 0 or 1, and "all server processes terminated; reinitializing".
# KILLED, a file of process ids (one a line) that a test killed with -9 on purpose, excuses
# those kills and one restart each.
crash_lines() {
    awk -v killed="${2:-}" '
        BEGIN { if (killed != "") while ((getline pid < killed) > 0) excused[pid] = 1 }
        /\(PID [0-9]+\) was terminated by signal [0-9]+/ {
            match($0, /\(PID [0-9]+\)/)
            pid = substr($0, RSTART + 5, RLENGTH - 6)
            if ($0 ~ /terminated by signal 9:/ && (pid in excused)) { kills++; next }
            print; next
        }
        /\(PID [0-9]+\) was terminated by exception/ { print; next }
        /\(PID [0-9]+\) exited with exit code [0-9]+/ { if ($0 !~ /exit code [01]$/) print; next }
        /all server processes terminated; reinitializing/ { if (restarts++ >= kills) print }
    ' "$1"
}

# tap_crash_lines DIR: crash_lines of the server log of every cluster the Perl TAP tests
# started (DIR is their tmp_check/log), each line after the name of its log
tap_crash_lines() {
    for log in "$1"/*.log; do
        [ -f "$log" ] || continue
        case ${log##*/} in regress_log_*) continue ;; esac
        crash_lines "$log" "$log.killed" | sed "s|^|${log##*/}: |"
    done
}
