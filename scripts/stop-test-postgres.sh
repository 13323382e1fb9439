#!/usr/bin/env bash
# Stop the test server started by scripts/start-test-postgres.sh, if it runs.
# Takes the same DIR argument / HRMS_PG_DIR. Leaves the files (and the log in
# DIR/postgres.log) for inspection; the next start wipes them.
set -euo pipefail

PGROOT="${1:-${HRMS_PG_DIR:-/tmp/hrms-test-pg}}"
DATA="$PGROOT/data"

log() { echo "stop-test-postgres: $*" >&2; }

if [[ ! -f "$DATA/postmaster.pid" ]]; then
    log "not running ($DATA/postmaster.pid absent)"
    exit 0
fi

BIN=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do
    if [[ -x "$d/pg_ctl" ]]; then BIN="$d"; fi
done
# Prefer the major version the data dir was made with.
if [[ -r "$DATA/PG_VERSION" && -x "/usr/lib/postgresql/$(cat "$DATA/PG_VERSION")/bin/pg_ctl" ]]; then
    BIN="/usr/lib/postgresql/$(cat "$DATA/PG_VERSION")/bin"
fi
[[ -n "$BIN" ]] || { log "no pg_ctl found in /usr/lib/postgresql/*/bin"; exit 1; }

as_pg() {
    if [[ "$(id -u)" -ne 0 ]]; then
        "$@"
    elif command -v runuser >/dev/null 2>&1; then
        runuser -u postgres -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}

cd /
if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" stop -m fast -w >&2
    log "stopped"
else
    log "not running (stale pid file)"
fi
