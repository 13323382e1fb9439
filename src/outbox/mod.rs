//! The transactional outbox. Modules call [`Outbox::write`] inside the transaction
//! that holds their domain change, then [`Outbox::wake`] after it commits; the
//! relay (`crate::relay`) publishes the rows and marks them delivered.

pub mod admin;
pub mod repository;

use std::collections::HashMap;
use std::sync::Arc;

use diesel::QueryResult;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::events::{Event, EventContext, SourceModule};
use crate::metrics::Metrics;

pub use repository::{OutboxRow, OutboxStats};

/// Wakes the relay right after a commit; never awaited.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What modules use to publish events. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    kafka_enabled: Arc<HashMap<SourceModule, bool>>,
    waker: Option<Waker>,
    metrics: Metrics,
}

impl Outbox {
    /// Builds the handle from the per-module Kafka switches.
    pub fn new(settings: &Settings, waker: Option<Waker>, metrics: Metrics) -> Self {
        let kafka_enabled = SourceModule::ALL
            .into_iter()
            .map(|m| (m, settings.module_kafka_enabled(m)))
            .collect();
        Self {
            kafka_enabled: Arc::new(kafka_enabled),
            waker,
            metrics,
        }
    }

    /// Whether `module`'s events go to Kafka.
    pub fn kafka_enabled(&self, module: SourceModule) -> bool {
        self.kafka_enabled.get(&module).copied().unwrap_or(false)
    }

    /// Writes `events` into the outbox on `conn`, which must be inside the
    /// transaction of the domain change. A module whose Kafka switch is off does
    /// not send its domain events (as in the old system); its audit and
    /// notification events are still written and take the HTTP path.
    pub fn write(
        &self,
        conn: &mut DbConnection,
        traceparent: Option<&str>,
        events: &[Event],
    ) -> QueryResult<usize> {
        let mut rows = Vec::with_capacity(events.len());
        for event in events {
            let base = event.base();
            let family = event.family();
            if !family.has_http_fallback() && !self.kafka_enabled(base.source) {
                tracing::debug!(
                    event.id = %base.event_id,
                    event.r#type = base.event_type.as_str(),
                    module = base.source.as_str(),
                    "Kafka producer disabled for module, domain event not sent"
                );
                continue;
            }
            rows.push(repository::NewRow::from_event(event, traceparent)?);
        }
        let written = repository::insert(conn, &rows)?;
        for row in &rows {
            self.metrics.event_enqueued(&row.family);
        }
        Ok(written)
    }

    /// The one write path of every module: runs `work` in one transaction on
    /// `conn`, writes the events it returns into the outbox in that same
    /// transaction, commits, and only then wakes the relay (never awaited).
    /// An error from `work` rolls everything back and publishes nothing; an
    /// empty event list (a no-op change) commits without waking the relay.
    pub fn commit<T, E, F>(
        &self,
        conn: &mut DbConnection,
        ctx: &EventContext,
        work: F,
    ) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<(T, Vec<Event>), E>,
        E: From<diesel::result::Error>,
    {
        let (value, written) = crate::db::write_tx(conn, |c| {
            let (value, events) = work(c)?;
            let written = if events.is_empty() {
                0
            } else {
                self.write(c, ctx.traceparent.as_deref(), &events)?
            };
            Ok::<_, E>((value, written))
        })?;
        if written > 0 {
            self.wake();
        }
        Ok(value)
    }

    /// Tells the relay new rows are committed. Call after commit; returns at once.
    pub fn wake(&self) {
        if let Some(waker) = &self.waker {
            waker();
        }
    }
}
