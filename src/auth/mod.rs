//! Authentication and the caller's identity: signed access tokens, Argon2id
//! password hashing, the login failure limiter, and the [`AuthUser`] extractor
//! that every protected handler takes. Authorization rules themselves live in
//! each module's `rules.rs`; this module only says who is calling.

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
    /// Account id.
    pub user_id: UserId,
    /// Current role.
    pub role: Role,
    /// The employee record linked to the account, if any.
    pub employee_id: Option<EmployeeId>,
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

/// Extractor: the caller of a protected endpoint. Missing, malformed, expired or
/// tampered tokens, and deactivated accounts, get 401.
#[derive(Debug, Clone)]
pub struct AuthUser(pub Principal);

fn unauthorized(message: &str) -> AppError {
    AppError::new(
        actix_web::http::StatusCode::UNAUTHORIZED,
        "unauthorized",
        message,
    )
}

impl FromRequest for AuthUser {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AuthState>>().cloned();
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
        Box::pin(async move {
            let state =
                state.ok_or_else(|| AppError::internal(anyhow::anyhow!("AuthState missing")))?;
            let token = bearer.ok_or_else(|| unauthorized("a bearer token is required"))?;
            let claims = state
                .tokens
                .verify(&token)
                .map_err(|_| unauthorized("the token is invalid or expired"))?;
            let principal = match &state.accounts {
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
                    })?,
                None => claims
                    .principal()
                    .ok_or_else(|| unauthorized("the token is invalid"))?,
            };
            tracing::Span::current().record("user.id", tracing::field::display(&principal.user_id));
            Ok(AuthUser(principal))
        })
    }
}

/// 403 for a caller who may see a resource but not do this to it.
pub fn forbidden(message: impl Into<String>) -> AppError {
    AppError::new(actix_web::http::StatusCode::FORBIDDEN, "forbidden", message)
}
