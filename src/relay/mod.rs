//! The event relay: the one producer actor of the process. It claims due outbox
//! rows in batches (only while it holds the relay lease), parses their metadata
//! once ([`ClaimedEvent`]), hands each to the sink for its destination, and
//! marks it delivered once that sink acknowledged it. Three sinks implement
//! [`Sink`]: Kafka ([`kafka::KafkaSink`], with the circuit and the ack-stall
//! clock), the HTTP fallback for audit and notification rows when Kafka is off
//! or failing ([`fallback::HttpSink`]), and in-process subscribers
//! ([`subscriber::SubscriberSink`], see [`crate::outbox::Subscriptions`]).
//! It runs under `actix::Supervisor` on its own arbiter: a fatal client error,
//! repeated failures or a panic stop it, and it is restarted with fresh sinks
//! after an exponential, capped backoff.

pub mod circuit;
pub mod claimed;
pub mod fallback;
pub mod kafka;
mod relay_actor;
pub mod sink;
pub mod subscriber;

use std::sync::{Arc, Mutex};

use actix::{Addr, Arbiter, Message, Supervisor};

use crate::config::Settings;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::outbox::Subscriptions;

pub use claimed::ClaimedEvent;
pub use relay_actor::Relay;
pub use sink::Sink;

/// Shared, read-only view of the relay for readiness and metrics.
#[derive(Clone, Default)]
pub struct RelayStatus {
    inner: Arc<Mutex<StatusSnapshot>>,
}

/// What readiness reports about the relay and Kafka.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct StatusSnapshot {
    /// `disabled`, `starting`, `leader`, `standby`, `restarting` or `stopped`.
    pub relay: &'static str,
    /// `disabled`, `connecting`, `up` or `unreachable`.
    pub kafka: &'static str,
    /// Restarts since the process started.
    pub restarts: u64,
    /// Undelivered outbox rows at the last count.
    pub pending: i64,
}

impl RelayStatus {
    /// A status for a process that runs no relay.
    pub fn disabled() -> Self {
        let s = Self::default();
        s.update(|st| {
            st.relay = "disabled";
            st.kafka = "disabled";
        });
        s
    }

    /// A copy of the current state.
    pub fn snapshot(&self) -> StatusSnapshot {
        self.inner.lock().map(|s| s.clone()).unwrap_or_default()
    }

    pub(crate) fn update(&self, f: impl FnOnce(&mut StatusSnapshot)) {
        if let Ok(mut s) = self.inner.lock() {
            f(&mut s);
        }
    }
}

/// New rows were committed: claim now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Wake;

/// Stop claiming, flush what is in flight (bounded by the configured timeout),
/// release the lease. Undelivered rows stay pending.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Shutdown;

/// Faults for tests of the supervision path.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub enum InjectFault {
    /// The next relay cycle panics.
    Panic,
    /// librdkafka raises a fatal error (as an idempotence failure would).
    KafkaFatal,
}

/// A running relay.
pub struct RelayHandle {
    /// The supervised actor's address (stays valid across restarts).
    pub addr: Addr<Relay>,
    _arbiter: Arbiter,
}

/// Starts the supervised relay on its own arbiter thread; it delivers
/// subscriber rows to `subscriptions` (registered now or later at start-up).
pub fn start(
    settings: Arc<Settings>,
    db: Db,
    metrics: Metrics,
    status: RelayStatus,
    subscriptions: Subscriptions,
) -> RelayHandle {
    let arbiter = Arbiter::new();
    let addr = Supervisor::start_in_arbiter(&arbiter.handle(), move |_| {
        Relay::new(settings, db, metrics, status, subscriptions)
    });
    RelayHandle {
        addr,
        _arbiter: arbiter,
    }
}
