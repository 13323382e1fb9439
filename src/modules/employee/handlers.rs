//! HTTP handlers: extract, validate into domain types, ask the actor, map the result.

use actix::Addr;
use actix_web::{web, HttpResponse};
use chrono::Utc;

use super::actor::*;
use super::errors::EmployeeError;
use super::model::*;
use super::rules;
use crate::error::AppError;
use crate::http::RequestMeta;

/// The employee actor, as handlers receive it.
pub type Employees = web::Data<Addr<EmployeeActor>>;

/// `POST /api/v1/employees`
pub async fn create_employee(
    actor: Employees,
    meta: RequestMeta,
    body: web::Json<CreateEmployeeRequest>,
) -> Result<HttpResponse, AppError> {
    let input = rules::validate_create(body.into_inner(), Utc::now().date_naive())
        .map_err(EmployeeError::Validation)?;
    let row = actor
        .send(CreateEmployee {
            ctx: meta.event_context(),
            input,
        })
        .await??;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/employees/{}", row.id)))
        .json(EmployeeResponse::from(row)))
}

/// `GET /api/v1/employees/{id}`
pub async fn get_employee(
    actor: Employees,
    id: web::Path<EmployeeId>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(GetEmployee {
            id: id.into_inner(),
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}

/// `GET /api/v1/employees`
pub async fn list_employees(
    actor: Employees,
    query: web::Query<ListEmployeesQuery>,
) -> Result<HttpResponse, AppError> {
    let (filter, page) =
        rules::validate_list(query.into_inner()).map_err(EmployeeError::Validation)?;
    let (rows, total) = actor.send(ListEmployees { filter, page }).await??;
    Ok(HttpResponse::Ok().json(EmployeePage {
        items: rows.into_iter().map(EmployeeResponse::from).collect(),
        total,
        limit: page.limit,
        offset: page.offset,
    }))
}

/// `PATCH /api/v1/employees/{id}`
pub async fn update_employee(
    actor: Employees,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    body: web::Json<UpdateEmployeeRequest>,
) -> Result<HttpResponse, AppError> {
    let patch = rules::validate_patch(body.into_inner(), Utc::now().date_naive())
        .map_err(EmployeeError::Validation)?;
    let row = actor
        .send(UpdateEmployee {
            ctx: meta.event_context(),
            id: id.into_inner(),
            patch,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}

/// `DELETE /api/v1/employees/{id}`: terminates; the record stays.
pub async fn terminate_employee(
    actor: Employees,
    meta: RequestMeta,
    id: web::Path<EmployeeId>,
    query: web::Query<TerminateQuery>,
) -> Result<HttpResponse, AppError> {
    let row = actor
        .send(TerminateEmployee {
            ctx: meta.event_context(),
            id: id.into_inner(),
            termination_date: query.into_inner().termination_date,
        })
        .await??;
    Ok(HttpResponse::Ok().json(EmployeeResponse::from(row)))
}
