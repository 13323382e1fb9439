//! The leave actor: owns the leave tables. Runs on a `SyncArbiter`. Every
//! message carries the caller (`by`) and the employee's facts (asked of the
//! employee module by the handler); the actor decides with [`rules`] inside one
//! transaction that serializes the employee's leave writes (an advisory lock on
//! PostgreSQL, SQLite's single writer), and commits each change with its events
//! through [`Outbox::commit`]. The balance a request is checked against and the
//! balance the API shows are both [`balance::balance`] over the same ledger.

use actix::{Actor, Handler, Message, SyncContext};
use chrono::{DateTime, NaiveDate, Utc};

use super::balance::{self, BalanceInputs, Employment, LedgerEntry};
use super::domain::{LeaveDays, LeaveYear, LeaveYearStart, RequestStatus, RoleExt};
use super::errors::{LeaveError, ModuleError};
use super::model::*;
use super::policy::LeavePolicy;
use super::rules::{self, Decision, ExistingRequest, RequestFacts, RequestSpan};
use super::{events, repository as repo};
use crate::auth::Principal;
use crate::db::{Db, DbConnection};
use crate::events::{EventContext, EventType};
use crate::modules::employee::{EmployeeFacts, EmployeeStatus};
use crate::modules::user::Contact;
use crate::outbox::{Deliver, Outbox, SubscribedEvent};
use crate::shared::{clock, CalendarId, EmployeeId, LeaveRequestId, Page};

/// The subscription name of the leave module's termination listener.
pub const TERMINATIONS: &str = "leave-terminations";

/// The name of the leave module's subscription to new employee records: their
/// grants are recorded at once, so that a year's entitlement is known (and
/// evented, for compliance) without waiting for the employee's first request;
/// and to updates, whose hire-date corrections correct the recorded grants.
pub const HIRES: &str = "leave-hires";

/// The account id written for changes nobody asked for (terminations, grants).
const SYSTEM: &str = "system";

/// The leave module's actor.
pub struct LeaveActor {
    db: Db,
    outbox: Outbox,
    year_start: LeaveYearStart,
    accounting_from: LeaveYear,
    /// The HR mailbox told of requests waiting for HR (`LEAVE_HR_NOTIFY_EMAIL`).
    hr_mailbox: Option<String>,
}

impl Actor for LeaveActor {
    type Context = SyncContext<Self>;
}

/// The employment facts the rules need.
pub fn employment(f: &EmployeeFacts) -> Employment {
    Employment {
        hire_date: f.hire_date,
        termination_date: f.termination_date,
        terminated: f.status == EmployeeStatus::Terminated,
    }
}

/// Today in the employee's time zone.
pub fn local_today(f: &EmployeeFacts) -> NaiveDate {
    clock::now().with_timezone(&f.time_zone.tz()).date_naive()
}

fn existing(reqs: &[LeaveRequest]) -> Vec<ExistingRequest> {
    reqs.iter()
        .map(|r| ExistingRequest {
            leave_type: r.leave_type.clone(),
            status: r.status,
            held_days: r.held.clone(),
            interruptible: false,
        })
        .collect()
}

/// Every leave type by its code.
fn types_by_code(c: &mut DbConnection) -> anyhow::Result<std::collections::HashMap<String, LeaveType>> {
    Ok(repo::all_types(c)?.into_iter().map(|t| (t.policy.code.clone(), t)).collect())
}

/// Why a live request holds other days than before ([`LeaveActor::rehold`]).
#[derive(Debug, Clone, Copy)]
enum Rehold {
    /// The employee's calendar changed.
    CalendarChanged,
    /// A request of a type that interrupts leave (sickness) took some of its days.
    Interrupted(LeaveRequestId),
}

impl Rehold {
    fn name(self) -> &'static str {
        match self {
            Rehold::CalendarChanged => "calendar_changed",
            Rehold::Interrupted(_) => "interrupted",
        }
    }

    fn by(self) -> Option<LeaveRequestId> {
        match self {
            Rehold::CalendarChanged => None,
            Rehold::Interrupted(id) => Some(id),
        }
    }

    fn cancel_reason(self) -> &'static str {
        match self {
            Rehold::CalendarChanged => "no working day left after a calendar change",
            Rehold::Interrupted(_) => "every day taken by leave that interrupts it",
        }
    }

    fn cancel_action(self) -> &'static str {
        match self {
            Rehold::CalendarChanged => "leave.cancel_on_recount",
            Rehold::Interrupted(_) => "leave.cancel_on_interruption",
        }
    }
}

/// The contact of `employee` among `contacts`.
fn contact_of(contacts: &[Contact], employee: Option<EmployeeId>) -> Option<&Contact> {
    contacts.iter().find(|c| Some(c.employee_id) == employee)
}

/// Who acts on a request.
fn who(by: &Principal, facts: &EmployeeFacts) -> rules::Actor {
    rules::Actor {
        role: by.role,
        is_requester: by.employee_id == Some(facts.id),
        is_current_manager: by.employee_id.is_some() && by.employee_id == facts.manager_id,
    }
}

/// What one employee's leave is judged against, loaded inside the transaction.
struct Book {
    policy: LeavePolicy,
    /// Whether new requests may be filed on the type.
    active: bool,
    requests: Vec<LeaveRequest>,
    ledger: Vec<LedgerEntry>,
}

impl LeaveActor {
    /// One instance per SyncArbiter thread.
    pub fn new(
        db: Db,
        outbox: Outbox,
        year_start: LeaveYearStart,
        accounting_from: LeaveYear,
        hr_mailbox: Option<String>,
    ) -> Self {
        Self {
            db,
            outbox,
            year_start,
            accounting_from,
            hr_mailbox,
        }
    }

    fn conn(&self) -> Result<crate::db::PooledConn, ModuleError> {
        self.db.get().map_err(ModuleError::Internal)
    }

