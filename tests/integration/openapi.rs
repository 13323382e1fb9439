//! The API contract: the OpenAPI document the code produces is the committed
//! `docs/openapi.json`, it describes every route the app serves and nothing
//! else, and it is served with Swagger UI without a token.
//!
//! After changing an endpoint or a request/response type, regenerate the file:
//!
//! ```sh
//! HRMS_UPDATE_OPENAPI=1 cargo test --test integration openapi
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use awc::http::header::HeaderMap;
use serde_json::Value;

use crate::common::*;

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Routes served outside the API document: Swagger UI itself.
const UNDOCUMENTED: [&str; 2] = ["/docs", "/docs/{_:.*}"];

fn repo_file(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// A request without a token: status, headers and body text.
async fn open_request(app: &TestApp, method: &str, path: &str) -> (u16, HeaderMap, String) {
    request_with(app, None, method, path).await
}

async fn request_with(
    app: &TestApp,
    token: Option<&str>,
    method: &str,
    path: &str,
) -> (u16, HeaderMap, String) {
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .disable_redirects()
        .finish();
    let method = awc::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = client.request(method, format!("{}{}", app.address, path));
    if let Some(t) = token {
        req = req.insert_header(("authorization", format!("Bearer {t}")));
    }
    let mut resp = req.send().await.expect("request sent");
    let body = resp.body().limit(10 * 1024 * 1024).await.expect("body");
    let mut headers = HeaderMap::new();
    for (k, v) in resp.headers() {
        headers.append(k.clone(), v.clone());
    }
    (
        resp.status().as_u16(),
        headers,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

/// (METHOD, path pattern) of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut ops = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            let upper = method.to_ascii_uppercase();
            if METHODS.contains(&upper.as_str()) {
                ops.insert((upper, path.clone()));
            }
        }
    }
    ops
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// (METHOD, path pattern) of every route registered in `src/`. Routes are
/// registered one way only, `web::resource("<path>").route(web::<method>()...)`;
/// any other way of registering one fails this scan so it gets taught here.
fn registered_routes() -> BTreeMap<(String, String), String> {
    let mut files = Vec::new();
    rust_files(&repo_file("src"), &mut files);
    let mut routes = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read source");
        let name = file.display().to_string();
        for other in [
            "web::scope(",
            "web::service(",
            "App::route(",
            ".route(\"",
            "#[get(",
            "#[post(",
            "#[put(",
            "#[patch(",
            "#[delete(",
            "#[route(",
        ] {
            assert!(
                !text.contains(other),
                "{name} registers a route with `{other}`; teach this scan about it"
            );
        }
        for chunk in text.split("web::resource(").skip(1) {
            let path = chunk
                .strip_prefix('"')
                .and_then(|rest| rest.split_once('"'))
                .map(|(path, _)| path.to_owned())
                .unwrap_or_else(|| {
                    panic!("{name}: web::resource( without a string literal path; use a literal")
                });
            let body = chunk.split(".default_service").next().unwrap_or(chunk);
            let mut methods = 0;
            for part in body.split(".route(web::").skip(1) {
                let method = part.split("()").next().unwrap_or_default();
                routes.insert((method.to_ascii_uppercase(), path.clone()), name.clone());
                methods += 1;
            }
            assert!(methods > 0, "{name}: no .route(web::<method>()) for {path}");
        }
    }
    routes
}

