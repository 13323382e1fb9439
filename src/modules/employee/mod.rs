//! Employee module: the employee record (name, age, work e-mail, department,
//! position, manager, hire date, status) with create, read, list, update and
//! terminate.
//!
//! - Owns: the `employees` table.
//! - Emits: `EMPLOYEE_CREATED`, `EMPLOYEE_UPDATED`, `EMPLOYEE_TERMINATED`, and an
//!   `AUDIT_EMPLOYEE_ACTION` for each of them.
//! - Consumes: nothing yet.
//! - Actor messages: `CreateEmployee`, `GetEmployee`, `ListEmployees`,
//!   `UpdateEmployee`, `TerminateEmployee`.

pub mod actor;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod model;
pub mod repository;
pub mod routes;
pub mod rules;

use actix::{Addr, SyncArbiter};

use crate::db::Db;
use crate::outbox::Outbox;

pub use actor::EmployeeActor;

/// Starts the actor on `threads` blocking threads.
pub fn start(db: Db, outbox: Outbox, threads: usize) -> Addr<EmployeeActor> {
    SyncArbiter::start(threads.max(1), move || {
        EmployeeActor::new(db.clone(), outbox.clone())
    })
}
