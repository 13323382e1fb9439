//! `GET /health/live`, `GET /health/ready` and `GET /metrics`: open endpoints for
//! orchestrators and scrapers.

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::db::Db;
use crate::metrics::Metrics;
use crate::relay::RelayStatus;

/// Registers the health and metrics routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health/live")
            .route(web::get().to(live))
            .default_service(web::to(crate::error::method_not_allowed)),
    )
    .service(
        web::resource("/health/ready")
            .route(web::get().to(ready))
            .default_service(web::to(crate::error::method_not_allowed)),
    )
    .service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(web::to(crate::error::method_not_allowed)),
    );
}

/// The process is up.
async fn live() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "status": "up" }))
}

/// Ready when the database answers. A broker outage is `degraded` (still 200):
/// the service keeps serving and keeps events in the outbox.
async fn ready(db: web::Data<Db>, relay: web::Data<RelayStatus>) -> HttpResponse {
    let backend = db.backend().as_str();
    let db = db.into_inner();
    let database = match web::block(move || db.ping()).await {
        Ok(Ok(())) => json!({ "status": "up", "backend": backend }),
        Ok(Err(err)) => {
            tracing::warn!(
                error = format!("{err:#}"),
                "readiness: database unreachable"
            );
            json!({ "status": "down", "backend": backend })
        }
        Err(_) => json!({ "status": "down", "backend": backend }),
    };
    let db_up = database["status"] == "up";
    let snapshot = relay.snapshot();
    let kafka_degraded = snapshot.kafka == "unreachable";
    let status = if !db_up {
        "down"
    } else if kafka_degraded {
        "degraded"
    } else {
        "ready"
    };
    let body = json!({
        "status": status,
        "checks": {
            "database": database,
            "kafka": { "status": snapshot.kafka },
            "relay": {
                "status": snapshot.relay,
                "restarts": snapshot.restarts,
                "outbox_pending": snapshot.pending,
            },
        }
    });
    if db_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text format.
async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
