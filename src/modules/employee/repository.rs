//! Queries on the `employees` table. Each takes a connection so the actor can hold
//! the domain write and the outbox write in one transaction.

use diesel::dsl;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::model::{EmployeeFilter, EmployeeId, EmployeeRow, Page};
use super::rules::EmployeeScope;
use crate::db::schema::employees;
use crate::db::{DbBackend, DbConnection};

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

/// Inserts many records in one statement (fixtures; mind the bind limit).
pub fn insert_many(conn: &mut DbConnection, rows: &[EmployeeRow]) -> QueryResult<()> {
    // Multi-row inserts are backend-specific in diesel: run them on the
    // concrete connection.
    let insert = diesel::insert_into(employees::table).values(rows);
    match conn {
        DbConnection::Pg(pg) => insert.execute(pg),
        DbConnection::Sqlite(sqlite) => insert.execute(sqlite),
    }
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

/// Up to `limit` records after id `after` in id order, without those whose
/// termination date is before `terminated_since`.
pub fn page_after(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
    terminated_since: chrono::NaiveDate,
) -> QueryResult<Vec<EmployeeRow>> {
    let mut q = employees::table
        .filter(
            employees::termination_date
                .is_null()
                .or(employees::termination_date.ge(terminated_since)),
        )
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(employees::id.gt(after.to_owned()));
    }
    q.order(employees::id)
        .limit(limit)
        .select(EmployeeRow::as_select())
        .load(conn)
}

/// The reporting chain below `root` (and `root` itself) as a recursive query,
/// to be used as an `id IN (...)` subquery: one bind however large the chain,
/// so no bind limit is hit. `UNION` (not `UNION ALL`) drops ids already found,
/// so a loop in corrupt data ends the walk instead of repeating it.
const CHAIN_SQL: &str = "employees.id IN (WITH RECURSIVE chain(id) AS (\
     SELECT e.id FROM employees e WHERE e.id = ";
const CHAIN_SQL_TAIL: &str =
    " UNION SELECT r.id FROM employees r JOIN chain c ON r.manager_id = c.id\
     ) SELECT id FROM chain)";

type Visible = Box<dyn BoxableExpression<employees::table, DbBackend, SqlType = Bool>>;

/// The condition "visible in `scope`"; `None` means every record.
fn visible(scope: &EmployeeScope) -> Option<Visible> {
    match scope {
        EmployeeScope::All => None,
        EmployeeScope::Nothing => Some(Box::new(dsl::sql::<Bool>("1 = 0"))),
        EmployeeScope::Own(id) => Some(Box::new(employees::id.eq(id.to_string()))),
        EmployeeScope::Chain(root) => Some(Box::new(
            dsl::sql::<Bool>(CHAIN_SQL)
                .bind::<Text, _>(root.to_string())
                .sql(CHAIN_SQL_TAIL),
        )),
    }
}

/// The ids a scope makes visible; `None` means every record.
pub fn visible_ids(
    conn: &mut DbConnection,
    scope: &EmployeeScope,
) -> QueryResult<Option<Vec<String>>> {
    match visible(scope) {
        None => Ok(None),
        Some(cond) => employees::table
            .into_boxed()
            .filter(cond)
            .select(employees::id)
            .load(conn)
            .map(Some),
    }
}

/// Whether the record `id` is `root` or reports to it, walking up from the
/// record (as many steps as the record is deep, not as large as the chain);
/// `UNION` ends the walk on a loop in corrupt data.
fn in_chain_of(root: &EmployeeId, id: &str) -> Visible {
    Box::new(
        dsl::sql::<Bool>(
            "EXISTS (WITH RECURSIVE up(id, manager_id) AS (\
             SELECT e.id, e.manager_id FROM employees e WHERE e.id = ",
        )
        .bind::<Text, _>(id.to_owned())
        .sql(
            " UNION SELECT m.id, m.manager_id FROM employees m JOIN up u ON m.id = u.manager_id\
             ) SELECT 1 FROM up WHERE up.id = ",
        )
        .bind::<Text, _>(root.to_string())
        .sql(")"),
    )
}

/// One record by id, if the scope lets the caller see it (checked in the query).
pub fn find_visible(
    conn: &mut DbConnection,
    id: &str,
    scope: &EmployeeScope,
) -> QueryResult<Option<EmployeeRow>> {
    let mut query = employees::table
        .filter(employees::id.eq(id.to_owned()))
        .select(EmployeeRow::as_select())
        .into_boxed();
    let cond = match scope {
        EmployeeScope::Chain(root) => Some(in_chain_of(root, id)),
        other => visible(other),
    };
    if let Some(cond) = cond {
        query = query.filter(cond);
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
    scope: &EmployeeScope,
) -> employees::BoxedQuery<'a, DbBackend> {
    let mut query = employees::table.into_boxed();
    if let Some(cond) = visible(scope) {
        query = query.filter(cond);
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
    let total = filtered(filter, scope).count().get_result(conn)?;
    let rows = filtered(filter, scope)
        .order(employees::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(EmployeeRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
