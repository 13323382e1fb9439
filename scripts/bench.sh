#!/usr/bin/env bash
# Reproduces every figure in BENCHMARKS.md: starts PostgreSQL (durable settings)
# and the tansu broker, builds the release binaries, runs each measurement
# RUNS times and prints min / median / max. Benchmarks are not tests: run by
# hand on a quiet machine. Usage: [RUNS=3] [STEPS="relay scaling latency write leave attendance loginflood compliance"] scripts/bench.sh [COUNT] (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${1:-1000000}
RUNS=${RUNS:-3}
PORT_KAFKA=${HRMS_BENCH_KAFKA_PORT:-19092}
BOOT=127.0.0.1:$PORT_KAFKA
OUT=${HRMS_BENCH_OUT:-target/bench-results.txt}
WORK=$(mktemp -d /tmp/hrms-bench.XXXXXX)
chmod 755 "$WORK" # the postgres user must reach its data folder
export HRMS_PG_DIR=$WORK/pg HRMS_PG_PORT=${HRMS_BENCH_PG_PORT:-55440} HRMS_PG_DURABLE=1
export HRMS_BIN=target/release/hrms
# PG_STATS=1: PostgreSQL loads pg_stat_statements, and each write, leave, attendance
# and compliance run ends with its 15 most expensive statements (total time, calls,
# mean) on stderr: where a step's database time goes.
if [[ "${PG_STATS:-0}" == 1 ]]; then
    export HRMS_PG_EXTRA_CONF="shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all"
fi
: >"$OUT"

log() { printf '\n=== %s\n' "$*" >&2; }
cleanup() {
    [[ -n "${BROKER_PID:-}" ]] && kill "$BROKER_PID" 2>/dev/null || true
    [[ -n "${HRMS_PID:-}" ]] && kill "$HRMS_PID" 2>/dev/null || true
    bash scripts/stop-test-postgres.sh >/dev/null 2>&1 || true
}
trap cleanup EXIT

log "building release binaries"
cargo build --release --locked --bin hrms --bin hrms-bench >&2

TANSU=${TANSU_BIN:-$HOME/.cache/hrms/tansu/bin/tansu}
if [[ ! -x "$TANSU" ]]; then
    log "installing tansu (once; cached in ~/.cache/hrms/tansu)"
    cargo install tansu --locked --features dynostore --root "$HOME/.cache/hrms/tansu" >&2
fi

start_broker() {
    [[ -n "${BROKER_PID:-}" ]] && kill "$BROKER_PID" 2>/dev/null && wait "$BROKER_PID" 2>/dev/null || true
    "$TANSU" broker --listener-url "tcp://127.0.0.1:$PORT_KAFKA" \
        --advertised-listener-url "tcp://127.0.0.1:$PORT_KAFKA" \
        --storage-engine memory://tansu/ >"$WORK/broker.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 50); do
        (echo >/dev/tcp/127.0.0.1/$PORT_KAFKA) 2>/dev/null && break
        sleep 0.2
    done
    for t in employee-queue audit-queue user-queue notification-queue leave-queue attendance-queue compliance-queue bench-ceiling; do
        "$TANSU" topic create "$t" --partitions 3 --broker "tcp://$BOOT" >/dev/null 2>&1 || true
    done
}

log "starting PostgreSQL (durable) and the broker"
PG_ADMIN=$(bash scripts/start-test-postgres.sh)
fresh_pg() {
    local name="bench_$(date +%s%N)"
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $name" >&2
    echo "${PG_ADMIN%/*}/$name"
}
# Drops the databases of earlier steps and checkpoints, so that a latency or write
# measurement does not share the disk and CPU with autovacuum of a drained 1M-row
# backlog or with the checkpoint that backlog's WAL triggers.
quiesce_pg() {
    local db
    for db in $(psql -Atq "$PG_ADMIN" -c "SELECT datname FROM pg_database WHERE datname LIKE 'bench_%'"); do
        psql -q "$PG_ADMIN" -c "DROP DATABASE $db WITH (FORCE)" >&2
    done
    psql -q "$PG_ADMIN" -c "CHECKPOINT" >&2
}
run() { # run <cmd...>: prints and records the RESULT line
    "$@" | tee -a "$OUT" | grep '^RESULT' >&2
}
stats_reset() { # stats_reset <database>: with PG_STATS=1, starts a profile
    [[ "${PG_STATS:-0}" == 1 ]] || return 0
    psql -q "$1" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
}
stats_show() { # stats_show <database>: with PG_STATS=1, prints the profile
    [[ "${PG_STATS:-0}" == 1 ]] || return 0
    psql -q "$1" -P pager=off -c "SELECT round(total_exec_time::numeric, 0) AS total_ms, calls, round(mean_exec_time::numeric, 3) AS mean_ms, left(regexp_replace(query, '\s+', ' ', 'g'), 110) AS query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 15" >&2
}