    fn inputs<'a>(&self, b: &'a Book, emp: &'a Employment, pending: &'a [super::domain::CountedDay]) -> BalanceInputs<'a> {
        BalanceInputs {
            policy: &b.policy,
            employment: emp,
            year_start: self.year_start,
            ledger: &b.ledger,
            pending,
            accounting_from: self.accounting_from,
        }
    }

    fn book(&self, c: &mut DbConnection, employee: EmployeeId, leave_type: &str) -> Result<Book, ModuleError> {
        let t = repo::find_type(c, leave_type)?.ok_or(ModuleError::UnknownType)?;
        Ok(Book {
            active: t.active,
            policy: t.policy,
            requests: repo::requests_of(c, employee)?,
            ledger: repo::ledger_of(c, employee, leave_type)?,
        })
    }

    /// The system entries (grant, carry-over, expiry) due for the leave years that
    /// have started, so the recorded ledger follows the computed balance; appended
    /// to `b.ledger` and returned for writing.
    fn settle(&self, b: &mut Book, employee: EmployeeId, emp: &Employment, today: NaiveDate, ctx_now: DateTime<Utc>) -> Vec<StoredEntry> {
        if b.policy.allowance.is_none() {
            return Vec::new();
        }
        let first = self.year_start.year_of(emp.hire_date).max(self.accounting_from);
        let current = self.year_start.year_of(today);
        let mut out = Vec::new();
        for y in first.0..=current.0 {
            let due = {
                let inputs = self.inputs(b, emp, &[]);
                balance::due_entries(&inputs, LeaveYear(y), today)
            };
            for entry in due {
                b.ledger.push(entry);
                out.push(StoredEntry {
                    id: repo::new_entry_id(),
                    employee_id: employee,
                    leave_type: b.policy.code.clone(),
                    entry,
                    request_id: None,
                    reason: None,
                    created_by: SYSTEM.to_owned(),
                    created_at: ctx_now,
                });
            }
        }
        out
    }

    /// [`Self::settle`] for every active type with an allowance: the system
    /// entries due for `employee`, not yet written.
    fn settle_all(
        &self,
        c: &mut DbConnection,
        employee: EmployeeId,
        emp: &Employment,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<StoredEntry>, ModuleError> {
        let mut entries = Vec::new();
        let mut ledgers = repo::ledgers_of(c, employee)?;
        for t in repo::all_types(c)? {
            if !t.active || t.policy.allowance.is_none() {
                continue;
            }
            // `settle` reads the policy and the ledger only, not the requests.
            let mut book = Book {
                requests: Vec::new(),
                ledger: ledgers.remove(&t.policy.code).unwrap_or_default(),
                active: t.active,
                policy: t.policy,
            };
            entries.extend(self.settle(&mut book, employee, emp, today, now));
        }
        Ok(entries)
    }

    fn request_entries(
        entries: Vec<LedgerEntry>,
        r: &LeaveRequest,
        by: &str,
        now: DateTime<Utc>,
    ) -> Vec<StoredEntry> {
        entries
            .into_iter()
            .map(|entry| StoredEntry {
                id: repo::new_entry_id(),
                employee_id: r.employee_id,
                leave_type: r.leave_type.clone(),
                entry,
                request_id: Some(r.id),
                reason: None,
                created_by: by.to_owned(),
                created_at: now,
            })
            .collect()
    }

    /// Recounts `employee`'s pending and approved requests on `calendar` from
    /// `from` (today) on, after their calendar changed ([`rules::recount`]):
    /// approved ones get reversal entries for the half days given back and
    /// consumption entries for those added, so the balance follows. Takes the
    /// employee's lock. The number of requests changed and their events.
    fn recount_leave(
        &self,
        c: &mut DbConnection,
        employee: EmployeeId,
        calendar: &super::calendar::WorkCalendar,
        types: &std::collections::HashMap<String, LeaveType>,
        from: NaiveDate,
        ctx: &EventContext,
    ) -> Result<(usize, Vec<crate::events::Event>), ModuleError> {
        repo::lock_employee(c, employee)?;
        let mut requests = repo::requests_of(c, employee)?;
        let now = clock::now();
        let (mut n, mut evs) = (0, Vec::new());
        for i in 0..requests.len() {
            let r = &requests[i];
            let live = matches!(r.status, RequestStatus::Pending | RequestStatus::PendingHr | RequestStatus::Approved);
            let Some(t) = types.get(&r.leave_type).filter(|_| live && r.end_date >= from) else {
                continue;
            };
            let taken: std::collections::BTreeSet<super::domain::Slot> = requests
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .flat_map(|(_, o)| o.held.slots())
                .collect();
            let span = RequestSpan {
                start_date: r.start_date,
                end_date: r.end_date,
                start_part: r.start_part,
                end_part: r.end_part,
            };
            let Some(change) = rules::recount(&span, &r.held, calendar, t.policy.counts_non_working_days, self.year_start, from, &taken) else {
                continue;
            };
            let (r, more) = self.rehold(c, r.clone(), change, Rehold::CalendarChanged, Some(t.policy.approval), ctx, now)?;
            evs.extend(more);
            requests[i] = r;
            n += 1;
        }
        Ok((n, evs))
    }

    /// Writes that live request `r` holds `change.held` now: for an approved one,
    /// reversal entries for the half days given back and consumption entries for
    /// those added; `counted` and `held` become the new days (`LEAVE_RECOUNTED`), or,
    /// when no day is left, the request is cancelled by the system (`LEAVE_CANCELLED`).
    #[allow(clippy::too_many_arguments, reason = "one write, its cause and its context")]
    fn rehold(
        &self,
        c: &mut DbConnection,
        mut r: LeaveRequest,
        change: rules::Recount,
        cause: Rehold,
        route: Option<super::policy::ApprovalRoute>,
        ctx: &EventContext,
        now: DateTime<Utc>,
    ) -> Result<(LeaveRequest, Vec<crate::events::Event>), ModuleError> {
        if r.status == RequestStatus::Approved {
            let mut entries = balance::reversal_entries(&change.given_back.days);
            entries.extend(balance::consumption_entries(&change.added.days));
            repo::append(c, &Self::request_entries(entries, &r, SYSTEM, now))?;
        }
        r.updated_at = now;
        r.version += 1;
        let evs = if change.held.days.is_empty() {
            r.status = RequestStatus::Cancelled;
            r.held = change.held;
            r.cancelled_by = Some(SYSTEM.to_owned());
            r.cancelled_at = Some(now);
            r.cancel_reason = Some(cause.cancel_reason().to_owned());
            events::request_changed(ctx, Some(EventType::LeaveCancelled), &r, route, cause.cancel_action(), Some(&change.given_back))
        } else {
            r.counted = change.held.clone();
            r.held = change.held;
            events::recounted(ctx, &r, route, &change.given_back, &change.added, cause.name(), cause.by())
        };
        repo::save_request(c, &r)?;
        Ok((r, evs))
    }

    /// [`events::balance_adjusted`] for `employee`'s `entries`, their grants with the
    /// working days per week of the employee's calendar (read only for a grant).
    fn adjusted(
        &self,
        c: &mut DbConnection,
        ctx: &EventContext,
        employee: EmployeeId,
        entries: &[StoredEntry],
    ) -> Result<Vec<crate::events::Event>, ModuleError> {
        let week = if entries.iter().any(|e| e.entry.kind == balance::EntryKind::Grant) {
            Some(repo::calendar_in_force(c, employee)?.calendar.working_days_per_week())
        } else {
            None
        };
        Ok(events::balance_adjusted(ctx, entries, week))
    }

    fn route_of(&self, c: &mut DbConnection, code: &str) -> Result<Option<super::policy::ApprovalRoute>, ModuleError> {
        Ok(repo::find_type(c, code)?.map(|t| t.policy.approval))
    }
}

// ---------------------------------------------------------------- start-up

