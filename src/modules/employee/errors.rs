//! Employee module errors and their HTTP form.

use crate::error::{AppError, FieldError};

/// What can go wrong in the employee module.
#[derive(Debug, thiserror::Error)]
pub enum EmployeeError {
    /// The request breaks field rules.
    #[error("invalid employee data")]
    Validation(Vec<FieldError>),
    /// No such employee.
    #[error("employee not found")]
    NotFound,
    /// Another employee uses the e-mail address.
    #[error("e-mail address already in use")]
    EmailTaken,
    /// The manager id names no employee.
    #[error("manager not found")]
    ManagerNotFound,
    /// An employee cannot manage themself.
    #[error("manager is the employee")]
    ManagerIsSelf,
    /// The manager reports (indirectly) to the employee.
    #[error("manager chain would loop")]
    ManagerCycle,
    /// The manager has been terminated.
    #[error("manager is terminated")]
    ManagerTerminated,
    /// Terminating an employee who already left.
    #[error("employee already terminated")]
    AlreadyTerminated,
    /// Changing a terminated employee's record.
    #[error("employee is terminated")]
    Terminated,
    /// The caller sees the record but may not change it.
    #[error("forbidden")]
    Forbidden(&'static str),
    /// Database or other internal failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for EmployeeError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            // The e-mail index is the table's only unique constraint besides the key.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                EmployeeError::EmailTaken
            }
            other => {
                EmployeeError::Internal(anyhow::Error::new(other).context("employee query failed"))
            }
        }
    }
}

impl From<EmployeeError> for AppError {
    fn from(err: EmployeeError) -> Self {
        match err {
            EmployeeError::Validation(details) => AppError::validation(details),
            EmployeeError::NotFound => {
                AppError::not_found("employee_not_found", "employee not found")
            }
            EmployeeError::EmailTaken => AppError::conflict(
                "email_taken",
                "another employee already uses this e-mail address",
            ),
            EmployeeError::ManagerNotFound => {
                AppError::unprocessable("manager_not_found", "manager_id does not name an employee")
            }
            EmployeeError::ManagerIsSelf => AppError::unprocessable(
                "manager_is_self",
                "an employee cannot be their own manager",
            ),
            EmployeeError::ManagerCycle => AppError::unprocessable(
                "manager_cycle",
                "the manager reports to this employee; the reporting chain would loop",
            ),
            EmployeeError::ManagerTerminated => {
                AppError::unprocessable("manager_terminated", "the manager has been terminated")
            }
            EmployeeError::AlreadyTerminated => {
                AppError::conflict("already_terminated", "the employee is already terminated")
            }
            EmployeeError::Terminated => AppError::conflict(
                "employee_terminated",
                "a terminated employee's record cannot be changed",
            ),
            EmployeeError::Forbidden(message) => crate::auth::forbidden(message),
            EmployeeError::Internal(e) => AppError::internal(e),
        }
    }
}
