//! HTTP handlers: validate, ask the employee module for the facts and the
//! caller's visibility, send to the actor, map the result. admin and hr see
//! everything and act (acknowledge, opt-outs, checks); a manager sees their
//! reporting chain and an employee their own; what a caller may not see is 404.

use actix_web::{web, HttpResponse};
use chrono::Duration;

use super::actor::*;
use super::errors::ComplianceFailure;
use super::model::*;
use super::rules;
use super::ComplianceDeps;
use crate::auth::{forbidden, AuthUser, Principal, Role};
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::modules::employee::EmployeeFacts;
use crate::shared::{clock, CheckId, EmployeeId, OptOutId, ViolationId};

type Deps = web::Data<ComplianceDeps>;

fn is_hr(by: &Principal) -> bool {
    matches!(by.role, Role::Admin | Role::Hr)
}

fn require_hr(by: &Principal, what: &str) -> Result<(), AppError> {
    if is_hr(by) {
        Ok(())
    } else {
        Err(forbidden(format!("only admin and hr {what}")))
    }
}

/// The facts of an employee `by` may see (404 otherwise).
async fn visible_employee(deps: &Deps, by: &Principal, id: EmployeeId) -> Result<EmployeeFacts, AppError> {
    deps.employees
        .visible_facts(by, id)
        .await?
        .ok_or_else(|| ComplianceFailure::EmployeeNotFound.into())
}

fn employment(f: &EmployeeFacts) -> Employment {
    Employment {
        tz: f.time_zone.tz(),
        hire_date: f.hire_date,
        termination_date: f.termination_date,
    }
}

/// The employees `by` may see, as a list filter (`None`: everyone), narrowed
/// to `only` when given (404 when `only` is not visible).
async fn employee_filter(
    deps: &Deps,
    by: &Principal,
    only: Option<EmployeeId>,
) -> Result<Option<Vec<EmployeeId>>, AppError> {
    Ok(deps
        .employees
        .visibility(by)
        .await?
        .narrowed_to(only)
        .ok_or(ComplianceFailure::EmployeeNotFound)?)
}

// ---------------------------------------------------------------- violations

/// `GET /api/v1/compliance/violations`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/violations",
    tag = "compliance",
    params(FindingQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Violations and alerts the caller may see, newest window first.", body = FindingPage),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed (`details` names each)\n- `invalid_range`: `to` is before `from`"),
    )
)]
pub async fn list_violations(
    deps: Deps,
    user: AuthUser,
    query: web::Query<FindingQuery>,
) -> Result<HttpResponse, AppError> {
    let (employee, mut filter, page) = query.into_inner().validate()?;
    filter.employees = employee_filter(&deps, &user.0, employee).await?;
    let (items, total) = deps.actor.send(ListFindings { filter, page }).await??;
    Ok(HttpResponse::Ok().json(FindingPage {
        items: items.iter().map(FindingResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

async fn visible_finding(
    deps: &Deps,
    by: &Principal,
    id: ViolationId,
) -> Result<super::domain::StoredFinding, AppError> {
    let f = deps
        .actor
        .send(GetFinding { id })
        .await??
        .ok_or(ComplianceFailure::ViolationNotFound)?;
    if deps.employees.may_see(by, f.employee_id).await? {
        Ok(f)
    } else {
        Err(ComplianceFailure::ViolationNotFound.into())
    }
}

/// `GET /api/v1/compliance/violations/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/violations/{id}",
    tag = "compliance",
    params(("id" = ViolationId, Path, description = "The violation's or alert's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The violation or alert.", body = FindingResponse),
        (status = 404, description = "- `violation_not_found`: no violation or alert with this id that you may see"),
    )
)]
pub async fn get_violation(deps: Deps, user: AuthUser, id: web::Path<ViolationId>) -> Result<HttpResponse, AppError> {
    let f = visible_finding(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(FindingResponse::from(&f)))
}

/// `POST /api/v1/compliance/violations/{id}/acknowledge`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/violations/{id}/acknowledge",
    tag = "compliance",
    params(("id" = ViolationId, Path, description = "The violation's or alert's id.")),
    request_body = AcknowledgeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Acknowledged: HR has seen it; it stays on record and is resolved only when the records no longer show it. Audited (`AUDIT_COMPLIANCE_ACTION`, without the note).", body = FindingResponse),
        (status = 403, description = "- `forbidden`: only admin and hr acknowledge"),
        (status = 404, description = "- `violation_not_found`: no violation or alert with this id that you may see"),
        (status = 409, description = "- `already_acknowledged`\n- `violation_resolved`: it is no longer true"),
        (status = 422, description = "- `validation_failed`: the body is malformed\n- `note_required`: the note is blank\n- `note_too_long`: the note is longer than 1000 characters\n- `invalid_text`: the note has control or invisible characters"),
    )
)]
pub async fn acknowledge(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<ViolationId>,
    body: crate::http::Json<AcknowledgeRequest>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "acknowledge violations")?;
    let note = note(&body.into_inner().note)?;
    let f = visible_finding(&deps, &user.0, id.into_inner()).await?;
    let f = deps
        .actor
        .send(Acknowledge {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: f.id,
            note,
        })
        .await??;
    Ok(HttpResponse::Ok().json(FindingResponse::from(&f)))
}

