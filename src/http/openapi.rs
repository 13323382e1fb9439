//! The API contract: the OpenAPI 3.1 document generated from the handlers'
//! `#[utoipa::path]` annotations and the request/response types, served at
//! `GET /api-docs/openapi.json`, with Swagger UI at `GET /docs`.
//!
//! What every operation can answer because of the framework around it is added
//! here once instead of on each handler: 400 `invalid_path` / `invalid_query` /
//! `invalid_json` / `invalid_body` for operations with path, query or body
//! input, 413 and 415 for operations with a body, 401 for operations that need
//! a token, 500, and the `X-Request-Id` header on every response. The error
//! responses an operation declares itself list their codes in the description
//! (one "- `code`: why" line each); the error schema of that response then
//! allows exactly those codes.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::OpenApi;

use crate::error::{ErrorBody, FieldError};

/// Where the document is served.
pub const SPEC_PATH: &str = "/api-docs/openapi.json";
/// Where Swagger UI is served.
pub const UI_PATH: &str = "/docs";
/// Name of the bearer-token security scheme.
pub const BEARER: &str = "bearer";

/// The annotated operations and their types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hrms",
        description = "HR management API: user accounts, login and employee records. \
Every error is JSON (`ErrorBody`) with a stable snake_case `code`; each operation lists the codes it can answer. \
Every endpoint except login, `/health/*`, `/metrics` and the API documentation needs `Authorization: Bearer <token>` \
from `POST /api/v1/auth/login`. Request bodies are JSON of at most `server.max_body_bytes` (`HRMS_MAX_BODY_BYTES`, \
64 KiB by default); unknown fields are rejected. Lists are paged with `limit` (default 50; larger values are \
capped at 200) and `offset`.",
        license(name = "MIT", identifier = "MIT")
    ),
    paths(
        crate::http::health::live,
        crate::http::health::ready,
        crate::http::health::metrics,
        openapi_json,
        crate::modules::user::handlers::login,
        crate::modules::user::handlers::get_me,
        crate::modules::user::handlers::create_user,
        crate::modules::user::handlers::list_users,
        crate::modules::user::handlers::get_user,
        crate::modules::user::handlers::update_user,
        crate::modules::user::handlers::delete_user,
        crate::modules::employee::handlers::create_employee,
        crate::modules::employee::handlers::list_employees,
        crate::modules::employee::handlers::get_employee,
        crate::modules::employee::handlers::update_employee,
        crate::modules::employee::handlers::terminate_employee,
        admin_docs::list_outbox,
        admin_docs::retry_event,
        admin_docs::retry_failing,
    ),
    components(schemas(ErrorBody, FieldError, admin_docs::OutboxState)),
    modifiers(&SecurityAddon),
    tags(
        (name = "health", description = "Liveness, readiness and metrics: open, for orchestrators and scrapers."),
        (name = "auth", description = "Login and the caller's own account."),
        (name = "users", description = "Accounts with roles: admin and hr manage them; everyone sees their own."),
        (name = "employees", description = "Employee records: admin and hr write; a manager reads their reporting chain, an employee their own record."),
        (name = "admin", description = "Operator endpoints for the event outbox: admins only, mounted when `HRMS_ADMIN_API_ENABLED=true`."),
        (name = "docs", description = "This document."),
    )
)]
struct ApiDoc;

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from `POST /api/v1/auth/login` (HS256 JWT, valid `HRMS_TOKEN_TTL_SECS`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document, as served and as committed in `docs/openapi.json`.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|_| json!({}));
        add_standard_responses(&mut doc);
        doc
    })
}

/// The document as pretty-printed JSON with a final newline (the committed form).
pub fn document_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut s = serde_json::to_string_pretty(document()).unwrap_or_default();
        s.push('\n');
        s
    })
}

/// The methods the document lists for a route pattern (as actix names it, e.g.
/// `/api/v1/users/{id}`), for the `Allow` header of a 405.
pub fn allowed_methods(pattern: &str) -> Option<String> {
    let item = document().get("paths")?.get(pattern)?.as_object()?;
    let methods: Vec<String> = ["get", "put", "post", "delete", "options", "head", "patch"]
        .iter()
        .filter(|m| item.contains_key(**m))
        .map(|m| m.to_ascii_uppercase())
        .collect();
    (!methods.is_empty()).then(|| methods.join(", "))
}

/// Registers `GET /api-docs/openapi.json` and Swagger UI under `/docs`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api-docs/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(web::to(crate::error::method_not_allowed)),
    )
    .service(
        web::resource("/docs")
            .route(web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }))
            .default_service(web::to(crate::error::method_not_allowed)),
    )
    .service(
        utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
            .config(utoipa_swagger_ui::Config::new([SPEC_PATH])),
    );
}

/// The OpenAPI 3.1 document of this API (what `docs/openapi.json` holds).
#[utoipa::path(
    get,
    path = "/api-docs/openapi.json",
    tag = "docs",
    operation_id = "openapi_json",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document_json())
}

/// Codes the framework answers, by where the bad input was.
const PATH_CODES: &[(&str, &str)] = &[(
    "invalid_path",
    "a path parameter is malformed (for ids: not a UUID)",
)];
const QUERY_CODES: &[(&str, &str)] = &[(
    "invalid_query",
    "a query parameter has the wrong type or is not known",
)];
const BODY_CODES: &[(&str, &str)] = &[
    ("invalid_json", "the body is not valid JSON"),
    (
        "invalid_body",
        "the body is JSON but a field has the wrong type, a required one is missing or one is not known",
    ),
];