start_hrms() { # start_hrms <database> <extra env...>
    local db=$1; shift
    env HRMS_PROFILE=production HRMS_JWT_SECRET=bench-signing-secret-0123456789abcdef \
        HRMS_LOG_LEVEL=warn PORT=18280 DATABASE_URL="$db" KAFKA_BOOTSTRAP_SERVERS="$BOOT" \
        HRMS_BOOTSTRAP_ADMIN_EMAIL=bench-admin@hrms.bench HRMS_BOOTSTRAP_ADMIN_PASSWORD='bench admin password' \
        HRMS_LOGIN_MAX_FAILURES_PER_CLIENT=1000 "$@" "$HRMS_BIN" >"$WORK/hrms.log" 2>&1 &
    HRMS_PID=$!
    for _ in $(seq 100); do
        curl -sf localhost:18280/health/ready >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "hrms did not become ready" >&2
    cat "$WORK/hrms.log" >&2
    return 1
}
stop_hrms() { kill "$HRMS_PID" 2>/dev/null; wait "$HRMS_PID" 2>/dev/null || true; HRMS_PID=; }

# STEPS picks a subset (default all): relay scaling latency write leave attendance loginflood compliance.
STEPS=${STEPS:-relay scaling latency write leave attendance loginflood compliance}
want() { [[ " $STEPS " == *" $1 "* ]]; }

want relay && for i in $(seq "$RUNS"); do
    log "relay throughput, PostgreSQL, run $i"
    start_broker
    db=$(fresh_pg)
    run target/release/hrms-bench preload --database "$db" --count "$COUNT"
    run target/release/hrms-bench drain --database "$db" --hrms "$HRMS_BIN" --bootstrap "$BOOT"
    log "ceiling: plain rdkafka producer, run $i"
    start_broker
    run target/release/hrms-bench ceiling --bootstrap "$BOOT" --count "$COUNT"
    log "relay throughput, SQLite, run $i"
    start_broker
    file=$WORK/bench-$i.db
    run target/release/hrms-bench preload --database "$file" --count "$COUNT"
    run target/release/hrms-bench drain --database "$file" --hrms "$HRMS_BIN" --bootstrap "$BOOT"
done

want scaling && for i in $(seq "$RUNS"); do
    log "scaling: 2 replicas on one PostgreSQL, run $i"
    start_broker
    db=$(fresh_pg)
    run target/release/hrms-bench preload --database "$db" --count "$COUNT"
    run target/release/hrms-bench drain --database "$db" --hrms "$HRMS_BIN" --bootstrap "$BOOT" --replicas 2
done

want latency && for i in $(seq "$RUNS"); do
    log "commit-to-ack latency at 1000 events/s (500 writes/s), run $i"
    start_broker
    quiesce_pg
    db=$(fresh_pg)
    start_hrms "$db"
    run target/release/hrms-bench latency --url http://127.0.0.1:18280 --database "$db" --rate 500 --seconds 30
    stop_hrms
done

want write && for i in $(seq "$RUNS"); do
    for mode in broker_up producer_off broker_down; do
        log "write path: $mode, run $i"
        start_broker
        quiesce_pg
        db=$(fresh_pg)
        case $mode in
            broker_up) start_hrms "$db" ;;
            producer_off) start_hrms "$db" KAFKA_ENABLE_PRODUCER=false ;;
            broker_down) start_hrms "$db" KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:1 ;;
        esac
        stats_reset "$db"
        run target/release/hrms-bench write --url http://127.0.0.1:18280 --label "$mode" --concurrency 16 --seconds 20 --warmup 5
        stats_show "$db"
        stop_hrms
    done
done

want leave && for i in $(seq "$RUNS"); do
    log "leave: 2,000 employees with three years of ledger history, run $i"
    start_broker
    quiesce_pg
    db=$(fresh_pg)
    start_hrms "$db"
    stats_reset "$db"
    run target/release/hrms-bench leave --url http://127.0.0.1:18280 --database "$db" --employees 2000 --concurrency 16 --seconds 20 --warmup 5
    stats_show "$db"
    stop_hrms
done

want attendance && for i in $(seq "$RUNS"); do
    log "attendance: POST /employees, then a morning rush of 400 employees, then four-week summaries over two years of records, run $i"
    start_broker
    quiesce_pg
    db=$(fresh_pg)
    start_hrms "$db"
    stats_reset "$db"
    run target/release/hrms-bench attendance --url http://127.0.0.1:18280 --database "$db" --employees 400 --concurrency 16 --seconds 20 --warmup 5
    stats_show "$db"
    stop_hrms
done

