//! The compliance actor: owns the compliance tables. Runs on a `SyncArbiter`.
//!
//! Input arrives through the in-process subscription [`INPUTS`] (attendance,
//! leave and employee events, at least once, in order per employee). One
//! batch is one transaction: the employees it touches are locked (sorted, so
//! two batches never deadlock), each event is recorded once in the journal
//! (by event id: a redelivery changes nothing), applied to the projection (a
//! later version of a record replaces the earlier one, an older one is
//! ignored), and only the rule scopes the change touches are re-evaluated and
//! reconciled with the stored findings: new ones are recorded (and evented),
//! ones no longer true are resolved (and evented), the rest keep their
//! identity and status. Checks (on demand, periodic) and `rebuild` reconcile
//! the same way over a period.

use std::collections::HashMap;
use std::sync::Arc;

use actix::{Actor, AsyncContext, Context, Handler, Message, Recipient, SyncContext};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::Deserialize;

use super::domain::*;
use super::errors::ComplianceFailure;
use super::model::{CheckInput, DayHours, NewOptOut, WeekHours, Withdrawal, WorkingTimeResponse};
use super::pack::RulePack;
use super::repository::{self as repo, FindingFilter};
use super::rules::{self, RuleScope};
use super::events;
use crate::auth::Principal;
use crate::db::{Db, DbConnection};
use crate::events::{Event, EventContext, EventType};
use crate::modules::user::{Contact, ContactsOf};
use crate::outbox::{Deliver, Outbox, SubscribedEvent};
use crate::shared::{clock, CheckId, EmployeeId, OptOutId, Page, ViolationId};

/// The subscription name of the compliance module's input.
pub const INPUTS: &str = "compliance-inputs";

/// The event types the module consumes.
pub const INPUT_TYPES: [EventType; 9] = [
    EventType::AttendanceMarked,
    EventType::AttendanceUpdated,
    EventType::LeaveApproved,
    EventType::LeaveCancelled,
    EventType::LeaveRecounted,
    EventType::LeaveBalanceAdjusted,
    EventType::EmployeeCreated,
    EventType::EmployeeUpdated,
    EventType::EmployeeTerminated,
];

/// The account id written for changes nobody asked for.
pub const SYSTEM: &str = "system";

/// What the module is configured with.
#[derive(Debug, Clone)]
pub struct ComplianceConfig {
    /// The rule pack in force.
    pub pack: RulePack,
    /// Leave type codes that are paid annual leave.
    pub annual_types: Vec<String>,
    /// Leave type codes that are sick leave.
    pub sick_types: Vec<String>,
    /// HR mailbox for new violations.
    pub notify_email: Option<String>,
}

impl ComplianceConfig {
    /// From the settings (validated at load).
    pub fn from_settings(s: &crate::config::ComplianceSettings) -> anyhow::Result<Self> {
        let list = |raw: &str| -> Vec<String> {
            raw.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        };
        Ok(Self {
            pack: super::pack::from_settings(s).map_err(|e| anyhow::anyhow!("compliance settings: {e}"))?,
            annual_types: list(&s.annual_leave_types),
            sick_types: list(&s.sick_leave_types),
            notify_email: Some(s.notify_email.trim().to_owned()).filter(|e| !e.is_empty()),
        })
    }

    fn leave_kind(&self, code: &str) -> LeaveKind {
        if self.annual_types.iter().any(|c| c == code) {
            LeaveKind::PaidAnnual
        } else if self.sick_types.iter().any(|c| c == code) {
            LeaveKind::Sick
        } else {
            LeaveKind::Other
        }
    }

    /// Days back a periodic check covers: the longest reference period and a week.
    pub fn lookback_days(&self) -> i64 {
        let weeks = self
            .pack
            .weekly_average
            .limits
            .iter()
            .map(|l| l.weeks)
            .chain([self.pack.night_work.weeks, 2])
            .max()
            .unwrap_or(17);
        i64::from(weeks) * 7 + 7
    }
}

/// The compliance module's actor.
pub struct ComplianceActor {
    db: Db,
    outbox: Outbox,
    cfg: Arc<ComplianceConfig>,
    contacts: Option<Recipient<ContactsOf>>,
}

impl Actor for ComplianceActor {
    type Context = SyncContext<Self>;
}

/// Findings detected and resolved by one evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Newly recorded, or true again after being resolved.
    pub detected: i32,
    /// No longer true.
    pub resolved: i32,
}

impl Counts {
    fn add(&mut self, o: Counts) {
        self.detected += o.detected;
        self.resolved += o.resolved;
    }
}

/// One employee's records loaded for an evaluation.
struct Loaded {
    employee: EmployeeId,
    facts: EmployeeFacts,
    intervals: Vec<WorkInterval>,
    leave: Vec<LeaveDay>,
    opt_outs: Vec<OptOut>,
    entitlements: Vec<AnnualEntitlement>,
}

impl Loaded {
    fn input(&self) -> EmployeeInput<'_> {
        EmployeeInput {
            employee: self.employee.as_uuid(),
            tz: self.facts.tz,
            employed_from: self.facts.hire_date,
            employed_to: self.facts.termination_date,
            intervals: &self.intervals,
            leave: &self.leave,
            opt_outs: &self.opt_outs,
            entitlements: &self.entitlements,
            contractual_daily: None,
        }
    }
}

/// What applying one event changed.
enum Applied {
    /// Nothing the rules see.
    Nothing,
    /// These records.
    Changes(Vec<rules::Change>),
    /// The employee's facts (zone, employment dates): everything is re-evaluated.
    Everything,
}

#[derive(Deserialize)]
struct RecordData {
    id: String,
    version: i32,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    voided: bool,
    time_zone: Option<String>,
}

#[derive(Deserialize)]
struct LeaveDate {
    date: NaiveDate,
    part: String,
}

#[derive(Deserialize)]
struct LeaveData {
    id: String,
    leave_type: String,
    status: String,
    version: i32,
    #[serde(default)]
    dates: Vec<LeaveDate>,
    #[serde(default)]
    held_days: f64,
}

#[derive(Deserialize)]
struct LedgerData {
    id: String,
    leave_type: String,
    kind: String,
    leave_year: i32,
    days: f64,
    /// Grants: the working weekdays of the employee's leave calendar.
    #[serde(default)]
    working_days_per_week: Option<u8>,
}

#[derive(Deserialize)]
struct EmployeeData {
    time_zone: Option<String>,
    hire_date: Option<NaiveDate>,
    termination_date: Option<NaiveDate>,
}

fn employee_of(ev: &SubscribedEvent) -> Option<EmployeeId> {
    ev.payload
        .get("employee_id")
        .and_then(|v| v.as_str())
        .unwrap_or(&ev.aggregate_id)
        .parse()
        .ok()
}

fn data<T: for<'de> Deserialize<'de>>(ev: &SubscribedEvent) -> Option<T> {
    ev.payload
        .get("data")
        .and_then(|d| serde_json::from_value(d.clone()).ok())
}

fn dedup_scopes(mut scopes: Vec<RuleScope>) -> Vec<RuleScope> {
    scopes.sort_by_key(|s| (s.rule, s.first, s.last));
    scopes.dedup();
    scopes
}

impl ComplianceActor {
    /// One instance per SyncArbiter thread.
    pub fn new(
        db: Db,
        outbox: Outbox,
        cfg: Arc<ComplianceConfig>,
        contacts: Option<Recipient<ContactsOf>>,
    ) -> Self {
        Self {
            db,
            outbox,
            cfg,
            contacts,
        }
    }

    fn engine<'a>(&'a self, ctx: &'a EventContext, now: DateTime<Utc>, contacts: HashMap<EmployeeId, Contact>) -> Engine<'a> {
        Engine {
            contacts,
            ..Engine::new(&self.cfg, ctx, now)
        }
    }

