//! The attendance actor: owns the attendance tables. Runs on a `SyncArbiter`.
//! Every message carries the caller (`by`) and the employee's facts (asked of
//! the employee module by the handler); the actor decides with [`rules`] inside
//! one transaction that serializes the employee's writes (an advisory lock on
//! PostgreSQL, `BEGIN IMMEDIATE` on SQLite), and commits each change with its
//! events through [`Outbox::commit`].

use actix::{Actor, Handler, Message, SyncContext};
use chrono::{DateTime, Utc};

use super::errors::AttendanceFailure;
use super::record::{Actor as Who, Employment, Limits, RecordId, TimeRecord};
use super::rules::{self, Change, Correction, ManualRecord, WriteFacts};
use super::{events, repository as repo};
use crate::auth::Principal;
use crate::db::{Db, DbConnection};
use crate::events::EventContext;
use crate::modules::employee::EmployeeFacts;
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
            let record = rules::check_in(RecordId::generate(), &who, None, &facts)?;
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
            let events = events::written(&msg.ctx, &record, emp.time_zone, now, "attendance.create");
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
            let events = events::written(&msg.ctx, &record, emp.time_zone, now, action);
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
