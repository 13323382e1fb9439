//! `GET /health/live`, `GET /health/ready` and `GET /metrics`: open endpoints for
//! orchestrators and scrapers.

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::Db;
use crate::metrics::Metrics;
use crate::relay::RelayStatus;

/// Registers the health and metrics routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health/live")
            .route(web::get().to(live))
            .default_service(web::to(crate::http::method_not_allowed)),
    )
    .service(
        web::resource("/health/ready")
            .route(web::get().to(ready))
            .default_service(web::to(crate::http::method_not_allowed)),
    )
    .service(
        web::resource("/metrics")
            .route(web::get().to(metrics))
            .default_service(web::to(crate::http::method_not_allowed)),
    );
}

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Liveness {
    /// Always `up`.
    #[schema(value_type = String, pattern = "^up$")]
    pub status: &'static str,
}

/// The database check of readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct DatabaseCheck {
    /// `postgres` or `sqlite`.
    #[schema(value_type = String, pattern = "^(postgres|sqlite)$")]
    pub backend: &'static str,
    /// `up` or `down`.
    #[schema(value_type = String, pattern = "^(up|down)$")]
    pub status: &'static str,
}

/// The Kafka check of readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct KafkaCheck {
    /// `disabled`, `connecting`, `up` or `unreachable` (empty until the relay first reports).
    #[schema(value_type = String)]
    pub status: &'static str,
}

/// The relay check of readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelayCheck {
    /// Undelivered outbox rows at the relay's last count.
    pub outbox_pending: i64,
    /// Relay restarts since the process started.
    pub restarts: u64,
    /// `disabled`, `starting`, `leader`, `standby`, `restarting` or `stopped` (empty until it starts).
    #[schema(value_type = String)]
    pub status: &'static str,
}

/// Each dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadinessChecks {
    /// The database.
    pub database: DatabaseCheck,
    /// The Kafka producer.
    pub kafka: KafkaCheck,
    /// The event relay.
    pub relay: RelayCheck,
}

/// Readiness. Fields are in alphabetical order, as the body always had them.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// Each dependency's state.
    pub checks: ReadinessChecks,
    /// `ready`, `degraded` (Kafka unreachable; still serving, events kept in the
    /// outbox) or `down` (no database).
    #[schema(value_type = String, pattern = "^(ready|degraded|down)$")]
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(
    get,
    path = "/health/live",
    tag = "health",
    operation_id = "live",
    responses((status = 200, description = "The process is up.", body = Liveness))
)]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(Liveness { status: "up" })
}

/// Ready when the database answers. A broker outage is `degraded` (still 200):
/// the service keeps serving and keeps events in the outbox.
#[utoipa::path(
    get,
    path = "/health/ready",
    tag = "health",
    operation_id = "ready",
    responses(
        (status = 200, description = "`ready`, or `degraded` when Kafka is unreachable (the service keeps serving and keeps events in the outbox).", body = Readiness),
        (status = 503, description = "`down`: the database does not answer.", body = Readiness),
    )
)]
pub async fn ready(db: web::Data<Db>, relay: web::Data<RelayStatus>) -> HttpResponse {
    let backend = db.backend().as_str();
    let db = db.into_inner();
    let db_up = match web::block(move || db.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(
                error = format!("{err:#}"),
                "readiness: database unreachable"
            );
            false
        }
        Err(_) => false,
    };
    let snapshot = relay.snapshot();
    let kafka_degraded = snapshot.kafka == "unreachable";
    let status = if !db_up {
        "down"
    } else if kafka_degraded {
        "degraded"
    } else {
        "ready"
    };
    let body = Readiness {
        checks: ReadinessChecks {
            database: DatabaseCheck {
                backend,
                status: if db_up { "up" } else { "down" },
            },
            kafka: KafkaCheck {
                status: snapshot.kafka,
            },
            relay: RelayCheck {
                outbox_pending: snapshot.pending,
                restarts: snapshot.restarts,
                status: snapshot.relay,
            },
        },
        status,
    };
    if db_up {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text format.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    operation_id = "metrics",
    responses((status = 200, description = "Prometheus metrics in the text exposition format 0.0.4 (see the README's Observability section).", content_type = "text/plain", body = String))
)]
pub async fn metrics(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
