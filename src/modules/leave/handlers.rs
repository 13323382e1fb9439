//! HTTP handlers: validate, ask the employee module for the facts and the
//! caller's visibility, send to the actor with `by`, map the result. A request,
//! balance or employee the caller may not see is 404.

use actix_web::{web, HttpResponse};
use serde_json::Value;

use super::actor::*;
use super::domain::{HalfDays, RoleExt};
use super::errors::ModuleError;
use super::model::*;
use super::repository::RequestFilter;
use super::LeaveDeps;
use crate::auth::{AuthUser, Principal};
use crate::error::{AppError, FieldError};
use crate::http::RequestMeta;
use crate::modules::employee::EmployeeFacts;
use crate::modules::user::{Contact, ContactsOf};
use crate::shared::{invalid, CalendarId, EmployeeId, LeaveRequestId, Page};

type Deps = web::Data<LeaveDeps>;

/// The facts of an employee `by` may see (404 otherwise); `None` names the
/// caller's own linked record.
async fn visible_employee(
    deps: &Deps,
    by: &Principal,
    id: Option<EmployeeId>,
) -> Result<EmployeeFacts, AppError> {
    let id = match id {
        Some(id) => id,
        None => by.employee_id.ok_or(ModuleError::NotLinked)?,
    };
    deps.employees
        .visible_facts(by, id)
        .await?
        .ok_or_else(|| ModuleError::EmployeeNotFound.into())
}

/// A request `by` may see, with its employee's facts (404 otherwise).
async fn visible_request(
    deps: &Deps,
    by: &Principal,
    id: LeaveRequestId,
) -> Result<(RequestResponse, EmployeeFacts), AppError> {
    let (r, route) = deps
        .actor
        .send(GetRequest { id })
        .await??
        .ok_or(ModuleError::RequestNotFound)?;
    let facts = visible_employee(deps, by, Some(r.employee_id))
        .await
        .map_err(|_| AppError::from(ModuleError::RequestNotFound))?;
    Ok((RequestResponse::new(&r, route), facts))
}

/// The e-mail contacts of the employee and their manager (none without the
/// user module).
async fn contacts(deps: &Deps, facts: &EmployeeFacts) -> Result<Vec<Contact>, AppError> {
    let Some(lookup) = &deps.contacts else {
        return Ok(Vec::new());
    };
    let employees = std::iter::once(facts.id).chain(facts.manager_id).collect();
    lookup.send(ContactsOf { employees }).await?
}

fn require_hr(by: &Principal, what: &'static str) -> Result<(), AppError> {
    if by.role.is_hr() {
        Ok(())
    } else {
        Err(ModuleError::Forbidden(what).into())
    }
}

fn year_param(field: &'static str, year: Option<i64>) -> Result<Option<i32>, AppError> {
    match year {
        None => Ok(None),
        Some(y) if (1900..=2200).contains(&y) => Ok(i32::try_from(y).ok()),
        Some(_) => Err(AppError::validation(vec![invalid(field, "must be between 1900 and 2200")])),
    }
}

/// Applies a JSON merge patch (RFC 7386) to `base`.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    b.insert(k.clone(), Value::Null);
                } else {
                    merge(b.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

/// The merged document as `T`, or `validation_failed` naming the problem.
fn merged<T: serde::de::DeserializeOwned>(mut base: Value, patch: &Value) -> Result<T, AppError> {
    if !patch.is_object() {
        return Err(AppError::validation(vec![invalid("body", "must be a JSON object")]));
    }
    merge(&mut base, patch);
    serde_json::from_value(base).map_err(|e| {
        AppError::validation(vec![FieldError::new("body", "invalid_value", e.to_string())])
    })
}

// ---------------------------------------------------------------- types

/// `GET /api/v1/leave/types`
#[utoipa::path(
    get,
    path = "/api/v1/leave/types",
    tag = "leave",
    security(("bearer" = [])),
    responses((status = 200, description = "Every leave type (inactive ones included), by code.", body = Vec<LeaveTypeResponse>))
)]
pub async fn list_types(deps: Deps, _user: AuthUser) -> Result<HttpResponse, AppError> {
    let types = deps.actor.send(ListTypes).await??;
    Ok(HttpResponse::Ok().json(types.iter().map(LeaveTypeResponse::from).collect::<Vec<_>>()))
}

