//! The relay actor: the claim / lease / mark loop. It claims due rows while it
//! holds the lease, parses them once ([`ClaimedEvent`]), routes each to the
//! first sink that takes it ([`Sink::route`]), and writes the sinks' outcomes.
//! See the module documentation for the protocol.

use std::cell::Cell;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;
use anyhow::Context as _;
use futures::FutureExt;
use rdkafka::producer::Producer as _;

use super::claimed::{ClaimedEvent, Unparsable};
use super::fallback::{HttpFallback, HttpSink};
use super::kafka::{self, KafkaSink};
use super::sink::MAX_INFLIGHT_BATCHES;
use super::sink::{blocking, nth_backoff, InFlight, Maintenance, Marks, Route, Sink};
use super::subscriber::SubscriberSink;
use super::{InjectFault, RelayStatus, Shutdown, Wake};
use crate::config::Settings;
use crate::db::{now_micros, Db};
use crate::events::{Family, SourceModule};
use crate::metrics::Metrics;
use crate::outbox::repository::{self as repo, ClaimScope, Claims, Lease};
use crate::outbox::{Destination, Subscriptions};

/// Consecutive failed cycles before the relay stops to be restarted.
const MAX_CONSECUTIVE_ERRORS: u32 = 5;
/// A relay that ran this long without trouble starts its restart backoff afresh.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// How often backlog figures are refreshed.
const STATS_EVERY: Duration = Duration::from_secs(5);
/// How often delivered rows past retention are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// The sinks of one relay incarnation.
struct Sinks {
    /// None when no module sends to Kafka.
    kafka: Option<KafkaSink>,
    http: HttpSink,
    subscribers: SubscriberSink,
}

/// Names a sink (batches in flight remember theirs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SinkId {
    Kafka,
    Http,
    Subscriber,
}

impl Sinks {
    /// Routing order: the first sink that takes an event delivers it.
    const ORDER: [SinkId; 3] = [SinkId::Kafka, SinkId::Http, SinkId::Subscriber];

    fn get(&self, id: SinkId) -> Option<&dyn Sink> {
        match id {
            SinkId::Kafka => self.kafka.as_ref().map(|k| k as &dyn Sink),
            SinkId::Http => Some(&self.http),
            SinkId::Subscriber => Some(&self.subscribers),
        }
    }

    fn get_mut(&mut self, id: SinkId) -> Option<&mut dyn Sink> {
        match id {
            SinkId::Kafka => self.kafka.as_mut().map(|k| k as &mut dyn Sink),
            SinkId::Http => Some(&mut self.http),
            SinkId::Subscriber => Some(&mut self.subscribers),
        }
    }

    fn kafka_available(&self) -> bool {
        self.kafka.as_ref().is_some_and(|k| k.is_available())
    }

    fn in_flight(&self) -> Vec<InFlight> {
        Self::ORDER
            .iter()
            .filter_map(|id| self.get(*id).map(|s| s.in_flight().clone()))
            .collect()
    }
}

