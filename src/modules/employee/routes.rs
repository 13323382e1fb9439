//! Routes of the employee module under `/api/v1/employees`.

use actix_web::web;

use super::handlers::*;
use crate::error::method_not_allowed;

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
            .route(web::delete().to(terminate_employee))
            .default_service(web::to(method_not_allowed)),
    );
}