/// `GET /api/v1/leave/types/{code}`
#[utoipa::path(
    get,
    path = "/api/v1/leave/types/{code}",
    tag = "leave",
    params(("code" = String, Path, description = "The type's code.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The type.", body = LeaveTypeResponse),
        (status = 404, description = "- `leave_type_not_found`"),
    )
)]
pub async fn get_type(deps: Deps, _user: AuthUser, code: web::Path<String>) -> Result<HttpResponse, AppError> {
    let t = deps
        .actor
        .send(GetType { code: code.into_inner() })
        .await??
        .ok_or(ModuleError::TypeNotFound)?;
    Ok(HttpResponse::Ok().json(LeaveTypeResponse::from(&t)))
}

/// `POST /api/v1/leave/types`
#[utoipa::path(
    post,
    path = "/api/v1/leave/types",
    tag = "leave",
    request_body = LeaveTypeInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = LeaveTypeResponse),
        (status = 403, description = "- `forbidden`: only hr and admin manage leave types"),
        (status = 409, description = "- `leave_type_exists`: the code is taken"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `invalid_leave_type_code`\n- `negative_allowance`\n- `allowance_too_large`\n- `requires_allowance`: carry-over, pro-rata or a negative limit on a type without allowance\n- `negative_carry_over_cap`\n- `negative_balance_limit`\n- `invalid_max_consecutive_days`\n- `invalid_past_window`\n- `invalid_month_day`: the carry-over expiry is a day no year has"),
    )
)]
pub async fn create_type(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<LeaveTypeInput>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin manage leave types")?;
    let (name, policy, active) = body.into_inner().into_policy()?;
    let t = deps
        .actor
        .send(SaveType {
            ctx: meta.event_context_by(&user.0),
            replace: false,
            name,
            policy,
            active,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/leave/types/{}", t.policy.code)))
        .json(LeaveTypeResponse::from(&t)))
}

/// `PATCH /api/v1/leave/types/{code}`
#[utoipa::path(
    patch,
    path = "/api/v1/leave/types/{code}",
    tag = "leave",
    params(("code" = String, Path, description = "The type's code.")),
    request_body(content = LeaveTypePatch, description = "A JSON merge patch: the fields given replace the current ones; `null` clears a nullable field. Changing the allowance applies to leave years not granted yet; grants already recorded stay (correct them with an adjustment)."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The type after the change.", body = LeaveTypeResponse),
        (status = 403, description = "- `forbidden`: only hr and admin manage leave types"),
        (status = 404, description = "- `leave_type_not_found`"),
        (status = 422, description = "- `validation_failed`: a field is malformed, or `code` is given and differs\n- `invalid_leave_type_code`\n- `negative_allowance`\n- `allowance_too_large`\n- `requires_allowance`: carry-over, pro-rata or a negative limit on a type without allowance\n- `negative_carry_over_cap`\n- `negative_balance_limit`\n- `invalid_max_consecutive_days`\n- `invalid_past_window`\n- `invalid_month_day`: the carry-over expiry is a day no year has"),
    )
)]
pub async fn update_type(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    code: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin manage leave types")?;
    let code = code.into_inner();
    let current = deps
        .actor
        .send(GetType { code: code.clone() })
        .await??
        .ok_or(ModuleError::TypeNotFound)?;
    let patch = body.into_inner();
    if patch.get("code").is_some_and(|c| c.as_str() != Some(code.as_str())) {
        return Err(AppError::validation(vec![invalid("code", "cannot be changed")]));
    }
    let input: LeaveTypeInput = merged(LeaveTypeResponse::from(&current).as_input(), &patch)?;
    let (name, policy, active) = input.into_policy()?;
    let t = deps
        .actor
        .send(SaveType {
            ctx: meta.event_context_by(&user.0),
            replace: true,
            name,
            policy,
            active,
        })
        .await??;
    Ok(HttpResponse::Ok().json(LeaveTypeResponse::from(&t)))
}

