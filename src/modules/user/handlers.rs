//! HTTP handlers of the user module and of login.

use std::time::Instant;

use actix::Addr;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::actor::*;
use super::errors::UserError;
use super::model::*;
use super::rules;
use crate::auth::limiter::LoginLimiter;
use crate::auth::{client_address, AuthUser, TokenService, Via};
use crate::config::AuthSettings;
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::modules::employee::{EmployeeId, EmployeeStatus, GetEmployeeFacts};
use crate::shared::{ApiKeyId, UserId};

/// The employee module's answer to "does this employee exist", as the user
/// module receives it: a recipient of the contract message, not the actor's
/// type. Absent when the employee module is not mounted.
pub type EmployeeFactsRecipient = web::Data<actix::Recipient<GetEmployeeFacts>>;

/// The user actor, as handlers receive it.
pub type Users = web::Data<Addr<UserActor>>;

/// Login settings and failure counters, shared by all workers.
pub struct LoginGuard {
    /// Issues tokens.
    pub tokens: std::sync::Arc<TokenService>,
    /// Failed logins per (account, address) and per address.
    pub limiter: LoginLimiter,
    /// Password policy.
    pub min_password_length: usize,
}

impl LoginGuard {
    /// The guard the settings describe (one-hour windows).
    pub fn new(tokens: std::sync::Arc<TokenService>, settings: &AuthSettings) -> Self {
        Self {
            tokens,
            limiter: LoginLimiter::new(
                settings.max_failures_per_account,
                settings.max_failures_per_client,
                std::time::Duration::from_secs(3600),
            ),
            min_password_length: settings.min_password_length,
        }
    }
}

fn too_many(retry_after: std::time::Duration) -> AppError {
    AppError::too_many(
        "too_many_attempts",
        "too many failed logins; try again later",
        retry_after,
    )
}


/// The limiter key of `current_password` checks on the account `id` (counted
/// per account and address like logins, in a budget of their own).
fn current_password_key(id: UserId) -> String {
    format!("current-password:{id}")
}

/// `POST /api/v1/auth/login`: e-mail and password for a short-lived token.
/// Failed attempts are counted per account and per client address and checked
/// before the password is hashed.
// (The limiter counts per account from one address and per address; an attempt
// takes its slot before hashing and gives it back only on success, and one
// attempt per account is checked at a time: see `auth::limiter`.)
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A bearer token.", body = TokenResponse, headers(("Cache-Control" = String, description = "`no-store`: the token must not be cached."))),
        (status = 401, description = "- `invalid_credentials`: e-mail or password is not correct, or the account is inactive (one answer for every failure)"),
        (status = 429, description = "- `too_many_attempts`: too many failed logins for this account or from this address; try again after `Retry-After` seconds", headers(("Retry-After" = String, description = "Seconds to wait before the next attempt (an integer, at least 1)."))),
    )
)]
pub async fn login(
    actor: Users,
    guard: web::Data<LoginGuard>,
    req: HttpRequest,
    body: crate::http::Json<LoginRequest>,
) -> Result<HttpResponse, AppError> {
    let body = body.into_inner();
    if !rules::login_is_plausible(&body.email, &body.password) {
        return Err(UserError::InvalidCredentials.into());
    }
    let account = crate::shared::WorkEmail::lookup_key(&body.email);
    let client = client_address(&req);
    let attempt = match guard.limiter.begin(&account, &client, Instant::now()) {
        Ok(attempt) => attempt,
        Err(refused) => {
            let id = guard.limiter.known_id(&account);
            tracing::warn!(
                user.id = id.as_deref().unwrap_or("unknown"),
                client.address = %client,
                limit = refused.reason.as_str(),
                "login refused: too many attempts"
            );
            return Err(too_many(refused.retry_after));
        }
    };
    match actor
        .send(Login {
            email: account.clone(),
            password: body.password,
        })
        .await?
    {
        Ok((who, generation)) => {
            attempt.succeeded();
            let token = guard
                .tokens
                .issue_at(&who, generation)
                .map_err(AppError::internal)?;
            Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .json(TokenResponse {
                    access_token: token,
                    token_type: "Bearer",
                    expires_in: guard.tokens.ttl_secs(),
                }))
        }
        Err(UserError::InvalidCredentials) => {
            // Asked while the attempt still holds the account's slot, so a
            // guesser cannot use this lookup to go faster.
            let id = match actor
                .send(AccountIdByEmail {
                    email: account.clone(),
                })
                .await
            {
                Ok(Ok(id)) => id,
                _ => None,
            };
            if let Some(id) = &id {
                guard.limiter.remember_id(&account, id);
            }
            drop(attempt);
            tracing::info!(
                user.id = id.as_deref().unwrap_or("unknown"),
                client.address = %client,
                "login failed"
            );
            Err(UserError::InvalidCredentials.into())
        }
        Err(other) => Err(other.into()),
    }
}

