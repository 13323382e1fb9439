//! Default response headers, applied once by the request middleware:
//! `X-Content-Type-Options: nosniff` everywhere, `Cache-Control: no-store` on
//! every API answer (they carry personal data), and a content security policy
//! with frame protection on the Swagger UI pages.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The UI's policy: the vendored Swagger UI loads its scripts, styles and the
/// spec from this origin only; React sets inline styles and the icons are
/// `data:` SVGs, so those two are allowed; nobody may frame it.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Adds the default headers for a response to `path` (a header the handler
/// already set is kept).
pub fn apply(path: &str, headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if path.starts_with("/api/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if path == crate::http::openapi::UI_PATH
        || path.starts_with(&format!("{}/", crate::http::openapi::UI_PATH))
    {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            HeaderName::from_static("referrer-policy"),
            HeaderValue::from_static("no-referrer"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_answers_are_not_cached_and_the_docs_cannot_be_framed() {
        let mut h = HeaderMap::new();
        apply("/api/v1/employees/1", &mut h);
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "no-store");
        assert_eq!(h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(), "nosniff");
        assert!(h.get(header::CONTENT_SECURITY_POLICY).is_none());

        let mut h = HeaderMap::new();
        apply("/docs/index.html", &mut h);
        assert!(h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'"));
        assert_eq!(h.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert!(h.get(header::CACHE_CONTROL).is_none());

        let mut h = HeaderMap::new();
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("max-age=60"),
        );
        apply("/api/v1/x", &mut h);
        assert_eq!(h.get(header::CACHE_CONTROL).unwrap(), "max-age=60");
    }
}
