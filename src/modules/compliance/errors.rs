//! Compliance module errors and their HTTP form, each with a stable code.

use super::domain::ComplianceError;
use crate::error::{AppError, FieldError};

/// What can go wrong in the compliance module.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceFailure {
    /// Field-level input problems.
    #[error("invalid compliance input")]
    Validation(Vec<FieldError>),
    /// A rule-pack or range problem of the rules layer.
    #[error(transparent)]
    Rules(#[from] ComplianceError),
    /// No such violation (or not visible).
    #[error("violation not found")]
    ViolationNotFound,
    /// No such opt-out (or not visible).
    #[error("opt-out not found")]
    OptOutNotFound,
    /// No such check.
    #[error("check not found")]
    CheckNotFound,
    /// No such employee (or not visible).
    #[error("employee not found")]
    EmployeeNotFound,
    /// The caller's account has no employee record.
    #[error("account not linked to an employee")]
    NotLinked,
    /// The violation is already acknowledged.
    #[error("violation already acknowledged")]
    AlreadyAcknowledged,
    /// The violation is resolved: nothing to acknowledge.
    #[error("violation resolved")]
    Resolved,
    /// The employee has an opt-out in force on that date already.
    #[error("opt-out already in force")]
    OptOutInForce,
    /// The opt-out is already withdrawn.
    #[error("opt-out already withdrawn")]
    OptOutWithdrawn,
    /// A date lies in the future.
    #[error("date in the future")]
    FutureDate(&'static str),
    /// A withdrawal dated before the opt-out was signed.
    #[error("withdrawal before signature")]
    WithdrawnBeforeSigned,
    /// A period whose end precedes its start.
    #[error("the end of the period precedes its start")]
    InvalidRange,
    /// A period longer than the endpoint allows (the limit in days).
    #[error("the period is too long")]
    RangeTooLong(i64),
    /// A planned interval that ends at or before its start.
    #[error("a planned interval ends at or before its start")]
    InvalidInterval,
    /// A planned interval longer than 24 hours.
    #[error("a planned interval lasts more than 24 hours")]
    IntervalTooLong,
    /// A note that is empty once trimmed.
    #[error("note required")]
    NoteRequired,
    /// A note longer than its limit.
    #[error("note too long")]
    NoteTooLong,
    /// A note with control or invisible characters.
    #[error("invalid text")]
    InvalidText,
    /// Database or other internal failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for ComplianceFailure {
    fn from(err: diesel::result::Error) -> Self {
        ComplianceFailure::Internal(anyhow::Error::new(err).context("compliance query failed"))
    }
}

impl From<ComplianceFailure> for AppError {
    fn from(err: ComplianceFailure) -> Self {
        use ComplianceFailure as F;
        match err {
            F::Validation(details) => AppError::validation(details),
            F::Rules(e) => AppError::unprocessable(e.code(), e.to_string()),
            F::ViolationNotFound => AppError::not_found(
                "violation_not_found",
                "no violation or alert with this id that you may see",
            ),
            F::OptOutNotFound => {
                AppError::not_found("opt_out_not_found", "no opt-out with this id that you may see")
            }
            F::CheckNotFound => AppError::not_found("check_not_found", "no check with this id"),
            F::EmployeeNotFound => AppError::not_found("employee_not_found", "employee not found"),
            F::NotLinked => AppError::not_found(
                "employee_not_found",
                "your account is not linked to an employee record",
            ),
            F::AlreadyAcknowledged => AppError::conflict(
                "already_acknowledged",
                "the violation is already acknowledged",
            ),
            F::Resolved => AppError::conflict(
                "violation_resolved",
                "the violation is resolved: it is no longer true",
            ),
            F::OptOutInForce => AppError::conflict(
                "opt_out_in_force",
                "the employee has an opt-out in force on that date",
            ),
            F::OptOutWithdrawn => {
                AppError::conflict("opt_out_withdrawn", "the opt-out is already withdrawn")
            }
            F::FutureDate(field) => AppError::validation(vec![FieldError::new(
                field,
                "future_date",
                "must not be after today (in the employee's time zone)",
            )]),
            F::WithdrawnBeforeSigned => AppError::validation(vec![FieldError::new(
                "withdrawn_on",
                "before_signed",
                "must not be before the day the opt-out was signed",
            )]),
            F::InvalidRange => AppError::unprocessable("invalid_range", "`to` must not be before `from`"),
            F::RangeTooLong(days) => AppError::unprocessable(
                "range_too_long",
                format!("the period may cover at most {days} days"),
            ),
            F::InvalidInterval => AppError::unprocessable(
                "invalid_interval",
                "each planned interval must end after it starts",
            ),
            F::IntervalTooLong => AppError::unprocessable(
                "interval_too_long",
                "a planned interval lasts at most 24 hours",
            ),
            F::NoteRequired => AppError::unprocessable("note_required", "the note must not be empty"),
            F::NoteTooLong => AppError::unprocessable("note_too_long", "the note is longer than 1000 characters"),
            F::InvalidText => AppError::unprocessable(
                "invalid_text",
                "the note has control or invisible characters",
            ),
            F::Internal(e) => AppError::internal(e),
        }
    }
}
