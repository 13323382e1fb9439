//! Queries on the attendance tables. Each takes a connection so the actor holds
//! the reads, the write and the outbox write in one transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::record::{
    CorrectionRequest, EmployeeId, LockId, LockScope, PeriodLock, RecordId, RequestId, RequestState, RecordSource, Reopening, TimeRecord, VersionKind,
};
use crate::db::schema::{
    attendance_correction_requests as requests, attendance_period_locks as locks,
    attendance_records as records,
};
use crate::db::DbConnection;

/// One version of a time record, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = records)]
pub struct RecordRow {
    pub id: String,
    pub version: i32,
    pub employee_id: String,
    pub start_at: i64,
    pub end_at: Option<i64>,
    pub source: String,
    pub note: Option<String>,
    pub voided: bool,
    pub kind: String,
    pub created_by: String,
    pub changed_by: String,
    pub changed_at: i64,
    pub reason: Option<String>,
    pub request_id: Option<String>,
    pub is_current: bool,
}

fn instant(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| anyhow::anyhow!("stored instant {micros} out of range"))
}

/// Unix microseconds of an instant (the stored form).
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse::<T>()
        .map_err(|e| anyhow::Error::new(e).context(format!("stored {what}")))
}

impl RecordRow {
    /// A row for a version (current when inserted).
    pub fn from_record(r: &TimeRecord) -> Self {
        RecordRow {
            id: r.id.to_string(),
            version: r.version,
            employee_id: r.employee_id.to_string(),
            start_at: micros(r.start),
            end_at: r.end.map(micros),
            source: r.source.as_str().to_owned(),
            note: r.note.clone(),
            voided: r.voided,
            kind: r.kind.as_str().to_owned(),
            created_by: r.created_by.clone(),
            changed_by: r.changed_by.clone(),
            changed_at: micros(r.changed_at),
            reason: r.reason.clone(),
            request_id: r.request_id.map(|i| i.to_string()),
            is_current: true,
        }
    }

