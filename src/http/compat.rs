//! Compatibility with the old services' routes: their FastAPI routers declared
//! collection routes with a trailing slash (`POST /api/v1/employees/`). The slash
//! is trimmed from `/api/` paths before routing, so the same handler answers
//! (no redirect: a client's POST keeps its body). Other paths keep theirs
//! (Swagger UI lives at `/docs/`).

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Uri;
use actix_web::middleware::Next;

/// Middleware: routes `/api/...//` as `/api/...`.
pub async fn trim_api_trailing_slash(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if let Some(uri) = trimmed(req.uri()) {
        // Before routing nothing is matched yet: the path is simply replaced.
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
    }
    next.call(req).await
}

/// `uri` without the trailing slashes of an `/api/` path (`None`: unchanged).
fn trimmed(uri: &Uri) -> Option<Uri> {
    let path = uri.path();
    if !path.starts_with("/api/") || !path.ends_with('/') {
        return None;
    }
    let path = path.trim_end_matches('/');
    let path_and_query = match uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(path_and_query.parse().ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_api_paths_lose_their_trailing_slashes_and_queries_are_kept() {
        let cases = [
            ("/api/v1/employees/", Some("/api/v1/employees")),
            ("/api/v1/employees//", Some("/api/v1/employees")),
            (
                "/api/v1/employees/?limit=5&offset=0",
                Some("/api/v1/employees?limit=5&offset=0"),
            ),
            ("/api/v1/employees/0190/", Some("/api/v1/employees/0190")),
            ("/api/v1/employees", None),
            ("/api/v1/employees?limit=5", None),
            ("/docs/", None),
            ("/health/live/", None),
            ("/", None),
        ];
        for (raw, want) in cases {
            let uri: Uri = raw.parse().unwrap();
            let got = trimmed(&uri).map(|u| u.to_string());
            assert_eq!(got.as_deref(), want, "{raw}");
        }
    }
}
