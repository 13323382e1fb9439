//! The attendance actor: owns the attendance tables. Runs on a `SyncArbiter`.
//! Every message carries the caller (`by`) and the employee's facts (asked of
//! the employee module by the handler); the actor decides with [`rules`] inside
//! one transaction that serializes the employee's writes (an advisory lock on
//! PostgreSQL, `BEGIN IMMEDIATE` on SQLite), and commits each change with its
//! events through [`Outbox::commit`].

use actix::{Actor, Handler, Message, SyncContext};
use chrono::{DateTime, Utc};

use super::errors::AttendanceFailure;
use super::record::{
    Actor as Who, CorrectionRequest, Employment, Limits, LockId, LockScope, PeriodLock, RecordId,
    RequestId, RequestState, TimeRecord,
};
use super::rules::{self, Change, Correction, Decision, ManualRecord, Proposal, WriteFacts};
use super::{events, repository as repo};
use crate::auth::Principal;
use crate::db::{Db, DbConnection};
use crate::events::EventContext;
use crate::modules::employee::EmployeeFacts;
use crate::modules::user::Contact;
use crate::outbox::Outbox;
use crate::shared::clock;

/// The attendance module's actor.
pub struct AttendanceActor {
    db: Db,
    outbox: Outbox,
    limits: Limits,
}

impl AttendanceActor {
    /// One instance per SyncArbiter thread.
    pub fn new(db: Db, outbox: Outbox, limits: Limits) -> Self {
        Self { db, outbox, limits }
    }

    fn conn(&self) -> Result<crate::db::PooledConn, AttendanceFailure> {
        Ok(self.db.get()?)
    }
}

impl Actor for AttendanceActor {
    type Context = SyncContext<Self>;
}

/// The employment facts the rules need.
pub fn employment(f: &EmployeeFacts) -> Employment {
    Employment {
        employee_id: f.id,
        hire_date: f.hire_date,
        termination_date: f.termination_date,
        time_zone: f.time_zone.tz(),
    }
}

