//! In-process subscribers: a module's actor subscribes to event types at
//! start-up; every matching event gets its own outbox row (destination
//! `subscriber:<name>`) in the transaction that commits it, and the relay
//! delivers it to the actor like any other destination: durably, at least once,
//! in order per aggregate, retried with backoff, whether Kafka is on or off.

use std::sync::{Arc, RwLock};

use actix::{Message, Recipient};
use uuid::Uuid;

use crate::events::EventType;

/// Events for one subscriber, oldest first (at most one per aggregate: the next
/// event of an aggregate is only delivered once this one was acknowledged).
///
/// **Contract.** Answer `Ok(())` only once the events are processed durably
/// (committed): the relay then records the delivery and never sends them again.
/// An `Err` (or no answer within a minute) retries the whole batch later with
/// the outbox's backoff. Delivery is at least once: a crash or relay restart
/// after the subscriber processed a batch but before the relay recorded it
/// delivers it again, so a subscriber must deduplicate by
/// [`SubscribedEvent::event_id`] (for example with a processed-events table
/// written in the same transaction as its own change).
#[derive(Debug, Message)]
#[rtype(result = "Result<(), String>")]
pub struct Deliver {
    /// The subscription these events matched.
    pub subscription: &'static str,
    /// The events, in commit order.
    pub events: Vec<SubscribedEvent>,
}

/// One event as a subscriber receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubscribedEvent {
    /// The event's id (UUID v7), the deduplication key.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: EventType,
    /// The aggregate it belongs to (its Kafka key).
    pub aggregate_id: String,
    /// The event JSON, exactly as published to Kafka.
    pub payload: serde_json::Value,
}

/// A module's subscription.
#[derive(Clone)]
pub struct Subscription {
    /// Stable name (`[a-z0-9_-]+`): part of the outbox destination
    /// (`subscriber:<name>`), so renaming it orphans queued rows.
    pub name: &'static str,
    /// The event types it receives.
    pub event_types: Vec<EventType>,
    /// Where events are delivered.
    pub recipient: Recipient<Deliver>,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("name", &self.name)
            .field("event_types", &self.event_types)
            .finish_non_exhaustive()
    }
}

/// The subscriptions of this process. Cheap to clone; modules register at
/// start-up, before the server serves (an event committed earlier has no row
/// for a later subscription).
#[derive(Clone, Default)]
pub struct Subscriptions {
    inner: Arc<RwLock<Vec<Subscription>>>,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.snapshot()).finish()
    }
}

impl Subscriptions {
    /// Adds a subscription; its name must be well-formed and not taken.
    pub fn register(&self, subscription: Subscription) -> anyhow::Result<()> {
        let name = subscription.name;
        let well_formed = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        anyhow::ensure!(
            well_formed,
            "subscription name {name:?} must match [a-z0-9_-]+"
        );
        anyhow::ensure!(
            !subscription.event_types.is_empty(),
            "subscription {name:?} names no event type"
        );
        let mut all = self
            .inner
            .write()
            .map_err(|_| anyhow::anyhow!("subscription registry poisoned"))?;
        anyhow::ensure!(
            all.iter().all(|s| s.name != name),
            "subscription {name:?} is registered twice"
        );
        tracing::info!(
            subscription = name,
            event_types = ?subscription.event_types,
            "in-process subscription registered"
        );
        all.push(subscription);
        Ok(())
    }

    /// Names of the subscriptions that receive `event_type`.
    pub fn matching(&self, event_type: EventType) -> Vec<&'static str> {
        self.inner
            .read()
            .map(|all| {
                all.iter()
                    .filter(|s| s.event_types.contains(&event_type))
                    .map(|s| s.name)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The subscription `name`, when registered here.
    pub fn get(&self, name: &str) -> Option<Subscription> {
        self.inner
            .read()
            .ok()
            .and_then(|all| all.iter().find(|s| s.name == name).cloned())
    }

    /// Whether the subscription `name` is registered here.
    pub fn contains(&self, name: &str) -> bool {
        self.inner
            .read()
            .map(|all| all.iter().any(|s| s.name == name))
            .unwrap_or(false)
    }

    /// Whether no subscription is registered.
    pub fn is_empty(&self) -> bool {
        self.inner.read().map(|all| all.is_empty()).unwrap_or(true)
    }

    /// A copy of every subscription.
    pub fn snapshot(&self) -> Vec<Subscription> {
        self.inner.read().map(|all| all.clone()).unwrap_or_default()
    }
}
