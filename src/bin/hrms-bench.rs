//! Benchmark harness: load and measurement steps that `scripts/bench.sh` strings
//! together against real components (PostgreSQL or SQLite, a Kafka-compatible
//! broker, the release `hrms` binary). Each step prints one `RESULT` line of
//! `key=value` pairs; the script repeats steps and summarises them. Benchmarks
//! are not tests: nothing here asserts.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord};

/// hrms benchmark steps (see scripts/bench.sh).
#[derive(Parser)]
#[command(name = "hrms-bench")]
struct Cli {
    #[command(subcommand)]
    step: Step,
}

#[derive(Subcommand)]
enum Step {
    /// Fill the outbox with `count` pending events of about `payload_bytes` each.
    Preload {
        /// postgres://... or a SQLite file path.
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 500)]
        payload_bytes: usize,
    },
    /// Start `replicas` hrms processes on the database and time the drain.
    Drain {
        #[arg(long)]
        database: String,
        #[arg(long)]
        hrms: String,
        #[arg(long)]
        bootstrap: String,
        #[arg(long, default_value_t = 1)]
        replicas: usize,
        /// Relay batch (HRMS_RELAY_BATCH_SIZE). 7,500 keeps the drain's peak RSS
        /// near 120 MiB; 10,000 is faster and passes 150 MiB (see BENCHMARKS.md).
        #[arg(long, default_value_t = 7500)]
        batch_size: u32,
        #[arg(long, default_value_t = 1)]
        linger_ms: u64,
    },
    /// A plain rdkafka producer with the relay's settings: the ceiling.
    Ceiling {
        #[arg(long)]
        bootstrap: String,
        #[arg(long, default_value_t = 1_000_000)]
        count: u64,
        #[arg(long, default_value_t = 500)]
        payload_bytes: usize,
        #[arg(long, default_value = "bench-ceiling")]
        topic: String,
        #[arg(long, default_value_t = 1)]
        linger_ms: u64,
    },
    /// Steady API writes at `rate` requests/s; commit-to-ack latency from the outbox.
    Latency {
        /// Base URL of a running hrms.
        #[arg(long)]
        url: String,
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 500)]
        rate: u64,
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// Seconds of load before measuring (connections, broker metadata).
        #[arg(long, default_value_t = 5)]
        warmup: u64,
    },
    /// POST /api/v1/employees at fixed concurrency: requests/s and latency.
    Write {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 5)]
        warmup: u64,
        /// Label printed with the result.
        #[arg(long, default_value = "write")]
        label: String,
    },
    /// Leave on PostgreSQL: `employees` employees with three years of ledger
    /// history each, then request-and-approve cycles and balance reads at fixed
    /// concurrency.
    Leave {
        #[arg(long)]
        url: String,
        /// The service's PostgreSQL database (the history is inserted directly).
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 2000)]
        employees: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 5)]
        warmup: u64,
    },
    /// Attendance on PostgreSQL (issue 13 §11): POST /employees at
    /// `concurrency` as the reference, then a morning rush of `employees`
    /// employees checking in and out at the same concurrency, then four-week
    /// summaries of an employee with two years of records.
    Attendance {
        #[arg(long)]
        url: String,
        /// The service's PostgreSQL database (the history is inserted directly).
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 400)]
        employees: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 5)]
        warmup: u64,
    },
    /// Compliance (issue 14 §11), in process on the service's database:
    /// `employees` employees with a year of attendance records each (one per
    /// working day, every seventh without its break), delivered to the
    /// compliance actor as the relay's subscriber sink would (batches of
    /// `batch` events, at most one per employee, `threads` batches in flight);
    /// then single-event deliveries (a correction each) for the latency of one
    /// event's evaluation; then a full check of everyone over the year.
    Compliance {
        /// The database (postgres://..., migrated here).
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 1000)]
        employees: usize,
        #[arg(long, default_value_t = 100)]
        batch: usize,
        #[arg(long, default_value_t = 2)]
        threads: usize,
        #[arg(long, default_value_t = 1000)]
        singles: usize,
    },
    /// Security finding 6: authenticated reads (`GET /api/v1/employees/{id}`)
    /// alone, then while `flooders` clients log in without pause (each with an
    /// account of its own and the right password, so the limiter lets them).
    LoginFlood {
        #[arg(long)]
        url: String,
        #[arg(long, default_value_t = 4)]
        readers: usize,
        #[arg(long, default_value_t = 20)]
        flooders: usize,
        #[arg(long, default_value_t = 20)]
        seconds: u64,
        #[arg(long, default_value_t = 5)]
        warmup: u64,
    },
}

const ADMIN_EMAIL: &str = "bench-admin@hrms.bench";
const ADMIN_PASSWORD: &str = "bench admin password";

fn main() -> anyhow::Result<()> {
    match Cli::parse().step {
        Step::Preload {
            database,
            count,
            payload_bytes,
        } => preload(&database, count, payload_bytes),
        Step::Drain {
            database,
            hrms,
            bootstrap,
            replicas,
            batch_size,
            linger_ms,
        } => drain(
            &database, &hrms, &bootstrap, replicas, batch_size, linger_ms,
        ),
        Step::Ceiling {
            bootstrap,
            count,
            payload_bytes,
            topic,
            linger_ms,
        } => actix_rt::System::new().block_on(ceiling(
            &bootstrap,
            count,
            payload_bytes,
            &topic,
            linger_ms,
        )),
        Step::Latency {
            url,
            database,
            rate,
            seconds,
            warmup,
        } => actix_rt::System::new().block_on(latency(&url, &database, rate, seconds, warmup)),
        Step::Write {
            url,
            concurrency,
            seconds,
            warmup,
            label,
        } => actix_rt::System::new().block_on(write(&url, concurrency, seconds, warmup, &label)),
        Step::Leave {
            url,
            database,
            employees,
            concurrency,
            seconds,
            warmup,
        } => actix_rt::System::new().block_on(leave(
            &url,
            &database,
            employees,
            concurrency,
            seconds,
            warmup,
        )),
        Step::Attendance {
            url,
            database,
            employees,
            concurrency,
            seconds,
            warmup,
        } => actix_rt::System::new().block_on(attendance(
            &url,
            &database,
            employees,
            concurrency,
            seconds,
            warmup,
        )),
        Step::Compliance {
            database,
            employees,
            batch,
            threads,
            singles,
        } => compliance(&database, employees, batch, threads, singles),
        Step::LoginFlood {
            url,
            readers,
            flooders,
            seconds,
            warmup,
        } => {
            actix_rt::System::new().block_on(login_flood(&url, readers, flooders, seconds, warmup))
        }
    }
}

