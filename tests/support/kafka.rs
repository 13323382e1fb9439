//! Kafka as the tests read it: the topic list, one decoding of a consumed
//! record, a one-shot reader, and librdkafka's in-process mock cluster.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{Headers, Message};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;
use rdkafka::ClientConfig;
use serde_json::Value;

/// Every topic the service may publish to, with the default names; suites
/// create them all, since a broker may not create topics on demand.
pub const TOPICS: [&str; 7] = [
    "employee-queue",
    "audit-queue",
    "notification-queue",
    "leave-queue",
    "attendance-queue",
    "user-queue",
    "compliance-queue",
];

/// Partitions per topic, so that keys spread and order per key is meaningful.
pub const PARTITIONS: i32 = 3;

/// One record read back.
#[derive(Debug, Clone)]
pub struct Record {
    /// Topic.
    pub topic: String,
    /// Partition.
    pub partition: i32,
    /// Offset in the partition.
    pub offset: i64,
    /// Key (the aggregate id).
    pub key: String,
    /// Headers, as text.
    pub headers: HashMap<String, String>,
    /// The value, parsed (`Null` when not JSON).
    pub value: Value,
}

impl Record {
    /// Decodes a consumed message: key and headers as text, the value as JSON.
    pub fn from_message<M: Message>(m: &M) -> Record {
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
        Record {
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
        }
    }

    /// The `event_id` of the value.
    pub fn event_id(&self) -> String {
        self.value["event_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A mock cluster with our topics created.
pub fn mock_cluster() -> MockCluster<'static, DefaultProducerContext> {
    let cluster = MockCluster::new(3).expect("mock cluster");
    for t in TOPICS {
        cluster
            .create_topic(t, PARTITIONS, 1)
            .expect("create topic");
    }
    cluster
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
            out.push(Record::from_message(&m));
        }
    }
    out
}
