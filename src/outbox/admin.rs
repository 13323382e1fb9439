//! Operator endpoints under `/api/v1/admin/outbox`: list stuck or failing events
//! and make them due again. Mounted only when `admin.api_enabled` is on, and
//! for admins only.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use super::repository::{self, ListFilter, OutboxRow};
use crate::auth::{forbidden, AuthUser, Role};
use crate::db::{now_micros, Db};
use crate::error::{method_not_allowed, AppError, FieldError};

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
