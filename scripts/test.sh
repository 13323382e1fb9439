#!/usr/bin/env bash
# The project's test command: what the README tells people to run, and what
# .ci/run runs (twice). Extra arguments go to the test runner, e.g.
#   scripts/test.sh employees          # only tests whose name matches
#
# By default the API tests run against SQLite (a temporary file per test).
# Setting HRMS_TEST_DATABASE_URL=postgres://... runs the same API tests against
# PostgreSQL instead; each test creates (and drops) its own database there, so
# the URL's user must be allowed to CREATE DATABASE. A throwaway local server:
#   export HRMS_TEST_DATABASE_URL=$(scripts/start-test-postgres.sh)
#   scripts/test.sh
#   scripts/stop-test-postgres.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# cargo-nextest runs each test in its own process, in parallel; plain cargo test
# is the fallback where it is not installed.
if cargo nextest --version >/dev/null 2>&1; then
    exec cargo nextest run --locked --no-fail-fast "$@"
else
    echo "scripts/test.sh: cargo-nextest not installed; falling back to cargo test" >&2
    exec cargo test --locked --no-fail-fast "$@"
fi
