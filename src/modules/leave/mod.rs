//! Leave module (issue 12): leave types and their policies, work calendars,
//! requests counted in half days per leave year on the employee's calendar,
//! approval along the type's route, cancellation with exact reversals, and
//! balances as a pure function of an append-only ledger and the open requests
//! (definitions and choices in `docs/leave-rules.md`).
//!
//! - Owns: `leave_types`, `leave_calendars`, `leave_calendar_assignments`,
//!   `leave_requests`, `leave_ledger` (insert only), `leave_meta`,
//!   `leave_processed_events`.
//! - Emits: `LEAVE_REQUESTED`, `LEAVE_APPROVED`, `LEAVE_REJECTED`,
//!   `LEAVE_CANCELLED`, `LEAVE_RECOUNTED` (a calendar change recounted a live
//!   request), `LEAVE_BALANCE_ADJUSTED`, each with an
//!   `AUDIT_LEAVE_ACTION`; keyed by the employee id; `NOTIFICATION_EMAIL`.
//! - Consumes: `EMPLOYEE_TERMINATED` (in-process subscription
//!   `leave-terminations`: pending and future leave cancelled, grants
//!   corrected), `EMPLOYEE_CREATED` (`leave-hires`: the grants due recorded at
//!   once, so compliance learns the entitlement) and `EMPLOYEE_UPDATED` naming
//!   `hire_date` (`leave-hires` too, in order: recorded grants corrected to the
//!   new date), an hourly walk over every
//!   employee ([`EmployeeFactsPage`]: a new leave year's grants recorded for
//!   people who file no leave), the employee module's [`GetEmployeeFacts`] and
//!   [`VisibleEmployees`], and the user module's [`ContactsOf`] (asked by the
//!   handlers, passed to the actor) for `NOTIFICATION_EMAIL`: a new request to
//!   the employee's manager, a decision or cancellation by someone else to the
//!   employee.
//! - Rules: [`domain`], [`calendar`], [`policy`], [`balance`], [`rules`] are
//!   plain functions over plain data.

pub mod actor;
pub mod balance;
pub mod calendar;
pub mod domain;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod model;
pub mod policy;
mod repository;
pub mod routes;
pub mod rules;
#[cfg(test)]
mod year_tests;

use actix::{Recipient, SyncArbiter};
use actix_web::web;
use anyhow::Context as _;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::config::ModuleSettings;
use crate::events::EventType;
use crate::modules::employee::{EmployeeDirectory, EmployeeFactsPage};
use crate::modules::user::ContactsOf;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
use crate::outbox::Subscription;
pub use actor::LeaveActor;
use domain::LeaveYearStart;

/// The switches of a module that is off.
static OFF: ModuleSettings = ModuleSettings {
    enabled: false,
    kafka_enable_producer: None,
};

/// The leave module's entry in the module list. It needs the employee module
/// (facts, visibility, terminations): with that one off it is off too.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "leave",
    settings: |m| {
        if m.employee.enabled {
            &m.leave
        } else {
            &OFF
        }
    },
    api: || routes::LeaveApi::openapi(),
    mount,
};

/// What the handlers need: the actor and the employee module's contract.
#[derive(Clone)]
pub struct LeaveDeps {
    /// The leave actor.
    pub actor: actix::Addr<LeaveActor>,
    /// The employee module's facts and visibility.
    pub employees: EmployeeDirectory,
    /// E-mail contacts of employees' accounts (`None` with the user module off:
    /// then no notifications are sent).
    pub contacts: Option<Recipient<ContactsOf>>,
}

fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let employees = EmployeeDirectory::from_handles(&deps.handles, "leave")?;
        let year_start = LeaveYearStart::default();
        let db = deps.db.clone();
        let first = deps.settings.leave.accounting_from;
        let accounting_from =
            actix_web::rt::task::spawn_blocking(move || actor::initialize(&db, year_start, first))
                .await
                .context("leave start-up task")??;
        let (db, outbox) = (deps.db.clone(), deps.outbox.clone());
        let hr_mailbox = Some(deps.settings.leave.hr_notify_email.trim().to_owned()).filter(|e| !e.is_empty());
        let addr = SyncArbiter::start(deps.threads.max(1), move || {
            LeaveActor::new(db.clone(), outbox.clone(), year_start, accounting_from, hr_mailbox.clone())
        });
        deps.outbox.subscriptions().register(Subscription {
            name: actor::TERMINATIONS,
            event_types: vec![EventType::EmployeeTerminated],
            recipient: addr.clone().recipient(),
        })?;
        deps.outbox.subscriptions().register(Subscription {
            name: actor::HIRES,
            // One subscription, so a hire and a correction of its date apply in order.
            event_types: vec![EventType::EmployeeCreated, EventType::EmployeeUpdated],
            recipient: addr.clone().recipient(),
        })?;
        // The walk writes events: it starts once every module has registered
        // its subscriptions (compliance's among them), not during the mount.
        let pages = deps.handles.get::<Recipient<EmployeeFactsPage>>();
        let walker = addr.clone();
        let background: Box<dyn FnOnce()> = Box::new(move || {
            if let Some(pages) = pages {
                actix_web::rt::spawn(async move {
                    loop {
                        match settle_everyone(&pages, &walker).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(employees = n, "leave grants recorded by the walk"),
                            Err(e) => tracing::warn!(error = format!("{e:#}"), "the leave grant walk failed; it runs again later"),
                        }
                        actix_web::rt::time::sleep(SETTLE_EVERY).await;
                    }
                });
            }
        });
        let app = LeaveDeps {
            actor: addr,
            employees,
            contacts: deps.handles.get::<Recipient<ContactsOf>>(),
        };
        Ok(Module {
            name: MODULE.name,
            routes: std::sync::Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(app.clone()));
                routes::routes(cfg);
            }),
            background: Some(background),
        })
    })
}

/// How often every employee's ledger is brought up to date (the grants of a
/// leave year that has started, for people who file no leave, and for records
/// older than the `leave-hires` subscription); also once at start.
const SETTLE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// Employees per page of the walk.
const SETTLE_PAGE: i64 = 500;

/// Walks every employee record not terminated before today, page by page, and
/// records the grants due; returns how many employees got entries.
async fn settle_everyone(
    pages: &Recipient<EmployeeFactsPage>,
    actor: &actix::Addr<LeaveActor>,
) -> anyhow::Result<usize> {
    let today = crate::shared::clock::today();
    let mut after = None;
    let mut settled = 0;
    loop {
        let page = pages
            .send(EmployeeFactsPage {
                after,
                limit: SETTLE_PAGE,
                terminated_since: today,
            })
            .await
            .context("the employee module did not answer")?
            .map_err(|e| anyhow::anyhow!("employee facts page: {e}"))?;
        let Some(last) = page.last() else {
            return Ok(settled);
        };
        after = Some(last.id);
        for facts in page {
            let id = facts.id;
            match actor.send(actor::SettleGrants { facts }).await {
                Ok(Ok(0)) => {}
                Ok(Ok(_)) => settled += 1,
                Ok(Err(e)) => tracing::warn!(employee.id = %id, error = %e, "recording an employee's leave grants failed"),
                Err(e) => anyhow::bail!("the leave actor did not answer: {e}"),
            }
        }
    }
}