/// Seeds the shipped leave types and the default calendar when there are none,
/// and fixes the first accounted leave year at the first start. Returns it.
pub fn initialize(db: &Db, year_start: LeaveYearStart, accounting_from: i32) -> anyhow::Result<LeaveYear> {
    use anyhow::Context as _;
    if accounting_from != 0 && !(1900..=2200).contains(&accounting_from) {
        anyhow::bail!("LEAVE_ACCOUNTING_FROM (leave.accounting_from) must be 0 or a year from 1900 to 2200, not {accounting_from}");
    }
    let mut conn = db.get().context("leave start-up: no database connection")?;
    let now = clock::now();
    let first = if accounting_from == 0 { year_start.year_of(clock::today()).0 } else { accounting_from };
    let year = crate::db::write_tx(&mut conn, |c| -> anyhow::Result<LeaveYear> {
            let key = "accounting_from";
            repo::set_meta_once(c, key, &first.to_string())?;
            let stored = repo::meta_value(c, key)?.unwrap_or_default();
            let year = stored
                .parse::<i32>()
                .with_context(|| format!("stored leave accounting_from {stored:?}"))?;
            if repo::all_types(c)?.is_empty() {
                for policy in LeavePolicy::defaults() {
                    let name = match policy.code.as_str() {
                        "annual" => "Annual leave",
                        "sick" => "Sick leave",
                        "unpaid" => "Unpaid leave",
                        other => other,
                    }
                    .to_owned();
                    repo::insert_type(
                        c,
                        &LeaveType {
                            name,
                            policy,
                            active: true,
                            created_at: now,
                            updated_at: now,
                        },
                    )
                    .map_err(|e| anyhow::anyhow!("seeding leave types: {e}"))?;
                }
            }
            if repo::default_calendar(c)?.is_none() {
                let input = CalendarInput {
                    name: "Default".to_owned(),
                    working_weekdays: serde_json::from_str(r#"["mon","tue","wed","thu","fri"]"#)?,
                    holidays: Vec::new(),
                    is_default: true,
                };
                let (name, calendar) = input
                    .to_calendar()
                    .map_err(|e| anyhow::anyhow!("default calendar: {e}"))?;
                repo::save_calendar(
                    c,
                    &StoredCalendar {
                        id: CalendarId::generate(),
                        name,
                        input,
                        calendar,
                        created_at: now,
                        updated_at: now,
                    },
                )?;
            }
            Ok(LeaveYear(year))
        })
        .context("leave start-up")?;
    Ok(year)
}

// ---------------------------------------------------------------- types

/// Every leave type.
#[derive(Message)]
#[rtype(result = "Result<Vec<LeaveType>, ModuleError>")]
pub struct ListTypes;

/// One leave type.
#[derive(Message)]
#[rtype(result = "Result<Option<LeaveType>, ModuleError>")]
pub struct GetType {
    /// Its code.
    pub code: String,
}

/// Creates a type (`existing: None`) or replaces one.
#[derive(Message)]
#[rtype(result = "Result<LeaveType, ModuleError>")]
pub struct SaveType {
    /// Request context.
    pub ctx: EventContext,
    /// Whether this replaces the type of that code.
    pub replace: bool,
    /// The name, policy and state.
    pub name: String,
    /// The policy.
    pub policy: LeavePolicy,
    /// Whether it can be requested.
    pub active: bool,
}

impl Handler<ListTypes> for LeaveActor {
    type Result = Result<Vec<LeaveType>, ModuleError>;
    fn handle(&mut self, _: ListTypes, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::all_types(&mut conn)?)
    }
}

impl Handler<GetType> for LeaveActor {
    type Result = Result<Option<LeaveType>, ModuleError>;
    fn handle(&mut self, msg: GetType, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::find_type(&mut conn, &msg.code)?)
    }
}

impl Handler<SaveType> for LeaveActor {
    type Result = Result<LeaveType, ModuleError>;
    fn handle(&mut self, msg: SaveType, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let t = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            let code = msg.policy.code.clone();
            let t = if msg.replace {
                let old = repo::find_type(c, &code)?.ok_or(ModuleError::TypeNotFound)?;
                let t = LeaveType {
                    name: msg.name.clone(),
                    policy: msg.policy.clone(),
                    active: msg.active,
                    created_at: old.created_at,
                    updated_at: now,
                };
                repo::update_type(c, &t)?;
                t
            } else {
                let t = LeaveType {
                    name: msg.name.clone(),
                    policy: msg.policy.clone(),
                    active: msg.active,
                    created_at: now,
                    updated_at: now,
                };
                if repo::find_type(c, &code)?.is_some() {
                    return Err(ModuleError::TypeCodeTaken);
                }
                repo::insert_type(c, &t)?;
                t
            };
            let action = if msg.replace { "leave.update_type" } else { "leave.create_type" };
            Ok::<_, ModuleError>((t, events::configured(&msg.ctx, action, "leave_type", &code)))
        })?;
        tracing::info!(leave.type = %t.policy.code, "leave type saved");
        Ok(t)
    }
}

// ---------------------------------------------------------------- calendars

/// Every calendar.
#[derive(Message)]
#[rtype(result = "Result<Vec<StoredCalendar>, ModuleError>")]
pub struct ListCalendars;

/// One calendar.
#[derive(Message)]
#[rtype(result = "Result<Option<StoredCalendar>, ModuleError>")]
pub struct GetCalendar {
    /// Which.
    pub id: CalendarId,
}

/// Creates (`id: None`) or replaces a calendar.
#[derive(Message)]
#[rtype(result = "Result<StoredCalendar, ModuleError>")]
pub struct SaveCalendar {
    /// Request context.
    pub ctx: EventContext,
    /// The calendar replaced, if any.
    pub id: Option<CalendarId>,
    /// The new content.
    pub input: CalendarInput,
}

/// Assigns a calendar to an employee (`None`: back to the default).
#[derive(Message)]
#[rtype(result = "Result<(StoredCalendar, bool), ModuleError>")]
pub struct AssignCalendar {
    /// Request context.
    pub ctx: EventContext,
    /// Who assigns.
    pub by: Principal,
    /// Whose.
    pub employee: EmployeeId,
    /// Which.
    pub calendar: Option<CalendarId>,
}

/// The calendar in force for an employee, and whether it was assigned.
#[derive(Message)]
#[rtype(result = "Result<(StoredCalendar, bool), ModuleError>")]
pub struct CalendarOf {
    /// Whose.
    pub employee: EmployeeId,
}

impl Handler<ListCalendars> for LeaveActor {
    type Result = Result<Vec<StoredCalendar>, ModuleError>;
    fn handle(&mut self, _: ListCalendars, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::all_calendars(&mut conn)?)
    }
}

impl Handler<GetCalendar> for LeaveActor {
    type Result = Result<Option<StoredCalendar>, ModuleError>;
    fn handle(&mut self, msg: GetCalendar, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::find_calendar(&mut conn, msg.id)?)
    }
}

impl Handler<CalendarOf> for LeaveActor {
    type Result = Result<(StoredCalendar, bool), ModuleError>;
    fn handle(&mut self, msg: CalendarOf, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::calendar_of(&mut conn, msg.employee)?)
    }
}