want loginflood && for i in $(seq "$RUNS"); do
    log "login flood: 4 readers alone, then next to 20 clients logging in, run $i"
    start_broker
    quiesce_pg
    db=$(fresh_pg)
    start_hrms "$db"
    run target/release/hrms-bench login-flood --url http://127.0.0.1:18280 --readers 4 --flooders 20 --seconds 20 --warmup 5
    stop_hrms
done

want compliance && for i in $(seq "$RUNS"); do
    log "compliance: 1,000 employees with a year of attendance records through the subscriber, single events, a full check, run $i"
    quiesce_pg
    db=$(fresh_pg)
    stats_reset "$db"
    run target/release/hrms-bench compliance --database "$db" --employees 1000 --batch 100 --threads 2 --singles 1000
    stats_show "$db"
done

log "summary (min / median / max over $RUNS runs; $(nproc) cores)"
python3 - "$OUT" <<'PY'
import re, statistics, sys
rows = [dict(kv.split("=", 1) for kv in line.split()[1:]) for line in open(sys.argv[1]) if line.startswith("RESULT")]
def show(title, pick, key):
    vals = sorted(float(r[key]) for r in rows if pick(r))
    if vals:
        print(f"{title:<48} {key:<16} min {vals[0]:>10.1f}  median {statistics.median(vals):>10.1f}  max {vals[-1]:>10.1f}  (n={len(vals)})")
# Single-replica drains alternate PostgreSQL, SQLite in each run.
one = [r for r in rows if r["step"] == "drain" and r["replicas"] == "1"]
pg1, sq1 = one[0::2], one[1::2]
two = [r for r in rows if r["step"] == "drain" and r["replicas"] == "2"]
for name, group in (("relay, PostgreSQL, 1 replica", pg1), ("relay, SQLite, 1 replica", sq1), ("relay, PostgreSQL, 2 replicas", two)):
    for key in ("events_per_sec", "peak_rss_mib", "rss_q1_mib", "rss_q3_mib"):
        show(name, lambda r, g=group: r in g, key)
show("ceiling: plain rdkafka producer", lambda r: r["step"] == "ceiling", "events_per_sec")
ceil = statistics.median(float(r["events_per_sec"]) for r in rows if r["step"] == "ceiling") if any(r["step"] == "ceiling" for r in rows) else float("nan")
if pg1:
    print(f"{'relay (PostgreSQL) / ceiling, medians':<48} ratio            {statistics.median(float(r['events_per_sec']) for r in pg1) / ceil:.2f}")
for key in ("p50_ms", "p99_ms", "max_ms", "events_per_sec"):
    show("commit-to-ack latency", lambda r: r["step"] == "latency", key)
for mode in ("broker_up", "producer_off", "broker_down"):
    for key in ("req_per_sec", "p50_ms", "p99_ms", "errors"):
        show(f"POST /employees, {mode}", lambda r, m=mode: r["step"] == "write" and r["label"] == m, key)
med = lambda m, k: statistics.median(float(r[k]) for r in rows if r["step"] == "write" and r["label"] == m)
try:
    print(f"{'on/off throughput (medians)':<48} ratio            {med('broker_up','req_per_sec') / med('producer_off','req_per_sec'):.2f}")
    print(f"{'p99 broker down / p99 broker up (medians)':<48} ratio            {med('broker_down','p99_ms') / med('broker_up','p99_ms'):.2f}")
except (statistics.StatisticsError, ZeroDivisionError):
    pass
for key in ("cycles_per_sec", "cycle_p50_ms", "cycle_p99_ms", "cycle_errors", "reference_req_per_sec", "reference_p99_ms", "cycles_over_reference", "balance_p50_ms", "balance_p99_ms", "balance_errors", "balance4_p50_ms", "balance4_p99_ms", "balance4_errors"):
    show("leave (2,000 employees, 3 years of ledger)", lambda r: r["step"] == "leave", key)
for key in ("employees_req_per_sec", "employees_p99_ms", "check_in_p50_ms", "check_in_p99_ms", "check_out_p99_ms", "rush_req_per_sec", "check_in_p99_ratio", "check_in_errors", "check_out_errors", "summary_p50_ms", "summary_p99_ms", "summary_errors"):
    show("attendance (400 employees; summaries over 2 years)", lambda r: r["step"] == "attendance", key)
for key in ("events", "events_per_sec", "batch_p50_ms", "batch_p99_ms", "single_p50_ms", "single_p99_ms", "check_secs", "check_open"):
    show("compliance (1,000 employees, a year of records)", lambda r: r["step"] == "compliance", key)
for key in ("base_p50_ms", "base_p99_ms", "flood_p50_ms", "flood_p99_ms", "p99_ratio", "logins_per_sec", "flood_errors", "login_errors"):
    show("login flood (4 readers, 20 clients logging in)", lambda r: r["step"] == "loginflood", key)
PY
