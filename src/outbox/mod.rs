//! The transactional outbox. Modules call [`Outbox::commit`]: their domain change
//! and its events are written in one transaction, and the relay (`crate::relay`)
//! is woken after the commit to deliver the rows and mark them delivered.
//!
//! One row per destination ([`Destination`]): an event gets its Kafka (or HTTP)
//! row, subject to its module's Kafka switch (decided here, once, when the row is
//! written), plus one row per in-process subscription matching its type
//! ([`Subscriptions`]), whatever the Kafka switches say.

pub mod admin;
pub mod repository;
pub mod subscriptions;

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use diesel::QueryResult;

use crate::config::Settings;
use crate::db::DbConnection;
use crate::events::{Event, EventContext, SourceModule};
use crate::metrics::Metrics;

pub use repository::{OutboxRow, OutboxStats};
pub use subscriptions::{Deliver, SubscribedEvent, Subscription, Subscriptions};

/// Where one outbox row goes, stored in its `destination` column.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Destination {
    /// Kafka only (`kafka`): domain events of a module whose Kafka switch is on.
    Kafka,
    /// Kafka, else the HTTP fallback (`kafka_or_http`): audit and notification
    /// events of a module whose Kafka switch is on.
    KafkaOrHttp,
    /// The HTTP fallback only (`http`): audit and notification events of a
    /// module whose Kafka switch is off.
    Http,
    /// An in-process subscription (`subscriber:<name>`).
    Subscriber(Cow<'static, str>),
}

impl Destination {
    /// Prefix of subscriber destinations.
    pub const SUBSCRIBER_PREFIX: &'static str = "subscriber:";

    /// The column value.
    pub fn as_db(&self) -> Cow<'static, str> {
        match self {
            Destination::Kafka => Cow::Borrowed("kafka"),
            Destination::KafkaOrHttp => Cow::Borrowed("kafka_or_http"),
            Destination::Http => Cow::Borrowed("http"),
            Destination::Subscriber(name) => {
                Cow::Owned(format!("{}{name}", Self::SUBSCRIBER_PREFIX))
            }
        }
    }

    /// Parses [`Destination::as_db`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "kafka" => Some(Destination::Kafka),
            "kafka_or_http" => Some(Destination::KafkaOrHttp),
            "http" => Some(Destination::Http),
            _ => s
                .strip_prefix(Self::SUBSCRIBER_PREFIX)
                .filter(|name| !name.is_empty())
                .map(|name| Destination::Subscriber(Cow::Owned(name.to_owned()))),
        }
    }
}

/// Wakes the relay right after a commit; never awaited.
pub type Waker = Arc<dyn Fn() + Send + Sync>;

/// What modules use to publish events. Cheap to clone.
#[derive(Clone)]
pub struct Outbox {
    kafka_enabled: Arc<HashMap<SourceModule, bool>>,
    waker: Option<Waker>,
    metrics: Metrics,
    subscriptions: Subscriptions,
}

impl Outbox {
    /// Builds the handle from the per-module Kafka switches and the process's
    /// in-process subscriptions (which modules may still add to at start-up).
    pub fn new(
        settings: &Settings,
        waker: Option<Waker>,
        metrics: Metrics,
        subscriptions: Subscriptions,
    ) -> Self {
        let kafka_enabled = SourceModule::ALL
            .into_iter()
            .map(|m| (m, settings.module_kafka_enabled(m)))
            .collect();
        Self {
            kafka_enabled: Arc::new(kafka_enabled),
            waker,
            metrics,
            subscriptions,
        }
    }

    /// The process's in-process subscriptions.
    pub fn subscriptions(&self) -> &Subscriptions {
        &self.subscriptions
    }

    /// Whether `module`'s events go to Kafka.
    pub fn kafka_enabled(&self, module: SourceModule) -> bool {
        self.kafka_enabled.get(&module).copied().unwrap_or(false)
    }

    /// Writes `events` into the outbox on `conn`, which must be inside the
    /// transaction of the domain change: one row per destination. A module whose
    /// Kafka switch is off does not send its domain events to Kafka (as in the
    /// old system); its audit and notification events are written for the HTTP
    /// fallback. Rows for matching in-process subscriptions are written either
    /// way.
    pub fn write(
        &self,
        conn: &mut DbConnection,
        traceparent: Option<&str>,
        events: &[Event],
    ) -> QueryResult<usize> {
        let mut rows: Vec<repository::NewRow> = Vec::with_capacity(events.len());
        for event in events {
            let base = event.base();
            let family = event.family();
            let kafka = self.kafka_enabled(base.source);
            let primary = match (family.has_http_fallback(), kafka) {
                (true, true) => Some(Destination::KafkaOrHttp),
                (true, false) => Some(Destination::Http),
                (false, true) => Some(Destination::Kafka),
                (false, false) => None,
            };
            let subscribers = self.subscriptions.matching(base.event_type);
            if primary.is_none() {
                tracing::debug!(
                    event.id = %base.event_id,
                    event.r#type = base.event_type.as_str(),
                    module = base.source.as_str(),
                    "Kafka producer disabled for module, domain event not sent"
                );
            }
            let destinations = primary.into_iter().chain(
                subscribers
                    .into_iter()
                    .map(|name| Destination::Subscriber(Cow::Borrowed(name))),
            );
            // The payload is serialised once, for the first destination.
            let start = rows.len();
            for destination in destinations {
                let row = match rows.get(start) {
                    Some(first) => first.to_destination(&destination),
                    None => repository::NewRow::from_event(event, traceparent, &destination)?,
                };
                rows.push(row);
            }
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
