//! User module errors and their HTTP form.

use crate::auth::forbidden;
use crate::error::{AppError, FieldError};

/// What can go wrong in the user module.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// Bad fields.
    #[error("invalid account data")]
    Validation(Vec<FieldError>),
    /// No such account, or not visible to the caller.
    #[error("user not found")]
    NotFound,
    /// The e-mail is in use.
    #[error("e-mail in use")]
    EmailTaken,
    /// The employee record is linked to another account.
    #[error("employee already linked")]
    EmployeeLinked,
    /// The employee id names no employee.
    #[error("employee not found")]
    EmployeeNotFound,
    /// The employee record is terminated: no account may be linked to it.
    #[error("employee terminated")]
    EmployeeTerminated,
    /// Visible, but the caller may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The current password given is wrong.
    #[error("wrong current password")]
    WrongCurrentPassword,
    /// No such API key.
    #[error("API key not found")]
    ApiKeyNotFound,
    /// A live API key has this name.
    #[error("API key name in use")]
    ApiKeyNameTaken,
    /// The API key is revoked already.
    #[error("API key already revoked")]
    ApiKeyRevoked,
    /// Unknown account, wrong password or inactive account (one answer for all).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// Internal failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for UserError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info
                    .constraint_name()
                    .is_some_and(|c| c.contains("api_keys"))
                    || info.message().contains("api_keys") =>
            {
                UserError::ApiKeyNameTaken
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info)
                if info
                    .constraint_name()
                    .is_some_and(|c| c.contains("employee"))
                    || info.message().contains("employee_id") =>
            {
                UserError::EmployeeLinked
            }
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => UserError::EmailTaken,
            other => UserError::Internal(anyhow::Error::new(other).context("user query failed")),
        }
    }
}

impl From<UserError> for AppError {
    fn from(err: UserError) -> Self {
        match err {
            UserError::Validation(d) => AppError::validation(d),
            UserError::NotFound => AppError::not_found("user_not_found", "user not found"),
            UserError::EmailTaken => AppError::conflict(
                "email_taken",
                "another account already uses this e-mail address",
            ),
            UserError::EmployeeLinked => AppError::conflict(
                "employee_already_linked",
                "another account is already linked to this employee",
            ),
            UserError::EmployeeNotFound => AppError::unprocessable(
                "employee_not_found",
                "employee_id does not name an employee",
            ),
            UserError::EmployeeTerminated => AppError::unprocessable(
                "employee_terminated",
                "employee_id names a terminated employee: accounts cannot be linked to it",
            ),
            UserError::Forbidden(m) => forbidden(m),
            UserError::WrongCurrentPassword => {
                AppError::unprocessable("wrong_current_password", "current_password is not correct")
            }
            UserError::ApiKeyNotFound => {
                AppError::not_found("api_key_not_found", "API key not found")
            }
            UserError::ApiKeyNameTaken => AppError::conflict(
                "api_key_name_taken",
                "a live API key already has this name",
            ),
            UserError::ApiKeyRevoked => {
                AppError::conflict("api_key_revoked", "the API key is revoked already")
            }
            UserError::InvalidCredentials => AppError::new(
                actix_web::http::StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "e-mail or password is not correct",
            ),
            UserError::Internal(e) => AppError::internal(e),
        }
    }
}
