//! librdkafka's in-process mock cluster and a real consumer to read what arrived.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::ClientConfig;
use serde_json::Value;

/// The topics of every family, with the default names.
pub const TOPICS: [&str; 7] = [
    "employee-queue",
    "audit-queue",
    "notification-queue",
    "leave-queue",
    "attendance-queue",
    "user-queue",
    "compliance-queue",
];

/// A mock cluster with our topics created.
pub fn mock_cluster() -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(3).expect("mock cluster");
    for t in TOPICS {
        cluster.create_topic(t, 3, 1).expect("create topic");
    }
    cluster
}

/// One record read back.
#[derive(Debug, Clone)]
pub struct Record {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub key: String,
    pub headers: HashMap<String, String>,
    pub value: Value,
}

/// Reads `topics` from the start until `expected` records arrived or `timeout`.
pub fn consume(
    bootstrap: &str,
    topics: &[&str],
    expected: usize,
    timeout: Duration,
) -> Vec<Record> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("test-{}", uuid::Uuid::new_v4()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(topics).expect("subscribe");
    let start = Instant::now();
    let mut out = Vec::new();
    while out.len() < expected && start.elapsed() < timeout {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            let mut headers = HashMap::new();
            if let Some(h) = m.headers() {
                for header in h.iter() {
                    let v = header
                        .value
                        .map(|b| String::from_utf8_lossy(b).into_owned())
                        .unwrap_or_default();
                    headers.insert(header.key.to_owned(), v);
                }
            }
            out.push(Record {
                topic: m.topic().to_owned(),
                partition: m.partition(),
                offset: m.offset(),
                key: m
                    .key()
                    .map(|k| String::from_utf8_lossy(k).into_owned())
                    .unwrap_or_default(),
                headers,
                value: m
                    .payload()
                    .and_then(|p| serde_json::from_slice(p).ok())
                    .unwrap_or(Value::Null),
            });
        }
    }
    out
}
