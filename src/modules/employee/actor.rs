//! The employee actor: owns the `employees` table and its rules. Runs on a
//! `SyncArbiter` (its own threads), so blocking diesel calls never touch the
//! async HTTP workers. Every message carries the caller (`by`) and the actor
//! decides what they may see and do, through the rules. Each change commits
//! together with its events through [`Outbox::commit`].

use actix::{Actor, Handler, Message, SyncContext};

use super::contract::{
    EmployeeFacts, EmployeeFactsPage, GetEmployeeFacts, Visibility, VisibleEmployees,
    VisibleFacts,
};
use super::errors::EmployeeError;
use super::model::{
    EmployeeFilter, EmployeeId, EmployeePatch, EmployeeRow, EmployeeStatus, NewEmployee, Page,
    TimeZone,
};
use super::{events, repository as repo, rules};
use crate::auth::Principal;
use crate::db::{Db, DbConnection};
use crate::error::AppError;
use crate::events::EventContext;
use crate::outbox::Outbox;
use crate::shared::clock;

/// The employee module's actor.
pub struct EmployeeActor {
    db: Db,
    outbox: Outbox,
    default_time_zone: TimeZone,
}

impl EmployeeActor {
    /// Builds an actor instance (one per SyncArbiter thread); records created
    /// without a time zone get `default_time_zone`.
    pub fn new(db: Db, outbox: Outbox, default_time_zone: TimeZone) -> Self {
        Self {
            db,
            outbox,
            default_time_zone,
        }
    }

    fn conn(&self) -> Result<crate::db::PooledConn, EmployeeError> {
        Ok(self.db.get()?)
    }
}

impl Actor for EmployeeActor {
    type Context = SyncContext<Self>;
}

/// Create an employee (admin and hr).
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct CreateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Validated input.
    pub input: NewEmployee,
}

/// Read one employee the caller can see.
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct GetEmployee {
    /// Who asks.
    pub by: Principal,
    /// Which one.
    pub id: EmployeeId,
}

/// List the employees the caller can see.
#[derive(Message)]
#[rtype(result = "Result<(Vec<EmployeeRow>, i64), EmployeeError>")]
pub struct ListEmployees {
    /// Who asks.
    pub by: Principal,
    /// Filters.
    pub filter: EmployeeFilter,
    /// Window.
    pub page: Page,
}

/// Change fields of a visible employee (admin and hr).
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct UpdateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which one.
    pub id: EmployeeId,
    /// Validated changes.
    pub patch: EmployeePatch,
}

/// End a visible employee's employment (admin and hr; the record stays).
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct TerminateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which one.
    pub id: EmployeeId,
    /// `YYYY-MM-DD` as sent, default today.
    pub termination_date: Option<String>,
}

/// Checks a proposed manager: exists, not terminated, not the employee, no loop.
fn check_manager(
    conn: &mut DbConnection,
    employee: &str,
    manager: &EmployeeId,
) -> Result<(), EmployeeError> {
    let manager = manager.to_string();
    if manager == employee {
        return Err(EmployeeError::ManagerIsSelf);
    }
    repo::lock_record(conn, &manager, true)?;
    let row = repo::find(conn, &manager)?.ok_or(EmployeeError::ManagerNotFound)?;
    if row.is_terminated() {
        return Err(EmployeeError::ManagerTerminated);
    }
    let verdict = rules::check_manager_chain(employee, &manager, |id| {
        repo::manager_of(conn, id).map(Option::flatten)
    })?;
    verdict.map_err(|p| match p {
        rules::ManagerProblem::IsSelf => EmployeeError::ManagerIsSelf,
        rules::ManagerProblem::Cycle => EmployeeError::ManagerCycle,
    })
}

/// Locks and reads a record `by` may see for a change: 404 when invisible,
/// 403 when visible but `by` may not change records.
fn visible_for_change(
    c: &mut DbConnection,
    by: &Principal,
    id: &str,
) -> Result<EmployeeRow, EmployeeError> {
    repo::lock_record(c, id, false)?;
    let row = repo::find_visible(c, id, &rules::scope_for(by))?.ok_or(EmployeeError::NotFound)?;
    if !rules::may_write(by) {
        return Err(EmployeeError::Forbidden(
            "your role may not change employee records",
        ));
    }
    Ok(row)
}

