#!/usr/bin/env bash
# Tier-2 suite: the hrms binary against PostgreSQL and a Kafka-compatible broker
# in containers (tests/tier2, docs/tier2.md). Needs a Docker engine.
#
#   scripts/test-tier2.sh                 # every scenario, one at a time
#   scripts/test-tier2.sh crash           # only tests whose name matches
#
# Images: HRMS_TEST_POSTGRES_IMAGE (default postgres:16) and
# HRMS_TEST_KAFKA_IMAGE (default apache/kafka:3.8.0, KRaft). When a variable is
# unset and the public image is not present locally (there is no registry
# here), scripts/build-test-images.sh builds the local stand-in
# (hrms-test/postgres:local, hrms-test/kafka:local with tansu) and the variable
# is pointed at it. Set a variable to use any image of your own.
#
# Each scenario prints a one-line summary; all of them are repeated at the end
# (from target/tier2-logs/summary.txt). Service logs: target/tier2-logs/<scenario>/.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "test-tier2: $*" >&2; }

command -v docker >/dev/null 2>&1 || { log "docker not found"; exit 1; }
docker info >/dev/null 2>&1 || { log "the Docker engine does not answer"; exit 1; }

present() { docker image inspect "$1" >/dev/null 2>&1; }

if [[ -z "${HRMS_TEST_POSTGRES_IMAGE:-}" ]]; then
    if present postgres:16; then
        HRMS_TEST_POSTGRES_IMAGE=postgres:16
    else
        log "postgres:16 not present locally: using the local stand-in"
        scripts/build-test-images.sh postgres
        HRMS_TEST_POSTGRES_IMAGE="${HRMS_LOCAL_POSTGRES_IMAGE:-hrms-test/postgres:local}"
    fi
fi
if [[ -z "${HRMS_TEST_KAFKA_IMAGE:-}" ]]; then
    if present apache/kafka:3.8.0; then
        HRMS_TEST_KAFKA_IMAGE=apache/kafka:3.8.0
        HRMS_TEST_KAFKA_FLAVOR="${HRMS_TEST_KAFKA_FLAVOR:-apache}"
    else
        log "apache/kafka:3.8.0 not present locally: using the local stand-in (tansu)"
        scripts/build-test-images.sh kafka
        HRMS_TEST_KAFKA_IMAGE="${HRMS_LOCAL_KAFKA_IMAGE:-hrms-test/kafka:local}"
        HRMS_TEST_KAFKA_FLAVOR="${HRMS_TEST_KAFKA_FLAVOR:-tansu}"
    fi
fi
export HRMS_TEST_POSTGRES_IMAGE HRMS_TEST_KAFKA_IMAGE
[[ -n "${HRMS_TEST_KAFKA_FLAVOR:-}" ]] && export HRMS_TEST_KAFKA_FLAVOR
log "postgres image: $HRMS_TEST_POSTGRES_IMAGE"
log "kafka image:    $HRMS_TEST_KAFKA_IMAGE (${HRMS_TEST_KAFKA_FLAVOR:-flavor from the image name})"

# Containers left by an interrupted earlier run.
leftovers="$(docker ps -aq --filter label=org.hrms.tier2)"
if [[ -n "$leftovers" ]]; then
    log "removing containers of an earlier run"
    # shellcheck disable=SC2086
    docker rm -f $leftovers >/dev/null
fi
mkdir -p target/tier2-logs
rm -f target/tier2-logs/summary.txt

# One scenario at a time: they measure latency and recovery times, and each
# starts its own containers and service processes.
status=0
if cargo nextest --version >/dev/null 2>&1; then
    # --no-capture also runs the tests serially.
    cargo nextest run --locked --test tier2 --run-ignored only --no-fail-fast \
        --no-capture "$@" || status=$?
else
    log "cargo-nextest not installed; using cargo test"
    cargo test --locked --test tier2 -- --ignored --test-threads=1 --nocapture "$@" || status=$?
fi

echo
echo "=== tier-2 summary ==="
cat target/tier2-logs/summary.txt 2>/dev/null || echo "(no scenario printed a summary)"
exit "$status"