    /// The contacts of `employees`, asked of the user module before a
    /// transaction opens (empty without the user module, or on its failure:
    /// then nobody is told, the alert is still recorded).
    fn contacts_of(&self, employees: &[EmployeeId]) -> HashMap<EmployeeId, Contact> {
        let Some(contacts) = &self.contacts else {
            return HashMap::new();
        };
        if employees.is_empty() {
            return HashMap::new();
        }
        let answer = futures::executor::block_on(contacts.send(ContactsOf {
            employees: employees.to_vec(),
        }));
        match answer {
            Ok(Ok(list)) => list.into_iter().map(|c| (c.employee_id, c)).collect(),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "no contacts for unused-leave notices");
                HashMap::new()
            }
            Err(e) => {
                tracing::warn!(error = %e, "no contacts for unused-leave notices");
                HashMap::new()
            }
        }
    }

    fn conn(&self) -> Result<crate::db::PooledConn, ComplianceFailure> {
        self.db.get().map_err(ComplianceFailure::Internal)
    }
}

/// The facts of `employee`, or UTC and no employment dates when no employee
/// event has arrived yet.
fn facts_of(c: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<EmployeeFacts> {
    Ok(repo::employee(c, employee)?.unwrap_or(EmployeeFacts {
        tz: chrono_tz::UTC,
        hire_date: None,
        termination_date: None,
    }))
}

/// Loads what evaluating `scopes` for `employee` reads (see [`load_for`]).
fn load(c: &mut DbConnection, pack: &RulePack, employee: EmployeeId, facts: EmployeeFacts, scopes: &[RuleScope]) -> anyhow::Result<Loaded> {
    load_for(c, pack, &HashMap::new(), &[(employee, facts, scopes)])?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("nothing loaded for employee {employee}"))
}

