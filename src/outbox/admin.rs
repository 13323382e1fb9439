//! Operator endpoints under `/api/v1/admin/outbox`: list stuck or failing events
//! and make them due again. Mounted only when `admin.api_enabled` is on, and
//! for admins only.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::repository::{self, ListFilter, OutboxRow};
use crate::auth::{forbidden, AuthUser, Role};
use crate::db::{now_micros, Db};
use crate::error::{AppError, FieldError};
use crate::http::method_not_allowed;

fn admin_only(user: &AuthUser) -> Result<(), AppError> {
    if user.0.role == Role::Admin {
        Ok(())
    } else {
        Err(forbidden("only admins can operate the outbox"))
    }
}

/// Registers the operator routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api/v1/admin/outbox")
            .route(web::get().to(list_outbox))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/admin/outbox/retry-failing")
            .route(web::post().to(retry_failing))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/api/v1/admin/outbox/{event_id}/retry")
            .route(web::post().to(retry_event))
            .default_service(web::to(method_not_allowed)),
    );
}

/// Query of `GET /api/v1/admin/outbox`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `pending` (default) or `failing`.
    pub state: Option<String>,
    /// Only events older than this many seconds.
    pub older_than_secs: Option<u64>,
    /// At most this many (default 50, max 1000).
    pub limit: Option<i64>,
}

/// One undelivered event, without its payload (it may hold personal data).
#[derive(Debug, Serialize)]
pub struct OutboxItem {
    /// Event id.
    pub event_id: String,
    /// Event type.
    pub event_type: String,
    /// Family (decides the topic).
    pub family: String,
    /// Kafka key.
    pub aggregate_id: String,
    /// Failed attempts.
    pub attempts: i32,
    /// Last failure.
    pub last_error: Option<String>,
    /// Seconds since the event was written.
    pub age_secs: i64,
    /// Seconds until the next attempt (0 = due).
    pub next_attempt_in_secs: i64,
}

/// Page of undelivered events plus backlog figures.
#[derive(Debug, Serialize)]
pub struct OutboxList {
    /// The events, oldest first.
    pub items: Vec<OutboxItem>,
    /// Undelivered events in all.
    pub pending: i64,
    /// Undelivered events that failed at least once.
    pub failing: i64,
}

fn item(r: OutboxRow, now: i64) -> OutboxItem {
    OutboxItem {
        event_id: r.event_id,
        event_type: r.event_type,
        family: r.family,
        aggregate_id: r.aggregate_id,
        attempts: r.attempts,
        last_error: r.last_error,
        age_secs: (now - r.created_at).max(0) / 1_000_000,
        next_attempt_in_secs: (r.next_attempt_at - now).max(0) / 1_000_000,
    }
}

/// `GET /api/v1/admin/outbox`
pub async fn list_outbox(
    db: web::Data<Db>,
    user: AuthUser,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let q = q.into_inner();
    let now = now_micros();
    let filter = match (q.state.as_deref(), q.older_than_secs) {
        (Some("failing"), _) => ListFilter::Failing,
        (None | Some("pending"), Some(s)) => ListFilter::OlderThan(
            now - i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX / 2),
        ),
        (None | Some("pending"), None) => ListFilter::Pending,
        (Some(_), _) => {
            return Err(AppError::validation(vec![FieldError::new(
                "state",
                "invalid_value",
                "state must be pending or failing",
            )]))
        }
    };
    let limit = q.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(AppError::validation(vec![FieldError::new(
            "limit",
            "out_of_range",
            "limit must be between 1 and 1000",
        )]));
    }
    let db = db.into_inner();
    let (rows, stats) = web::block(move || -> anyhow::Result<_> {
        let mut conn = db.get()?;
        Ok((
            repository::list(&mut conn, filter, limit)?,
            repository::stats(&mut conn)?,
        ))
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok().json(OutboxList {
        items: rows.into_iter().map(|r| item(r, now)).collect(),
        pending: stats.pending,
        failing: stats.failing,
    }))
}

/// Result of a retry request.
#[derive(Debug, Serialize)]
pub struct Retried {
    /// Events made due now.
    pub retried: usize,
}

async fn retry(db: web::Data<Db>, event_id: Option<String>) -> Result<usize, AppError> {
    let db = db.into_inner();
    web::block(move || -> anyhow::Result<usize> {
        let mut conn = db.get()?;
        Ok(repository::retry_now(
            &mut conn,
            event_id.as_deref(),
            now_micros(),
        )?)
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// `POST /api/v1/admin/outbox/{event_id}/retry`
pub async fn retry_event(
    db: web::Data<Db>,
    user: AuthUser,
    id: web::Path<uuid::Uuid>,
) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let n = retry(db, Some(id.into_inner().to_string())).await?;
    if n == 0 {
        return Err(AppError::not_found(
            "outbox_event_not_found",
            "no undelivered event with this id",
        ));
    }
    Ok(HttpResponse::Ok().json(Retried { retried: n }))
}

/// `POST /api/v1/admin/outbox/retry-failing`
pub async fn retry_failing(db: web::Data<Db>, user: AuthUser) -> Result<HttpResponse, AppError> {
    admin_only(&user)?;
    let n = retry(db, None).await?;
    Ok(HttpResponse::Ok().json(Retried { retried: n }))
}

/// The operator endpoints' part of the OpenAPI document, mounted (and served)
/// only with the admin API. The route-coverage test keeps it in step with the
/// routes above.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(docs::list_outbox, docs::retry_event, docs::retry_failing),
    components(schemas(docs::OutboxState)),
    tags((name = "admin", description = "Operator endpoints for the event outbox: admins only, mounted when `HRMS_ADMIN_API_ENABLED=true`."))
)]
pub struct AdminApi;

