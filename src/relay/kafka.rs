//! The Kafka sink: one idempotent, lz4-compressing producer per relay incarnation.
//! A batch is handed to librdkafka in one go; its delivery reports are awaited
//! together. librdkafka's own retries carry messages through broker outages.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::ClientContext;

use crate::config::KafkaSettings;
use crate::events::SourceModule;
use crate::outbox::OutboxRow;

/// Client-wide conditions reported by librdkafka's error callback.
#[derive(Debug, Default)]
pub struct KafkaSignals {
    /// All brokers are unreachable right now.
    pub brokers_down: AtomicBool,
    /// The client hit a fatal error and must be replaced.
    pub fatal: AtomicBool,
}

/// Our client context: turns librdkafka's global errors into [`KafkaSignals`].
pub struct RelayContext {
    signals: Arc<KafkaSignals>,
}

impl ClientContext for RelayContext {
    /// librdkafka logs every failed connection attempt; the relay logs the state
    /// changes that matter (circuit open/closed), so these go to debug.
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        use rdkafka::config::RDKafkaLogLevel as L;
        match level {
            L::Emerg | L::Alert | L::Critical => {
                tracing::error!(target: "librdkafka", facility = fac, "{message}")
            }
            _ => tracing::debug!(target: "librdkafka", facility = fac, "{message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        match error.rdkafka_error_code() {
            Some(RDKafkaErrorCode::AllBrokersDown) => {
                self.signals.brokers_down.store(true, Ordering::SeqCst);
            }
            Some(RDKafkaErrorCode::Fatal) => {
                self.signals.fatal.store(true, Ordering::SeqCst);
                tracing::error!(error = %error, reason, "Kafka client fatal error");
            }
            _ => tracing::debug!(error = %error, reason, "Kafka client error"),
        }
    }
}

/// The producer type the relay owns.
pub type KafkaProducer = FutureProducer<RelayContext>;

/// Creates the producer with the settings the design requires.
pub fn create_producer(
    settings: &KafkaSettings,
    signals: Arc<KafkaSignals>,
) -> Result<KafkaProducer, KafkaError> {
    ClientConfig::new()
        .set("bootstrap.servers", &settings.bootstrap_servers)
        .set("client.id", &settings.client_id)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("compression.type", "lz4")
        .set("linger.ms", settings.linger_ms.to_string())
        .set("batch.size", settings.batch_size.to_string())
        .set(
            "message.timeout.ms",
            settings.message_timeout_ms.to_string(),
        )
        .set("queue.buffering.max.messages", "200000")
        .set("queue.buffering.max.kbytes", "262144")
        .create_with_context(RelayContext { signals })
}

/// The outcome of one row handed to Kafka.
#[derive(Debug)]
pub enum Outcome {
    /// Acknowledged by the broker.
    Delivered,
    /// Taken back before it was sent (purged): not an attempt.
    NotSent,
    /// Definitely not delivered.
    Failed(String),
}

/// CloudEvents Kafka binding headers plus the trace context.
fn headers(row: &OutboxRow) -> OwnedHeaders {
    let source = SourceModule::parse(&row.source_module)
        .map(|m| m.ce_source())
        .unwrap_or_else(|| format!("/hrms/{}", row.source_module));
    let time = chrono::DateTime::from_timestamp_micros(row.created_at)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let mut h = OwnedHeaders::new_with_capacity(7)
        .insert(Header {
            key: "ce_id",
            value: Some(row.event_id.as_str()),
        })
        .insert(Header {
            key: "ce_type",
            value: Some(row.event_type.as_str()),
        })
        .insert(Header {
            key: "ce_source",
            value: Some(source.as_str()),
        })
        .insert(Header {
            key: "ce_specversion",
            value: Some("1.0"),
        })
        .insert(Header {
            key: "ce_time",
            value: Some(time.as_str()),
        })
        .insert(Header {
            key: "content-type",
            value: Some("application/json"),
        });
    if let Some(tp) = &row.traceparent {
        h = h.insert(Header {
            key: "traceparent",
            value: Some(tp.as_str()),
        });
    }
    h
}

/// Hands every row to librdkafka without waiting in between, then awaits all
/// delivery reports. When librdkafka's queue is full it waits and retries: it
/// never drops a row. Returns one outcome per row, in order.
pub async fn send_batch(producer: &KafkaProducer, rows: &[(String, OutboxRow)]) -> Vec<Outcome> {
    let mut pending = Vec::with_capacity(rows.len());
    for (topic, row) in rows {
        let mut record = FutureRecord::to(topic)
            .key(row.aggregate_id.as_str())
            .payload(row.payload.as_str())
            .headers(headers(row));
        loop {
            match producer.send_result(record) {
                Ok(delivery) => {
                    pending.push(Some(delivery));
                    break;
                }
                Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                    // Back-pressure: let librdkafka drain, then try the same record again.
                    record = back;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                Err((err, _)) => {
                    tracing::warn!(event.id = %row.event_id, error = %err, "Kafka refused an event");
                    pending.push(None);
                    break;
                }
            }
        }
    }
    let reports = join_all(pending.into_iter().map(|d| async move {
        match d {
            None => Outcome::Failed("rejected by the Kafka client".into()),
            Some(delivery) => match delivery.await {
                Ok(Ok(_)) => Outcome::Delivered,
                Ok(Err((KafkaError::MessageProduction(RDKafkaErrorCode::PurgeQueue), _))) => {
                    Outcome::NotSent
                }
                Ok(Err((err, _))) => Outcome::Failed(err.to_string()),
                // The producer went away before reporting: treat as not sent.
                Err(_) => Outcome::NotSent,
            },
        }
    }))
    .await;
    reports
}

/// Asks a broker for metadata: the circuit's probe (blocking).
pub fn probe(producer: &KafkaProducer, timeout: Duration) -> Result<(), KafkaError> {
    producer.client().fetch_metadata(None, timeout).map(|_| ())
}

/// Raises a fatal error inside librdkafka, as an idempotence failure would (tests).
pub fn inject_fatal(producer: &KafkaProducer) {
    let reason = c"injected fatal error";
    // SAFETY: the client pointer is valid while `producer` lives; the function
    // only records the error and triggers the error callback.
    unsafe {
        rdkafka::bindings::rd_kafka_test_fatal_error(
            producer.client().native_ptr(),
            rdkafka::types::RDKafkaRespErr::RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER,
            reason.as_ptr(),
        );
    }
}