impl Handler<SaveCalendar> for LeaveActor {
    type Result = Result<StoredCalendar, ModuleError>;
    fn handle(&mut self, msg: SaveCalendar, _: &mut Self::Context) -> Self::Result {
        // Validated as given (at most 7 weekdays), then a weekday named twice is named once.
        msg.input.to_calendar()?;
        let mut input = msg.input.clone();
        input.working_weekdays.sort();
        input.working_weekdays.dedup();
        let (name, calendar) = input.to_calendar()?;
        let mut conn = self.conn()?;
        let saved = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            let old = match msg.id {
                Some(id) => Some(repo::find_calendar(c, id)?.ok_or(ModuleError::CalendarNotFound)?),
                None => None,
            };
            let was_default = old.as_ref().is_some_and(|o| o.input.is_default);
            if was_default && !input.is_default {
                return Err(ModuleError::DefaultCalendarRequired);
            }
            if input.is_default && !was_default {
                repo::clear_default(c)?;
            }
            let saved = StoredCalendar {
                id: msg.id.unwrap_or_else(CalendarId::generate),
                name: name.clone(),
                input: CalendarInput {
                    name: name.clone(),
                    ..input.clone()
                },
                calendar: calendar.clone(),
                created_at: old.as_ref().map_or(now, |o| o.created_at),
                updated_at: now,
            };
            repo::save_calendar(c, &saved)?;
            let action = if old.is_some() { "leave.update_calendar" } else { "leave.create_calendar" };
            let mut evs = events::configured(&msg.ctx, action, "work_calendar", &saved.id.to_string());
            // The leave of everyone whose calendar this is now (its content changed,
            // or it became the default) is recounted from today on, in this transaction.
            let mut recounted = 0;
            let changed = old.as_ref().is_none_or(|o| o.calendar != saved.calendar || o.input.is_default != saved.input.is_default);
            if changed && (old.is_some() || saved.input.is_default) {
                let today = clock::today();
                let types = types_by_code(c)?;
                for employee in repo::employees_with_live_leave_on(c, &saved, today)? {
                    let (n, more) = self.recount_leave(c, employee, &saved.calendar, &types, today, &msg.ctx)?;
                    recounted += n;
                    evs.extend(more);
                }
            }
            Ok::<_, ModuleError>(((saved, recounted), evs))
        })?;
        let (saved, recounted) = saved;
        tracing::info!(leave.calendar = %saved.id, leave.recounted = recounted, "work calendar saved");
        Ok(saved)
    }
}

impl Handler<AssignCalendar> for LeaveActor {
    type Result = Result<(StoredCalendar, bool), ModuleError>;
    fn handle(&mut self, msg: AssignCalendar, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let out = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            if let Some(id) = msg.calendar {
                repo::find_calendar(c, id)?.ok_or(ModuleError::UnknownCalendar)?;
            }
            repo::lock_employee(c, msg.employee)?;
            let before = repo::calendar_in_force(c, msg.employee)?;
            repo::assign_calendar(c, msg.employee, msg.calendar, &msg.by.user_id.to_string(), clock::now())?;
            let out = repo::calendar_of(c, msg.employee)?;
            let mut evs = events::configured(&msg.ctx, "leave.assign_calendar", "employee", &msg.employee.to_string());
            if before.calendar != out.0.calendar {
                // Their leave from today on counts on the new calendar.
                let types = types_by_code(c)?;
                let (_, more) = self.recount_leave(c, msg.employee, &out.0.calendar, &types, clock::today(), &msg.ctx)?;
                evs.extend(more);
            }
            Ok::<_, ModuleError>((out, evs))
        })?;
        tracing::info!(employee.id = %msg.employee, leave.calendar = %out.0.id, "work calendar assigned");
        Ok(out)
    }
}

// ---------------------------------------------------------------- requests

/// Files a request, or (with `preview`) only evaluates it.
#[derive(Message)]
#[rtype(result = "Result<Filed, ModuleError>")]
pub struct FileRequest {
    /// Request context.
    pub ctx: EventContext,
    /// Who files.
    pub by: Principal,
    /// Whose leave.
    pub facts: EmployeeFacts,
    /// The request.
    pub input: RequestInput,
    /// Evaluate only, write nothing.
    pub preview: bool,
    /// E-mail contacts of the employee and their manager (notifications).
    pub contacts: Vec<Contact>,
}

/// The outcome of filing.
#[derive(Debug)]
pub enum Filed {
    /// Created (with its type's route).
    Created(Box<LeaveRequest>, super::policy::ApprovalRoute),
    /// The preview.
    Preview(PreviewResponse),
}

fn clean_note(note: Option<&str>) -> Result<Option<String>, ModuleError> {
    let Some(n) = note.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if n.chars().count() > NOTE_MAX {
        return Err(ModuleError::NoteTooLong);
    }
    if !crate::shared::text::is_displayable_text(n) {
        return Err(super::errors::LeaveError::InvalidText.into());
    }
    Ok(Some(n.to_owned()))
}

impl Handler<FileRequest> for LeaveActor {
    type Result = Result<Filed, ModuleError>;

    fn handle(&mut self, msg: FileRequest, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let today = local_today(&msg.facts);
        let employee = msg.facts.id;
        let input = &msg.input;
        let span = RequestSpan::new(input.start_date, input.end_date, input.start_part.part(), input.end_part.part())?;
        let note = clean_note(input.note.as_deref())?;
        let filed_by_hr = msg.by.role.is_hr() && msg.by.employee_id != Some(employee);
        let mut conn = self.conn()?;
        // The type is read once: an inactive one takes no new requests.
        #[allow(clippy::type_complexity, reason = "local to this handler")]
        let evaluate = |c: &mut DbConnection| -> Result<(Book, Result<rules::Evaluation, LeaveError>, Vec<ExistingRequest>), ModuleError> {
            let book = self.book(c, employee, &input.leave_type)?;
            if !book.active {
                return Err(ModuleError::UnknownType);
            }
            let cal = repo::calendar_in_force(c, employee)?;
            let mut ex = existing(&book.requests);
            if book.policy.interrupts_leave {
                // Sickness may take days of leave with a balance (the days go back to it).
                let with_balance: std::collections::HashSet<String> = repo::all_types(c)?
                    .into_iter()
                    .filter(|t| t.policy.allowance.is_some())
                    .map(|t| t.policy.code)
                    .collect();
                for r in &mut ex {
                    r.interruptible = with_balance.contains(&r.leave_type);
                }
            }
            let facts = RequestFacts {
                policy: &book.policy,
                calendar: &cal.calendar,
                year_start: self.year_start,
                today,
                filed_by_hr,
                employment: &emp,
                existing: &ex,
                ledger: &book.ledger,
                accounting_from: self.accounting_from,
            };
            let ev = rules::evaluate_request(&span, &facts);
            Ok((book, ev, ex))
        };
        if msg.preview {
            let (book, ev, _) = evaluate(&mut conn)?;
            let status = rules::initial_status(book.policy.approval);
            // A range without a day that counts is a verdict too: 0 days, refused.
            let preview = match ev {
                Ok(ev) => PreviewResponse::new(&ev.count, &ev.problems, status),
                Err(LeaveError::NoWorkingDays) => PreviewResponse::new(&LeaveDays::default(), &[LeaveError::NoWorkingDays], status),
                Err(e) => return Err(e.into()),
            };
            return Ok(Filed::Preview(preview));
        }
        let (request, route) = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            repo::lock_employee(c, employee)?;
            let (mut book, ev, ex) = evaluate(c)?;
            let ev = ev?;
            let count = ev.verdict()?;
            let now = clock::now();
            let status = rules::initial_status(book.policy.approval);
            let by = msg.by.user_id.to_string();
            let request = LeaveRequest {
                id: LeaveRequestId::generate(),
                employee_id: employee,
                leave_type: book.policy.code.clone(),
                start_date: span.start_date,
                end_date: span.end_date,
                start_part: span.start_part,
                end_part: span.end_part,
                status,
                counted: count.clone(),
                held: count.clone(),
                note: note.clone(),
                filed_by: by.clone(),
                created_at: now,
                updated_at: now,
                manager_approved_by: None,
                decided_by: (status == RequestStatus::Approved).then(|| SYSTEM.to_owned()),
                decided_at: (status == RequestStatus::Approved).then_some(now),
                rejection_reason: None,
                cancelled_by: None,
                cancelled_at: None,
                cancel_reason: None,
                version: 1,
            };
            repo::insert_request(c, &request)?;
            let system = self.settle(&mut book, employee, &emp, today, now);
            repo::append(c, &system)?;
            let mut evs = self.adjusted(c, &msg.ctx, employee, &system)?;
            // Sickness during annual leave: the annual requests give those days back.
            let mut interrupted = Vec::new();
            if book.policy.interrupts_leave {
                for (i, held, given_back) in rules::interrupted(&count, &ex) {
                    let Some(r) = book.requests.get(i).cloned() else {
                        continue;
                    };
                    let route = self.route_of(c, &r.leave_type)?;
                    let change = rules::Recount {
                        held,
                        given_back,
                        added: LeaveDays::default(),
                    };
                    let (_, more) = self.rehold(c, r, change, Rehold::Interrupted(request.id), route, &msg.ctx, now)?;
                    interrupted.extend(more);
                }
            }
            evs.extend(events::request_changed(
                &msg.ctx,
                Some(EventType::LeaveRequested),
                &request,
                Some(book.policy.approval),
                "leave.request",
                None,
            ));
            // The manager hears of a request waiting for them, and of leave that
            // needs no approval (sick leave is reported, not asked for).
            let manager = contact_of(&msg.contacts, msg.facts.manager_id);
            let waits_for_manager = status == RequestStatus::Pending
                && matches!(book.policy.approval, super::policy::ApprovalRoute::Manager | super::policy::ApprovalRoute::ManagerThenHr);
            if let (Some(to), true) = (manager, waits_for_manager) {
                evs.push(events::notify(&msg.ctx, "leave_requested", to, &request));
            }
            if let (Some(to), RequestStatus::Approved) = (manager, status) {
                evs.push(events::notify(&msg.ctx, "leave_reported", to, &request));
            }
            // HR's mailbox hears of a request only HR can decide: the hr route,
            // or a manager route for an employee without a manager.
            let waits_for_hr = status == RequestStatus::Pending
                && (matches!(book.policy.approval, super::policy::ApprovalRoute::Hr | super::policy::ApprovalRoute::None)
                    || msg.facts.manager_id.is_none());
            if let (Some(to), true) = (&self.hr_mailbox, waits_for_hr) {
                evs.push(events::notify_mailbox(&msg.ctx, "leave_awaiting_hr", to, &request));
            }
            if status == RequestStatus::Approved {
                let used = Self::request_entries(balance::consumption_entries(&count.days), &request, SYSTEM, now);
                repo::append(c, &used)?;
                evs.extend(events::request_changed(
                    &msg.ctx,
                    Some(EventType::LeaveApproved),
                    &request,
                    Some(book.policy.approval),
                    "leave.approve",
                    None,
                ));
            }
            evs.extend(interrupted);
            Ok::<_, ModuleError>(((request, book.policy.approval), evs))
        })?;
        tracing::info!(leave.request = %request.id, employee.id = %employee, leave.units = request.counted.total().units(), "leave requested");
        Ok(Filed::Created(Box::new(request), route))
    }
}