/// A concrete URL for a path pattern: ids become a UUID that exists nowhere.
fn concrete(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        out.push_str("0191e0c0-0000-7000-8000-000000000000");
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[actix_web::test]
async fn the_served_openapi_document_is_the_committed_docs_openapi_json() {
    let app = spawn_app_with(&[("HRMS_ADMIN_API_ENABLED", "true")]).await;
    let (status, headers, served) = open_request(&app, "GET", "/api-docs/openapi.json").await;
    assert_eq!(status, 200, "{served}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(served, hrms::http::openapi::document_json());
    let doc: Value = serde_json::from_str(&served).expect("the document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");

    let committed_path = repo_file("docs/openapi.json");
    if std::env::var_os("HRMS_UPDATE_OPENAPI").is_some() {
        std::fs::write(&committed_path, &served).expect("write docs/openapi.json");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    if committed != served {
        let first_difference = committed
            .lines()
            .zip(served.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| {
                format!(
                    "first difference at line {}:\n  committed: {a}\n  code:      {b}",
                    i + 1
                )
            })
            .unwrap_or_else(|| {
                if committed.is_empty() {
                    "the file is missing or empty".to_owned()
                } else {
                    "one is a prefix of the other".to_owned()
                }
            });
        panic!(
            "docs/openapi.json differs from the document the code produces ({first_difference}).\n\
             If the API change is intended, regenerate it and commit it:\n\
             \n    HRMS_UPDATE_OPENAPI=1 cargo test --test integration openapi\n"
        );
    }
}

#[actix_web::test]
async fn every_route_the_app_serves_is_in_the_openapi_document_and_no_other() {
    let app = spawn_app_with(&[("HRMS_ADMIN_API_ENABLED", "true")]).await;
    let doc = hrms::http::openapi::document();
    let documented = documented_operations(doc);
    let registered = registered_routes();

    let registered_ops: BTreeSet<(String, String)> = registered
        .keys()
        .filter(|(_, path)| !UNDOCUMENTED.contains(&path.as_str()))
        .cloned()
        .collect();
    let undocumented: Vec<_> = registered_ops.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "routes served but missing from the OpenAPI document (annotate the handler with \
         #[utoipa::path] and list it in src/http/openapi.rs): {undocumented:?}"
    );
    let unserved: Vec<_> = documented.difference(&registered_ops).collect();
    assert!(
        unserved.is_empty(),
        "operations documented but not registered: {unserved:?}"
    );

    // And at run time: each documented operation reaches its handler (with the
    // admin's token), and every other method on its path is 405 with `Allow`.
    let token = app.admin_token.clone();
    let by_path: BTreeMap<&str, BTreeSet<&str>> =
        documented
            .iter()
            .fold(BTreeMap::new(), |mut m, (method, path)| {
                m.entry(path.as_str()).or_default().insert(method.as_str());
                m
            });
    for (path, methods) in &by_path {
        let url = concrete(path);
        for method in METHODS {
            let (status, headers, body) = request_with(&app, Some(&token), method, &url).await;
            let code = serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|b| b["code"].as_str().map(str::to_owned))
                .unwrap_or_default();
            if methods.contains(method) {
                assert!(
                    code != "route_not_found" && code != "method_not_allowed" && status != 405,
                    "{method} {path} is documented but answered {status} {body}"
                );
            } else {
                assert_eq!(
                    (status, code.as_str()),
                    (405, "method_not_allowed"),
                    "{method} {path} is not documented: {body}"
                );
                let allow: BTreeSet<&str> = headers
                    .get("allow")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .split(", ")
                    .collect();
                assert_eq!(&allow, methods, "Allow of {method} {path}");
            }
        }
    }
}

#[actix_web::test]
async fn swagger_ui_and_the_document_are_served_without_a_token() {
    let app = spawn_app().await;
    let (status, headers, _) = open_request(&app, "GET", "/docs").await;
    assert_eq!(status, 308);
    assert_eq!(
        headers.get("location").and_then(|v| v.to_str().ok()),
        Some("/docs/")
    );
    let (status, headers, page) = open_request(&app, "GET", "/docs/").await;
    assert_eq!(status, 200, "{page}");
    assert!(headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html")));
    assert!(page.contains("swagger-ui"), "{page}");
    let (status, _, init) = open_request(&app, "GET", "/docs/swagger-initializer.js").await;
    assert_eq!(status, 200);
    assert!(
        init.contains("/api-docs/openapi.json"),
        "Swagger UI must load our document: {init}"
    );
    let (status, _, _) = open_request(&app, "GET", "/api-docs/openapi.json").await;
    assert_eq!(status, 200);
}

#[actix_web::test]
async fn the_document_declares_the_bearer_scheme_on_every_protected_operation_only() {
    let doc = hrms::http::openapi::document();
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"],
        serde_json::json!({"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
            "description": doc["components"]["securitySchemes"]["bearer"]["description"]})
    );
    let open: BTreeSet<&str> = [
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/v1/auth/login",
        "/api-docs/openapi.json",
    ]
    .into();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let secured = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            assert_eq!(
                secured,
                !open.contains(path.as_str()),
                "{method} {path}: security is wrong"
            );
            let responses = op["responses"].as_object().expect("responses");
            let unauthorized = responses.get("401").is_some_and(|r| {
                r["content"]["application/json"]["schema"]["allOf"][1]["properties"]["code"]["enum"]
                    .as_array()
                    .is_some_and(|codes| codes.iter().any(|c| c == "unauthorized"))
            });
            assert_eq!(
                unauthorized, secured,
                "{method} {path}: 401 `unauthorized` documented iff a token is needed"
            );
            assert!(responses.contains_key("500"), "{method} {path}: no 500");
            for (status, response) in responses {
                assert!(
                    response["headers"]["X-Request-Id"]["$ref"]
                        == "#/components/headers/X-Request-Id",
                    "{method} {path} {status}: no X-Request-Id"
                );
                // Readiness answers 503 with its own body; every other error is an ErrorBody.
                let readiness = path == "/health/ready" && status == "503";
                if (status.starts_with('4') || status.starts_with('5')) && !readiness {
                    let codes = &response["content"]["application/json"]["schema"]["allOf"][1]
                        ["properties"]["code"]["enum"];
                    assert!(
                        codes.as_array().is_some_and(|c| !c.is_empty()),
                        "{method} {path} {status}: error codes not listed"
                    );
                }
            }
        }
    }
}

