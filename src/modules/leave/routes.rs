//! Routes of the leave module under `/api/v1/leave`.

use actix_web::web;

use super::handlers::*;
use crate::http::method_not_allowed;

/// Registers the leave routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    let resources = [
        web::resource("/api/v1/leave/types")
            .route(web::get().to(list_types))
            .route(web::post().to(create_type)),
        web::resource("/api/v1/leave/types/{code}")
            .route(web::get().to(get_type))
            .route(web::patch().to(update_type)),
        web::resource("/api/v1/leave/calendars")
            .route(web::get().to(list_calendars))
            .route(web::post().to(create_calendar)),
        web::resource("/api/v1/leave/calendars/{id}")
            .route(web::get().to(get_calendar))
            .route(web::patch().to(update_calendar)),
        web::resource("/api/v1/leave/employees/{id}/calendar")
            .route(web::get().to(get_employee_calendar))
            .route(web::put().to(assign_employee_calendar)),
        // Before `/requests/{id}`, so that `preview` is not taken for an id.
        web::resource("/api/v1/leave/requests/preview").route(web::post().to(preview_request)),
        web::resource("/api/v1/leave/requests")
            .route(web::get().to(list_requests))
            .route(web::post().to(create_request)),
        web::resource("/api/v1/leave/requests/{id}").route(web::get().to(get_request)),
        web::resource("/api/v1/leave/requests/{id}/approve").route(web::post().to(approve_request)),
        web::resource("/api/v1/leave/requests/{id}/reject").route(web::post().to(reject_request)),
        web::resource("/api/v1/leave/requests/{id}/cancel").route(web::post().to(cancel_request)),
        web::resource("/api/v1/leave/balances").route(web::get().to(get_balances)),
        web::resource("/api/v1/leave/ledger").route(web::get().to(get_ledger)),
        web::resource("/api/v1/leave/adjustments").route(web::post().to(create_adjustment)),
    ];
    for r in resources {
        cfg.service(r.default_service(web::to(method_not_allowed)));
    }
}

/// The leave module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_types, create_type, get_type, update_type,
        list_calendars, create_calendar, get_calendar, update_calendar,
        get_employee_calendar, assign_employee_calendar,
        create_request, preview_request, list_requests, get_request,
        approve_request, reject_request, cancel_request,
        get_balances, get_ledger, create_adjustment
    ),
    tags((name = "leave", description = "Leave types, work calendars, requests with half days, approval along the type's route, cancellation with exact reversals, balances computed from an append-only ledger. Days are counted on the employee's work calendar in their time zone and split per leave year. admin and hr see all, a manager their reporting chain, an employee their own; decisions follow the type's route."))
)]
pub struct LeaveApi;
