//! User types: the row, validated inputs, and the API bodies. The password hash
//! lives only in the row; no response or event carries it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::Role;
use crate::db::schema::users;

/// The `users` row.
#[derive(Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users)]
#[diesel(treat_none_as_null = true)]
pub struct UserRow {
    /// UUID v7.
    pub id: String,
    /// Login name, lower-cased.
    pub email: String,
    /// Shown name.
    pub display_name: String,
    /// [`Role::as_str`].
    pub role: String,
    /// Linked employee record.
    pub employee_id: Option<String>,
    /// Can log in.
    pub active: bool,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// UTC.
    pub created_at: NaiveDateTime,
    /// UTC.
    pub updated_at: NaiveDateTime,
    /// UTC.
    pub last_login_at: Option<NaiveDateTime>,
}

impl std::fmt::Debug for UserRow {
    // Ids only: the e-mail, name and hash stay out of debug output and logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("active", &self.active)
            .finish_non_exhaustive()
    }
}

impl UserRow {
    /// The role (rows only hold valid roles: the table checks it).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Employee)
    }
}

/// A validated new account.
#[derive(Clone)]
pub struct NewUser {
    /// Lower-cased e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Linked employee.
    pub employee_id: Option<String>,
    /// The password, to be hashed by the actor.
    pub password: String,
}

impl std::fmt::Debug for NewUser {
    // Never the password; no personal data either.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("role", &self.role)
            .field("employee_id", &self.employee_id)
            .finish_non_exhaustive()
    }
}

/// A validated change: `None` leaves a field alone.
#[derive(Clone, Default)]
pub struct UserPatch {
    /// New display name.
    pub display_name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New or cleared employee link.
    pub employee_id: Option<Option<String>>,
    /// Activate or deactivate.
    pub active: Option<bool>,
    /// New password.
    pub password: Option<String>,
    /// The caller's current password (required to change one's own password).
    pub current_password: Option<String>,
}

impl UserPatch {
    /// Whether the patch touches role, link or active flag (access fields).
    pub fn touches_access(&self) -> bool {
        self.role.is_some() || self.employee_id.is_some() || self.active.is_some()
    }
}

/// `POST /api/v1/users` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// `admin`, `hr`, `manager` or `employee`.
    pub role: String,
    /// Linked employee id.
    #[serde(default)]
    pub employee_id: Option<String>,
    /// Initial password.
    pub password: String,
}

/// `PATCH /api/v1/users/{id}` body.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// Display name.
    #[serde(default, deserialize_with = "present")]
    pub display_name: Option<Option<String>>,
    /// Role.
    #[serde(default, deserialize_with = "present")]
    pub role: Option<Option<String>>,
    /// Linked employee id; `null` unlinks.
    #[serde(default, deserialize_with = "present")]
    pub employee_id: Option<Option<String>>,
    /// Active flag.
    #[serde(default, deserialize_with = "present")]
    pub active: Option<Option<bool>>,
    /// New password.
    #[serde(default, deserialize_with = "present")]
    pub password: Option<Option<String>>,
    /// Current password, to change one's own.
    #[serde(default, deserialize_with = "present")]
    pub current_password: Option<Option<String>>,
}

fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// `GET /api/v1/users` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListUsersQuery {
    /// Role filter.
    pub role: Option<String>,
    /// Active filter.
    pub active: Option<bool>,
    /// Page size (default 50, capped at 200).
    pub limit: Option<i64>,
    /// Items to skip.
    pub offset: Option<i64>,
}

/// Validated list filters.
#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    /// Role.
    pub role: Option<Role>,
    /// Active flag.
    pub active: Option<bool>,
}

/// `POST /api/v1/auth/login` body.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login e-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A successful login.
#[derive(Debug, Serialize)]
pub struct TokenResponse {
    /// The bearer token.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// An account as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct UserResponse {
    /// Id.
    pub id: String,
    /// Login e-mail.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: String,
    /// Linked employee.
    pub employee_id: Option<String>,
    /// Can log in.
    pub active: bool,
    /// UTC.
    pub created_at: DateTime<Utc>,
    /// UTC.
    pub updated_at: DateTime<Utc>,
    /// UTC.
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<UserRow> for UserResponse {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            role: r.role,
            employee_id: r.employee_id,
            active: r.active,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
            last_login_at: r.last_login_at.map(|t| t.and_utc()),
        }
    }
}

/// One page of accounts.
#[derive(Debug, Serialize)]
pub struct UserPage {
    /// The page.
    pub items: Vec<UserResponse>,
    /// Matches in all pages.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Offset used.
    pub offset: i64,
}