/// Loads what evaluating each want's scopes reads, in one query per kind of
/// data for all of them; the opt-outs from `known` where it has them.
fn load_for(
    c: &mut DbConnection,
    pack: &RulePack,
    known: &HashMap<EmployeeId, Vec<OptOutRecord>>,
    wants: &[(EmployeeId, EmployeeFacts, &[RuleScope])],
) -> anyhow::Result<Vec<Loaded>> {
    // Read only what the scopes' rules look at: the annual-leave rule (a
    // grant or leave day arriving) needs no intervals, only the weekly
    // average the opt-outs, and only it and the annual-leave rule the leave days.
    // Decided once per want: the batched reads come back in the order of the
    // wants that asked, so planning and assembling must agree.
    let needs = |scopes: &[RuleScope], rule: RuleId| scopes.iter().any(|s| s.rule == rule);
    let reads: Vec<(bool, bool, bool, bool)> = wants
        .iter()
        .map(|(_, _, scopes)| {
            let average = needs(scopes, RuleId::WeeklyAverage);
            let annual = needs(scopes, RuleId::AnnualLeave);
            let intervals = !scopes.iter().all(|s| s.rule == RuleId::AnnualLeave);
            (intervals, average || annual, average, annual)
        })
        .collect();
    let mut interval_wants = Vec::new();
    let mut leave_wants = Vec::new();
    let mut opt_out_wants = Vec::new();
    for ((employee, facts, scopes), (read_intervals, read_leave, wants_opt_outs, _)) in wants.iter().zip(&reads) {
        let (from, to) = rules::data_range(pack, facts.tz, scopes).unwrap_or((clock::now(), clock::now()));
        if *read_intervals {
            interval_wants.push((*employee, from, to));
        }
        let (mut first, mut last) = (rules::local_date(facts.tz, from), rules::local_date(facts.tz, to));
        // The annual-leave rule counts the leave of whole calendar years.
        for s in scopes.iter().filter(|s| s.rule == RuleId::AnnualLeave) {
            first = first.min(NaiveDate::from_ymd_opt(s.first.year(), 1, 1).unwrap_or(s.first));
            last = last.max(NaiveDate::from_ymd_opt(s.last.year(), 12, 31).unwrap_or(s.last));
        }
        if *read_leave {
            leave_wants.push((*employee, first, last));
        }
        if *wants_opt_outs && !known.contains_key(employee) {
            opt_out_wants.push(*employee);
        }
    }
    let mut intervals = repo::intervals_around_all(c, &interval_wants)?.into_iter();
    let mut leave = repo::leave_between_all(c, &leave_wants)?.into_iter();
    opt_out_wants.sort();
    opt_out_wants.dedup();
    let read_opt_outs = repo::opt_outs_of_all(c, &opt_out_wants)?;
    let per_week = pack.weekly_average.working_weekdays.iter().filter(|w| **w).count();
    let mut out = Vec::with_capacity(wants.len());
    for ((employee, facts, _), (read_intervals, read_leave, wants_opt_outs, annual)) in wants.iter().zip(&reads) {
        let intervals = if *read_intervals { intervals.next().unwrap_or_default() } else { Vec::new() };
        let leave = if *read_leave { leave.next().unwrap_or_default() } else { Vec::new() };
        let opt_outs = if *wants_opt_outs {
            known
                .get(employee)
                .or_else(|| read_opt_outs.get(employee))
                .map(|list| list.iter().map(OptOutRecord::as_rule).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let entitlements = if *annual { repo::entitlements_of(c, *employee)? } else { Vec::new() }
            .into_iter()
            .map(|(year, half_days, week)| AnnualEntitlement {
                year,
                entitled_half_days: u32::try_from(half_days.max(0)).unwrap_or(0),
                // The employee's own week when the leave module said, else the pack's.
                working_days_per_week: week
                    .and_then(|w| u8::try_from(w).ok())
                    .unwrap_or_else(|| u8::try_from(per_week).unwrap_or(5)),
            })
            .collect();
        out.push(Loaded {
            employee: *employee,
            facts: *facts,
            intervals,
            leave,
            opt_outs,
            entitlements,
        });
    }
    Ok(out)
}


/// Every scope of `employee`'s recorded history (their facts changed).
fn full_scopes(c: &mut DbConnection, employee: EmployeeId, tz: Tz) -> anyhow::Result<Vec<RuleScope>> {
    Ok(match repo::interval_span(c, employee)? {
        Some((first, last)) => rules::all_scopes(
            rules::local_date(tz, first) - Duration::days(1),
            rules::local_date(tz, last) + Duration::days(1),
        ),
        None => Vec::new(),
    })
}

/// The engine shared by the actor, checks and `rebuild`: applying events and
/// reconciling findings, inside the caller's transaction.
pub struct Engine<'a> {
    cfg: &'a ComplianceConfig,
    ctx: &'a EventContext,
    now: DateTime<Utc>,
    events: Vec<Event>,
    /// The contacts of the employees this transaction may notify, fetched
    /// before it began (the user module is never waited for inside it).
    contacts: HashMap<EmployeeId, Contact>,
    /// Employee facts read or written in this transaction (the projection's
    /// rows, or `None` for an employee without one).
    facts: HashMap<EmployeeId, Option<EmployeeFacts>>,
    /// Projected attendance records read or written in this transaction, by
    /// record id (`None`: not projected).
    records: HashMap<String, Option<repo::ProjectedRecord>>,
    /// Opt-outs of the batch's employees, read once ([`Engine::prefetch`]);
    /// nothing inside a delivery changes them.
    opt_outs: HashMap<EmployeeId, Vec<OptOutRecord>>,
    /// Record versions applied and not written yet: a batch's records are
    /// written in one statement ([`Engine::flush`]) before anything reads them.
    unsaved: Vec<repo::RecordRow>,
}

impl<'a> Engine<'a> {
    /// An engine writing events with `ctx`, evaluating as of `now`.
    pub fn new(cfg: &'a ComplianceConfig, ctx: &'a EventContext, now: DateTime<Utc>) -> Self {
        Self {
            cfg,
            ctx,
            now,
            events: Vec::new(),
            contacts: HashMap::new(),
            facts: HashMap::new(),
            records: HashMap::new(),
            opt_outs: HashMap::new(),
            unsaved: Vec::new(),
        }
    }

    /// The events of `batch` not applied before, each once, in order, now
    /// recorded in the journal: one statement for the batch (the caller holds
    /// the employees' locks; an event twice in the batch counts once).
    fn claim<'e>(
        &self,
        c: &mut DbConnection,
        batch: &[(&'e SubscribedEvent, EmployeeId)],
    ) -> anyhow::Result<Vec<(&'e SubscribedEvent, EmployeeId)>> {
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<(&SubscribedEvent, EmployeeId)> =
            batch.iter().filter(|(ev, _)| seen.insert(ev.event_id)).copied().collect();
        let rows = unique
            .iter()
            .map(|(ev, employee)| {
                Ok(repo::NewJournalRow {
                    event_id: ev.event_id.to_string(),
                    event_type: ev.event_type.as_str().to_owned(),
                    employee_id: employee.to_string(),
                    payload: serde_json::to_string(&ev.payload)?,
                    applied_at: repo::micros(self.now),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let fresh = repo::journal_claim(c, &rows)?;
        Ok(unique
            .into_iter()
            .zip(rows)
            .filter(|(_, row)| fresh.contains(&row.event_id))
            .map(|(x, _)| x)
            .collect())
    }

    /// Reads, in one query each, the facts of the batch's employees and the
    /// projected versions of its attendance records, so that applying the
    /// events one by one finds them cached.
    fn prefetch(&mut self, c: &mut DbConnection, batch: &[(&SubscribedEvent, EmployeeId)]) -> anyhow::Result<()> {
        let mut employees: Vec<EmployeeId> = batch
            .iter()
            .map(|(_, e)| *e)
            .filter(|e| !self.facts.contains_key(e))
            .collect();
        employees.sort();
        employees.dedup();
        for e in &employees {
            self.facts.insert(*e, None);
        }
        for (e, f) in repo::employees(c, &employees)? {
            self.facts.insert(e, Some(f));
        }
        let mut records: Vec<String> = batch
            .iter()
            .filter(|(ev, _)| matches!(ev.event_type, EventType::AttendanceMarked | EventType::AttendanceUpdated))
            .filter_map(|(ev, _)| ev.payload.get("data")?.get("id")?.as_str().map(str::to_owned))
            .filter(|id| !self.records.contains_key(id))
            .collect();
        records.sort();
        records.dedup();
        for id in &records {
            self.records.insert(id.clone(), None);
        }
        for (id, r) in repo::records(c, &records)? {
            self.records.insert(id, Some(r));
        }
        // The weekly average (which reads opt-outs) is evaluated on attendance
        // and leave changes, and on an employee's facts changing.
        let mut wanted: Vec<EmployeeId> = batch
            .iter()
            .filter(|(ev, _)| ev.event_type != EventType::LeaveBalanceAdjusted)
            .map(|(_, e)| *e)
            .filter(|e| !self.opt_outs.contains_key(e))
            .collect();
        wanted.sort();
        wanted.dedup();
        self.opt_outs.extend(repo::opt_outs_of_all(c, &wanted)?);
        Ok(())
    }

    /// The projected version of record `id` (cached for the transaction).
    fn record_of(&mut self, c: &mut DbConnection, id: &str) -> anyhow::Result<Option<repo::ProjectedRecord>> {
        if let Some(r) = self.records.get(id) {
            return Ok(r.clone());
        }
        let r = repo::record(c, id)?;
        self.records.insert(id.to_owned(), r.clone());
        Ok(r)
    }

    /// The events written so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// The projection's facts of `employee` (cached for the transaction).
    fn stored_facts(&mut self, c: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<Option<EmployeeFacts>> {
        if let Some(f) = self.facts.get(&employee) {
            return Ok(*f);
        }
        let f = repo::employee(c, employee)?;
        self.facts.insert(employee, f);
        Ok(f)
    }

    /// [`facts_of`] through the cache.
    fn facts_of(&mut self, c: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<EmployeeFacts> {
        Ok(self.stored_facts(c, employee)?.unwrap_or(EmployeeFacts {
            tz: chrono_tz::UTC,
            hire_date: None,
            termination_date: None,
        }))
    }

    fn save_facts(&mut self, c: &mut DbConnection, employee: EmployeeId, facts: EmployeeFacts) -> anyhow::Result<()> {
        repo::save_employee(c, employee, &facts, self.now)?;
        self.facts.insert(employee, Some(facts));
        Ok(())
    }

    /// Applies `fresh` (events not applied before: see [`Engine::claim`]) in
    /// order, then re-evaluates what they touched: each employee once, on
    /// what the whole batch left, with the reads of all employees batched.
    /// Every scope is evaluated on the final data, so the findings are those
    /// event-by-event application would leave (a finding both raised and
    /// cleared inside one batch is never recorded).
    fn apply_all(&mut self, c: &mut DbConnection, fresh: &[(&SubscribedEvent, EmployeeId)]) -> anyhow::Result<Counts> {
        // Per employee, in first-seen order: its changes, and whether its facts changed.
        let mut touched: Vec<(EmployeeId, Vec<rules::Change>, bool)> = Vec::new();
        for (ev, employee) in fresh {
            let applied = self.apply(c, ev, *employee)?;
            let at = match touched.iter().position(|t| t.0 == *employee) {
                Some(i) => i,
                None => {
                    touched.push((*employee, Vec::new(), false));
                    touched.len() - 1
                }
            };
            match applied {
                Applied::Nothing => {}
                Applied::Changes(changes) => touched[at].1.extend(changes),
                Applied::Everything => touched[at].2 = true,
            }
        }
        self.flush(c)?;
        let changed: Vec<(EmployeeId, Vec<rules::Change>)> = touched
            .iter()
            .filter(|t| !t.1.is_empty())
            .map(|t| (t.0, t.1.clone()))
            .collect();
        let mut counts = self.evaluate_changes(c, &changed)?;
        // New facts (zone, employment dates): the whole history as well.
        for (employee, _, everything) in &touched {
            if *everything {
                let facts = self.facts_of(c, *employee)?;
                let scopes = full_scopes(c, *employee, facts.tz)?;
                counts.add(self.evaluate(c, *employee, &scopes)?);
            }
        }
        Ok(counts)
    }

    /// Writes the record versions applied so far.
    pub fn flush(&mut self, c: &mut DbConnection) -> anyhow::Result<()> {
        repo::save_records(c, &self.unsaved)?;
        self.unsaved.clear();
        Ok(())
    }

    /// Re-evaluates what `changes` touch, per employee, with one load for
    /// all: the records around the changes (their scopes without neighbours)
    /// give each interval's neighbours, hence the exact scopes; only a scope
    /// reaching past what was loaded (a long gap for weekly rest) loads again.
    fn evaluate_changes(
        &mut self,
        c: &mut DbConnection,
        changes: &[(EmployeeId, Vec<rules::Change>)],
    ) -> anyhow::Result<Counts> {
        let mut rough = Vec::with_capacity(changes.len());
        for (employee, list) in changes {
            let facts = self.facts_of(c, *employee)?;
            let scopes = dedup_scopes(
                list.iter()
                    .flat_map(|ch| rules::affected_scopes(facts.tz, *ch, rules::Neighbours::default()))
                    .collect(),
            );
            rough.push((*employee, facts, scopes));
        }
        let wants: Vec<(EmployeeId, EmployeeFacts, &[RuleScope])> =
            rough.iter().map(|(e, f, s)| (*e, *f, s.as_slice())).collect();
        let mut loaded = self.load_all(c, &wants)?;
        let cfg = self.cfg;
        let pack = &cfg.pack;
        let mut exact = Vec::with_capacity(changes.len());
        let mut again = Vec::new();
        for (i, ((_, list), l)) in changes.iter().zip(&loaded).enumerate() {
            let tz = l.facts.tz;
            let merged = rules::merge(&l.intervals);
            let scopes = dedup_scopes(
                list.iter()
                    .flat_map(|ch| {
                        let around = match ch {
                            rules::Change::Interval(iv) => rules::neighbours(&merged, *iv),
                            _ => rules::Neighbours::default(),
                        };
                        rules::affected_scopes(tz, *ch, around)
                    })
                    .collect(),
            );
            let covered = match (rules::data_range(pack, tz, &rough[i].2), rules::data_range(pack, tz, &scopes)) {
                (Some(have), Some(need)) => need.0 >= have.0 && need.1 <= have.1,
                _ => true,
            };
            if !covered {
                again.push(i);
            }
            exact.push(scopes);
        }
        if !again.is_empty() {
            let wants: Vec<(EmployeeId, EmployeeFacts, &[RuleScope])> =
                again.iter().map(|i| (loaded[*i].employee, loaded[*i].facts, exact[*i].as_slice())).collect();
            for (i, l) in again.iter().zip(self.load_all(c, &wants)?) {
                loaded[*i] = l;
            }
        }
        let scopes: Vec<&[RuleScope]> = exact.iter().map(Vec::as_slice).collect();
        self.evaluate_loaded(c, &loaded, &scopes)
    }

    /// Applies `ev` to the projection, returning what changed.
    fn apply(&mut self, c: &mut DbConnection, ev: &SubscribedEvent, employee: EmployeeId) -> anyhow::Result<Applied> {
        match ev.event_type {
            EventType::AttendanceMarked | EventType::AttendanceUpdated => {
                let Some(d) = data::<RecordData>(ev) else {
                    tracing::warn!(event.id = %ev.event_id, "attendance event without a record; skipped");
                    return Ok(Applied::Nothing);
                };
                if self.stored_facts(c, employee)?.is_none() {
                    let tz = d.time_zone.as_deref().and_then(|t| t.parse::<Tz>().ok()).unwrap_or(chrono_tz::UTC);
                    let facts = EmployeeFacts {
                        tz,
                        hire_date: None,
                        termination_date: None,
                    };
                    self.save_facts(c, employee, facts)?;
                }
                let old = self.record_of(c, &d.id)?;
                if old.as_ref().is_some_and(|o| o.version >= d.version) {
                    return Ok(Applied::Nothing);
                }
                let row = repo::RecordRow::new(&d.id, employee, d.version, d.start, d.end, d.voided);
                match self.unsaved.iter_mut().find(|r| r.record_id == d.id) {
                    Some(earlier) => *earlier = row,
                    None => self.unsaved.push(row),
                }
                // What the projection now holds (an open or voided record has no interval).
                let stored = match (d.end, d.voided) {
                    (Some(end), false) => Some(WorkInterval { start: d.start, end }),
                    _ => None,
                };
                let new = stored.filter(|iv| iv.end > iv.start);
                self.records.insert(
                    d.id.clone(),
                    Some(repo::ProjectedRecord {
                        version: d.version,
                        interval: stored,
                    }),
                );
                let mut changes = Vec::new();
                if let Some(iv) = old.and_then(|o| o.interval) {
                    changes.push(rules::Change::Interval(iv));
                }
                if let Some(iv) = new {
                    changes.push(rules::Change::Interval(iv));
                }
                Ok(Applied::Changes(changes))
            }
            // A recount carries the request's new days (and status) like an approval.
            EventType::LeaveApproved | EventType::LeaveCancelled | EventType::LeaveRecounted => {
                let Some(d) = data::<LeaveData>(ev) else {
                    tracing::warn!(event.id = %ev.event_id, "leave event without a request; skipped");
                    return Ok(Applied::Nothing);
                };
                if repo::leave_request_version(c, &d.id)?.is_some_and(|v| v >= d.version) {
                    return Ok(Applied::Nothing);
                }
                let kind = self.cfg.leave_kind(&d.leave_type);
                let all: Vec<LeaveDay> = d
                    .dates
                    .iter()
                    .map(|x| LeaveDay {
                        date: x.date,
                        kind,
                        half_days: if x.part == "full" { 2 } else { 1 },
                    })
                    .collect();
                let days: Vec<LeaveDay> = match d.status.as_str() {
                    "approved" => all,
                    // A cancelled request that had started keeps the days taken
                    // (the first ones, up to what it still holds).
                    "cancelled" => {
                        let mut left = (d.held_days * 2.0).round() as i64;
                        all.into_iter()
                            .filter_map(|mut x| {
                                if left <= 0 {
                                    return None;
                                }
                                let take = i64::from(x.half_days).min(left);
                                left -= take;
                                x.half_days = u8::try_from(take).unwrap_or(2);
                                Some(x)
                            })
                            .collect()
                    }
                    _ => Vec::new(),
                };
                let before = repo::leave_days_of(c, &d.id)?;
                repo::save_leave_request(c, &d.id, employee, d.version, &d.status, kind, &days)?;
                let mut dates: Vec<NaiveDate> = before.iter().chain(days.iter()).map(|x| x.date).collect();
                dates.sort();
                dates.dedup();
                Ok(Applied::Changes(dates.into_iter().map(rules::Change::Leave).collect()))
            }
            EventType::LeaveBalanceAdjusted => {
                let Some(d) = data::<LedgerData>(ev) else {
                    tracing::warn!(event.id = %ev.event_id, "ledger event without an entry; skipped");
                    return Ok(Applied::Nothing);
                };
                if d.kind != "grant" || self.cfg.leave_kind(&d.leave_type) != LeaveKind::PaidAnnual {
                    return Ok(Applied::Nothing);
                }
                let half_days = (d.days * 2.0).round() as i32;
                let week = d.working_days_per_week.filter(|w| (1..=7).contains(w)).map(i32::from);
                if !repo::save_grant(c, &d.id, employee, d.leave_year, half_days, week)? {
                    return Ok(Applied::Nothing);
                }
                Ok(Applied::Changes(vec![rules::Change::Entitlement(d.leave_year)]))
            }
            EventType::EmployeeCreated | EventType::EmployeeUpdated | EventType::EmployeeTerminated => {
                let Some(d) = data::<EmployeeData>(ev) else {
                    tracing::warn!(event.id = %ev.event_id, "employee event without a record; skipped");
                    return Ok(Applied::Nothing);
                };
                let facts = EmployeeFacts {
                    tz: d.time_zone.as_deref().and_then(|t| t.parse::<Tz>().ok()).unwrap_or(chrono_tz::UTC),
                    hire_date: d.hire_date,
                    termination_date: d.termination_date,
                };
                let before = self.stored_facts(c, employee)?;
                if before == Some(facts) {
                    return Ok(Applied::Nothing);
                }
                self.save_facts(c, employee, facts)?;
                Ok(if before.is_some() || ev.event_type != EventType::EmployeeCreated {
                    Applied::Everything
                } else {
                    Applied::Nothing
                })
            }
            _ => Ok(Applied::Nothing),
        }
    }

    /// Evaluates `scopes` for `employee` and reconciles the stored findings.
    pub fn evaluate(&mut self, c: &mut DbConnection, employee: EmployeeId, scopes: &[RuleScope]) -> anyhow::Result<Counts> {
        if scopes.is_empty() {
            return Ok(Counts::default());
        }
        let facts = self.facts_of(c, employee)?;
        let loaded = self.load_all(c, &[(employee, facts, scopes)])?;
        self.evaluate_loaded(c, &loaded, &[scopes])
    }

    /// [`load_for`] with the batch's cached opt-outs.
    fn load_all(
        &self,
        c: &mut DbConnection,
        wants: &[(EmployeeId, EmployeeFacts, &[RuleScope])],
    ) -> anyhow::Result<Vec<Loaded>> {
        load_for(c, &self.cfg.pack, &self.opt_outs, wants)
    }

    /// Evaluates each loaded employee's scopes and reconciles the findings.
    fn evaluate_loaded(&mut self, c: &mut DbConnection, loaded: &[Loaded], scopes: &[&[RuleScope]]) -> anyhow::Result<Counts> {
        let found: Vec<Vec<Finding>> = loaded
            .iter()
            .zip(scopes)
            .map(|(l, s)| rules::evaluate(&l.input(), &self.cfg.pack, s, self.now))
            .collect();
        let items: Vec<(EmployeeId, &[RuleScope], &[Finding])> = loaded
            .iter()
            .zip(scopes)
            .zip(&found)
            .map(|((l, s), f)| (l.employee, *s, f.as_slice()))
            .collect();
        self.reconcile(c, &items)
    }

    /// Makes the stored findings of each item's scopes what its `found` says
    /// (one read of the stored findings for all, one insert of the new ones):
    /// new ones are recorded, resolved ones that are true again reopened, ones
    /// no longer found resolved; figures are kept current without an event.
    /// An employee appears in one item at most.
    fn reconcile(
        &mut self,
        c: &mut DbConnection,
        items: &[(EmployeeId, &[RuleScope], &[Finding])],
    ) -> anyhow::Result<Counts> {
        let mut windows = Vec::with_capacity(items.len());
        let mut active = Vec::with_capacity(items.len());
        for (employee, scopes, found) in items {
            let (Some(lo), Some(hi)) = (scopes.iter().map(|s| s.first).min(), scopes.iter().map(|s| s.last).max()) else {
                continue;
            };
            let lo = found.iter().map(|f| window_of(f).0).min().map_or(lo, |d| d.min(lo));
            let hi = found.iter().map(|f| window_of(f).1).max().map_or(hi, |d| d.max(hi));
            windows.push((*employee, lo, hi));
            active.push((*scopes, *found));
        }
        let stored_all = repo::findings_touching_all(c, &windows)?;
        let mut counts = Counts::default();
        let mut new = Vec::new();
        for ((scopes, found), stored) in active.into_iter().zip(stored_all) {
            let mut stored: HashMap<String, StoredFinding> =
                stored.into_iter().map(|f| (f.identity.clone(), f)).collect();
            for f in found {
                let identity = f.identity();
                match stored.remove(&identity) {
                    Some(mut s) => {
                        let reopened = s.status == Status::Resolved;
                        if !reopened && !s.figures_differ(f) {
                            continue;
                        }
                        update_figures(&mut s, f);
                        s.updated_at = self.now;
                        s.version += 1;
                        if reopened {
                            s.status = Status::Open;
                            s.resolved_at = None;
                            counts.detected += 1;
                        }
                        repo::save_finding(c, &s)?;
                        if reopened {
                            self.detected(&s);
                        }
                    }
                    None => {
                        let s = StoredFinding::new(f, self.now);
                        counts.detected += 1;
                        self.detected(&s);
                        new.push(s);
                    }
                }
            }
            for (_, mut s) in stored {
                let in_scope = scopes
                    .iter()
                    .any(|sc| rules::window_in_scope(sc, s.rule, s.window_first, s.window_last));
                if !in_scope || s.status == Status::Resolved {
                    continue;
                }
                s.status = Status::Resolved;
                s.resolved_at = Some(self.now);
                s.updated_at = self.now;
                s.version += 1;
                repo::save_finding(c, &s)?;
                counts.resolved += 1;
                self.events.push(events::finding_changed(self.ctx, &s));
            }
        }
        repo::insert_findings(c, &new)?;
        Ok(counts)
    }

    fn detected(&mut self, s: &StoredFinding) {
        self.events.push(events::finding_changed(self.ctx, s));
        if let (FindingKind::Violation, Some(to)) = (s.kind, &self.cfg.notify_email) {
            self.events.push(events::notify_hr(self.ctx, to, s));
        }
        // Much annual leave unused late in the year: the employee is told, in
        // the same transaction as the alert (the employer's proof, C-684/16).
        if s.rule == RuleId::AnnualLeave && s.kind == FindingKind::Alert {
            if let Some(contact) = self.contact_of(s.employee_id) {
                self.events.push(events::notify_unused_leave(self.ctx, &contact, s));
            }
        }
    }

    /// The employee's contact, when it was fetched for this transaction.
    fn contact_of(&self, employee: EmployeeId) -> Option<Contact> {
        self.contacts.get(&employee).cloned()
    }
}

fn window_of(f: &Finding) -> (NaiveDate, NaiveDate) {
    let Window::Dates { first, last } = f.window;
    (first, last)
}

fn update_figures(s: &mut StoredFinding, f: &Finding) {
    s.measured = f.measured;
    s.limit = f.limit;
    s.span = f.span;
    s.severity = f.severity;
    s.reference = f.reference.to_owned();
}

fn system_ctx(correlation_id: String) -> EventContext {
    EventContext {
        correlation_id,
        actor_id: Some(SYSTEM.to_owned()),
        traceparent: None,
    }
}

// ---------------------------------------------------------------- input

impl Handler<Deliver> for ComplianceActor {
    type Result = Result<(), String>;

    /// One batch, one transaction (see the module note).
    fn handle(&mut self, msg: Deliver, _: &mut Self::Context) -> Self::Result {
        let mut batch: Vec<(&SubscribedEvent, EmployeeId)> = Vec::with_capacity(msg.events.len());
        for ev in &msg.events {
            match employee_of(ev) {
                Some(e) => batch.push((ev, e)),
                None => tracing::warn!(event.id = %ev.event_id, "input event without an employee id; skipped"),
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let mut locks: Vec<EmployeeId> = batch.iter().map(|(_, e)| *e).collect();
        locks.sort();
        locks.dedup();
        let ctx = system_ctx(
            batch[0]
                .0
                .payload
                .get("correlation_id")
                .and_then(|v| v.as_str())
                .map_or_else(|| format!("event-{}", batch[0].0.event_id), str::to_owned),
        );
        // Only leave and employee events can raise an annual-leave alert.
        let notify: Vec<EmployeeId> = {
            let mut v: Vec<EmployeeId> = batch
                .iter()
                .filter(|(ev, _)| ev.event_type.family() != crate::events::Family::Attendance)
                .map(|(_, e)| *e)
                .collect();
            v.sort();
            v.dedup();
            v
        };
        let contacts = self.contacts_of(&notify);
        let started = std::time::Instant::now();
        let result = (|| -> Result<usize, ComplianceFailure> {
            let mut conn = self.conn()?;
            self.outbox.commit(&mut conn, &ctx, |c| {
                repo::lock_employees(c, &locks)?;
                let mut engine = self.engine(&ctx, clock::now(), contacts.clone());
                let fresh = engine.claim(c, &batch)?;
                engine.prefetch(c, &fresh)?;
                engine.apply_all(c, &fresh)?;
                Ok::<_, ComplianceFailure>((fresh.len(), engine.take_events()))
            })
        })();
        match result {
            Ok(applied) => {
                tracing::debug!(
                    events = batch.len(),
                    applied,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "compliance inputs applied"
                );
                Ok(())
            }
            Err(e) => {
                tracing::warn!(events = batch.len(), error = %e, "applying compliance inputs failed; the batch is retried");
                Err(format!("compliance inputs: {e}"))
            }
        }
    }
}

// ---------------------------------------------------------------- checks

/// Runs a check over `input` (on demand, or periodic by [`SYSTEM`]).
#[derive(Debug, Message)]
#[rtype(result = "Result<CheckRecord, ComplianceFailure>")]
pub struct RunCheck {
    /// Event context.
    pub ctx: EventContext,
    /// The account that asked, or [`SYSTEM`].
    pub by: String,
    /// `on_demand` or `periodic`.
    pub trigger: &'static str,
    /// Period and employee.
    pub input: CheckInput,
}

impl Handler<RunCheck> for ComplianceActor {
    type Result = Result<CheckRecord, ComplianceFailure>;

    fn handle(&mut self, msg: RunCheck, _: &mut Self::Context) -> Self::Result {
        let started_at = clock::now();
        let mut conn = self.conn()?;
        let employees = match msg.input.employee_id {
            Some(e) => vec![e],
            None => repo::known_employees(&mut conn)?,
        };
        let scopes = rules::all_scopes(msg.input.from, msg.input.to);
        let contacts = self.contacts_of(&employees);
        let mut totals = Counts::default();
        for e in &employees {
            let counts = self.outbox.commit(&mut conn, &msg.ctx, |c| {
                repo::lock_employee(c, *e)?;
                let mut engine = self.engine(&msg.ctx, started_at, contacts.get(e).map(|c| HashMap::from([(*e, c.clone())])).unwrap_or_default());
                let counts = engine.evaluate(c, *e, &scopes)?;
                Ok::<_, ComplianceFailure>((counts, engine.take_events()))
            })?;
            totals.add(counts);
        }
        let open = repo::count_unresolved(&mut conn, msg.input.employee_id, msg.input.from, msg.input.to)?;
        let record = CheckRecord {
            id: CheckId::generate(),
            employee_id: msg.input.employee_id,
            from: msg.input.from,
            to: msg.input.to,
            trigger: msg.trigger.to_owned(),
            requested_by: msg.by,
            employees: i32::try_from(employees.len()).unwrap_or(i32::MAX),
            detected: totals.detected,
            resolved: totals.resolved,
            open: i32::try_from(open).unwrap_or(i32::MAX),
            started_at,
            completed_at: clock::now(),
        };
        self.outbox.commit(&mut conn, &msg.ctx, |c| {
            repo::insert_check(c, &record)?;
            Ok::<_, ComplianceFailure>(((), events::check_completed(&msg.ctx, &record)))
        })?;
        tracing::info!(
            check.id = %record.id,
            trigger = msg.trigger,
            employees = record.employees,
            detected = record.detected,
            resolved = record.resolved,
            elapsed_ms = (record.completed_at - started_at).num_milliseconds(),
            "compliance check completed"
        );
        Ok(record)
    }
}

/// A stored check.
#[derive(Debug, Message)]
#[rtype(result = "Result<Option<CheckRecord>, ComplianceFailure>")]
pub struct GetCheck {
    /// Its id.
    pub id: CheckId,
}

impl Handler<GetCheck> for ComplianceActor {
    type Result = Result<Option<CheckRecord>, ComplianceFailure>;

    fn handle(&mut self, msg: GetCheck, _: &mut Self::Context) -> Self::Result {
        Ok(repo::check(&mut *self.conn()?, msg.id)?)
    }
}

/// Starts periodic checks every `every` (a plain actor on the system arbiter
/// that asks the sync actor).
pub struct Scheduler {
    /// Where checks run.
    pub checks: Recipient<RunCheck>,
    /// Interval.
    pub every: std::time::Duration,
    /// Days back each check covers.
    pub lookback_days: i64,
}

impl Actor for Scheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let lookback = self.lookback_days;
        ctx.run_interval(self.every, move |this, _| {
            let today = clock::today();
            let input = CheckInput {
                from: today - Duration::days(lookback),
                to: today + Duration::days(1),
                employee_id: None,
            };
            this.checks.do_send(RunCheck {
                ctx: system_ctx(format!("periodic-check-{}", uuid::Uuid::now_v7())),
                by: SYSTEM.to_owned(),
                trigger: "periodic",
                input,
            });
        });
    }
}

// ---------------------------------------------------------------- findings

/// One stored finding.
#[derive(Debug, Message)]
#[rtype(result = "Result<Option<StoredFinding>, ComplianceFailure>")]
pub struct GetFinding {
    /// Its id.
    pub id: ViolationId,
}

impl Handler<GetFinding> for ComplianceActor {
    type Result = Result<Option<StoredFinding>, ComplianceFailure>;

    fn handle(&mut self, msg: GetFinding, _: &mut Self::Context) -> Self::Result {
        Ok(repo::finding(&mut *self.conn()?, msg.id)?)
    }
}

/// A page of findings.
#[derive(Debug, Message)]
#[rtype(result = "Result<(Vec<StoredFinding>, i64), ComplianceFailure>")]
pub struct ListFindings {
    /// Filters (visibility applied).
    pub filter: FindingFilter,
    /// Window.
    pub page: Page,
}

impl Handler<ListFindings> for ComplianceActor {
    type Result = Result<(Vec<StoredFinding>, i64), ComplianceFailure>;

    fn handle(&mut self, msg: ListFindings, _: &mut Self::Context) -> Self::Result {
        Ok(repo::list_findings(&mut *self.conn()?, &msg.filter, msg.page)?)
    }
}

/// HR acknowledges a finding with a note.
#[derive(Debug, Message)]
#[rtype(result = "Result<StoredFinding, ComplianceFailure>")]
pub struct Acknowledge {
    /// Event context.
    pub ctx: EventContext,
    /// Caller.
    pub by: Principal,
    /// The finding.
    pub id: ViolationId,
    /// Validated note.
    pub note: String,
}

impl Handler<Acknowledge> for ComplianceActor {
    type Result = Result<StoredFinding, ComplianceFailure>;

    fn handle(&mut self, msg: Acknowledge, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let f = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let mut f = repo::finding(c, msg.id)?.ok_or(ComplianceFailure::ViolationNotFound)?;
            repo::lock_employee(c, f.employee_id)?;
            match f.status {
                Status::Resolved => return Err(ComplianceFailure::Resolved),
                Status::Acknowledged => return Err(ComplianceFailure::AlreadyAcknowledged),
                Status::Open => {}
            }
            let now = clock::now();
            f.status = Status::Acknowledged;
            f.acknowledged_by = Some(msg.by.user_id.to_string());
            f.acknowledged_at = Some(now);
            f.note = Some(msg.note.clone());
            f.updated_at = now;
            f.version += 1;
            repo::save_finding(c, &f)?;
            let ev = events::acknowledged(&msg.ctx, &f);
            Ok((f, vec![ev]))
        })?;
        tracing::info!(violation.id = %f.id, employee.id = %f.employee_id, "compliance finding acknowledged");
        Ok(f)
    }
}

// ---------------------------------------------------------------- opt-outs

/// Records an opt-out from the weekly limit.
#[derive(Debug, Message)]
#[rtype(result = "Result<OptOutRecord, ComplianceFailure>")]
pub struct CreateOptOut {
    /// Event context.
    pub ctx: EventContext,
    /// Caller.
    pub by: Principal,
    /// Validated input.
    pub input: NewOptOut,
    /// The employee's zone (from the employee module).
    pub tz: Tz,
}

impl Handler<CreateOptOut> for ComplianceActor {
    type Result = Result<OptOutRecord, ComplianceFailure>;

    fn handle(&mut self, msg: CreateOptOut, _: &mut Self::Context) -> Self::Result {
        let now = clock::now();
        let today = rules::local_date(msg.tz, now);
        let signed_on = msg.input.signed_on.unwrap_or(today);
        if signed_on > today {
            return Err(ComplianceFailure::FutureDate("signed_on"));
        }
        let employee = msg.input.employee_id;
        let mut conn = self.conn()?;
        let o = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            repo::lock_employee(c, employee)?;
            let existing = repo::opt_outs_of(c, employee)?;
            if existing.iter().any(|o| o.last_day.is_none_or(|l| l >= signed_on)) {
                return Err(ComplianceFailure::OptOutInForce);
            }
            let o = OptOutRecord {
                id: OptOutId::generate(),
                employee_id: employee,
                signed_on,
                withdrawn_on: None,
                notice_days: None,
                last_day: None,
                recorded_by: msg.by.user_id.to_string(),
                recorded_at: now,
                withdrawn_by: None,
                withdrawn_at: None,
            };
            repo::insert_opt_out(c, &o)?;
            let mut engine = self.engine(&msg.ctx, now, HashMap::new());
            let scopes = rules::affected_scopes(msg.tz, rules::Change::OptOut {
                    first: signed_on,
                    last: today.max(signed_on),
                }, rules::Neighbours::default());
            engine.evaluate(c, employee, &scopes)?;
            let mut evs = vec![events::opt_out_changed(&msg.ctx, "compliance.opt_out", &o)];
            evs.extend(engine.take_events());
            Ok((o, evs))
        })?;
        tracing::info!(opt_out.id = %o.id, employee.id = %employee, "opt-out recorded");
        Ok(o)
    }
}

/// Records the withdrawal of an opt-out.
#[derive(Debug, Message)]
#[rtype(result = "Result<OptOutRecord, ComplianceFailure>")]
pub struct WithdrawOptOut {
    /// Event context.
    pub ctx: EventContext,
    /// Caller.
    pub by: Principal,
    /// The opt-out.
    pub id: OptOutId,
    /// Validated withdrawal.
    pub input: Withdrawal,
    /// The employee's zone (from the employee module).
    pub tz: Tz,
}

impl Handler<WithdrawOptOut> for ComplianceActor {
    type Result = Result<OptOutRecord, ComplianceFailure>;

    fn handle(&mut self, msg: WithdrawOptOut, _: &mut Self::Context) -> Self::Result {
        let now = clock::now();
        let today = rules::local_date(msg.tz, now);
        let withdrawn_on = msg.input.withdrawn_on.unwrap_or(today);
        if withdrawn_on > today {
            return Err(ComplianceFailure::FutureDate("withdrawn_on"));
        }
        let mut conn = self.conn()?;
        let o = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let mut o = repo::opt_out(c, msg.id)?.ok_or(ComplianceFailure::OptOutNotFound)?;
            repo::lock_employee(c, o.employee_id)?;
            if o.withdrawn_on.is_some() {
                return Err(ComplianceFailure::OptOutWithdrawn);
            }
            if withdrawn_on < o.signed_on {
                return Err(ComplianceFailure::WithdrawnBeforeSigned);
            }
            let last_day = OptOut::last_day_after_notice(withdrawn_on, msg.input.notice_days);
            o.withdrawn_on = Some(withdrawn_on);
            o.notice_days = Some(msg.input.notice_days);
            o.last_day = Some(if msg.input.notice_days == 0 {
                withdrawn_on - Duration::days(1)
            } else {
                last_day
            });
            o.withdrawn_by = Some(msg.by.user_id.to_string());
            o.withdrawn_at = Some(now);
            repo::save_opt_out(c, &o)?;
            let first = o.last_day.unwrap_or(withdrawn_on) + Duration::days(1);
            let mut engine = self.engine(&msg.ctx, now, HashMap::new());
            let scopes = rules::affected_scopes(msg.tz, rules::Change::OptOut {
                    first,
                    last: today.max(first),
                }, rules::Neighbours::default());
            engine.evaluate(c, o.employee_id, &scopes)?;
            let mut evs = vec![events::opt_out_changed(&msg.ctx, "compliance.withdraw_opt_out", &o)];
            evs.extend(engine.take_events());
            Ok((o, evs))
        })?;
        tracing::info!(opt_out.id = %o.id, employee.id = %o.employee_id, "opt-out withdrawn");
        Ok(o)
    }
}

/// One opt-out.
#[derive(Debug, Message)]
#[rtype(result = "Result<Option<OptOutRecord>, ComplianceFailure>")]
pub struct GetOptOut {
    /// Its id.
    pub id: OptOutId,
}

impl Handler<GetOptOut> for ComplianceActor {
    type Result = Result<Option<OptOutRecord>, ComplianceFailure>;

    fn handle(&mut self, msg: GetOptOut, _: &mut Self::Context) -> Self::Result {
        Ok(repo::opt_out(&mut *self.conn()?, msg.id)?)
    }
}

/// A page of opt-outs of some employees (`None`: everyone's).
#[derive(Debug, Message)]
#[rtype(result = "Result<(Vec<OptOutRecord>, i64), ComplianceFailure>")]
pub struct ListOptOuts {
    /// Whose.
    pub employees: Option<Vec<EmployeeId>>,
    /// Window.
    pub page: Page,
}

impl Handler<ListOptOuts> for ComplianceActor {
    type Result = Result<(Vec<OptOutRecord>, i64), ComplianceFailure>;

    fn handle(&mut self, msg: ListOptOuts, _: &mut Self::Context) -> Self::Result {
        Ok(repo::list_opt_outs(&mut *self.conn()?, msg.employees.as_deref(), msg.page)?)
    }
}

// ---------------------------------------------------------------- reading

/// The employee module's facts a read needs.
#[derive(Debug, Clone, Copy)]
pub struct Employment {
    /// Zone.
    pub tz: Tz,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// Last day, once terminated.
    pub termination_date: Option<NaiveDate>,
}

impl Employment {
    fn facts(self) -> EmployeeFacts {
        EmployeeFacts {
            tz: self.tz,
            hire_date: Some(self.hire_date),
            termination_date: self.termination_date,
        }
    }
}

/// What-if: the findings planned intervals would add (nothing recorded).
#[derive(Debug, Message)]
#[rtype(result = "Result<Vec<Finding>, ComplianceFailure>")]
pub struct Evaluate {
    /// Whose plan.
    pub employee: EmployeeId,
    /// Their employment.
    pub employment: Employment,
    /// Planned intervals, sorted.
    pub planned: Vec<WorkInterval>,
}

impl Handler<Evaluate> for ComplianceActor {
    type Result = Result<Vec<Finding>, ComplianceFailure>;

    fn handle(&mut self, msg: Evaluate, _: &mut Self::Context) -> Self::Result {
        let facts = msg.employment.facts();
        let (Some(first), Some(last)) = (msg.planned.first(), msg.planned.last()) else {
            return Ok(Vec::new());
        };
        let scopes = rules::all_scopes(
            rules::local_date(facts.tz, first.start) - Duration::days(1),
            rules::local_date(facts.tz, last.end) + Duration::days(1),
        );
        let mut conn = self.conn()?;
        let loaded = load(&mut conn, &self.cfg.pack, msg.employee, facts, &scopes)?;
        Ok(rules::what_if(&loaded.input(), &self.cfg.pack, &msg.planned, clock::now()))
    }
}

/// An employee's working time over a period.
#[derive(Debug, Message)]
#[rtype(result = "Result<WorkingTimeResponse, ComplianceFailure>")]
pub struct WorkingTime {
    /// Whose.
    pub employee: EmployeeId,
    /// Their employment.
    pub employment: Employment,
    /// First local date.
    pub from: NaiveDate,
    /// Last local date.
    pub to: NaiveDate,
}

impl Handler<WorkingTime> for ComplianceActor {
    type Result = Result<WorkingTimeResponse, ComplianceFailure>;

    fn handle(&mut self, msg: WorkingTime, _: &mut Self::Context) -> Self::Result {
        let facts = msg.employment.facts();
        let pack = &self.cfg.pack;
        let limit = pack
            .weekly_average
            .limits
            .iter()
            .max_by_key(|l| l.weeks)
            .cloned();
        let ref_weeks = limit.as_ref().map_or(1, |l| l.weeks.max(1));
        let ref_monday = rules::monday_of(msg.to) - Duration::weeks(i64::from(ref_weeks) - 1);
        let first = msg.from.min(ref_monday);
        let scopes = rules::all_scopes(first, msg.to);
        let mut conn = self.conn()?;
        let loaded = load(&mut conn, pack, msg.employee, facts, &scopes)?;
        Ok(working_time(&loaded, pack, msg.from, msg.to, ref_monday, ref_weeks, limit.map(|l| (l.per_week, l.clip_to_employment))))
    }
}

/// The working-time view (see [`WorkingTimeResponse`]) from loaded records.
fn working_time(
    l: &Loaded,
    pack: &RulePack,
    from: NaiveDate,
    to: NaiveDate,
    ref_monday: NaiveDate,
    ref_weeks: u32,
    limit: Option<(Duration, bool)>,
) -> WorkingTimeResponse {
    let tz = l.facts.tz;
    let input = l.input();
    let merged = rules::merge(&l.intervals);
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        let worked = rules::worked_between(&merged, rules::local_midnight(tz, d), rules::local_midnight(tz, d + Duration::days(1)));
        if worked > Duration::zero() {
            days.push(DayHours {
                date: d,
                worked_seconds: worked.num_seconds(),
            });
        }
        d += Duration::days(1);
    }
    let gaps: Vec<(DateTime<Utc>, Duration)> = merged.windows(2).map(|w| (w[0].end, w[1].start - w[0].end)).collect();
    let mut weeks = Vec::new();
    let mut monday = rules::monday_of(from);
    while monday <= to {
        let ws = rules::local_midnight(tz, monday);
        let we = rules::local_midnight(tz, monday + Duration::days(7));
        let worked = rules::worked_between(&merged, ws, we);
        let total = rules::week_hours(&input, pack, &merged, monday);
        let longest = if worked > Duration::zero() {
            gaps.iter().filter(|(s, _)| *s >= ws && *s < we).map(|(_, g)| g.num_seconds()).max()
        } else {
            None
        };
        let iso = monday.iso_week();
        weeks.push(WeekHours {
            iso_week: format!("{}-W{:02}", iso.year(), iso.week()),
            monday,
            worked_seconds: worked.num_seconds(),
            leave_credit_seconds: (total - worked).num_seconds(),
            longest_rest_seconds: longest,
        });
        monday += Duration::days(7);
    }
    // The running reference period ending with the week of `to`, clipped to employment.
    let start = l.facts.hire_date.map_or(ref_monday, |h| ref_monday.max(rules::monday_of(h)));
    let mut total = Duration::zero();
    let mut counted = 0_i64;
    let mut m = start;
    while m <= to {
        total += rules::week_hours(&input, pack, &merged, m);
        counted += 1;
        m += Duration::days(7);
    }
    // As the rule measures it: over the whole reference period, the weeks
    // before the hire at zero hours, unless the pack measures the weeks
    // employed (uk, WTR reg. 4(4)).
    let (limit, clip_to_employment) = limit.unwrap_or((Duration::hours(48), false));
    let weeks_in_period = if clip_to_employment {
        i64::from(ref_weeks) - ((start - ref_monday).num_days() / 7).clamp(0, i64::from(ref_weeks))
    } else {
        i64::from(ref_weeks)
    };
    let daily_gap = pack.day_gap.min(pack.daily_rest.min);
    let shortest_daily = gaps
        .iter()
        .filter(|(s, g)| *g >= daily_gap && rules::local_date(tz, *s) >= from && rules::local_date(tz, *s) <= to)
        .map(|(_, g)| g.num_seconds())
        .min();
    WorkingTimeResponse {
        employee_id: l.employee,
        time_zone: tz.name().to_owned(),
        from,
        to,
        days,
        shortest_weekly_rest_seconds: weeks.iter().filter_map(|w| w.longest_rest_seconds).min(),
        weeks,
        reference_weeks: ref_weeks,
        average_seconds_per_week: if counted > 0 { total.num_seconds() / counted } else { 0 },
        weekly_limit_seconds: limit.num_seconds(),
        seconds_left_in_reference: (limit * i32::try_from(weeks_in_period.max(1)).unwrap_or(1) - total)
            .num_seconds()
            .max(0),
        shortest_daily_rest_seconds: shortest_daily,
        opted_out: l.opt_outs.iter().any(|o| o.covers(to)),
    }
}

// ---------------------------------------------------------------- start-up and rebuild

/// The meta key of the rule pack in force.
const PACK_KEY: &str = "rule_pack";

/// At start-up: records the rule pack in force, auditing a change since the
/// last start (`compliance.rule_pack_changed`; the first start only records it).
pub fn initialize(db: &Db, outbox: &Outbox, cfg: &ComplianceConfig) -> anyhow::Result<()> {
    let current = serde_json::to_string(&super::model::RulePackResponse::from(&cfg.pack))?;
    let code = super::model::RulePackResponse::from(&cfg.pack).code;
    let mut conn = db.get()?;
    let ctx = system_ctx(format!("startup-{}", uuid::Uuid::now_v7()));
    outbox.commit(&mut conn, &ctx, |c| {
        let stored = repo::meta_get(c, PACK_KEY)?;
        if stored.as_deref() == Some(current.as_str()) {
            return Ok::<_, anyhow::Error>(((), Vec::new()));
        }
        let Some(stored) = stored else {
            // The first start: nothing changed, the pack is only recorded.
            repo::meta_set(c, PACK_KEY, &current)?;
            return Ok(((), Vec::new()));
        };
        let stored = Some(stored);
        let from = stored
            .as_deref()
            .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| v.get("code").and_then(|c| c.as_str()).map(str::to_owned));
        repo::meta_set(c, PACK_KEY, &current)?;
        tracing::info!(rule_pack = code.as_str(), "compliance rule pack in force changed");
        Ok(((), vec![events::rule_pack_changed(&ctx, from.as_deref(), &code)]))
    })
}