// ---------------------------------------------------------------- calendars

/// `GET /api/v1/leave/calendars`
#[utoipa::path(
    get,
    path = "/api/v1/leave/calendars",
    tag = "leave",
    security(("bearer" = [])),
    responses((status = 200, description = "Every work calendar, the default first.", body = Vec<CalendarResponse>))
)]
pub async fn list_calendars(deps: Deps, _user: AuthUser) -> Result<HttpResponse, AppError> {
    let all = deps.actor.send(ListCalendars).await??;
    Ok(HttpResponse::Ok().json(all.iter().map(CalendarResponse::from).collect::<Vec<_>>()))
}

/// `GET /api/v1/leave/calendars/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/leave/calendars/{id}",
    tag = "leave",
    params(("id" = CalendarId, Path, description = "The calendar's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar.", body = CalendarResponse),
        (status = 404, description = "- `calendar_not_found`"),
    )
)]
pub async fn get_calendar(deps: Deps, _user: AuthUser, id: web::Path<CalendarId>) -> Result<HttpResponse, AppError> {
    let c = deps
        .actor
        .send(GetCalendar { id: id.into_inner() })
        .await??
        .ok_or(ModuleError::CalendarNotFound)?;
    Ok(HttpResponse::Ok().json(CalendarResponse::from(&c)))
}

/// `POST /api/v1/leave/calendars`
#[utoipa::path(
    post,
    path = "/api/v1/leave/calendars",
    tag = "leave",
    request_body = CalendarInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = CalendarResponse),
        (status = 403, description = "- `forbidden`: only hr and admin manage calendars"),
        (status = 422, description = "- `validation_failed`: a field is malformed (`details` names each)\n- `no_working_weekdays`\n- `duplicate_holiday`\n- `invalid_holiday_name`"),
    )
)]
pub async fn create_calendar(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<CalendarInput>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin manage work calendars")?;
    let c = deps
        .actor
        .send(SaveCalendar {
            ctx: meta.event_context_by(&user.0),
            id: None,
            input: body.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/leave/calendars/{}", c.id)))
        .json(CalendarResponse::from(&c)))
}

/// `PATCH /api/v1/leave/calendars/{id}`
#[utoipa::path(
    patch,
    path = "/api/v1/leave/calendars/{id}",
    tag = "leave",
    params(("id" = CalendarId, Path, description = "The calendar's id.")),
    request_body(content = CalendarPatch, description = "A JSON merge patch; `holidays` replaces the whole list. The pending and approved leave of everyone on the calendar is recounted from today on (`LEAVE_RECOUNTED`; approved leave gets the difference in the ledger); earlier dates keep what they counted."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar after the change.", body = CalendarResponse),
        (status = 403, description = "- `forbidden`: only hr and admin manage calendars"),
        (status = 404, description = "- `calendar_not_found`"),
        (status = 409, description = "- `default_calendar_required`: the default calendar stays the default until another one is made the default"),
        (status = 422, description = "- `validation_failed`\n- `no_working_weekdays`\n- `duplicate_holiday`\n- `invalid_holiday_name`"),
    )
)]
pub async fn update_calendar(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<CalendarId>,
    body: web::Json<Value>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin manage work calendars")?;
    let id = id.into_inner();
    let current = deps
        .actor
        .send(GetCalendar { id })
        .await??
        .ok_or(ModuleError::CalendarNotFound)?;
    let base = serde_json::to_value(&current.input).unwrap_or_default();
    let input: CalendarInput = merged(base, &body.into_inner())?;
    let c = deps
        .actor
        .send(SaveCalendar {
            ctx: meta.event_context_by(&user.0),
            id: Some(id),
            input,
        })
        .await??;
    Ok(HttpResponse::Ok().json(CalendarResponse::from(&c)))
}