fn error_content(codes: &[String], example_message: &str) -> Value {
    json!({
        "application/json": {
            "schema": {
                "allOf": [
                    { "$ref": "#/components/schemas/ErrorBody" },
                    { "type": "object", "properties": { "code": { "enum": codes } } }
                ]
            },
            "example": { "code": codes.first(), "message": example_message }
        }
    })
}

fn describe(codes: &[(&str, &str)]) -> String {
    codes
        .iter()
        .map(|(code, why)| format!("- `{code}`: {why}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The codes listed in an error response description ("- `code`: ..." lines).
fn codes_in(description: &str) -> Vec<String> {
    description
        .lines()
        .filter_map(|line| {
            let rest = line.trim_start().strip_prefix("- `")?;
            let (code, _) = rest.split_once('`')?;
            Some(code.to_owned())
        })
        .collect()
}

fn set_error(responses: &mut Map<String, Value>, status: &str, codes: &[(&str, &str)]) {
    let entry = responses
        .entry(status.to_owned())
        .or_insert_with(|| json!({ "description": "" }));
    let existing = entry["description"].as_str().unwrap_or_default().to_owned();
    let mut known: BTreeSet<String> = codes_in(&existing).into_iter().collect();
    let mut lines: Vec<String> = existing
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    for (code, why) in codes {
        if known.insert((*code).to_owned()) {
            lines.push(describe(&[(code, why)]));
        }
    }
    lines.sort();
    entry["description"] = Value::String(lines.join("\n"));
}

fn has_params(op: &Value, location: &str) -> bool {
    op.get("parameters")
        .and_then(Value::as_array)
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == location))
}

/// Adds the framework's error responses, the error schema with each response's
/// codes, and the `X-Request-Id` header to every operation.
fn add_standard_responses(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let secured = op
                .get("security")
                .and_then(Value::as_array)
                .is_some_and(|s| !s.is_empty());
            let has_path = has_params(op, "path");
            let has_query = has_params(op, "query");
            let has_body = op.get("requestBody").is_some();
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let mut bad_request = Vec::new();
            if has_path {
                bad_request.extend_from_slice(PATH_CODES);
            }
            if has_query {
                bad_request.extend_from_slice(QUERY_CODES);
            }
            if has_body {
                bad_request.extend_from_slice(BODY_CODES);
            }
            if !bad_request.is_empty() {
                set_error(responses, "400", &bad_request);
            }
            if secured {
                set_error(
                    responses,
                    "401",
                    &[(
                        "unauthorized",
                        "the bearer token is missing, malformed, expired or tampered with, or its account is inactive or gone",
                    )],
                );
            }
            if has_body {
                set_error(
                    responses,
                    "413",
                    &[(
                        "payload_too_large",
                        "the body is larger than `server.max_body_bytes` (64 KiB by default)",
                    )],
                );
                set_error(
                    responses,
                    "415",
                    &[(
                        "unsupported_media_type",
                        "the body is not sent as `Content-Type: application/json`",
                    )],
                );
            }
            set_error(
                responses,
                "500",
                &[(
                    "internal_error",
                    "an unexpected failure; the cause is logged, never returned",
                )],
            );
            for (status, response) in responses.iter_mut() {
                let is_error = status.starts_with('4') || status.starts_with('5');
                if is_error && response.get("content").is_none() {
                    let description = response["description"].as_str().unwrap_or_default();
                    let codes = codes_in(description);
                    if !codes.is_empty() {
                        let message = description
                            .lines()
                            .next()
                            .and_then(|l| l.split_once(": "))
                            .map(|(_, why)| why.to_owned())
                            .unwrap_or_default();
                        response["content"] = error_content(&codes, &message);
                    }
                }
                let headers = response
                    .as_object_mut()
                    .map(|r| r.entry("headers").or_insert_with(|| json!({})));
                if let Some(Value::Object(headers)) = headers {
                    headers.insert(
                        "X-Request-Id".to_owned(),
                        json!({ "$ref": "#/components/headers/X-Request-Id" }),
                    );
                }
            }
        }
    }
    if let Some(components) = doc.get_mut("components").and_then(Value::as_object_mut) {
        components.insert(
            "headers".to_owned(),
            json!({
                "X-Request-Id": {
                    "description": "The caller's `X-Request-Id` when it was 1 to 128 printable ASCII characters, else a generated UUID; also the `correlation_id` of the events this request caused.",
                    "required": true,
                    "schema": { "type": "string", "minLength": 1, "maxLength": 128 }
                }
            }),
        );
    }
}

/// Shared schemas of the request types.
pub mod schema {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;

    /// Characters Rust's `str::trim` removes (Unicode `White_Space`).
    const WS: &str =
        r"\t\n\u000B\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000";
    /// Control characters (Unicode `Cc`).
    const CC: &str = r"\u0000-\u001F\u007F-\u009F";

    /// Text that, once surrounding whitespace is trimmed, is 1 to `max` characters
    /// without control characters: exactly what the modules' `parse` functions accept.
    pub fn trimmed_text(max: usize, description: &str) -> RefOr<Schema> {
        let pattern = format!(
            "^[{WS}]*[^{WS}{CC}](?:[^{CC}]{{0,{inner}}}[^{WS}{CC}])?[{WS}]*$",
            inner = max.saturating_sub(2)
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .pattern(Some(pattern))
            .description(Some(format!(
                "{description} surrounding whitespace is trimmed; the rest is 1 to {max} \
                 characters without control characters."
            )))
            .into()
    }
}

/// The operator endpoints of `src/outbox/admin.rs`, documented here so that the
/// outbox module stays free of documentation concerns while it is reworked.
/// The route-coverage test keeps these in step with the routes actually served.
pub mod admin_docs {
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
