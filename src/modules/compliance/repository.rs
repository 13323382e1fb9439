//! Queries on the compliance tables. Each takes a connection so the actor holds
//! the reads, the writes and the outbox write in one transaction.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use diesel::prelude::*;

use super::domain::*;
use crate::db::schema::{
    compliance_checks as checks, compliance_employees as employees,
    compliance_entitlements as entitlements,
    compliance_intervals as intervals, compliance_journal as journal,
    compliance_leave_days as leave_days, compliance_leave_requests as leave_requests,
    compliance_longest as longest, compliance_meta as meta, compliance_opt_outs as opt_outs,
    compliance_violations as violations,
};
use crate::db::DbConnection;
use crate::shared::{CheckId, EmployeeId, OptOutId, Page, ViolationId};

/// Advisory-lock namespace of one employee's compliance writes (PostgreSQL).
const EMPLOYEE_LOCK_NAMESPACE: i32 = 0x636d_706c; // "cmpl"

/// Unix microseconds of an instant (the stored form).
pub fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn instant(micros: i64) -> anyhow::Result<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| anyhow::anyhow!("stored instant {micros} out of range"))
}

fn parse<T: std::str::FromStr>(s: &str, what: &str) -> anyhow::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse::<T>()
        .map_err(|e| anyhow::Error::new(e).context(format!("stored {what}")))
}

/// Serializes one employee's compliance writes until the transaction ends
/// (PostgreSQL; SQLite has one writer anyway). See [`lock_employees`].
pub fn lock_employee(conn: &mut DbConnection, employee: EmployeeId) -> QueryResult<()> {
    lock_employees(conn, &[employee])
}

/// [`lock_employee`] for several employees in one statement, in the order
/// given (callers sort, so two batches never wait on each other in a cycle):
/// `unnest` yields the array in order and the aggregate takes each lock in turn.
///
/// The same statement makes PostgreSQL plan every later statement of the
/// transaction for its parameters (`plan_cache_mode`, local to the
/// transaction). The projection's tables grow fast from empty (a new
/// deployment, a rebuild, a year's records arriving): a cached generic plan
/// made while a table was small (a sequential scan) would be kept until the
/// next ANALYZE, and the batch queries, which name a hundred employees or
/// records at once, would scan the whole table meanwhile (measured: 11 to 27
/// ms a query instead of well under one).
pub fn lock_employees(conn: &mut DbConnection, employees: &[EmployeeId]) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "SELECT count(pg_advisory_xact_lock({EMPLOYEE_LOCK_NAMESPACE}, hashtext(e))) \
             FROM set_config('plan_cache_mode', 'force_custom_plan', true), unnest($1) AS e"
        ))
        .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(
            employees.iter().map(ToString::to_string).collect::<Vec<_>>(),
        )
        .execute(pg)
        .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

// ---------------------------------------------------------------- journal

/// One applied input event.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = journal)]
pub struct JournalRow {
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub employee_id: String,
    pub payload: String,
}

/// One event to record in the journal.
#[derive(Insertable)]
#[diesel(table_name = journal)]
pub struct NewJournalRow {
    /// Its id.
    pub event_id: String,
    /// Its type.
    pub event_type: String,
    /// Its employee.
    pub employee_id: String,
    /// Its payload, as JSON.
    pub payload: String,
    /// Unix microseconds.
    pub applied_at: i64,
}

/// Records the events of `rows` the journal does not hold yet, in the order
/// given (their `seq` is the replay order), and returns their ids: the events
/// to apply. An event applied before (its id is unique) inserts nothing, so a
/// redelivery is recognised by the same statement that records a new event
/// (one statement on PostgreSQL). The caller holds the employees' locks.
pub fn journal_claim(
    conn: &mut DbConnection,
    rows: &[NewJournalRow],
) -> QueryResult<std::collections::HashSet<String>> {
    if rows.is_empty() {
        return Ok(Default::default());
    }
    // ON CONFLICT and multi-row inserts are backend-specific in diesel: on the
    // concrete connection.
    match conn {
        DbConnection::Pg(pg) => Ok(diesel::insert_into(journal::table)
            .values(rows)
            .on_conflict(journal::event_id)
            .do_nothing()
            .returning(journal::event_id)
            .get_results::<String>(pg)?
            .into_iter()
            .collect()),
        DbConnection::Sqlite(sqlite) => {
            let mut fresh = std::collections::HashSet::new();
            for row in rows {
                let n = diesel::insert_into(journal::table)
                    .values(row)
                    .on_conflict(journal::event_id)
                    .do_nothing()
                    .execute(sqlite)?;
                if n == 1 {
                    fresh.insert(row.event_id.clone());
                }
            }
            Ok(fresh)
        }
    }
}

/// Journal rows after `after`, oldest first.
pub fn journal_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<JournalRow>> {
    journal::table
        .filter(journal::seq.gt(after))
        .order(journal::seq.asc())
        .limit(limit)
        .select(JournalRow::as_select())
        .load(conn)
}

/// Empties the projection (not the journal, the violations or the opt-outs).
pub fn clear_projection(conn: &mut DbConnection) -> QueryResult<()> {
    diesel::delete(employees::table).execute(conn)?;
    diesel::delete(intervals::table).execute(conn)?;
    diesel::delete(leave_requests::table).execute(conn)?;
    diesel::delete(leave_days::table).execute(conn)?;
    diesel::delete(entitlements::table).execute(conn)?;
    diesel::delete(longest::table).execute(conn)?;
    Ok(())
}

// ---------------------------------------------------------------- employees

/// The facts of `employee`, when an `EMPLOYEE_*` event was applied.
pub fn employee(conn: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<Option<EmployeeFacts>> {
    let row = employees::table
        .find(employee.to_string())
        .select((employees::time_zone, employees::hire_date, employees::termination_date))
        .first::<(String, Option<NaiveDate>, Option<NaiveDate>)>(conn)
        .optional()?;
    row.map(|(tz, hire_date, termination_date)| {
        Ok(EmployeeFacts {
            tz: parse::<Tz>(&tz, "time zone")?,
            hire_date,
            termination_date,
        })
    })
    .transpose()
}

/// The facts of those of `ids` that have a projection row, in one query.
pub fn employees(conn: &mut DbConnection, ids: &[EmployeeId]) -> anyhow::Result<Vec<(EmployeeId, EmployeeFacts)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = employees::table
        .filter(employees::employee_id.eq_any(&keys))
        .select((
            employees::employee_id,
            employees::time_zone,
            employees::hire_date,
            employees::termination_date,
        ))
        .load::<(String, String, Option<NaiveDate>, Option<NaiveDate>)>(conn)?;
    rows.into_iter()
        .map(|(id, tz, hire_date, termination_date)| {
            Ok((
                parse(&id, "employee id")?,
                EmployeeFacts {
                    tz: parse::<Tz>(&tz, "time zone")?,
                    hire_date,
                    termination_date,
                },
            ))
        })
        .collect()
}

