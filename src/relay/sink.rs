//! What every sink is to the relay: [`Sink`]. The relay claims, leases and
//! marks; a sink takes the claimed events routed to it, delivers them, and
//! reports one outcome per row in [`Marks`]. Each sink counts its own batches in
//! flight ([`InFlight`]), which bounds what the relay hands it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use backon::{BackoffBuilder, ExponentialBuilder};
use futures::future::LocalBoxFuture;

use super::claimed::ClaimedEvent;
use crate::config::Settings;
use crate::db::now_micros;
use crate::events::Family;

/// Batches handed to one sink and not yet answered; with the batch size this
/// bounds the relay's memory whatever the backlog.
pub const MAX_INFLIGHT_BATCHES: usize = 4;

/// A sink's count of batches in flight. Clones share the count.
#[derive(Debug, Clone, Default)]
pub struct InFlight(Rc<Cell<usize>>);

impl InFlight {
    /// Batches in flight.
    pub fn get(&self) -> usize {
        self.0.get()
    }

    /// Whether the sink may take another batch.
    pub fn has_room(&self) -> bool {
        self.get() < MAX_INFLIGHT_BATCHES
    }

    pub(crate) fn start(&self) {
        self.0.set(self.0.get() + 1);
    }

    pub(crate) fn finish(&self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

/// What a sink does with one claimed event right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// It delivers it.
    Take,
    /// It would, but cannot now (Kafka unreachable): another sink may take it,
    /// else the row is handed back untouched and waits.
    Wait,
    /// Not for this sink.
    Pass,
}

/// The outcome of a sink's periodic check.
pub enum Maintenance {
    /// Nothing to do.
    Fine,
    /// The sink cannot go on (fatal client error, a stall too long): restart the
    /// relay with fresh sinks.
    Restart,
    /// Run this blocking probe; call [`Sink::probe_answered`] when it succeeds.
    Probe(Box<dyn FnOnce() -> anyhow::Result<()> + Send>),
}

/// A destination's transport.
pub trait Sink {
    /// Whether this sink delivers `event` now.
    fn route(&self, event: &ClaimedEvent) -> Route;

    /// Its batches in flight.
    fn in_flight(&self) -> &InFlight;

    /// Starts delivering `batch` (events in commit order, at most one per
    /// aggregate and destination); the future resolves to every row's outcome.
    /// The relay counts the batch in [`Sink::in_flight`] right after this call.
    fn send(&mut self, batch: Vec<ClaimedEvent>) -> LocalBoxFuture<'static, Marks>;

    /// A batch's outcomes are back (the relay has already counted it out).
    fn answered(&mut self, _marks: &Marks, _now: Instant) {}

    /// Periodic check (every 250 ms).
    fn maintain(&mut self, _now: Instant) -> Maintenance {
        Maintenance::Fine
    }

    /// A probe from [`Maintenance::Probe`] succeeded.
    fn probe_answered(&mut self, _now: Instant) {}
}

/// What sinks did, to be written in one go.
#[derive(Debug, Default)]
pub struct Marks {
    /// Acknowledged by Kafka (family decides the topic of the metric).
    pub kafka: Vec<(Family, i64)>,
    /// Accepted by the HTTP fallback.
    pub http: Vec<i64>,
    /// Processed by an in-process subscriber.
    pub subscriber: Vec<i64>,
    /// Handed back untouched (not an attempt).
    pub released: Vec<i64>,
    /// Definite failures: (seq, reason, retry at).
    pub failed: Vec<(i64, String, i64)>,
    /// Families of the Kafka failures (metrics).
    pub failed_kafka: Vec<Family>,
    /// HTTP fallback failures (metrics).
    pub http_failed: u64,
    /// Deliveries per subscription (metrics).
    pub subscriber_delivered: Vec<(String, u64)>,
    /// Failures per subscription (metrics).
    pub subscriber_failed: Vec<(String, u64)>,
}

impl Marks {
    /// Whether nothing needs writing.
    pub fn is_empty(&self) -> bool {
        self.kafka.is_empty()
            && self.http.is_empty()
            && self.subscriber.is_empty()
            && self.released.is_empty()
            && self.failed.is_empty()
    }

    /// Adds `other`'s outcomes.
    pub fn absorb(&mut self, other: Marks) {
        self.kafka.extend(other.kafka);
        self.http.extend(other.http);
        self.subscriber.extend(other.subscriber);
        self.released.extend(other.released);
        self.failed.extend(other.failed);
        self.failed_kafka.extend(other.failed_kafka);
        self.http_failed += other.http_failed;
        self.subscriber_delivered.extend(other.subscriber_delivered);
        self.subscriber_failed.extend(other.subscriber_failed);
    }

    /// Every row these marks settle, whatever its outcome.
    pub fn seqs(&self) -> Vec<i64> {
        let failed = self.failed.iter().map(|(seq, _, _)| *seq);
        let kafka = self.kafka.iter().map(|(_, seq)| *seq);
        kafka
            .chain(self.http.iter().copied())
            .chain(self.subscriber.iter().copied())
            .chain(self.released.iter().copied())
            .chain(failed)
            .collect()
    }

    /// A failure of `seq` (attempt number `attempts`), retried after the backoff.
    pub fn fail(&mut self, settings: &Settings, seq: i64, attempts: i32, reason: String) {
        let retry_at = now_micros() + retry_delay(settings, attempts);
        self.failed.push((seq, reason, retry_at));
    }
}

/// Exponential backoff with jitter for the `attempts`-th retry of a row, in
/// micros.
pub fn retry_delay(settings: &Settings, attempts: i32) -> i64 {
    let delay = nth_backoff(
        settings.relay.retry_initial_ms,
        settings.relay.retry_max_ms,
        usize::try_from(attempts).unwrap_or(0),
    );
    i64::try_from(delay.as_micros()).unwrap_or(i64::MAX / 2)
}

/// The `n`-th delay of a capped exponential backoff with jitter.
pub fn nth_backoff(initial_ms: u64, max_ms: u64, n: usize) -> Duration {
    let max = Duration::from_millis(max_ms.max(initial_ms));
    ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(initial_ms))
        .with_max_delay(max)
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .build()
        .nth(n)
        .unwrap_or(max)
        .min(max)
}

/// Runs blocking work (diesel, librdkafka metadata) off the actor's thread.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("blocking task failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = nth_backoff(100, 1000, 0);
        assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(1000));
        for n in 0..50 {
            assert!(nth_backoff(100, 1000, n) <= Duration::from_millis(1000));
        }
        assert!(nth_backoff(100, 10_000, 5) >= Duration::from_millis(3200));
    }

    #[test]
    fn a_sink_has_room_for_a_bounded_number_of_batches() {
        let f = InFlight::default();
        for _ in 0..MAX_INFLIGHT_BATCHES {
            assert!(f.has_room());
            f.start();
        }
        assert!(!f.has_room());
        f.finish();
        assert!(f.has_room());
    }
}