/// `GET /api/v1/auth/me`
#[utoipa::path(
    get,
    path = "/api/v1/auth/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's account.", body = UserResponse),
        (status = 403, description = "- `forbidden`: the caller is an API key, not an account"),
    )
)]
pub async fn get_me(actor: Users, user: AuthUser) -> Result<HttpResponse, AppError> {
    if user.0.via == Via::ApiKey {
        return Err(crate::auth::forbidden(
            "an API key is not an account: GET /api/v1/auth/me describes logged-in accounts only",
        ));
    }
    let id = user.0.user_id;
    let row = actor.send(GetUser { by: user.0, id }).await??;
    Ok(HttpResponse::Ok().json(UserResponse::from(row)))
}

/// Asks the employee module whether a linked employee exists.
async fn check_employee(
    employees: Option<EmployeeFactsRecipient>,
    id: Option<EmployeeId>,
) -> Result<(), AppError> {
    let Some(id) = id else { return Ok(()) };
    let Some(employees) = employees else {
        return Err(AppError::unprocessable(
            "employee_module_unavailable",
            "the employee module is not mounted: accounts cannot be linked to employees",
        ));
    };
    match employees.send(GetEmployeeFacts { id }).await?? {
        None => Err(UserError::EmployeeNotFound.into()),
        Some(facts) if facts.status == EmployeeStatus::Terminated => {
            Err(UserError::EmployeeTerminated.into())
        }
        Some(_) => Ok(()),
    }
}