impl Handler<CreateEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, mut msg: CreateEmployee, _: &mut Self::Context) -> Self::Result {
        if !rules::may_write(&msg.by) {
            return Err(EmployeeError::Forbidden(
                "your role may not create employee records",
            ));
        }
        msg.input.time_zone.get_or_insert(self.default_time_zone);
        let mut conn = self.conn()?;
        let id = EmployeeId::generate();
        // No module-wide lock: the new record is in nobody's reporting chain, the
        // manager is share-locked by the check, and the e-mail index catches a
        // concurrent duplicate.
        let row = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            if let Some(email) = &msg.input.email {
                if repo::email_taken(c, email.as_str(), None)? {
                    return Err(EmployeeError::EmailTaken);
                }
            }
            if let Some(manager) = &msg.input.manager_id {
                check_manager(c, &id.to_string(), manager)?;
            }
            let row = rules::new_row(id, msg.input, clock::now_naive());
            repo::insert(c, &row)?;
            let events = events::created(&msg.ctx, &row);
            Ok((row, events))
        })?;
        tracing::info!(employee.id = %row.id, "employee created");
        Ok(row)
    }
}

impl Handler<GetEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: GetEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        repo::find_visible(&mut conn, &msg.id.to_string(), &rules::scope_for(&msg.by))?
            .ok_or(EmployeeError::NotFound)
    }
}

impl Handler<ListEmployees> for EmployeeActor {
    type Result = Result<(Vec<EmployeeRow>, i64), EmployeeError>;

    fn handle(&mut self, msg: ListEmployees, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::list(
            &mut conn,
            &rules::scope_for(&msg.by),
            &msg.filter,
            msg.page,
        )?)
    }
}

impl Handler<UpdateEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: UpdateEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let id = msg.id.to_string();
        let (row, changed) = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            if matches!(msg.patch.manager_id, Some(Some(_))) {
                repo::lock_reporting_lines(c)?;
            }
            let mut row = visible_for_change(c, &msg.by, &id)?;
            if row.is_terminated() {
                return Err(EmployeeError::Terminated);
            }
            if let Some(Some(email)) = &msg.patch.email {
                if repo::email_taken(c, email.as_str(), Some(&id))? {
                    return Err(EmployeeError::EmailTaken);
                }
            }
            if let Some(Some(manager)) = &msg.patch.manager_id {
                if Some(manager.to_string()) != row.manager_id {
                    check_manager(c, &id, manager)?;
                }
            }
            let changed = rules::apply_patch(&mut row, msg.patch, clock::now_naive());
            let events = if changed.is_empty() {
                Vec::new()
            } else {
                repo::save(c, &row)?;
                events::updated(&msg.ctx, &row, &changed)
            };
            Ok(((row, changed), events))
        })?;
        if !changed.is_empty() {
            tracing::info!(employee.id = %row.id, fields = ?changed, "employee updated");
        }
        Ok(row)
    }
}

impl Handler<TerminateEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: TerminateEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let id = msg.id.to_string();
        let now = clock::now();
        let row = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let mut row = visible_for_change(c, &msg.by, &id)?;
            if row.is_terminated() {
                return Err(EmployeeError::AlreadyTerminated);
            }
            let date = rules::termination_date(
                msg.termination_date.as_deref(),
                row.hire_date,
                now.date_naive(),
            )
            .map_err(|e| EmployeeError::Validation(vec![e]))?;
            row.status = EmployeeStatus::Terminated.as_str().to_owned();
            row.termination_date = Some(date);
            row.updated_at = now.naive_utc();
            repo::save(c, &row)?;
            let events = events::terminated(&msg.ctx, &row);
            Ok((row, events))
        })?;
        tracing::info!(employee.id = %row.id, "employee terminated");
        Ok(row)
    }
}

impl Handler<GetEmployeeFacts> for EmployeeActor {
    type Result = Result<Option<EmployeeFacts>, AppError>;

    fn handle(&mut self, msg: GetEmployeeFacts, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let row = repo::find(&mut conn, &msg.id.to_string()).map_err(EmployeeError::from)?;
        row.map(|r| r.facts().map_err(AppError::internal))
            .transpose()
    }
}

