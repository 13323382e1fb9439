//! The relay actor itself. See the module documentation for the protocol.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use anyhow::Context as _;
use backon::{BackoffBuilder, ExponentialBuilder};
use futures::FutureExt;
use rdkafka::producer::Producer as _;

use super::circuit::{Circuit, Transition};
use super::fallback::HttpSink;
use super::kafka::{self, KafkaProducer, KafkaSignals, Outcome};
use super::{InjectFault, RelayStatus, Shutdown, Wake};
use crate::config::Settings;
use crate::db::{now_micros, Db};
use crate::events::{Family, SourceModule};
use crate::metrics::Metrics;
use crate::outbox::repository::{self as repo, ClaimScope, Claims, Lease};
use crate::outbox::OutboxRow;

/// Batches handed to one sink and not yet marked; with the batch size this bounds
/// the relay's memory whatever the backlog.
const MAX_INFLIGHT_BATCHES: usize = 4;
/// Consecutive failed cycles before the relay stops to be restarted.
const MAX_CONSECUTIVE_ERRORS: u32 = 5;
/// A relay that ran this long without trouble starts its restart backoff afresh.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// How often backlog figures are refreshed.
const STATS_EVERY: Duration = Duration::from_secs(5);
/// A stall this many times `ack_stall_secs` long restarts the relay with a fresh
/// client. Long, because what was in flight may then be sent twice: a paused
/// broker should open the circuit, not cause duplicates.
const RESTART_AFTER_STALLS: u32 = 12;
/// How often delivered rows past retention are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// The single producer actor of the process.
pub struct Relay {
    settings: Arc<Settings>,
    db: Db,
    metrics: Metrics,
    status: RelayStatus,
    /// Names this process in the lease.
    holder: String,
    kafka_wanted: bool,
    // Per incarnation:
    producer: Option<Arc<KafkaProducer>>,
    signals: Arc<KafkaSignals>,
    http: Option<Rc<HttpSink>>,
    circuit: Circuit,
    ready: bool,
    /// Rows handed to a sink and not yet settled.
    claims: Claims,
    /// Sink outcomes waiting to be written.
    marks: Marks,
    /// A mark transaction is running.
    marking: Rc<Cell<bool>>,
    /// Until when the lease is surely ours (renewed at a third of its TTL).
    lease_renew_at: Option<Instant>,
    cycle_running: bool,
    wake_pending: bool,
    inflight_kafka: Rc<Cell<usize>>,
    inflight_http: Rc<Cell<usize>>,
    consecutive_errors: u32,
    panic_next: bool,
    kafka_seen_up: bool,
    /// Last answer from Kafka to an in-flight batch (or when one was first sent).
    kafka_progress_at: Instant,
    // Across incarnations:
    consecutive_restarts: u32,
    restart_delay: Duration,
    started_at: Instant,
    last_stats: Option<Instant>,
    last_purge: Option<Instant>,
    terminating: bool,
}

impl Relay {
    /// A relay for this process (not started).
    pub fn new(settings: Arc<Settings>, db: Db, metrics: Metrics, status: RelayStatus) -> Self {
        let kafka_wanted = SourceModule::ALL
            .into_iter()
            .any(|m| settings.module_kafka_enabled(m));
        let circuit = circuit_for(&settings);
        status.update(|s| {
            s.relay = "starting";
            s.kafka = if kafka_wanted {
                "connecting"
            } else {
                "disabled"
            };
        });
        Self {
            settings,
            db,
            metrics,
            status,
            holder: format!("relay-{}", uuid::Uuid::new_v4().simple()),
            kafka_wanted,
            producer: None,
            signals: Arc::default(),
            http: None,
            circuit,
            ready: false,
            claims: Claims::default(),
            marks: Marks::default(),
            marking: Rc::new(Cell::new(false)),
            lease_renew_at: None,
            cycle_running: false,
            wake_pending: false,
            inflight_kafka: Rc::new(Cell::new(0)),
            inflight_http: Rc::new(Cell::new(0)),
            consecutive_errors: 0,
            panic_next: false,
            kafka_seen_up: false,
            kafka_progress_at: Instant::now(),
            consecutive_restarts: 0,
            restart_delay: Duration::ZERO,
            started_at: Instant::now(),
            last_stats: None,
            last_purge: None,
            terminating: false,
        }
    }