fn employee_calendar(employee_id: EmployeeId, (c, assigned): (StoredCalendar, bool)) -> HttpResponse {
    HttpResponse::Ok().json(EmployeeCalendarResponse {
        employee_id,
        assigned,
        calendar: CalendarResponse::from(&c),
    })
}

/// `GET /api/v1/leave/employees/{id}/calendar`
#[utoipa::path(
    get,
    path = "/api/v1/leave/employees/{id}/calendar",
    tag = "leave",
    params(("id" = EmployeeId, Path, description = "The employee's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar the employee's leave is counted with.", body = EmployeeCalendarResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
    )
)]
pub async fn get_employee_calendar(
    deps: Deps,
    user: AuthUser,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, AppError> {
    let facts = visible_employee(&deps, &user.0, Some(id.into_inner())).await?;
    let out = deps.actor.send(CalendarOf { employee: facts.id }).await??;
    Ok(employee_calendar(facts.id, out))
}

/// `PUT /api/v1/leave/employees/{id}/calendar`
#[utoipa::path(
    put,
    path = "/api/v1/leave/employees/{id}/calendar",
    tag = "leave",
    params(("id" = EmployeeId, Path, description = "The employee's id.")),
    request_body = AssignCalendarBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The calendar now in force. The employee's pending and approved leave is recounted on it from today on (`LEAVE_RECOUNTED`); earlier dates keep what they counted.", body = EmployeeCalendarResponse),
        (status = 403, description = "- `forbidden`: only hr and admin assign calendars"),
        (status = 404, description = "- `employee_not_found`"),
        (status = 422, description = "- `unknown_calendar`: no calendar with this id"),
    )
)]
pub async fn assign_employee_calendar(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    body: crate::http::Json<AssignCalendarBody>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin assign work calendars")?;
    let facts = visible_employee(&deps, &user.0, Some(id.into_inner())).await?;
    let out = deps
        .actor
        .send(AssignCalendar {
            ctx: meta.event_context_by(&user.0),
            by: user.0.clone(),
            employee: facts.id,
            calendar: body.into_inner().calendar_id,
        })
        .await??;
    Ok(employee_calendar(facts.id, out))
}

// ---------------------------------------------------------------- requests

const REQUEST_RULES: &str = "- `validation_failed`: a field is malformed (`details` names each)\n- `unknown_leave_type`: no active type with this code\n- `invalid_range`: the end is before the start (or a one-day request asks for `pm` to `am`)\n- `invalid_day_part`: a multi-day request starts with `am` or ends with `pm`\n- `range_too_long`: more than 731 days\n- `no_working_days`: the range holds no day that counts\n- `note_too_long`\n- `invalid_text`: the note has control or invisible characters, or no visible one\n- `employee_terminated`\n- `outside_employment`: the dates are outside the employment\n- `half_days_not_allowed`\n- `past_dates_not_allowed`\n- `past_date_too_far`\n- `insufficient_notice`\n- `max_consecutive_days_exceeded`: the type's rules\n- `insufficient_balance`: more days than available in a leave year (pending requests count)";

async fn file(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: RequestInput,
    preview: bool,
) -> Result<Filed, AppError> {
    let facts = visible_employee(&deps, &user.0, body.employee_id).await?;
    if user.0.employee_id != Some(facts.id) && !user.0.role.is_hr() {
        return Err(ModuleError::Forbidden("only hr and admin file leave for someone else").into());
    }
    let contacts = if preview {
        Vec::new()
    } else {
        contacts(&deps, &facts).await?
    };
    Ok(deps
        .actor
        .send(FileRequest {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
            input: body,
            preview,
            contacts,
        })
        .await??)
}

