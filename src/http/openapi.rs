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

/// The operations that belong to no module (health, this document), the
/// shared error types and the security scheme; modules and the operator
/// endpoints add their parts (see [`build`]).
#[derive(OpenApi)]
#[openapi(
    info(
        title = "hrms",
        description = "HR management API: user accounts, login and employee records. \
Every error is JSON (`ErrorBody`) with a stable snake_case `code`; each operation lists the codes it can answer. \
Every endpoint except login, `/health/*`, `/metrics` and the API documentation needs `Authorization: Bearer <token>` \
from `POST /api/v1/auth/login`, or an API key (`POST /api/v1/api-keys`) as `Authorization: Bearer <key>` or `X-API-Key: <key>`. Request bodies are JSON of at most `server.max_body_bytes` (`HRMS_MAX_BODY_BYTES`, \
64 KiB by default); unknown fields are rejected. Lists are paged with `limit` (default 50; larger values are \
capped at 200) and `offset`.",
        license(name = "MIT", identifier = "MIT")
    ),
    paths(
        crate::http::health::live,
        crate::http::health::ready,
        crate::http::health::metrics,
        openapi_json,
    ),
    components(schemas(ErrorBody, FieldError)),
    modifiers(&SecurityAddon),
    tags(
        (name = "health", description = "Liveness, readiness and metrics: open, for orchestrators and scrapers."),
    )
)]
struct BaseApi;

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
                        "An access token from `POST /api/v1/auth/login` (HS256 JWT, valid `HRMS_TOKEN_TTL_SECS`), or an API key (`hrms_<id>_<secret>`, from `POST /api/v1/api-keys`; also accepted as `X-API-Key: <key>`).",
                    ))
                    .build(),
            ),
        );
    }
}

/// An OpenAPI document, as a JSON value and in its served (committed) text form.
#[derive(Debug, Clone)]
pub struct ApiDocument {
    value: Value,
    json: String,
}

impl ApiDocument {
    /// The document as a JSON value.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// Pretty-printed JSON with a final newline (the committed form).
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The methods the document lists for a route pattern (as actix names it,
    /// e.g. `/api/v1/users/{id}`), for the `Allow` header of a 405.
    pub fn allowed_methods(&self, pattern: &str) -> Option<String> {
        let item = self.value.get("paths")?.get(pattern)?.as_object()?;
        let methods: Vec<String> = ["get", "put", "post", "delete", "options", "head", "patch"]
            .iter()
            .filter(|m| item.contains_key(**m))
            .map(|m| m.to_ascii_uppercase())
            .collect();
        (!methods.is_empty()).then(|| methods.join(", "))
    }
}

/// The document of the base operations plus `parts` (modules' and operator
/// fragments, in order), with the framework's standard responses added.
pub fn build(parts: impl IntoIterator<Item = utoipa::openapi::OpenApi>) -> ApiDocument {
    let mut api = BaseApi::openapi();
    for part in parts {
        api.merge(part);
    }
    api.tags.get_or_insert_with(Vec::new).push(
        utoipa::openapi::tag::TagBuilder::new()
            .name("docs")
            .description(Some("This document."))
            .build(),
    );
    let mut value = serde_json::to_value(api).unwrap_or_else(|_| json!({}));
    add_standard_responses(&mut value);
    let mut json = serde_json::to_string_pretty(&value).unwrap_or_default();
    json.push('\n');
    ApiDocument { value, json }
}

/// The document of what `settings` mount: the enabled modules, and the operator
/// endpoints when the admin API is on. This is what `/api-docs/openapi.json` serves.
pub fn served(settings: &crate::config::Settings) -> ApiDocument {
    let modules = crate::modules::MODULES
        .iter()
        .filter(|m| m.enabled(settings))
        .map(|m| (m.api)());
    let admin = settings
        .admin
        .api_enabled
        .then(crate::outbox::admin::AdminApi::openapi);
    build(modules.chain(admin))
}

/// The document with every module and the operator endpoints: what
/// `docs/openapi.json` holds and clients are generated from.
pub fn full() -> &'static ApiDocument {
    static DOC: OnceLock<ApiDocument> = OnceLock::new();
    DOC.get_or_init(|| {
        build(
            crate::modules::MODULES
                .iter()
                .map(|m| (m.api)())
                .chain([crate::outbox::admin::AdminApi::openapi()]),
        )
    })
}

/// The everything-on document as a JSON value.
pub fn document() -> &'static Value {
    full().value()
}

/// The everything-on document as committed in `docs/openapi.json`.
pub fn document_json() -> &'static str {
    full().json()
}

/// Registers `GET /api-docs/openapi.json` and Swagger UI under `/docs`.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/api-docs/openapi.json")
            .route(web::get().to(openapi_json))
            .default_service(web::to(crate::http::method_not_allowed)),
    )
    .service(
        web::resource("/docs")
            .route(web::get().to(|| async {
                HttpResponse::PermanentRedirect()
                    .insert_header((header::LOCATION, "/docs/"))
                    .finish()
            }))
            .default_service(web::to(crate::http::method_not_allowed)),
    )
    .service(
        utoipa_swagger_ui::SwaggerUi::new("/docs/{_:.*}")
            .config(utoipa_swagger_ui::Config::new([SPEC_PATH])),
    );
}

/// The OpenAPI 3.1 document of what this instance mounts (all on: `docs/openapi.json`).
#[utoipa::path(
    get,
    path = "/api-docs/openapi.json",
    tag = "docs",
    operation_id = "openapi_json",
    responses((status = 200, description = "The OpenAPI 3.1 document.", content_type = "application/json", body = Object))
)]
pub async fn openapi_json(doc: web::Data<ApiDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(doc.json().to_owned())
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
                        "the bearer token or API key is missing, malformed, expired, revoked or tampered with, or its account is inactive or gone",
                    )],
                );
                set_error(
                    responses,
                    "403",
                    &[(
                        "api_key_out_of_scope",
                        "the API key is read-only, or limited to other modules",
                    )],
                );
                set_error(
                    responses,
                    "429",
                    &[(
                        "too_many_attempts",
                        "too many invalid API keys from this address (or for this key from it); try again after `Retry-After` seconds",
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
    /// Format and separator characters the server refuses anywhere
    /// (`shared::text::INVISIBLE_RANGES`, the same list).
    pub const INVISIBLE: &str = r"\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u180E\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB";

    /// Text that, once surrounding whitespace is trimmed, is 1 to `max` characters
    /// without control characters: exactly what the modules' `parse` functions accept.
    pub fn trimmed_text(max: usize, description: &str) -> RefOr<Schema> {
        let pattern = format!(
            "^[{WS}]*[^{WS}{CC}{INVISIBLE}](?:[^{CC}{INVISIBLE}]{{0,{inner}}}[^{WS}{CC}{INVISIBLE}])?[{WS}]*$",
            inner = max.saturating_sub(2)
        );
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .pattern(Some(pattern))
            .description(Some(format!(
                "{description} surrounding whitespace is trimmed; the rest is 1 to {max} \
                 characters without control characters or invisible format and separator \
                 characters (zero-width, bidi overrides, line/paragraph separators)."
            )))
            .into()
    }
}
