//! The old services' routes work unchanged (issue 15): their FastAPI routers
//! declared collection routes with a trailing slash (`POST /api/v1/employees/`),
//! and hrms serves every route with and without one, with the same handler (no
//! redirect: a client's POST keeps its body).

use serde_json::{json, Value};

use crate::common::*;

/// Every parameterless GET route of the API (`/api/`) in the OpenAPI document,
/// with and without a trailing slash, answers the same status (admin, so
/// nothing is forbidden).
#[actix_web::test]
async fn every_documented_route_answers_the_same_with_a_trailing_slash() {
    let app = spawn_app_with(&[("HRMS_ADMIN_API_ENABLED", "true")]).await;
    let doc: Value =
        serde_json::from_str(hrms::http::openapi::document_json()).expect("OpenAPI JSON");
    let paths = doc["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        if !path.starts_with("/api/") || path.contains('{') || item.get("get").is_none() {
            continue;
        }
        let plain = app.get(path).await;
        let slashed = app.get(&format!("{path}/")).await;
        assert!(!plain.status.is_server_error(), "GET {path}: {}", plain.raw);
        assert_eq!(
            slashed.status, plain.status,
            "GET {path}/ differs from GET {path}: {}",
            slashed.raw
        );
        assert_ne!(slashed.body["code"], "route_not_found", "GET {path}/");
        assert_eq!(slashed.body["code"], plain.body["code"], "GET {path}/");
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} routes checked");
}

#[actix_web::test]
async fn the_old_employee_routes_create_list_read_and_replace_with_a_trailing_slash() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/employees/",
            &json!({ "name": "Old Client", "age": 30, "department": "Ops" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let listed = app.get("/api/v1/employees/").await;
    assert_eq!(listed.status.as_u16(), 200, "{}", listed.raw);
    assert_eq!(listed.body, app.get("/api/v1/employees").await.body);
    assert!(listed.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .any(|e| e["id"] == id.as_str()));
    let one = app.get(&format!("/api/v1/employees/{id}/")).await;
    assert_eq!(one.status.as_u16(), 200, "{}", one.raw);
    assert_eq!(one.body["department"], "Ops");
    let put = app
        .request(
            "PUT",
            &format!("/api/v1/employees/{id}/"),
            Some((
                "application/json",
                &json!({ "name": "Old Client", "age": 31 }).to_string(),
            )),
        )
        .await;
    assert_eq!(put.status.as_u16(), 200, "{}", put.raw);
    assert_eq!(put.body["age"], 31);
    assert_eq!(put.body["department"], Value::Null);
    // The users router too: an account created through the old-style route.
    let account = app
        .post_json(
            "/api/v1/users/",
            &json!({
                "email": format!("old-{}@hrms.test", uuid::Uuid::new_v4().simple()),
                "display_name": "Old Client",
                "role": "employee",
                "employee_id": id,
                "password": USER_PASSWORD,
            }),
        )
        .await;
    assert_eq!(account.status.as_u16(), 201, "{}", account.raw);
    // An unknown route stays a 404, slash or not.
    for path in ["/api/v1/nothing", "/api/v1/nothing/"] {
        let r = app.get(path).await;
        assert_eq!(r.status.as_u16(), 404, "{path}: {}", r.raw);
        assert_eq!(r.body["code"], "route_not_found");
    }
}