/// One request (the handler checks visibility).
#[derive(Message)]
#[rtype(result = "Result<Option<(LeaveRequest, Option<super::policy::ApprovalRoute>)>, ModuleError>")]
pub struct GetRequest {
    /// Which.
    pub id: LeaveRequestId,
}

impl Handler<GetRequest> for LeaveActor {
    type Result = Result<Option<(LeaveRequest, Option<super::policy::ApprovalRoute>)>, ModuleError>;
    fn handle(&mut self, msg: GetRequest, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let Some(r) = repo::find_request(&mut conn, msg.id)? else {
            return Ok(None);
        };
        let route = self.route_of(&mut conn, &r.leave_type)?;
        Ok(Some((r, route)))
    }
}

/// Whose request this is (`None`: no such request): what a decision asks
/// before the employee's facts, without the rest of the request.
#[derive(Message)]
#[rtype(result = "Result<Option<EmployeeId>, ModuleError>")]
pub struct OwnerOf {
    /// Which.
    pub id: LeaveRequestId,
}

impl Handler<OwnerOf> for LeaveActor {
    type Result = Result<Option<EmployeeId>, ModuleError>;
    fn handle(&mut self, msg: OwnerOf, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::owner_of(&mut conn, msg.id)?)
    }
}

/// A page of requests.
#[derive(Message)]
#[rtype(result = "Result<(Vec<(LeaveRequest, Option<super::policy::ApprovalRoute>)>, i64), ModuleError>")]
pub struct ListRequests {
    /// Filters (visibility included).
    pub filter: repo::RequestFilter,
    /// The page.
    pub page: Page,
}

impl Handler<ListRequests> for LeaveActor {
    type Result = Result<(Vec<(LeaveRequest, Option<super::policy::ApprovalRoute>)>, i64), ModuleError>;
    fn handle(&mut self, msg: ListRequests, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let (rows, total) = repo::list_requests(&mut conn, &msg.filter, msg.page.limit, msg.page.offset)?;
        let types = repo::all_types(&mut conn)?;
        let route = |code: &str| types.iter().find(|t| t.policy.code == code).map(|t| t.policy.approval);
        Ok((rows.into_iter().map(|r| {
            let rt = route(&r.leave_type);
            (r, rt)
        }).collect(), total))
    }
}

/// A decision or a cancellation on a request.
#[derive(Message)]
#[rtype(result = "Result<(LeaveRequest, Option<super::policy::ApprovalRoute>), ModuleError>")]
pub struct Act {
    /// Request context.
    pub ctx: EventContext,
    /// Who acts.
    pub by: Principal,
    /// The request's employee.
    pub facts: EmployeeFacts,
    /// Which request.
    pub id: LeaveRequestId,
    /// What.
    pub action: Action,
    /// E-mail contacts of the employee and their manager (notifications).
    pub contacts: Vec<Contact>,
}

/// What is done to a request.
#[derive(Debug, Clone)]
pub enum Action {
    /// Approve this step.
    Approve,
    /// Reject, with a reason.
    Reject(String),
    /// Cancel, with an optional reason.
    Cancel(Option<String>),
}

impl Handler<Act> for LeaveActor {
    type Result = Result<(LeaveRequest, Option<super::policy::ApprovalRoute>), ModuleError>;