/// The records and locks a write of `[start, end)` is judged against.
fn load_facts(
    c: &mut DbConnection,
    emp: &Employment,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Result<(Vec<TimeRecord>, Vec<super::record::PeriodLock>), AttendanceFailure> {
    repo::lock_employee(c, emp.employee_id)?;
    let records = repo::live_overlapping(c, emp.employee_id, start, end)?;
    let locks = repo::active_locks_for(c, emp.employee_id)?;
    Ok((records, locks))
}

/// A written version and the zone to show it in.
pub type Written = (TimeRecord, chrono_tz::Tz);

/// Self-service check-in at the server's clock.
#[derive(Message)]
#[rtype(result = "Result<Written, AttendanceFailure>")]
pub struct CheckIn {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks (their own linked employee).
    pub by: Principal,
    /// The caller's employee record.
    pub facts: EmployeeFacts,
    /// Optional note on the record.
    pub note: Option<String>,
}

/// Self-service check-out at the server's clock.
#[derive(Message)]
#[rtype(result = "Result<Written, AttendanceFailure>")]
pub struct CheckOut {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// The caller's employee record.
    pub facts: EmployeeFacts,
}

/// A manual record by HR or a manager.
#[derive(Message)]
#[rtype(result = "Result<Written, AttendanceFailure>")]
pub struct CreateManual {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Whose record.
    pub facts: EmployeeFacts,
    /// Whether `by` manages the employee (reporting chain).
    pub manages: bool,
    /// The record.
    pub input: ManualRecord,
    /// The employee's e-mail contact (they are told), if they have an account.
    pub notify: Option<Contact>,
}

/// A correction (retime or void) by HR or a manager.
#[derive(Message)]
#[rtype(result = "Result<Written, AttendanceFailure>")]
pub struct CorrectRecord {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which record.
    pub id: RecordId,
    /// The record's employee.
    pub facts: EmployeeFacts,
    /// Whether `by` manages the employee.
    pub manages: bool,
    /// The change.
    pub correction: Correction,
    /// The employee's e-mail contact (they are told), if they have an account.
    pub notify: Option<Contact>,
}

/// The current version of a record (the handler checks visibility).
#[derive(Message)]
#[rtype(result = "Result<Option<TimeRecord>, AttendanceFailure>")]
pub struct GetRecord {
    /// Which record.
    pub id: RecordId,
}

/// Every version of a record.
#[derive(Message)]
#[rtype(result = "Result<Vec<TimeRecord>, AttendanceFailure>")]
pub struct GetHistory {
    /// Which record.
    pub id: RecordId,
}

/// Records of an employee starting in `[first, after)`.
#[derive(Message)]
#[rtype(result = "Result<(Vec<TimeRecord>, i64), AttendanceFailure>")]
pub struct ListRecords {
    /// Whose.
    pub employee: super::record::EmployeeId,
    /// First instant.
    pub first: DateTime<Utc>,
    /// First instant after.
    pub after: DateTime<Utc>,
    /// Only live ones (summaries).
    pub live_only: bool,
    /// `(limit, offset)`; `None`: all.
    pub window: Option<(i64, i64)>,
}

/// A new period lock by HR or an admin (the handler has checked that a named
/// employee exists).
#[derive(Message)]
#[rtype(result = "Result<PeriodLock, AttendanceFailure>")]
pub struct CreateLock {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// The lock.
    pub input: super::model::NewLock,
}

/// Reopening a lock (admin).
#[derive(Message)]
#[rtype(result = "Result<PeriodLock, AttendanceFailure>")]
pub struct ReopenLock {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which lock.
    pub id: LockId,
    /// Why.
    pub reason: String,
}

/// One lock (the handler checks visibility).
#[derive(Message)]
#[rtype(result = "Result<Option<PeriodLock>, AttendanceFailure>")]
pub struct GetLock {
    /// Which lock.
    pub id: LockId,
}

/// A page of locks.
#[derive(Message)]
#[rtype(result = "Result<(Vec<PeriodLock>, i64), AttendanceFailure>")]
pub struct ListLocks {
    /// Which.
    pub filter: repo::LockFilter,
    /// Only those in force.
    pub active_only: bool,
    /// `(limit, offset)`.
    pub window: (i64, i64),
}

impl Handler<CreateLock> for AttendanceActor {
    type Result = Result<PeriodLock, AttendanceFailure>;

    fn handle(&mut self, msg: CreateLock, _: &mut Self::Context) -> Self::Result {
        let who = Who::from(&msg.by);
        let scope = match msg.input.employee_id {
            Some(e) => LockScope::Employee(e),
            None => LockScope::Everyone,
        };
        let mut conn = self.conn()?;
        let lock = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let lock = rules::new_lock(
                LockId::generate(),
                scope,
                msg.input.from,
                msg.input.to,
                msg.input.reason.clone(),
                &who,
                clock::now(),
            )?;
            // Writes in flight finish first; later ones see the lock.
            repo::close_period_gate(c)?;
            repo::insert_lock(c, &lock)?;
            let events = events::lock_changed(&msg.ctx, &lock);
            Ok::<_, AttendanceFailure>((lock, events))
        })?;
        tracing::info!(attendance.lock = %lock.id, from = %lock.from, to = %lock.to, "period locked");
        Ok(lock)
    }
}

impl Handler<ReopenLock> for AttendanceActor {
    type Result = Result<PeriodLock, AttendanceFailure>;

    fn handle(&mut self, msg: ReopenLock, _: &mut Self::Context) -> Self::Result {
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let lock = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let current = repo::find_lock(c, msg.id)?.ok_or(AttendanceFailure::LockNotFound)?;
            let reopened = rules::reopen_lock(&current, &msg.reason, &who, clock::now())?;
            // Only one of two concurrent reopenings changes the row.
            if !repo::save_reopening(c, &reopened)? {
                return Err(rules::AttendanceError::LockNotActive.into());
            }
            let events = events::lock_changed(&msg.ctx, &reopened);
            Ok::<_, AttendanceFailure>((reopened, events))
        })?;
        tracing::info!(attendance.lock = %lock.id, "period reopened");
        Ok(lock)
    }
}

