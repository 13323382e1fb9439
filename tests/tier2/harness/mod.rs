//! The tier-2 harness: PostgreSQL and a broker in containers, the `hrms` binary
//! as a child process, a topic reader, a load generator, and the checks every
//! scenario shares (exactly once by event id, order per key, schemas,
//! CloudEvents headers). Record decoding, the topic list, the HTTP peer, the
//! outbox reader and the schema validators are the support library's
//! (`tests/support`), shared with tier 1.

pub mod broker;
pub mod check;
pub mod consumer;
pub mod load;
pub mod postgres;
pub mod service;

pub use crate::support::peer;

use std::future::Future;
use std::net::TcpListener;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Every topic the service may publish to, and the partitions of each.
pub use crate::support::kafka::{PARTITIONS, TOPICS as ALL_TOPICS};

/// A variable's value, or `default` when unset or empty.
pub fn env_or(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// Splits `registry/name:tag` into name and tag (`latest` when absent).
pub fn split_image(reference: &str) -> (String, String) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (
            reference[..slash + i].to_owned(),
            reference[slash + i + 1..].to_owned(),
        ),
        None => (reference.to_owned(), "latest".to_owned()),
    }
}

/// A TCP port that was free a moment ago (bound to port 0, then released).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}

/// Where a scenario keeps its logs: `target/tier2-logs/<scenario>/`.
pub fn log_dir(scenario: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/tier2-logs")
        .join(scenario);
    std::fs::create_dir_all(&dir).expect("create the log folder");
    dir
}

/// Polls `probe` every `every` until it yields a value or `timeout` passes.
pub async fn wait_until<T, F, Fut>(timeout: Duration, every: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = probe().await {
            return Some(v);
        }
        if start.elapsed() >= timeout {
            return None;
        }
        sleep(every).await;
    }
}

/// Sleeps on the test's runtime.
pub async fn sleep(d: Duration) {
    actix_web::rt::time::sleep(d).await;
}

/// Waits until every row of the outbox at `db` is marked
/// delivered and `reader` holds every row expected on Kafka, then until the
/// topics are quiet (late duplicates show up). Returns the final outbox.
pub async fn wait_for_delivery(
    db: &str,
    reader: &consumer::TopicReader,
    timeout: Duration,
) -> Vec<postgres::OutboxRecord> {
    let start = Instant::now();
    loop {
        let rows = postgres::outbox(db);
        let read: std::collections::HashSet<String> =
            reader.records().iter().map(|r| r.event_id()).collect();
        let done = rows.iter().all(|r| {
            r.delivered_at.is_some() && (!check::on_kafka(r) || read.contains(&r.event_id))
        });
        if done || start.elapsed() > timeout {
            if !done {
                println!(
                    "wait_for_delivery: not complete after {timeout:?}; checking what arrived"
                );
            }
            reader
                .settle(Duration::from_secs(3), Duration::from_secs(20))
                .await;
            return postgres::outbox(db);
        }
        sleep(Duration::from_millis(500)).await;
    }
}

/// Prints the scenario's one-line summary and appends it to
/// `target/tier2-logs/summary.txt` (which `scripts/test-tier2.sh` prints at the end).
pub fn summary(line: &str) {
    println!("{line}");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/tier2-logs/summary.txt");
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    use std::io::Write;
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn image_references_split_into_name_and_tag() {
        assert_eq!(split_image("postgres:16"), ("postgres".into(), "16".into()));
        assert_eq!(
            split_image("hrms-test/kafka:local"),
            ("hrms-test/kafka".into(), "local".into())
        );
        assert_eq!(
            split_image("registry:5000/apache/kafka"),
            ("registry:5000/apache/kafka".into(), "latest".into())
        );
    }
}
