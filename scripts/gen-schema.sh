#!/usr/bin/env bash
# Generate src/db/schema.rs from the PostgreSQL migrations, or check that the
# committed file is current (CI). Never edit that file by hand.
#
#   scripts/gen-schema.sh [URL]           # regenerate src/db/schema.rs
#   scripts/gen-schema.sh --check [URL]   # exit 1 (and print the diff) when it is stale
#   scripts/gen-schema.sh --install       # only install diesel_cli into the cache
#
# URL is a PostgreSQL server to work on (default: $HRMS_TEST_DATABASE_URL; a
# throwaway local one: URL=$(scripts/start-test-postgres.sh)). Its user must be
# allowed to CREATE DATABASE: the script creates a database of its own, applies
# migrations/postgres to it, runs `diesel print-schema` with the settings in
# diesel.toml (through `diesel database setup`, which regenerates the file, or
# with --locked-schema compares it), and drops the database again.
#
# diesel_cli (the version of the diesel crate in Cargo.lock, PostgreSQL only,
# libpq bundled) is built once with `cargo install` into
# ${HRMS_CACHE_DIR:-~/.cache/hrms}/diesel_cli and reused from there.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "gen-schema: $*" >&2; }
die() { log "error: $*"; exit 1; }

CACHE="${HRMS_CACHE_DIR:-$HOME/.cache/hrms}"
DIESEL_ROOT="$CACHE/diesel_cli"
DIESEL="$DIESEL_ROOT/bin/diesel"
DIESEL_FEATURES="postgres-bundled"

mode="write"
url="${HRMS_TEST_DATABASE_URL:-}"
for arg in "$@"; do
    case "$arg" in
        --check) mode=check ;;
        --install) mode=install ;;
        -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option $arg (see --help)" ;;
        *) url="$arg" ;;
    esac
done

# The CLI must match the diesel crate we build against: same print-schema output
# as the macros expect.
diesel_version() {
    awk '$0 == "name = \"diesel\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_diesel_cli() {
    local version marker="$DIESEL_ROOT/.hrms-features"
    version="$(diesel_version)"
    [[ -n "$version" ]] || die "no diesel package in Cargo.lock"
    mkdir -p "$CACHE"
    # One install at a time (CI starts one in the background; a second caller waits).
    exec 9>"$CACHE/diesel_cli.lock"
    flock 9
    if [[ -x "$DIESEL" ]] \
        && [[ "$("$DIESEL" --version 2>/dev/null || true)" == *" $version"* ]] \
        && [[ "$(cat "$marker" 2>/dev/null || true)" == "$DIESEL_FEATURES" ]]; then
        log "diesel_cli $version cached at $DIESEL"
    else
        log "cargo install diesel_cli $version --features $DIESEL_FEATURES (compiles for a few minutes; cached afterwards)"
        # A target dir in the cache lets an interrupted build resume; it goes
        # once the binary is installed. nice: CI runs this beside its own build.
        nice -n 10 cargo install diesel_cli --version "=$version" --locked --force \
            --no-default-features --features "$DIESEL_FEATURES" \
            --root "$DIESEL_ROOT" --target-dir "$CACHE/diesel_cli-target" >&2
        rm -rf "$CACHE/diesel_cli-target"
        [[ -x "$DIESEL" ]] || die "cargo install did not produce $DIESEL"
        echo "$DIESEL_FEATURES" >"$marker"
    fi
    flock -u 9
}

ensure_diesel_cli
[[ "$mode" == install ]] && exit 0

[[ -n "$url" ]] || die "no PostgreSQL URL: pass one or set HRMS_TEST_DATABASE_URL (URL=\$(scripts/start-test-postgres.sh))"
[[ "$url" == postgres://* || "$url" == postgresql://* ]] || die "not a postgres:// URL"
# print-schema formats its output with rustfmt; without it the file would differ.
command -v rustfmt >/dev/null 2>&1 || die "rustfmt not found (rustup component add rustfmt)"

# The same server, a database of our own: postgres://user@host:port/NAME?query.
base="${url%%\?*}"
query=""
[[ "$url" == *\?* ]] && query="?${url#*\?}"
authority="${base#*://}"
authority="${authority%%/*}"
name="hrms_schema_$(date +%s)_$$"
db_url="${base%%://*}://$authority/$name$query"

drop_db() { "$DIESEL" database drop --database-url "$db_url" >/dev/null 2>&1 || true; }
trap drop_db EXIT

locked=()
[[ "$mode" == check ]] && locked=(--locked-schema)
log "applying migrations/postgres to a new database $name on $authority"
status=0
"$DIESEL" database setup --no-default-migration --config-file diesel.toml \
    --database-url "$db_url" "${locked[@]}" >&2 || status=$?

if [[ "$mode" == check ]]; then
    if ((status != 0)); then
        log "src/db/schema.rs does not match migrations/postgres (diff above, or the migrations failed)."
        log "run scripts/gen-schema.sh and commit src/db/schema.rs"
        exit 1
    fi
    log "src/db/schema.rs is current"
else
    ((status == 0)) || die "diesel database setup failed"
    log "wrote src/db/schema.rs"
fi
