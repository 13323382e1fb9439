#!/usr/bin/env bash
# Builds the container image's runtime stage and runs it as a user would
# (issue 15 item 3), so a wrong library, path, user or profile in it fails here
# instead of on a user's machine.
#
#   scripts/test-image.sh
#
# What is built is the Dockerfile's own runtime stage, its text from the last
# FROM on, with two substitutions this machine needs (it has no registry):
# the base is hrms-test/debian-slim:local (a bare Debian minbase from
# debootstrap, scripts/build-test-images.sh slim) instead of
# debian:bookworm-slim, and the binary is the one cargo built here instead of
# the build stage's (the same `cargo build` of the same sources; rust:1-bookworm
# cannot be pulled). The stage's apt-get, user, paths, environment, entry
# point and command are used as written.
#
# The container then runs with the production profile, SQLite in /app/data
# and Kafka off, and must: answer /health/ready 200; let the bootstrap admin log
# in; create an employee through an old-style route (`POST
# /api/v1/employees/`); run as uid 10001; log JSON lines without the admin's
# e-mail; and stop cleanly on SIGTERM (exit 0) with its data kept on the
# volume for the next container.
#
# Settings: HRMS_BIN (default target/debug/hrms, built when missing),
# HRMS_LOCAL_SLIM_IMAGE (default hrms-test/debian-slim:local).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "test-image: $*" >&2; }
die() { log "error: $*"; exit 1; }

BASE="${HRMS_LOCAL_SLIM_IMAGE:-hrms-test/debian-slim:local}"
TAG="hrms-ci/hrms:$$"
BIN="${HRMS_BIN:-target/debug/hrms}"
ADMIN_EMAIL="image-admin@hrms.test"
ADMIN_PASSWORD="image-test-password-$RANDOM$RANDOM"

[[ -x "$BIN" ]] || cargo build --locked --bin hrms
docker image inspect "$BASE" >/dev/null 2>&1 || scripts/build-test-images.sh slim

ctx="$(mktemp -d "${TMPDIR:-/tmp}/hrms-image.XXXXXX")"
volume="hrms-ci-data-$$"
cid=""
cleanup() {
    [[ -n "$cid" ]] && docker rm -f "$cid" >/dev/null 2>&1 || true
    docker volume rm -f "$volume" >/dev/null 2>&1 || true
    docker rmi -f "$TAG" >/dev/null 2>&1 || true
    rm -rf "$ctx"
}
trap cleanup EXIT

# The runtime stage, as written, with the two substitutions.
awk '/^FROM /{stage=$0} stage ~ /^FROM debian:bookworm-slim/' Dockerfile >"$ctx/Dockerfile.runtime"
grep -q '^FROM debian:bookworm-slim' "$ctx/Dockerfile.runtime" || die "no 'FROM debian:bookworm-slim' runtime stage in the Dockerfile"
grep -q '^COPY --from=build /src/target/release/hrms /usr/local/bin/hrms$' "$ctx/Dockerfile.runtime" \
    || die "the runtime stage no longer copies the build stage's binary the way this script expects"
sed -e "s|^FROM debian:bookworm-slim.*|FROM $BASE|" \
    -e 's|^COPY --from=build /src/target/release/hrms |COPY hrms |' \
    "$ctx/Dockerfile.runtime" >"$ctx/Dockerfile"
cp "$BIN" "$ctx/hrms"
cp -r config "$ctx/config"
log "building the runtime stage on $BASE"
docker build -q -t "$TAG" "$ctx" >/dev/null

docker volume create "$volume" >/dev/null
run() {
    docker run -d -p 127.0.0.1::8080 -v "$volume:/app/data" \
        -e HRMS_JWT_SECRET="$(head -c 32 /dev/urandom | base64)" \
        -e KAFKA_ENABLE_PRODUCER=false \
        -e HRMS_BOOTSTRAP_ADMIN_EMAIL="$ADMIN_EMAIL" \
        -e HRMS_BOOTSTRAP_ADMIN_PASSWORD="$ADMIN_PASSWORD" \
        "$TAG"
}
wait_ready() {
    local port="$1" i
    for i in $(seq 1 120); do
        if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready")" == 200 ]]; then
            return 0
        fi
        if [[ "$(docker inspect -f '{{.State.Running}}' "$cid")" != true ]]; then
            docker logs "$cid" 2>&1 | tail -n 20 >&2
            die "the container exited during start-up"
        fi
        sleep 0.5
    done
    docker logs "$cid" 2>&1 | tail -n 20 >&2
    die "/health/ready did not answer 200 within 60 s"
}
login() {
    curl -sf -H 'content-type: application/json' \
        -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
        "http://127.0.0.1:$1/api/v1/auth/login" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

cid="$(run)"
port="$(docker port "$cid" 8080/tcp | head -n 1 | sed 's/.*://')"
wait_ready "$port"
log "ready on 127.0.0.1:$port"

uid="$(docker exec "$cid" sh -c "awk '/^Uid:/ { print \$2 }' /proc/1/status")"
[[ "$uid" == 10001 ]] || die "the server runs as uid $uid, not 10001 (hrms)"

token="$(login "$port")" || die "the bootstrap admin cannot log in"
status="$(curl -s -o "$ctx/created.json" -w '%{http_code}' -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"name":"Image Test","age":30}' \
    "http://127.0.0.1:$port/api/v1/employees/")"
[[ "$status" == 201 ]] || { cat "$ctx/created.json" >&2; die "POST /api/v1/employees/ answered $status"; }
employee="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$ctx/created.json")"

docker stop -t 30 "$cid" >/dev/null
code="$(docker inspect -f '{{.State.ExitCode}}' "$cid")"
[[ "$code" == 0 ]] || { docker logs "$cid" 2>&1 | tail -n 20 >&2; die "the server exited with $code on SIGTERM"; }
docker logs "$cid" >"$ctx/server.log" 2>&1
python3 - "$ctx/server.log" "$ADMIN_EMAIL" <<'PY' || die "the production logs are not clean JSON lines"
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    json.loads(l)
    assert sys.argv[2] not in l, "the admin's e-mail is in the logs"
PY
docker rm "$cid" >/dev/null
cid=""

# A second container on the same volume finds the data (the SQLite file lives
# in the writable /app/data, not in the container's layer).
cid="$(run)"
port="$(docker port "$cid" 8080/tcp | head -n 1 | sed 's/.*://')"
wait_ready "$port"
token="$(login "$port")" || die "the admin cannot log in to the second container"
status="$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/employees/$employee")"
[[ "$status" == 200 ]] || die "the employee created before the restart answered $status"
log "the image runs as uid 10001, serves the old routes, logs JSON, stops cleanly and keeps its data"
