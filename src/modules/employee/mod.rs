//! Employee module: the employee record (name, age, work e-mail, department,
//! position, manager, hire date, status) with create, read, list, update and
//! terminate.
//!
//! - Owns: the `employees` table.
//! - Emits: `EMPLOYEE_CREATED`, `EMPLOYEE_UPDATED`, `EMPLOYEE_TERMINATED`, and an
//!   `AUDIT_EMPLOYEE_ACTION` for each of them.
//! - Consumes: nothing yet.
//! - Actor messages: `CreateEmployee`, `GetEmployee`, `ListEmployees`,
//!   `UpdateEmployee`, `TerminateEmployee` (each with the caller, `by`: the
//!   actor authorizes), and for other modules `GetEmployeeFacts` and
//!   `VisibleEmployees` (see [`contract`]).
//! - Public surface for other modules: [`contract`] (messages and their
//!   answers), [`EmployeeId`], the events. Rows and repository are private.

pub mod actor;
pub mod contract;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod model;
mod repository;
pub mod routes;
pub mod rules;

use actix::{Addr, SyncArbiter};

use crate::db::Db;
use crate::outbox::Outbox;

pub use crate::shared::{EmployeeId, TimeZone};
pub use actor::EmployeeActor;
pub use contract::{EmployeeFacts, GetEmployeeFacts, Visibility, VisibleEmployees};
pub use model::EmployeeStatus;

/// Starts the actor on `threads` blocking threads; records created without a
/// time zone get `default_time_zone` (`HRMS_DEFAULT_TIME_ZONE`).
pub fn start(
    db: Db,
    outbox: Outbox,
    threads: usize,
    default_time_zone: TimeZone,
) -> Addr<EmployeeActor> {
    SyncArbiter::start(threads.max(1), move || {
        EmployeeActor::new(db.clone(), outbox.clone(), default_time_zone)
    })
}
