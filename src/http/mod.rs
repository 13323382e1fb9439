//! Cross-cutting HTTP pieces: the request context middleware (request id, trace
//! context, access log, metrics), health, readiness and metrics endpoints, and
//! the OpenAPI document with Swagger UI.

pub mod compat;
mod fallback;
pub mod headers;
pub mod health;
pub mod limits;
pub mod openapi;

pub use fallback::{method_not_allowed, not_found_route};

use std::cell::Cell;
use std::future::{ready, Ready};
use std::rc::Rc;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use tracing::Instrument;

use crate::error::AppError;
use crate::events::EventContext;
use crate::metrics::Metrics;
pub use limits::{ConnectionTracker, HttpLimits};

/// Header carrying the request id in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Request id and trace context of the current request.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    /// From `X-Request-Id` when valid, else generated.
    pub request_id: String,
    /// W3C `traceparent` for this request (continues the caller's trace).
    pub traceparent: String,
}

impl RequestMeta {
    /// The event context of changes made by this request.
    pub fn event_context(&self) -> EventContext {
        EventContext {
            correlation_id: self.request_id.clone(),
            actor_id: None,
            traceparent: Some(self.traceparent.clone()),
        }
    }

    /// The event context of changes made by `who` in this request (audited actor).
    pub fn event_context_by(&self, who: &crate::auth::Principal) -> EventContext {
        EventContext {
            actor_id: Some(who.user_id.to_string()),
            ..self.event_context()
        }
    }

    /// From the `X-Request-Id` and `traceparent` headers, generating what is
    /// missing or invalid.
    fn from_headers(headers: &HeaderMap) -> Self {
        let request_id = headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| valid_request_id(v))
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let trace_id = headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_trace_id)
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
        let span_id = &uuid::Uuid::new_v4().simple().to_string()[..16];
        Self {
            request_id,
            traceparent: format!("00-{trace_id}-{span_id}-01"),
        }
    }
}

/// A caller's request id is kept when it is short printable ASCII.
fn valid_request_id(v: &str) -> bool {
    !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic())
}

/// The trace id of a valid W3C `traceparent` (`00-<32 hex>-<16 hex>-<2 hex>`).
fn parse_trace_id(v: &str) -> Option<String> {
    let parts: Vec<&str> = v.trim().split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match parts.as_slice() {
        [ver, trace, span, flags]
            if hex(ver, 2)
                && hex(trace, 32)
                && hex(span, 16)
                && hex(flags, 2)
                && *trace != "00000000000000000000000000000000" =>
        {
            Some(trace.to_ascii_lowercase())
        }
        _ => None,
    }
}

impl FromRequest for RequestMeta {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // The middleware has put it there; built here only outside it.
        let meta = req
            .extensions()
            .get::<RequestMeta>()
            .cloned()
            .unwrap_or_else(|| RequestMeta::from_headers(req.headers()));
        ready(Ok(meta))
    }
}

/// Middleware: assigns the request id, opens the request span, refuses
/// requests on connections above their address's limit, puts a deadline on the
/// request body, logs one line when the request finishes (method, route,
/// status, latency: no bodies, no personal data, every field bounded), records
/// metrics and adds the default headers ([`headers::apply`]).
pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let meta = RequestMeta::from_headers(req.headers());
    let request_id = meta.request_id.clone();
    // Labels and log fields from a fixed set: a made-up method is "other".
    let method = crate::metrics::method_label(req.method().as_str());
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let limits = req
        .app_data::<web::Data<HttpLimits>>()
        .map(|l| *l.get_ref());
    req.extensions_mut().insert(meta);
    let span = tracing::info_span!(
        "http.request",
        request.id = %request_id,
        http.method = method,
        http.route = tracing::field::Empty,
        user.id = tracing::field::Empty,
    );
    let started = Instant::now();
    let crowded = req
        .conn_data::<limits::ConnectionSlot>()
        .is_some_and(|slot| slot.over_limit);
    let timed_out = Rc::new(Cell::new(false));
    let mut res = if crowded {
        let mut resp = actix_web::ResponseError::error_response(&AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            "too many open connections from this address",
        ));
        resp.head_mut().set_connection_type(ConnectionType::Close);
        req.into_response(resp)
    } else {
        if let Some(timeout) = limits.and_then(|l| l.body_timeout) {
            if has_body(req.headers()) {
                let body = limits::Deadline::new(req.take_payload(), timeout, timed_out.clone());
                req.set_payload(Payload::from(limits::boxed(body)));
            }
        }
        next.call(req)
            .instrument(span.clone())
            .await?
            .map_into_boxed_body()
    };
    if timed_out.get() {
        let mut resp = actix_web::ResponseError::error_response(&AppError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request_timeout",
            "the request body did not arrive in time",
        ));
        resp.head_mut().set_connection_type(ConnectionType::Close);
        res = ServiceResponse::new(res.request().clone(), resp);
    }
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| crate::metrics::UNMATCHED_ROUTE.to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    span.record("http.route", route.as_str());
    span.in_scope(|| {
        tracing::info!(
            http.status = status,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "request finished"
        );
    });
    if let Some(metrics) = metrics {
        metrics.http_request(method, &route, status, elapsed.as_secs_f64());
    }
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    let path = res.request().path().to_owned();
    headers::apply(&path, res.headers_mut());
    Ok(res)
}

