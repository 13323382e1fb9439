//! The HTTP fallback sink: audit and notification events are POSTed to the audit
//! and notification services when Kafka is off for their module (destination
//! `http`) or failing (`kafka_or_http`).

use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use futures::future::LocalBoxFuture;
use futures::FutureExt;

use super::claimed::ClaimedEvent;
use super::sink::{InFlight, Marks, Route, Sink};
use crate::config::{FallbackSettings, Settings};
use crate::events::Family;
use crate::outbox::Destination;

/// POSTs event JSON to the fallback services. Lives on the relay's thread;
/// shared by the HTTP sink and the Kafka sink (which falls back per event).
pub struct HttpFallback {
    client: awc::Client,
    audit_url: Option<String>,
    notification_url: Option<String>,
}

impl HttpFallback {
    /// Builds the client; empty URLs mean "no fallback for that family".
    pub fn new(settings: &FallbackSettings) -> Self {
        let url = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Self {
            client: awc::Client::builder()
                .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
                .finish(),
            audit_url: url(&settings.audit_service_url),
            notification_url: url(&settings.notification_service_url),
        }
    }

    /// Whether a fallback URL is configured for `family`.
    pub fn serves(&self, family: Family) -> bool {
        match family {
            Family::Audit => self.audit_url.is_some(),
            Family::Notification => self.notification_url.is_some(),
            _ => false,
        }
    }

    /// Whether any fallback URL is configured.
    pub fn serves_any(&self) -> bool {
        self.audit_url.is_some() || self.notification_url.is_some()
    }

    /// Delivers one event; `Err` holds a reason without personal data.
    pub async fn deliver(&self, ev: &ClaimedEvent) -> Result<(), String> {
        let family = ev.family;
        let (url, accepted): (&Option<String>, &[u16]) = match family {
            Family::Audit => (&self.audit_url, &[200, 201]),
            Family::Notification => (&self.notification_url, &[200, 201, 202]),
            _ => return Err(format!("{} events have no HTTP fallback", family.as_str())),
        };
        let Some(url) = url else {
            return Err(format!(
                "no {} service URL configured for the HTTP fallback",
                family.as_str()
            ));
        };
        let mut req = self
            .client
            .post(url.as_str())
            .insert_header(("content-type", "application/json"))
            .insert_header(("ce-id", ev.event_id.as_str()))
            .insert_header(("ce-type", ev.event_type.as_str()))
            .insert_header(("ce-source", ev.source.ce_source_str()))
            .insert_header(("ce-specversion", "1.0"));
        if let Some(tp) = &ev.traceparent {
            req = req.insert_header(("traceparent", tp.as_str()));
        }
        let resp = req
            .send_body(ev.payload.clone())
            .await
            .map_err(|e| format!("HTTP fallback request failed: {e}"))?;
        let status = resp.status().as_u16();
        if accepted.contains(&status) {
            Ok(())
        } else {
            Err(format!("HTTP fallback answered {status}"))
        }
    }

    /// Delivers `ev` and records the outcome in `marks`.
    pub async fn deliver_into(&self, settings: &Settings, ev: ClaimedEvent, marks: &mut Marks) {
        match self.deliver(&ev).await {
            Ok(()) => {
                if ev.family == Family::Audit {
                    tracing::info!(event.id = %ev.event_id, "Audit logged via HTTP: {}", ev.event_id);
                } else {
                    tracing::info!(event.id = %ev.event_id, "Notification sent via HTTP: {}", ev.event_id);
                }
                marks.http.push(ev.seq);
            }
            Err(err) => {
                tracing::warn!(event.id = %ev.event_id, error = %err, "HTTP fallback failed; event kept for retry");
                marks.fail(settings, ev.seq, ev.attempts, err);
                marks.http_failed += 1;
            }
        }
    }
}

/// The sink for rows the HTTP fallback carries: `http` rows, and `kafka_or_http`
/// rows while Kafka is off or unreachable (the Kafka sink passes them on).
pub struct HttpSink {
    transport: Rc<HttpFallback>,
    settings: Arc<Settings>,
    in_flight: InFlight,
}

impl HttpSink {
    /// A sink over `transport`.
    pub fn new(transport: Rc<HttpFallback>, settings: Arc<Settings>) -> Self {
        Self {
            transport,
            settings,
            in_flight: InFlight::default(),
        }
    }

    /// Whether a fallback URL is configured for `family`.
    pub fn serves(&self, family: Family) -> bool {
        self.transport.serves(family)
    }
}

impl Sink for HttpSink {
    fn route(&self, ev: &ClaimedEvent) -> Route {
        match ev.destination {
            Destination::KafkaOrHttp | Destination::Http if self.serves(ev.family) => Route::Take,
            _ => Route::Pass,
        }
    }

    fn in_flight(&self) -> &InFlight {
        &self.in_flight
    }

    fn send(&mut self, batch: Vec<ClaimedEvent>) -> LocalBoxFuture<'static, Marks> {
        let transport = self.transport.clone();
        let settings = self.settings.clone();
        async move {
            let mut marks = Marks::default();
            for ev in batch {
                if ev.destination == Destination::Http {
                    tracing::info!(
                        event.id = %ev.event_id,
                        module = ev.source.as_str(),
                        "Kafka producer disabled ({}), using HTTP for {}",
                        ev.source.as_str(),
                        if ev.family == Family::Audit { "audit logging" } else { "notifications" }
                    );
                } else {
                    tracing::info!(
                        event.id = %ev.event_id,
                        "Kafka unreachable, sending {} event via HTTP",
                        ev.family.as_str()
                    );
                }
                transport.deliver_into(&settings, ev, &mut marks).await;
            }
            marks
        }
        .boxed_local()
    }
}