impl Handler<GetLock> for AttendanceActor {
    type Result = Result<Option<PeriodLock>, AttendanceFailure>;

    fn handle(&mut self, msg: GetLock, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::find_lock(&mut conn, msg.id)?)
    }
}

impl Handler<ListLocks> for AttendanceActor {
    type Result = Result<(Vec<PeriodLock>, i64), AttendanceFailure>;

    fn handle(&mut self, msg: ListLocks, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::list_locks(
            &mut conn,
            msg.filter,
            msg.active_only,
            msg.window,
        )?)
    }
}

/// An employee's correction request for their own record.
#[derive(Message)]
#[rtype(result = "Result<CorrectionRequest, AttendanceFailure>")]
pub struct FileCorrectionRequest {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks (the record's employee).
    pub by: Principal,
    /// Which record.
    pub record_id: RecordId,
    /// The record's employee.
    pub facts: EmployeeFacts,
    /// The proposed times and the reason.
    pub proposal: Proposal,
    /// The employee's manager's e-mail contact (they are told), if any.
    pub notify: Option<Contact>,
}

/// Approving or rejecting a correction request.
#[derive(Message)]
#[rtype(result = "Result<(CorrectionRequest, Option<Written>), AttendanceFailure>")]
pub struct DecideCorrectionRequest {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who decides.
    pub by: Principal,
    /// Which request.
    pub id: RequestId,
    /// The record's employee.
    pub facts: EmployeeFacts,
    /// Whether `by` manages the employee.
    pub manages: bool,
    /// Approve or reject.
    pub decision: Decision,
    /// The employee's e-mail contact (they are told), if they have an account.
    pub notify: Option<Contact>,
}

/// One correction request (the handler checks visibility).
#[derive(Message)]
#[rtype(result = "Result<Option<CorrectionRequest>, AttendanceFailure>")]
pub struct GetCorrectionRequest {
    /// Which request.
    pub id: RequestId,
}

/// A page of correction requests.
#[derive(Message)]
#[rtype(result = "Result<(Vec<CorrectionRequest>, i64), AttendanceFailure>")]
pub struct ListCorrectionRequests {
    /// Whose.
    pub filter: repo::RequestFilter,
    /// Only in this state.
    pub state: Option<RequestState>,
    /// `(limit, offset)`.
    pub window: (i64, i64),
}

impl Handler<FileCorrectionRequest> for AttendanceActor {
    type Result = Result<CorrectionRequest, AttendanceFailure>;

    fn handle(&mut self, msg: FileCorrectionRequest, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let request = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            repo::lock_employee(c, emp.employee_id)?;
            let record = repo::current(c, msg.record_id)?
                .filter(|r| r.employee_id == emp.employee_id)
                .ok_or(AttendanceFailure::RecordNotFound)?;
            let from = msg.proposal.start.map_or(record.start, |s| s.min(record.start));
            let (records, locks) = load_facts(c, &emp, from, None)?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let pending = repo::pending_request_exists(c, record.id)?;
            let request = rules::request_correction(
                RequestId::generate(),
                &record,
                msg.proposal,
                &who,
                pending,
                &facts,
            )?;
            repo::insert_request(c, &request)?;
            let mut events = vec![events::request_audit(
                &msg.ctx,
                "attendance.request_correction",
                &request,
            )];
            if let Some(to) = &msg.notify {
                events.push(events::notify_request(
                    &msg.ctx,
                    "attendance_correction_requested",
                    to,
                    &request,
                ));
            }
            Ok::<_, AttendanceFailure>((request, events))
        })?;
        tracing::info!(attendance.request = %request.id, attendance.record = %request.record_id, "correction requested");
        Ok(request)
    }
}

