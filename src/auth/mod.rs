//! Authentication and the caller's identity: signed access tokens, Argon2id
//! password hashing, the login failure limiter, and the [`AuthUser`] extractor
//! that every protected handler takes. Authorization rules themselves live in
//! each module's `rules.rs`; this module only says who is calling.

pub mod api_key;
pub mod limiter;
pub mod password;
pub mod token;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::shared::{EmployeeId, UserId};

pub use token::TokenService;

/// What a user may do, coarsely; object-level rules refine it per module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything.
    Admin,
    /// All employee, leave and attendance data; accounts except admins'.
    Hr,
    /// Their direct and indirect reports, and themselves.
    Manager,
    /// Only their own records.
    Employee,
}

impl Role {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Hr => "hr",
            Role::Manager => "manager",
            Role::Employee => "employee",
        }
    }

    /// Parses [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "hr" => Some(Role::Hr),
            "manager" => Some(Role::Manager),
            "employee" => Some(Role::Employee),
            _ => None,
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Account id; for an API key, the key's id (so that what the key does is
    /// attributed to it: the `actor_id` of its events). It names no account.
    pub user_id: UserId,
    /// Current role.
    pub role: Role,
    /// The employee record linked to the account, if any (never for a key).
    pub employee_id: Option<EmployeeId>,
    /// How the caller authenticated.
    pub via: Via,
}

/// How a caller authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Via {
    /// An access token from a login.
    #[default]
    Token,
    /// An API key (a machine client).
    ApiKey,
}

/// The answer to an API key lookup.
pub enum KeyCheck {
    /// A live key: who it acts as, and its scope.
    Valid(Principal, api_key::KeyScope),
    /// Unknown, wrong, malformed or revoked (one answer for all).
    Invalid,
    /// Too many failed keys from this client address (or for this key from it).
    Refused(std::time::Duration),
}

/// Looks up the current state of an account (active, role, link, credentials
/// generation), so that a deactivation, role change or password change takes
/// effect before the token expires.
pub trait AccountLookup: Send + Sync {
    /// `None` when the account is gone or inactive, or its credentials
    /// generation is not `token_generation` (the token predates a password
    /// change, reset, (de)activation or role change).
    fn current(
        &self,
        user_id: UserId,
        token_generation: i64,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Principal>, AppError>>>>;

    /// Checks an API key presented from `client` (an address): failures count
    /// in the login limiter, and past its limits the answer is `Refused`.
    fn api_key(
        &self,
        key: String,
        client: String,
    ) -> Pin<Box<dyn Future<Output = Result<KeyCheck, AppError>>>>;
}

/// What the extractor needs, registered as app data.
#[derive(Clone)]
pub struct AuthState {
    /// Verifies tokens.
    pub tokens: Arc<TokenService>,
    /// Current account state; `None` when the user module is not mounted
    /// (then the token's claims are trusted until they expire).
    pub accounts: Option<Arc<dyn AccountLookup>>,
}

/// Extractor: the caller of a protected endpoint, by access token or API key.
/// Missing, malformed, expired or tampered tokens, deactivated accounts, and
/// unknown or revoked keys get 401; a key outside its scope gets 403
/// `api_key_out_of_scope`; too many invalid keys from an address get 429.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Principal);

fn unauthorized(message: &str) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "unauthorized",
        message,
    )
}

/// Header that carries an API key (the other way is `Authorization: Bearer`).
pub const API_KEY_HEADER: &str = "x-api-key";

/// What the request presents: an API key (`X-API-Key`, or a bearer value that
/// starts with `hrms_`), a token, or nothing.
enum Presented {
    Key(String),
    Token(String),
    Nothing,
}

fn presented(req: &HttpRequest) -> Presented {
    if let Some(key) = req
        .headers()
        .get(API_KEY_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return Presented::Key(key.trim().to_owned());
    }
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.split_once(' ')?;
            scheme
                .eq_ignore_ascii_case("bearer")
                .then(|| token.trim().to_owned())
        });
    match bearer {
        Some(b) if b.starts_with(api_key::PREFIX) => Presented::Key(b),
        Some(b) => Presented::Token(b),
        None => Presented::Nothing,
    }
}

/// The client's address as the limiters count it (the peer's IP).
pub fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".to_owned())
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AuthState>>().cloned();
        let presented = presented(req);
        let method = req.method().clone();
        let path = req.path().to_owned();
        let client = client_address(req);
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AuthState missing")))?;
            let principal = match presented {
                Presented::Nothing => return Err(unauthorized("a bearer token is required")),
                Presented::Token(token) => from_token(&state, &token).await?,
                Presented::Key(key) => from_key(&state, key, client, &method, &path).await?,
            };
            tracing::Span::current().record("user.id", tracing::field::display(&principal.user_id));
            Ok(AuthUser(principal))
        })
    }
}

async fn from_token(state: &AuthState, token: &str) -> Result<Principal, AppError> {
    let claims = state
        .tokens
        .verify(token)
        .map_err(|_| unauthorized("the token is invalid or expired"))?;
    match &state.accounts {
        Some(accounts) => accounts
            .current(
                claims
                    .sub
                    .parse()
                    .map_err(|_| unauthorized("the token is invalid"))?,
                claims.gen,
            )
            .await?
            .ok_or_else(|| {
                unauthorized("the account is inactive or gone, or the token was revoked")
            }),
        None => claims
            .principal()
            .ok_or_else(|| unauthorized("the token is invalid")),
    }
}

async fn from_key(
    state: &AuthState,
    key: String,
    client: String,
    method: &actix_web::http::Method,
    path: &str,
) -> Result<Principal, AppError> {
    // Without the user module there is no key table: no key is valid.
    let Some(accounts) = &state.accounts else {
        return Err(unauthorized("the API key is invalid or revoked"));
    };
    match accounts.api_key(key, client).await? {
        KeyCheck::Valid(principal, scope) => match scope.refuses(method, path) {
            None => Ok(principal),
            Some(why) => Err(AppError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                "api_key_out_of_scope",
                why,
            )),
        },
        KeyCheck::Invalid => Err(unauthorized("the API key is invalid or revoked")),
        KeyCheck::Refused(retry_after) => Err(AppError::too_many(
            "too_many_attempts",
            "too many invalid API keys from this address; try again later",
            retry_after,
        )),
    }
}

/// 403 for a caller who may see a resource but not do this to it.
pub fn forbidden(message: impl Into<String>) -> AppError {
    AppError::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", message)
}
