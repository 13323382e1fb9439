//! The employee actor: owns the `employees` table and its rules. Runs on a
//! `SyncArbiter` (its own threads), so blocking diesel calls never touch the
//! async HTTP workers. Each change commits together with its outbox events.

use actix::{Actor, Handler, Message, SyncContext};

use super::errors::EmployeeError;
use super::model::{EmployeeFilter, EmployeeId, EmployeePatch, EmployeeRow, NewEmployee, Page};
use super::rules::EmployeeScope;
use super::{events, repository as repo, rules};
use crate::db::{write_tx, Db, DbConnection};
use crate::events::EventContext;
use crate::outbox::Outbox;
use crate::shared::stored_now as now;

/// The employee module's actor.
pub struct EmployeeActor {
    db: Db,
    outbox: Outbox,
}

impl EmployeeActor {
    /// Builds an actor instance (one per SyncArbiter thread).
    pub fn new(db: Db, outbox: Outbox) -> Self {
        Self { db, outbox }
    }

    fn conn(&self) -> Result<crate::db::PooledConn, EmployeeError> {
        Ok(self.db.get()?)
    }
}

impl Actor for EmployeeActor {
    type Context = SyncContext<Self>;
}

/// Create an employee.
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct CreateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// Validated input.
    pub input: NewEmployee,
}

/// Read one employee the caller can see.
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct GetEmployee {
    /// Which one.
    pub id: EmployeeId,
    /// What the caller can see.
    pub scope: EmployeeScope,
}

/// List employees.
#[derive(Message)]
#[rtype(result = "Result<(Vec<EmployeeRow>, i64), EmployeeError>")]
pub struct ListEmployees {
    /// What the caller can see.
    pub scope: EmployeeScope,
    /// Filters.
    pub filter: EmployeeFilter,
    /// Window.
    pub page: Page,
}

/// Change fields of an employee.
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct UpdateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// What the caller can see.
    pub scope: EmployeeScope,
    /// Whether the caller may change records.
    pub may_write: bool,
    /// Which one.
    pub id: EmployeeId,
    /// Validated changes.
    pub patch: EmployeePatch,
}

/// End an employment (the record stays).
#[derive(Message)]
#[rtype(result = "Result<EmployeeRow, EmployeeError>")]
pub struct TerminateEmployee {
    /// Request context for the events.
    pub ctx: EventContext,
    /// What the caller can see.
    pub scope: EmployeeScope,
    /// Whether the caller may change records.
    pub may_write: bool,
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

impl Handler<CreateEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: CreateEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let id = EmployeeId::generate();
        // No module-wide lock: the new record is in nobody's reporting chain, the
        // manager is share-locked by the check, and the e-mail index catches a
        // concurrent duplicate.
        let row = write_tx(&mut conn, |c| {
            if let Some(email) = &msg.input.email {
                if repo::email_taken(c, email.as_str(), None)? {
                    return Err(EmployeeError::EmailTaken);
                }
            }
            if let Some(manager) = &msg.input.manager_id {
                check_manager(c, &id.to_string(), manager)?;
            }
            let row = rules::new_row(id, msg.input, now().naive_utc());
            repo::insert(c, &row)?;
            self.outbox.write(
                c,
                msg.ctx.traceparent.as_deref(),
                &events::created(&msg.ctx, &row),
            )?;
            Ok(row)
        })?;
        self.outbox.wake();
        tracing::info!(employee.id = %row.id, "employee created");
        Ok(row)
    }
}

impl Handler<GetEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: GetEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        repo::find_visible(&mut conn, &msg.id.to_string(), &msg.scope)?
            .ok_or(EmployeeError::NotFound)
    }
}

impl Handler<ListEmployees> for EmployeeActor {
    type Result = Result<(Vec<EmployeeRow>, i64), EmployeeError>;

    fn handle(&mut self, msg: ListEmployees, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::list(&mut conn, &msg.scope, &msg.filter, msg.page)?)
    }
}

impl Handler<UpdateEmployee> for EmployeeActor {
    type Result = Result<EmployeeRow, EmployeeError>;

    fn handle(&mut self, msg: UpdateEmployee, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        let id = msg.id.to_string();
        let (row, changed) = write_tx(&mut conn, |c| {
            if matches!(msg.patch.manager_id, Some(Some(_))) {
                repo::lock_reporting_lines(c)?;
            }
            repo::lock_record(c, &id, false)?;
            let mut row = repo::find_visible(c, &id, &msg.scope)?.ok_or(EmployeeError::NotFound)?;
            if !msg.may_write {
                return Err(EmployeeError::Forbidden);
            }
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
            let changed = rules::apply_patch(&mut row, msg.patch, now().naive_utc());
            if !changed.is_empty() {
                repo::save(c, &row)?;
                self.outbox.write(
                    c,
                    msg.ctx.traceparent.as_deref(),
                    &events::updated(&msg.ctx, &row, &changed),
                )?;
            }
            Ok((row, changed))
        })?;
        if !changed.is_empty() {
            self.outbox.wake();
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
        let now = now();
        let row = write_tx(&mut conn, |c| {
            repo::lock_record(c, &id, false)?;
            let mut row = repo::find_visible(c, &id, &msg.scope)?.ok_or(EmployeeError::NotFound)?;
            if !msg.may_write {
                return Err(EmployeeError::Forbidden);
            }
            if row.is_terminated() {
                return Err(EmployeeError::AlreadyTerminated);
            }
            let date = rules::termination_date(
                msg.termination_date.as_deref(),
                row.hire_date,
                now.date_naive(),
            )
            .map_err(|e| EmployeeError::Validation(vec![e]))?;
            row.status = super::model::EmployeeStatus::Terminated.as_str().to_owned();
            row.termination_date = Some(date);
            row.updated_at = now.naive_utc();
            repo::save(c, &row)?;
            self.outbox.write(
                c,
                msg.ctx.traceparent.as_deref(),
                &events::terminated(&msg.ctx, &row),
            )?;
            Ok(row)
        })?;
        self.outbox.wake();
        tracing::info!(employee.id = %row.id, "employee terminated");
        Ok(row)
    }
}

/// Whether an employee record exists (asked by other modules, e.g. before
/// linking an account to it).
#[derive(Message)]
#[rtype(result = "Result<bool, EmployeeError>")]
pub struct EmployeeExists {
    /// The employee id.
    pub id: String,
}

impl Handler<EmployeeExists> for EmployeeActor {
    type Result = Result<bool, EmployeeError>;

    fn handle(&mut self, msg: EmployeeExists, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.conn()?;
        Ok(repo::find(&mut conn, &msg.id)?.is_some())
    }
}