impl Handler<DecideCorrectionRequest> for AttendanceActor {
    type Result = Result<(CorrectionRequest, Option<Written>), AttendanceFailure>;

    fn handle(&mut self, msg: DecideCorrectionRequest, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let (request, version) = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            repo::lock_employee(c, emp.employee_id)?;
            let request = repo::find_request(c, msg.id)?
                .filter(|q| q.employee_id == emp.employee_id)
                .ok_or(AttendanceFailure::RequestNotFound)?;
            let record = repo::current(c, request.record_id)?
                .ok_or(AttendanceFailure::RecordNotFound)?;
            let from = request
                .proposed_start
                .map_or(record.start, |s| s.min(record.start));
            let (records, locks) = load_facts(c, &emp, from, None)?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let decided =
                rules::decide_request(&request, &record, msg.decision, &who, msg.manages, &facts)?;
            if !repo::save_decision(c, &decided.request)? {
                return Err(rules::AttendanceError::RequestAlreadyDecided.into());
            }
            let (action, kind) = match decided.request.state {
                RequestState::Approved => ("attendance.approve_request", "attendance_correction_approved"),
                _ => ("attendance.reject_request", "attendance_correction_rejected"),
            };
            let mut events = vec![events::request_audit(&msg.ctx, action, &decided.request)];
            if let Some(version) = &decided.new_version {
                repo::append_version(c, version)?;
                events.extend(events::written(
                    &msg.ctx,
                    version,
                    emp.time_zone,
                    now,
                    "attendance.correct",
                ));
            }
            if let Some(to) = &msg.notify {
                events.push(events::notify_request(&msg.ctx, kind, to, &decided.request));
            }
            Ok::<_, AttendanceFailure>(((decided.request, decided.new_version), events))
        })?;
        tracing::info!(attendance.request = %request.id, state = request.state.as_str(), "correction request decided");
        Ok((request, version.map(|v| (v, emp.time_zone))))
    }
}

impl Handler<GetCorrectionRequest> for AttendanceActor {
    type Result = Result<Option<CorrectionRequest>, AttendanceFailure>;

    fn handle(&mut self, msg: GetCorrectionRequest, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::find_request(&mut conn, msg.id)?)
    }
}

impl Handler<ListCorrectionRequests> for AttendanceActor {
    type Result = Result<(Vec<CorrectionRequest>, i64), AttendanceFailure>;

    fn handle(&mut self, msg: ListCorrectionRequests, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::list_requests(
            &mut conn,
            &msg.filter,
            msg.state,
            msg.window,
        )?)
    }
}

impl Handler<CheckIn> for AttendanceActor {
    type Result = Result<Written, AttendanceFailure>;

    fn handle(&mut self, msg: CheckIn, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let record = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            let (records, locks) = load_facts(c, &emp, now, None)?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let record = rules::check_in(RecordId::generate(), &who, msg.note.clone(), &facts)?;
            repo::insert(c, &record)?;
            let events = events::written(&msg.ctx, &record, emp.time_zone, now, "attendance.check_in");
            Ok::<_, AttendanceFailure>((record, events))
        })?;
        tracing::info!(attendance.record = %record.id, employee.id = %record.employee_id, "checked in");
        Ok((record, emp.time_zone))
    }
}

impl Handler<CheckOut> for AttendanceActor {
    type Result = Result<Written, AttendanceFailure>;

    fn handle(&mut self, msg: CheckOut, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let record = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            repo::lock_employee(c, emp.employee_id)?;
            let open = repo::open_record(c, emp.employee_id)?
                .ok_or(rules::AttendanceError::NotCheckedIn)?;
            let (records, locks) = load_facts(c, &emp, open.start, Some(now.max(open.start)))?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let record = rules::check_out(&who, &facts)?;
            repo::append_version(c, &record)?;
            let events =
                events::written(&msg.ctx, &record, emp.time_zone, now, "attendance.check_out");
            Ok::<_, AttendanceFailure>((record, events))
        })?;
        tracing::info!(attendance.record = %record.id, employee.id = %record.employee_id, "checked out");
        Ok((record, emp.time_zone))
    }
}

