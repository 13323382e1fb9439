//! Attendance module (issue 13): time records (check-in and check-out at the
//! server's clock, manual records and corrections by HR or a manager), kept as
//! versions that are never overwritten, and summaries per local day and ISO
//! week in the employee's time zone.
//!
//! - Owns: the `attendance_records` (one row per version),
//!   `attendance_correction_requests` and `attendance_period_locks` tables.
//! - Emits: `ATTENDANCE_MARKED` (a new record), `ATTENDANCE_UPDATED` (check-out,
//!   correction, void), `ATTENDANCE_PERIOD_LOCKED`, `ATTENDANCE_PERIOD_REOPENED`,
//!   each with an `AUDIT_ATTENDANCE_ACTION`.
//! - Consumes: the employee module's [`GetEmployeeFacts`] and
//!   [`VisibleEmployees`], and the user module's [`ContactsOf`] (asked by the
//!   handlers, passed to the actor).
//! - Actor messages: see [`actor`]; each carries the caller (`by`) and the
//!   facts; the actor decides with [`rules`].
//! - Rules: [`record`], [`calendar`], [`rules`], [`summary`] are plain
//!   functions over plain data (see `docs/attendance.md`).

pub mod actor;
pub mod calendar;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod locks;
pub mod requests;
pub mod model;
pub mod record;
mod repository;
pub mod routes;
pub mod rules;
pub mod summary;

use actix::{Recipient, SyncArbiter};
use actix_web::web;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::config::ModuleSettings;
use crate::modules::employee::EmployeeDirectory;
use crate::modules::user::ContactsOf;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
pub use actor::AttendanceActor;

/// The switches of a module that is off.
static OFF: ModuleSettings = ModuleSettings {
    enabled: false,
    kafka_enable_producer: None,
};

/// The attendance module's entry in the module list. It needs the employee
/// module (facts and visibility): with that one switched off it is off too,
/// neither served nor documented.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "attendance",
    settings: |m| {
        if m.employee.enabled {
            &m.attendance
        } else {
            &OFF
        }
    },
    api: || routes::AttendanceApi::openapi(),
    mount,
};

/// What the handlers need: the actor and the employee module's contract.
#[derive(Clone)]
pub struct AttendanceDeps {
    /// The attendance actor.
    pub actor: actix::Addr<AttendanceActor>,
    /// The employee module's facts and visibility.
    pub employees: EmployeeDirectory,
    /// Longest record and clock tolerance (settings).
    pub limits: record::Limits,
    /// E-mail contacts for notifications (`None` without the user module).
    pub contacts: Option<Recipient<ContactsOf>>,
}

fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let employees = EmployeeDirectory::from_handles(&deps.handles, "attendance")?;
        let limits = deps.settings.attendance_limits();
        let (db, outbox) = (deps.db.clone(), deps.outbox.clone());
        let addr = SyncArbiter::start(deps.threads.max(1), move || {
            AttendanceActor::new(db.clone(), outbox.clone(), limits)
        });
        let app = AttendanceDeps {
            actor: addr,
            employees,
            limits,
            contacts: deps.handles.get::<Recipient<ContactsOf>>(),
        };
        Ok(Module {
            name: MODULE.name,
            routes: std::sync::Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(app.clone()));
                routes::routes(cfg);
            }),
            background: None,
        })
    })
}