enum Conn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

fn connect(database: &str) -> anyhow::Result<Conn> {
    if database.starts_with("postgres") {
        Ok(Conn::Pg(
            PgConnection::establish(database).context("connect to PostgreSQL")?,
        ))
    } else {
        let mut c = SqliteConnection::establish(database).context("open SQLite")?;
        diesel::sql_query("PRAGMA busy_timeout = 10000").execute(&mut c)?;
        Ok(Conn::Sqlite(c))
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether any row is undelivered. Cheap next to a count, which on a large
/// backlog would cost the database more than the relay's own claims.
fn any_pending(conn: &mut Conn) -> anyhow::Result<bool> {
    let q = "SELECT COUNT(*) AS n FROM (SELECT 1 FROM outbox_events LIMIT 1) t";
    Ok(match conn {
        Conn::Pg(c) => diesel::sql_query(q).get_result::<Count>(c)?.n,
        Conn::Sqlite(c) => diesel::sql_query(q).get_result::<Count>(c)?.n,
    } > 0)
}

fn pending(conn: &mut Conn) -> anyhow::Result<i64> {
    let q = "SELECT COUNT(*) AS n FROM outbox_events";
    Ok(match conn {
        Conn::Pg(c) => diesel::sql_query(q).get_result::<Count>(c)?.n,
        Conn::Sqlite(c) => diesel::sql_query(q).get_result::<Count>(c)?.n,
    })
}

/// Migrates the database by running `hrms migrate`, so the schema is the real one.
fn migrate(hrms: &str, database: &str) -> anyhow::Result<()> {
    let status = hrms_command(hrms, database)
        .arg("migrate")
        .stdout(Stdio::null())
        .status()
        .context("run hrms migrate")?;
    if !status.success() {
        bail!("hrms migrate failed");
    }
    Ok(())
}

fn hrms_command(hrms: &str, database: &str) -> Command {
    let mut cmd = Command::new(hrms);
    cmd.env("HRMS_PROFILE", "production")
        .env("HRMS_JWT_SECRET", "bench-signing-secret-0123456789abcdef")
        .env("HRMS_LOG_LEVEL", "warn");
    if database.starts_with("postgres") {
        cmd.env("DATABASE_URL", database);
    } else {
        cmd.env("DATABASE_URL", "")
            .env("HRMS_SQLITE_PATH", database);
    }
    cmd
}

fn preload(database: &str, count: u64, payload_bytes: usize) -> anyhow::Result<()> {
    let hrms = std::env::var("HRMS_BIN").unwrap_or_else(|_| "target/release/hrms".into());
    migrate(&hrms, database)?;
    let mut conn = connect(database)?;
    let now = hrms::db::now_micros();
    // A realistic EMPLOYEE_UPDATED body, padded to the requested size; one
    // aggregate per event so the measurement is the relay, not the order guard.
    let pad = payload_bytes.saturating_sub(330).max(1);
    let started = Instant::now();
    match &mut conn {
        Conn::Pg(c) => {
            let sql = format!(
                "INSERT INTO outbox_events (event_id, event_type, family, source_module, destination, aggregate_id, payload, traceparent, created_at, attempts, next_attempt_at) \
                 SELECT md5(i::text || 'e'), 'EMPLOYEE_UPDATED', 'employee', 'employee', 'kafka', md5(i::text), \
                 json_build_object('event_id', md5(i::text || 'e'), 'event_type', 'EMPLOYEE_UPDATED', 'source', 'employee', \
                   'timestamp', '2026-11-26T12:00:00.000Z', 'correlation_id', 'bench', 'schema_version', 1, 'employee_id', md5(i::text), \
                   'changed_fields', json_build_array('position'), 'data', json_build_object('id', md5(i::text), 'position', repeat('x', {pad})))::text, \
                 NULL, {now}, 0, {now} FROM generate_series(1, {count}) AS s(i)"
            );
            diesel::sql_query(sql).execute(c)?;
            diesel::sql_query("ANALYZE outbox_events").execute(c)?;
        }
        Conn::Sqlite(c) => {
            let sql = format!(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {count}) \
                 INSERT INTO outbox_events (event_id, event_type, family, source_module, destination, aggregate_id, payload, traceparent, created_at, attempts, next_attempt_at) \
                 SELECT printf('bench-e-%d', i), 'EMPLOYEE_UPDATED', 'employee', 'employee', 'kafka', printf('bench-a-%d', i), \
                 json_object('event_id', printf('bench-e-%d', i), 'event_type', 'EMPLOYEE_UPDATED', 'source', 'employee', \
                   'timestamp', '2026-11-26T12:00:00.000Z', 'correlation_id', 'bench', 'schema_version', 1, 'employee_id', printf('bench-a-%d', i), \
                   'changed_fields', json_array('position'), 'data', json_object('id', printf('bench-a-%d', i), 'position', substr(hex(zeroblob({pad})), 1, {pad}))), \
                 NULL, {now}, 0, {now} FROM s"
            );
            diesel::sql_query(sql).execute(c)?;
        }
    }
    let n = pending(&mut conn)?;
    println!(
        "RESULT step=preload pending={n} payload_bytes={payload_bytes} seconds={:.1}",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn drain(
    database: &str,
    hrms: &str,
    bootstrap: &str,
    replicas: usize,
    batch: u32,
    linger: u64,
) -> anyhow::Result<()> {
    let mut conn = connect(database)?;
    let total = pending(&mut conn)?;
    if total == 0 {
        bail!("nothing to drain: run preload first");
    }
    let mut children: Vec<Child> = Vec::new();
    for r in 0..replicas {
        // Each replica's log (warnings and up) is kept for reading after the run.
        let log_path = std::env::temp_dir().join(format!("hrms-bench-drain-{r}.log"));
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("create {}", log_path.display()))?;
        let child = hrms_command(hrms, database)
            .env("PORT", (18300 + r).to_string())
            .env("KAFKA_BOOTSTRAP_SERVERS", bootstrap)
            .env("KAFKA_LINGER_MS", linger.to_string())
            .env("HRMS_RELAY_BATCH_SIZE", batch.to_string())
            .env("HRMS_RELAY_POLL_INTERVAL_MS", "50")
            .env("HRMS_DB_POOL_SIZE", "8")
            .stdout(log)
            .spawn()
            .context("start hrms")?;
        children.push(child);
    }
    let started = Instant::now();
    let mut peak: u64 = 0;
    let mut samples: Vec<(f64, u64)> = Vec::new();
    let result = loop {
        std::thread::sleep(Duration::from_millis(200));
        let rss: u64 = children
            .iter()
            .filter_map(|c| rss_kib(c.id()))
            .max()
            .unwrap_or(0);
        peak = peak.max(rss);
        samples.push((started.elapsed().as_secs_f64(), rss));
        if !any_pending(&mut conn)? {
            break Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(1800) {
            let left = pending(&mut conn)?;
            break Err(anyhow::anyhow!(
                "drain did not finish in 30 minutes ({left} left)"
            ));
        }
    };
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    let elapsed = result?;
    // RSS at a quarter and at three quarters of the drain: flat means no growth with backlog.
    let at = |frac: f64| {
        let t = elapsed.as_secs_f64() * frac;
        samples.iter().find(|s| s.0 >= t).map(|s| s.1).unwrap_or(0)
    };
    println!(
        "RESULT step=drain replicas={replicas} events={total} seconds={:.2} events_per_sec={:.0} peak_rss_mib={:.1} rss_q1_mib={:.1} rss_q3_mib={:.1}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        peak as f64 / 1024.0,
        at(0.25) as f64 / 1024.0,
        at(0.75) as f64 / 1024.0,
    );
    Ok(())
}

async fn ceiling(
    bootstrap: &str,
    count: u64,
    payload_bytes: usize,
    topic: &str,
    linger: u64,
) -> anyhow::Result<()> {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("compression.type", "lz4")
        .set("linger.ms", linger.to_string())
        .set("batch.size", "1000000")
        .set("message.timeout.ms", "0")
        .set("queue.buffering.max.messages", "200000")
        .set("queue.buffering.max.kbytes", "262144")
        .create()?;
    let payload = format!(
        "{{\"event_type\":\"EMPLOYEE_UPDATED\",\"data\":\"{}\"}}",
        "x".repeat(payload_bytes.saturating_sub(45))
    );
    let started = Instant::now();
    let chunk = 5000u64;
    let mut sent = 0u64;
    while sent < count {
        let n = chunk.min(count - sent);
        let mut futures = Vec::with_capacity(n as usize);
        for i in sent..sent + n {
            let key = format!("k{i}");
            let mut record = FutureRecord::to(topic).key(&key).payload(&payload);
            loop {
                match producer.send_result(record) {
                    Ok(f) => {
                        futures.push(f);
                        break;
                    }
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                        record = back;
                        actix_rt::time::sleep(Duration::from_millis(2)).await;
                    }
                    Err((e, _)) => bail!("send failed: {e}"),
                }
            }
        }
        // Same shape as the relay: a batch in flight, the next handed over meanwhile.
        for f in futures {
            f.await
                .context("producer gone")?
                .map_err(|(e, _)| anyhow::anyhow!("delivery failed: {e}"))?;
        }
        sent += n;
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "RESULT step=ceiling events={count} seconds={secs:.2} events_per_sec={:.0}",
        count as f64 / secs
    );
    Ok(())
}

async fn login(client: &awc::Client, url: &str) -> anyhow::Result<String> {
    let mut resp = client
        .post(format!("{url}/api/v1/auth/login"))
        .send_json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .await
        .map_err(|e| anyhow::anyhow!("login request: {e}"))?;
    let body: serde_json::Value = resp
        .json()
        .await
        .map_err(|e| anyhow::anyhow!("login body: {e}"))?;
    body["access_token"]
        .as_str()
        .map(str::to_owned)
        .context("no token: start hrms with HRMS_BOOTSTRAP_ADMIN_EMAIL=bench-admin@hrms.bench")
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

static SEQ: AtomicU64 = AtomicU64::new(0);

fn employee_body() -> serde_json::Value {
    let n = SEQ.fetch_add(1, Ordering::Relaxed);
    serde_json::json!({"name": format!("Bench {n}"), "age": 30, "department": "Bench", "position": "Load"})
}

#[derive(QueryableByName)]
struct Lat {
    #[diesel(sql_type = BigInt)]
    ms: i64,
}

async fn latency(
    url: &str,
    database: &str,
    rate: u64,
    seconds: u64,
    warmup: u64,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let token = login(&client, url).await?;
    // Events created during the warm-up are not measured.
    let since = hrms::db::now_micros() + i64::try_from(warmup * 1_000_000).unwrap_or(0);
    let seconds = seconds + warmup;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let started = Instant::now();
    let mut next = Instant::now();
    let mut sent = 0u64;
    let failures = Arc::new(AtomicU64::new(0));
    while started.elapsed() < Duration::from_secs(seconds) {
        let now = Instant::now();
        if now < next {
            actix_rt::time::sleep(next - now).await;
        }
        next += interval;
        let req = client
            .post(format!("{url}/api/v1/employees"))
            .insert_header(("authorization", format!("Bearer {token}")));
        let failures = failures.clone();
        actix_rt::spawn(async move {
            match req.send_json(&employee_body()).await {
                Ok(r) if r.status().as_u16() == 201 => {}
                _ => {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
        sent += 1;
    }
    // Let the last events be acknowledged.
    actix_rt::time::sleep(Duration::from_secs(3)).await;
    let q = format!(
        "SELECT (delivered_at - created_at) / 1000 AS ms FROM outbox_deliveries WHERE created_at >= {since} AND transport = 'kafka'"
    );
    let mut rows: Vec<f64> = match connect(database)? {
        Conn::Pg(mut c) => diesel::sql_query(q).load::<Lat>(&mut c)?,
        Conn::Sqlite(mut c) => diesel::sql_query(q).load::<Lat>(&mut c)?,
    }
    .into_iter()
    .map(|l| l.ms as f64)
    .collect();
    rows.sort_by(|a, b| a.total_cmp(b));
    println!(
        "RESULT step=latency requests={sent} failed={} events={} events_per_sec={:.0} p50_ms={:.1} p99_ms={:.1} max_ms={:.1}",
        failures.load(Ordering::Relaxed),
        rows.len(),
        rows.len() as f64 / (seconds - warmup) as f64,
        percentile(&rows, 0.5),
        percentile(&rows, 0.99),
        rows.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}

async fn write(
    url: &str,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
    label: &str,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let token = login(&client, url).await?;
    let recording = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let latencies = Arc::new(Mutex::new(Vec::<f64>::new()));
    let statuses = Arc::new(Mutex::new(HashMap::<u16, u64>::new()));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, url, token) = (client.clone(), url.to_owned(), token.clone());
        let (recording, stop, latencies, statuses) = (
            recording.clone(),
            stop.clone(),
            latencies.clone(),
            statuses.clone(),
        );
        workers.push(actix_rt::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let status = client
                    .post(format!("{url}/api/v1/employees"))
                    .insert_header(("authorization", format!("Bearer {token}")))
                    .send_json(&employee_body())
                    .await
                    .map(|r| r.status().as_u16())
                    .unwrap_or(599);
                if recording.load(Ordering::Relaxed) {
                    latencies
                        .lock()
                        .map(|mut l| l.push(t.elapsed().as_secs_f64() * 1000.0))
                        .ok();
                    statuses
                        .lock()
                        .map(|mut s| *s.entry(status).or_default() += 1)
                        .ok();
                }
            }
        }));
    }
    actix_rt::time::sleep(Duration::from_secs(warmup)).await;
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    actix_rt::time::sleep(Duration::from_secs(seconds)).await;
    recording.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let mut l = latencies.lock().map(|l| l.clone()).unwrap_or_default();
    l.sort_by(|a, b| a.total_cmp(b));
    let statuses = statuses.lock().map(|s| s.clone()).unwrap_or_default();
    let errors: u64 = statuses
        .iter()
        .filter(|(s, _)| **s != 201)
        .map(|(_, n)| n)
        .sum();
    println!(
        "RESULT step=write label={label} concurrency={concurrency} requests={} errors={errors} req_per_sec={:.0} p50_ms={:.2} p99_ms={:.2}",
        l.len(),
        l.len() as f64 / elapsed,
        percentile(&l, 0.5),
        percentile(&l, 0.99)
    );
    Ok(())
}

/// Three years (2026 to 2028) of ledger history per employee: a grant and 15
/// single days of consumption a year (48 rows each), inserted directly.
const LEAVE_HISTORY: &str = "INSERT INTO leave_ledger (id, seq, employee_id, leave_type, kind, leave_year, units, effective_date, request_id, reason, created_by, created_at)
    SELECT gen_random_uuid()::text, (y - 2026) * 16 + k + 1, e.id, 'annual',
        CASE WHEN k = 0 THEN 'grant' ELSE 'consumption' END, y,
        CASE WHEN k = 0 THEN 40 ELSE -2 END,
        CASE WHEN k = 0 THEN make_date(y, 1, 1) ELSE make_date(y, 2, 1) + k * 7 END,
        NULL, NULL, 'bench', 0
    FROM employees e, generate_series(2026, 2028) y, generate_series(0, 15) k";

/// Latencies (ms) and non-success count of a timed phase.
#[derive(Default)]
struct Phase {
    latencies: Vec<f64>,
    errors: u64,
}

/// Runs `op(worker, i)` on `concurrency` workers for `warmup + seconds`,
/// recording after the warm-up; returns the recorded phase and its length.
async fn timed<F, Fut>(concurrency: usize, seconds: u64, warmup: u64, op: F) -> (Phase, f64)
where
    F: Fn(usize, u64) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = bool> + 'static,
{
    let recording = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let phase = Arc::new(Mutex::new(Phase::default()));
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (op, recording, stop, phase) =
            (op.clone(), recording.clone(), stop.clone(), phase.clone());
        workers.push(actix_rt::spawn(async move {
            let mut i = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let t = Instant::now();
                let ok = op(w, i).await;
                i += 1;
                if recording.load(Ordering::Relaxed) {
                    if let Ok(mut p) = phase.lock() {
                        p.latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        if !ok {
                            p.errors += 1;
                        }
                    }
                }
            }
        }));
    }
    actix_rt::time::sleep(Duration::from_secs(warmup)).await;
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    actix_rt::time::sleep(Duration::from_secs(seconds)).await;
    recording.store(false, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let mut p = phase
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default();
    p.latencies.sort_by(|a, b| a.total_cmp(b));
    (p, elapsed)
}

/// Waits (up to two minutes) until the outbox holds no row: the relay and the
/// in-process subscribers have caught up with what the phase before wrote, so
/// the next phase does not pay for it. Prints how long it waited.
async fn settle_outbox(pg: &mut diesel::PgConnection, after: &str) {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let started = Instant::now();
    let mut left = -1;
    while started.elapsed() < Duration::from_secs(120) {
        left = diesel::sql_query("SELECT count(*) AS n FROM outbox_events")
            .get_result::<Count>(pg)
            .map_or(-1, |c| c.n);
        if left == 0 {
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "after {after}: the outbox settled in {:.1} s ({left} rows left)",
        started.elapsed().as_secs_f64()
    );
}

/// The reference of a module's step: `POST /employees` on the same instance,
/// at the same concurrency, timed like the step.
async fn reference_writes(
    client: &awc::Client,
    url: &str,
    auth: &str,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
) -> (Phase, f64) {
    let (c, u, a) = (client.clone(), url.to_owned(), auth.to_owned());
    timed(concurrency, seconds, warmup, move |_, _| {
        let (c, u, a) = (c.clone(), u.clone(), a.clone());
        async move {
            c.post(format!("{u}/api/v1/employees"))
                .insert_header(("authorization", a))
                .send_json(&employee_body())
                .await
                .is_ok_and(|r| r.status().as_u16() == 201)
        }
    })
    .await
}

/// The `n`-th weekday from Monday 1 January 2029 (every one a working day).
fn leave_day(n: u64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(2029, 1, 1).unwrap_or_default();
    let week = i64::try_from(n / 5).unwrap_or(0);
    let day = i64::try_from(n % 5).unwrap_or(0);
    (start + chrono::Duration::days(week * 7 + day)).to_string()
}

async fn leave(
    url: &str,
    database: &str,
    employees: usize,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let token = login(&client, url).await?;
    let auth = format!("Bearer {token}");
    // The employees, created through the API.
    let mut ids = Vec::with_capacity(employees);
    for chunk in (0..employees)
        .collect::<Vec<_>>()
        .chunks(concurrency.max(1))
    {
        let replies = futures::future::join_all(chunk.iter().map(|_| {
            client
                .post(format!("{url}/api/v1/employees"))
                .insert_header(("authorization", auth.clone()))
                .send_json(&serde_json::json!({"name": "Leave bench", "age": 30, "hire_date": "2020-01-01"}))
        }))
        .await;
        for r in replies {
            let mut r = r.map_err(|e| anyhow::anyhow!("create employee: {e}"))?;
            let body: serde_json::Value = r
                .json()
                .await
                .map_err(|e| anyhow::anyhow!("employee body: {e}"))?;
            ids.push(body["id"].as_str().context("employee id")?.to_owned());
        }
    }
    let Conn::Pg(mut pg) = connect(database)? else {
        bail!("the leave step runs on PostgreSQL");
    };
    let rows = diesel::sql_query(LEAVE_HISTORY).execute(&mut pg)?;
    diesel::sql_query("ANALYZE leave_ledger").execute(&mut pg)?;
    let ids = Arc::new(ids);
    settle_outbox(&mut pg, "creating the employees").await;

    // The reference first, then each phase on a settled outbox: every phase
    // starts with what the one before wrote (subscribers, relay) caught up.
    let (reference, ref_secs) =
        reference_writes(&client, url, &auth, concurrency, seconds, warmup).await;
    settle_outbox(&mut pg, "the reference").await;

    // Request-and-approve cycles: worker w files for its own employees in turn,
    // one weekday of 2029 each, and approves it as HR.
    let (c, u, a, list) = (client.clone(), url.to_owned(), auth.clone(), ids.clone());
    let (cycles, cycle_secs) = timed(concurrency, seconds, warmup, move |w, i| {
        let (c, u, a, list) = (c.clone(), u.clone(), a.clone(), list.clone());
        async move {
            let mine = list.len() / concurrency.max(1);
            let idx = w * mine.max(1) + usize::try_from(i).unwrap_or(0) % mine.max(1);
            let Some(employee) = list.get(idx) else { return false };
            let round = i / u64::try_from(mine.max(1)).unwrap_or(1);
            let day = leave_day(round);
            let body = serde_json::json!({"employee_id": employee, "leave_type": "annual", "start_date": day, "end_date": day});
            let Ok(mut r) = c
                .post(format!("{u}/api/v1/leave/requests"))
                .insert_header(("authorization", a.clone()))
                .send_json(&body)
                .await
            else {
                return false;
            };
            if r.status().as_u16() != 201 {
                return false;
            }
            let Ok(created) = r.json::<serde_json::Value>().await else { return false };
            let Some(id) = created["id"].as_str() else { return false };
            c.post(format!("{u}/api/v1/leave/requests/{id}/approve"))
                .insert_header(("authorization", a.clone()))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 200)
        }
    })
    .await;

    settle_outbox(&mut pg, "the cycles").await;

    // Balance reads of random employees: at the step's concurrency (the
    // machine saturated, so latency is mostly queueing) and at 4 clients (as
    // the other read steps measure).
    let balance_reads = |readers: usize| {
        let (c, u, a, list) = (client.clone(), url.to_owned(), auth.clone(), ids.clone());
        timed(readers, seconds, warmup, move |w, i| {
            let (c, u, a, list) = (c.clone(), u.clone(), a.clone(), list.clone());
            async move {
                let n = (w as u64 * 7919 + i * 104_729) as usize % list.len().max(1);
                let Some(employee) = list.get(n) else {
                    return false;
                };
                c.get(format!(
                    "{u}/api/v1/leave/balances?employee_id={employee}&year=2029"
                ))
                .insert_header(("authorization", a))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 200)
            }
        })
    };
    let (reads, _) = balance_reads(concurrency).await;
    let (reads4, _) = balance_reads(4).await;
    let cycles_per_sec = cycles.latencies.len() as f64 / cycle_secs;
    let reference_per_sec = reference.latencies.len() as f64 / ref_secs;
    println!(
        "RESULT step=leave employees={employees} ledger_rows={rows} concurrency={concurrency} cycles={} cycle_errors={} cycles_per_sec={cycles_per_sec:.0} cycle_p50_ms={:.2} cycle_p99_ms={:.2} balance_reads={} balance_errors={} balance_p50_ms={:.2} balance_p99_ms={:.2} balance4_reads={} balance4_errors={} balance4_p50_ms={:.2} balance4_p99_ms={:.2} reference_requests={} reference_errors={} reference_req_per_sec={reference_per_sec:.0} reference_p99_ms={:.2} cycles_over_reference={:.2}",
        cycles.latencies.len(),
        cycles.errors,
        percentile(&cycles.latencies, 0.5),
        percentile(&cycles.latencies, 0.99),
        reads.latencies.len(),
        reads.errors,
        percentile(&reads.latencies, 0.5),
        percentile(&reads.latencies, 0.99),
        reads4.latencies.len(),
        reads4.errors,
        percentile(&reads4.latencies, 0.5),
        percentile(&reads4.latencies, 0.99),
        reference.latencies.len(),
        reference.errors,
        percentile(&reference.latencies, 0.99),
        cycles_per_sec / reference_per_sec.max(1.0),
    );
    Ok(())
}

const FLOOD_PASSWORD: &str = "flooding bench password";

/// Reads of one employee at `readers` concurrency for `warmup + seconds`.
async fn employee_reads(
    client: &awc::Client,
    url: &str,
    auth: &str,
    id: &str,
    readers: usize,
    seconds: u64,
    warmup: u64,
) -> Phase {
    let target = format!("{url}/api/v1/employees/{id}");
    let (c, a) = (client.clone(), auth.to_owned());
    let (phase, _) = timed(readers, seconds, warmup, move |_, _| {
        let (c, a, t) = (c.clone(), a.clone(), target.clone());
        async move {
            c.get(t)
                .insert_header(("authorization", a))
                .send()
                .await
                .is_ok_and(|r| r.status().as_u16() == 200)
        }
    })
    .await;
    phase
}

async fn login_flood(
    url: &str,
    readers: usize,
    flooders: usize,
    seconds: u64,
    warmup: u64,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let auth = format!("Bearer {}", login(&client, url).await?);
    let mut r = client
        .post(format!("{url}/api/v1/employees"))
        .insert_header(("authorization", auth.clone()))
        .send_json(&employee_body())
        .await
        .map_err(|e| anyhow::anyhow!("create employee: {e}"))?;
    let body: serde_json::Value = r
        .json()
        .await
        .map_err(|e| anyhow::anyhow!("employee body: {e}"))?;
    let employee = body["id"].as_str().context("employee id")?.to_owned();
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut accounts = Vec::with_capacity(flooders);
    for i in 0..flooders {
        let email = format!("flood-{i}-{run}@hrms.bench");
        let r = client
            .post(format!("{url}/api/v1/users"))
            .insert_header(("authorization", auth.clone()))
            .send_json(&serde_json::json!({"email": email, "display_name": "Flood bench", "role": "employee", "password": FLOOD_PASSWORD}))
            .await
            .map_err(|e| anyhow::anyhow!("create account: {e}"))?;
        if r.status().as_u16() != 201 {
            bail!("create account: status {}", r.status());
        }
        accounts.push(email);
    }

    let base = employee_reads(&client, url, &auth, &employee, readers, seconds, warmup).await;

    let stop = Arc::new(AtomicBool::new(false));
    let (logins, login_errors) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let mut flood = Vec::new();
    for email in accounts {
        let (c, u, stop, ok, bad) = (
            client.clone(),
            url.to_owned(),
            stop.clone(),
            logins.clone(),
            login_errors.clone(),
        );
        flood.push(actix_rt::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let answer = c
                    .post(format!("{u}/api/v1/auth/login"))
                    .send_json(&serde_json::json!({"email": email, "password": FLOOD_PASSWORD}))
                    .await
                    .map(|r| r.status().as_u16());
                match answer {
                    Ok(200) => ok.fetch_add(1, Ordering::Relaxed),
                    _ => bad.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    // The flood runs through the readers' warm-up; logins are counted over the
    // measured window only.
    actix_rt::time::sleep(Duration::from_secs(warmup)).await;
    let before = logins.load(Ordering::Relaxed);
    let started = Instant::now();
    let flooded = employee_reads(&client, url, &auth, &employee, readers, seconds, 0).await;
    let logins_done = logins.load(Ordering::Relaxed) - before;
    let flood_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for f in flood {
        let _ = f.await;
    }
    let (p99_base, p99_flood) = (
        percentile(&base.latencies, 0.99),
        percentile(&flooded.latencies, 0.99),
    );
    println!(
        "RESULT step=loginflood readers={readers} flooders={flooders} base_reads={} base_errors={} base_p50_ms={:.2} base_p99_ms={p99_base:.2} flood_reads={} flood_errors={} flood_p50_ms={:.2} flood_p99_ms={p99_flood:.2} p99_ratio={:.2} logins={logins_done} logins_per_sec={:.1} login_errors={}",
        base.latencies.len(),
        base.errors,
        percentile(&base.latencies, 0.5),
        flooded.latencies.len(),
        flooded.errors,
        percentile(&flooded.latencies, 0.5),
        p99_flood / p99_base,
        logins_done as f64 / flood_secs,
        login_errors.load(Ordering::Relaxed),
    );
    Ok(())
}

/// Two years of weekday records (08:00-12:00 and 12:30-17:00 UTC) for employee $1.
const ATTENDANCE_HISTORY: &str = "INSERT INTO attendance_records (id, version, employee_id, start_at, end_at, source, note, voided, kind, created_by, changed_by, changed_at, reason, request_id, is_current)
    SELECT gen_random_uuid()::text, 1, $1,
        (extract(epoch FROM d + s.st) * 1000000)::bigint, (extract(epoch FROM d + s.en) * 1000000)::bigint,
        'manual', NULL, false, 'manual', 'bench', 'bench', 0, 'bench', NULL, true
    FROM generate_series('2024-11-25'::timestamp, '2026-11-20'::timestamp, '1 day') d,
        (VALUES (interval '8 hours', interval '12 hours'), (interval '12 hours 30 minutes', interval '17 hours')) s(st, en)
    WHERE extract(isodow FROM d) < 6";

async fn attendance(
    url: &str,
    database: &str,
    employees: usize,
    concurrency: usize,
    seconds: u64,
    warmup: u64,
) -> anyhow::Result<()> {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let auth = format!("Bearer {}", login(&client, url).await?);
    let run = uuid::Uuid::new_v4().simple().to_string();

    // The employees and their accounts (each checks in with its own token).
    let mut tokens = Vec::with_capacity(employees);
    let mut ids = Vec::with_capacity(employees);
    for i in 0..employees {
        let mut r = client
            .post(format!("{url}/api/v1/employees"))
            .insert_header(("authorization", auth.clone()))
            .send_json(&serde_json::json!({"name": "Rush bench", "age": 30, "hire_date": "2020-01-01", "time_zone": "Europe/Berlin"}))
            .await
            .map_err(|e| anyhow::anyhow!("create employee: {e}"))?;
        let body: serde_json::Value = r
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("employee body: {e}"))?;
        let id = body["id"].as_str().context("employee id")?.to_owned();
        let email = format!("rush-{i}-{run}@hrms.bench");
        let r = client
            .post(format!("{url}/api/v1/users"))
            .insert_header(("authorization", auth.clone()))
            .send_json(&serde_json::json!({"email": email, "display_name": "Rush bench", "role": "employee", "employee_id": id, "password": FLOOD_PASSWORD}))
            .await
            .map_err(|e| anyhow::anyhow!("create account: {e}"))?;
        if r.status().as_u16() != 201 {
            bail!("create account: status {}", r.status());
        }
        let mut r = client
            .post(format!("{url}/api/v1/auth/login"))
            .send_json(&serde_json::json!({"email": email, "password": FLOOD_PASSWORD}))
            .await
            .map_err(|e| anyhow::anyhow!("login: {e}"))?;
        let body: serde_json::Value = r
            .json()
            .await
            .map_err(|e| anyhow::anyhow!("login body: {e}"))?;
        tokens.push(format!(
            "Bearer {}",
            body["access_token"].as_str().context("token")?
        ));
        ids.push(id);
    }
    let history_of = ids.first().context("at least one employee")?.clone();
    let Conn::Pg(mut pg) = connect(database)? else {
        bail!("the attendance step runs on PostgreSQL");
    };
    let history = diesel::sql_query(ATTENDANCE_HISTORY)
        .bind::<diesel::sql_types::Text, _>(&history_of)
        .execute(&mut pg)?;
    diesel::sql_query("ANALYZE attendance_records").execute(&mut pg)?;

    settle_outbox(&mut pg, "creating the employees").await;
    let (reference, ref_secs) =
        reference_writes(&client, url, &auth, concurrency, seconds, warmup).await;
    settle_outbox(&mut pg, "the reference").await;

    // The morning rush: worker w serves employees w, w + concurrency, ...
    // (skipping the one with the history), checking each in, then on its next
    // turn out again.
    let tokens = Arc::new(tokens);
    let (ins, outs) = (
        Arc::new(Mutex::new(Phase::default())),
        Arc::new(Mutex::new(Phase::default())),
    );
    let (recording, stop) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let mine: Vec<usize> = (1..tokens.len()).filter(|i| i % concurrency == w).collect();
        if mine.is_empty() {
            continue;
        }
        let (c, u, tokens, ins, outs, recording, stop) = (
            client.clone(),
            url.to_owned(),
            tokens.clone(),
            ins.clone(),
            outs.clone(),
            recording.clone(),
            stop.clone(),
        );
        workers.push(actix_rt::spawn(async move {
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let who = mine[i % mine.len()];
                let checking_in = (i / mine.len()).is_multiple_of(2);
                let (path, want, phase) = if checking_in {
                    ("check-in", 201, &ins)
                } else {
                    ("check-out", 200, &outs)
                };
                let t = Instant::now();
                let ok = c
                    .post(format!("{u}/api/v1/attendance/{path}"))
                    .insert_header(("authorization", tokens[who].clone()))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().as_u16() == want);
                if recording.load(Ordering::Relaxed) {
                    if let Ok(mut p) = phase.lock() {
                        p.latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                        if !ok {
                            p.errors += 1;
                        }
                    }
                }
                i += 1;
            }
        }));
    }
    actix_rt::time::sleep(Duration::from_secs(warmup)).await;
    recording.store(true, Ordering::Relaxed);
    let started = Instant::now();
    actix_rt::time::sleep(Duration::from_secs(seconds)).await;
    recording.store(false, Ordering::Relaxed);
    let rush_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let take = |p: &Arc<Mutex<Phase>>| {
        let mut p = p
            .lock()
            .map(|mut p| std::mem::take(&mut *p))
            .unwrap_or_default();
        p.latencies.sort_by(|a, b| a.total_cmp(b));
        p
    };
    let (ins, outs) = (take(&ins), take(&outs));

    // Four-week summaries of the employee with two years of records.
    let (c, u, a, e) = (
        client.clone(),
        url.to_owned(),
        auth.clone(),
        history_of.clone(),
    );
    let (summaries, _) = timed(4, seconds, warmup, move |_, i| {
        let (c, u, a, e) = (c.clone(), u.clone(), a.clone(), e.clone());
        async move {
            // A different four weeks each time, all within the history.
            let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default()
                + chrono::Duration::weeks(i64::try_from(i % 90).unwrap_or(0));
            let end = start + chrono::Duration::days(27);
            c.get(format!(
                "{u}/api/v1/attendance/summary?employee_id={e}&from={start}&to={end}"
            ))
            .insert_header(("authorization", a))
            .send()
            .await
            .is_ok_and(|r| r.status().as_u16() == 200)
        }
    })
    .await;
    let ref_p99 = percentile(&reference.latencies, 0.99);
    let in_p99 = percentile(&ins.latencies, 0.99);
    println!(
        "RESULT step=attendance employees={employees} history_records={history} concurrency={concurrency} employees_req_per_sec={:.0} employees_p50_ms={:.2} employees_p99_ms={ref_p99:.2} employees_errors={} check_ins={} check_in_errors={} check_in_p50_ms={:.2} check_in_p99_ms={in_p99:.2} check_outs={} check_out_errors={} check_out_p50_ms={:.2} check_out_p99_ms={:.2} rush_req_per_sec={:.0} check_in_p99_ratio={:.2} summaries={} summary_errors={} summary_p50_ms={:.2} summary_p99_ms={:.2}",
        reference.latencies.len() as f64 / ref_secs,
        percentile(&reference.latencies, 0.5),
        reference.errors,
        ins.latencies.len(),
        ins.errors,
        percentile(&ins.latencies, 0.5),
        outs.latencies.len(),
        outs.errors,
        percentile(&outs.latencies, 0.5),
        percentile(&outs.latencies, 0.99),
        (ins.latencies.len() + outs.latencies.len()) as f64 / rush_secs,
        in_p99 / ref_p99,
        summaries.latencies.len(),
        summaries.errors,
        percentile(&summaries.latencies, 0.5),
        percentile(&summaries.latencies, 0.99),
    );
    Ok(())
}

