//! Routes of the attendance module under `/api/v1/attendance`.

use actix_web::web;

use super::handlers::*;
use super::locks::*;
use super::requests::*;
use crate::http::method_not_allowed;

/// Registers the attendance routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/attendance/check-in")
            .route(web::post().to(check_in))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/check-out")
            .route(web::post().to(check_out))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/records")
            .route(web::post().to(create_record))
            .route(web::get().to(list_records))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/records/{id}")
            .route(web::get().to(get_record))
            .route(web::patch().to(correct_record))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/records/{id}/history")
            .route(web::get().to(record_history))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/records/{id}/void")
            .route(web::post().to(void_record))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/records/{id}/correction-requests")
            .route(web::post().to(file_request))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/correction-requests")
            .route(web::get().to(list_requests))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/correction-requests/{id}")
            .route(web::get().to(get_request))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/correction-requests/{id}/approve")
            .route(web::post().to(approve_request))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/correction-requests/{id}/reject")
            .route(web::post().to(reject_request))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/locks")
            .route(web::post().to(create_lock))
            .route(web::get().to(list_locks))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/locks/{id}")
            .route(web::get().to(get_lock))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/locks/{id}/reopen")
            .route(web::post().to(reopen_lock))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/attendance/summary")
            .route(web::get().to(get_summary))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The attendance module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(check_in, check_out, create_record, list_records, get_record, correct_record, void_record, record_history, get_summary, create_lock, list_locks, get_lock, reopen_lock, file_request, list_requests, get_request, approve_request, reject_request),
    // Named by a query parameter (`state`), which utoipa does not collect.
    components(schemas(super::model::RequestStateName)),
    tags((name = "attendance", description = "Time records: self-service check-in and check-out; manual records and corrections by hr, admin and managers (never overwriting: every version is kept); summaries per local day and ISO week in the employee's time zone; correction requests (an employee proposes times for their own record; their manager or hr decides); period locks (hr and admin lock, an admin reopens). admin and hr see all, a manager their reporting chain, an employee their own."))
)]
pub struct AttendanceApi;