    fn init(&mut self, ctx: &mut Context<Self>) {
        if self.terminating {
            return;
        }
        self.signals = Arc::default();
        if self.kafka_wanted {
            match kafka::create_producer(&self.settings.kafka, self.signals.clone()) {
                Ok(p) => self.producer = Some(Arc::new(p)),
                Err(err) => {
                    tracing::error!(error = %err, "cannot create the Kafka producer; relay will restart");
                    ctx.stop();
                    return;
                }
            }
        }
        self.http = Some(Rc::new(HttpSink::new(&self.settings.fallback)));
        self.circuit = circuit_for(&self.settings);
        self.metrics.set_circuit_open(false);
        self.kafka_seen_up = false;
        self.ready = true;
        self.claims = Claims::default();
        self.started_at = Instant::now();
        self.status.update(|s| {
            s.relay = "standby";
            s.kafka = if self.producer.is_some() {
                "connecting"
            } else {
                "disabled"
            };
        });
        let poll = Duration::from_millis(self.settings.relay.poll_interval_ms.max(10));
        ctx.run_interval(poll, |act, ctx| act.schedule(ctx));
        ctx.run_interval(Duration::from_millis(250), |act, ctx| act.maintain(ctx));
        tracing::info!(
            relay.holder = %self.holder,
            kafka = self.producer.is_some(),
            "event relay started"
        );
        self.schedule(ctx);
    }

