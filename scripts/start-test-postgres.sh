#!/usr/bin/env bash
# Start a throwaway PostgreSQL server for the test suite, from Debian's packages.
#
#   URL=$(scripts/start-test-postgres.sh [DIR])
#   HRMS_TEST_DATABASE_URL=$URL scripts/test.sh
#   scripts/stop-test-postgres.sh [DIR]
#
# DIR defaults to ${HRMS_PG_DIR:-/tmp/hrms-test-pg} and is WIPED on every start.
# The port is ${HRMS_PG_PORT:-55432}; the server listens on 127.0.0.1 only, with
# trust auth and fsync=off: never use it for anything but tests.
#
# Everything goes to stderr except the last line on stdout: the connection URL.
set -euo pipefail

PGROOT="${1:-${HRMS_PG_DIR:-/tmp/hrms-test-pg}}"
PORT="${HRMS_PG_PORT:-55432}"
DATA="$PGROOT/data"
LOG="$PGROOT/postgres.log"

log() { echo "start-test-postgres: $*" >&2; }
die() { log "error: $*"; exit 1; }

# Debian puts the server binaries in /usr/lib/postgresql/<major>/bin (only the
# client wrappers are on PATH). Pick the newest major that has both tools.
find_bindir() {
    local d best=""
    while read -r d; do
        if [[ -x "$d/pg_ctl" && -x "$d/initdb" ]]; then best="$d"; fi
    done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
    echo "$best"
}

BIN="$(find_bindir)"
if [[ -z "$BIN" ]]; then
    [[ "$(id -u)" -eq 0 ]] || die "PostgreSQL server not installed and not root: run 'apt-get install postgresql'"
    log "PostgreSQL server not found; installing Debian's postgresql package"
    # apt-get.sh waits for the package manager's locks (another install may run).
    "$(dirname "$0")/apt-get.sh" update
    "$(dirname "$0")/apt-get.sh" install -y --no-install-recommends postgresql
    BIN="$(find_bindir)"
    [[ -n "$BIN" ]] || die "postgresql installed but no pg_ctl/initdb in /usr/lib/postgresql/*/bin"
fi
log "using $BIN"

# Run a command as the postgres OS user (initdb refuses to run as root). When
# not root, run it as ourselves: we then own the directory anyway.
as_pg() {
    if [[ "$(id -u)" -ne 0 ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}
if [[ "$(id -u)" -eq 0 ]]; then
    getent passwd postgres >/dev/null || die "no 'postgres' OS user (is Debian's postgresql package installed?)"
fi

# A server left running from an earlier start in the same dir: stop it before
# wiping its files.
if [[ -f "$DATA/postmaster.pid" ]]; then
    log "stopping the server still running in $DATA"
    (cd / && as_pg "$BIN/pg_ctl" -D "$DATA" stop -m immediate -w >&2) || true
fi

rm -rf "$PGROOT"
mkdir -p "$PGROOT"
if [[ "$(id -u)" -eq 0 ]]; then
    chown postgres:postgres "$PGROOT"
    chmod 700 "$PGROOT"
    # The postgres user must be able to reach the directory (not true under /root).
    (cd / && as_pg test -w "$PGROOT") \
        || die "user postgres cannot write $PGROOT (a parent directory is not searchable?); set HRMS_PG_DIR to a path under /tmp"
fi
# Run from a directory postgres can read, so it does not warn about the cwd.
cd "$PGROOT"

log "initdb in $DATA"
as_pg "$BIN/initdb" -D "$DATA" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$PGROOT/initdb.log" 2>&1 \
    || { cat "$PGROOT/initdb.log" >&2; die "initdb failed"; }

# Tests only: loopback only, socket inside the data dir (never clashes with a
# system server in /var/run/postgresql), many connections (each test opens a
# pool), and no durability.
cat >>"$DATA/postgresql.conf" <<CONF

# --- added by scripts/start-test-postgres.sh (test server only) ---
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$DATA'
max_connections = 300
CONF
# Durability off for tests; HRMS_PG_DURABLE=1 keeps PostgreSQL's defaults
# (benchmarks measure with it on).
if [[ "${HRMS_PG_DURABLE:-0}" != 1 ]]; then
    printf 'fsync = off\nsynchronous_commit = off\nfull_page_writes = off\n' >>"$DATA/postgresql.conf"
fi

# Extra settings, one per line (benchmarks: pg_stat_statements for a profile).
if [[ -n "${HRMS_PG_EXTRA_CONF:-}" ]]; then
    printf '%s\n' "$HRMS_PG_EXTRA_CONF" >>"$DATA/postgresql.conf"
fi

log "starting on 127.0.0.1:$PORT (log: $LOG)"
if ! as_pg "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >&2; then
    tail -n 30 "$LOG" >&2 || true
    die "pg_ctl start failed (port $PORT already in use? set HRMS_PG_PORT)"
fi

for _ in $(seq 1 60); do
    if "$BIN/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
        log "ready"
        echo "postgres://postgres@127.0.0.1:$PORT/postgres"
        exit 0
    fi
    sleep 0.5
done
tail -n 30 "$LOG" >&2 || true
die "server did not answer pg_isready on 127.0.0.1:$PORT within 30 s"