// ---------------------------------------------------------------- rule pack, what-if, working time

/// `GET /api/v1/compliance/rule-pack`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/rule-pack",
    tag = "compliance",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The rule pack in force: every rule with its thresholds (settings applied) and legal source.", body = RulePackResponse),
    )
)]
pub async fn rule_pack(deps: Deps, _user: AuthUser) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(&deps.pack))
}

/// `POST /api/v1/compliance/evaluate`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/evaluate",
    tag = "compliance",
    request_body = EvaluateRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the planned intervals would add to the employee's recorded time: violations and alerts, none recorded (nothing changes).", body = EvaluateResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a field is malformed, or there are not 1 to 200 intervals (`details` names each)\n- `invalid_interval`: an interval ends at or before its start\n- `interval_too_long`: an interval lasts more than 24 hours\n- `range_too_long`: the intervals span more than 400 days"),
    )
)]
pub async fn evaluate(deps: Deps, user: AuthUser, body: crate::http::Json<EvaluateRequest>) -> Result<HttpResponse, AppError> {
    let input = body.into_inner().validate()?;
    let facts = visible_employee(&deps, &user.0, input.employee_id).await?;
    let found = deps
        .actor
        .send(Evaluate {
            employee: input.employee_id,
            employment: employment(&facts),
            planned: input.planned,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EvaluateResponse {
        employee_id: input.employee_id,
        rule_pack: deps.pack.code.clone(),
        findings: found.iter().map(PlannedFinding::from).collect(),
    }))
}

/// `GET /api/v1/compliance/employees/{id}/working-time`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/employees/{id}/working-time",
    tag = "compliance",
    params(("id" = EmployeeId, Path, description = "The employee's id."), WorkingTimeQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Working time as the rules count it, in the employee's time zone: hours per local day and ISO week, the running average of the reference period and the hours left before its limit, the shortest daily and weekly rests.", body = WorkingTimeResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a date is malformed\n- `invalid_range`: `to` is before `from`\n- `range_too_long`: the period is longer than 400 days"),
    )
)]
pub async fn working_time(
    deps: Deps,
    user: AuthUser,
    id: web::Path<EmployeeId>,
    query: web::Query<WorkingTimeQuery>,
) -> Result<HttpResponse, AppError> {
    let (from, to) = query.into_inner().validate()?;
    let id = id.into_inner();
    let facts = visible_employee(&deps, &user.0, id).await?;
    let e = employment(&facts);
    let to = to.unwrap_or_else(|| rules::local_date(e.tz, clock::now()));
    let from = from.unwrap_or_else(|| rules::monday_of(to) - Duration::weeks(4));
    period(from, to, MAX_VIEW_DAYS)?;
    let view = deps
        .actor
        .send(WorkingTime {
            employee: id,
            employment: e,
            from,
            to,
        })
        .await??;
    Ok(HttpResponse::Ok().json(view))
}

// ---------------------------------------------------------------- checks

/// `POST /api/v1/compliance/checks`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/checks",
    tag = "compliance",
    request_body = CheckRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Checked: every rule re-evaluated over the period for one employee or everyone; findings recorded or resolved (with their events), then `COMPLIANCE_CHECK_COMPLETED` with the counts.", body = CheckResponse, headers(("Location" = String, description = "`/api/v1/compliance/checks/{id}` of the check."))),
        (status = 403, description = "- `forbidden`: only admin and hr run checks"),
        (status = 404, description = "- `employee_not_found`: no employee with this id"),
        (status = 422, description = "- `validation_failed`: a field is malformed\n- `invalid_range`: `to` is before `from`\n- `range_too_long`: the period is longer than 731 days"),
    )
)]
pub async fn run_check(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<CheckRequest>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "run checks")?;
    let input = body.into_inner().validate()?;
    if let Some(e) = input.employee_id {
        visible_employee(&deps, &user.0, e).await?;
    }
    let c = deps
        .actor
        .send(RunCheck {
            ctx: meta.event_context_by(&user.0),
            by: user.0.user_id.to_string(),
            trigger: "on_demand",
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/compliance/checks/{}", c.id)))
        .json(CheckResponse::from(&c)))
}

/// `GET /api/v1/compliance/checks/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/checks/{id}",
    tag = "compliance",
    params(("id" = CheckId, Path, description = "The check's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The check and its counts.", body = CheckResponse),
        (status = 403, description = "- `forbidden`: only admin and hr read checks"),
        (status = 404, description = "- `check_not_found`: no check with this id"),
    )
)]
pub async fn get_check(deps: Deps, user: AuthUser, id: web::Path<CheckId>) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "read checks")?;
    let c = deps
        .actor
        .send(GetCheck { id: id.into_inner() })
        .await??
        .ok_or(ComplianceFailure::CheckNotFound)?;
    Ok(HttpResponse::Ok().json(CheckResponse::from(&c)))
}