    /// Starts a claim cycle unless one runs or too many batches are in flight.
    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if !self.ready || self.terminating {
            return;
        }
        let scope = if self.producer.is_none() || self.circuit.is_open() {
            // Only what the HTTP fallback can carry; everything else waits for Kafka.
            let served: Vec<String> = [Family::Audit, Family::Notification]
                .into_iter()
                .filter(|f| self.http.as_ref().is_some_and(|h| h.serves(*f)))
                .map(|f| f.as_str().to_owned())
                .collect();
            if served.is_empty() {
                return;
            }
            ClaimScope::Families(served)
        } else {
            ClaimScope::All
        };
        let limit = i64::from(self.settings.relay.batch_size);
        // Claimed rows not yet marked bound memory, whatever the sinks do.
        let unsettled = self.claims.in_flight() as i64;
        let busy = match scope {
            ClaimScope::All => self.inflight_kafka.get(),
            ClaimScope::Families(_) => self.inflight_http.get(),
        } >= MAX_INFLIGHT_BATCHES
            || unsettled >= MAX_INFLIGHT_BATCHES as i64 * limit;
        if self.cycle_running || busy {
            self.wake_pending = true;
            return;
        }
        self.cycle_running = true;
        self.wake_pending = false;
        let db = self.db.clone();
        let holder = self.holder.clone();
        let window = self.claims.window(&scope);
        let claim_scope = scope.clone();
        let ttl = secs_to_micros(self.settings.relay.lease_ttl_secs);
        let renew = self.lease_renew_at.is_none_or(|t| Instant::now() >= t);
        let renewed_until =
            Instant::now() + Duration::from_secs(self.settings.relay.lease_ttl_secs) / 3;
        let panic_now = std::mem::take(&mut self.panic_next);
        let fut = async move {
            if panic_now {
                panic!("injected relay panic");
            }
            blocking(move || {
                let mut conn = db.get()?;
                let now = now_micros();
                // The lease is renewed well before it expires, not on every cycle.
                if renew {
                    let lease = repo::acquire_lease(&mut conn, &holder, now, ttl)
                        .context("cannot take the relay lease")?;
                    if lease == Lease::Elsewhere {
                        return Ok(None);
                    }
                }
                let rows = repo::claim(&mut conn, &window, now, limit, &scope)
                    .context("cannot claim outbox rows")?;
                Ok(Some(rows))
            })
            .await
        };
        ctx.spawn(AssertUnwindSafe(fut).catch_unwind().into_actor(self).map(
            move |res, act, ctx| {
                act.cycle_running = false;
                match res {
                    Err(_) => act.panicked(ctx),
                    Ok(Err(err)) => act.cycle_failed(err, ctx),
                    Ok(Ok(None)) => {
                        act.consecutive_errors = 0;
                        act.lease_renew_at = None;
                        act.status.update(|s| s.relay = "standby");
                    }
                    Ok(Ok(Some(rows))) => {
                        act.consecutive_errors = 0;
                        if renew {
                            act.lease_renew_at = Some(renewed_until);
                        }
                        act.status.update(|s| s.relay = "leader");
                        act.claims.claimed(&claim_scope, &rows, limit);
                        let full = rows.len() as i64 >= limit;
                        if !rows.is_empty() {
                            act.dispatch(rows, ctx);
                        }
                        if full || act.wake_pending {
                            act.schedule(ctx);
                        }
                    }
                }
            },
        ));
    }

    fn panicked(&mut self, ctx: &mut Context<Self>) {
        tracing::error!("event relay panicked; restarting it");
        ctx.stop();
    }

    fn cycle_failed(&mut self, err: anyhow::Error, ctx: &mut Context<Self>) {
        self.consecutive_errors += 1;
        tracing::warn!(
            error = format!("{err:#}"),
            failures = self.consecutive_errors,
            "event relay cycle failed"
        );
        if self.consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
            tracing::error!("event relay failed repeatedly; restarting it");
            ctx.stop();
        }
    }

    /// Routes claimed rows to Kafka, the HTTP fallback, or back to the outbox.
    fn dispatch(&mut self, rows: Vec<OutboxRow>, ctx: &mut Context<Self>) {
        let mut to_kafka = Vec::new();
        let mut to_http = Vec::new();
        let mut deferred = Vec::new();
        let mut released = Vec::new();
        for row in rows {
            let Some(family) = Family::parse(&row.family) else {
                deferred.push((row.seq, format!("unknown event family {:?}", row.family)));
                continue;
            };
            let module_kafka = SourceModule::parse(&row.source_module)
                .map(|m| self.settings.module_kafka_enabled(m))
                .unwrap_or(false);
            if module_kafka && self.producer.is_some() && !self.circuit.is_open() {
                to_kafka.push((family.topic(&self.settings.kafka.topics).to_owned(), row));
            } else if self.http.as_ref().is_some_and(|h| h.serves(family)) {
                if module_kafka {
                    tracing::info!(
                        event.id = %row.event_id,
                        "Kafka unreachable, sending {} event via HTTP",
                        family.as_str()
                    );
                } else {
                    tracing::info!(
                        event.id = %row.event_id,
                        module = %row.source_module,
                        "Kafka producer disabled ({}), using HTTP for {}",
                        row.source_module,
                        if family == Family::Audit { "audit logging" } else { "notifications" }
                    );
                }
                to_http.push((family, row));
            } else if module_kafka && self.producer.is_some() {
                // Kafka is unreachable and this event has no HTTP path: hand it
                // back untouched; it goes out when the circuit closes.
                released.push(row.seq);
            } else {
                deferred.push((
                    row.seq,
                    "no delivery path: Kafka is off for this module and no fallback URL is set"
                        .to_owned(),
                ));
            }
        }
        if !to_kafka.is_empty() {
            self.spawn_kafka_batch(to_kafka, ctx);
        }
        if !to_http.is_empty() {
            self.spawn_http_batch(to_http, ctx);
        }
        // Handed back untouched: claimable again at the next scan from the head.
        self.claims.settled(released);
        if !deferred.is_empty() {
            let retry_at = now_micros() + ms_to_micros(self.settings.relay.retry_max_ms);
            let marks = Marks {
                failed: deferred
                    .into_iter()
                    .map(|(seq, err)| (seq, err, retry_at))
                    .collect(),
                ..Marks::default()
            };
            self.marks.absorb(marks);
            self.write_marks(ctx);
        }
    }

    fn spawn_kafka_batch(&mut self, rows: Vec<(String, OutboxRow)>, ctx: &mut Context<Self>) {
        let Some(producer) = self.producer.clone() else {
            return;
        };
        let http = self.http.clone();
        let settings = self.settings.clone();
        let slot = self.inflight_kafka.clone();
        if slot.get() == 0 {
            self.kafka_progress_at = Instant::now();
        }
        let fut = async move {
            let outcomes = kafka::send_batch(&producer, &rows).await;
            let mut marks = Marks::default();
            let mut fell_back = Vec::new();
            for ((topic, row), outcome) in rows.into_iter().zip(outcomes) {
                let family = Family::parse(&row.family);
                match outcome {
                    Outcome::Delivered => {
                        if let Some(f) = family.filter(|f| f.has_http_fallback()) {
                            tracing::debug!(
                                event.id = %row.event_id,
                                "{} event sent via Kafka: {}",
                                capitalized(f),
                                row.event_id
                            );
                        }
                        marks.kafka.push((topic, row.seq));
                    }
                    Outcome::NotSent => marks.released.push(row.seq),
                    Outcome::Failed(err) => {
                        match family.filter(|f| http.as_ref().is_some_and(|h| h.serves(*f))) {
                            Some(f) => {
                                tracing::warn!(
                                    event.id = %row.event_id,
                                    error = %err,
                                    "Failed to send {} event via Kafka, falling back to HTTP",
                                    f.as_str()
                                );
                                fell_back.push((f, row));
                            }
                            None => {
                                // Counted in metrics and kept on the row; no log line per event.
                                tracing::debug!(event.id = %row.event_id, error = %err, "Kafka delivery failed; event kept for retry");
                                let retry_at = now_micros() + retry_delay(&settings, row.attempts);
                                marks.failed.push((row.seq, err, retry_at));
                                marks.failed_topics.push(topic);
                            }
                        }
                    }
                }
            }
            for (family, row) in fell_back {
                match &http {
                    Some(http) if http.serves(family) => {
                        deliver_http(http, &settings, family, row, &mut marks).await;
                    }
                    _ => {
                        let retry_at = now_micros() + retry_delay(&settings, row.attempts);
                        marks.failed.push((
                            row.seq,
                            "Kafka failed and no fallback URL is set".into(),
                            retry_at,
                        ));
                    }
                }
            }
            marks
        };
        self.spawn_batch(fut, slot, ctx);
    }

    fn spawn_http_batch(&mut self, rows: Vec<(Family, OutboxRow)>, ctx: &mut Context<Self>) {
        let Some(http) = self.http.clone() else {
            return;
        };
        let settings = self.settings.clone();
        let slot = self.inflight_http.clone();
        let fut = async move {
            let mut marks = Marks::default();
            for (family, row) in rows {
                deliver_http(&http, &settings, family, row, &mut marks).await;
            }
            marks
        };
        self.spawn_batch(fut, slot, ctx);
    }

    /// Runs a sink future in one of `inflight`'s slots. The slot is free again
    /// as soon as the sink is done; its outcomes join the marks to be written.
    fn spawn_batch(
        &mut self,
        fut: impl std::future::Future<Output = Marks> + 'static,
        inflight: Rc<Cell<usize>>,
        ctx: &mut Context<Self>,
    ) {
        inflight.set(inflight.get() + 1);
        ctx.spawn(AssertUnwindSafe(fut).catch_unwind().into_actor(self).map(
            move |res, act, ctx| {
                inflight.set(inflight.get().saturating_sub(1));
                match res {
                    Err(_) => act.panicked(ctx),
                    Ok(marks) => {
                        let answered = !marks.kafka.is_empty() || !marks.failed_topics.is_empty();
                        if answered && Rc::ptr_eq(&inflight, &act.inflight_kafka) {
                            act.kafka_progress_at = Instant::now();
                        }
                        act.marks.absorb(marks);
                        act.write_marks(ctx);
                        act.schedule(ctx);
                    }
                }
            },
        ));
    }

    /// Writes every outcome gathered so far in one transaction, one writer at a
    /// time: at a steady trickle many small batches share one commit, and a
    /// sink slot never waits for the database. Rows stay claimed (and block
    /// their aggregate's next event) until their mark is committed.
    fn write_marks(&mut self, ctx: &mut Context<Self>) {
        if self.marking.get() || self.marks.is_empty() {
            return;
        }
        let marks = std::mem::take(&mut self.marks);
        self.marking.set(true);
        let summary = marks.summary();
        let settled = marks.seqs();
        let db = self.db.clone();
        let fut = blocking(move || apply_marks(&db, &marks));
        ctx.spawn(fut.into_actor(self).map(move |res, act, ctx| {
            act.marking.set(false);
            match res {
                Ok(()) => {
                    act.claims.settled(settled);
                    act.record(&summary);
                    act.write_marks(ctx);
                    act.schedule(ctx);
                }
                Err(err) => {
                    // Restart: the new incarnation starts with no claims, so
                    // these rows are claimable again.
                    tracing::error!(
                        error = format!("{err:#}"),
                        "cannot record deliveries; restarting the relay"
                    );
                    ctx.stop();
                }
            }
        }));
    }

    fn record(&mut self, summary: &Summary) {
        for (topic, n) in &summary.kafka {
            self.metrics.events_delivered(topic, "kafka", *n);
        }
        if summary.http > 0 {
            self.metrics
                .events_delivered("fallback", "http", summary.http);
        }
        for topic in &summary.failed_topics {
            self.metrics.event_failed(topic, "kafka");
        }
        for _ in 0..summary.http_failed {
            self.metrics.event_failed("fallback", "http");
        }
        if !summary.kafka.is_empty() {
            self.kafka_ok();
        }
    }

    fn kafka_ok(&mut self) {
        if self.signals.brokers_down.swap(false, Ordering::SeqCst) {
            // The outage did not count as a stall; its time must not either.
            self.kafka_progress_at = Instant::now();
        }
        if !self.kafka_seen_up || self.circuit.is_open() {
            self.kafka_seen_up = true;
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

    /// Periodic checks: fatal client errors, the circuit, backlog figures, purge.
    fn maintain(&mut self, ctx: &mut Context<Self>) {
        if !self.ready || self.terminating {
            return;
        }
        let now = Instant::now();
        if now.duration_since(self.started_at) > STABLE_AFTER {
            self.consecutive_restarts = 0;
        }
        if let Some(producer) = &self.producer {
            let fatal = self.signals.fatal.load(Ordering::SeqCst)
                || producer.client().fatal_error().is_some();
            if fatal {
                tracing::error!(
                    "Kafka client hit a fatal error; restarting the relay with a fresh client"
                );
                ctx.stop();
                return;
            }
            let stalled = self.ack_stalled(now);
            if let Some(stalled) = stalled {
                if stalled >= RESTART_AFTER_STALLS * self.ack_stall() {
                    tracing::error!(
                        stalled_secs = stalled.as_secs(),
                        batches = self.inflight_kafka.get(),
                        "Kafka answered none of the batches in flight for {}s; restarting the relay with a fresh client",
                        stalled.as_secs()
                    );
                    ctx.stop();
                    return;
                }
            }
            let brokers_down = self.signals.brokers_down.load(Ordering::SeqCst);
            if (brokers_down || stalled.is_some())
                && self.circuit.failure(now) == Transition::Opened
            {
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
                let producer = producer.clone();
                let fut = blocking(move || {
                    kafka::probe(&producer, Duration::from_secs(2)).map_err(anyhow::Error::from)
                });
                ctx.spawn(fut.into_actor(self).map(|res, act, ctx| {
                    // A broker that answers metadata but acknowledges nothing
                    // (paused partitions, lost producer state) stays "unreachable".
                    if res.is_ok() && act.ack_stalled(Instant::now()).is_none() {
                        act.kafka_ok();
                        act.schedule(ctx);
                    }
                }));
            }
        }
        if self
            .last_stats
            .is_none_or(|t| now.duration_since(t) >= STATS_EVERY)
        {
            self.last_stats = Some(now);
            let db = self.db.clone();
            let fut = blocking(move || {
                let mut conn = db.get()?;
                repo::stats(&mut conn).context("cannot count the outbox")
            });
            ctx.spawn(fut.into_actor(self).map(|res, act, _| {
                if let Ok(stats) = res {
                    let age = stats
                        .oldest_pending_created_at
                        .map(|t| (now_micros() - t).max(0) / 1_000_000)
                        .unwrap_or(0);
                    act.metrics.set_outbox(stats.pending, age);
                    act.status.update(|s| s.pending = stats.pending);
                }
            }));
        }
        if self
            .last_purge
            .is_none_or(|t| now.duration_since(t) >= PURGE_EVERY)
        {
            self.last_purge = Some(now);
            let db = self.db.clone();
            let before = now_micros()
                - secs_to_micros(self.settings.relay.retention_hours.saturating_mul(3600));
            let fut = blocking(move || {
                let mut conn = db.get()?;
                let mut total = 0;
                loop {
                    let n = repo::purge_delivered(&mut conn, before, 10_000)?;
                    total += n;
                    if n < 10_000 {
                        return Ok(total);
                    }
                }
            });
            ctx.spawn(fut.into_actor(self).map(|res, _, _| match res {
                Ok(n) if n > 0 => tracing::info!(
                    outbox.purged = n,
                    "purged delivered outbox rows past retention"
                ),
                Ok(_) => {}
                Err(err) => tracing::warn!(
                    error = format!("{err:#}"),
                    "cannot purge delivered outbox rows"
                ),
            }));
        }
    }
}

impl Relay {
    fn ack_stall(&self) -> Duration {
        Duration::from_secs(self.settings.relay.ack_stall_secs)
    }

    /// How long Kafka batches have been in flight without any answer, once that
    /// exceeds the configured stall time. Not while librdkafka reports every
    /// broker down: that outage has its own signal, and the client reconnects
    /// by itself, so a long one must not restart the relay over and over.
    fn ack_stalled(&self, now: Instant) -> Option<Duration> {
        let limit = self.ack_stall();
        if limit.is_zero()
            || self.inflight_kafka.get() == 0
            || self.signals.brokers_down.load(Ordering::SeqCst)
        {
            return None;
        }
        let stalled = now.saturating_duration_since(self.kafka_progress_at);
        (stalled >= limit).then_some(stalled)
    }
}

fn circuit_for(settings: &Settings) -> Circuit {
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

async fn deliver_http(
    http: &HttpSink,
    settings: &Settings,
    family: Family,
    row: OutboxRow,
    marks: &mut Marks,
) {
    match http.deliver(family, &row).await {
        Ok(()) => {
            if family == Family::Audit {
                tracing::info!(event.id = %row.event_id, "Audit logged via HTTP: {}", row.event_id);
            } else {
                tracing::info!(event.id = %row.event_id, "Notification sent via HTTP: {}", row.event_id);
            }
            marks.http.push(row.seq);
        }
        Err(err) => {
            tracing::warn!(event.id = %row.event_id, error = %err, "HTTP fallback failed; event kept for retry");
            let retry_at = now_micros() + retry_delay(settings, row.attempts);
            marks.failed.push((row.seq, err, retry_at));
            marks.http_failed += 1;
        }
    }
}

/// What sinks did, to be written in one go.
#[derive(Debug, Default)]
struct Marks {
    kafka: Vec<(String, i64)>,
    http: Vec<i64>,
    released: Vec<i64>,
    failed: Vec<(i64, String, i64)>,
    failed_topics: Vec<String>,
    http_failed: u64,
}

#[derive(Debug, Default)]
struct Summary {
    kafka: Vec<(String, u64)>,
    http: u64,
    failed_topics: Vec<String>,
    http_failed: u64,
}

impl Marks {
    fn is_empty(&self) -> bool {
        self.kafka.is_empty()
            && self.http.is_empty()
            && self.released.is_empty()
            && self.failed.is_empty()
    }

    fn absorb(&mut self, other: Marks) {
        self.kafka.extend(other.kafka);
        self.http.extend(other.http);
        self.released.extend(other.released);
        self.failed.extend(other.failed);
        self.failed_topics.extend(other.failed_topics);
        self.http_failed += other.http_failed;
    }

    /// Every row these marks settle, whatever its outcome.
    fn seqs(&self) -> Vec<i64> {
        let failed = self.failed.iter().map(|(seq, _, _)| *seq);
        let kafka = self.kafka.iter().map(|(_, seq)| *seq);
        kafka
            .chain(self.http.iter().copied())
            .chain(self.released.iter().copied())
            .chain(failed)
            .collect()
    }

    fn summary(&self) -> Summary {
        let mut kafka: Vec<(String, u64)> = Vec::new();
        for (topic, _) in &self.kafka {
            match kafka.iter_mut().find(|(t, _)| t == topic) {
                Some((_, n)) => *n += 1,
                None => kafka.push((topic.clone(), 1)),
            }
        }
        Summary {
            kafka,
            http: self.http.len() as u64,
            failed_topics: self.failed_topics.clone(),
            http_failed: self.http_failed,
        }
    }
}

fn apply_marks(db: &Db, marks: &Marks) -> anyhow::Result<()> {
    let mut conn = db.get()?;
    let now = now_micros();
    crate::db::write_tx(&mut conn, |c| {
        let kafka: Vec<i64> = marks.kafka.iter().map(|(_, s)| *s).collect();
        repo::mark_delivered(c, &kafka, "kafka", now)?;
        repo::mark_delivered(c, &marks.http, "http", now)?;
        for (seq, err, retry_at) in &marks.failed {
            repo::mark_failed(c, *seq, err, *retry_at)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .context("cannot mark outbox rows")
}

/// Runs blocking work (diesel, librdkafka metadata) off the actor's thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| anyhow::anyhow!("blocking task failed: {e}"))?
}

fn secs_to_micros(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX / 2)
}

fn ms_to_micros(ms: u64) -> i64 {
    i64::try_from(ms.saturating_mul(1_000)).unwrap_or(i64::MAX / 2)
}

/// Exponential backoff with jitter for the `attempts`-th retry of a row.
fn retry_delay(settings: &Settings, attempts: i32) -> i64 {
    let delay = nth_backoff(
        settings.relay.retry_initial_ms,
        settings.relay.retry_max_ms,
        usize::try_from(attempts).unwrap_or(0),
    );
    i64::try_from(delay.as_micros()).unwrap_or(i64::MAX / 2)
}

fn nth_backoff(initial_ms: u64, max_ms: u64, n: usize) -> Duration {
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

impl Actor for Relay {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.restart_delay.is_zero() {
            self.init(ctx);
        } else {
            ctx.run_later(self.restart_delay, |act, ctx| act.init(ctx));
        }
    }
}

impl Supervised for Relay {
    fn restarting(&mut self, _ctx: &mut Context<Self>) {
        if self.terminating {
            self.status.update(|s| s.relay = "stopped");
            self.restart_delay = Duration::from_secs(3600);
            return;
        }
        self.metrics.relay_restarted();
        self.consecutive_restarts += 1;
        self.restart_delay = nth_backoff(
            self.settings.relay.restart_initial_ms,
            self.settings.relay.restart_max_ms,
            self.consecutive_restarts as usize - 1,
        );
        let restarts = self.metrics.relay_restarts();
        tracing::warn!(
            relay.restarts = restarts,
            delay_ms = self.restart_delay.as_millis() as u64,
            "event relay restarting"
        );
        self.status.update(|s| {
            s.relay = "restarting";
            s.restarts = restarts;
        });
        // A fresh incarnation: new client, nothing in flight, no claims.
        self.producer = None;
        self.http = None;
        self.ready = false;
        self.cycle_running = false;
        self.wake_pending = false;
        self.inflight_kafka = Rc::new(Cell::new(0));
        self.inflight_http = Rc::new(Cell::new(0));
        self.consecutive_errors = 0;
        self.panic_next = false;
        self.claims = Claims::default();
        self.marks = Marks::default();
        self.marking = Rc::new(Cell::new(false));
        self.lease_renew_at = None;
    }
}

impl Handler<Wake> for Relay {
    type Result = ();

    fn handle(&mut self, _: Wake, ctx: &mut Context<Self>) {
        self.schedule(ctx);
    }
}

impl Handler<InjectFault> for Relay {
    type Result = ();

    fn handle(&mut self, fault: InjectFault, ctx: &mut Context<Self>) {
        tracing::warn!(?fault, "injecting a relay fault");
        match fault {
            InjectFault::Panic => {
                self.panic_next = true;
                self.schedule(ctx);
            }
            InjectFault::KafkaFatal => {
                if let Some(p) = &self.producer {
                    kafka::inject_fatal(p);
                }
            }
        }
    }
}

impl Handler<Shutdown> for Relay {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Shutdown, _ctx: &mut Context<Self>) -> Self::Result {
        self.terminating = true;
        self.status.update(|s| s.relay = "stopped");
        let deadline =
            Instant::now() + Duration::from_secs(self.settings.relay.shutdown_flush_secs);
        let producer = self.producer.clone();
        let kafka_slots = self.inflight_kafka.clone();
        let http_slots = self.inflight_http.clone();
        let marking = self.marking.clone();
        let db = self.db.clone();
        let holder = self.holder.clone();
        let fut = async move {
            if let Some(p) = producer {
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = blocking(move || p.flush(left).map_err(anyhow::Error::from)).await;
            }
            // Let the batches record what was acknowledged.
            while (kafka_slots.get() + http_slots.get() > 0 || marking.get())
                && Instant::now() < deadline
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let unfinished = kafka_slots.get() + http_slots.get();
            let _ = blocking(move || {
                let mut conn = db.get()?;
                repo::release_lease(&mut conn, &holder)?;
                Ok(())
            })
            .await;
            tracing::info!(
                unfinished_batches = unfinished,
                "event relay stopped; undelivered events stay in the outbox"
            );
        };
        Box::pin(fut.into_actor(self))
    }
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
}
