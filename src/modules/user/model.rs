//! User types: the row, validated inputs, and the API bodies. The password hash
//! lives only in the row; no response or event carries it.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::Schema;
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::auth::Role;
use crate::db::schema::{api_keys, users};
use crate::shared::{present, EmployeeId, WorkEmail};

/// The shape of a display name (documentation only: the rules check it).
pub struct DisplayName;

impl PartialSchema for DisplayName {
    fn schema() -> RefOr<Schema> {
        crate::http::openapi::schema::trimmed_text(
            super::rules::DISPLAY_NAME_MAX,
            "The name shown for an account;",
        )
    }
}

impl ToSchema for DisplayName {}

/// The shape of a new password under the default policy (documentation only).
pub struct NewPassword;

impl PartialSchema for NewPassword {
    fn schema() -> RefOr<Schema> {
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .format(Some(utoipa::openapi::schema::SchemaFormat::Custom(
                "password".into(),
            )))
            .min_length(Some(12))
            .max_length(Some(crate::auth::password::MAX_PASSWORD_LENGTH))
            .description(Some(
                "At least `HRMS_MIN_PASSWORD_LENGTH` characters (12 by default) and at most 1024 bytes of UTF-8.",
            ))
            .into()
    }
}

impl ToSchema for NewPassword {}

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
    /// Credentials generation: raised by a password change or reset, a
    /// (de)activation and a role change; tokens of an older one are refused.
    pub token_generation: i32,
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
    pub employee_id: Option<EmployeeId>,
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
    pub employee_id: Option<Option<EmployeeId>>,
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
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Login e-mail, unique among accounts (409 `email_taken`).
    #[schema(value_type = WorkEmail)]
    pub email: String,
    /// Display name.
    #[schema(value_type = DisplayName)]
    pub display_name: String,
    /// Role; only an admin creates admins.
    #[schema(value_type = Role)]
    pub role: String,
    /// The employee record this account belongs to (at most one account each).
    #[serde(default)]
    #[schema(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Initial password.
    #[schema(value_type = NewPassword)]
    pub password: String,
}

/// `PATCH /api/v1/users/{id}` body: only the fields present change. Nobody
/// changes their own role, employee link or active flag.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    /// Display name (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = DisplayName)]
    pub display_name: Option<Option<String>>,
    /// Role (cannot be cleared); only an admin grants admin.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Role)]
    pub role: Option<Option<String>>,
    /// Linked employee id; `null` unlinks.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<EmployeeId>)]
    pub employee_id: Option<Option<String>>,
    /// Whether the account can log in (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = bool)]
    pub active: Option<Option<bool>>,
    /// New password (cannot be cleared); your own needs `current_password`.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = NewPassword)]
    pub password: Option<Option<String>>,
    /// Your current password, to change your own; `null` is the same as absent.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, max_length = 1024)]
    pub current_password: Option<Option<String>>,
}

/// `GET /api/v1/users` query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListUsersQuery {
    /// Only accounts with this role.
    #[param(value_type = Role, required = false)]
    pub role: Option<String>,
    /// Only active (`true`) or inactive (`false`) accounts.
    #[param(value_type = bool, required = false)]
    pub active: Option<bool>,
    /// Page size: default 50; values above 200 are capped to 200 (not rejected).
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
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
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Login e-mail (case does not matter).
    #[schema(max_length = 254)]
    pub email: String,
    /// Password.
    #[schema(format = Password, max_length = 1024)]
    pub password: String,
}

/// A successful login.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The bearer token, for `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(value_type = String, pattern = "^Bearer$")]
    pub token_type: &'static str,
    /// Seconds until it expires (`HRMS_TOKEN_TTL_SECS`).
    pub expires_in: u64,
}

/// An account as the API returns it (never the password or its hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserResponse {
    /// Id (UUID).
    #[schema(format = Uuid)]
    pub id: String,
    /// Login e-mail, lower-cased.
    #[schema(format = Email)]
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    #[schema(value_type = Role)]
    pub role: String,
    /// Linked employee record.
    #[schema(required = true, value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Can log in.
    pub active: bool,
    /// UTC.
    pub created_at: DateTime<Utc>,
    /// UTC.
    pub updated_at: DateTime<Utc>,
    /// UTC; `null` before the first login.
    #[schema(required = true)]
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
#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    /// The page.
    pub items: Vec<UserResponse>,
    /// Matches in all pages.
    #[schema(minimum = 0)]
    pub total: i64,
    /// Page size used (the requested one, capped at 200).
    #[schema(minimum = 1, maximum = 200)]
    pub limit: i64,
    /// Offset used.
    #[schema(minimum = 0)]
    pub offset: i64,
}

/// The `api_keys` row. Never carries the key itself, only its keyed hash.
#[derive(Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = api_keys)]
#[diesel(treat_none_as_null = true)]
pub struct ApiKeyRow {
    /// UUID v7; the key's `actor_id` in events.
    pub id: String,
    /// What the key is for (unique among live keys).
    pub name: String,
    /// `admin` or `hr`.
    pub role: String,
    /// Only reads.
    pub read_only: bool,
    /// Comma-separated module names; `None` = every module.
    pub modules: Option<String>,
    /// HMAC-SHA256 of the key under the server key, hex.
    pub secret_hash: String,
    /// UTC.
    pub created_at: NaiveDateTime,
    /// Account id of the admin who created it.
    pub created_by: String,
    /// UTC, to the minute.
    pub last_used_at: Option<NaiveDateTime>,
    /// UTC; set once.
    pub revoked_at: Option<NaiveDateTime>,
    /// Account id of the admin who revoked it.
    pub revoked_by: Option<String>,
}

