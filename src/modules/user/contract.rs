//! What the user module offers the other modules: the e-mail contact of the
//! active account linked to an employee record, for the notifications other
//! modules emit (a leave request to its approver, a decision to the employee).

use actix::{Handler, Message};

use super::actor::UserActor;
use super::repository as repo;
use crate::error::AppError;
use crate::shared::{EmployeeId, UserId};

/// The active account linked to an employee record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The employee record.
    pub employee_id: EmployeeId,
    /// The account.
    pub user_id: UserId,
    /// Its login e-mail (where notifications go).
    pub email: String,
}

/// The contacts of those of `employees` that have an active linked account.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Vec<Contact>, AppError>")]
pub struct ContactsOf {
    /// Which employee records.
    pub employees: Vec<EmployeeId>,
}

impl Handler<ContactsOf> for UserActor {
    type Result = Result<Vec<Contact>, AppError>;

    fn handle(&mut self, msg: ContactsOf, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db().get().map_err(AppError::internal)?;
        let mut out = Vec::with_capacity(msg.employees.len());
        for employee_id in msg.employees {
            let row = repo::find_active_by_employee(&mut conn, &employee_id.to_string())
                .map_err(|e| AppError::internal(anyhow::Error::new(e).context("contact lookup")))?;
            if let Some(row) = row {
                let user_id = row
                    .id
                    .parse()
                    .map_err(|e| AppError::internal(anyhow::Error::new(e).context("stored user id")))?;
                out.push(Contact {
                    employee_id,
                    user_id,
                    email: row.email,
                });
            }
        }
        Ok(out)
    }
}
