//! Attendance module errors and their HTTP form: every rule refusal keeps its
//! stable code (see [`super::rules::AttendanceError`]).

use actix_web::http::StatusCode;

use super::rules::{AttendanceError, Rejection};
use crate::error::{AppError, FieldError};

/// What can go wrong in the attendance module.
#[derive(Debug, thiserror::Error)]
pub enum AttendanceFailure {
    /// A rule refused the write or query.
    #[error("{0}")]
    Rule(#[from] Rejection),
    /// Field-level input problems.
    #[error("invalid attendance input")]
    Validation(Vec<FieldError>),
    /// No such record (or not visible).
    #[error("attendance record not found")]
    RecordNotFound,
    /// No such employee (or not visible).
    #[error("employee not found")]
    EmployeeNotFound,
    /// No such correction request (or not visible).
    #[error("correction request not found")]
    RequestNotFound,
    /// No such period lock (or not visible).
    #[error("period lock not found")]
    LockNotFound,
    /// The caller's account has no employee record (self-service needs one).
    #[error("account not linked to an employee")]
    NotLinked,
    /// Database or other internal failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<AttendanceError> for AttendanceFailure {
    fn from(e: AttendanceError) -> Self {
        AttendanceFailure::Rule(Rejection::one(e))
    }
}

impl From<diesel::result::Error> for AttendanceFailure {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            // The only unique index besides the keys: one open record per employee.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                AttendanceError::AlreadyCheckedIn.into()
            }
            other => AttendanceFailure::Internal(
                anyhow::Error::new(other).context("attendance query failed"),
            ),
        }
    }
}

impl From<AttendanceFailure> for AppError {
    fn from(err: AttendanceFailure) -> Self {
        match err {
            AttendanceFailure::Rule(r) => {
                let e = r.primary();
                let status = StatusCode::from_u16(e.http_status())
                    .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
                AppError::new(status, e.code(), e.to_string())
            }
            AttendanceFailure::Validation(details) => AppError::validation(details),
            AttendanceFailure::RecordNotFound => AppError::not_found(
                "attendance_record_not_found",
                "no attendance record with this id that you may see",
            ),
            AttendanceFailure::RequestNotFound => AppError::not_found(
                "correction_request_not_found",
                "no correction request with this id that you may see",
            ),
            AttendanceFailure::LockNotFound => AppError::not_found(
                "attendance_lock_not_found",
                "no period lock with this id that you may see",
            ),
            AttendanceFailure::EmployeeNotFound => {
                AppError::not_found("employee_not_found", "employee not found")
            }
            AttendanceFailure::NotLinked => AppError::not_found(
                "employee_not_found",
                "your account is not linked to an employee record",
            ),
            AttendanceFailure::Internal(e) => AppError::internal(e),
        }
    }
}