impl std::fmt::Debug for ApiKeyRow {
    // Never the hash.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRow")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("revoked", &self.revoked_at.is_some())
            .finish_non_exhaustive()
    }
}

impl ApiKeyRow {
    /// The module list, `None` for every module.
    pub fn module_list(&self) -> Option<Vec<String>> {
        self.modules
            .as_deref()
            .map(|m| m.split(',').map(str::to_owned).collect())
    }
}

/// A validated new key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    /// Trimmed name.
    pub name: String,
    /// `Admin` or `Hr`.
    pub role: Role,
    /// Only reads.
    pub read_only: bool,
    /// Sorted, distinct module names; `None` = every module.
    pub modules: Option<Vec<String>>,
}

/// The shape of an API key's name (documentation only: the rules check it).
pub struct ApiKeyName;

impl PartialSchema for ApiKeyName {
    fn schema() -> RefOr<Schema> {
        crate::http::openapi::schema::trimmed_text(
            super::rules::API_KEY_NAME_MAX,
            "What the key is for, unique among live keys (e.g. `payroll-export`);",
        )
    }
}

impl ToSchema for ApiKeyName {}

/// A module a key may be limited to.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScopeModule {
    /// Accounts (`/users`, `/auth`).
    User,
    /// Employee records.
    Employee,
    /// Leave.
    Leave,
    /// Attendance.
    Attendance,
    /// Compliance.
    Compliance,
}

/// The role of a key: a key acts for a service, not for a person, so it has
/// no employee record and no reporting chain (hence no manager or employee keys).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyRole {
    /// Everything (operator routes included, unless the key lists modules).
    Admin,
    /// What the hr role may do.
    Hr,
}

/// `POST /api/v1/api-keys` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// What the key is for.
    #[schema(value_type = ApiKeyName)]
    pub name: String,
    /// The role the key acts with: `admin` or `hr`.
    #[schema(value_type = ApiKeyRole)]
    pub role: String,
    /// Only reads (`GET`, `HEAD`): every other method is 403
    /// `api_key_out_of_scope`. Default `false`.
    #[serde(default)]
    pub read_only: Option<bool>,
    /// Only these modules' routes (others are 403 `api_key_out_of_scope`, and
    /// so are the operator routes); absent or `null` = every module.
    #[serde(default)]
    #[schema(value_type = Option<Vec<ScopeModule>>, min_items = 1)]
    pub modules: Option<Vec<String>>,
}

/// `GET /api/v1/api-keys` query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListApiKeysQuery {
    /// `false`: only live keys; `true`: only revoked ones; absent: both.
    #[param(value_type = bool, required = false)]
    pub revoked: Option<bool>,
    /// Page size: default 50; values above 200 are capped to 200 (not rejected).
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

/// An API key as the API describes it: never the key or its hash.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApiKeyResponse {
    /// Id (UUID); the `actor_id` of everything the key does.
    #[schema(format = Uuid)]
    pub id: String,
    /// What the key is for.
    pub name: String,
    /// The role it acts with.
    #[schema(value_type = ApiKeyRole)]
    pub role: String,
    /// Only reads.
    pub read_only: bool,
    /// The modules it reaches; `null` = every module.
    #[schema(required = true, value_type = Option<Vec<ScopeModule>>)]
    pub modules: Option<Vec<String>>,
    /// UTC.
    pub created_at: DateTime<Utc>,
    /// The account that created it.
    #[schema(format = Uuid)]
    pub created_by: String,
    /// UTC, to the minute; `null` before the first use.
    #[schema(required = true)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// UTC; `null` while the key is live.
    #[schema(required = true)]
    pub revoked_at: Option<DateTime<Utc>>,
    /// The account that revoked it.
    #[schema(required = true, format = Uuid)]
    pub revoked_by: Option<String>,
}

impl From<&ApiKeyRow> for ApiKeyResponse {
    fn from(r: &ApiKeyRow) -> Self {
        Self {
            id: r.id.clone(),
            name: r.name.clone(),
            role: r.role.clone(),
            read_only: r.read_only,
            modules: r.module_list(),
            created_at: r.created_at.and_utc(),
            created_by: r.created_by.clone(),
            last_used_at: r.last_used_at.map(|t| t.and_utc()),
            revoked_at: r.revoked_at.map(|t| t.and_utc()),
            revoked_by: r.revoked_by.clone(),
        }
    }
}

/// A key just created: its description and, this once, the key itself.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    /// The key as stored.
    #[serde(flatten)]
    pub description: ApiKeyResponse,
    /// The key, shown only in this answer: send it as `Authorization: Bearer
    /// <key>` or `X-API-Key: <key>`. It cannot be recovered; a lost key is
    /// revoked and replaced.
    #[schema(pattern = "^hrms_[0-9a-f]{32}_[0-9a-f]{64}$")]
    pub key: String,
}

/// One page of API keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyPage {
    /// The page, oldest first.
    pub items: Vec<ApiKeyResponse>,
    /// Matches in all pages.
    #[schema(minimum = 0)]
    pub total: i64,
    /// Page size used (the requested one, capped at 200).
    #[schema(minimum = 1, maximum = 200)]
    pub limit: i64,
    /// Offset used.
    #[schema(minimum = 0)]
    pub offset: i64,
}