#[actix_web::test]
async fn the_documented_limits_are_the_enforced_ones() {
    let doc = hrms::http::openapi::document();
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["CreateEmployeeRequest"]["properties"]["age"]["minimum"],
        16
    );
    assert_eq!(
        schemas["CreateEmployeeRequest"]["properties"]["age"]["maximum"],
        100
    );
    assert_eq!(schemas["WorkEmail"]["maxLength"], 254);
    assert_eq!(schemas["WorkEmail"]["format"], "email");
    assert_eq!(schemas["NewPassword"]["minLength"], 12);
    assert_eq!(schemas["NewPassword"]["maxLength"], 1024);
    assert_eq!(
        schemas["CreateEmployeeRequest"]["additionalProperties"],
        false
    );
    assert_eq!(
        schemas["EmployeePage"]["properties"]["limit"]["maximum"],
        200
    );
    let limit = doc["paths"]["/api/v1/employees"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "limit")
        .expect("limit parameter");
    assert_eq!(limit["schema"]["minimum"], 1);
    assert!(
        limit["schema"].get("maximum").is_none(),
        "larger limits are capped, not rejected"
    );

    // The text patterns accept exactly what the rules accept.
    let app = spawn_app().await;
    for (name, max) in [
        ("PersonName", 200usize),
        ("Label", 100),
        ("DisplayName", 200),
    ] {
        let pattern = schemas[name]["pattern"].as_str().expect("pattern");
        assert!(
            pattern.contains(&format!("{{0,{}}}", max - 2)),
            "{name}: {pattern}"
        );
    }
    let longest = "x".repeat(200);
    let padded = format!("  {longest}\t");
    let r = app
        .post_json(
            "/api/v1/employees",
            &serde_json::json!({"name": padded, "age": 30, "department": format!(" {} ", "d".repeat(100))}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["name"], longest);
    let r = app
        .post_json(
            "/api/v1/employees",
            &serde_json::json!({"name": format!("{longest}x"), "age": 30}),
        )
        .await;
    assert_error(&r, 422, "validation_failed");
}

/// Every `$ref` string anywhere in `v`.
fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
        _ => {}
    }
}

#[test]
fn every_reference_in_the_document_names_a_component_it_defines() {
    // A dangling reference (a type named only by a query parameter, which
    // utoipa does not collect) leaves that part of the contract undefined:
    // clients cannot read it and schemathesis skips it.
    let doc: Value =
        serde_json::from_str(hrms::http::openapi::document_json()).expect("the document is JSON");
    let mut found = Vec::new();
    refs(&doc, &mut found);
    assert!(!found.is_empty());
    let dangling: BTreeSet<&str> = found
        .into_iter()
        .filter(|r| {
            let path = r.strip_prefix("#/").unwrap_or(r);
            path.split('/')
                .try_fold(&doc, |v, key| v.get(key))
                .is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "references to nothing: {dangling:?}");
}
