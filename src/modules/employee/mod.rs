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
//!   actor authorizes), and for other modules `GetEmployeeFacts`,
//!   `EmployeeFactsPage` and `VisibleEmployees` (see [`contract`]).
//! - Public surface for other modules: [`contract`] (messages and their
//!   answers), [`EmployeeId`], the events. Rows and repository are private.

mod actor;
pub mod contract;
mod errors;
mod events;
mod handlers;
mod model;
mod repository;
mod routes;
mod rules;

use actix::{Addr, SyncArbiter};
use actix_web::web;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::db::Db;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
use crate::outbox::Outbox;

pub use crate::shared::{EmployeeId, TimeZone};
pub use actor::EmployeeActor;
/// Bulk fixtures for tests (through the actor, no events); not for production use.
#[doc(hidden)]
pub use actor::fixtures;
pub use contract::{
    EmployeeDirectory, EmployeeFacts, EmployeeFactsPage, GetEmployeeFacts, Visibility,
    VisibleEmployees, VisibleFacts,
};
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

/// The employee module's entry in the module list.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "employee",
    settings: |m| &m.employee,
    api: || routes::EmployeeApi::openapi(),
    mount,
};

/// Starts the actor and offers its contract messages to the other modules:
/// as handles (for module actors) and as app data (for the user module's
/// handlers, which check links).
fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let addr = start(
            deps.db.clone(),
            deps.outbox.clone(),
            deps.threads,
            deps.settings.default_time_zone(),
        );
        let facts = addr.clone().recipient::<GetEmployeeFacts>();
        deps.handles.provide(facts.clone());
        deps.handles
            .provide(addr.clone().recipient::<VisibleEmployees>());
        deps.handles
            .provide(addr.clone().recipient::<EmployeeFactsPage>());
        deps.handles
            .provide(addr.clone().recipient::<VisibleFacts>());
        Ok(Module {
            name: MODULE.name,
            routes: std::sync::Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(addr.clone()))
                    .app_data(web::Data::new(facts.clone()));
                routes::routes(cfg);
            }),
            background: None,
        })
    })
}
