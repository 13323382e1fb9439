//! HTTP handlers: extract, validate into domain types, ask the actor, map the result.

use actix::Addr;
use actix_web::{web, HttpResponse};

use super::actor::*;
use super::errors::EmployeeError;
use super::model::*;
use super::rules;
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::http::RequestMeta;
use crate::shared::clock;

/// The employee actor, as handlers receive it.
pub type Employees = web::Data<Addr<EmployeeActor>>;

/// `POST /api/v1/employees`
#[utoipa::path(
    post,
    path = "/api/v1/employees",
    tag = "employees",
    request_body = CreateEmployeeRequest,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = EmployeeResponse, headers(("Location" = String, description = "`/api/v1/employees/{id}` of the new record."))),
        (status = 403, description = "- `forbidden`: only admin and hr create employee records"),
        (status = 409, description = "- `email_taken`: another employee already uses this e-mail address"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)\n- `manager_not_found`: `manager_id` names no employee\n- `manager_terminated`: the manager has been terminated"),
    )
)]
pub async fn create_employee(
    actor: Employees,
    user: AuthUser,
    meta: RequestMeta,
    body: crate::http::Json<CreateEmployeeRequest>,
) -> Result<HttpResponse, AppError> {
    let input = rules::validate_create(body.into_inner(), clock::today())
        .map_err(EmployeeError::Validation)?;
    let row = actor
        .send(CreateEmployee {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/employees/{}", row.id)))
        .json(EmployeeResponse::from(row)))
}

/// `GET /api/v1/employees/{id}`
#[utoipa::path(
    get,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    params(("id" = EmployeeId, Path, description = "The employee's id.")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record.", body = EmployeeResponse),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
    )
)]
pub async fn get_employee(
    actor: Employees,
    user: AuthUser,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(GetEmployee {
            by: user.0,
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}

/// `GET /api/v1/employees`
#[utoipa::path(
    get,
    path = "/api/v1/employees",
    tag = "employees",
    params(ListEmployeesQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The records you may see, oldest first.", body = EmployeePage),
        (status = 422, description = "- `validation_failed`: a filter or the page window is invalid (`details` names each)"),
    )
)]
pub async fn list_employees(
    actor: Employees,
    user: AuthUser,
    query: web::Query<ListEmployeesQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, page) =
        rules::validate_list(query.into_inner()).map_err(EmployeeError::Validation)?;
    let (rows, total) = actor
        .send(ListEmployees {
            by: user.0,
            filter,
            page,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeePage {
        items: rows.into_iter().map(EmployeeResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `PATCH /api/v1/employees/{id}`
#[utoipa::path(
    patch,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    params(("id" = EmployeeId, Path, description = "The employee's id.")),
    request_body = UpdateEmployeeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record after the change.", body = EmployeeResponse),
        (status = 403, description = "- `forbidden`: only admin and hr change employee records"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 409, description = "- `email_taken`: another employee already uses this e-mail address\n- `employee_terminated`: a terminated record cannot be changed"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)\n- `manager_not_found`: `manager_id` names no employee\n- `manager_terminated`: the manager has been terminated\n- `manager_is_self`: an employee cannot manage themself\n- `manager_cycle`: the manager reports to this employee"),
    )
)]
pub async fn update_employee(
    actor: Employees,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    body: crate::http::Json<UpdateEmployeeRequest>,
) -> Result<HttpResponse, AppError> {
    change(actor, user, meta, id.into_inner(), body.into_inner()).await
}

/// Validates `req` and applies it: `PATCH` and `PUT` are one write path.
async fn change(
    actor: Employees,
    user: AuthUser,
    meta: RequestMeta,
    id: EmployeeId,
    req: UpdateEmployeeRequest,
) -> Result<HttpResponse, AppError> {
    let patch = rules::validate_patch(req, clock::today()).map_err(EmployeeError::Validation)?;
    let row = actor
        .send(UpdateEmployee {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id,
            patch,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}

/// `PUT /api/v1/employees/{id}`: a full replacement, as the old FastAPI service
/// offered it (the same rules and events as `PATCH`).
#[utoipa::path(
    put,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    params(("id" = EmployeeId, Path, description = "The employee's id.")),
    request_body(content = CreateEmployeeRequest, description = "The whole record: `name` and `age` are required; an absent `email`, `department`, `position` or `manager_id` is cleared; an absent `hire_date`, `status` or `time_zone` keeps its value."),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record after the change.", body = EmployeeResponse),
        (status = 403, description = "- `forbidden`: only admin and hr change employee records"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 409, description = "- `email_taken`: another employee already uses this e-mail address\n- `employee_terminated`: a terminated record cannot be changed"),
        (status = 422, description = "- `validation_failed`: fields are invalid (`details` names each)\n- `manager_not_found`: `manager_id` names no employee\n- `manager_terminated`: the manager has been terminated\n- `manager_is_self`: an employee cannot manage themself\n- `manager_cycle`: the manager reports to this employee"),
    )
)]
pub async fn replace_employee(
    actor: Employees,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    body: crate::http::Json<CreateEmployeeRequest>,
) -> Result<HttpResponse, AppError> {
    let req = UpdateEmployeeRequest::replacing(body.into_inner());
    change(actor, user, meta, id.into_inner(), req).await
}

/// `DELETE /api/v1/employees/{id}`: terminates; the record stays.
#[utoipa::path(
    delete,
    path = "/api/v1/employees/{id}",
    tag = "employees",
    params(("id" = EmployeeId, Path, description = "The employee's id."), TerminateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Terminated: status `terminated` and `termination_date` set; HR keeps the record.", body = EmployeeResponse),
        (status = 403, description = "- `forbidden`: only admin and hr terminate employees"),
        (status = 404, description = "- `employee_not_found`: no employee with this id that you may see"),
        (status = 409, description = "- `already_terminated`: the employee is already terminated"),
        (status = 422, description = "- `validation_failed`: `termination_date` is not a date, is out of range or precedes the hire date"),
    )
)]
pub async fn terminate_employee(
    actor: Employees,
    user: AuthUser,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    query: web::Query<TerminateQuery>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(TerminateEmployee {
            ctx: meta.event_context_by(&user.0),
            by: user.0,
            id: id.into_inner(),
            termination_date: query.into_inner().termination_date,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}