/// `POST /api/v1/leave/requests`
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests",
    tag = "leave",
    request_body = RequestInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Filed: `pending` (or `approved` for a type without approval). `days` counts only days that count (weekends and holidays not, unless the type counts them), split per leave year in `days_by_year`.", body = RequestResponse, headers(("Location" = String, description = "`/api/v1/leave/requests/{id}`"))),
        (status = 403, description = "- `forbidden`: only hr and admin file leave for someone else"),
        (status = 404, description = "- `employee_not_found`: no such employee that you may see, or your account is not linked to one"),
        (status = 409, description = "- `overlapping_request`: it shares a half day with a pending or approved request"),
        (status = 422, description = REQUEST_RULES),
    )
)]
pub async fn create_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<RequestInput>,
) -> Result<HttpResponse, AppError> {
    match file(deps, user, meta, body.into_inner(), false).await? {
        Filed::Created(r, route) => Ok(HttpResponse::Created()
            .insert_header(("Location", format!("/api/v1/leave/requests/{}", r.id)))
            .json(RequestResponse::new(&r, Some(route)))),
        Filed::Preview(p) => Ok(HttpResponse::Ok().json(p)),
    }
}

/// `POST /api/v1/leave/requests/preview`
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/preview",
    tag = "leave",
    request_body = RequestInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What filing it would count, and every rule it would break (`allowed: false`), without creating anything.", body = PreviewResponse),
        (status = 403, description = "- `forbidden`: only hr and admin file leave for someone else"),
        (status = 404, description = "- `employee_not_found`"),
        (status = 422, description = "- `validation_failed`\n- `unknown_leave_type`\n- `invalid_range`\n- `invalid_day_part`\n- `range_too_long`\n- `note_too_long`: the request cannot even be counted (a range without a day that counts is a verdict: 200 with 0 days and `no_working_days`)\n- `invalid_text`: the note has control or invisible characters, or no visible one"),
    )
)]
pub async fn preview_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<RequestInput>,
) -> Result<HttpResponse, AppError> {
    match file(deps, user, meta, body.into_inner(), true).await? {
        Filed::Preview(p) => Ok(HttpResponse::Ok().json(p)),
        Filed::Created(r, route) => Ok(HttpResponse::Ok().json(RequestResponse::new(&r, Some(route)))),
    }
}

/// `GET /api/v1/leave/requests/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/leave/requests/{id}",
    tag = "leave",
    params(("id" = LeaveRequestId, Path, description = "The request's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The request.", body = RequestResponse),
        (status = 404, description = "- `leave_request_not_found`: no request with this id that you may see"),
    )
)]
pub async fn get_request(deps: Deps, user: AuthUser, id: web::Path<LeaveRequestId>) -> Result<HttpResponse, AppError> {
    let (r, _) = visible_request(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(r))
}