/// The single producer actor of the process.
pub struct Relay {
    settings: Arc<Settings>,
    db: Db,
    metrics: Metrics,
    status: RelayStatus,
    subscriptions: Subscriptions,
    /// Names this process in the lease.
    holder: String,
    kafka_wanted: bool,
    // Per incarnation:
    /// Tells a late answer of an earlier incarnation's batch from a current one.
    incarnation: u64,
    sinks: Option<Sinks>,
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
    consecutive_errors: u32,
    panic_next: bool,
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
    pub fn new(
        settings: Arc<Settings>,
        db: Db,
        metrics: Metrics,
        status: RelayStatus,
        subscriptions: Subscriptions,
    ) -> Self {
        let kafka_wanted = SourceModule::ALL
            .into_iter()
            .any(|m| settings.module_kafka_enabled(m));
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
            subscriptions,
            holder: format!("relay-{}", uuid::Uuid::new_v4().simple()),
            kafka_wanted,
            incarnation: 0,
            sinks: None,
            claims: Claims::default(),
            marks: Marks::default(),
            marking: Rc::new(Cell::new(false)),
            lease_renew_at: None,
            cycle_running: false,
            wake_pending: false,
            consecutive_errors: 0,
            panic_next: false,
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
        let fallback = Rc::new(HttpFallback::new(&self.settings.fallback));
        let kafka = if self.kafka_wanted {
            match KafkaSink::new(
                self.settings.clone(),
                fallback.clone(),
                self.metrics.clone(),
                self.status.clone(),
            ) {
                Ok(k) => Some(k),
                Err(err) => {
                    tracing::error!(error = %err, "cannot create the Kafka producer; relay will restart");
                    ctx.stop();
                    return;
                }
            }
        } else {
            None
        };
        let has_kafka = kafka.is_some();
        self.sinks = Some(Sinks {
            kafka,
            http: HttpSink::new(fallback, self.settings.clone()),
            subscribers: SubscriberSink::new(self.subscriptions.clone(), self.settings.clone()),
        });
        self.metrics.set_circuit_open(false);
        self.claims = Claims::default();
        self.started_at = Instant::now();
        self.status.update(|s| {
            s.relay = "standby";
            s.kafka = if has_kafka { "connecting" } else { "disabled" };
        });
        let poll = Duration::from_millis(self.settings.relay.poll_interval_ms.max(10));
        ctx.run_interval(poll, |act, ctx| act.schedule(ctx));
        ctx.run_interval(Duration::from_millis(250), |act, ctx| act.maintain(ctx));
        tracing::info!(
            relay.holder = %self.holder,
            kafka = has_kafka,
            "event relay started"
        );
        self.schedule(ctx);
    }

    /// What the next claim may take, and the sinks it would feed; `None` when
    /// nothing can be delivered now.
    fn scope(&self, sinks: &Sinks) -> Option<(ClaimScope, Vec<SinkId>)> {
        let subscribers = !self.subscriptions.is_empty();
        if sinks.kafka_available() {
            let mut feeds = vec![SinkId::Kafka];
            if subscribers {
                feeds.push(SinkId::Subscriber);
            }
            return Some((ClaimScope::All, feeds));
        }
        // Only what the HTTP fallback and the subscribers can carry; everything
        // else waits for Kafka.
        let served: Vec<String> = [Family::Audit, Family::Notification]
            .into_iter()
            .filter(|f| sinks.http.serves(*f))
            .map(|f| f.as_str().to_owned())
            .collect();
        let mut feeds = Vec::new();
        if !served.is_empty() {
            feeds.push(SinkId::Http);
        }
        if subscribers {
            feeds.push(SinkId::Subscriber);
            return Some((ClaimScope::FamiliesAndSubscribers(served), feeds));
        }
        (!feeds.is_empty()).then_some((ClaimScope::Families(served), feeds))
    }