/// Documentation types of the operator endpoints (the handlers take the serde
/// types above; these describe them).
pub mod docs {
    use utoipa::{IntoParams, ToSchema};

    /// A `u64`: any integer from 0 to 2^64 - 1 (wider than `int64`).
    fn whole_seconds() -> utoipa::openapi::Object {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::Integer)
            .minimum(Some(0))
            .maximum(Some(u64::MAX as usize))
            .build()
    }

    /// Which undelivered events to list.
    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum OutboxState {
        /// Every undelivered event (default).
        Pending,
        /// Undelivered events that failed at least once.
        Failing,
    }

    /// Query of `GET /api/v1/admin/outbox`.
    #[derive(IntoParams)]
    #[into_params(parameter_in = Query)]
    pub struct ListQuery {
        /// `pending` (default) or `failing`.
        #[param(value_type = OutboxState, required = false)]
        pub state: Option<String>,
        /// Only pending events older than this many seconds (ignored with `state=failing`).
        #[param(schema_with = whole_seconds, required = false)]
        pub older_than_secs: Option<u64>,
        /// At most this many events (default 50).
        #[param(value_type = i64, minimum = 1, maximum = 1000, required = false)]
        pub limit: Option<i64>,
    }

    /// One undelivered event, without its payload (it may hold personal data).
    #[derive(ToSchema)]
    pub struct OutboxItem {
        /// Event id (UUID v7).
        #[schema(format = Uuid)]
        pub event_id: String,
        /// Event type, e.g. `EMPLOYEE_CREATED`.
        pub event_type: String,
        /// Event family (decides the topic).
        pub family: String,
        /// Kafka key (the aggregate's id).
        pub aggregate_id: String,
        /// Failed delivery attempts.
        #[schema(minimum = 0)]
        pub attempts: i32,
        /// The last failure.
        #[schema(required = true)]
        pub last_error: Option<String>,
        /// Seconds since the event was written.
        #[schema(minimum = 0)]
        pub age_secs: i64,
        /// Seconds until the next attempt (0: due now).
        #[schema(minimum = 0)]
        pub next_attempt_in_secs: i64,
    }

    /// A page of undelivered events plus backlog figures.
    #[derive(ToSchema)]
    pub struct OutboxList {
        /// The events, oldest first.
        pub items: Vec<OutboxItem>,
        /// Undelivered events in all.
        #[schema(minimum = 0)]
        pub pending: i64,
        /// Undelivered events that failed at least once.
        #[schema(minimum = 0)]
        pub failing: i64,
    }

    /// Result of a retry request.
    #[derive(ToSchema)]
    pub struct Retried {
        /// Events made due now.
        #[schema(minimum = 0)]
        pub retried: u64,
    }

    /// List undelivered events (pending or failing), oldest first, without payloads.
    #[utoipa::path(
        get,
        path = "/api/v1/admin/outbox",
        tag = "admin",
        operation_id = "list_outbox",
        params(ListQuery),
        security(("bearer" = [])),
        responses(
            (status = 200, description = "Undelivered events and backlog figures.", body = OutboxList),
            (status = 403, description = "- `forbidden`: only admins operate the outbox"),
            (status = 422, description = "- `validation_failed`: `state` is not `pending` or `failing`, or `limit` is outside 1 to 1000"),
        )
    )]
    pub fn list_outbox() {}

    /// Make one undelivered event due now.
    #[utoipa::path(
        post,
        path = "/api/v1/admin/outbox/{event_id}/retry",
        tag = "admin",
        operation_id = "retry_outbox_event",
        params(("event_id" = uuid::Uuid, Path, description = "The event's id.")),
        security(("bearer" = [])),
        responses(
            (status = 200, description = "The event is due now.", body = Retried),
            (status = 403, description = "- `forbidden`: only admins operate the outbox"),
            (status = 404, description = "- `outbox_event_not_found`: no undelivered event with this id"),
        )
    )]
    pub fn retry_event() {}

    /// Make every failing event due now.
    #[utoipa::path(
        post,
        path = "/api/v1/admin/outbox/retry-failing",
        tag = "admin",
        operation_id = "retry_failing_outbox_events",
        security(("bearer" = [])),
        responses(
            (status = 200, description = "How many events were made due.", body = Retried),
            (status = 403, description = "- `forbidden`: only admins operate the outbox"),
        )
    )]
    pub fn retry_failing() {}
}
