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
use actix_web::web;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::db::Db;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
use crate::outbox::Outbox;

pub use actor::EmployeeActor;

/// Starts the actor on `threads` blocking threads.
pub fn start(db: Db, outbox: Outbox, threads: usize) -> Addr<EmployeeActor> {
    SyncArbiter::start(threads.max(1), move || {
        EmployeeActor::new(db.clone(), outbox.clone())
    })
}

/// The employee module's entry in the module list.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "employee",
    settings: |m| &m.employee,
    api: || routes::EmployeeApi::openapi(),
    mount,
};

/// Starts the actor; its handlers (and the user module's link checks) reach it
/// through the app data.
fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let addr = start(deps.db.clone(), deps.outbox.clone(), deps.threads);
        Ok(Module {
            name: MODULE.name,
            routes: std::sync::Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(addr.clone()));
                routes::routes(cfg);
            }),
        })
    })
}
