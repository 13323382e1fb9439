#!/usr/bin/env bash
# apt-get that waits for the package manager instead of failing when another
# install (unattended-upgrades, a parallel CI step, a person) holds its locks.
#
#   scripts/apt-get.sh update
#   scripts/apt-get.sh install -y --no-install-recommends PACKAGE...
#
# -o DPkg::Lock::Timeout makes install/remove wait for dpkg's lock; apt 2.6's
# `update` ignores it for the package lists' lock (/var/lib/apt/lists/lock) and
# fails at once, so a run that failed on a lock is retried until the same
# deadline. Other failures are returned as they are.
#   HRMS_APT_LOCK_TIMEOUT   seconds to wait in all (default 600)
#
# Everything goes to stderr (callers print URLs on stdout).
set -euo pipefail

timeout="${HRMS_APT_LOCK_TIMEOUT:-600}"
deadline=$((SECONDS + timeout))
export DEBIAN_FRONTEND=noninteractive
err="$(mktemp "${TMPDIR:-/tmp}/hrms-apt.XXXXXX")"
trap 'rm -f "$err"' EXIT

while :; do
    left=$((deadline - SECONDS))
    ((left > 0)) || left=1
    status=0
    apt-get -o DPkg::Lock::Timeout="$left" "$@" >&2 2>"$err" || status=$?
    cat "$err" >&2
    if ((status == 0)) || ! grep -q 'Could not get lock' "$err" || ((SECONDS >= deadline)); then
        exit "$status"
    fi
    echo "apt-get.sh: another package manager holds a lock; retrying in 5 s (until ${timeout} s have passed)" >&2
    sleep 5
done
