//! The Kafka sink: one idempotent, lz4-compressing producer per relay incarnation.
//! A batch is handed to librdkafka in one go; its delivery reports are awaited
//! together. librdkafka's own retries carry messages through broker outages.
//! The sink owns the circuit and the acknowledgement-stall clock: no answer
//! for `ack_stall_secs` opens the circuit (audit and notification rows then
//! take the HTTP fallback), twelve times that restarts the relay.

use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::future::{join_all, LocalBoxFuture};
use futures::FutureExt;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::ClientContext;

use super::circuit::{Circuit, Transition};
use super::claimed::ClaimedEvent;
use super::fallback::HttpFallback;
use super::sink::{InFlight, Maintenance, Marks, Route, Sink};
use super::RelayStatus;
use crate::config::{KafkaSettings, Settings};
use crate::events::Family;
use crate::metrics::Metrics;
use crate::outbox::Destination;

/// A stall this many times `ack_stall_secs` long restarts the relay with a fresh
/// client. Long, because what was in flight may then be sent twice: a paused
/// broker should open the circuit, not cause duplicates.
const RESTART_AFTER_STALLS: u32 = 12;

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
fn headers(row: &ClaimedEvent) -> OwnedHeaders {
    let source = row.source.ce_source_str();
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
            value: Some(source),
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
pub async fn send_batch(
    producer: &KafkaProducer,
    topics: &crate::config::TopicSettings,
    rows: &[ClaimedEvent],
) -> Vec<Outcome> {
    let mut pending = Vec::with_capacity(rows.len());
    for row in rows {
        let mut record = FutureRecord::to(topics.for_family(row.family))
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

/// The Kafka sink of one relay incarnation.
pub struct KafkaSink {
    producer: Arc<KafkaProducer>,
    signals: Arc<KafkaSignals>,
    circuit: Circuit,
    /// Audit and notification events whose Kafka delivery fails go here at once.
    fallback: Rc<HttpFallback>,
    settings: Arc<Settings>,
    metrics: Metrics,
    status: RelayStatus,
    in_flight: InFlight,
    /// Last answer from Kafka to an in-flight batch (or when one was first sent).
    progress_at: Instant,
    seen_up: bool,
}

impl KafkaSink {
    /// Creates the producer; the circuit starts closed.
    pub fn new(
        settings: Arc<Settings>,
        fallback: Rc<HttpFallback>,
        metrics: Metrics,
        status: RelayStatus,
    ) -> Result<Self, KafkaError> {
        let signals = Arc::new(KafkaSignals::default());
        let producer = create_producer(&settings.kafka, signals.clone())?;
        Ok(Self {
            producer: Arc::new(producer),
            signals,
            circuit: circuit_for(&settings),
            fallback,
            settings,
            metrics,
            status,
            in_flight: InFlight::default(),
            progress_at: Instant::now(),
            seen_up: false,
        })
    }

    /// The producer (shutdown flush, fault injection).
    pub fn producer(&self) -> &Arc<KafkaProducer> {
        &self.producer
    }

    /// Whether Kafka takes events now (the circuit is closed).
    pub fn is_available(&self) -> bool {
        !self.circuit.is_open()
    }

    fn ack_stall(&self) -> Duration {
        Duration::from_secs(self.settings.relay.ack_stall_secs)
    }

    /// How long batches have been in flight without any answer, once that
    /// exceeds the configured stall time. Not while librdkafka reports every
    /// broker down: that outage has its own signal, and the client reconnects
    /// by itself, so a long one must not restart the relay over and over.
    fn ack_stalled(&self, now: Instant) -> Option<Duration> {
        let limit = self.ack_stall();
        if limit.is_zero()
            || self.in_flight.get() == 0
            || self.signals.brokers_down.load(Ordering::SeqCst)
        {
            return None;
        }
        let stalled = now.saturating_duration_since(self.progress_at);
        (stalled >= limit).then_some(stalled)
    }

    /// Kafka answered: it is up, and a circuit that was open closes.
    fn kafka_ok(&mut self) {
        if self.signals.brokers_down.swap(false, Ordering::SeqCst) {
            // The outage did not count as a stall; its time must not either.
            self.progress_at = Instant::now();
        }
        if !self.seen_up || self.circuit.is_open() {
            self.seen_up = true;
            self.status.update(|s| s.kafka = "up");
        }
        if self.circuit.success() == Transition::Closed {
            let pending = self.status.snapshot().pending;
            tracing::info!(
                outbox.pending = pending,
                "Kafka reachable again, draining the outbox ({pending} pending)"
            );
            self.metrics.set_circuit_open(false);
        }
    }
}

/// The circuit the settings describe.
pub fn circuit_for(settings: &Settings) -> Circuit {
    Circuit::new(
        Duration::from_secs(settings.relay.circuit_open_after_secs),
        Duration::from_secs(settings.relay.circuit_probe_secs.max(1)),
    )
}

fn capitalized(f: Family) -> &'static str {
    match f {
        Family::Audit => "Audit",
        Family::Notification => "Notification",
        _ => "Domain",
    }
}

impl Sink for KafkaSink {
    fn route(&self, ev: &ClaimedEvent) -> Route {
        match ev.destination {
            Destination::Kafka | Destination::KafkaOrHttp if self.is_available() => Route::Take,
            // Unreachable: `kafka_or_http` rows may take the HTTP fallback;
            // the others are handed back and go out when the circuit closes.
            Destination::Kafka | Destination::KafkaOrHttp => Route::Wait,
            _ => Route::Pass,
        }
    }

    fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    fn send(&mut self, batch: Vec<ClaimedEvent>) -> LocalBoxFuture<'static, Marks> {
        if self.in_flight.get() == 0 {
            self.progress_at = Instant::now();
        }
        let producer = self.producer.clone();
        let fallback = self.fallback.clone();
        let settings = self.settings.clone();
        async move {
            let outcomes = send_batch(&producer, &settings.kafka.topics, &batch).await;
            let mut marks = Marks::default();
            let mut fell_back = Vec::new();
            for (row, outcome) in batch.into_iter().zip(outcomes) {
                match outcome {
                    Outcome::Delivered => {
                        if row.family.has_http_fallback() {
                            tracing::debug!(
                                event.id = %row.event_id,
                                "{} event sent via Kafka: {}",
                                capitalized(row.family),
                                row.event_id
                            );
                        }
                        marks.kafka.push((row.family, row.seq));
                    }
                    Outcome::NotSent => marks.released.push(row.seq),
                    Outcome::Failed(err) if fallback.serves(row.family) => {
                        tracing::warn!(
                            event.id = %row.event_id,
                            error = %err,
                            "Failed to send {} event via Kafka, falling back to HTTP",
                            row.family.as_str()
                        );
                        fell_back.push(row);
                    }
                    Outcome::Failed(err) => {
                        // Counted in metrics and kept on the row; no log line per event.
                        tracing::debug!(event.id = %row.event_id, error = %err, "Kafka delivery failed; event kept for retry");
                        marks.failed_kafka.push(row.family);
                        marks.fail(&settings, row.seq, row.attempts, err);
                    }
                }
            }
            for row in fell_back {
                fallback.deliver_into(&settings, row, &mut marks).await;
            }
            marks
        }
        .boxed_local()
    }

    fn answered(&mut self, marks: &Marks, now: Instant) {
        if !marks.kafka.is_empty() || !marks.failed_kafka.is_empty() {
            self.progress_at = now;
        }
        if !marks.kafka.is_empty() {
            self.kafka_ok();
        }
    }

    fn maintain(&mut self, now: Instant) -> Maintenance {
        let fatal = self.signals.fatal.load(Ordering::SeqCst)
            || self.producer.client().fatal_error().is_some();
        if fatal {
            tracing::error!(
                "Kafka client hit a fatal error; restarting the relay with a fresh client"
            );
            return Maintenance::Restart;
        }
        let stalled = self.ack_stalled(now);
        if let Some(stalled) = stalled {
            if stalled >= RESTART_AFTER_STALLS * self.ack_stall() {
                tracing::error!(
                    stalled_secs = stalled.as_secs(),
                    batches = self.in_flight.get(),
                    "Kafka answered none of the batches in flight for {}s; restarting the relay with a fresh client",
                    stalled.as_secs()
                );
                return Maintenance::Restart;
            }
        }
        let brokers_down = self.signals.brokers_down.load(Ordering::SeqCst);
        if (brokers_down || stalled.is_some()) && self.circuit.failure(now) == Transition::Opened {
            let pending = self.status.snapshot().pending;
            tracing::warn!(
                outbox.pending = pending,
                reason = if brokers_down {
                    "all brokers down"
                } else {
                    "no acknowledgement"
                },
                "Kafka unreachable, events kept in outbox ({pending} pending)"
            );
            self.metrics.set_circuit_open(true);
            self.status.update(|s| s.kafka = "unreachable");
            // Messages already handed to librdkafka stay there and are
            // delivered when the broker is back (no duplicates); rows claimed
            // from now on take the HTTP path if they have one, or wait.
        }
        if self.circuit.is_open() && self.circuit.probe_due(now) {
            let producer = self.producer.clone();
            return Maintenance::Probe(Box::new(move || {
                probe(&producer, Duration::from_secs(2)).map_err(anyhow::Error::from)
            }));
        }
        Maintenance::Fine
    }

    fn probe_answered(&mut self, now: Instant) {
        // A broker that answers metadata but acknowledges nothing (paused
        // partitions, lost producer state) stays "unreachable".
        if self.ack_stalled(now).is_none() {
            self.kafka_ok();
        }
    }
}