    /// The domain value.
    pub fn into_record(self) -> anyhow::Result<TimeRecord> {
        let source = match self.source.as_str() {
            "check_in" => RecordSource::CheckIn,
            "manual" => RecordSource::Manual,
            other => anyhow::bail!("stored record source {other:?}"),
        };
        let kind = [
            VersionKind::CheckIn,
            VersionKind::Manual,
            VersionKind::CheckOut,
            VersionKind::Correction,
            VersionKind::Void,
            VersionKind::ApprovedRequest,
        ]
        .into_iter()
        .find(|k| k.as_str() == self.kind)
        .ok_or_else(|| anyhow::anyhow!("stored version kind {:?}", self.kind))?;
        Ok(TimeRecord {
            id: parse(&self.id, "record id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            version: self.version,
            start: instant(self.start_at)?,
            end: self.end_at.map(instant).transpose()?,
            source,
            note: self.note,
            voided: self.voided,
            kind,
            created_by: self.created_by,
            changed_by: self.changed_by,
            changed_at: instant(self.changed_at)?,
            reason: self.reason,
            request_id: self
                .request_id
                .as_deref()
                .map(|s| parse(s, "request id"))
                .transpose()?,
        })
    }
}

fn to_records(rows: Vec<RecordRow>) -> anyhow::Result<Vec<TimeRecord>> {
    rows.into_iter().map(RecordRow::into_record).collect()
}

/// Advisory lock namespace of the attendance module (per employee) on PostgreSQL.
const EMPLOYEE_LOCK_NAMESPACE: i32 = 0x6174_7464; // "attd"

/// Advisory lock namespace of the period-lock gate: record writes hold it
/// shared, a new period lock exclusively ("attl").
const PERIOD_GATE_NAMESPACE: i32 = 0x6174_746c;

/// Serializes the attendance writes of one employee for the rest of the
/// transaction on PostgreSQL, so the overlap and lock checks read what the
/// previous writer committed; and holds the period-lock gate shared, so a new
/// lock waits for the writes in flight and every later write sees it. On SQLite
/// `BEGIN IMMEDIATE` serializes every write.
pub fn lock_employee(conn: &mut DbConnection, employee: EmployeeId) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => {
            diesel::sql_query(format!(
                "SELECT pg_advisory_xact_lock_shared({PERIOD_GATE_NAMESPACE}, 0)"
            ))
            .execute(pg)?;
            diesel::sql_query(format!(
                "SELECT pg_advisory_xact_lock({EMPLOYEE_LOCK_NAMESPACE}, hashtext($1))"
            ))
            .bind::<diesel::sql_types::Text, _>(employee.to_string())
            .execute(pg)
            .map(|_| ())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Waits (PostgreSQL) until no record write is in flight and keeps new ones
/// out until the transaction ends: taken before a new period lock is stored,
/// so no write that missed the lock commits after it.
pub fn close_period_gate(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock({PERIOD_GATE_NAMESPACE}, 0)"
        ))
        .execute(pg)
        .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Current versions of the employee's live records that share an instant with
/// `[start, end)` (`end: None`: no end); open records count as endless.
pub fn live_overlapping(
    conn: &mut DbConnection,
    employee: EmployeeId,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> anyhow::Result<Vec<TimeRecord>> {
    let mut q = records::table
        .filter(records::employee_id.eq(employee.to_string()))
        .filter(records::is_current.eq(true))
        .filter(records::voided.eq(false))
        .filter(
            records::end_at
                .is_null()
                .or(records::end_at.gt(micros(start))),
        )
        .select(RecordRow::as_select())
        .into_boxed();
    if let Some(end) = end {
        q = q.filter(records::start_at.lt(micros(end)));
    }
    to_records(q.load(conn)?)
}

/// The employee's open live record, if any.
pub fn open_record(
    conn: &mut DbConnection,
    employee: EmployeeId,
) -> anyhow::Result<Option<TimeRecord>> {
    let row = records::table
        .filter(records::employee_id.eq(employee.to_string()))
        .filter(records::is_current.eq(true))
        .filter(records::voided.eq(false))
        .filter(records::end_at.is_null())
        .order(records::start_at.desc())
        .select(RecordRow::as_select())
        .first(conn)
        .optional()?;
    row.map(RecordRow::into_record).transpose()
}

/// The current version of a record.
pub fn current(conn: &mut DbConnection, id: RecordId) -> anyhow::Result<Option<TimeRecord>> {
    let row = records::table
        .filter(records::id.eq(id.to_string()))
        .filter(records::is_current.eq(true))
        .select(RecordRow::as_select())
        .first(conn)
        .optional()?;
    row.map(RecordRow::into_record).transpose()
}

/// Every version of a record, oldest first.
pub fn history(conn: &mut DbConnection, id: RecordId) -> anyhow::Result<Vec<TimeRecord>> {
    to_records(
        records::table
            .filter(records::id.eq(id.to_string()))
            .order(records::version.asc())
            .select(RecordRow::as_select())
            .load(conn)?,
    )
}

/// Current versions of the employee's records starting in `[first, after)`,
/// by start; `live_only` leaves voided ones out. With a window: that page and
/// the total.
pub fn starting_in(
    conn: &mut DbConnection,
    employee: EmployeeId,
    first: DateTime<Utc>,
    after: DateTime<Utc>,
    live_only: bool,
    window: Option<(i64, i64)>,
) -> anyhow::Result<(Vec<TimeRecord>, i64)> {
    let base = || {
        let mut q = records::table
            .filter(records::employee_id.eq(employee.to_string()))
            .filter(records::is_current.eq(true))
            .filter(records::start_at.ge(micros(first)))
            .filter(records::start_at.lt(micros(after)))
            .into_boxed();
        if live_only {
            q = q.filter(records::voided.eq(false));
        }
        q
    };
    let mut q = base()
        .order((records::start_at.asc(), records::id.asc()))
        .select(RecordRow::as_select());
    let total = match window {
        Some((limit, offset)) => {
            q = q.limit(limit).offset(offset);
            base().count().get_result::<i64>(conn)?
        }
        None => 0,
    };
    let rows = to_records(q.load(conn)?)?;
    let total = if window.is_some() {
        total
    } else {
        rows.len() as i64
    };
    Ok((rows, total))
}

/// Appends `next` as the current version of its record (the earlier version
/// stays as it was, only no longer current).
pub fn append_version(conn: &mut DbConnection, next: &TimeRecord) -> QueryResult<()> {
    diesel::update(
        records::table
            .filter(records::id.eq(next.id.to_string()))
            .filter(records::is_current.eq(true)),
    )
    .set(records::is_current.eq(false))
    .execute(conn)?;
    insert(conn, next)
}

/// Inserts a version as current (version 1 of a new record).
pub fn insert(conn: &mut DbConnection, r: &TimeRecord) -> QueryResult<()> {
    diesel::insert_into(records::table)
        .values(RecordRow::from_record(r))
        .execute(conn)
        .map(|_| ())
}

/// One period lock, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = locks)]
pub struct LockRow {
    pub id: String,
    pub employee_id: Option<String>,
    pub from_date: chrono::NaiveDate,
    pub to_date: chrono::NaiveDate,
    pub locked_by: String,
    pub locked_at: i64,
    pub reason: Option<String>,
    pub reopened_by: Option<String>,
    pub reopened_at: Option<i64>,
    pub reopen_reason: Option<String>,
}

impl LockRow {
    fn from_lock(l: &PeriodLock) -> Self {
        let (reopened_by, reopened_at, reopen_reason) = match &l.reopened {
            Some(r) => (Some(r.by.clone()), Some(micros(r.at)), Some(r.reason.clone())),
            None => (None, None, None),
        };
        LockRow {
            id: l.id.to_string(),
            employee_id: match l.scope {
                LockScope::Everyone => None,
                LockScope::Employee(e) => Some(e.to_string()),
            },
            from_date: l.from,
            to_date: l.to,
            locked_by: l.locked_by.clone(),
            locked_at: micros(l.locked_at),
            reason: l.reason.clone(),
            reopened_by,
            reopened_at,
            reopen_reason,
        }
    }

    fn into_lock(self) -> anyhow::Result<PeriodLock> {
        let scope = match self.employee_id.as_deref() {
            None => LockScope::Everyone,
            Some(e) => LockScope::Employee(parse(e, "employee id")?),
        };
        let reopened = match (self.reopened_by, self.reopened_at, self.reopen_reason) {
            (Some(by), Some(at), Some(reason)) => Some(Reopening {
                by,
                at: instant(at)?,
                reason,
            }),
            _ => None,
        };
        Ok(PeriodLock {
            id: parse(&self.id, "lock id")?,
            scope,
            from: self.from_date,
            to: self.to_date,
            locked_by: self.locked_by,
            locked_at: instant(self.locked_at)?,
            reason: self.reason,
            reopened,
        })
    }
}

/// The active locks that apply to `employee` (everyone's and theirs).
pub fn active_locks_for(
    conn: &mut DbConnection,
    employee: EmployeeId,
) -> anyhow::Result<Vec<PeriodLock>> {
    locks::table
        .filter(locks::reopened_at.is_null())
        .filter(
            locks::employee_id
                .is_null()
                .or(locks::employee_id.eq(employee.to_string())),
        )
        .select(LockRow::as_select())
        .load(conn)?
        .into_iter()
        .map(LockRow::into_lock)
        .collect()
}

/// Stores a new period lock.
pub fn insert_lock(conn: &mut DbConnection, lock: &PeriodLock) -> QueryResult<()> {
    diesel::insert_into(locks::table)
        .values(LockRow::from_lock(lock))
        .execute(conn)
        .map(|_| ())
}

/// One period lock.
pub fn find_lock(conn: &mut DbConnection, id: LockId) -> anyhow::Result<Option<PeriodLock>> {
    locks::table
        .find(id.to_string())
        .select(LockRow::as_select())
        .first(conn)
        .optional()?
        .map(LockRow::into_lock)
        .transpose()
}

/// Records the reopening of a lock (the only change a lock row ever gets; it
/// applies once: a lock already reopened is left as it is and `false` returned).
pub fn save_reopening(conn: &mut DbConnection, lock: &PeriodLock) -> QueryResult<bool> {
    let Some(r) = &lock.reopened else {
        return Ok(false);
    };
    diesel::update(
        locks::table
            .find(lock.id.to_string())
            .filter(locks::reopened_at.is_null()),
    )
    .set((
        locks::reopened_by.eq(&r.by),
        locks::reopened_at.eq(micros(r.at)),
        locks::reopen_reason.eq(&r.reason),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Which locks a list shows.
#[derive(Debug, Clone, Copy)]
pub enum LockFilter {
    /// Every lock.
    All,
    /// The locks that apply to one employee (everyone's and theirs).
    AppliesTo(EmployeeId),
}

/// A page of locks, newest first, and how many match.
pub fn list_locks(
    conn: &mut DbConnection,
    filter: LockFilter,
    active_only: bool,
    (limit, offset): (i64, i64),
) -> anyhow::Result<(Vec<PeriodLock>, i64)> {
    let query = || {
        let mut q = locks::table.into_boxed();
        if let LockFilter::AppliesTo(e) = filter {
            q = q.filter(
                locks::employee_id
                    .is_null()
                    .or(locks::employee_id.eq(e.to_string())),
            );
        }
        if active_only {
            q = q.filter(locks::reopened_at.is_null());
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((locks::locked_at.desc(), locks::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(LockRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(LockRow::into_lock)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((items, total))
}

/// A correction request, as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
pub struct RequestRow {
    pub id: String,
    pub record_id: String,
    pub employee_id: String,
    pub record_version: i32,
    pub proposed_start: Option<i64>,
    pub proposed_end: Option<i64>,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: i64,
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    pub decision_note: Option<String>,
}

impl RequestRow {
    fn from_request(r: &CorrectionRequest) -> Self {
        RequestRow {
            id: r.id.to_string(),
            record_id: r.record_id.to_string(),
            employee_id: r.employee_id.to_string(),
            record_version: r.record_version,
            proposed_start: r.proposed_start.map(micros),
            proposed_end: r.proposed_end.map(micros),
            reason: r.reason.clone(),
            requested_by: r.requested_by.clone(),
            requested_at: micros(r.requested_at),
            state: r.state.as_str().to_owned(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at.map(micros),
            decision_note: r.decision_note.clone(),
        }
    }

    fn into_request(self) -> anyhow::Result<CorrectionRequest> {
        let state = match self.state.as_str() {
            "pending" => RequestState::Pending,
            "approved" => RequestState::Approved,
            "rejected" => RequestState::Rejected,
            other => anyhow::bail!("stored correction request state {other:?}"),
        };
        Ok(CorrectionRequest {
            id: parse(&self.id, "request id")?,
            record_id: parse(&self.record_id, "record id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            record_version: self.record_version,
            proposed_start: self.proposed_start.map(instant).transpose()?,
            proposed_end: self.proposed_end.map(instant).transpose()?,
            reason: self.reason,
            requested_by: self.requested_by,
            requested_at: instant(self.requested_at)?,
            state,
            decided_by: self.decided_by,
            decided_at: self.decided_at.map(instant).transpose()?,
            decision_note: self.decision_note,
        })
    }
}

/// Stores a new correction request.
pub fn insert_request(conn: &mut DbConnection, r: &CorrectionRequest) -> QueryResult<()> {
    diesel::insert_into(requests::table)
        .values(RequestRow::from_request(r))
        .execute(conn)
        .map(|_| ())
}

/// One correction request.
pub fn find_request(
    conn: &mut DbConnection,
    id: RequestId,
) -> anyhow::Result<Option<CorrectionRequest>> {
    requests::table
        .find(id.to_string())
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?
        .map(RequestRow::into_request)
        .transpose()
}

/// Whether `record` has a pending correction request.
pub fn pending_request_exists(conn: &mut DbConnection, record: RecordId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        requests::table
            .filter(requests::record_id.eq(record.to_string()))
            .filter(requests::state.eq(RequestState::Pending.as_str())),
    ))
    .get_result(conn)
}

/// Stores the decision on a request that is still pending; `false` when it
/// was decided meanwhile (nothing changed).
pub fn save_decision(conn: &mut DbConnection, r: &CorrectionRequest) -> QueryResult<bool> {
    diesel::update(
        requests::table
            .find(r.id.to_string())
            .filter(requests::state.eq(RequestState::Pending.as_str())),
    )
    .set((
        requests::state.eq(r.state.as_str()),
        requests::decided_by.eq(&r.decided_by),
        requests::decided_at.eq(r.decided_at.map(micros)),
        requests::decision_note.eq(&r.decision_note),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Whose correction requests a list shows.
#[derive(Debug, Clone)]
pub enum RequestFilter {
    /// Everyone's.
    All,
    /// Those of these employees.
    Employees(Vec<EmployeeId>),
}

/// A page of correction requests, newest first, and how many match.
pub fn list_requests(
    conn: &mut DbConnection,
    filter: &RequestFilter,
    state: Option<RequestState>,
    (limit, offset): (i64, i64),
) -> anyhow::Result<(Vec<CorrectionRequest>, i64)> {
    let ids: Option<Vec<String>> = match filter {
        RequestFilter::All => None,
        RequestFilter::Employees(e) => Some(e.iter().map(ToString::to_string).collect()),
    };
    let query = || {
        let mut q = requests::table.into_boxed();
        if let Some(ids) = &ids {
            q = q.filter(requests::employee_id.eq_any(ids.clone()));
        }
        if let Some(s) = state {
            q = q.filter(requests::state.eq(s.as_str()));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows = query()
        .order((requests::requested_at.desc(), requests::id.desc()))
        .limit(limit)
        .offset(offset)
        .select(RequestRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(RequestRow::into_request)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((items, total))
}