    /// Starts a claim cycle unless one runs or the sinks it would feed are full.
    fn schedule(&mut self, ctx: &mut Context<Self>) {
        if self.terminating {
            return;
        }
        let Some(sinks) = &self.sinks else {
            return;
        };
        let Some((scope, feeds)) = self.scope(sinks) else {
            return;
        };
        let limit = i64::from(self.settings.relay.batch_size);
        // Claimed rows not yet marked bound memory, whatever the sinks do.
        let unsettled = self.claims.in_flight() as i64;
        let full = feeds
            .iter()
            .all(|id| !sinks.get(*id).is_some_and(|s| s.in_flight().has_room()));
        let busy = full || unsettled >= MAX_INFLIGHT_BATCHES as i64 * limit;
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
                // Parsed here, once, off the actor's thread.
                let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
                let parsed: Vec<Result<ClaimedEvent, Unparsable>> =
                    rows.into_iter().map(ClaimedEvent::parse).collect();
                Ok(Some((seqs, parsed)))
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
                    Ok(Ok(Some((seqs, events)))) => {
                        act.consecutive_errors = 0;
                        if renew {
                            act.lease_renew_at = Some(renewed_until);
                        }
                        act.status.update(|s| s.relay = "leader");
                        act.claims.claimed(&claim_scope, &seqs, limit);
                        let full = seqs.len() as i64 >= limit;
                        let held_for_room = !events.is_empty() && act.dispatch(events, ctx);
                        // Rows held back for a full sink are claimed again once
                        // a sink answers (it schedules), not in a loop.
                        if (full && !held_for_room) || act.wake_pending {
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

    /// Hands each claimed event to the first sink that takes it; hands back
    /// what must wait (Kafka unreachable, or its sink full); records a failure
    /// on rows nothing can deliver or that do not parse. Returns whether rows
    /// were held back because their sink was full.
    fn dispatch(
        &mut self,
        events: Vec<Result<ClaimedEvent, Unparsable>>,
        ctx: &mut Context<Self>,
    ) -> bool {
        let Some(sinks) = &self.sinks else {
            return false;
        };
        let mut batches: Vec<(SinkId, Vec<ClaimedEvent>)> = Vec::new();
        let mut released = Vec::new();
        let mut deferred = Vec::new();
        let mut held_for_room = false;
        for ev in events {
            let ev = match ev {
                Ok(ev) => ev,
                Err(bad) => {
                    tracing::warn!(
                        outbox.seq = bad.seq,
                        reason = bad.reason.as_str(),
                        "outbox row cannot be parsed; kept with the failure recorded"
                    );
                    deferred.push((bad.seq, bad.reason));
                    continue;
                }
            };
            let mut waits = false;
            let mut taker = None;
            for id in Sinks::ORDER {
                let Some(sink) = sinks.get(id) else {
                    continue;
                };
                match sink.route(&ev) {
                    Route::Take => {
                        taker = Some((id, sink.in_flight().has_room()));
                        break;
                    }
                    Route::Wait => waits = true,
                    Route::Pass => {}
                }
            }
            match taker {
                Some((id, true)) => match batches.iter_mut().find(|(b, _)| *b == id) {
                    Some((_, batch)) => batch.push(ev),
                    None => batches.push((id, vec![ev])),
                },
                Some((_, false)) => {
                    held_for_room = true;
                    released.push(ev.seq);
                }
                // Handed back untouched: it goes out when Kafka is back.
                None if waits => released.push(ev.seq),
                None => {
                    let reason = no_path(&ev.destination);
                    deferred.push((ev.seq, reason));
                }
            }
        }
        for (id, batch) in batches {
            self.spawn_batch(id, batch, ctx);
        }
        // Handed back untouched: claimable again at the next scan from the head.
        self.claims.settled(released);
        if !deferred.is_empty() {
            // Not an outage to retry soon: looked at again after the longest backoff.
            let retry_at = now_micros() + ms_to_micros(self.settings.relay.retry_max_ms);
            self.marks
                .failed
                .extend(deferred.into_iter().map(|(seq, err)| (seq, err, retry_at)));
            self.write_marks(ctx);
        }
        held_for_room
    }

    /// Runs a sink's batch. Its slot is free again as soon as the sink is done;
    /// its outcomes join the marks to be written.
    fn spawn_batch(&mut self, id: SinkId, batch: Vec<ClaimedEvent>, ctx: &mut Context<Self>) {
        let incarnation = self.incarnation;
        let Some(sink) = self.sinks.as_mut().and_then(|s| s.get_mut(id)) else {
            return;
        };
        let fut = sink.send(batch);
        sink.in_flight().start();
        ctx.spawn(AssertUnwindSafe(fut).catch_unwind().into_actor(self).map(
            move |res, act, ctx| {
                if act.incarnation != incarnation {
                    return;
                }
                match res {
                    Err(_) => act.panicked(ctx),
                    Ok(marks) => {
                        if let Some(sink) = act.sinks.as_mut().and_then(|s| s.get_mut(id)) {
                            sink.in_flight().finish();
                            sink.answered(&marks, Instant::now());
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
        let summary = Summary::of(&marks, &self.settings);
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
        for (name, n) in &summary.subscriber {
            self.metrics.events_delivered(name, "subscriber", *n);
        }
        for topic in &summary.failed_topics {
            self.metrics.event_failed(topic, "kafka");
        }
        for _ in 0..summary.http_failed {
            self.metrics.event_failed("fallback", "http");
        }
        for (name, n) in &summary.subscriber_failed {
            for _ in 0..*n {
                self.metrics.event_failed(name, "subscriber");
            }
        }
    }

    /// Periodic checks: the sinks' own (fatal client errors, the circuit),
    /// backlog figures, purge.
    fn maintain(&mut self, ctx: &mut Context<Self>) {
        if self.terminating {
            return;
        }
        let Some(sinks) = self.sinks.as_mut() else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(self.started_at) > STABLE_AFTER {
            self.consecutive_restarts = 0;
        }
        let mut probes = Vec::new();
        for id in Sinks::ORDER {
            let Some(sink) = sinks.get_mut(id) else {
                continue;
            };
            match sink.maintain(now) {
                Maintenance::Fine => {}
                Maintenance::Restart => {
                    ctx.stop();
                    return;
                }
                Maintenance::Probe(probe) => probes.push((id, probe)),
            }
        }
        for (id, probe) in probes {
            let incarnation = self.incarnation;
            ctx.spawn(blocking(probe).into_actor(self).map(move |res, act, ctx| {
                if res.is_ok() && act.incarnation == incarnation {
                    if let Some(sink) = act.sinks.as_mut().and_then(|s| s.get_mut(id)) {
                        sink.probe_answered(Instant::now());
                    }
                    act.schedule(ctx);
                }
            }));
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

/// Why nothing can deliver a row to `destination` in this process.
fn no_path(destination: &Destination) -> String {
    match destination {
        Destination::Subscriber(name) => {
            format!("subscriber {name} is not registered in this process")
        }
        Destination::Kafka => "no delivery path: Kafka is off in this process".to_owned(),
        Destination::KafkaOrHttp | Destination::Http => {
            "no delivery path: Kafka is off for this module and no fallback URL is set".to_owned()
        }
    }
}

/// What a mark transaction recorded, for metrics.
#[derive(Debug, Default)]
struct Summary {
    kafka: Vec<(String, u64)>,
    http: u64,
    subscriber: Vec<(String, u64)>,
    failed_topics: Vec<String>,
    http_failed: u64,
    subscriber_failed: Vec<(String, u64)>,
}

impl Summary {
    fn of(marks: &Marks, settings: &Settings) -> Self {
        let topics = &settings.kafka.topics;
        let mut kafka: Vec<(String, u64)> = Vec::new();
        for (family, _) in &marks.kafka {
            let topic = topics.for_family(*family);
            match kafka.iter_mut().find(|(t, _)| t == topic) {
                Some((_, n)) => *n += 1,
                None => kafka.push((topic.to_owned(), 1)),
            }
        }
        Summary {
            kafka,
            http: marks.http.len() as u64,
            subscriber: marks.subscriber_delivered.clone(),
            failed_topics: marks
                .failed_kafka
                .iter()
                .map(|f| topics.for_family(*f).to_owned())
                .collect(),
            http_failed: marks.http_failed,
            subscriber_failed: marks.subscriber_failed.clone(),
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
        repo::mark_delivered(c, &marks.subscriber, "subscriber", now)?;
        for (seq, err, retry_at) in &marks.failed {
            repo::mark_failed(c, *seq, err, *retry_at)?;
        }
        Ok::<_, diesel::result::Error>(())
    })
    .context("cannot mark outbox rows")
}

fn secs_to_micros(secs: u64) -> i64 {
    i64::try_from(secs.saturating_mul(1_000_000)).unwrap_or(i64::MAX / 2)
}

fn ms_to_micros(ms: u64) -> i64 {
    i64::try_from(ms.saturating_mul(1_000)).unwrap_or(i64::MAX / 2)
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
        // A fresh incarnation: new sinks, nothing in flight, no claims.
        self.incarnation += 1;
        self.sinks = None;
        self.cycle_running = false;
        self.wake_pending = false;
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
                if let Some(k) = self.sinks.as_ref().and_then(|s| s.kafka.as_ref()) {
                    kafka::inject_fatal(k.producer());
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
        let producer = self
            .sinks
            .as_ref()
            .and_then(|s| s.kafka.as_ref())
            .map(|k| k.producer().clone());
        let slots = self
            .sinks
            .as_ref()
            .map(Sinks::in_flight)
            .unwrap_or_default();
        let in_flight = move || slots.iter().map(InFlight::get).sum::<usize>();
        let marking = self.marking.clone();
        let db = self.db.clone();
        let holder = self.holder.clone();
        let fut = async move {
            if let Some(p) = producer {
                let left = deadline.saturating_duration_since(Instant::now());
                let _ = blocking(move || p.flush(left).map_err(anyhow::Error::from)).await;
            }
            // Let the batches record what was acknowledged.
            while (in_flight() > 0 || marking.get()) && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let unfinished = in_flight();
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