/// `POST /api/v1/users`: also sends the `account_created` notification.
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "users",
    request_body = CreateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = UserResponse, headers(("Location" = String, description = "`/api/v1/users/{id}` of the new account."))),
        (status = 403, description = "- `forbidden`: only admin and hr create accounts, and only an admin creates admins"),
        (status = 409, description = "- `email_taken`: another account already uses this e-mail address\n- `employee_already_linked`: another account is already linked to this employee"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)\n- `employee_not_found`: `employee_id` names no employee\n- `employee_terminated`: `employee_id` names a terminated employee\n- `employee_module_unavailable`: the employee module is not mounted, so accounts cannot be linked"),
    )
)]
pub async fn create_user(
    actor: Users,
    guard: web::Data<LoginGuard>,
    employees: Option<EmployeeFactsRecipient>,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<CreateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let input = rules::validate_create(body.into_inner(), guard.min_password_length)
        .map_err(UserError::Validation)?;
    rules::may_create(&user.0, input.role)
        .map_err(|_| crate::auth::forbidden("your role may not create this account"))?;
    check_employee(employees, input.employee_id).await?;
    let row = actor
        .send(CreateUser {
            ctx: meta.event_context_by(&user.0),
            by: Some(user.0),
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/users/{}", row.id)))
        .json(UserResponse::from(row)))
}

/// `GET /api/v1/users`
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "users",
    params(ListUsersQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The accounts you may see (hr: all but admins'), oldest first.", body = UserPage),
        (status = 403, description = "- `forbidden`: only admin and hr list accounts"),
        (status = 422, description = "- `validation_failed`: a filter or the page window is invalid (`details` names each)"),
    )
)]
pub async fn list_users(
    actor: Users,
    user: AuthUser,
    query: web::Query<ListUsersQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, page) = rules::validate_list(query.into_inner()).map_err(UserError::Validation)?;
    let (rows, total) = actor
        .send(ListUsers {
            by: user.0,
            filter,
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(UserPage {
        items: rows.into_iter().map(UserResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `GET /api/v1/users/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "The account's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account.", body = UserResponse),
        (status = 404, description = "- `user_not_found`: no account with this id that you may see"),
    )
)]
pub async fn get_user(
    actor: Users,
    user: AuthUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(GetUser {
            by: user.0,
            id: UserId::from(id.into_inner()),
        })
        .await??;
    Ok(HttpResponse::Ok().json(UserResponse::from(row)))
}

/// `PATCH /api/v1/users/{id}`
#[utoipa::path(
    patch,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "The account's id.")),
    request_body = UpdateUserRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The account after the change.", body = UserResponse),
        (status = 403, description = "- `forbidden`: your role may not make this change, you tried to change your own role, link or active flag, or to change your own password without `current_password`"),
        (status = 404, description = "- `user_not_found`: no account with this id that you may see"),
        (status = 409, description = "- `employee_already_linked`: another account is already linked to this employee"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)\n- `employee_not_found`: `employee_id` names no employee\n- `employee_terminated`: `employee_id` names a terminated employee\n- `employee_module_unavailable`: the employee module is not mounted, so accounts cannot be linked\n- `wrong_current_password`: `current_password` is not correct"),
        (status = 429, description = "- `too_many_attempts`: too many wrong `current_password` values for your account from this address; try again after `Retry-After` seconds", headers(("Retry-After" = String, description = "Seconds to wait before the next attempt (an integer, at least 1)."))),
    )
)]
#[expect(
    clippy::too_many_arguments,
    reason = "an actix handler: each argument is an extractor"
)]
pub async fn update_user(
    actor: Users,
    guard: web::Data<LoginGuard>,
    employees: Option<EmployeeFactsRecipient>,
    user: AuthUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<uuid::Uuid>,
    body: crate::http::Json<UpdateUserRequest>,
) -> Result<HttpResponse, AppError> {
    let patch = rules::validate_patch(body.into_inner(), guard.min_password_length)
        .map_err(UserError::Validation)?;
    if let Some(Some(e)) = patch.employee_id {
        check_employee(employees, Some(e)).await?;
    }
    let id = UserId::from(id.into_inner());
    // A `current_password` on one's own account is a password guess: it takes
    // a limiter slot before the hash check, like a login.
    let client = client_address(&req);
    let attempt = if patch.current_password.is_some() && user.0.user_id == id {
        match guard
            .limiter
            .begin(&current_password_key(id), &client, Instant::now())
        {
            Ok(attempt) => Some(attempt),
            Err(refused) => {
                tracing::warn!(
                    user.id = %id,
                    client.address = %client,
                    limit = refused.reason.as_str(),
                    "password change refused: too many wrong current passwords"
                );
                return Err(AppError::too_many(
                    "too_many_attempts",
                    "too many wrong current passwords; try again later",
                    refused.retry_after,
                ));
            }
        }
    } else {
        None
    };
    let result = actor
        .send(UpdateUser {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id,
            patch,
        })
        .await?;
    match (result, attempt) {
        (Ok(row), attempt) => {
            if let Some(attempt) = attempt {
                attempt.succeeded();
            }
            Ok(HttpResponse::Ok().json(UserResponse::from(row)))
        }
        (Err(UserError::WrongCurrentPassword), attempt) => {
            drop(attempt);
            tracing::info!(user.id = %id, client.address = %client, "wrong current password");
            Err(UserError::WrongCurrentPassword.into())
        }
        (Err(other), attempt) => {
            if let Some(attempt) = attempt {
                attempt.not_checked();
            }
            Err(other.into())
        }
    }
}

/// `DELETE /api/v1/users/{id}`
#[utoipa::path(
    delete,
    path = "/api/v1/users/{id}",
    tag = "users",
    params(("id" = uuid::Uuid, Path, description = "The account's id.")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 403, description = "- `forbidden`: only admin and hr delete accounts, and nobody deletes their own"),
        (status = 404, description = "- `user_not_found`: no account with this id that you may see"),
    )
)]
pub async fn delete_user(
    actor: Users,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    actor
        .send(DeleteUser {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: UserId::from(id.into_inner()),
        })
        .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/v1/api-keys`: a named key for a machine client; the key is in
/// this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    tag = "api-keys",
    request_body = CreateApiKeyRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created. The answer carries the key, which is shown this once.", body = CreatedApiKey, headers(("Location" = String, description = "`/api/v1/api-keys/{id}` of the new key."))),
        (status = 403, description = "- `forbidden`: only an admin, logged in (not with a key), manages API keys"),
        (status = 409, description = "- `api_key_name_taken`: a live key already has this name"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)"),
    )
)]
pub async fn create_api_key(
    actor: Users,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, AppError> {
    use secrecy::ExposeSecret;
    rules::may_manage_keys(&user.0).map_err(|_| {
        crate::auth::forbidden("only an admin, logged in (not with a key), manages API keys")
    })?;
    let input = rules::validate_key_create(body.into_inner()).map_err(UserError::Validation)?;
    let (row, key) = actor
        .send(CreateApiKey {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-keys/{}", row.id)))
        .json(CreatedApiKey {
            description: ApiKeyResponse::from(&row),
            key: key.expose_secret().to_owned(),
        }))
}

/// `GET /api/v1/api-keys`
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    tag = "api-keys",
    params(ListApiKeysQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "API keys, oldest first (never the keys or their hashes).", body = ApiKeyPage),
        (status = 403, description = "- `forbidden`: only an admin, logged in (not with a key), manages API keys"),
        (status = 422, description = "- `validation_failed`: the page window is invalid (`details` names each)"),
    )
)]
pub async fn list_api_keys(
    actor: Users,
    user: AuthUser,
    query: web::Query<ListApiKeysQuery>,
) -> Result<HttpResponse, AppError> {
    let (revoked, page) =
        rules::validate_key_list(query.into_inner()).map_err(UserError::Validation)?;
    let (rows, total) = actor
        .send(ListApiKeys {
            by: user.0,
            revoked,
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(ApiKeyPage {
        items: rows.iter().map(ApiKeyResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `GET /api/v1/api-keys/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/api-keys/{id}",
    tag = "api-keys",
    params(("id" = uuid::Uuid, Path, description = "The key's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The key (never the key itself or its hash).", body = ApiKeyResponse),
        (status = 403, description = "- `forbidden`: only an admin, logged in (not with a key), manages API keys"),
        (status = 404, description = "- `api_key_not_found`: no key with this id"),
    )
)]
pub async fn get_api_key(
    actor: Users,
    user: AuthUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(GetApiKey {
            by: user.0,
            id: ApiKeyId::from(id.into_inner()),
        })
        .await??;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::from(&row)))
}

/// `DELETE /api/v1/api-keys/{id}`: revokes the key at once (its next request
/// is 401); the record stays, so that audit entries naming it stay explained.
#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{id}",
    tag = "api-keys",
    params(("id" = uuid::Uuid, Path, description = "The key's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked: the key as it is now.", body = ApiKeyResponse),
        (status = 403, description = "- `forbidden`: only an admin, logged in (not with a key), manages API keys"),
        (status = 404, description = "- `api_key_not_found`: no key with this id"),
        (status = 409, description = "- `api_key_revoked`: the key is revoked already"),
    )
)]
pub async fn revoke_api_key(
    actor: Users,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(RevokeApiKey {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: ApiKeyId::from(id.into_inner()),
        })
        .await??;
    Ok(HttpResponse::Ok().json(ApiKeyResponse::from(&row)))
}
