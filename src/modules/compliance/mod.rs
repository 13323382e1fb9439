//! Compliance module (issue 14): working-time law (Directive 2003/88/EC with
//! the `eu`, `de`, `uk` and `fr` rule packs) checked on what the attendance and
//! leave modules record, without reading their tables: an in-process
//! subscription feeds a journal and a projection of each employee's worked
//! intervals and leave days; the rules ([`rules`], plain functions) are
//! re-evaluated for the windows each event touches, and the findings are kept
//! with a lifecycle. Definitions, sources and choices: `docs/compliance-rules.md`.
//!
//! - Owns: `compliance_journal`, `compliance_employees`,
//!   `compliance_intervals`, `compliance_leave_requests`, `compliance_entitlements`,
//!   `compliance_leave_days`, `compliance_opt_outs`, `compliance_violations`,
//!   `compliance_checks`, `compliance_meta`.
//! - Emits: `COMPLIANCE_VIOLATION`, `COMPLIANCE_ALERT` (detected, reopened,
//!   resolved), `COMPLIANCE_CHECK_COMPLETED`, keyed by the employee;
//!   `AUDIT_COMPLIANCE_ACTION` (acknowledgements, opt-outs, checks, rule-pack
//!   changes); `NOTIFICATION_EMAIL` to the HR mailbox for new violations, and
//!   to the employee for much unused annual leave (their account's address,
//!   from the user module's [`ContactsOf`]).
//! - Consumes: `ATTENDANCE_MARKED`, `ATTENDANCE_UPDATED`, `LEAVE_APPROVED`,
//!   `LEAVE_CANCELLED`, `LEAVE_RECOUNTED`, `LEAVE_BALANCE_ADJUSTED` (grants of paid annual
//!   leave: the entitlement), `EMPLOYEE_CREATED`, `EMPLOYEE_UPDATED`,
//!   `EMPLOYEE_TERMINATED` (subscription `compliance-inputs`), and the
//!   employee module's [`GetEmployeeFacts`] and [`VisibleEmployees`] (asked by
//!   the handlers).
//! - Actor messages: see [`actor`].

pub mod actor;
pub mod domain;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod model;
pub mod pack;
mod repository;
pub mod routes;
pub mod rules;

use std::sync::Arc;

use actix::{Actor as _, Recipient, SyncArbiter};
use actix_web::web;
use anyhow::Context as _;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::config::ModuleSettings;
use crate::modules::employee::EmployeeDirectory;
use crate::modules::user::ContactsOf;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
use crate::outbox::Subscription;
pub use actor::{rebuild, ComplianceActor, ComplianceConfig};

/// The switches of a module that is off.
static OFF: ModuleSettings = ModuleSettings {
    enabled: false,
    kafka_enable_producer: None,
};

/// The compliance module's entry in the module list. It needs the employee
/// module (facts and visibility): with that one off it is off too.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "compliance",
    settings: |m| {
        if m.employee.enabled {
            &m.compliance
        } else {
            &OFF
        }
    },
    api: || routes::ComplianceApi::openapi(),
    mount,
};

/// What the handlers need.
#[derive(Clone)]
pub struct ComplianceDeps {
    /// The compliance actor.
    pub actor: actix::Addr<ComplianceActor>,
    /// The employee module's facts and visibility.
    pub employees: EmployeeDirectory,
    /// The rule pack in force, as the API shows it.
    pub pack: model::RulePackResponse,
}

fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let employees = EmployeeDirectory::from_handles(&deps.handles, "compliance")?;
        let cfg = Arc::new(ComplianceConfig::from_settings(&deps.settings.compliance)?);
        let (db, outbox, c) = (deps.db.clone(), deps.outbox.clone(), cfg.clone());
        actix_web::rt::task::spawn_blocking(move || actor::initialize(&db, &outbox, &c))
            .await
            .context("compliance start-up task")??;
        let (db, outbox, c) = (deps.db.clone(), deps.outbox.clone(), cfg.clone());
        let contacts = deps.handles.get::<Recipient<ContactsOf>>();
        let addr = SyncArbiter::start(deps.threads.max(1), move || {
            ComplianceActor::new(db.clone(), outbox.clone(), c.clone(), contacts.clone())
        });
        deps.outbox.subscriptions().register(Subscription {
            name: actor::INPUTS,
            event_types: actor::INPUT_TYPES.to_vec(),
            recipient: addr.clone().recipient(),
        })?;
        let every = deps.settings.compliance.check_interval_secs;
        if every > 0 {
            actor::Scheduler {
                checks: addr.clone().recipient(),
                every: std::time::Duration::from_secs(every),
                lookback_days: cfg.lookback_days(),
            }
            .start();
        }
        let app = ComplianceDeps {
            actor: addr,
            employees,
            pack: model::RulePackResponse::from(&cfg.pack),
        };
        Ok(Module {
            name: MODULE.name,
            routes: Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(app.clone()));
                routes::routes(cfg);
            }),
            background: None,
        })
    })
}
