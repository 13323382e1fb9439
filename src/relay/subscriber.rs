//! The in-process subscriber sink: rows for `subscriber:<name>` are delivered
//! to that subscription's actor as one [`Deliver`] per subscription and batch.
//! An `Ok` answer marks them delivered (transport `subscriber`); an error, no
//! answer in time or a stopped actor retries them with the outbox's backoff.
//! Rows of a subscription not registered in this process are not taken: the
//! relay records "not registered" on them and looks again after the longest
//! backoff, so they stay queued without a hot loop.

use std::sync::Arc;
use std::time::Duration;

use futures::future::{join_all, LocalBoxFuture};
use futures::FutureExt;

use super::claimed::ClaimedEvent;
use super::sink::{InFlight, Marks, Route, Sink};
use crate::config::Settings;
use crate::outbox::{Deliver, Destination, SubscribedEvent, Subscriptions};

/// How long a subscriber may take to answer a batch before it is retried.
const ANSWER_WITHIN: Duration = Duration::from_secs(60);

/// Delivers to the process's in-process subscriptions.
pub struct SubscriberSink {
    subscriptions: Subscriptions,
    settings: Arc<Settings>,
    in_flight: InFlight,
}

impl SubscriberSink {
    /// A sink over `subscriptions`.
    pub fn new(subscriptions: Subscriptions, settings: Arc<Settings>) -> Self {
        Self {
            subscriptions,
            settings,
            in_flight: InFlight::default(),
        }
    }
}

impl Sink for SubscriberSink {
    fn route(&self, ev: &ClaimedEvent) -> Route {
        match &ev.destination {
            Destination::Subscriber(name) if self.subscriptions.contains(name) => Route::Take,
            _ => Route::Pass,
        }
    }

    fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    fn send(&mut self, batch: Vec<ClaimedEvent>) -> LocalBoxFuture<'static, Marks> {
        // One group per subscription, each in commit order.
        let mut groups: Vec<(String, Vec<ClaimedEvent>)> = Vec::new();
        for ev in batch {
            let Destination::Subscriber(name) = &ev.destination else {
                continue;
            };
            match groups.iter_mut().find(|(n, _)| n.as_str() == name.as_ref()) {
                Some((_, evs)) => evs.push(ev),
                None => groups.push((name.to_string(), vec![ev])),
            }
        }
        let subscriptions = self.subscriptions.clone();
        let settings = self.settings.clone();
        async move {
            let deliveries = groups
                .into_iter()
                .map(|(name, evs)| deliver(&subscriptions, &settings, name, evs));
            let mut marks = Marks::default();
            for m in join_all(deliveries).await {
                marks.absorb(m);
            }
            marks
        }
        .boxed_local()
    }
}

/// Delivers one subscription's events and records the outcomes.
async fn deliver(
    subscriptions: &Subscriptions,
    settings: &Settings,
    name: String,
    events: Vec<ClaimedEvent>,
) -> Marks {
    let mut marks = Marks::default();
    let Some(subscription) = subscriptions.get(&name) else {
        for ev in events {
            marks.fail(
                settings,
                ev.seq,
                ev.attempts,
                format!("subscriber {name} is not registered"),
            );
        }
        return marks;
    };
    let mut sent = Vec::with_capacity(events.len());
    let mut payloads = Vec::with_capacity(events.len());
    for ev in events {
        let parsed = uuid::Uuid::parse_str(&ev.event_id)
            .map_err(|e| format!("event id is not a UUID: {e}"))
            .and_then(|id| {
                serde_json::from_str(&ev.payload)
                    .map(|payload| (id, payload))
                    .map_err(|e| format!("payload is not JSON: {e}"))
            });
        match parsed {
            Ok((event_id, payload)) => {
                payloads.push(SubscribedEvent {
                    event_id,
                    event_type: ev.event_type,
                    aggregate_id: ev.aggregate_id.clone(),
                    payload,
                });
                sent.push((ev.seq, ev.attempts));
            }
            Err(reason) => marks.fail(settings, ev.seq, ev.attempts, reason),
        }
    }
    if sent.is_empty() {
        return marks;
    }
    let answer = subscription
        .recipient
        .send(Deliver {
            subscription: subscription.name,
            events: payloads,
        })
        .timeout(ANSWER_WITHIN)
        .await;
    let failure = match answer {
        Ok(Ok(())) => None,
        Ok(Err(reason)) => Some(format!("subscriber {name} failed: {reason}")),
        Err(err) => Some(format!("subscriber {name} did not answer: {err}")),
    };
    let n = sent.len() as u64;
    match failure {
        None => {
            marks.subscriber.extend(sent.iter().map(|(seq, _)| *seq));
            marks.subscriber_delivered.push((name, n));
        }
        Some(reason) => {
            // The reason goes onto the rows (for operators), not into the log:
            // a subscriber's error text is not ours to vet for personal data.
            tracing::warn!(
                subscription = name.as_str(),
                events = n,
                "in-process subscriber did not process a batch; events kept for retry"
            );
            for (seq, attempts) in sent {
                marks.fail(settings, seq, attempts, reason.clone());
            }
            marks.subscriber_failed.push((name, n));
        }
    }
    marks
}