// ---------------------------------------------------------------- opt-outs

/// `POST /api/v1/compliance/opt-outs`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/opt-outs",
    tag = "compliance",
    request_body = NewOptOutRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded: from `signed_on` the employee gets no `weekly_average` violation where the pack allows opting out (eu, uk); their hours are still measured and shown (`info`). Audited.", body = OptOutResponse, headers(("Location" = String, description = "`/api/v1/compliance/opt-outs/{id}`."))),
        (status = 403, description = "- `forbidden`: only admin and hr record opt-outs"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 409, description = "- `opt_out_in_force`: the employee has an opt-out in force on that date"),
        (status = 422, description = "- `validation_failed`: a field is malformed, or `signed_on` is in the future"),
    )
)]
pub async fn create_opt_out(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<NewOptOutRequest>,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "record opt-outs")?;
    let input = body.into_inner().validate().map_err(ComplianceFailure::Validation)?;
    let facts = visible_employee(&deps, &user.0, input.employee_id).await?;
    let o = deps
        .actor
        .send(CreateOptOut {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            input,
            tz: facts.time_zone.tz(),
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/compliance/opt-outs/{}", o.id)))
        .json(OptOutResponse::from(&o)))
}

/// `GET /api/v1/compliance/opt-outs`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/opt-outs",
    tag = "compliance",
    params(OptOutQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Opt-outs the caller may see, newest first (withdrawn ones too).", body = OptOutPage),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 422, description = "- `validation_failed`: a parameter is malformed"),
    )
)]
pub async fn list_opt_outs(deps: Deps, user: AuthUser, query: web::Query<OptOutQuery>) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let (employee, page) = crate::shared::parse::employee_and_page(q.employee_id.as_deref(), q.limit, q.offset)
        .map_err(ComplianceFailure::Validation)?;
    let employees = employee_filter(&deps, &user.0, employee).await?;
    let (items, total) = deps.actor.send(ListOptOuts { employees, page }).await??;
    Ok(HttpResponse::Ok().json(OptOutPage {
        items: items.iter().map(OptOutResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

async fn visible_opt_out(deps: &Deps, by: &Principal, id: OptOutId) -> Result<super::domain::OptOutRecord, AppError> {
    let o = deps
        .actor
        .send(GetOptOut { id })
        .await??
        .ok_or(ComplianceFailure::OptOutNotFound)?;
    if deps.employees.may_see(by, o.employee_id).await? {
        Ok(o)
    } else {
        Err(ComplianceFailure::OptOutNotFound.into())
    }
}

/// `GET /api/v1/compliance/opt-outs/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/compliance/opt-outs/{id}",
    tag = "compliance",
    params(("id" = OptOutId, Path, description = "The opt-out's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The opt-out.", body = OptOutResponse),
        (status = 404, description = "- `opt_out_not_found`: no opt-out with this id that you may see"),
    )
)]
pub async fn get_opt_out(deps: Deps, user: AuthUser, id: web::Path<OptOutId>) -> Result<HttpResponse, AppError> {
    let o = visible_opt_out(&deps, &user.0, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(OptOutResponse::from(&o)))
}

/// `POST /api/v1/compliance/opt-outs/{id}/withdraw`
#[utoipa::path(
    post,
    path = "/api/v1/compliance/opt-outs/{id}/withdraw",
    tag = "compliance",
    params(("id" = OptOutId, Path, description = "The opt-out's id.")),
    request_body(content = Option<WithdrawOptOutRequest>, description = "Optional: the day notice was given (default today) and the notice period (default 7 days)."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn: in force until `last_day` (the day before the notice period ends); weeks after it count against the limit again. Audited.", body = OptOutResponse),
        (status = 403, description = "- `forbidden`: only admin and hr record withdrawals"),
        (status = 404, description = "- `opt_out_not_found`: no opt-out with this id that you may see"),
        (status = 409, description = "- `opt_out_withdrawn`: already withdrawn"),
        (status = 422, description = "- `validation_failed`: a field is malformed, `withdrawn_on` is in the future or before the signature, or `notice_days` is not 0 to 92"),
    )
)]
pub async fn withdraw_opt_out(
    deps: Deps,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<OptOutId>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    require_hr(&user.0, "record withdrawals")?;
    let body: WithdrawOptOutRequest = crate::http::optional_json(&body)?;
    let input = body.validate().map_err(ComplianceFailure::Validation)?;
    let o = visible_opt_out(&deps, &user.0, id.into_inner()).await?;
    let facts = visible_employee(&deps, &user.0, o.employee_id).await?;
    let o = deps
        .actor
        .send(WithdrawOptOut {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: o.id,
            input,
            tz: facts.time_zone.tz(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(OptOutResponse::from(&o)))
}