/// `GET /api/v1/leave/requests`
#[utoipa::path(
    get,
    path = "/api/v1/leave/requests",
    tag = "leave",
    params(RequestQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The requests you may see (admin and hr: all; a manager: their reporting chain and their own; an employee: their own) matching the filters, by start date. `from`/`to` select requests overlapping that range.", body = RequestPage),
        (status = 404, description = "- `employee_not_found`: `employee_id` names no employee you may see"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed\n- `invalid_range`: `to` is before `from`"),
    )
)]
pub async fn list_requests(deps: Deps, user: AuthUser, query: web::Query<RequestQuery>) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let page = Page::parse(q.limit, q.offset).map_err(ModuleError::Validation)?;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if to < from {
            return Err(ModuleError::from(super::errors::LeaveError::InvalidRange).into());
        }
    }
    let employees = deps
        .employees
        .visibility(&user.0)
        .await?
        .narrowed_to(q.employee_id)
        .ok_or(ModuleError::EmployeeNotFound)?;
    let filter = RequestFilter {
        employees,
        status: q.status,
        leave_type: q.leave_type,
        from: q.from,
        to: q.to,
    };
    let (rows, total) = deps.actor.send(ListRequests { filter, page }).await??;
    Ok(HttpResponse::Ok().json(RequestPage {
        items: rows.iter().map(|(r, route)| RequestResponse::new(r, *route)).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

async fn act(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: LeaveRequestId,
    action: Action,
) -> Result<HttpResponse, AppError> {
    let owner = deps
        .actor
        .send(OwnerOf { id })
        .await??
        .ok_or(ModuleError::RequestNotFound)?;
    let facts = deps
        .employees
        .visible_facts(&user.0, owner)
        .await?
        .ok_or(ModuleError::RequestNotFound)?;
    let contacts = contacts(&deps, &facts).await?;
    let (r, route) = deps
        .actor
        .send(Act {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
            id,
            action,
            contacts,
        })
        .await??;
    Ok(HttpResponse::Ok().json(RequestResponse::new(&r, route)))
}

/// `POST /api/v1/leave/requests/{id}/approve`
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/{id}/approve",
    tag = "leave",
    params(("id" = LeaveRequestId, Path, description = "The request's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved (`approved`; or `pending_hr` after the manager's step of a `manager_then_hr` type). The days are consumed in the ledger.", body = RequestResponse),
        (status = 403, description = "- `cannot_decide_own_request`: nobody decides their own request\n- `not_allowed_to_decide`: only the employee's current manager (where the route has one) or hr/admin decide this step"),
        (status = 404, description = "- `leave_request_not_found`: no request with this id that you may see"),
        (status = 409, description = "- `request_final`: it was rejected or cancelled\n- `request_not_pending`: it is already approved"),
    )
)]
pub async fn approve_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<LeaveRequestId>,
) -> Result<HttpResponse, AppError> {
    act(deps, user, meta, id.into_inner(), Action::Approve).await
}

/// `POST /api/v1/leave/requests/{id}/reject`
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/{id}/reject",
    tag = "leave",
    params(("id" = LeaveRequestId, Path, description = "The request's id.")),
    request_body = RejectBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected (final); its days are free again.", body = RequestResponse),
        (status = 403, description = "- `cannot_decide_own_request`\n- `not_allowed_to_decide`"),
        (status = 404, description = "- `leave_request_not_found`"),
        (status = 409, description = "- `request_final`\n- `request_not_pending`"),
        (status = 422, description = "- `reason_required`: 1 to 2000 characters (a missing body or reason too)\n- `invalid_text`: the reason has control or invisible characters, or no visible one\n- `validation_failed`: the body is not a JSON object of this shape"),
    )
)]
pub async fn reject_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<LeaveRequestId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    // A missing body or reason is 422 `reason_required`, like a blank one.
    let body: RejectBody = crate::http::optional_json(&body)?;
    act(deps, user, meta, id.into_inner(), Action::Reject(body.reason)).await
}

/// `POST /api/v1/leave/requests/{id}/cancel`
#[utoipa::path(
    post,
    path = "/api/v1/leave/requests/{id}/cancel",
    tag = "leave",
    params(("id" = LeaveRequestId, Path, description = "The request's id.")),
    request_body(content = Option<CancelBody>, description = "Optional reason."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled (final). Approved days are given back by reversal entries; leave that had started keeps its days before today (`held_days`).", body = RequestResponse),
        (status = 403, description = "- `not_allowed_to_cancel`: only the employee, their current manager and hr/admin cancel\n- `leave_started`: the employee cannot cancel leave that has started (their manager or hr can)"),
        (status = 404, description = "- `leave_request_not_found`"),
        (status = 409, description = "- `request_final`: already rejected or cancelled\n- `leave_already_taken`: approved leave that is over (correct it with an adjustment)"),
        (status = 422, description = "- `reason_too_long`\n- `invalid_text`: the reason has control or invisible characters, or no visible one\n- `validation_failed`"),
    )
)]
pub async fn cancel_request(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<LeaveRequestId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: CancelBody = crate::http::optional_json(&body)?;
    act(deps, user, meta, id.into_inner(), Action::Cancel(body.reason)).await
}

// ---------------------------------------------------------------- balances

