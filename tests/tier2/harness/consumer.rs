//! A real rdkafka consumer on its own thread, reading topics from the beginning
//! for the whole scenario (through broker outages) and keeping every record.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

pub use crate::support::kafka::Record;

/// Reads topics on a background thread until dropped.
pub struct TopicReader {
    bootstrap: String,
    topics: Vec<String>,
    records: Arc<Mutex<Vec<Record>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TopicReader {
    /// Reads every partition of `topics` (which must exist) from the beginning.
    pub fn start(bootstrap: &str, topics: &[&str]) -> TopicReader {
        let mut reader = TopicReader {
            bootstrap: bootstrap.to_owned(),
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            records: Arc::new(Mutex::new(Vec::new())),
            stop: Arc::new(AtomicBool::new(false)),
            thread: None,
        };
        reader.spawn();
        reader
    }

    /// Assigns every partition from the beginning. The group id is only a name
    /// (librdkafka wants one): with `assign` and no commits, no group protocol
    /// is involved.
    fn spawn(&mut self) {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", &self.bootstrap)
            .set(
                "group.id",
                format!("tier2-{}", uuid::Uuid::new_v4().simple()),
            )
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("auto.offset.reset", "earliest")
            .set("fetch.wait.max.ms", "100")
            .set("reconnect.backoff.max.ms", "1000")
            .create()
            .expect("consumer");
        let mut tpl = TopicPartitionList::new();
        for topic in &self.topics {
            let md = consumer
                .fetch_metadata(Some(topic), Duration::from_secs(10))
                .expect("topic metadata");
            let partitions = md
                .topics()
                .iter()
                .find(|t| t.name() == topic)
                .map(|t| t.partitions().len())
                .unwrap_or(0);
            assert!(partitions > 0, "topic {topic} has no partitions");
            for p in 0..partitions as i32 {
                tpl.add_partition_offset(topic, p, Offset::Beginning)
                    .expect("partition offset");
            }
        }
        consumer.assign(&tpl).expect("assign partitions");
        let (records, stop) = (self.records.clone(), self.stop.clone());
        self.thread = Some(std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) {
                // Broker outages surface as transient errors; the client
                // reconnects and resumes from its positions.
                let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) else {
                    continue;
                };
                let record = Record::from_message(&m);
                records.lock().expect("records").push(record);
            }
        }));
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Everything read so far, in arrival order.
    pub fn records(&self) -> Vec<Record> {
        self.records.lock().expect("records").clone()
    }

    /// How many records arrived so far.
    pub fn count(&self) -> usize {
        self.records.lock().expect("records").len()
    }

    /// Waits until no record arrived for `quiet` (or `max` passed): lets late
    /// duplicates show up before the counts are taken.
    pub async fn settle(&self, quiet: Duration, max: Duration) {
        let start = Instant::now();
        let mut last = self.count();
        let mut since = Instant::now();
        while start.elapsed() < max {
            super::sleep(Duration::from_millis(200)).await;
            let n = self.count();
            if n != last {
                last = n;
                since = Instant::now();
            } else if since.elapsed() >= quiet {
                return;
            }
        }
    }
}

impl Drop for TopicReader {
    fn drop(&mut self) {
        self.halt();
    }
}
