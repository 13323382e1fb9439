//! Queries on the leave tables. Each takes a connection so the actor holds the
//! reads, the writes and the outbox write in one transaction. The ledger is
//! only ever inserted into.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use super::balance::{EntryKind, LedgerEntry};
use super::domain::{DayPart, HalfDays, LeaveDays, LeaveYear, RequestStatus};
use super::model::{CalendarInput, LeaveRequest, LeaveType, StatusName, StoredCalendar, StoredEntry};
use super::policy::LeavePolicy;
use crate::db::schema::{
    leave_calendar_assignments as assignments, leave_calendars as calendars, leave_ledger as ledger,
    leave_meta as meta, leave_processed_events as processed, leave_requests as requests,
    leave_types as types,
};
use crate::db::DbConnection;
use crate::shared::{CalendarId, EmployeeId, LeaveRequestId, LedgerEntryId};

/// Namespace of the per-employee advisory locks of the leave module.
const LEAVE_LOCK_NAMESPACE: i32 = 0x4c56; // "LV"

fn instant(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| anyhow::anyhow!("stored instant {micros} out of range"))
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse::<T>()
        .map_err(|e| anyhow::Error::new(e).context(format!("stored {what}")))
}

fn json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> anyhow::Result<T> {
    serde_json::from_str(s).map_err(|e| anyhow::Error::new(e).context(format!("stored {what}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> anyhow::Result<String> {
    serde_json::to_string(v).map_err(|e| anyhow::Error::new(e).context("encoding a leave row"))
}

/// Serializes the writes of one employee's leave: a transaction-scoped advisory
/// lock on PostgreSQL; SQLite transactions are already serialized.
pub fn lock_employee(conn: &mut DbConnection, employee: EmployeeId) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock({LEAVE_LOCK_NAMESPACE}, hashtext($1))"
        ))
        .bind::<diesel::sql_types::Text, _>(employee.to_string())
        .execute(pg)
        .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

// ---------------------------------------------------------------- meta

/// A module setting fixed at first start.
pub fn meta_value(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    meta::table
        .filter(meta::key.eq(key))
        .select(meta::value)
        .first(conn)
        .optional()
}

/// Writes a module setting unless it is set (concurrent starts keep the first).
pub fn set_meta_once(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
    if meta_value(conn, key)?.is_none() {
        diesel::insert_into(meta::table)
            .values((meta::key.eq(key), meta::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

/// Records an event of another module as processed; `false` when it already was.
pub fn mark_processed(conn: &mut DbConnection, event_id: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    // One statement: an id seen before inserts nothing (its primary key).
    // `ON CONFLICT` is backend-specific in diesel: on the concrete connection.
    let insert = diesel::insert_into(processed::table)
        .values((processed::event_id.eq(event_id), processed::processed_at.eq(micros(now))))
        .on_conflict(processed::event_id)
        .do_nothing();
    let inserted = match conn {
        DbConnection::Pg(pg) => insert.execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
    };
    Ok(inserted == 1)
}

// ---------------------------------------------------------------- types

#[derive(Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = types)]
struct TypeRow {
    code: String,
    name: String,
    policy: String,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

impl TypeRow {
    fn into_type(self) -> anyhow::Result<LeaveType> {
        Ok(LeaveType {
            name: self.name,
            policy: json::<LeavePolicy>(&self.policy, "leave policy")?,
            active: self.active,
            created_at: instant(self.created_at)?,
            updated_at: instant(self.updated_at)?,
        })
    }

    fn of(t: &LeaveType) -> anyhow::Result<Self> {
        Ok(TypeRow {
            code: t.policy.code.clone(),
            name: t.name.clone(),
            policy: to_json(&t.policy)?,
            active: t.active,
            created_at: micros(t.created_at),
            updated_at: micros(t.updated_at),
        })
    }
}

/// Every leave type, by code.
pub fn all_types(conn: &mut DbConnection) -> anyhow::Result<Vec<LeaveType>> {
    let rows: Vec<TypeRow> = types::table
        .order(types::code.asc())
        .select(TypeRow::as_select())
        .load(conn)?;
    rows.into_iter().map(TypeRow::into_type).collect()
}

/// One leave type.
pub fn find_type(conn: &mut DbConnection, code: &str) -> anyhow::Result<Option<LeaveType>> {
    let row: Option<TypeRow> = types::table
        .filter(types::code.eq(code))
        .select(TypeRow::as_select())
        .first(conn)
        .optional()?;
    row.map(TypeRow::into_type).transpose()
}

/// Inserts a new type (a taken code is a unique violation).
pub fn insert_type(conn: &mut DbConnection, t: &LeaveType) -> Result<(), super::errors::ModuleError> {
    let row = TypeRow::of(t)?;
    diesel::insert_into(types::table).values(&row).execute(conn)?;
    Ok(())
}

/// Replaces a type's name, policy and state.
pub fn update_type(conn: &mut DbConnection, t: &LeaveType) -> anyhow::Result<()> {
    let row = TypeRow::of(t)?;
    diesel::update(types::table.filter(types::code.eq(&row.code)))
        .set((
            types::name.eq(&row.name),
            types::policy.eq(&row.policy),
            types::active.eq(row.active),
            types::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- calendars

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = calendars)]
struct CalendarRow {
    id: String,
    name: String,
    working_weekdays: String,
    holidays: String,
    is_default: bool,
    created_at: i64,
    updated_at: i64,
}

impl CalendarRow {
    fn into_calendar(self) -> anyhow::Result<StoredCalendar> {
        let weekdays = if self.working_weekdays.is_empty() {
            Vec::new()
        } else {
            self.working_weekdays
                .split(',')
                .map(|w| json(&format!("\"{w}\""), "working weekday"))
                .collect::<anyhow::Result<Vec<_>>>()?
        };
        let input = CalendarInput {
            name: self.name.clone(),
            working_weekdays: weekdays,
            holidays: json(&self.holidays, "holidays")?,
            is_default: self.is_default,
        };
        let (_, calendar) = input
            .to_calendar()
            .map_err(|e| anyhow::anyhow!("stored calendar {} is invalid: {e}", self.id))?;
        Ok(StoredCalendar {
            id: parse(&self.id, "calendar id")?,
            name: self.name,
            input,
            calendar,
            created_at: instant(self.created_at)?,
            updated_at: instant(self.updated_at)?,
        })
    }

    fn of(c: &StoredCalendar) -> anyhow::Result<Self> {
        let weekdays: Vec<String> = c
            .input
            .working_weekdays
            .iter()
            .map(|w| to_json(w).map(|s| s.trim_matches('"').to_owned()))
            .collect::<anyhow::Result<_>>()?;
        Ok(CalendarRow {
            id: c.id.to_string(),
            name: c.name.clone(),
            working_weekdays: weekdays.join(","),
            holidays: to_json(&c.input.holidays)?,
            is_default: c.input.is_default,
            created_at: micros(c.created_at),
            updated_at: micros(c.updated_at),
        })
    }
}

/// Every calendar, default first, then by name.
pub fn all_calendars(conn: &mut DbConnection) -> anyhow::Result<Vec<StoredCalendar>> {
    let rows: Vec<CalendarRow> = calendars::table
        .order((calendars::is_default.desc(), calendars::name.asc(), calendars::id.asc()))
        .select(CalendarRow::as_select())
        .load(conn)?;
    rows.into_iter().map(CalendarRow::into_calendar).collect()
}

/// One calendar.
pub fn find_calendar(conn: &mut DbConnection, id: CalendarId) -> anyhow::Result<Option<StoredCalendar>> {
    let row: Option<CalendarRow> = calendars::table
        .filter(calendars::id.eq(id.to_string()))
        .select(CalendarRow::as_select())
        .first(conn)
        .optional()?;
    row.map(CalendarRow::into_calendar).transpose()
}

/// The default calendar.
pub fn default_calendar(conn: &mut DbConnection) -> anyhow::Result<Option<StoredCalendar>> {
    let row: Option<CalendarRow> = calendars::table
        .filter(calendars::is_default.eq(true))
        .select(CalendarRow::as_select())
        .first(conn)
        .optional()?;
    row.map(CalendarRow::into_calendar).transpose()
}

/// Makes no calendar the default (before another becomes it).
pub fn clear_default(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::update(calendars::table.filter(calendars::is_default.eq(true)))
        .set(calendars::is_default.eq(false))
        .execute(conn)
        .map(|_| ())
}

/// Inserts or replaces a calendar.
pub fn save_calendar(conn: &mut DbConnection, c: &StoredCalendar) -> anyhow::Result<()> {
    let row = CalendarRow::of(c)?;
    diesel::delete(calendars::table.filter(calendars::id.eq(&row.id))).execute(conn)?;
    diesel::insert_into(calendars::table).values(&row).execute(conn)?;
    Ok(())
}

/// The calendar assigned to an employee, if any.
pub fn assigned_calendar(conn: &mut DbConnection, employee: EmployeeId) -> QueryResult<Option<String>> {
    assignments::table
        .filter(assignments::employee_id.eq(employee.to_string()))
        .select(assignments::calendar_id)
        .first(conn)
        .optional()
}

/// Assigns a calendar (`None`: back to the default).
pub fn assign_calendar(
    conn: &mut DbConnection,
    employee: EmployeeId,
    calendar: Option<CalendarId>,
    by: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(assignments::table.filter(assignments::employee_id.eq(employee.to_string())))
        .execute(conn)?;
    if let Some(c) = calendar {
        diesel::insert_into(assignments::table)
            .values((
                assignments::employee_id.eq(employee.to_string()),
                assignments::calendar_id.eq(c.to_string()),
                assignments::assigned_by.eq(by),
                assignments::assigned_at.eq(micros(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The calendar in force for an employee and whether it was assigned.
pub fn calendar_of(conn: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<(StoredCalendar, bool)> {
    if let Some(id) = assigned_calendar(conn, employee)? {
        if let Some(c) = find_calendar(conn, parse(&id, "calendar id")?)? {
            return Ok((c, true));
        }
    }
    let c = default_calendar(conn)?.ok_or_else(|| anyhow::anyhow!("no default work calendar"))?;
    Ok((c, false))
}

/// The calendar in force for an employee (the assigned one, else the default),
/// in one query: what a request's days are counted on.
pub fn calendar_in_force(conn: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<StoredCalendar> {
    let assigned = assignments::table
        .filter(assignments::employee_id.eq(employee.to_string()))
        .select(assignments::calendar_id)
        .single_value()
        .assume_not_null();
    // The assigned calendar sorts first (`false` before `true`) when it is not
    // the default itself; without an assignment only the default matches.
    let row: Option<CalendarRow> = calendars::table
        .filter(calendars::id.eq(assigned).or(calendars::is_default.eq(true)))
        .order(calendars::is_default.asc())
        .select(CalendarRow::as_select())
        .first(conn)
        .optional()?;
    row.ok_or_else(|| anyhow::anyhow!("no default work calendar"))?
        .into_calendar()
}

// ---------------------------------------------------------------- requests

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = requests)]
struct RequestRow {
    id: String,
    employee_id: String,
    leave_type: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    start_part: String,
    end_part: String,
    status: String,
    counted: String,
    held: String,
    units: i32,
    note: Option<String>,
    filed_by: String,
    created_at: i64,
    updated_at: i64,
    manager_approved_by: Option<String>,
    decided_by: Option<String>,
    decided_at: Option<i64>,
    rejection_reason: Option<String>,
    cancelled_by: Option<String>,
    cancelled_at: Option<i64>,
    cancel_reason: Option<String>,
    version: i32,
}

fn part_str(p: DayPart) -> &'static str {
    match p {
        DayPart::Full => "full",
        DayPart::Am => "am",
        DayPart::Pm => "pm",
    }
}

fn part_of(s: &str) -> anyhow::Result<DayPart> {
    Ok(match s {
        "full" => DayPart::Full,
        "am" => DayPart::Am,
        "pm" => DayPart::Pm,
        other => anyhow::bail!("stored day part {other:?}"),
    })
}

fn status_of(s: &str) -> anyhow::Result<RequestStatus> {
    Ok(match s {
        "pending" => RequestStatus::Pending,
        "pending_hr" => RequestStatus::PendingHr,
        "approved" => RequestStatus::Approved,
        "rejected" => RequestStatus::Rejected,
        "cancelled" => RequestStatus::Cancelled,
        other => anyhow::bail!("stored request status {other:?}"),
    })
}

impl RequestRow {
    fn into_request(self) -> anyhow::Result<LeaveRequest> {
        Ok(LeaveRequest {
            id: parse(&self.id, "leave request id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            leave_type: self.leave_type,
            start_date: self.start_date,
            end_date: self.end_date,
            start_part: part_of(&self.start_part)?,
            end_part: part_of(&self.end_part)?,
            status: status_of(&self.status)?,
            counted: json::<LeaveDays>(&self.counted, "counted days")?,
            held: json::<LeaveDays>(&self.held, "held days")?,
            note: self.note,
            filed_by: self.filed_by,
            created_at: instant(self.created_at)?,
            updated_at: instant(self.updated_at)?,
            manager_approved_by: self.manager_approved_by,
            decided_by: self.decided_by,
            decided_at: self.decided_at.map(instant).transpose()?,
            rejection_reason: self.rejection_reason,
            cancelled_by: self.cancelled_by,
            cancelled_at: self.cancelled_at.map(instant).transpose()?,
            cancel_reason: self.cancel_reason,
            version: self.version,
        })
    }

    fn of(r: &LeaveRequest) -> anyhow::Result<Self> {
        Ok(RequestRow {
            id: r.id.to_string(),
            employee_id: r.employee_id.to_string(),
            leave_type: r.leave_type.clone(),
            start_date: r.start_date,
            end_date: r.end_date,
            start_part: part_str(r.start_part).to_owned(),
            end_part: part_str(r.end_part).to_owned(),
            status: StatusName::of(r.status).as_str().to_owned(),
            counted: to_json(&r.counted)?,
            held: to_json(&r.held)?,
            units: r.counted.total().units(),
            note: r.note.clone(),
            filed_by: r.filed_by.clone(),
            created_at: micros(r.created_at),
            updated_at: micros(r.updated_at),
            manager_approved_by: r.manager_approved_by.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at.map(micros),
            rejection_reason: r.rejection_reason.clone(),
            cancelled_by: r.cancelled_by.clone(),
            cancelled_at: r.cancelled_at.map(micros),
            cancel_reason: r.cancel_reason.clone(),
            version: r.version,
        })
    }
}

/// Inserts a new request.
pub fn insert_request(conn: &mut DbConnection, r: &LeaveRequest) -> anyhow::Result<()> {
    let row = RequestRow::of(r)?;
    diesel::insert_into(requests::table).values(&row).execute(conn)?;
    Ok(())
}

/// Saves a changed request (its state, held days and decision fields).
pub fn save_request(conn: &mut DbConnection, r: &LeaveRequest) -> anyhow::Result<()> {
    let row = RequestRow::of(r)?;
    diesel::delete(requests::table.filter(requests::id.eq(&row.id))).execute(conn)?;
    diesel::insert_into(requests::table).values(&row).execute(conn)?;
    Ok(())
}

/// One request.
pub fn find_request(conn: &mut DbConnection, id: LeaveRequestId) -> anyhow::Result<Option<LeaveRequest>> {
    let row: Option<RequestRow> = requests::table
        .filter(requests::id.eq(id.to_string()))
        .select(RequestRow::as_select())
        .first(conn)
        .optional()?;
    row.map(RequestRow::into_request).transpose()
}

/// The employee of a request.
pub fn owner_of(conn: &mut DbConnection, id: LeaveRequestId) -> anyhow::Result<Option<EmployeeId>> {
    let employee: Option<String> = requests::table
        .filter(requests::id.eq(id.to_string()))
        .select(requests::employee_id)
        .first(conn)
        .optional()?;
    employee.map(|e| parse(&e, "employee id")).transpose()
}

/// Every request of an employee that holds days or may (not rejected).
pub fn requests_of(conn: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<Vec<LeaveRequest>> {
    let rows: Vec<RequestRow> = requests::table
        .filter(requests::employee_id.eq(employee.to_string()))
        .filter(requests::status.ne("rejected"))
        .order((requests::start_date.asc(), requests::id.asc()))
        .select(RequestRow::as_select())
        .load(conn)?;
    rows.into_iter().map(RequestRow::into_request).collect()
}

/// The employees with a pending or approved request ending on or after `from`
/// whose calendar in force is `calendar` (assigned to them, or the default for
/// those without an assignment when it is the default): whom a change of it
/// recounts. Sorted, each once.
pub fn employees_with_live_leave_on(
    conn: &mut DbConnection,
    calendar: &StoredCalendar,
    from: NaiveDate,
) -> anyhow::Result<Vec<EmployeeId>> {
    let live = requests::table
        .filter(requests::status.eq_any(["pending", "pending_hr", "approved"]))
        .filter(requests::end_date.ge(from))
        .into_boxed();
    let assigned_here = assignments::table
        .filter(assignments::calendar_id.eq(calendar.id.to_string()))
        .select(assignments::employee_id);
    let on_it = if calendar.input.is_default {
        // Everyone not assigned to another calendar.
        let elsewhere = assignments::table
            .filter(assignments::calendar_id.ne(calendar.id.to_string()))
            .select(assignments::employee_id);
        live.filter(requests::employee_id.ne_all(elsewhere))
    } else {
        live.filter(requests::employee_id.eq_any(assigned_here))
    };
    let mut ids: Vec<String> = on_it.select(requests::employee_id).distinct().load(conn)?;
    ids.sort();
    ids.into_iter().map(|e| parse(&e, "employee id")).collect()
}

/// What a request list is filtered by.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// `None`: every employee; `Some(ids)`: only these.
    pub employees: Option<Vec<EmployeeId>>,
    /// Only this status.
    pub status: Option<StatusName>,
    /// Only this type.
    pub leave_type: Option<String>,
    /// Ending on or after.
    pub from: Option<NaiveDate>,
    /// Starting on or before.
    pub to: Option<NaiveDate>,
}

/// A page of requests by start date, and the number matching.
pub fn list_requests(
    conn: &mut DbConnection,
    f: &RequestFilter,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<LeaveRequest>, i64)> {
    let query = || {
        let mut q = requests::table.into_boxed();
        if let Some(ids) = &f.employees {
            q = q.filter(requests::employee_id.eq_any(ids.iter().map(ToString::to_string).collect::<Vec<_>>()));
        }
        if let Some(s) = f.status {
            q = q.filter(requests::status.eq(s.as_str()));
        }
        if let Some(t) = &f.leave_type {
            q = q.filter(requests::leave_type.eq(t.clone()));
        }
        if let Some(d) = f.from {
            q = q.filter(requests::end_date.ge(d));
        }
        if let Some(d) = f.to {
            q = q.filter(requests::start_date.le(d));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<RequestRow> = query()
        .order((requests::start_date.asc(), requests::id.asc()))
        .limit(limit)
        .offset(offset)
        .select(RequestRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(RequestRow::into_request)
        .collect::<anyhow::Result<_>>()?;
    Ok((items, total))
}

// ---------------------------------------------------------------- ledger

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = ledger)]
struct EntryRow {
    id: String,
    seq: i64,
    employee_id: String,
    leave_type: String,
    kind: String,
    leave_year: i32,
    units: i32,
    effective_date: NaiveDate,
    request_id: Option<String>,
    reason: Option<String>,
    created_by: String,
    created_at: i64,
}

fn kind_str(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Grant => "grant",
        EntryKind::CarryOver => "carry_over",
        EntryKind::Expiry => "expiry",
        EntryKind::Adjustment => "adjustment",
        EntryKind::Consumption => "consumption",
        EntryKind::Reversal => "reversal",
    }
}

fn kind_of(s: &str) -> anyhow::Result<EntryKind> {
    Ok(match s {
        "grant" => EntryKind::Grant,
        "carry_over" => EntryKind::CarryOver,
        "expiry" => EntryKind::Expiry,
        "adjustment" => EntryKind::Adjustment,
        "consumption" => EntryKind::Consumption,
        "reversal" => EntryKind::Reversal,
        other => anyhow::bail!("stored ledger entry kind {other:?}"),
    })
}

impl EntryRow {
    fn into_entry(self) -> anyhow::Result<StoredEntry> {
        Ok(StoredEntry {
            id: parse(&self.id, "ledger entry id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            leave_type: self.leave_type,
            entry: LedgerEntry {
                kind: kind_of(&self.kind)?,
                leave_year: LeaveYear(self.leave_year),
                units: HalfDays(self.units),
                effective_date: self.effective_date,
            },
            request_id: self.request_id.as_deref().map(|s| parse(s, "request id")).transpose()?,
            reason: self.reason,
            created_by: self.created_by,
            created_at: instant(self.created_at)?,
        })
    }
}

/// Appends entries of one employee, in order.
pub fn append(conn: &mut DbConnection, entries: &[StoredEntry]) -> anyhow::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    // Order within one employee's ledger (their writes are serialized).
    let next: Option<i64> = ledger::table
        .filter(ledger::employee_id.eq(entries[0].employee_id.to_string()))
        .select(diesel::dsl::max(ledger::seq))
        .first(conn)?;
    let mut seq = next.unwrap_or(0);
    let rows: Vec<EntryRow> = entries
        .iter()
        .map(|e| {
            seq += 1;
            EntryRow {
                id: e.id.to_string(),
                seq,
                employee_id: e.employee_id.to_string(),
                leave_type: e.leave_type.clone(),
                kind: kind_str(e.entry.kind).to_owned(),
                leave_year: e.entry.leave_year.0,
                units: e.entry.units.units(),
                effective_date: e.entry.effective_date,
                request_id: e.request_id.map(|r| r.to_string()),
                reason: e.reason.clone(),
                created_by: e.created_by.clone(),
                created_at: micros(e.created_at),
            }
        })
        .collect();
    // One statement on PostgreSQL (a round trip per row saved); multi-row
    // inserts are backend-specific in diesel, so on the concrete connection.
    match conn {
        DbConnection::Pg(pg) => {
            diesel::insert_into(ledger::table).values(&rows).execute(pg)?;
        }
        DbConnection::Sqlite(_) => {
            for row in &rows {
                diesel::insert_into(ledger::table).values(row).execute(conn)?;
            }
        }
    }
    Ok(())
}

/// The ledger of one employee and type, in order.
pub fn ledger_of(conn: &mut DbConnection, employee: EmployeeId, leave_type: &str) -> anyhow::Result<Vec<LedgerEntry>> {
    let rows: Vec<EntryRow> = ledger::table
        .filter(ledger::employee_id.eq(employee.to_string()))
        .filter(ledger::leave_type.eq(leave_type))
        .order(ledger::seq.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    rows.into_iter()
        .map(|r| r.into_entry().map(|e| e.entry))
        .collect()
}

/// The whole ledger of one employee in one query, by type, each in order.
pub fn ledgers_of(
    conn: &mut DbConnection,
    employee: EmployeeId,
) -> anyhow::Result<std::collections::HashMap<String, Vec<LedgerEntry>>> {
    let rows: Vec<EntryRow> = ledger::table
        .filter(ledger::employee_id.eq(employee.to_string()))
        .order(ledger::seq.asc())
        .select(EntryRow::as_select())
        .load(conn)?;
    let mut by_type: std::collections::HashMap<String, Vec<LedgerEntry>> = std::collections::HashMap::new();
    for row in rows {
        let code = row.leave_type.clone();
        by_type.entry(code).or_default().push(row.into_entry()?.entry);
    }
    Ok(by_type)
}

/// A page of an employee's ledger, oldest first, and the number matching.
pub fn ledger_page(
    conn: &mut DbConnection,
    employee: EmployeeId,
    leave_type: Option<&str>,
    year: Option<i32>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<StoredEntry>, i64)> {
    let query = || {
        let mut q = ledger::table
            .filter(ledger::employee_id.eq(employee.to_string()))
            .into_boxed();
        if let Some(t) = leave_type {
            q = q.filter(ledger::leave_type.eq(t.to_owned()));
        }
        if let Some(y) = year {
            q = q.filter(ledger::leave_year.eq(y));
        }
        q
    };
    let total: i64 = query().count().get_result(conn)?;
    let rows: Vec<EntryRow> = query()
        .order(ledger::seq.asc())
        .limit(limit)
        .offset(offset)
        .select(EntryRow::as_select())
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(EntryRow::into_entry)
        .collect::<anyhow::Result<_>>()?;
    Ok((items, total))
}

/// A new entry's id.
pub fn new_entry_id() -> LedgerEntryId {
    LedgerEntryId::generate()
}