/// `GET /api/v1/leave/balances`
#[utoipa::path(
    get,
    path = "/api/v1/leave/balances",
    tag = "leave",
    params(BalanceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The employee's balance of every active type (or of `leave_type`) in the leave year, as of the date: the same computation every request is checked against. Types without allowance report `available: null`.", body = BalancesResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see, or your account is not linked to one"),
        (status = 422, description = "- `validation_failed`\n- `unknown_leave_type`"),
    )
)]
pub async fn get_balances(deps: Deps, user: AuthUser, query: web::Query<BalanceQuery>) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let year = year_param("year", q.year.map(i64::from))?;
    let facts = visible_employee(&deps, &user.0, q.employee_id).await?;
    let out = deps
        .actor
        .send(GetBalances {
            facts,
            year,
            as_of: q.as_of,
            leave_type: q.leave_type,
        })
        .await??;
    Ok(HttpResponse::Ok().json(out))
}

/// `GET /api/v1/leave/ledger`
#[utoipa::path(
    get,
    path = "/api/v1/leave/ledger",
    tag = "leave",
    params(LedgerQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The employee's append-only ledger, oldest first: grants, carry-over, expiry, adjustments, one consumption entry per approved leave date, one reversal per date given back.", body = LedgerPage),
        (status = 404, description = "- `employee_not_found`"),
        (status = 422, description = "- `validation_failed`"),
    )
)]
pub async fn get_ledger(deps: Deps, user: AuthUser, query: web::Query<LedgerQuery>) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let page = q.page()?;
    let year = year_param("year", q.year.map(i64::from))?;
    let facts = visible_employee(&deps, &user.0, q.employee_id).await?;
    let (rows, total) = deps
        .actor
        .send(GetLedger {
            employee: facts.id,
            leave_type: q.leave_type,
            year,
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(LedgerPage {
        items: rows.iter().map(LedgerEntryResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `POST /api/v1/leave/adjustments`
#[utoipa::path(
    post,
    path = "/api/v1/leave/adjustments",
    tag = "leave",
    request_body = AdjustmentInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The adjustment's ledger entry (a `LEAVE_BALANCE_ADJUSTED` event follows).", body = LedgerEntryResponse),
        (status = 403, description = "- `forbidden`: only hr and admin adjust balances"),
        (status = 404, description = "- `employee_not_found`"),
        (status = 422, description = "- `validation_failed`: a field is malformed\n- `unknown_leave_type`\n- `leave_type_without_balance`\n- `year_not_accounted`\n- `zero_adjustment`"),
    )
)]
pub async fn create_adjustment(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<AdjustmentInput>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "only hr and admin adjust leave balances")?;
    let body = body.into_inner();
    let mut errors = Vec::new();
    let units = HalfDays::from_days(body.days).filter(|u| u.units().abs() <= 732);
    if units.is_none() {
        errors.push(invalid("days", "must be a number of days between -366 and 366, a multiple of 0.5"));
    }
    let reason = crate::shared::Label::parse(&body.reason)
        .map_err(|m| errors.push(invalid("reason", m)))
        .ok();
    let year = match body.leave_year.flatten() {
        None => None,
        Some(y) if (1900..=2200).contains(&y) => i32::try_from(y).ok(),
        Some(_) => {
            errors.push(invalid("leave_year", "must be between 1900 and 2200"));
            None
        }
    };
    let (Some(units), Some(reason), true) = (units, reason, errors.is_empty()) else {
        return Err(AppError::validation(errors));
    };
    if units == HalfDays::ZERO {
        return Err(ModuleError::ZeroAdjustment.into());
    }
    let facts = visible_employee(&deps, &user.0, Some(body.employee_id)).await?;
    let entry = deps
        .actor
        .send(Adjust {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            facts,
            leave_type: body.leave_type,
            year,
            units,
            reason: String::from(reason),
        })
        .await??;
    Ok(HttpResponse::Created().json(LedgerEntryResponse::from(&entry)))
}
