//! Prometheus metrics. Labels carry topics, transports, routes and status codes,
//! never ids or personal data.

use std::sync::Arc;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, Opts, Registry,
    TextEncoder,
};

/// All metrics of one process. Cheap to clone.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    registry: Registry,
    enqueued: IntCounterVec,
    delivered: IntCounterVec,
    failed: IntCounterVec,
    outbox_pending: IntGauge,
    outbox_oldest_age: IntGauge,
    relay_restarts: IntCounter,
    circuit_open: IntGauge,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
}

impl Metrics {
    /// Registers every metric in a fresh registry.
    pub fn new() -> Self {
        // Registration only fails on duplicate names, which the code below rules out.
        Self::try_new().expect("metric definitions are valid and unique")
    }

    fn try_new() -> prometheus::Result<Self> {
        let registry = Registry::new_custom(Some("hrms".into()), None)?;
        let enqueued = IntCounterVec::new(
            Opts::new("events_enqueued_total", "Events written to the outbox"),
            &["family"],
        )?;
        let delivered = IntCounterVec::new(
            Opts::new("events_delivered_total", "Events acknowledged by a sink"),
            &["topic", "transport"],
        )?;
        let failed = IntCounterVec::new(
            Opts::new(
                "events_failed_total",
                "Event deliveries that definitely failed",
            ),
            &["topic", "transport"],
        )?;
        let outbox_pending = IntGauge::new("outbox_pending", "Undelivered outbox rows")?;
        let outbox_oldest_age = IntGauge::new(
            "outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered outbox row",
        )?;
        let relay_restarts =
            IntCounter::new("relay_restarts_total", "Restarts of the relay actor")?;
        let circuit_open = IntGauge::new(
            "kafka_circuit_open",
            "1 while the Kafka circuit is open (broker unreachable)",
        )?;
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests"),
            &["method", "route", "status"],
        )?;
        let http_duration = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency"),
            &["method", "route"],
        )?;
        registry.register(Box::new(enqueued.clone()))?;
        registry.register(Box::new(delivered.clone()))?;
        registry.register(Box::new(failed.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_oldest_age.clone()))?;
        registry.register(Box::new(relay_restarts.clone()))?;
        registry.register(Box::new(circuit_open.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_duration.clone()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                registry,
                enqueued,
                delivered,
                failed,
                outbox_pending,
                outbox_oldest_age,
                relay_restarts,
                circuit_open,
                http_requests,
                http_duration,
            }),
        })
    }

    /// An event was written to the outbox.
    pub fn event_enqueued(&self, family: &str) {
        self.inner.enqueued.with_label_values(&[family]).inc();
    }

    /// `n` events were acknowledged.
    pub fn events_delivered(&self, topic: &str, transport: &str, n: u64) {
        self.inner
            .delivered
            .with_label_values(&[topic, transport])
            .inc_by(n);
    }

    /// An event delivery definitely failed.
    pub fn event_failed(&self, topic: &str, transport: &str) {
        self.inner
            .failed
            .with_label_values(&[topic, transport])
            .inc();
    }

    /// Backlog figures.
    pub fn set_outbox(&self, pending: i64, oldest_age_secs: i64) {
        self.inner.outbox_pending.set(pending);
        self.inner.outbox_oldest_age.set(oldest_age_secs);
    }

    /// The relay was restarted.
    pub fn relay_restarted(&self) {
        self.inner.relay_restarts.inc();
    }

    /// Restarts so far.
    pub fn relay_restarts(&self) -> u64 {
        self.inner.relay_restarts.get()
    }

    /// Circuit state.
    pub fn set_circuit_open(&self, open: bool) {
        self.inner.circuit_open.set(i64::from(open));
    }

    /// One finished HTTP request. The method is mapped to a fixed set
    /// ([`method_label`]) and the route must be a pattern or [`UNMATCHED_ROUTE`],
    /// so no label grows with what clients send
    /// (status codes are at most 900 values).
    pub fn http_request(&self, method: &str, route: &str, status: u16, secs: f64) {
        let method = method_label(method);
        self.inner
            .http_requests
            .with_label_values(&[method, route, &status.to_string()])
            .inc();
        self.inner
            .http_duration
            .with_label_values(&[method, route])
            .observe(secs);
    }

    /// Text exposition format.
    pub fn render(&self) -> String {
        let mut buf = Vec::new();
        let families = self.inner.registry.gather();
        if TextEncoder::new().encode(&families, &mut buf).is_err() {
            return String::new();
        }
        String::from_utf8(buf).unwrap_or_default()
    }
}

/// The route label of a request no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The standard methods by name; anything else (made up, any length) is `other`.
pub fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "CONNECT" => "CONNECT",
        _ => "other",
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