/// Whether the request announces a body (a length above zero, or chunks).
fn has_body(headers: &HeaderMap) -> bool {
    headers.contains_key(actix_web::http::header::TRANSFER_ENCODING)
        || headers
            .get(actix_web::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() != "0")
}

/// An optional JSON body: an empty (or blank) body, or `null`, is
/// `T::default()`; anything else must parse (422 `validation_failed` naming
/// `body` otherwise). For actions whose body only carries optional fields
/// (a cancellation's reason, an approval's comment).
pub fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, crate::error::AppError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice::<Option<Obj<T>>>(body)
        .map(|b| b.map(|o| o.0).unwrap_or_default())
        .map_err(|e| {
            crate::error::AppError::validation(vec![crate::error::FieldError::new(
                "body",
                "invalid_value",
                e.to_string(),
            )])
        })
}

/// `T` read only from a JSON object. serde's derived structs also accept an
/// array (their fields by position, `[]` for one whose fields are all
/// optional), which no client means and no schema in the OpenAPI document
/// allows; through this wrapper an array or any other non-object is a data
/// error (400 `invalid_body` in [`Json`]). Everything else (unknown fields,
/// duplicate keys, numbers) is `T`'s own deserialization, unchanged.
pub struct Obj<T>(pub T);

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Obj<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Object<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Object<T> {
            type Value = T;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Object(std::marker::PhantomData)).map(Obj)
    }
}

/// [`Obj`] for a nested optional object field (`null` or absent: `None`); use
/// with `#[serde(default, deserialize_with = "crate::http::object_or_null")]`.
pub fn object_or_null<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    <Option<Obj<T>> as serde::Deserialize>::deserialize(d).map(|o| o.map(|Obj(t)| t))
}

/// [`Obj`] for each item of a nested array of objects; use with
/// `#[serde(deserialize_with = "crate::http::objects")]`.
pub fn objects<'de, T: serde::Deserialize<'de>, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    <Vec<Obj<T>> as serde::Deserialize>::deserialize(d)
        .map(|v| v.into_iter().map(|Obj(t)| t).collect())
}

/// A JSON request body that must be an object: actix's `web::Json` (its body
/// limit, content type check and our error answers) around [`Obj`].
pub struct Json<T>(pub T);

impl<T> Json<T> {
    /// The body.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = futures::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = web::Json::<Obj<T>>::from_request(req, payload);
        Box::pin(async move { Ok(Json(body.await?.into_inner().0)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_valid_traceparent_keeps_its_trace_id() {
        assert_eq!(
            parse_trace_id("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").as_deref(),
            Some("4bf92f3577b34da6a3ce929d0e0e4736")
        );
        assert_eq!(parse_trace_id("00-zz-00f067aa0ba902b7-01"), None);
        assert_eq!(
            parse_trace_id("00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
            None
        );
    }

    #[test]
    fn request_ids_must_be_short_printable_ascii() {
        assert!(valid_request_id("abc-123"));
        assert!(!valid_request_id(""));
        assert!(!valid_request_id("has space"));
        assert!(!valid_request_id(&"x".repeat(129)));
    }
}
