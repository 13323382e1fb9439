//! Queries on the `employees` table. Each takes a connection so the actor can hold
//! the domain write and the outbox write in one transaction.

use diesel::prelude::*;

use super::model::{EmployeeFilter, EmployeeRow, Page};
use super::rules::EmployeeScope;
use crate::db::schema::employees;
use crate::db::DbConnection;

/// Advisory lock key of the employee module's reporting-line changes on PostgreSQL.
const REPORTING_LINES_LOCK_ID: i64 = 0x6872_6d73_0001; // "hrms", employee module

/// Serializes changes of reporting lines (a manager assigned to an existing
/// record) on PostgreSQL: under READ COMMITTED two crossing assignments would
/// both pass the chain check and close a loop. Take it first in the
/// transaction, before any row lock. On SQLite `BEGIN IMMEDIATE` already
/// serializes every write.
pub fn lock_reporting_lines(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "SELECT pg_advisory_xact_lock({REPORTING_LINES_LOCK_ID})"
        ))
        .execute(pg)
        .map(|_| ()),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Locks one record for the rest of the transaction on PostgreSQL, before it is
/// read and saved whole: a concurrent change waits, then reads this one's
/// result, so no update is lost and no record is terminated twice. `share`
/// takes a shared lock instead, for a record that must not change meanwhile
/// (a manager being assigned must not be terminated under our feet).
pub fn lock_record(conn: &mut DbConnection, id: &str, share: bool) -> QueryResult<()> {
    match conn {
        DbConnection::Pg(pg) => {
            let mode = if share { "SHARE" } else { "UPDATE" };
            diesel::sql_query(format!("SELECT 1 FROM employees WHERE id = $1 FOR {mode}"))
                .bind::<diesel::sql_types::Text, _>(id)
                .execute(pg)
                .map(|_| ())
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Inserts a new record.
pub fn insert(conn: &mut DbConnection, row: &EmployeeRow) -> QueryResult<()> {
    diesel::insert_into(employees::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Saves every column of an existing record.
pub fn save(conn: &mut DbConnection, row: &EmployeeRow) -> QueryResult<()> {
    diesel::update(employees::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// One record by id.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<EmployeeRow>> {
    employees::table
        .find(id)
        .select(EmployeeRow::as_select())
        .first(conn)
        .optional()
}

/// The ids a scope makes visible; `None` means every record.
pub fn visible_ids(
    conn: &mut DbConnection,
    scope: &EmployeeScope,
) -> QueryResult<Option<Vec<String>>> {
    match scope {
        EmployeeScope::All => Ok(None),
        EmployeeScope::Nothing => Ok(Some(Vec::new())),
        EmployeeScope::Own(id) => Ok(Some(vec![id.clone()])),
        EmployeeScope::Chain(root) => {
            // Walk the reporting lines down, one level per query.
            let mut seen = std::collections::HashSet::from([root.clone()]);
            let mut ids = vec![root.clone()];
            let mut frontier = vec![root.clone()];
            while !frontier.is_empty() {
                let mut next = Vec::new();
                for chunk in frontier.chunks(1000) {
                    let reports: Vec<String> = employees::table
                        .filter(employees::manager_id.eq_any(chunk))
                        .select(employees::id)
                        .load(conn)?;
                    // `seen` also guards against a loop in corrupt data.
                    next.extend(reports.into_iter().filter(|id| seen.insert(id.clone())));
                }
                ids.extend(next.iter().cloned());
                frontier = next;
            }
            Ok(Some(ids))
        }
    }
}

/// One record by id, if the scope lets the caller see it (checked in the query).
pub fn find_visible(
    conn: &mut DbConnection,
    id: &str,
    scope: &EmployeeScope,
) -> QueryResult<Option<EmployeeRow>> {
    let visible = visible_ids(conn, scope)?;
    let mut query = employees::table
        .filter(employees::id.eq(id))
        .select(EmployeeRow::as_select())
        .into_boxed();
    if let Some(ids) = &visible {
        if !ids.iter().any(|v| v == id) {
            return Ok(None);
        }
        query = query.filter(employees::id.eq_any(ids));
    }
    query.first(conn).optional()
}

/// The manager of a record: `None` when there is no such record, `Some(None)` at the top.
pub fn manager_of(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Option<String>>> {
    employees::table
        .find(id)
        .select(employees::manager_id)
        .first(conn)
        .optional()
}

/// Whether another record already uses `email`.
pub fn email_taken(
    conn: &mut DbConnection,
    email: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    let mut query = employees::table
        .filter(employees::email.eq(email))
        .select(employees::id)
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(employees::id.ne(id));
    }
    Ok(query.first::<String>(conn).optional()?.is_some())
}

fn filtered<'a>(
    filter: &'a EmployeeFilter,
    visible: Option<&'a [String]>,
) -> employees::BoxedQuery<'a, crate::db::DbBackend> {
    let mut query = employees::table.into_boxed();
    if let Some(ids) = visible {
        query = query.filter(employees::id.eq_any(ids));
    }
    if let Some(d) = &filter.department {
        query = query.filter(employees::department.eq(d));
    }
    if let Some(s) = filter.status {
        query = query.filter(employees::status.eq(s.as_str()));
    }
    if let Some(m) = filter.manager_id {
        query = query.filter(employees::manager_id.eq(m.to_string()));
    }
    query
}

/// One page of matching records the scope makes visible (oldest first) and the
/// total number of such matches.
pub fn list(
    conn: &mut DbConnection,
    scope: &EmployeeScope,
    filter: &EmployeeFilter,
    page: Page,
) -> QueryResult<(Vec<EmployeeRow>, i64)> {
    let visible = visible_ids(conn, scope)?;
    let visible = visible.as_deref();
    let total = filtered(filter, visible).count().get_result(conn)?;
    let rows = filtered(filter, visible)
        .order(employees::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(EmployeeRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