impl Handler<CreateManual> for AttendanceActor {
    type Result = Result<Written, AttendanceFailure>;

    fn handle(&mut self, msg: CreateManual, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let record = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            let (start, end) = (msg.input.start, msg.input.end.max(msg.input.start));
            let (records, locks) = load_facts(c, &emp, start, Some(end))?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let record =
                rules::create_manual(RecordId::generate(), msg.input, &who, msg.manages, &facts)?;
            repo::insert(c, &record)?;
            let mut events =
                events::written(&msg.ctx, &record, emp.time_zone, now, "attendance.create");
            if let Some(to) = &msg.notify {
                events.push(events::notify_record(
                    &msg.ctx,
                    "attendance_record_created",
                    to,
                    &record,
                    emp.time_zone,
                ));
            }
            Ok::<_, AttendanceFailure>((record, events))
        })?;
        tracing::info!(attendance.record = %record.id, employee.id = %record.employee_id, "manual record");
        Ok((record, emp.time_zone))
    }
}

impl Handler<CorrectRecord> for AttendanceActor {
    type Result = Result<Written, AttendanceFailure>;

    fn handle(&mut self, msg: CorrectRecord, _: &mut Self::Context) -> Self::Result {
        let emp = employment(&msg.facts);
        let who = Who::from(&msg.by);
        let mut conn = self.conn()?;
        let limits = self.limits;
        let record = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let now = clock::now();
            repo::lock_employee(c, emp.employee_id)?;
            let current = repo::current(c, msg.id)?
                .filter(|r| r.employee_id == emp.employee_id)
                .ok_or(AttendanceFailure::RecordNotFound)?;
            let (start, action) = match msg.correction.change {
                Change::Retime { start, .. } => (
                    start.map_or(current.start, |s| s.min(current.start)),
                    "attendance.correct",
                ),
                Change::Void => (current.start, "attendance.void"),
            };
            // Everything from the earlier of the old and new start on: covers both intervals.
            let (records, locks) = load_facts(c, &emp, start, None)?;
            let facts = WriteFacts {
                now,
                employment: &emp,
                limits,
                records: &records,
                locks: &locks,
            };
            let record = rules::correct(&current, msg.correction, &who, msg.manages, &facts)?;
            repo::append_version(c, &record)?;
            let mut events = events::written(&msg.ctx, &record, emp.time_zone, now, action);
            if let Some(to) = &msg.notify {
                let kind = if record.voided {
                    "attendance_record_voided"
                } else {
                    "attendance_record_corrected"
                };
                events.push(events::notify_record(&msg.ctx, kind, to, &record, emp.time_zone));
            }
            Ok::<_, AttendanceFailure>((record, events))
        })?;
        tracing::info!(attendance.record = %record.id, version = record.version, "record corrected");
        Ok((record, emp.time_zone))
    }
}

impl Handler<GetRecord> for AttendanceActor {
    type Result = Result<Option<TimeRecord>, AttendanceFailure>;

    fn handle(&mut self, msg: GetRecord, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::current(&mut conn, msg.id)?)
    }
}

impl Handler<GetHistory> for AttendanceActor {
    type Result = Result<Vec<TimeRecord>, AttendanceFailure>;

    fn handle(&mut self, msg: GetHistory, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::history(&mut conn, msg.id)?)
    }
}

impl Handler<ListRecords> for AttendanceActor {
    type Result = Result<(Vec<TimeRecord>, i64), AttendanceFailure>;

    fn handle(&mut self, msg: ListRecords, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::starting_in(
            &mut conn,
            msg.employee,
            msg.first,
            msg.after,
            msg.live_only,
            msg.window,
        )?)
    }
}