    fn handle(&mut self, msg: Act, _: &mut Self::Context) -> Self::Result {
        let actor = who(&msg.by, &msg.facts);
        let today = local_today(&msg.facts);
        let emp = employment(&msg.facts);
        let by = msg.by.user_id.to_string();
        // The reason is checked after the request's state and the caller's
        // right to decide: a final request is 409 and one's own request 403,
        // whatever the body says.
        let reason = || -> Result<Option<String>, ModuleError> {
            Ok(match &msg.action {
                Action::Reject(r) => Some(rules::rejection_reason(r)?),
                Action::Cancel(Some(r)) => clean_note(Some(r)).map_err(|e| match e {
                    ModuleError::NoteTooLong => ModuleError::ReasonTooLong,
                    other => other,
                })?,
                _ => None,
            })
        };
        let mut conn = self.conn()?;
        let out = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            repo::lock_employee(c, msg.facts.id)?;
            let mut r = repo::find_request(c, msg.id)?.ok_or(ModuleError::RequestNotFound)?;
            // A decision needs the type's route only; the ledger is read for a
            // cancellation (its settlement).
            let leave_type = repo::find_type(c, &r.leave_type)?.ok_or(ModuleError::UnknownType)?;
            let route = leave_type.policy.approval;
            let now = clock::now();
            let mut evs = Vec::new();
            let (event, audit) = match &msg.action {
                Action::Approve | Action::Reject(_) => {
                    let decision = if matches!(msg.action, Action::Approve) { Decision::Approve } else { Decision::Reject };
                    let next = rules::decide(r.status, route, &actor, decision)?;
                    let reason = reason()?;
                    let out = match next {
                        RequestStatus::Approved => {
                            let used = Self::request_entries(balance::consumption_entries(&r.held.days), &r, &by, now);
                            repo::append(c, &used)?;
                            r.decided_by = Some(by.clone());
                            r.decided_at = Some(now);
                            (Some(EventType::LeaveApproved), "leave.approve")
                        }
                        RequestStatus::PendingHr => {
                            r.manager_approved_by = Some(by.clone());
                            // The manager's step is done: HR's turn.
                            if let Some(to) = &self.hr_mailbox {
                                evs.push(events::notify_mailbox(&msg.ctx, "leave_awaiting_hr", to, &r));
                            }
                            (None, "leave.approve_step")
                        }
                        _ => {
                            r.held = LeaveDays::default();
                            r.decided_by = Some(by.clone());
                            r.decided_at = Some(now);
                            r.rejection_reason = reason;
                            (Some(EventType::LeaveRejected), "leave.reject")
                        }
                    };
                    r.status = next;
                    out
                }
                Action::Cancel(_) => {
                    let cancellation = rules::cancel(r.status, &r.held, &actor, today)?;
                    let reason = reason()?;
                    let given_back = cancellation.given_back.clone();
                    if r.status == RequestStatus::Approved {
                        let back = Self::request_entries(balance::reversal_entries(&given_back.days), &r, &by, now);
                        repo::append(c, &back)?;
                    }
                    r.status = RequestStatus::Cancelled;
                    r.held = cancellation.retained;
                    r.cancelled_by = Some(by.clone());
                    r.cancelled_at = Some(now);
                    r.cancel_reason = reason;
                    r.updated_at = now;
                    r.version += 1;
                    repo::save_request(c, &r)?;
                    let mut book = Book {
                        requests: Vec::new(),
                        ledger: repo::ledger_of(c, r.employee_id, &r.leave_type)?,
                        active: leave_type.active,
                        policy: leave_type.policy.clone(),
                    };
                    let system = self.settle(&mut book, r.employee_id, &emp, today, now);
                    repo::append(c, &system)?;
                    evs.extend(self.adjusted(c, &msg.ctx, r.employee_id, &system)?);
                    evs.extend(events::request_changed(&msg.ctx, Some(EventType::LeaveCancelled), &r, Some(route), "leave.cancel", Some(&given_back)));
                    if let (Some(to), false) = (contact_of(&msg.contacts, Some(r.employee_id)), actor.is_requester) {
                        evs.push(events::notify(&msg.ctx, "leave_cancelled", to, &r));
                    }
                    return Ok::<_, ModuleError>(((r, Some(route)), evs));
                }
            };
            r.updated_at = now;
            r.version += 1;
            repo::save_request(c, &r)?;
            evs.extend(events::request_changed(&msg.ctx, event, &r, Some(route), audit, None));
            let kind = match r.status {
                RequestStatus::Approved => Some("leave_approved"),
                RequestStatus::Rejected => Some("leave_rejected"),
                _ => None,
            };
            if let (Some(kind), Some(to)) = (kind, contact_of(&msg.contacts, Some(r.employee_id))) {
                evs.push(events::notify(&msg.ctx, kind, to, &r));
            }
            Ok::<_, ModuleError>(((r, Some(route)), evs))
        })?;
        tracing::info!(leave.request = %out.0.id, employee.id = %out.0.employee_id, leave.status = StatusName::of(out.0.status).as_str(), "leave request changed");
        Ok(out)
    }
}

// ---------------------------------------------------------------- balances and ledger

/// Records the grants (and carry-over, expiry) due for one employee in the
/// leave years that have started, with their events; a no-op when the ledger is
/// current. Sent by the periodic walk over all employees, so that a new leave
/// year's grant is on record (and known to compliance) for people who file no
/// leave, and for records that existed before the `leave-hires` subscription.
#[derive(Message)]
#[rtype(result = "Result<usize, ModuleError>")]
pub struct SettleGrants {
    /// Whose.
    pub facts: EmployeeFacts,
}

impl Handler<SettleGrants> for LeaveActor {
    type Result = Result<usize, ModuleError>;

    fn handle(&mut self, msg: SettleGrants, _: &mut Self::Context) -> Self::Result {
        if msg.facts.status == EmployeeStatus::Terminated {
            // Their grants were corrected when the termination arrived.
            return Ok(0);
        }
        let emp = employment(&msg.facts);
        let today = local_today(&msg.facts);
        let employee = msg.facts.id;
        let ctx = EventContext {
            correlation_id: format!("leave-settle-{}", uuid::Uuid::new_v4()),
            actor_id: Some(SYSTEM.to_owned()),
            traceparent: None,
        };
        let mut conn = self.conn()?;
        // A read first: most walks find every ledger current and write nothing.
        if self
            .settle_all(&mut conn, employee, &emp, today, clock::now())?
            .is_empty()
        {
            return Ok(0);
        }
        let written = self.outbox.commit(&mut conn, &ctx, |c| {
            repo::lock_employee(c, employee)?;
            let entries = self.settle_all(c, employee, &emp, today, clock::now())?;
            repo::append(c, &entries)?;
            Ok::<_, ModuleError>((entries.len(), self.adjusted(c, &ctx, employee, &entries)?))
        })?;
        if written > 0 {
            tracing::info!(employee.id = %employee, entries = written, "leave grants recorded by the periodic walk");
        }
        Ok(written)
    }
}

/// An employee's balances of every active type (or one) in a leave year.
#[derive(Message)]
#[rtype(result = "Result<BalancesResponse, ModuleError>")]
pub struct GetBalances {
    /// Whose.
    pub facts: EmployeeFacts,
    /// Leave year; default the one `as_of` falls in.
    pub year: Option<i32>,
    /// As of; default today in the employee's zone.
    pub as_of: Option<NaiveDate>,
    /// Only this type.
    pub leave_type: Option<String>,
}

