//! Queries on the `employees` table. Each takes a connection so the actor can hold
//! the domain write and the outbox write in one transaction.

use diesel::prelude::*;

use super::model::{EmployeeFilter, EmployeeRow, Page};
use crate::db::schema::employees;
use crate::db::DbConnection;

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

fn filtered<'a>(filter: &'a EmployeeFilter) -> employees::BoxedQuery<'a, crate::db::DbBackend> {
    let mut query = employees::table.into_boxed();
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

/// One page of matching records (oldest first) and the total number of matches.
pub fn list(
    conn: &mut DbConnection,
    filter: &EmployeeFilter,
    page: Page,
) -> QueryResult<(Vec<EmployeeRow>, i64)> {
    let total = filtered(filter).count().get_result(conn)?;
    let rows = filtered(filter)
        .order(employees::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(EmployeeRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}
