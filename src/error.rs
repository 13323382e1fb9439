//! The one application error: a stable snake_case `code`, an HTTP status and a
//! message, rendered as JSON. Module errors and actix's own failures convert into
//! it; internal causes are logged once and hidden from the client.

use std::borrow::Cow;
use std::fmt;

use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON field name.
    #[schema(value_type = String, example = "age")]
    pub field: Cow<'static, str>,
    /// Stable snake_case reason, e.g. `out_of_range`.
    #[schema(example = "out_of_range")]
    pub code: &'static str,
    /// Human-readable explanation (never echoes personal data).
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(
        field: impl Into<Cow<'static, str>>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody<'a> {
    /// Stable machine-readable code (snake_case); each operation lists its codes.
    #[schema(pattern = "^[a-z][a-z0-9_]*$", example = "validation_failed")]
    pub code: &'a str,
    /// Human-readable message.
    #[schema(example = "age must be between 16 and 100")]
    pub message: &'a str,
    /// Per-field problems, for validation errors (`validation_failed`); absent otherwise.
    #[serde(skip_serializing_if = "<[FieldError]>::is_empty")]
    #[schema(value_type = Vec<FieldError>)]
    pub details: &'a [FieldError],
}

/// An error answered to the client.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Vec<FieldError>,
    /// Seconds for a `Retry-After` header (429s).
    retry_after: Option<u64>,
}

impl AppError {
    /// Any status and code.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: Vec::new(),
            retry_after: None,
        }
    }

    /// 429 with `Retry-After` (whole seconds, at least one).
    pub fn too_many(
        code: &'static str,
        message: impl Into<String>,
        retry_after: std::time::Duration,
    ) -> Self {
        Self {
            retry_after: Some(retry_after.as_secs().max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
        }
    }

    /// 400.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    /// 409.
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 422 for one rule that the request breaks.
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 422 `validation_failed` with per-field details.
    pub fn validation(details: Vec<FieldError>) -> Self {
        let message = match details.as_slice() {
            [one] => one.message.clone(),
            _ => format!("{} fields are invalid", details.len()),
        };
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "validation_failed",
            message,
            details,
            retry_after: None,
        }
    }

    /// 500: logs the whole cause chain once, tells the client nothing more.
    pub fn internal(err: impl Into<anyhow::Error>) -> Self {
        let err = err.into();
        tracing::error!(error = format!("{err:#}"), "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "an internal error occurred",
        )
    }

    /// 503 for a dependency that is down.
    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// The code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(secs) = self.retry_after {
            response.insert_header((actix_web::http::header::RETRY_AFTER, secs.to_string()));
        }
        response.json(ErrorBody {
            code: self.code,
            message: &self.message,
            details: &self.details,
        })
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(err: diesel::result::Error) -> Self {
        match err {
            // The one place a missing row becomes a 404.
            diesel::result::Error::NotFound => Self::not_found("not_found", "resource not found"),
            other => Self::internal(anyhow::Error::new(other).context("database query failed")),
        }
    }
}

impl From<actix::MailboxError> for AppError {
    fn from(err: actix::MailboxError) -> Self {
        Self::internal(anyhow::Error::new(err).context("module actor unavailable"))
    }
}

/// Turns JSON body failures into our JSON errors.
pub fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let app = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "the request body is larger than the limit",
            )
        }
        JsonPayloadError::ContentType => AppError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the request body must be JSON (Content-Type: application/json)",
        ),
        JsonPayloadError::Deserialize(e) if e.is_data() => AppError::bad_request(
            "invalid_body",
            format!("the request body does not fit: {e}"),
        ),
        JsonPayloadError::Deserialize(e) => AppError::bad_request(
            "invalid_json",
            format!("the request body is not valid JSON: {e}"),
        ),
        _ => AppError::bad_request("invalid_body", "the request body could not be read"),
    };
    app.into()
}

/// Turns path parameter failures into our JSON errors.
pub fn path_error(err: PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::bad_request("invalid_path", format!("invalid path parameter: {err}")).into()
}

/// Turns query string failures into our JSON errors.
pub fn query_error(err: QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    let detail = match &err {
        QueryPayloadError::Deserialize(e) => e.to_string(),
        _ => "unreadable query string".to_owned(),
    };
    AppError::bad_request(
        "invalid_query",
        format!("invalid query parameter: {detail}"),
    )
    .into()
}
