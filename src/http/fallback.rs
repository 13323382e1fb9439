//! The answers for requests no handler takes: an unknown route (404) and a
//! known route with a method it does not serve (405 with `Allow`). They live in
//! the HTTP layer, not in `error.rs`, because the 405 reads the served API
//! document, which depends on every mounted module.

use actix_web::http::header::{HeaderValue, ALLOW};
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};

use super::openapi::ApiDocument;
use crate::error::AppError;

/// Fallback for unknown routes.
pub async fn not_found_route(req: HttpRequest) -> Result<HttpResponse, AppError> {
    Err(AppError::not_found(
        "route_not_found",
        format!("no route for {} {}", req.method(), req.path()),
    ))
}

/// Fallback for a known route called with an unsupported method: 405 with the
/// `Allow` header RFC 9110 asks for, listing the methods the served API
/// document gives the route.
pub async fn method_not_allowed(req: HttpRequest) -> HttpResponse {
    let err = AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{} is not allowed on {}", req.method(), req.path()),
    );
    let mut resp = err.error_response();
    let allowed = req.match_pattern().and_then(|pattern| {
        req.app_data::<web::Data<ApiDocument>>()
            .and_then(|doc| doc.allowed_methods(&pattern))
    });
    if let Some(value) = allowed.and_then(|a| HeaderValue::from_str(&a).ok()) {
        resp.headers_mut().insert(ALLOW, value);
    }
    resp
}
