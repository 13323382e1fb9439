//! Routes of the compliance module under `/api/v1/compliance`.

use actix_web::web;

use super::handlers::*;
use crate::http::method_not_allowed;

/// Registers the compliance routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/compliance/violations")
            .route(web::get().to(list_violations))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/violations/{id}")
            .route(web::get().to(get_violation))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/violations/{id}/acknowledge")
            .route(web::post().to(acknowledge))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/rule-pack")
            .route(web::get().to(rule_pack))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/evaluate")
            .route(web::post().to(evaluate))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/employees/{id}/working-time")
            .route(web::get().to(working_time))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/checks")
            .route(web::post().to(run_check))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/checks/{id}")
            .route(web::get().to(get_check))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/opt-outs")
            .route(web::post().to(create_opt_out))
            .route(web::get().to(list_opt_outs))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/opt-outs/{id}")
            .route(web::get().to(get_opt_out))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/compliance/opt-outs/{id}/withdraw")
            .route(web::post().to(withdraw_opt_out))
            .default_service(web::to(method_not_allowed)),
    );
}

/// The compliance module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_violations, get_violation, acknowledge, rule_pack, evaluate, working_time, run_check, get_check, create_opt_out, list_opt_outs, get_opt_out, withdraw_opt_out),
    // Named by a query parameter (`rule`), which utoipa does not collect.
    components(schemas(super::domain::RuleId)),
    tags((name = "compliance", description = "Working-time law (Directive 2003/88/EC with the eu, de, uk and fr rule packs) checked on what attendance and leave record: violations and alerts with a lifecycle (open, acknowledged by hr, resolved when a correction makes them untrue), checks on demand, what-if evaluation of planned intervals, each employee's working-time view, opt-outs from the weekly limit. admin and hr see all and act; a manager sees their reporting chain, an employee their own."))
)]
pub struct ComplianceApi;
