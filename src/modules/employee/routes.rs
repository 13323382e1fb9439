//! Routes of the employee module under `/api/v1/employees`.

use actix_web::web;

use super::handlers::*;
use crate::http::method_not_allowed;

/// Registers the employee routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/employees")
            .route(web::post().to(create_employee))
            .route(web::get().to(list_employees))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/employees/{id}")
            .route(web::get().to(get_employee))
            .route(web::patch().to(update_employee))
            .route(web::put().to(replace_employee))
            .route(web::delete().to(terminate_employee))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The employee module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create_employee, list_employees, get_employee, update_employee, replace_employee, terminate_employee),
    tags((name = "employees", description = "Employee records: admin and hr write; a manager reads their reporting chain, an employee their own record."))
)]
pub struct EmployeeApi;
