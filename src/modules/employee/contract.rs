//! What other modules may ask the employee module, by message: the facts of
//! one record that leave, attendance and compliance need (status, dates,
//! manager, time zone; no names or e-mails), and which records a caller may
//! see (the reporting chain). These types, the messages and [`EmployeeId`] are
//! the module's public surface; its rows and repository are not.

use std::collections::HashSet;

use actix::Message;
use chrono::NaiveDate;

use super::model::EmployeeStatus;
use crate::auth::Principal;
use crate::error::AppError;
use crate::shared::{EmployeeId, TimeZone};

/// The facts of one employee record that other modules rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeFacts {
    /// The record.
    pub id: EmployeeId,
    /// Employment status.
    pub status: EmployeeStatus,
    /// First day of employment.
    pub hire_date: NaiveDate,
    /// Last day of employment, once terminated.
    pub termination_date: Option<NaiveDate>,
    /// Direct manager.
    pub manager_id: Option<EmployeeId>,
    /// The zone of the employee's local days and weeks.
    pub time_zone: TimeZone,
}

/// Which employee records a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// Every record (admin, hr).
    All,
    /// Only these (a manager: themselves and their whole reporting chain; an
    /// employee: their own record; an unlinked account: none).
    Only(HashSet<EmployeeId>),
}

impl Visibility {
    /// Whether `id` is visible.
    pub fn may_see(&self, id: &EmployeeId) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Only(ids) => ids.contains(id),
        }
    }
}

/// The facts of one record, whoever asks (`None`: no such record). Other
/// modules check the caller's visibility with [`VisibleEmployees`].
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Option<EmployeeFacts>, AppError>")]
pub struct GetEmployeeFacts {
    /// Which record.
    pub id: EmployeeId,
}

/// The facts of every record in pages, in id order, starting after `after`: for
/// jobs that walk all employees (the leave module's yearly grants). Records
/// terminated before `terminated_since` are left out.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Vec<EmployeeFacts>, AppError>")]
pub struct EmployeeFactsPage {
    /// The last id of the previous page (`None`: from the first).
    pub after: Option<EmployeeId>,
    /// Records per page (1 to 1,000).
    pub limit: i64,
    /// Leave out records whose last day is before this date.
    pub terminated_since: NaiveDate,
}

/// The records `by` may see, computed from the reporting chain.
#[derive(Debug, Clone, Message)]
#[rtype(result = "Result<Visibility, AppError>")]
pub struct VisibleEmployees {
    /// The caller.
    pub by: Principal,
}