impl Handler<EmployeeFactsPage> for EmployeeActor {
    type Result = Result<Vec<EmployeeFacts>, AppError>;

    fn handle(&mut self, msg: EmployeeFactsPage, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let after = msg.after.map(|a| a.to_string());
        let rows = repo::page_after(
            &mut conn,
            after.as_deref(),
            msg.limit.clamp(1, 1000),
            msg.terminated_since,
        )
        .map_err(EmployeeError::from)?;
        rows.iter()
            .map(|r| r.facts().map_err(AppError::internal))
            .collect()
    }
}

impl Handler<VisibleFacts> for EmployeeActor {
    type Result = Result<Option<EmployeeFacts>, AppError>;

    fn handle(&mut self, msg: VisibleFacts, _: &mut Self::Context) -> Self::Result {
        let scope = rules::scope_for(&msg.by);
        if scope == rules::EmployeeScope::Nothing {
            return Ok(None);
        }
        let mut conn = self.conn()?;
        let row = repo::find_visible(&mut conn, &msg.id.to_string(), &scope)
            .map_err(EmployeeError::from)?;
        row.map(|r| r.facts().map_err(AppError::internal))
            .transpose()
    }
}

impl Handler<VisibleEmployees> for EmployeeActor {
    type Result = Result<Visibility, AppError>;

    fn handle(&mut self, msg: VisibleEmployees, _: &mut Self::Context) -> Self::Result {
        let scope = rules::scope_for(&msg.by);
        if scope == rules::EmployeeScope::All {
            // No query, so no connection (its check-out costs a round trip).
            return Ok(Visibility::All);
        }
        let mut conn = self.conn()?;
        let ids = repo::visible_ids(&mut conn, &scope).map_err(EmployeeError::from)?;
        let Some(ids) = ids else {
            return Ok(Visibility::All);
        };
        ids.iter()
            .map(|id| id.parse::<EmployeeId>())
            .collect::<Result<_, _>>()
            .map(Visibility::Only)
            .map_err(|e| AppError::internal(anyhow::Error::new(e).context("stored employee id")))
    }
}

#[doc(hidden)]
pub mod fixtures {
    //! Fixtures for tests: many records at once, through the actor (not its
    //! repository), without events. Not part of the API.

    use super::*;
    use crate::modules::employee::model::{Age, PersonName};

    /// Inserts `count` active direct reports of `manager`, named `prefix-<n>`,
    /// in large multi-row inserts, without events; returns their ids.
    #[derive(Message)]
    #[rtype(result = "Result<Vec<EmployeeId>, AppError>")]
    pub struct InsertReports {
        /// Their manager (must exist).
        pub manager: EmployeeId,
        /// How many.
        pub count: usize,
        /// Name prefix.
        pub prefix: String,
    }

    impl Handler<InsertReports> for EmployeeActor {
        type Result = Result<Vec<EmployeeId>, AppError>;

        fn handle(&mut self, msg: InsertReports, _: &mut Self::Context) -> Self::Result {
            let mut conn = self.conn()?;
            let now = clock::now_naive();
            let today = now.date();
            let age = Age::parse(30).map_err(|m| AppError::unprocessable("invalid_fixture", m))?;
            let rows = (0..msg.count)
                .map(|n| {
                    let name = PersonName::parse(&format!("{}-{n}", msg.prefix))
                        .map_err(|m| AppError::unprocessable("invalid_fixture", m))?;
                    let input = NewEmployee {
                        name,
                        age,
                        email: None,
                        department: None,
                        position: None,
                        manager_id: Some(msg.manager),
                        hire_date: today,
                        status: EmployeeStatus::Active,
                        time_zone: Some(self.default_time_zone),
                    };
                    Ok(rules::new_row(EmployeeId::generate(), input, now))
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            crate::db::write_tx(&mut conn, |c| {
                // SQLite allows 32,766 binds per statement; a row binds 13.
                for chunk in rows.chunks(2_000) {
                    repo::insert_many(c, chunk)?;
                }
                Ok::<_, EmployeeError>(())
            })?;
            Ok(rows.iter().filter_map(|r| r.id.parse().ok()).collect())
        }
    }
}