impl Handler<GetBalances> for LeaveActor {
    type Result = Result<BalancesResponse, ModuleError>;
    fn handle(&mut self, msg: GetBalances, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let as_of = msg.as_of.unwrap_or_else(|| local_today(&msg.facts));
        let year = msg.year.map_or_else(|| self.year_start.year_of(as_of), LeaveYear);
        let mut conn = self.conn()?;
        let c = &mut *conn;
        let types: Vec<LeaveType> = repo::all_types(c)?
            .into_iter()
            .filter(|t| msg.leave_type.as_ref().map_or(t.active, |code| &t.policy.code == code))
            .collect();
        if msg.leave_type.is_some() && types.is_empty() {
            return Err(ModuleError::UnknownType);
        }
        let requests = repo::requests_of(c, msg.facts.id)?;
        let ex = existing(&requests);
        let mut ledgers = repo::ledgers_of(c, msg.facts.id)?;
        let mut balances = Vec::with_capacity(types.len());
        for t in types {
            let ledger = ledgers.remove(&t.policy.code).unwrap_or_default();
            let pending = balance::pending_days(&ex, &t.policy.code);
            let inputs = BalanceInputs {
                policy: &t.policy,
                employment: &emp,
                year_start: self.year_start,
                ledger: &ledger,
                pending: &pending,
                accounting_from: self.accounting_from,
            };
            let b = balance::balance(&inputs, year, as_of);
            balances.push(BalanceItem::new(&t.policy.code, &b));
        }
        Ok(BalancesResponse {
            employee_id: msg.facts.id,
            leave_year: year.0,
            as_of,
            balances,
        })
    }
}

/// A page of an employee's ledger.
#[derive(Message)]
#[rtype(result = "Result<(Vec<StoredEntry>, i64), ModuleError>")]
pub struct GetLedger {
    /// Whose.
    pub employee: EmployeeId,
    /// Only this type.
    pub leave_type: Option<String>,
    /// Only this year.
    pub year: Option<i32>,
    /// The page.
    pub page: Page,
}

impl Handler<GetLedger> for LeaveActor {
    type Result = Result<(Vec<StoredEntry>, i64), ModuleError>;
    fn handle(&mut self, msg: GetLedger, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::ledger_page(
            &mut conn,
            msg.employee,
            msg.leave_type.as_deref(),
            msg.year,
            msg.page.limit,
            msg.page.offset,
        )?)
    }
}

/// An HR adjustment of a balance.
#[derive(Message)]
#[rtype(result = "Result<StoredEntry, ModuleError>")]
pub struct Adjust {
    /// Request context.
    pub ctx: EventContext,
    /// Who adjusts.
    pub by: Principal,
    /// Whose.
    pub facts: EmployeeFacts,
    /// Type code.
    pub leave_type: String,
    /// Year; default the current one.
    pub year: Option<i32>,
    /// Signed change.
    pub units: super::domain::HalfDays,
    /// Why.
    pub reason: String,
}

impl Handler<Adjust> for LeaveActor {
    type Result = Result<StoredEntry, ModuleError>;
    fn handle(&mut self, msg: Adjust, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let today = local_today(&msg.facts);
        let year = msg.year.map_or_else(|| self.year_start.year_of(today), LeaveYear);
        let employee = msg.facts.id;
        let mut conn = self.conn()?;
        let entry = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            repo::lock_employee(c, employee)?;
            let mut book = self.book(c, employee, &msg.leave_type)?;
            if book.policy.allowance.is_none() {
                return Err(ModuleError::NoBalance);
            }
            if year < self.accounting_from {
                return Err(ModuleError::YearNotAccounted(self.accounting_from.0));
            }
            let now = clock::now();
            let mut written = self.settle(&mut book, employee, &emp, today, now);
            let entry = StoredEntry {
                id: repo::new_entry_id(),
                employee_id: employee,
                leave_type: book.policy.code.clone(),
                entry: LedgerEntry {
                    kind: balance::EntryKind::Adjustment,
                    leave_year: year,
                    units: msg.units,
                    effective_date: today,
                },
                request_id: None,
                reason: Some(msg.reason.clone()),
                created_by: msg.by.user_id.to_string(),
                created_at: now,
            };
            written.push(entry.clone());
            repo::append(c, &written)?;
            Ok::<_, ModuleError>((entry, self.adjusted(c, &msg.ctx, employee, &written)?))
        })?;
        tracing::info!(leave.entry = %entry.id, employee.id = %employee, "leave balance adjusted");
        Ok(entry)
    }
}

// ---------------------------------------------------------------- terminations

impl Handler<Deliver> for LeaveActor {
    type Result = Result<(), String>;

    /// One batch, one transaction (one durable commit, not one per event): a
    /// failure of any event rolls the batch back and the relay retries it.
    fn handle(&mut self, msg: Deliver, _: &mut Self::Context) -> Self::Result {
        let Some(first) = msg.events.first() else {
            return Ok(());
        };
        let ctx = system_ctx_of(first);
        let mut done: Vec<(&SubscribedEvent, EmployeeId, usize)> = Vec::new();
        let result = self.conn().and_then(|mut conn| {
            self.outbox.commit(&mut conn, &ctx, |c| {
                let mut evs = Vec::new();
                for event in &msg.events {
                    let applied = match event.event_type {
                        EventType::EmployeeTerminated => self.on_termination(c, event),
                        EventType::EmployeeCreated => self.on_hire(c, event),
                        EventType::EmployeeUpdated => self.on_hire_date_change(c, event),
                        _ => continue,
                    };
                    let (employee, n, more) = applied.map_err(|e| {
                        tracing::warn!(event.id = %event.event_id, event.kind = event.event_type.as_str(), error = %e, "applying an employee event to leave failed");
                        e
                    })?;
                    evs.extend(more);
                    done.push((event, employee, n));
                }
                Ok::<_, ModuleError>(((), evs))
            })
        });
        result.map_err(|e| format!("employee events ({} in the batch): {e}", msg.events.len()))?;
        for (event, employee, n) in done.into_iter().filter(|(_, _, n)| *n > 0) {
            match event.event_type {
                EventType::EmployeeCreated => tracing::info!(employee.id = %employee, event.id = %event.event_id, entries = n, "leave grants recorded for a new employee"),
                EventType::EmployeeUpdated => tracing::info!(employee.id = %employee, event.id = %event.event_id, entries = n, "leave grants corrected: the hire date changed"),
                _ => tracing::info!(employee.id = %employee, event.id = %event.event_id, requests = n, "leave cancelled: the employee was terminated"),
            }
        }
        Ok(())
    }
}

/// What an employee event says of the employment: the employee, the hire date,
/// the termination date (if any), today in the employee's time zone, and the
/// event context of the system's reaction.
struct EmployeeEventFacts {
    employee: EmployeeId,
    hire_date: NaiveDate,
    termination_date: Option<NaiveDate>,
    today: NaiveDate,
    ctx: EventContext,
}

/// The employee an employee event is about (its key).
fn employee_of_event(event: &SubscribedEvent) -> Result<EmployeeId, ModuleError> {
    event
        .aggregate_id
        .parse()
        .map_err(|e| ModuleError::Internal(anyhow::Error::new(e).context("employee id of an employee event")))
}

fn employee_event_facts(event: &SubscribedEvent) -> Result<EmployeeEventFacts, ModuleError> {
    let data = event.payload.get("data").cloned().unwrap_or_default();
    let employee = employee_of_event(event)?;
    let date = |k: &str| data.get(k).and_then(|v| v.as_str()).and_then(|s| s.parse::<NaiveDate>().ok());
    let Some(hire_date) = date("hire_date") else {
        return Err(ModuleError::Internal(anyhow::anyhow!(
            "{} without hire_date",
            event.event_type.as_str()
        )));
    };
    let tz: chrono_tz::Tz = data
        .get("time_zone")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    Ok(EmployeeEventFacts {
        employee,
        hire_date,
        termination_date: date("termination_date"),
        today: clock::now().with_timezone(&tz).date_naive(),
        ctx: system_ctx_of(event),
    })
}