/// One synthetic input event as the subscriber sink delivers it.
fn input_event(
    event_type: hrms::events::EventType,
    employee: &str,
    data: serde_json::Value,
) -> hrms::outbox::SubscribedEvent {
    hrms::outbox::SubscribedEvent {
        event_id: uuid::Uuid::now_v7(),
        event_type,
        aggregate_id: employee.to_owned(),
        payload: serde_json::json!({ "employee_id": employee, "correlation_id": "bench", "data": data }),
    }
}

/// An attendance record's data: local `from`..`to` hours on `day` in Berlin.
fn record_data(
    id: &str,
    employee: &str,
    version: i32,
    day: chrono::NaiveDate,
    from: u32,
    to_min: u32,
) -> serde_json::Value {
    use chrono::TimeZone;
    let tz = chrono_tz::Europe::Berlin;
    let at = |min: u32| {
        tz.from_local_datetime(&day.and_hms_opt(min / 60, min % 60, 0).unwrap_or_default())
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    };
    serde_json::json!({
        "id": id, "employee_id": employee, "version": version,
        "start": at(from * 60), "end": at(to_min), "voided": false, "time_zone": "Europe/Berlin",
    })
}

fn compliance(
    database: &str,
    employees: usize,
    batch: usize,
    threads: usize,
    singles: usize,
) -> anyhow::Result<()> {
    use actix::SyncArbiter;
    use chrono::Datelike;
    use hrms::events::EventType;
    use hrms::modules::compliance::actor::{RunCheck, SYSTEM};
    use hrms::modules::compliance::model::CheckInput;
    use hrms::modules::compliance::{ComplianceActor, ComplianceConfig};

    let env = vec![
        ("DATABASE_URL".to_owned(), database.to_owned()),
        ("HRMS_DB_POOL_SIZE".to_owned(), (threads + 2).to_string()),
    ];
    let settings =
        hrms::config::Settings::load_from(std::path::Path::new("config"), "development", &env)?;
    let db = hrms::db::Db::connect(&settings.database)?;
    db.migrate()?;
    let outbox = hrms::outbox::Outbox::new(
        &settings,
        None,
        hrms::metrics::Metrics::new(),
        Default::default(),
    );
    let cfg = Arc::new(ComplianceConfig::from_settings(&settings.compliance)?);
    let first = chrono::NaiveDate::from_ymd_opt(2025, 1, 1).context("date")?;
    let ids: Vec<String> = (0..employees)
        .map(|_| uuid::Uuid::now_v7().to_string())
        .collect();
    actix_rt::System::new().block_on(async move {
        let addr = SyncArbiter::start(threads.max(1), move || {
            ComplianceActor::new(db.clone(), outbox.clone(), cfg.clone(), None)
        });
        let deliver = |events: Vec<hrms::outbox::SubscribedEvent>| {
            let addr = addr.clone();
            async move {
                addr.send(hrms::outbox::Deliver { subscription: "compliance-inputs", events })
                    .await
                    .map_err(|e| anyhow::anyhow!("deliver: {e}"))?
                    .map_err(|e| anyhow::anyhow!("deliver: {e}"))
            }
        };
        // Every employee's creation, then each working day of the year: the
        // records of that day, in batches of distinct employees.
        let mut days: Vec<Vec<hrms::outbox::SubscribedEvent>> = vec![ids
            .iter()
            .map(|e| input_event(EventType::EmployeeCreated, e, serde_json::json!({ "time_zone": "Europe/Berlin", "hire_date": "2020-01-01", "termination_date": null })))
            .collect()];
        let mut records: Vec<(String, String, chrono::NaiveDate)> = Vec::new();
        let mut workday = 0u32;
        for n in 0..365 {
            let day = first + chrono::Duration::days(n);
            if day.weekday().number_from_monday() > 5 {
                continue;
            }
            workday += 1;
            // Every seventh working day 8.5 hours without a break (a violation).
            let end = if workday.is_multiple_of(7) { 16 * 60 + 30 } else { 14 * 60 };
            days.push(
                ids.iter()
                    .map(|e| {
                        let rid = uuid::Uuid::now_v7().to_string();
                        if records.len() < singles && workday > 200 {
                            records.push((rid.clone(), e.clone(), day));
                        }
                        input_event(EventType::AttendanceMarked, e, record_data(&rid, e, 1, day, 8, end))
                    })
                    .collect(),
            );
        }
        let total: usize = days.iter().map(Vec::len).sum();
        let started = Instant::now();
        let mut batch_ms: Vec<f64> = Vec::new();
        for events in days {
            let mut chunks: Vec<Vec<hrms::outbox::SubscribedEvent>> = Vec::new();
            let mut it = events.into_iter().peekable();
            while it.peek().is_some() {
                chunks.push(it.by_ref().take(batch.max(1)).collect());
            }
            for group in chunks.chunks_mut(threads.max(1)) {
                let sends = group.iter_mut().map(|c| {
                    let ev = std::mem::take(c);
                    let t = Instant::now();
                    let f = deliver(ev);
                    async move {
                        let r = f.await;
                        (r, t.elapsed().as_secs_f64() * 1000.0)
                    }
                });
                for (r, ms) in futures::future::join_all(sends).await {
                    r?;
                    batch_ms.push(ms);
                }
            }
        }
        let load_secs = started.elapsed().as_secs_f64();
        batch_ms.sort_by(|a, b| a.total_cmp(b));
        // One event at a time: a correction (version 2, an hour longer) of a record.
        let mut single_ms = Vec::with_capacity(records.len());
        for (rid, e, day) in &records {
            let ev = input_event(EventType::AttendanceUpdated, e, record_data(rid, e, 2, *day, 8, 15 * 60));
            let t = Instant::now();
            deliver(vec![ev]).await?;
            single_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        single_ms.sort_by(|a, b| a.total_cmp(b));
        // A full check of everyone over the year.
        let t = Instant::now();
        let check = addr
            .send(RunCheck {
                ctx: hrms::events::EventContext { correlation_id: "bench-check".into(), actor_id: Some(SYSTEM.into()), traceparent: None },
                by: SYSTEM.into(),
                trigger: "on_demand",
                input: CheckInput { from: first, to: first + chrono::Duration::days(364), employee_id: None },
            })
            .await
            .map_err(|e| anyhow::anyhow!("check: {e}"))?
            .map_err(|e| anyhow::anyhow!("check: {e}"))?;
        let check_secs = t.elapsed().as_secs_f64();
        println!(
            "RESULT step=compliance employees={employees} events={total} batch={batch} threads={threads} events_per_sec={:.0} batch_p50_ms={:.1} batch_p99_ms={:.1} single_events={} single_p50_ms={:.2} single_p99_ms={:.2} check_secs={check_secs:.1} check_employees={} check_open={} check_detected={} check_resolved={}",
            total as f64 / load_secs,
            percentile(&batch_ms, 0.5),
            percentile(&batch_ms, 0.99),
            single_ms.len(),
            percentile(&single_ms, 0.5),
            percentile(&single_ms, 0.99),
            check.employees,
            check.open,
            check.detected,
            check.resolved,
        );
        Ok(())
    })
}
