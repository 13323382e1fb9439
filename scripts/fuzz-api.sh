#!/usr/bin/env bash
# Property-based fuzzing of every API operation against the OpenAPI document the
# service serves (docs/openapi.json): schemathesis generates valid and invalid
# requests from the document and checks every answer against it (status codes,
# bodies, headers, content types, auth enforced, valid input accepted, invalid
# input rejected, no 5xx, created resources readable, deleted ones gone).
#
#   scripts/fuzz-api.sh                       # what .ci/run runs
#   HRMS_FUZZ_MAX_EXAMPLES=200 scripts/fuzz-api.sh   # longer run
#   HRMS_FUZZ_SEED=1234 scripts/fuzz-api.sh   # replay a run (the seed is printed)
#   HRMS_FUZZ_PHASES=stateful scripts/fuzz-api.sh   # some phases only (examples,coverage,fuzzing,stateful)
#   HRMS_FUZZ_DATABASE_URL=postgres://.../empty_db scripts/fuzz-api.sh   # on PostgreSQL
#   HRMS_BIN=target/debug/hrms scripts/fuzz-api.sh   # a binary built already
#
# It builds the debug binary (or takes HRMS_BIN),
# starts it on a fresh SQLite file in a temporary folder with the test profile,
# Kafka switched on but unreachable (events pile up in the outbox, as in a broker
# outage), the admin API on and a bootstrap admin, logs in as that admin and runs
# schemathesis with the admin's token. schemathesis is pinned, installed with pip
# into a virtualenv under ~/.cache/hrms, and reused while the pin is unchanged.
# Any failure found fails the script; the server log is printed then.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
PORT=${HRMS_FUZZ_PORT:-18181}
MAX_EXAMPLES=${HRMS_FUZZ_MAX_EXAMPLES:-500}
BASE="http://127.0.0.1:$PORT"
ADMIN_EMAIL=fuzz-admin@hrms.test
ADMIN_PASSWORD=fuzz-admin-password-0123456789

work=$(mktemp -d "${TMPDIR:-/tmp}/hrms-fuzz.XXXXXX")
server_pid=
cleanup() {
    local rc=$?
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if ((rc != 0)) && [[ -f $work/server.log ]]; then
        echo "--- last 200 lines of the server log ($work/server.log) ---" >&2
        tail -n 200 "$work/server.log" >&2 || true
    fi
    rm -rf "$work"
    exit "$rc"
}
trap cleanup EXIT

# HRMS_BIN: a binary built already (.ci/run passes the one the test run
# built: `cargo build --bin hrms` alone resolves the dependencies' features
# without the dev-dependencies, so it would recompile part of them, and the
# tier-2 test build would then recompile them back).
if [[ -n ${HRMS_BIN:-} ]]; then
    bin=$HRMS_BIN
    [[ -x $bin ]] || { echo "fuzz-api: HRMS_BIN=$bin is not an executable" >&2; exit 1; }
    echo "fuzz-api: using $bin"
else
    echo "fuzz-api: building hrms"
    cargo build --locked --bin hrms
    bin=target/debug/hrms
fi

# schemathesis and its dependencies, pinned (scripts/fuzz-api.requirements.txt).
venv="${XDG_CACHE_HOME:-$HOME/.cache}/hrms/schemathesis-$SCHEMATHESIS_VERSION"
requirements=scripts/fuzz-api.requirements.txt
if ! cmp -s "$requirements" "$venv/requirements.txt" 2>/dev/null \
    || ! "$venv/bin/schemathesis" --version >/dev/null 2>&1; then
    echo "fuzz-api: installing schemathesis $SCHEMATHESIS_VERSION into $venv"
    if ! python3 -m venv --help >/dev/null 2>&1; then
        # apt-get.sh waits for the package manager's locks.
        scripts/apt-get.sh update && scripts/apt-get.sh install -y --no-install-recommends python3-venv
    fi
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.txt"
fi
"$venv/bin/schemathesis" --version

database=(-u DATABASE_URL)
if [[ -n ${HRMS_FUZZ_DATABASE_URL:-} ]]; then
    # An empty database: the bootstrap admin is only created when there is no account.
    database=(DATABASE_URL="$HRMS_FUZZ_DATABASE_URL")
fi
store="SQLite in $work"
[[ -z ${HRMS_FUZZ_DATABASE_URL:-} ]] || store=PostgreSQL
echo "fuzz-api: starting hrms on $BASE ($store, Kafka unreachable)"
env "${database[@]}" \
    HRMS_PROFILE=test \
    HRMS_HOST=127.0.0.1 \
    PORT="$PORT" \
    HRMS_SQLITE_PATH="$work/hrms.db" \
    HRMS_LOG_LEVEL=warn \
    KAFKA_ENABLE_PRODUCER=true \
    KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 \
    HRMS_ADMIN_API_ENABLED=true \
    HRMS_JWT_SECRET=fuzz-signing-secret-of-at-least-32-bytes \
    HRMS_TOKEN_TTL_SECS=3600 \
    HRMS_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" \
    HRMS_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
    HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT=100 \
    HRMS_LOGIN_MAX_FAILURES_PER_CLIENT=100 \
    "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!

for _ in $(seq 1 120); do
    if curl -fsS "$BASE/health/ready" >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "fuzz-api: hrms exited before it was ready" >&2
        exit 1
    fi
    sleep 0.5
done
curl -fsS "$BASE/health/ready" >/dev/null

TOKEN=$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"email\": \"$ADMIN_EMAIL\", \"password\": \"$ADMIN_PASSWORD\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

seed_args=()
if [[ -n ${HRMS_FUZZ_SEED:-} ]]; then
    seed_args=(--seed "$HRMS_FUZZ_SEED")
fi
if [[ -n ${HRMS_FUZZ_PHASES:-} ]]; then
    seed_args+=(--phases "$HRMS_FUZZ_PHASES")
fi

echo "fuzz-api: schemathesis, at most $MAX_EXAMPLES generated cases per operation and phase"
# The token is passed as a header so it is sent with every request; the
# ignored_auth check removes or spoils it on its own to see that a protected
# operation refuses the request. Configuration and the project's own check:
# scripts/fuzz-api.toml and scripts/fuzz_api_hooks.py.
# One worker: the machine has two cores and the server needs one; besides,
# hypothesis parses source with `ast` while describing strategies, which on
# CPython 3.11 fails intermittently when two threads do it at once. It runs in
# the temporary folder, so its cache stays out of the work tree.
repo=$(pwd)
cd "$work"
SCHEMATHESIS_HOOKS="$repo/scripts/fuzz_api_hooks.py" \
"$venv/bin/schemathesis" --config-file "$repo/scripts/fuzz-api.toml" run "$BASE/api-docs/openapi.json" \
    --checks all \
    --header "Authorization: Bearer $TOKEN" \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --request-timeout 30 \
    "${seed_args[@]}"
