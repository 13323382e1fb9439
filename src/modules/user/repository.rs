//! Queries on the `users` table; visibility scopes are applied in the query.

use diesel::prelude::*;

use super::model::{ApiKeyRow, UserFilter, UserRow};
use super::rules::UserScope;
use crate::db::schema::{api_keys, users};
use crate::db::{DbBackend, DbConnection};
use crate::shared::Page;

fn scoped<'a>(scope: &'a UserScope) -> users::BoxedQuery<'a, DbBackend> {
    let query = users::table.into_boxed();
    match scope {
        UserScope::All => query,
        UserScope::NonAdmin => query.filter(users::role.ne("admin")),
        UserScope::Own(id) => query.filter(users::id.eq(id.to_string())),
    }
}

/// Inserts an account.
pub fn insert(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// Saves every column.
pub fn save(conn: &mut DbConnection, row: &UserRow) -> QueryResult<()> {
    diesel::update(users::table.find(&row.id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Deletes an account.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(users::table.find(id)).execute(conn)
}

/// One account by id, if `scope` lets the caller see it.
pub fn find_visible(
    conn: &mut DbConnection,
    id: &str,
    scope: &UserScope,
) -> QueryResult<Option<UserRow>> {
    scoped(scope)
        .filter(users::id.eq(id))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// One account by id, for authentication.
pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// The active account linked to `employee_id`, if any.
pub fn find_active_by_employee(
    conn: &mut DbConnection,
    employee_id: &str,
) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::employee_id.eq(employee_id))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// One account by login e-mail.
pub fn find_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::email.eq(email))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Whether the e-mail is used by another account.
pub fn email_taken(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    Ok(users::table
        .filter(users::email.eq(email))
        .select(users::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// Whether another account is linked to `employee_id`.
pub fn employee_linked(
    conn: &mut DbConnection,
    employee_id: &str,
    except: Option<&str>,
) -> QueryResult<bool> {
    let mut q = users::table
        .filter(users::employee_id.eq(employee_id))
        .select(users::id)
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(users::id.ne(id));
    }
    Ok(q.first::<String>(conn).optional()?.is_some())
}

/// Number of accounts.
pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    users::table.count().get_result(conn)
}

/// One page of visible accounts and the number of matches.
pub fn list(
    conn: &mut DbConnection,
    scope: &UserScope,
    filter: &UserFilter,
    page: Page,
) -> QueryResult<(Vec<UserRow>, i64)> {
    let build = || {
        let mut q = scoped(scope);
        if let Some(r) = filter.role {
            q = q.filter(users::role.eq(r.as_str()));
        }
        if let Some(a) = filter.active {
            q = q.filter(users::active.eq(a));
        }
        q
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order(users::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(UserRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Records a successful login.
pub fn touch_login(
    conn: &mut DbConnection,
    id: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set(users::last_login_at.eq(at))
        .execute(conn)
}

/// Inserts an API key.
pub fn insert_key(conn: &mut DbConnection, row: &ApiKeyRow) -> QueryResult<()> {
    diesel::insert_into(api_keys::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// One API key by id.
pub fn find_key(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ApiKeyRow>> {
    api_keys::table
        .find(id)
        .select(ApiKeyRow::as_select())
        .first(conn)
        .optional()
}

/// Whether a live key already has this name.
pub fn live_key_named(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    Ok(api_keys::table
        .filter(api_keys::name.eq(name))
        .filter(api_keys::revoked_at.is_null())
        .select(api_keys::id)
        .first::<String>(conn)
        .optional()?
        .is_some())
}

/// One page of keys (`revoked`: only revoked or only live ones), oldest first,
/// and the number of matches.
pub fn list_keys(
    conn: &mut DbConnection,
    revoked: Option<bool>,
    page: Page,
) -> QueryResult<(Vec<ApiKeyRow>, i64)> {
    let build = || {
        let q = api_keys::table.into_boxed::<DbBackend>();
        match revoked {
            None => q,
            Some(true) => q.filter(api_keys::revoked_at.is_not_null()),
            Some(false) => q.filter(api_keys::revoked_at.is_null()),
        }
    };
    let total = build().count().get_result(conn)?;
    let rows = build()
        .order(api_keys::id)
        .limit(page.limit)
        .offset(page.offset)
        .select(ApiKeyRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Marks a live key revoked; returns whether it was live.
pub fn revoke_key(
    conn: &mut DbConnection,
    id: &str,
    by: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        api_keys::table
            .find(id)
            .filter(api_keys::revoked_at.is_null()),
    )
    .set((api_keys::revoked_at.eq(at), api_keys::revoked_by.eq(by)))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a use of a key (the caller limits this to once a minute).
pub fn touch_key(
    conn: &mut DbConnection,
    id: &str,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(api_keys::table.find(id))
        .set(api_keys::last_used_at.eq(at))
        .execute(conn)
}
