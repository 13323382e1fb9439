//! HTTP handlers of period locks (issue 13 §5): HR or an admin locks local
//! dates for everyone or one employee, an admin reopens a lock with a reason.
//! admin and hr see every lock; other callers those that apply to employees
//! they may see (everyone's locks and those employees' own), 404 otherwise.

use actix_web::{web, HttpResponse};

use super::actor::{CreateLock, GetLock, ListLocks, ReopenLock};
use super::errors::AttendanceFailure;
use super::handlers::{own_facts, visible_employee, Deps};
use super::model::*;
use super::record::{LockId, LockScope, PeriodLock};
use super::repository::LockFilter;
use crate::auth::{AuthUser, Principal, Role};
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::shared::parse::employee_and_page;

fn sees_everything(by: &Principal) -> bool {
    matches!(by.role, Role::Admin | Role::Hr)
}

/// A lock `by` may see (404 otherwise).
async fn visible_lock(deps: &Deps, by: &Principal, id: LockId) -> Result<PeriodLock, AppError> {
    let lock = deps
        .actor
        .send(GetLock { id })
        .await??
        .ok_or(AttendanceFailure::LockNotFound)?;
    if sees_everything(by) {
        return Ok(lock);
    }
    match lock.scope {
        LockScope::Everyone => Ok(lock),
        LockScope::Employee(e) if deps.employees.may_see(by, e).await? => Ok(lock),
        LockScope::Employee(_) => Err(AttendanceFailure::LockNotFound.into()),
    }
}

/// `POST /api/v1/attendance/locks`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/locks",
    tag = "attendance",
    request_body = NewLockRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Locked: from now on no attendance write may touch these local dates (in each employee's own time zone) until an admin reopens the lock. Writes in flight finish first.", body = LockResponse, headers(("Location" = String, description = "`/api/v1/attendance/locks/{id}` of the new lock."))),
        (status = 403, description = "- `forbidden`: only admin and hr lock periods"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `invalid_lock_range`: `from` is after `to`\n- `reason_too_long`: the reason is longer than 1000 characters\n- `invalid_text`: the reason has control or invisible characters, or no visible one"),
    )
)]
pub async fn create_lock(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<NewLockRequest>,
) -> Result<HttpResponse, AppError> {
    let input = body
        .into_inner()
        .validate()
        .map_err(AttendanceFailure::Validation)?;
    if let Some(e) = input.employee_id {
        visible_employee(&deps, &user.0, e).await?;
    }
    let lock = deps
        .actor
        .send(CreateLock {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/attendance/locks/{}", lock.id)))
        .json(LockResponse::from(&lock)))
}

/// `GET /api/v1/attendance/locks`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/locks",
    tag = "attendance",
    params(LockQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Period locks, newest first (reopened ones too unless `active=true`).", body = LockPage),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see, or (without `employee_id`) your account is not linked to an employee record"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed (`details` names each)"),
    )
)]
pub async fn list_locks(
    deps: Deps,
    user: AuthUser,
    query: web::Query<LockQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let (employee, page) = employee_and_page(q.employee_id.as_deref(), q.limit, q.offset)
        .map_err(AttendanceFailure::Validation)?;
    let filter = match employee {
        Some(e) => {
            visible_employee(&deps, &user.0, e).await?;
            LockFilter::AppliesTo(e)
        }
        None if sees_everything(&user.0) => LockFilter::All,
        None => LockFilter::AppliesTo(own_facts(&deps, &user.0).await?.id),
    };
    let (locks, total) = deps
        .actor
        .send(ListLocks {
            filter,
            active_only: q.active.unwrap_or(false),
            window: (page.limit, page.offset),
        })
        .await??;
    Ok(HttpResponse::Ok().json(LockPage {
        items: locks.iter().map(LockResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `GET /api/v1/attendance/locks/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/attendance/locks/{id}",
    tag = "attendance",
    params(("id" = LockId, Path, description = "The lock's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The lock.", body = LockResponse),
        (status = 404, description = "- `attendance_lock_not_found`: no period lock with this id that you may see"),
    )
)]
pub async fn get_lock(
    deps: Deps,
    user: AuthUser,
    id: web::Path<LockId>,
) -> Result<HttpResponse, AppError> {
    let lock = visible_lock(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(LockResponse::from(&lock)))
}

/// `POST /api/v1/attendance/locks/{id}/reopen`
#[utoipa::path(
    post,
    path = "/api/v1/attendance/locks/{id}/reopen",
    tag = "attendance",
    params(("id" = LockId, Path, description = "The lock's id.")),
    request_body = ReopenLockRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reopened: the lock refuses nothing from now on; it stays on record with who reopened it, when and why.", body = LockResponse),
        (status = 403, description = "- `forbidden`: only an admin reopens a period"),
        (status = 404, description = "- `attendance_lock_not_found`: no period lock with this id that you may see"),
        (status = 409, description = "- `lock_not_active`: the lock is already reopened"),
        (status = 422, description = "- `reason_required`\n- `reason_too_long`\n- `invalid_text`"),
    )
)]
pub async fn reopen_lock(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<LockId>,
    body: crate::http::Json<ReopenLockRequest>,
) -> Result<HttpResponse, AppError> {
    let lock = visible_lock(&deps, &user.0, id.into_inner()).await?;
    let reopened = deps
        .actor
        .send(ReopenLock {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: lock.id,
            reason: body.into_inner().reason,
        })
        .await??;
    Ok(HttpResponse::Ok().json(LockResponse::from(&reopened)))
}