/// Stores the facts of `employee`.
pub fn save_employee(
    conn: &mut DbConnection,
    employee: EmployeeId,
    facts: &EmployeeFacts,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let id = employee.to_string();
    let n = diesel::update(employees::table.find(&id))
        .set((
            employees::time_zone.eq(facts.tz.name()),
            employees::hire_date.eq(facts.hire_date),
            employees::termination_date.eq(facts.termination_date),
            employees::updated_at.eq(micros(now)),
        ))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(employees::table)
            .values((
                employees::employee_id.eq(&id),
                employees::time_zone.eq(facts.tz.name()),
                employees::hire_date.eq(facts.hire_date),
                employees::termination_date.eq(facts.termination_date),
                employees::updated_at.eq(micros(now)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Every employee the module has seen (an employee event or a record), sorted.
pub fn known_employees(conn: &mut DbConnection) -> anyhow::Result<Vec<EmployeeId>> {
    let mut ids: Vec<String> = employees::table.select(employees::employee_id).load(conn)?;
    ids.extend(
        intervals::table
            .select(intervals::employee_id)
            .distinct()
            .load::<String>(conn)?,
    );
    ids.extend(
        violations::table
            .select(violations::employee_id)
            .distinct()
            .load::<String>(conn)?,
    );
    ids.sort();
    ids.dedup();
    ids.iter().map(|s| parse(s, "employee id")).collect()
}

// ---------------------------------------------------------------- intervals

/// The projected version of one attendance record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectedRecord {
    /// Its version.
    pub version: i32,
    /// The worked interval, when the record is closed and live.
    pub interval: Option<WorkInterval>,
}

fn projected((version, start, end, voided): (i32, i64, Option<i64>, bool)) -> anyhow::Result<ProjectedRecord> {
    let interval = match (end, voided) {
        (Some(end), false) => Some(WorkInterval {
            start: instant(start)?,
            end: instant(end)?,
        }),
        _ => None,
    };
    Ok(ProjectedRecord { version, interval })
}

/// The projected version of record `record_id`.
pub fn record(conn: &mut DbConnection, record_id: &str) -> anyhow::Result<Option<ProjectedRecord>> {
    let row = intervals::table
        .find(record_id)
        .select((intervals::version, intervals::start_at, intervals::end_at, intervals::voided))
        .first::<(i32, i64, Option<i64>, bool)>(conn)
        .optional()?;
    row.map(projected).transpose()
}

/// The projected versions of those of `record_ids` that are stored, in one query.
pub fn records(conn: &mut DbConnection, record_ids: &[String]) -> anyhow::Result<Vec<(String, ProjectedRecord)>> {
    if record_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = intervals::table
        .filter(intervals::record_id.eq_any(record_ids))
        .select((
            intervals::record_id,
            intervals::version,
            intervals::start_at,
            intervals::end_at,
            intervals::voided,
        ))
        .load::<(String, i32, i64, Option<i64>, bool)>(conn)?;
    rows.into_iter()
        .map(|(id, version, start, end, voided)| Ok((id, projected((version, start, end, voided))?)))
        .collect()
}

/// One version of an attendance record, as the projection stores it.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = intervals)]
pub struct RecordRow {
    /// The record's id.
    pub record_id: String,
    /// Its employee.
    pub employee_id: String,
    /// Its version.
    pub version: i32,
    /// Unix microseconds.
    pub start_at: i64,
    /// Unix microseconds; `None`: still open.
    pub end_at: Option<i64>,
    /// Voided by a correction.
    pub voided: bool,
}

impl RecordRow {
    /// Version `version` of record `record_id` (`end` `None`: still open).
    pub fn new(
        record_id: &str,
        employee: EmployeeId,
        version: i32,
        start: DateTime<Utc>,
        end: Option<DateTime<Utc>>,
        voided: bool,
    ) -> Self {
        Self {
            record_id: record_id.to_owned(),
            employee_id: employee.to_string(),
            version,
            start_at: micros(start),
            end_at: end.map(micros),
            voided,
        }
    }
}

/// Stores these versions of records, each replacing the stored one (the
/// caller checked they are newer, under the employees' locks). One statement
/// on PostgreSQL; a record may appear once only.
pub fn save_records(conn: &mut DbConnection, rows: &[RecordRow]) -> QueryResult<()> {
    use diesel::upsert::excluded;
    if rows.is_empty() {
        return Ok(());
    }
    let set = (
        intervals::version.eq(excluded(intervals::version)),
        intervals::start_at.eq(excluded(intervals::start_at)),
        intervals::end_at.eq(excluded(intervals::end_at)),
        intervals::voided.eq(excluded(intervals::voided)),
    );
    // ON CONFLICT and multi-row inserts are backend-specific in diesel: on the
    // concrete connection.
    match conn {
        DbConnection::Pg(pg) => {
            diesel::insert_into(intervals::table)
                .values(rows)
                .on_conflict(intervals::record_id)
                .do_update()
                .set(set)
                .execute(pg)?;
        }
        DbConnection::Sqlite(sqlite) => {
            for row in rows {
                diesel::insert_into(intervals::table)
                    .values(row)
                    .on_conflict(intervals::record_id)
                    .do_update()
                    .set(set)
                    .execute(sqlite)?;
            }
        }
    }
    raise_longest(conn, rows)
}

/// Raises the longest interval on record of the employees of `rows` where one of
/// them is longer, lowers their earliest start and raises their latest (never the
/// other way: a correction that shortens or moves a record leaves bounds that are
/// merely loose), in one statement for the batch. Runs under the employees' locks.
fn raise_longest(conn: &mut DbConnection, rows: &[RecordRow]) -> QueryResult<()> {
    // employee -> (longest, first start, last start)
    let mut seen: std::collections::BTreeMap<&str, (i64, i64, i64)> = Default::default();
    for r in rows.iter().filter(|r| !r.voided) {
        if let Some(end) = r.end_at {
            let len = end.saturating_sub(r.start_at).max(0);
            let e = seen.entry(r.employee_id.as_str()).or_insert((len, r.start_at, r.start_at));
            *e = (e.0.max(len), e.1.min(r.start_at), e.2.max(r.start_at));
        }
    }
    if seen.is_empty() {
        return Ok(());
    }
    // PostgreSQL's GREATEST/LEAST ignore a NULL (a row from before the bounds
    // existed and without intervals); SQLite's max/min would return it, hence
    // the COALESCE.
    let (greatest, least) = match conn {
        DbConnection::Pg(_) => ("GREATEST", "LEAST"),
        DbConnection::Sqlite(_) => ("max", "min"),
    };
    let values = (0..seen.len())
        .map(|k| match conn {
            DbConnection::Pg(_) => format!("(${}, ${}, ${}, ${})", 4 * k + 1, 4 * k + 2, 4 * k + 3, 4 * k + 4),
            DbConnection::Sqlite(_) => "(?, ?, ?, ?)".to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "INSERT INTO compliance_longest (employee_id, micros, first_start, last_start) VALUES {values} \
         ON CONFLICT (employee_id) DO UPDATE SET \
         micros = {greatest}(compliance_longest.micros, excluded.micros), \
         first_start = {least}(COALESCE(compliance_longest.first_start, excluded.first_start), excluded.first_start), \
         last_start = {greatest}(COALESCE(compliance_longest.last_start, excluded.last_start), excluded.last_start)"
    );
    match conn {
        DbConnection::Pg(pg) => bound_upsert::<diesel::pg::Pg>(sql, &seen).execute(pg)?,
        DbConnection::Sqlite(sqlite) => bound_upsert::<diesel::sqlite::Sqlite>(sql, &seen).execute(sqlite)?,
    };
    Ok(())
}

/// The upsert of [`raise_longest`] with its values bound, for either backend.
fn bound_upsert<'f, DB>(
    sql: String,
    seen: &'f std::collections::BTreeMap<&'f str, (i64, i64, i64)>,
) -> diesel::query_builder::BoxedSqlQuery<'f, DB, diesel::query_builder::SqlQuery>
where
    DB: diesel::backend::Backend
        + diesel::sql_types::HasSqlType<diesel::sql_types::Text>
        + diesel::sql_types::HasSqlType<diesel::sql_types::BigInt>,
    &'f str: diesel::serialize::ToSql<diesel::sql_types::Text, DB>,
    i64: diesel::serialize::ToSql<diesel::sql_types::BigInt, DB>,
{
    use diesel::sql_types::{BigInt, Text};
    let mut q = diesel::sql_query(sql).into_boxed::<DB>();
    for (e, (len, first, last)) in seen {
        q = q.bind::<Text, _>(*e).bind::<BigInt, _>(*len).bind::<BigInt, _>(*first).bind::<BigInt, _>(*last);
    }
    q
}

/// What bounds the interval queries of `employees`: the longest interval any of
/// them has on record, in microseconds (`None` when one of them has none
/// recorded: then nothing bounds a query's start), and each one's earliest and
/// latest start on record (absent: unknown).
struct Bounds {
    reach: Option<i64>,
    starts: std::collections::HashMap<String, (Option<i64>, Option<i64>)>,
}

fn bounds_of(conn: &mut DbConnection, employees: &[String]) -> QueryResult<Bounds> {
    let rows: Vec<(String, i64, Option<i64>, Option<i64>)> = longest::table
        .filter(longest::employee_id.eq_any(employees))
        .select((longest::employee_id, longest::micros, longest::first_start, longest::last_start))
        .load(conn)?;
    let reach = (rows.len() == employees.len()).then(|| rows.iter().map(|r| r.1).max().unwrap_or(0));
    Ok(Bounds {
        reach,
        starts: rows.into_iter().map(|(e, _, first, last)| (e, (first, last))).collect(),
    })
}

type Backend = <DbConnection as diesel::Connection>::Backend;

/// `employee`'s closed, live intervals.
fn live(employee: EmployeeId) -> intervals::BoxedQuery<'static, Backend> {
    intervals::table
        .filter(intervals::employee_id.eq(employee.to_string()))
        .filter(diesel::dsl::not(intervals::voided))
        .filter(intervals::end_at.is_not_null())
        .into_boxed()
}

fn to_interval((start, end): (i64, Option<i64>)) -> anyhow::Result<WorkInterval> {
    Ok(WorkInterval {
        start: instant(start)?,
        end: instant(end.unwrap_or(start))?,
    })
}

/// How far beyond `[from, to)` [`intervals_around_all`] reads first, so that the
/// intervals just before and just after are nearly always in that one query
/// (a weekend's rest is about 2½ days).
const EDGE_MARGIN_MICROS: i64 = 4 * 24 * 3600 * 1_000_000;

/// A filter term over `T` (the terms of one query are or-ed).
type Term<T> = Box<dyn BoxableExpression<T, Backend, SqlType = diesel::sql_types::Bool>>;

/// The terms or-ed (`None` for none).
fn any_of<T: 'static>(terms: impl IntoIterator<Item = Term<T>>) -> Option<Term<T>> {
    terms.into_iter().reduce(|a, b| Box::new(a.or(b)))
}

/// `wants` grouped by range: each distinct range with the employees (as
/// stored) that want it, so that one query reads everyone's range with one
/// term per distinct range (a batch's events mostly share their dates).
fn by_range<R: Copy + Ord>(wants: &[(EmployeeId, R, R)]) -> Vec<((R, R), Vec<String>)> {
    let mut groups: std::collections::BTreeMap<(R, R), Vec<String>> = std::collections::BTreeMap::new();
    for (e, lo, hi) in wants {
        groups.entry((*lo, *hi)).or_default().push(e.to_string());
    }
    groups.into_iter().collect()
}

/// The rows of `rows` (grouped by employee) that belong to each want, in the
/// order of `wants`: those of its employee for which `keep` holds.
fn split_by_want<R, W: Copy>(
    mut rows: std::collections::HashMap<EmployeeId, Vec<R>>,
    wants: &[(EmployeeId, W, W)],
    keep: impl Fn(&R, W, W) -> bool,
) -> Vec<Vec<R>>
where
    R: Clone,
{
    let mut repeated = std::collections::HashMap::<EmployeeId, usize>::new();
    for (e, _, _) in wants {
        *repeated.entry(*e).or_default() += 1;
    }
    wants
        .iter()
        .map(|(e, lo, hi)| {
            let left = repeated.get_mut(e).map_or(0, |n| {
                *n -= 1;
                *n
            });
            // The last want of an employee takes the rows, earlier ones copy.
            let mine = if left == 0 { rows.remove(e).unwrap_or_default() } else { rows.get(e).cloned().unwrap_or_default() };
            mine.into_iter().filter(|r| keep(r, *lo, *hi)).collect()
        })
        .collect()
}

/// For each of `wants` (employee, from, to), in their order: the employee's
/// closed live intervals overlapping `[from, to)`, plus the one before and the
/// one after (rests at the edges), sorted by start.
///
/// One query over every range widened by [`EDGE_MARGIN_MICROS`] each side;
/// an edge is queried on its own only when that query cannot prove it. The
/// last interval ending by `from` that starts inside the margin is the one
/// before (one outside the margin ended before the margin began, so it
/// started earlier); any interval starting at or after `to` inside the margin
/// starts before every one outside it.
pub fn intervals_around_all(
    conn: &mut DbConnection,
    wants: &[(EmployeeId, DateTime<Utc>, DateTime<Utc>)],
) -> anyhow::Result<Vec<Vec<WorkInterval>>> {
    let wide: Vec<(EmployeeId, i64, i64)> = wants
        .iter()
        .map(|(e, from, to)| {
            (*e, micros(*from).saturating_sub(EDGE_MARGIN_MICROS), micros(*to).saturating_add(EDGE_MARGIN_MICROS))
        })
        .collect();
    // An interval reaching into [lo, hi) started after lo - the longest interval any
    // of these employees has held: that bound lets the index on (employee, start)
    // read the range only, not each employee's history before it.
    let mut employees: Vec<String> = wants.iter().map(|(e, _, _)| e.to_string()).collect();
    employees.sort();
    employees.dedup();
    let bounds = bounds_of(conn, &employees)?;
    let reach = bounds.reach;
    let terms = by_range(&wide).into_iter().map(|((lo, hi), ids)| -> Term<intervals::table> {
        let floor = reach.map_or(i64::MIN, |r| lo.saturating_sub(r).saturating_sub(1));
        Box::new(
            intervals::employee_id
                .eq_any(ids)
                .and(intervals::start_at.lt(hi))
                .and(intervals::start_at.gt(floor))
                .and(intervals::end_at.assume_not_null().gt(lo)),
        )
    });
    let mut by_employee: std::collections::HashMap<EmployeeId, Vec<(i64, Option<i64>)>> = Default::default();
    if let Some(term) = any_of(terms) {
        let rows: Vec<(String, i64, Option<i64>)> = intervals::table
            .filter(diesel::dsl::not(intervals::voided))
            .filter(intervals::end_at.is_not_null())
            .filter(term)
            .order((intervals::employee_id.asc(), intervals::start_at.asc()))
            .select((intervals::employee_id, intervals::start_at, intervals::end_at))
            .load(conn)?;
        // Sorted by employee: each id is parsed once, not once per row.
        let mut current: Option<(String, EmployeeId)> = None;
        for (e, start, end) in rows {
            let id = match &current {
                Some((s, id)) if *s == e => *id,
                _ => {
                    let id = parse(&e, "employee id")?;
                    current = Some((e, id));
                    id
                }
            };
            by_employee.entry(id).or_default().push((start, end));
        }
    }
    let end_of = |r: &(i64, Option<i64>)| r.1.unwrap_or(r.0);
    let per_want = split_by_want(by_employee, &wide, |r, lo, hi| r.0 < hi && end_of(r) > lo);
    let mut out = Vec::with_capacity(wants.len());
    for ((employee, from, to), wide_rows) in wants.iter().zip(per_want) {
        let (lo, hi) = (micros(*from), micros(*to));
        let wide_lo = lo.saturating_sub(EDGE_MARGIN_MICROS);
        let (mut rows, mut before, mut after) = (Vec::with_capacity(wide_rows.len()), None, None);
        for r in wide_rows {
            if r.0 < hi && end_of(&r) > lo {
                rows.push(r);
            } else if end_of(&r) <= lo {
                before = Some(r);
            } else if after.is_none() {
                after = Some(r);
            }
        }
        let (first_start, last_start) = bounds.starts.get(&employee.to_string()).copied().unwrap_or((None, None));
        let before = match before {
            Some(b) if b.0 >= wide_lo => Some(b),
            // Nothing started before `lo`, so nothing ended by it.
            None if first_start.is_some_and(|f| f >= lo) => None,
            _ => live(*employee)
                .filter(intervals::end_at.le(lo))
                .order(intervals::start_at.desc())
                .select((intervals::start_at, intervals::end_at))
                .first(conn)
                .optional()?,
        };
        let after = match after {
            Some(a) => Some(a),
            // Nothing starts at or after `hi`.
            None if last_start.is_some_and(|l| l < hi) => None,
            None => live(*employee)
                .filter(intervals::start_at.ge(hi))
                .order(intervals::start_at.asc())
                .select((intervals::start_at, intervals::end_at))
                .first(conn)
                .optional()?,
        };
        if let Some(b) = before {
            rows.insert(0, b);
        }
        rows.extend(after);
        out.push(rows.into_iter().map(to_interval).collect::<anyhow::Result<Vec<_>>>()?);
    }
    Ok(out)
}

/// First start and last end of `employee`'s closed live intervals.
pub fn interval_span(
    conn: &mut DbConnection,
    employee: EmployeeId,
) -> anyhow::Result<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let (lo, hi): (Option<i64>, Option<i64>) = live(employee)
        .select((diesel::dsl::min(intervals::start_at), diesel::dsl::max(intervals::end_at)))
        .first(conn)?;
    match (lo, hi) {
        (Some(lo), Some(hi)) => Ok(Some((instant(lo)?, instant(hi)?))),
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------- leave

/// The projected version of one leave request: its version and its days.
pub fn leave_request_version(conn: &mut DbConnection, request_id: &str) -> QueryResult<Option<i32>> {
    leave_requests::table
        .find(request_id)
        .select(leave_requests::version)
        .first(conn)
        .optional()
}

/// The leave days request `request_id` holds now.
pub fn leave_days_of(conn: &mut DbConnection, request_id: &str) -> anyhow::Result<Vec<LeaveDay>> {
    let rows: Vec<(NaiveDate, String, i32)> = leave_days::table
        .filter(leave_days::request_id.eq(request_id))
        .order(leave_days::day.asc())
        .select((leave_days::day, leave_days::kind, leave_days::half_days))
        .load(conn)?;
    Ok(rows.into_iter().map(leave_day).collect())
}

fn leave_day((date, kind, half_days): (NaiveDate, String, i32)) -> LeaveDay {
    LeaveDay {
        date,
        kind: match kind.as_str() {
            "paid_annual" => LeaveKind::PaidAnnual,
            "sick" => LeaveKind::Sick,
            _ => LeaveKind::Other,
        },
        half_days: u8::try_from(half_days.clamp(1, 2)).unwrap_or(2),
    }
}

/// Stable name of a leave kind.
pub fn kind_name(kind: LeaveKind) -> &'static str {
    match kind {
        LeaveKind::PaidAnnual => "paid_annual",
        LeaveKind::Sick => "sick",
        LeaveKind::Other => "other",
    }
}

/// Replaces request `request_id`'s version and days.
pub fn save_leave_request(
    conn: &mut DbConnection,
    request_id: &str,
    employee: EmployeeId,
    version: i32,
    status: &str,
    kind: LeaveKind,
    days: &[LeaveDay],
) -> QueryResult<()> {
    diesel::delete(leave_requests::table.find(request_id)).execute(conn)?;
    diesel::insert_into(leave_requests::table)
        .values((
            leave_requests::request_id.eq(request_id),
            leave_requests::employee_id.eq(employee.to_string()),
            leave_requests::version.eq(version),
            leave_requests::status.eq(status),
            leave_requests::kind.eq(kind_name(kind)),
        ))
        .execute(conn)?;
    diesel::delete(leave_days::table.filter(leave_days::request_id.eq(request_id))).execute(conn)?;
    for d in days {
        diesel::insert_into(leave_days::table)
            .values((
                leave_days::request_id.eq(request_id),
                leave_days::day.eq(d.date),
                leave_days::employee_id.eq(employee.to_string()),
                leave_days::kind.eq(kind_name(d.kind)),
                leave_days::half_days.eq(i32::from(d.half_days)),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// For each of `wants` (employee, from, to), in their order: the employee's
/// leave days in `from..=to`, by date (a date held by two requests counts
/// once, the larger part). One query.
pub fn leave_between_all(
    conn: &mut DbConnection,
    wants: &[(EmployeeId, NaiveDate, NaiveDate)],
) -> anyhow::Result<Vec<Vec<LeaveDay>>> {
    let terms = by_range(wants).into_iter().map(|((from, to), ids)| -> Term<leave_days::table> {
        Box::new(leave_days::employee_id.eq_any(ids).and(leave_days::day.between(from, to)))
    });
    let mut by_employee: std::collections::HashMap<EmployeeId, Vec<(NaiveDate, LeaveDay)>> = Default::default();
    if let Some(term) = any_of(terms) {
        let rows: Vec<(String, NaiveDate, String, i32)> = leave_days::table
            .filter(term)
            .order((leave_days::employee_id.asc(), leave_days::day.asc(), leave_days::half_days.desc()))
            .select((leave_days::employee_id, leave_days::day, leave_days::kind, leave_days::half_days))
            .load(conn)?;
        for (e, day, kind, half_days) in rows {
            by_employee.entry(parse(&e, "employee id")?).or_default().push((day, leave_day((day, kind, half_days))));
        }
    }
    Ok(split_by_want(by_employee, wants, |(day, _), from, to| from <= *day && *day <= to)
        .into_iter()
        .map(|days| {
            let mut out: Vec<LeaveDay> = days.into_iter().map(|(_, d)| d).collect();
            out.dedup_by_key(|d| d.date);
            out
        })
        .collect())
}

// ---------------------------------------------------------------- entitlements

/// Records a grant entry of paid annual leave (with the working days per week of
/// the employee's calendar, when the event said); `false` when it already was.
pub fn save_grant(
    conn: &mut DbConnection,
    entry_id: &str,
    employee: EmployeeId,
    year: i32,
    half_days: i32,
    working_days_per_week: Option<i32>,
) -> QueryResult<bool> {
    let seen = entitlements::table
        .find(entry_id)
        .count()
        .get_result::<i64>(conn)?;
    if seen > 0 {
        return Ok(false);
    }
    diesel::insert_into(entitlements::table)
        .values((
            entitlements::entry_id.eq(entry_id),
            entitlements::employee_id.eq(employee.to_string()),
            entitlements::year.eq(year),
            entitlements::half_days.eq(half_days),
            entitlements::working_days_per_week.eq(working_days_per_week),
        ))
        .execute(conn)?;
    Ok(true)
}

/// `employee`'s recorded paid annual entitlement per year, in half days, and the
/// working days per week the latest grant entry of the year names (entry ids are
/// UUID v7, in the order the leave module wrote them), if any does.
pub fn entitlements_of(conn: &mut DbConnection, employee: EmployeeId) -> QueryResult<Vec<(i32, i64, Option<i32>)>> {
    let rows: Vec<(i32, i32, Option<i32>)> = entitlements::table
        .filter(entitlements::employee_id.eq(employee.to_string()))
        .order(entitlements::entry_id.asc())
        .select((entitlements::year, entitlements::half_days, entitlements::working_days_per_week))
        .load(conn)?;
    let mut by_year: std::collections::BTreeMap<i32, (i64, Option<i32>)> = std::collections::BTreeMap::new();
    for (y, h, week) in rows {
        let e = by_year.entry(y).or_default();
        e.0 += i64::from(h);
        e.1 = week.or(e.1);
    }
    Ok(by_year.into_iter().map(|(y, (h, w))| (y, h, w)).collect())
}

// ---------------------------------------------------------------- opt-outs

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = opt_outs, treat_none_as_null = true)]
struct OptOutRow {
    id: String,
    employee_id: String,
    signed_on: NaiveDate,
    withdrawn_on: Option<NaiveDate>,
    notice_days: Option<i32>,
    last_day: Option<NaiveDate>,
    recorded_by: String,
    recorded_at: i64,
    withdrawn_by: Option<String>,
    withdrawn_at: Option<i64>,
}

impl OptOutRow {
    fn from(o: &OptOutRecord) -> Self {
        OptOutRow {
            id: o.id.to_string(),
            employee_id: o.employee_id.to_string(),
            signed_on: o.signed_on,
            withdrawn_on: o.withdrawn_on,
            notice_days: o.notice_days.map(|n| i32::try_from(n).unwrap_or(i32::MAX)),
            last_day: o.last_day,
            recorded_by: o.recorded_by.clone(),
            recorded_at: micros(o.recorded_at),
            withdrawn_by: o.withdrawn_by.clone(),
            withdrawn_at: o.withdrawn_at.map(micros),
        }
    }

    fn into_record(self) -> anyhow::Result<OptOutRecord> {
        Ok(OptOutRecord {
            id: parse(&self.id, "opt-out id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            signed_on: self.signed_on,
            withdrawn_on: self.withdrawn_on,
            notice_days: self.notice_days.map(|n| u32::try_from(n).unwrap_or(0)),
            last_day: self.last_day,
            recorded_by: self.recorded_by,
            recorded_at: instant(self.recorded_at)?,
            withdrawn_by: self.withdrawn_by,
            withdrawn_at: self.withdrawn_at.map(instant).transpose()?,
        })
    }
}

/// Stores a new opt-out.
pub fn insert_opt_out(conn: &mut DbConnection, o: &OptOutRecord) -> QueryResult<()> {
    diesel::insert_into(opt_outs::table)
        .values(OptOutRow::from(o))
        .execute(conn)
        .map(|_| ())
}

/// Saves a changed opt-out (its withdrawal).
pub fn save_opt_out(conn: &mut DbConnection, o: &OptOutRecord) -> QueryResult<()> {
    diesel::update(opt_outs::table.find(o.id.to_string()))
        .set(OptOutRow::from(o))
        .execute(conn)
        .map(|_| ())
}

/// The opt-out `id`.
pub fn opt_out(conn: &mut DbConnection, id: OptOutId) -> anyhow::Result<Option<OptOutRecord>> {
    opt_outs::table
        .find(id.to_string())
        .select(OptOutRow::as_select())
        .first(conn)
        .optional()?
        .map(OptOutRow::into_record)
        .transpose()
}

/// Every opt-out of `employee`, oldest first.
pub fn opt_outs_of(conn: &mut DbConnection, employee: EmployeeId) -> anyhow::Result<Vec<OptOutRecord>> {
    opt_outs::table
        .filter(opt_outs::employee_id.eq(employee.to_string()))
        .order((opt_outs::signed_on.asc(), opt_outs::id.asc()))
        .select(OptOutRow::as_select())
        .load(conn)?
        .into_iter()
        .map(OptOutRow::into_record)
        .collect()
}

/// The opt-outs of each of `employees` (every one of them a key), each in the
/// order of [`opt_outs_of`], in one query.
pub fn opt_outs_of_all(
    conn: &mut DbConnection,
    employees: &[EmployeeId],
) -> anyhow::Result<std::collections::HashMap<EmployeeId, Vec<OptOutRecord>>> {
    let mut out: std::collections::HashMap<EmployeeId, Vec<OptOutRecord>> =
        employees.iter().map(|e| (*e, Vec::new())).collect();
    if employees.is_empty() {
        return Ok(out);
    }
    let keys: Vec<String> = employees.iter().map(ToString::to_string).collect();
    let rows: Vec<OptOutRow> = opt_outs::table
        .filter(opt_outs::employee_id.eq_any(&keys))
        .order((opt_outs::employee_id.asc(), opt_outs::signed_on.asc(), opt_outs::id.asc()))
        .select(OptOutRow::as_select())
        .load(conn)?;
    for row in rows {
        let record = row.into_record()?;
        out.entry(record.employee_id).or_default().push(record);
    }
    Ok(out)
}

/// Opt-outs of the given employees (`None`: everyone's), newest first, and the total.
pub fn list_opt_outs(
    conn: &mut DbConnection,
    employees: Option<&[EmployeeId]>,
    page: Page,
) -> anyhow::Result<(Vec<OptOutRecord>, i64)> {
    let ids: Option<Vec<String>> = employees.map(|e| e.iter().map(ToString::to_string).collect());
    let mut q = opt_outs::table.into_boxed();
    let mut count = opt_outs::table.into_boxed();
    if let Some(ids) = &ids {
        q = q.filter(opt_outs::employee_id.eq_any(ids.clone()));
        count = count.filter(opt_outs::employee_id.eq_any(ids.clone()));
    }
    let total = count.count().get_result::<i64>(conn)?;
    let rows = q
        .order((opt_outs::recorded_at.desc(), opt_outs::id.desc()))
        .limit(page.limit)
        .offset(page.offset)
        .select(OptOutRow::as_select())
        .load(conn)?;
    let items = rows.into_iter().map(OptOutRow::into_record).collect::<anyhow::Result<_>>()?;
    Ok((items, total))
}

// ---------------------------------------------------------------- violations

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = violations, treat_none_as_null = true)]
struct ViolationRow {
    id: String,
    identity: String,
    employee_id: String,
    rule: String,
    check_name: String,
    kind: String,
    severity: String,
    reference: String,
    window_first: NaiveDate,
    window_last: NaiveDate,
    span_start: Option<i64>,
    span_end: Option<i64>,
    unit: String,
    measured: i64,
    limit_value: i64,
    status: String,
    detected_at: i64,
    updated_at: i64,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<i64>,
    note: Option<String>,
    resolved_at: Option<i64>,
    version: i32,
}

fn quantity_parts(q: Quantity) -> (&'static str, i64) {
    match q {
        Quantity::Seconds(v) => ("seconds", v),
        Quantity::HalfDays(v) => ("half_days", v),
    }
}

impl ViolationRow {
    fn from(v: &StoredFinding) -> Self {
        let (unit, measured) = quantity_parts(v.measured);
        let (_, limit_value) = quantity_parts(v.limit);
        ViolationRow {
            id: v.id.to_string(),
            identity: v.identity.clone(),
            employee_id: v.employee_id.to_string(),
            rule: v.rule.as_str().to_owned(),
            check_name: v.check.clone(),
            kind: v.kind.as_str().to_owned(),
            severity: v.severity.as_str().to_owned(),
            reference: v.reference.clone(),
            window_first: v.window_first,
            window_last: v.window_last,
            span_start: v.span.map(|s| micros(s.start)),
            span_end: v.span.map(|s| micros(s.end)),
            unit: unit.to_owned(),
            measured,
            limit_value,
            status: v.status.as_str().to_owned(),
            detected_at: micros(v.detected_at),
            updated_at: micros(v.updated_at),
            acknowledged_by: v.acknowledged_by.clone(),
            acknowledged_at: v.acknowledged_at.map(micros),
            note: v.note.clone(),
            resolved_at: v.resolved_at.map(micros),
            version: v.version,
        }
    }

    fn into_finding(self) -> anyhow::Result<StoredFinding> {
        let q = |v: i64| match self.unit.as_str() {
            "half_days" => Quantity::HalfDays(v),
            _ => Quantity::Seconds(v),
        };
        let span = match (self.span_start, self.span_end) {
            (Some(s), Some(e)) => Some(WorkInterval {
                start: instant(s)?,
                end: instant(e)?,
            }),
            _ => None,
        };
        Ok(StoredFinding {
            id: parse(&self.id, "violation id")?,
            employee_id: parse(&self.employee_id, "employee id")?,
            rule: RuleId::parse(&self.rule)
                .ok_or_else(|| anyhow::anyhow!("stored rule {:?} unknown", self.rule))?,
            check: self.check_name,
            kind: if self.kind == "violation" {
                FindingKind::Violation
            } else {
                FindingKind::Alert
            },
            severity: Severity::parse(&self.severity)
                .ok_or_else(|| anyhow::anyhow!("stored severity {:?} unknown", self.severity))?,
            reference: self.reference,
            window_first: self.window_first,
            window_last: self.window_last,
            span,
            measured: q(self.measured),
            limit: q(self.limit_value),
            status: Status::parse(&self.status)
                .ok_or_else(|| anyhow::anyhow!("stored status {:?} unknown", self.status))?,
            detected_at: instant(self.detected_at)?,
            updated_at: instant(self.updated_at)?,
            acknowledged_by: self.acknowledged_by,
            acknowledged_at: self.acknowledged_at.map(instant).transpose()?,
            note: self.note,
            resolved_at: self.resolved_at.map(instant).transpose()?,
            version: self.version,
            identity: self.identity,
        })
    }
}

/// Stores new findings (one statement on PostgreSQL).
pub fn insert_findings(conn: &mut DbConnection, found: &[StoredFinding]) -> QueryResult<()> {
    if found.is_empty() {
        return Ok(());
    }
    let rows: Vec<ViolationRow> = found.iter().map(ViolationRow::from).collect();
    // Multi-row inserts are backend-specific in diesel: on the concrete connection.
    match conn {
        DbConnection::Pg(pg) => {
            diesel::insert_into(violations::table).values(&rows).execute(pg)?;
        }
        DbConnection::Sqlite(_) => {
            for row in rows {
                diesel::insert_into(violations::table).values(row).execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Saves a changed finding.
pub fn save_finding(conn: &mut DbConnection, v: &StoredFinding) -> QueryResult<()> {
    diesel::update(violations::table.find(v.id.to_string()))
        .set(ViolationRow::from(v))
        .execute(conn)
        .map(|_| ())
}

/// The finding `id`.
pub fn finding(conn: &mut DbConnection, id: ViolationId) -> anyhow::Result<Option<StoredFinding>> {
    violations::table
        .find(id.to_string())
        .select(ViolationRow::as_select())
        .first(conn)
        .optional()?
        .map(ViolationRow::into_finding)
        .transpose()
}

/// For each of `wants` (employee, first, last), in their order: the
/// employee's findings whose window touches `first..=last`. One query.
pub fn findings_touching_all(
    conn: &mut DbConnection,
    wants: &[(EmployeeId, NaiveDate, NaiveDate)],
) -> anyhow::Result<Vec<Vec<StoredFinding>>> {
    let terms = by_range(wants).into_iter().map(|((first, last), ids)| -> Term<violations::table> {
        Box::new(
            violations::employee_id
                .eq_any(ids)
                .and(violations::window_first.le(last))
                .and(violations::window_last.ge(first)),
        )
    });
    let mut by_employee: std::collections::HashMap<EmployeeId, Vec<StoredFinding>> = Default::default();
    if let Some(term) = any_of(terms) {
        let rows: Vec<ViolationRow> = violations::table.filter(term).select(ViolationRow::as_select()).load(conn)?;
        for row in rows {
            let f = row.into_finding()?;
            by_employee.entry(f.employee_id).or_default().push(f);
        }
    }
    Ok(split_by_want(by_employee, wants, |f, first, last| f.window_first <= last && f.window_last >= first))
}

/// First and last local date of `employee`'s stored findings.
pub fn finding_span(
    conn: &mut DbConnection,
    employee: EmployeeId,
) -> QueryResult<Option<(NaiveDate, NaiveDate)>> {
    let (lo, hi): (Option<NaiveDate>, Option<NaiveDate>) = violations::table
        .filter(violations::employee_id.eq(employee.to_string()))
        .select((
            diesel::dsl::min(violations::window_first),
            diesel::dsl::max(violations::window_last),
        ))
        .first(conn)?;
    Ok(lo.zip(hi))
}

/// Filters of the violation list.
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Only these employees (`None`: everyone).
    pub employees: Option<Vec<EmployeeId>>,
    /// Only this rule.
    pub rule: Option<RuleId>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only violations or only alerts.
    pub kind: Option<FindingKind>,
    /// Only windows touching `from..=to`.
    pub from: Option<NaiveDate>,
    /// See `from`.
    pub to: Option<NaiveDate>,
}

/// Findings matching `f`, newest window first, and the total.
pub fn list_findings(
    conn: &mut DbConnection,
    f: &FindingFilter,
    page: Page,
) -> anyhow::Result<(Vec<StoredFinding>, i64)> {
    let build = || {
        let mut q = violations::table.into_boxed();
        if let Some(ids) = &f.employees {
            let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
            q = q.filter(violations::employee_id.eq_any(ids));
        }
        if let Some(r) = f.rule {
            q = q.filter(violations::rule.eq(r.as_str()));
        }
        if let Some(s) = f.status {
            q = q.filter(violations::status.eq(s.as_str()));
        }
        if let Some(k) = f.kind {
            q = q.filter(violations::kind.eq(k.as_str()));
        }
        if let Some(from) = f.from {
            q = q.filter(violations::window_last.ge(from));
        }
        if let Some(to) = f.to {
            q = q.filter(violations::window_first.le(to));
        }
        q
    };
    let total = build().count().get_result::<i64>(conn)?;
    let rows = build()
        .order((violations::window_first.desc(), violations::id.desc()))
        .limit(page.limit)
        .offset(page.offset)
        .select(ViolationRow::as_select())
        .load(conn)?;
    let items = rows.into_iter().map(ViolationRow::into_finding).collect::<anyhow::Result<_>>()?;
    Ok((items, total))
}

/// How many findings of `employee` (`None`: everyone) touching `from..=to` are
/// not resolved.
pub fn count_unresolved(
    conn: &mut DbConnection,
    employee: Option<EmployeeId>,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<i64> {
    let mut q = violations::table
        .filter(violations::status.ne(Status::Resolved.as_str()))
        .filter(violations::window_first.le(to))
        .filter(violations::window_last.ge(from))
        .into_boxed();
    if let Some(e) = employee {
        q = q.filter(violations::employee_id.eq(e.to_string()));
    }
    q.count().get_result(conn)
}

// ---------------------------------------------------------------- checks

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = checks)]
struct CheckRow {
    id: String,
    employee_id: Option<String>,
    from_date: NaiveDate,
    to_date: NaiveDate,
    trigger_kind: String,
    requested_by: String,
    employees: i32,
    detected: i32,
    resolved: i32,
    open_total: i32,
    started_at: i64,
    completed_at: i64,
}

/// Stores a completed check.
pub fn insert_check(conn: &mut DbConnection, c: &CheckRecord) -> QueryResult<()> {
    diesel::insert_into(checks::table)
        .values(CheckRow {
            id: c.id.to_string(),
            employee_id: c.employee_id.map(|e| e.to_string()),
            from_date: c.from,
            to_date: c.to,
            trigger_kind: c.trigger.clone(),
            requested_by: c.requested_by.clone(),
            employees: c.employees,
            detected: c.detected,
            resolved: c.resolved,
            open_total: c.open,
            started_at: micros(c.started_at),
            completed_at: micros(c.completed_at),
        })
        .execute(conn)
        .map(|_| ())
}

/// The check `id`.
pub fn check(conn: &mut DbConnection, id: CheckId) -> anyhow::Result<Option<CheckRecord>> {
    let Some(r) = checks::table
        .find(id.to_string())
        .select(CheckRow::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    Ok(Some(CheckRecord {
        id: parse(&r.id, "check id")?,
        employee_id: r.employee_id.as_deref().map(|e| parse(e, "employee id")).transpose()?,
        from: r.from_date,
        to: r.to_date,
        trigger: r.trigger_kind,
        requested_by: r.requested_by,
        employees: r.employees,
        detected: r.detected,
        resolved: r.resolved,
        open: r.open_total,
        started_at: instant(r.started_at)?,
        completed_at: instant(r.completed_at)?,
    }))
}

// ---------------------------------------------------------------- meta

/// The value stored under `key`.
pub fn meta_get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    meta::table
        .find(key)
        .select(meta::value)
        .first(conn)
        .optional()
}

/// Stores `value` under `key`.
pub fn meta_set(conn: &mut DbConnection, key: &str, value: &str) -> QueryResult<()> {
    let n = diesel::update(meta::table.find(key))
        .set(meta::value.eq(value))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(meta::table)
            .values((meta::key.eq(key), meta::value.eq(value)))
            .execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn sqlite() -> (tempfile::TempDir, crate::db::Db) {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = crate::config::Settings::load_from(std::path::Path::new("/nonexistent"), "test", &[])
            .unwrap()
            .database;
        settings.sqlite_path = dir.path().join("hrms.db");
        let db = crate::db::Db::connect(&settings).unwrap();
        db.migrate().unwrap();
        (dir, db)
    }

    fn intervals_around(conn: &mut DbConnection, e: EmployeeId, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<WorkInterval>> {
        Ok(intervals_around_all(conn, &[(e, from, to)])?.remove(0))
    }

    /// What `intervals_around_all` promises for one want, computed from every interval.
    fn reference(all: &[WorkInterval], from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<WorkInterval> {
        let mut sorted = all.to_vec();
        sorted.sort_by_key(|iv| iv.start);
        let mut out: Vec<WorkInterval> = sorted.iter().filter(|iv| iv.start < to && iv.end > from).copied().collect();
        if let Some(b) = sorted.iter().filter(|iv| iv.end <= from).max_by_key(|iv| iv.start) {
            out.insert(0, *b);
        }
        out.extend(sorted.iter().find(|iv| iv.start >= to).copied());
        out
    }

    #[test]
    fn intervals_around_gives_the_overlapping_intervals_and_the_neighbours_wherever_they_lie() {
        let (_dir, db) = sqlite();
        let mut conn = db.get().unwrap();
        let employee = EmployeeId::generate();
        let t0 = Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap();
        let h = Duration::hours;
        // Office days, a three-week absence (longer than the margin), a
        // 30-hour record, and one record of another employee, which never counts.
        let mut all = Vec::new();
        for day in [0, 1, 2, 3, 4, 7, 8, 30, 31, 45] {
            all.push(WorkInterval { start: t0 + Duration::days(day), end: t0 + Duration::days(day) + h(8) });
        }
        all.push(WorkInterval { start: t0 + Duration::days(50), end: t0 + Duration::days(50) + h(30) });
        let mut rows: Vec<RecordRow> = all
            .iter()
            .enumerate()
            .map(|(i, iv)| RecordRow::new(&format!("r{i}"), employee, 1, iv.start, Some(iv.end), false))
            .collect();
        // A voided and an open record are no intervals.
        rows.push(RecordRow::new("voided", employee, 2, t0 + Duration::days(20), Some(t0 + Duration::days(20) + h(8)), true));
        rows.push(RecordRow::new("open", employee, 1, t0 + Duration::days(60), None, false));
        let other = EmployeeId::generate();
        rows.push(RecordRow::new("other", other, 1, t0 + Duration::days(10), Some(t0 + Duration::days(10) + h(8)), false));
        save_records(&mut conn, &rows).unwrap();
        // A later version replaces the stored one: "moved" ends up on day 40.
        save_records(&mut conn, &[RecordRow::new("moved", employee, 1, t0 + Duration::days(35), Some(t0 + Duration::days(35) + h(8)), false)]).unwrap();
        save_records(&mut conn, &[RecordRow::new("moved", employee, 2, t0 + Duration::days(40), Some(t0 + Duration::days(40) + h(8)), false)]).unwrap();
        all.push(WorkInterval { start: t0 + Duration::days(40), end: t0 + Duration::days(40) + h(8) });
        let probes = [
            (-10, -5),
            (-1, 0),
            (0, 1),
            (2, 3),
            (5, 7),
            (9, 12),
            (12, 29),
            (33, 40),
            (46, 47),
            (51, 52),
            (52, 80),
            (0, 80),
            (90, 100),
        ];
        let mut wants = Vec::new();
        for (a, b) in probes {
            for shift in [h(0), h(3), h(12)] {
                let (from, to) = (t0 + Duration::days(a) + shift, t0 + Duration::days(b) + shift);
                assert_eq!(
                    intervals_around(&mut conn, employee, from, to).unwrap(),
                    reference(&all, from, to),
                    "days {a}..{b} + {shift}"
                );
                wants.push((employee, from, to));
            }
        }
        // Every probe at once, with the other employee's among them, gives the
        // same answers in the same order (one query, split per want).
        wants.insert(3, (other, t0, t0 + Duration::days(20)));
        let at_once = intervals_around_all(&mut conn, &wants).unwrap();
        assert_eq!(at_once.len(), wants.len());
        for ((e, from, to), got) in wants.iter().zip(at_once) {
            let expected = if *e == other {
                vec![WorkInterval { start: t0 + Duration::days(10), end: t0 + Duration::days(10) + h(8) }]
            } else {
                reference(&all, *from, *to)
            };
            assert_eq!(got, expected, "{from}..{to} of {e}");
        }
    }

    #[test]
    fn leave_days_and_findings_of_several_employees_come_back_per_want() {
        let (_dir, db) = sqlite();
        let mut conn = db.get().unwrap();
        let (a, b) = (EmployeeId::generate(), EmployeeId::generate());
        let d = |day: u32| NaiveDate::from_ymd_opt(2026, 3, day).unwrap();
        let day = |date, half_days| LeaveDay { date, kind: LeaveKind::PaidAnnual, half_days };
        save_leave_request(&mut conn, "la", a, 1, "approved", LeaveKind::PaidAnnual, &[day(d(2), 2), day(d(3), 1), day(d(9), 2)]).unwrap();
        // A second request on 3 March (the afternoon): the date counts once, the larger part.
        save_leave_request(&mut conn, "la2", a, 1, "approved", LeaveKind::PaidAnnual, &[day(d(3), 2)]).unwrap();
        save_leave_request(&mut conn, "lb", b, 1, "approved", LeaveKind::PaidAnnual, &[day(d(3), 2)]).unwrap();
        let wants = [(a, d(1), d(5)), (b, d(1), d(5)), (a, d(6), d(31)), (a, d(10), d(31))];
        let got = leave_between_all(&mut conn, &wants).unwrap();
        assert_eq!(got, vec![vec![day(d(2), 2), day(d(3), 2)], vec![day(d(3), 2)], vec![day(d(9), 2)], vec![]]);
        assert_eq!(findings_touching_all(&mut conn, &wants).unwrap(), vec![Vec::<StoredFinding>::new(); 4]);
    }

    #[test]
    fn the_journal_knows_what_was_applied_and_keeps_the_order_given() {
        let (_dir, db) = sqlite();
        let mut conn = db.get().unwrap();
        let employee = EmployeeId::generate().to_string();
        let row = |id: &str| NewJournalRow {
            event_id: id.to_owned(),
            event_type: "ATTENDANCE_MARKED".to_owned(),
            employee_id: employee.clone(),
            payload: "{}".to_owned(),
            applied_at: 0,
        };
        let fresh = journal_claim(&mut conn, &[row("b"), row("a"), row("c")]).unwrap();
        assert_eq!(fresh, ["a", "b", "c"].map(str::to_owned).into_iter().collect());
        // Events applied before are not fresh again; a new one among them is.
        let fresh = journal_claim(&mut conn, &[row("a"), row("d"), row("c")]).unwrap();
        assert_eq!(fresh, ["d".to_owned()].into_iter().collect());
        let order: Vec<String> = journal_after(&mut conn, 0, 10).unwrap().into_iter().map(|r| r.event_id).collect();
        assert_eq!(order, ["b", "a", "c", "d"]);
    }
}