/// What `rebuild` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    /// Journal events replayed.
    pub events: usize,
    /// Employees re-evaluated.
    pub employees: usize,
    /// Findings detected and resolved by the re-evaluation.
    pub counts: Counts,
}

/// `hrms compliance rebuild`: empties the projection, replays the journal in
/// order, then re-evaluates every employee's whole history and reconciles the
/// findings (a clean replay yields the findings a live run recorded).
pub fn rebuild(db: &Db, outbox: &Outbox, cfg: &ComplianceConfig) -> anyhow::Result<Rebuilt> {
    let mut conn = db.get()?;
    let now = clock::now();
    let ctx = system_ctx(format!("rebuild-{}", uuid::Uuid::now_v7()));
    crate::db::write_tx(&mut conn, |c| repo::clear_projection(c).map_err(anyhow::Error::from))?;
    let mut out = Rebuilt::default();
    let mut after = 0;
    loop {
        let rows = repo::journal_after(&mut conn, after, 1000)?;
        let Some(last) = rows.last() else { break };
        after = last.seq;
        crate::db::write_tx(&mut conn, |c| {
            let mut engine = Engine::new(cfg, &ctx, now);
            for r in &rows {
                let Some(event_type) = EventType::parse(&r.event_type) else { continue };
                let ev = SubscribedEvent {
                    event_id: r.event_id.parse()?,
                    event_type,
                    aggregate_id: r.employee_id.clone(),
                    payload: serde_json::from_str(&r.payload)?,
                };
                let employee: EmployeeId = r.employee_id.parse()?;
                engine.apply(c, &ev, employee)?;
            }
            engine.flush(c)?;
            Ok::<_, anyhow::Error>(())
        })?;
        out.events += rows.len();
    }
    for e in repo::known_employees(&mut conn)? {
        let counts = outbox.commit(&mut conn, &ctx, |c| {
            repo::lock_employee(c, e)?;
            let facts = facts_of(c, e)?;
            let mut scopes = full_scopes(c, e, facts.tz)?;
            if let Some((first, last)) = repo::finding_span(c, e)? {
                scopes.extend(rules::all_scopes(first, last));
            }
            let mut engine = Engine::new(cfg, &ctx, now);
            let counts = engine.evaluate(c, e, &dedup_scopes(scopes))?;
            Ok::<_, anyhow::Error>((counts, engine.take_events()))
        })?;
        out.employees += 1;
        out.counts.add(counts);
    }
    Ok(out)
}
