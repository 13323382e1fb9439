//! The HTTP fallback sink: audit and notification events are POSTed to the audit
//! and notification services when Kafka is off or failing for their module.

use std::time::Duration;

use crate::config::FallbackSettings;
use crate::events::Family;
use crate::outbox::OutboxRow;

/// POSTs event JSON to the fallback services. Lives on the relay's thread.
pub struct HttpSink {
    client: awc::Client,
    audit_url: Option<String>,
    notification_url: Option<String>,
}

impl HttpSink {
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

    /// Delivers one row; `Err` holds a reason without personal data.
    pub async fn deliver(&self, family: Family, row: &OutboxRow) -> Result<(), String> {
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
        let source = crate::events::SourceModule::parse(&row.source_module)
            .map(|m| m.ce_source())
            .unwrap_or_else(|| format!("/hrms/{}", row.source_module));
        let mut req = self
            .client
            .post(url.as_str())
            .insert_header(("content-type", "application/json"))
            .insert_header(("ce-id", row.event_id.as_str()))
            .insert_header(("ce-type", row.event_type.as_str()))
            .insert_header(("ce-source", source.as_str()))
            .insert_header(("ce-specversion", "1.0"));
        if let Some(tp) = &row.traceparent {
            req = req.insert_header(("traceparent", tp.as_str()));
        }
        let resp = req
            .send_body(row.payload.clone())
            .await
            .map_err(|e| format!("HTTP fallback request failed: {e}"))?;
        let status = resp.status().as_u16();
        if accepted.contains(&status) {
            Ok(())
        } else {
            Err(format!("HTTP fallback answered {status}"))
        }
    }
}