/// The context of the system's reaction to `event`: its correlation id, the
/// system as the actor.
fn system_ctx_of(event: &SubscribedEvent) -> EventContext {
    EventContext {
        correlation_id: event
            .payload
            .get("correlation_id")
            .and_then(|v| v.as_str())
            .map_or_else(|| format!("event-{}", event.event_id), str::to_owned),
        actor_id: Some(SYSTEM.to_owned()),
        traceparent: None,
    }
}

impl LeaveActor {
    /// Records the grants due for a new employee record (every type with an
    /// allowance, each leave year from the hire year, or the first accounted
    /// one, to the current one), with their `LEAVE_BALANCE_ADJUSTED` events.
    /// Idempotent: an event is applied once, and only missing grants are written.
    /// Records a new employee's grants, inside the batch's transaction: the
    /// employee, the entries written and their events.
    fn on_hire(&self, c: &mut DbConnection, event: &SubscribedEvent) -> Result<(EmployeeId, usize, Vec<crate::events::Event>), ModuleError> {
        let f = employee_event_facts(event)?;
        let emp = Employment {
            hire_date: f.hire_date,
            termination_date: f.termination_date,
            terminated: false,
        };
        if !repo::mark_processed(c, &event.event_id.to_string(), clock::now())? {
            return Ok((f.employee, 0, Vec::new()));
        }
        repo::lock_employee(c, f.employee)?;
        let entries = self.settle_all(c, f.employee, &emp, f.today, clock::now())?;
        repo::append(c, &entries)?;
        Ok((f.employee, entries.len(), self.adjusted(c, &f.ctx, f.employee, &entries)?))
    }

    /// Cancels the pending and future approved leave of a terminated employee
    /// (days from the day after their last day, or from today, given back) and
    /// corrects pro-rata grants already recorded. Idempotent per event.
    fn on_termination(&self, c: &mut DbConnection, event: &SubscribedEvent) -> Result<(EmployeeId, usize, Vec<crate::events::Event>), ModuleError> {
        let EmployeeEventFacts {
            employee,
            hire_date,
            termination_date,
            today,
            ctx,
        } = employee_event_facts(event)?;
        let last_day = termination_date.unwrap_or(today);
        let emp = Employment {
            hire_date,
            termination_date: Some(last_day),
            terminated: true,
        };
        {
            if !repo::mark_processed(c, &event.event_id.to_string(), clock::now())? {
                return Ok((employee, 0, Vec::new()));
            }
            repo::lock_employee(c, employee)?;
            let now = clock::now();
            let mut evs = Vec::new();
            let mut n = 0;
            for mut r in repo::requests_of(c, employee)? {
                let Some(cancellation) = rules::on_termination(r.status, &r.held, last_day, today) else {
                    continue;
                };
                if r.status == RequestStatus::Approved {
                    let back = Self::request_entries(balance::reversal_entries(&cancellation.given_back.days), &r, SYSTEM, now);
                    repo::append(c, &back)?;
                }
                r.status = RequestStatus::Cancelled;
                r.held = cancellation.retained;
                r.cancelled_by = Some(SYSTEM.to_owned());
                r.cancelled_at = Some(now);
                r.cancel_reason = Some("employee terminated".to_owned());
                r.updated_at = now;
                r.version += 1;
                repo::save_request(c, &r)?;
                let route = self.route_of(c, &r.leave_type)?;
                evs.extend(events::request_changed(&ctx, Some(EventType::LeaveCancelled), &r, route, "leave.cancel_on_termination", Some(&cancellation.given_back)));
                n += 1;
            }
            // Recorded grants of the years the employment now ends in or before.
            let fixes = self.correct_grants(c, employee, &emp, today, now, "employment ended")?;
            evs.extend(self.adjusted(c, &ctx, employee, &fixes)?);
            Ok((employee, n, evs))
        }
    }

    /// Corrects the recorded grants after a hire date was corrected
    /// (`EMPLOYEE_UPDATED` naming `hire_date`): each recorded grant year gets the
    /// difference to the grant its new employment dates compute, and the years
    /// the earlier hire date now opens get their grant (and what follows from it).
    /// Other updates change nothing here. Idempotent per event. Requests already
    /// filed are left as they are (HR cancels what now lies before the hire).
    fn on_hire_date_change(&self, c: &mut DbConnection, event: &SubscribedEvent) -> Result<(EmployeeId, usize, Vec<crate::events::Event>), ModuleError> {
        let hire_date_changed = event
            .payload
            .get("changed_fields")
            .and_then(|v| v.as_array())
            .is_some_and(|fields| fields.iter().any(|x| x.as_str() == Some("hire_date")));
        if !hire_date_changed {
            return Ok((employee_of_event(event)?, 0, Vec::new()));
        }
        let f = employee_event_facts(event)?;
        if !repo::mark_processed(c, &event.event_id.to_string(), clock::now())? {
            return Ok((f.employee, 0, Vec::new()));
        }
        let terminated = event
            .payload
            .pointer("/data/status")
            .and_then(|v| v.as_str())
            .is_some_and(|s| s == "terminated");
        let emp = Employment {
            hire_date: f.hire_date,
            termination_date: f.termination_date,
            terminated,
        };
        repo::lock_employee(c, f.employee)?;
        let now = clock::now();
        let mut entries = self.correct_grants(c, f.employee, &emp, f.today, now, "hire date corrected")?;
        if !terminated {
            let due = self.settle_all(c, f.employee, &emp, f.today, now)?;
            repo::append(c, &due)?;
            entries.extend(due);
        }
        Ok((f.employee, entries.len(), self.adjusted(c, &f.ctx, f.employee, &entries)?))
    }

    /// Writes, for every type, the grant corrections of the leave years with a
    /// recorded grant that `emp`'s dates now compute differently (with `reason`),
    /// and returns them.
    fn correct_grants(
        &self,
        c: &mut DbConnection,
        employee: EmployeeId,
        emp: &Employment,
        today: NaiveDate,
        now: DateTime<Utc>,
        reason: &str,
    ) -> Result<Vec<StoredEntry>, ModuleError> {
        let mut out = Vec::new();
        let mut ledgers = repo::ledgers_of(c, employee)?;
        for t in repo::all_types(c)? {
            let ledger = ledgers.remove(&t.policy.code).unwrap_or_default();
            let inputs = BalanceInputs {
                policy: &t.policy,
                employment: emp,
                year_start: self.year_start,
                ledger: &ledger,
                pending: &[],
                accounting_from: self.accounting_from,
            };
            let years: std::collections::BTreeSet<LeaveYear> = ledger
                .iter()
                .filter(|e| e.kind == balance::EntryKind::Grant)
                .map(|e| e.leave_year)
                .collect();
            out.extend(
                years
                    .into_iter()
                    .filter_map(|y| balance::grant_correction(&inputs, y, today))
                    .map(|entry| StoredEntry {
                        id: repo::new_entry_id(),
                        employee_id: employee,
                        leave_type: t.policy.code.clone(),
                        entry,
                        request_id: None,
                        reason: Some(reason.to_owned()),
                        created_by: SYSTEM.to_owned(),
                        created_at: now,
                    }),
            );
        }
        repo::append(c, &out)?;
        Ok(out)
    }
}
