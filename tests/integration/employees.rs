//! The employee API as a client sees it: status, JSON body, headers, and the
//! outbox rows each change leaves behind. Every rejected request is also checked
//! to have changed nothing.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};

use crate::common::*;

const EMPLOYEES: &str = "/api/v1/employees";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn employee_path(id: &Value) -> String {
    format!("{EMPLOYEES}/{}", id.as_str().expect("id is a string"))
}

fn assert_not_5xx(r: &Reply, what: &str) {
    assert!(
        !r.status.is_server_error(),
        "{what} answered {}: {}",
        r.status,
        r.raw
    );
}

async fn get(app: &TestApp, path: &str) -> Reply {
    let r = app.get(path).await;
    assert_not_5xx(&r, &format!("GET {path}"));
    r
}

async fn post(app: &TestApp, path: &str, body: &Value) -> Reply {
    let r = app.post_json(path, body).await;
    assert_not_5xx(&r, &format!("POST {path}"));
    r
}

async fn patch(app: &TestApp, path: &str, body: &Value) -> Reply {
    let r = app.patch_json(path, body).await;
    assert_not_5xx(&r, &format!("PATCH {path}"));
    r
}

async fn delete(app: &TestApp, path: &str) -> Reply {
    let r = app.delete(path).await;
    assert_not_5xx(&r, &format!("DELETE {path}"));
    r
}

async fn raw(app: &TestApp, method: &str, path: &str, body: Option<(&str, &str)>) -> Reply {
    let r = app.request(method, path, body).await;
    assert_not_5xx(&r, &format!("{method} {path}"));
    r
}

/// Today as the server sees it (UTC). Tests that compare against "today" accept
/// either side of a midnight that falls during the request.
fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn assert_is_today(value: &Value, before: NaiveDate) {
    let after = today();
    let day = value.as_str().expect("a date string");
    assert!(
        day == before.to_string() || day == after.to_string(),
        "expected today ({before}), got {day}"
    );
}

/// Everything a client can observe: the whole employee list and the number of
/// outbox rows. A rejected request must leave both as they were.
async fn observable_state(app: &TestApp) -> (Value, usize) {
    let r = get(app, &format!("{EMPLOYEES}?limit=200")).await;
    assert_eq!(r.status.as_u16(), 200, "list failed: {}", r.raw);
    (r.body, app.outbox().len())
}

/// A 422 `validation_failed` whose details name exactly `fields`, in order.
fn assert_validation(r: &Reply, fields: &[&str]) {
    assert_error(r, 422, "validation_failed");
    let details = r.body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("validation error without details: {}", r.raw));
    let named: Vec<&str> = details
        .iter()
        .map(|d| d["field"].as_str().expect("detail field"))
        .collect();
    assert_eq!(named, fields, "unexpected fields, body: {}", r.raw);
    for d in details {
        assert!(
            d["code"].as_str().is_some_and(|c| !c.is_empty()),
            "detail without code: {}",
            r.raw
        );
        assert!(
            d["message"].as_str().is_some_and(|m| !m.is_empty()),
            "detail without message: {}",
            r.raw
        );
    }
}

fn detail_code<'a>(r: &'a Reply, field: &str) -> &'a str {
    r.body["details"]
        .as_array()
        .and_then(|ds| ds.iter().find(|d| d["field"] == field))
        .and_then(|d| d["code"].as_str())
        .unwrap_or_else(|| panic!("no detail for {field}: {}", r.raw))
}

/// Posts a create body that must be rejected with `status`/`code`, and checks
/// that nothing changed.
async fn assert_create_rejected(app: &TestApp, body: Value, status: u16, code: &str) -> Reply {
    let before = observable_state(app).await;
    let r = post(app, EMPLOYEES, &body).await;
    assert_error(&r, status, code);
    assert_eq!(
        observable_state(app).await,
        before,
        "a rejected create changed something"
    );
    r
}

/// Sends a patch that must be rejected with `status`/`code`, and checks that
/// the record and the outbox are unchanged.
async fn assert_patch_rejected(
    app: &TestApp,
    id: &Value,
    body: Value,
    status: u16,
    code: &str,
) -> Reply {
    let before = observable_state(app).await;
    let r = patch(app, &employee_path(id), &body).await;
    assert_error(&r, status, code);
    assert_eq!(
        observable_state(app).await,
        before,
        "a rejected patch changed something"
    );
    r
}

async fn create_named(app: &TestApp, name: &str, extra: Value) -> Value {
    let mut body = json!({ "name": name, "age": 30 });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    app.create_employee(body).await
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect()
}

fn event_types(rows: &[OutboxEntry]) -> Vec<&str> {
    rows.iter().map(|r| r.event_type.as_str()).collect()
}

fn http_client(app: &TestApp) -> awc::Client {
    awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .add_default_header(("authorization", format!("Bearer {}", app.admin_token)))
        .finish()
}

// ---------------------------------------------------------------------------
// POST /api/v1/employees
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn creating_an_employee_returns_201_with_the_record_and_its_location() {
    let app = spawn_app().await;
    let manager = create_named(&app, "Grace Hopper", json!({})).await;

    let url = format!("{}{EMPLOYEES}", app.address);
    let mut resp = http_client(&app)
        .post(url)
        .send_json(&json!({
            "name": "  Ada Lovelace ",
            "age": 36,
            "email": "ada@example.com",
            "department": "Engineering",
            "position": "Analyst",
            "manager_id": manager["id"],
            "hire_date": "2020-02-03",
            "status": "on_leave",
        }))
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .expect("Location header");
    let body: Value = resp.json().await.expect("JSON body");

    let id = body["id"].as_str().expect("id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "id is not a UUID: {id}");
    assert_eq!(location, format!("{EMPLOYEES}/{id}"));
    assert_eq!(body["name"], "Ada Lovelace", "the name is trimmed");
    assert_eq!(body["age"], 36);
    assert_eq!(body["email"], "ada@example.com");
    assert_eq!(body["department"], "Engineering");
    assert_eq!(body["position"], "Analyst");
    assert_eq!(body["manager_id"], manager["id"]);
    assert_eq!(body["hire_date"], "2020-02-03");
    assert_eq!(body["status"], "on_leave");
    assert_eq!(body["termination_date"], Value::Null);
    assert!(body["created_at"].is_string());
    assert_eq!(body["created_at"], body["updated_at"]);

    let fetched = get(&app, &location).await;
    assert_eq!(fetched.status.as_u16(), 200);
    assert_eq!(
        fetched.body, body,
        "the Location points at the created record"
    );
}

#[actix_web::test]
async fn an_old_client_body_with_only_name_and_age_still_creates_an_employee() {
    let app = spawn_app().await;
    let before = today();
    let r = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": 36 })).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["name"], "Ada");
    assert_eq!(r.body["age"], 36);
    assert_eq!(r.body["email"], Value::Null);
    assert_eq!(r.body["department"], Value::Null);
    assert_eq!(r.body["position"], Value::Null);
    assert_eq!(r.body["manager_id"], Value::Null);
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["termination_date"], Value::Null);
    assert_is_today(&r.body["hire_date"], before);
}

#[actix_web::test]
async fn the_email_is_stored_trimmed_and_lower_cased() {
    let app = spawn_app().await;
    let created = create_named(
        &app,
        "Ada",
        json!({ "email": " Ada.Lovelace@Example.COM " }),
    )
    .await;
    assert_eq!(created["email"], "ada.lovelace@example.com");
    let fetched = get(&app, &employee_path(&created["id"])).await;
    assert_eq!(fetched.body["email"], "ada.lovelace@example.com");
}

#[actix_web::test]
async fn a_request_id_sent_by_the_client_is_echoed_back() {
    let app = spawn_app().await;
    let client = http_client(&app);

    let resp = client
        .post(format!("{}{EMPLOYEES}", app.address))
        .insert_header(("x-request-id", "client-req-42"))
        .send_json(&json!({ "name": "Ada", "age": 36 }))
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "client-req-42");

    // Also on an error response.
    let resp = client
        .get(format!("{}{EMPLOYEES}/not-a-uuid", app.address))
        .insert_header(("x-request-id", "client-req-43"))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(resp.headers().get("x-request-id").unwrap(), "client-req-43");
}

#[actix_web::test]
async fn a_request_id_is_generated_when_the_client_sends_none_or_an_unusable_one() {
    let app = spawn_app().await;
    let first = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": 36 })).await;
    let second = get(&app, &format!("{EMPLOYEES}/{}", uuid::Uuid::nil())).await;
    let a = first.request_id.expect("a request id on a success");
    let b = second.request_id.expect("a request id on an error");
    assert!(!a.is_empty() && !b.is_empty());
    assert_ne!(a, b, "each request gets its own id");

    let resp = http_client(&app)
        .get(format!("{}/health/live", app.address))
        .insert_header(("x-request-id", "has a space"))
        .send()
        .await
        .expect("request sent");
    let echoed = resp
        .headers()
        .get("x-request-id")
        .expect("request id")
        .to_str()
        .unwrap();
    assert!(!echoed.is_empty());
    assert_ne!(echoed, "has a space", "an unusable id is replaced");
}

// ---------------------------------------------------------------------------
// Validation (422)
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn a_malformed_email_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in [
        "not-an-email",
        "ada@",
        "@example.com",
        "a b@example.com",
        "",
    ] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "email": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["email"]);
    }
}

#[actix_web::test]
async fn an_age_outside_16_to_100_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in [15, 101, -1, 0, i64::MAX] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["age"]);
        assert_eq!(detail_code(&r, "age"), "out_of_range");
    }
    // The bounds themselves are accepted.
    for ok in [16, 100] {
        let r = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": ok })).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
        assert_eq!(r.body["age"], ok);
    }
}

#[actix_web::test]
async fn an_impossible_or_unparseable_hire_date_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in ["2026-13-01", "2026-02-30", "yesterday", "01/02/2020", ""] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "hire_date": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["hire_date"]);
        assert_eq!(detail_code(&r, "hire_date"), "invalid_date", "for {bad:?}");
    }
}

#[actix_web::test]
async fn a_hire_date_before_1900_or_over_a_year_ahead_is_a_validation_error() {
    let app = spawn_app().await;
    let far_future = today()
        .checked_add_days(chrono::Days::new(400))
        .unwrap()
        .to_string();
    for bad in ["1899-12-31", "0001-01-01", far_future.as_str()] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "hire_date": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["hire_date"]);
        assert_eq!(detail_code(&r, "hire_date"), "out_of_range", "for {bad}");
    }
    let r = post(
        &app,
        EMPLOYEES,
        &json!({ "name": "Ada", "age": 36, "hire_date": "1900-01-01" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
}

#[actix_web::test]
async fn creating_an_employee_as_terminated_is_a_validation_error() {
    let app = spawn_app().await;
    let r = assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "status": "terminated" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["status"]);
    assert_eq!(detail_code(&r, "status"), "use_terminate");

    let r = assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "status": "retired" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["status"]);
}

#[actix_web::test]
async fn an_empty_or_blank_name_is_a_validation_error() {
    let app = spawn_app().await;
    let too_long = "x".repeat(201);
    for bad in ["", "   ", "\t\n", "Ada\u{0007}", too_long.as_str()] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": bad, "age": 36 }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["name"]);
    }
}

#[actix_web::test]
async fn an_empty_department_or_position_is_a_validation_error() {
    let app = spawn_app().await;
    for field in ["department", "position"] {
        for bad in ["", "  "] {
            let r = assert_create_rejected(
                &app,
                json!({ "name": "Ada", "age": 36, field: bad }),
                422,
                "validation_failed",
            )
            .await;
            assert_validation(&r, &[field]);
        }
    }
}

#[actix_web::test]
async fn every_bad_field_is_reported_in_one_response() {
    let app = spawn_app().await;
    let r = assert_create_rejected(
        &app,
        json!({
            "name": " ",
            "age": 15,
            "email": "nope",
            "department": "",
            "position": "",
            "manager_id": "42",
            "hire_date": "2026-13-01",
            "status": "terminated",
        }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(
        &r,
        &[
            "name",
            "age",
            "email",
            "department",
            "position",
            "manager_id",
            "hire_date",
            "status",
        ],
    );
    assert_eq!(detail_code(&r, "manager_id"), "invalid_id");
}

// ---------------------------------------------------------------------------
// Malformed requests (400, 404, 405, 413, 415)
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn unknown_fields_in_the_body_are_rejected_as_invalid_body() {
    let app = spawn_app().await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "salary": 1 }),
        400,
        "invalid_body",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "Name": "x" }),
        400,
        "invalid_body",
    )
    .await;

    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "salary": 1 }),
        400,
        "invalid_body",
    )
    .await;
    assert_patch_rejected(&app, &emp["id"], json!({ "id": "x" }), 400, "invalid_body").await;
}

#[actix_web::test]
async fn a_field_of_the_wrong_type_is_rejected_as_invalid_body() {
    let app = spawn_app().await;
    for body in [
        json!({ "name": "Ada", "age": "30" }),
        json!({ "name": "Ada", "age": 30.5 }),
        json!({ "name": "Ada", "age": null }),
        json!({ "name": 7, "age": 30 }),
        json!({ "name": "Ada", "age": 30, "email": 1 }),
        json!({ "name": "Ada" }),
        json!({ "age": 30 }),
        json!([{ "name": "Ada", "age": 30 }]),
        json!("Ada"),
    ] {
        assert_create_rejected(&app, body, 400, "invalid_body").await;
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "age": "31" }),
        400,
        "invalid_body",
    )
    .await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "age": 30.5 }),
        400,
        "invalid_body",
    )
    .await;
}

#[actix_web::test]
async fn an_age_written_as_a_whole_float_is_that_integer() {
    // JSON Schema's `integer` (the API document's type of `age`) includes 36.0;
    // found by scripts/fuzz-api.sh, which sent it and got 400.
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({ "age": 36.0 })).await;
    assert_eq!(emp["age"], 36);
    let r = patch(&app, &employee_path(&emp["id"]), &json!({ "age": 37.0 })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["age"], 37);
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 1e300 }),
        400,
        "invalid_body",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": -0.5 }),
        400,
        "invalid_body",
    )
    .await;
}

#[actix_web::test]
async fn malformed_json_is_rejected_as_invalid_json() {
    let app = spawn_app().await;
    for body in [
        r#"{"name": "Ada", "age": 36"#,
        r#"{"name": "Ada" "age": 36}"#,
        "",
        "{,}",
    ] {
        let before = observable_state(&app).await;
        let r = raw(&app, "POST", EMPLOYEES, Some(("application/json", body))).await;
        assert_error(&r, 400, "invalid_json");
        assert_eq!(observable_state(&app).await, before);
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let r = raw(
        &app,
        "PATCH",
        &employee_path(&emp["id"]),
        Some(("application/json", "{")),
    )
    .await;
    assert_error(&r, 400, "invalid_json");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_an_unsupported_media_type() {
    let app = spawn_app().await;
    let body = r#"{"name": "Ada", "age": 36}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let before = observable_state(&app).await;
        let r = raw(&app, "POST", EMPLOYEES, Some((content_type, body))).await;
        assert_error(&r, 415, "unsupported_media_type");
        assert_eq!(observable_state(&app).await, before);
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let r = raw(
        &app,
        "PATCH",
        &employee_path(&emp["id"]),
        Some(("text/plain", r#"{"age": 40}"#)),
    )
    .await;
    assert_error(&r, 415, "unsupported_media_type");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn a_body_over_64_kib_is_payload_too_large() {
    let app = spawn_app().await;
    let body = json!({ "name": "A".repeat(70 * 1024), "age": 36 });
    assert!(body.to_string().len() > 64 * 1024);
    assert_create_rejected(&app, body, 413, "payload_too_large").await;

    let emp = create_named(&app, "Ada", json!({})).await;
    let big = json!({ "position": "P".repeat(70 * 1024) });
    assert_patch_rejected(&app, &emp["id"], big, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn an_id_that_is_not_a_uuid_is_an_invalid_path() {
    let app = spawn_app().await;
    let before = observable_state(&app).await;
    for path in [
        format!("{EMPLOYEES}/not-a-uuid"),
        format!("{EMPLOYEES}/123"),
        format!("{EMPLOYEES}/0198c0de-0000-7000-8000-00000000000"),
    ] {
        assert_error(&get(&app, &path).await, 400, "invalid_path");
        assert_error(
            &patch(&app, &path, &json!({ "age": 40 })).await,
            400,
            "invalid_path",
        );
        assert_error(&delete(&app, &path).await, 400, "invalid_path");
    }
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn an_unknown_employee_id_is_not_found() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let path = format!("{EMPLOYEES}/{}", uuid::Uuid::now_v7());
    assert_error(&get(&app, &path).await, 404, "employee_not_found");
    assert_error(
        &patch(&app, &path, &json!({ "age": 40 })).await,
        404,
        "employee_not_found",
    );
    assert_error(&delete(&app, &path).await, 404, "employee_not_found");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn an_unknown_path_is_route_not_found() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nope",
        "/api/v2/employees",
        "/",
        "/api/v1/employees/x/y",
    ] {
        assert_error(&get(&app, path).await, 404, "route_not_found");
    }
    let r = post(
        &app,
        "/api/v1/employee",
        &json!({ "name": "Ada", "age": 36 }),
    )
    .await;
    assert_error(&r, 404, "route_not_found");
}

#[actix_web::test]
async fn a_method_the_route_does_not_support_is_method_not_allowed() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({ "department": "Engineering" })).await;
    let before = observable_state(&app).await;
    let body = r#"{"name": "Eve", "age": 40}"#;
    let r = raw(
        &app,
        "PUT",
        &employee_path(&emp["id"]),
        Some(("application/json", body)),
    )
    .await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(
        &app,
        "POST",
        &employee_path(&emp["id"]),
        Some(("application/json", body)),
    )
    .await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(&app, "DELETE", EMPLOYEES, None).await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(&app, "PUT", EMPLOYEES, Some(("application/json", body))).await;
    assert_error(&r, 405, "method_not_allowed");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn unknown_or_malformed_query_parameters_are_an_invalid_query() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    for query in [
        "sort=name",
        "limit=abc",
        "offset=x",
        "limit=1.5",
        "limit=99999999999999999999",
    ] {
        let r = get(&app, &format!("{EMPLOYEES}?{query}")).await;
        assert_error(&r, 400, "invalid_query");
    }
    let r = delete(&app, &format!("{}?reason=quit", employee_path(&emp["id"]))).await;
    assert_error(&r, 400, "invalid_query");
    assert_eq!(observable_state(&app).await, before);
    assert_eq!(
        get(&app, &employee_path(&emp["id"])).await.body["status"],
        "active"
    );
}

// ---------------------------------------------------------------------------
// Unique e-mail (409)
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn a_duplicate_email_is_a_conflict() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "ada@x.com" })).await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
}

#[actix_web::test]
async fn emails_differing_only_in_case_are_duplicates() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "Ada@X.com" })).await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": " ADA@X.COM " }),
        409,
        "email_taken",
    )
    .await;
}

#[actix_web::test]
async fn changing_an_email_to_one_already_taken_is_a_conflict() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "ada@x.com" })).await;
    let bob = create_named(&app, "Bob", json!({ "email": "bob@x.com" })).await;
    assert_patch_rejected(
        &app,
        &bob["id"],
        json!({ "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
    assert_patch_rejected(
        &app,
        &bob["id"],
        json!({ "email": "ADA@x.COM" }),
        409,
        "email_taken",
    )
    .await;

    // Re-sending one's own address, in any case, is not a conflict.
    let r = patch(
        &app,
        &employee_path(&bob["id"]),
        &json!({ "email": "BOB@X.COM" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["email"], "bob@x.com");

    // A freed address can be taken.
    let r = patch(&app, &employee_path(&bob["id"]), &json!({ "email": null })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let carol = create_named(&app, "Carol", json!({ "email": "bob@x.com" })).await;
    assert_eq!(carol["email"], "bob@x.com");
}

// ---------------------------------------------------------------------------
// Managers
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn an_unknown_manager_is_rejected() {
    let app = spawn_app().await;
    let ghost = uuid::Uuid::now_v7().to_string();
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "manager_id": ghost }),
        422,
        "manager_not_found",
    )
    .await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": ghost }),
        422,
        "manager_not_found",
    )
    .await;
    let r = assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": "boss" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["manager_id"]);
}

#[actix_web::test]
async fn an_employee_cannot_be_their_own_manager() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": emp["id"] }),
        422,
        "manager_is_self",
    )
    .await;
    // The same id in upper case is still the same employee.
    let upper = emp["id"].as_str().unwrap().to_uppercase();
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": upper }),
        422,
        "manager_is_self",
    )
    .await;
}

#[actix_web::test]
async fn a_manager_chain_that_would_loop_is_rejected() {
    let app = spawn_app().await;
    // a manages b, b manages c.
    let a = create_named(&app, "A", json!({})).await;
    let b = create_named(&app, "B", json!({ "manager_id": a["id"] })).await;
    let c = create_named(&app, "C", json!({ "manager_id": b["id"] })).await;
    assert_eq!(c["manager_id"], b["id"]);

    // a's direct and indirect reports cannot become a's manager.
    assert_patch_rejected(
        &app,
        &a["id"],
        json!({ "manager_id": c["id"] }),
        422,
        "manager_cycle",
    )
    .await;
    assert_patch_rejected(
        &app,
        &a["id"],
        json!({ "manager_id": b["id"] }),
        422,
        "manager_cycle",
    )
    .await;
    assert_patch_rejected(
        &app,
        &b["id"],
        json!({ "manager_id": c["id"] }),
        422,
        "manager_cycle",
    )
    .await;

    // Moving c up under a keeps a tree, and is allowed.
    let r = patch(
        &app,
        &employee_path(&c["id"]),
        &json!({ "manager_id": a["id"] }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["manager_id"], a["id"]);
}

#[actix_web::test]
async fn a_terminated_manager_is_rejected() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({})).await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&boss["id"]))
            .await
            .status
            .as_u16(),
        200
    );

    assert_create_rejected(
        &app,
        json!({ "name": "Eve", "age": 30, "manager_id": boss["id"] }),
        422,
        "manager_terminated",
    )
    .await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": boss["id"] }),
        422,
        "manager_terminated",
    )
    .await;
}

// ---------------------------------------------------------------------------
// GET and list
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn an_employee_can_be_read_by_id() {
    let app = spawn_app().await;
    let ada = create_named(
        &app,
        "Ada",
        json!({ "email": "ada@x.com", "department": "Eng" }),
    )
    .await;
    create_named(&app, "Bob", json!({})).await;
    let r = get(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, ada);
    // An upper-case id names the same record.
    let upper = format!("{EMPLOYEES}/{}", ada["id"].as_str().unwrap().to_uppercase());
    assert_eq!(get(&app, &upper).await.body, ada);
}

#[actix_web::test]
async fn the_list_can_be_filtered_by_department_status_and_manager() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({ "department": "Eng" })).await;
    let ada = create_named(
        &app,
        "Ada",
        json!({ "department": "Eng", "manager_id": boss["id"] }),
    )
    .await;
    let bob = create_named(
        &app,
        "Bob",
        json!({ "department": "Sales", "manager_id": boss["id"], "status": "on_leave" }),
    )
    .await;
    let eve = create_named(&app, "Eve", json!({ "department": "Eng" })).await;
    let _nobody = create_named(&app, "Nobody", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&eve["id"]))
            .await
            .status
            .as_u16(),
        200
    );

    let list = |query: String| {
        let app = &app;
        async move {
            let r = get(app, &format!("{EMPLOYEES}?{query}")).await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
            r.body
        }
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    let all = list(String::new()).await;
    assert_eq!(all["total"], 5);
    assert_eq!(all["limit"], 50);
    assert_eq!(all["offset"], 0);

    let eng = list("department=Eng".into()).await;
    assert_eq!(ids(&eng), [id(&boss), id(&ada), id(&eve)]);
    assert_eq!(eng["total"], 3);
    assert_eq!(
        list("department=eng".into()).await["total"],
        0,
        "departments match exactly"
    );
    assert_eq!(list("department=Marketing".into()).await["total"], 0);

    assert_eq!(ids(&list("status=on_leave".into()).await), [id(&bob)]);
    assert_eq!(ids(&list("status=terminated".into()).await), [id(&eve)]);
    assert_eq!(list("status=active".into()).await["total"], 3);

    let reports = list(format!("manager_id={}", id(&boss))).await;
    assert_eq!(ids(&reports), [id(&ada), id(&bob)]);
    assert_eq!(reports["total"], 2);
    assert_eq!(list(format!("manager_id={}", id(&ada))).await["total"], 0);

    let combined = list(format!(
        "department=Eng&status=active&manager_id={}",
        id(&boss)
    ))
    .await;
    assert_eq!(ids(&combined), [id(&ada)]);
    assert_eq!(combined["total"], 1);

    for query in ["status=retired", "manager_id=boss", "department="] {
        let r = get(&app, &format!("{EMPLOYEES}?{query}")).await;
        assert_error(&r, 422, "validation_failed");
    }
}

#[actix_web::test]
async fn the_list_is_paginated_in_a_stable_order_and_total_counts_all_matches() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let e = create_named(
            &app,
            &format!("Employee {i}"),
            json!({ "department": "Eng" }),
        )
        .await;
        created.push(e["id"].as_str().unwrap().to_owned());
    }
    create_named(&app, "Outsider", json!({ "department": "Sales" })).await;

    let mut paged = Vec::new();
    for offset in [0, 3, 6] {
        let r = get(
            &app,
            &format!("{EMPLOYEES}?department=Eng&limit=3&offset={offset}"),
        )
        .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        assert_eq!(r.body["total"], 7);
        assert_eq!(r.body["limit"], 3);
        assert_eq!(r.body["offset"], offset);
        paged.extend(ids(&r.body));
    }
    assert_eq!(paged, created, "pages cover every match once, oldest first");

    let again = get(
        &app,
        &format!("{EMPLOYEES}?department=Eng&limit=3&offset=3"),
    )
    .await;
    assert_eq!(
        ids(&again.body),
        created[3..6],
        "the same page twice gives the same items"
    );

    let past_end = get(
        &app,
        &format!("{EMPLOYEES}?department=Eng&limit=3&offset=100"),
    )
    .await;
    assert_eq!(past_end.status.as_u16(), 200);
    assert_eq!(past_end.body["items"], json!([]));
    assert_eq!(past_end.body["total"], 7);
}

#[actix_web::test]
async fn a_limit_above_200_is_capped_to_200() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({})).await;
    for limit in [201, 1000, i64::MAX] {
        let r = get(&app, &format!("{EMPLOYEES}?limit={limit}")).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        assert_eq!(r.body["limit"], 200);
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    }
    let r = get(&app, &format!("{EMPLOYEES}?limit=200")).await;
    assert_eq!(r.body["limit"], 200);
}

#[actix_web::test]
async fn a_zero_limit_or_a_negative_offset_is_a_validation_error() {
    let app = spawn_app().await;
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=0")).await,
        &["limit"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=-5")).await,
        &["limit"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?offset=-1")).await,
        &["offset"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=0&offset=-1")).await,
        &["limit", "offset"],
    );
}

// ---------------------------------------------------------------------------
// PATCH
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn a_patch_changes_only_the_fields_it_sends() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({})).await;
    let ada = create_named(
        &app,
        "Ada",
        json!({
            "email": "ada@x.com",
            "department": "Eng",
            "position": "Dev",
            "manager_id": boss["id"],
            "hire_date": "2021-05-06",
        }),
    )
    .await;
    // Make sure updated_at can move.
    actix_web::rt::time::sleep(Duration::from_millis(5)).await;

    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "age": 37, "position": " Lead " }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let mut expected = ada.clone();
    expected["age"] = json!(37);
    expected["position"] = json!("Lead");
    expected["updated_at"] = r.body["updated_at"].clone();
    assert_eq!(r.body, expected, "only age and position changed");
    assert_ne!(r.body["updated_at"], ada["updated_at"]);
    assert_eq!(r.body["created_at"], ada["created_at"]);
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, r.body);

    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "name": "Ada King", "hire_date": "2020-01-01", "department": "Research" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["name"], "Ada King");
    assert_eq!(r.body["hire_date"], "2020-01-01");
    assert_eq!(r.body["department"], "Research");
    assert_eq!(r.body["email"], "ada@x.com");
    assert_eq!(r.body["manager_id"], boss["id"]);
    assert_eq!(r.body["age"], 37);
}

#[actix_web::test]
async fn null_clears_department_position_manager_and_email() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({})).await;
    let ada = create_named(
        &app,
        "Ada",
        json!({ "email": "ada@x.com", "department": "Eng", "position": "Dev", "manager_id": boss["id"] }),
    )
    .await;
    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "department": null, "position": null, "manager_id": null, "email": null }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    for field in ["department", "position", "manager_id", "email"] {
        assert_eq!(r.body[field], Value::Null, "{field} cleared");
    }
    assert_eq!(r.body["name"], "Ada");
    let fetched = get(&app, &employee_path(&ada["id"])).await;
    assert_eq!(fetched.body, r.body);
    let reports = get(
        &app,
        &format!("{EMPLOYEES}?manager_id={}", boss["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(reports.body["total"], 0);
}

#[actix_web::test]
async fn null_or_invalid_values_for_required_fields_are_a_validation_error() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    for field in ["name", "age", "hire_date", "status"] {
        let r = assert_patch_rejected(
            &app,
            &ada["id"],
            json!({ field: null }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &[field]);
        assert_eq!(detail_code(&r, field), "null_not_allowed");
    }
    let r = assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "name": "", "age": 101, "email": "x", "department": " ", "hire_date": "2026-13-01" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["name", "age", "email", "department", "hire_date"]);
}

#[actix_web::test]
async fn an_empty_patch_changes_nothing_and_writes_no_event() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "department": "Eng" })).await;
    let before = observable_state(&app).await;
    let r = patch(&app, &employee_path(&ada["id"]), &json!({})).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body, ada);
    // Sending the current values is no change either.
    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "department": "Eng", "age": 30 }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body, ada);
    assert_eq!(
        observable_state(&app).await,
        before,
        "no change, no outbox row"
    );
}

#[actix_web::test]
async fn an_employee_can_be_put_on_leave_and_back() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "status": "on_leave" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["status"], "on_leave");
    assert_eq!(
        get(&app, &employee_path(&ada["id"])).await.body["status"],
        "on_leave"
    );
    let r = patch(
        &app,
        &employee_path(&ada["id"]),
        &json!({ "status": "active" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["status"], "active");
}

#[actix_web::test]
async fn terminated_cannot_be_set_through_patch() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    let r = assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "status": "terminated" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["status"]);
    assert_eq!(detail_code(&r, "status"), "use_terminate");
    assert_eq!(
        get(&app, &employee_path(&ada["id"])).await.body["status"],
        "active"
    );
}

// ---------------------------------------------------------------------------
// DELETE = terminate
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn terminating_an_employee_sets_status_and_date_and_keeps_the_record() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "department": "Eng" })).await;
    let before = today();
    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["id"], ada["id"]);
    assert_eq!(r.body["status"], "terminated");
    assert_is_today(&r.body["termination_date"], before);
    assert_eq!(r.body["name"], "Ada");
    assert_eq!(r.body["department"], "Eng");

    let fetched = get(&app, &employee_path(&ada["id"])).await;
    assert_eq!(fetched.status.as_u16(), 200, "the record stays");
    assert_eq!(fetched.body, r.body);
    let list = get(&app, EMPLOYEES).await;
    assert_eq!(list.body["total"], 1);
}

#[actix_web::test]
async fn a_termination_date_given_in_the_query_is_used() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "hire_date": "2020-01-15" })).await;
    let r = delete(
        &app,
        &format!("{}?termination_date=2024-06-30", employee_path(&ada["id"])),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["termination_date"], "2024-06-30");
    assert_eq!(r.body["status"], "terminated");

    // The hire date itself is a valid last day.
    let bob = create_named(&app, "Bob", json!({ "hire_date": "2020-01-15" })).await;
    let r = delete(
        &app,
        &format!("{}?termination_date=2020-01-15", employee_path(&bob["id"])),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["termination_date"], "2020-01-15");
}

#[actix_web::test]
async fn a_bad_or_early_termination_date_is_a_validation_error() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "hire_date": "2020-01-15" })).await;
    for (date, code) in [
        ("2020-01-14", "before_hire_date"),
        ("2026-13-01", "invalid_date"),
        ("yesterday", "invalid_date"),
        ("1899-12-31", "out_of_range"),
    ] {
        let before = observable_state(&app).await;
        let r = delete(
            &app,
            &format!("{}?termination_date={date}", employee_path(&ada["id"])),
        )
        .await;
        assert_validation(&r, &["termination_date"]);
        assert_eq!(detail_code(&r, "termination_date"), code, "for {date}");
        assert_eq!(observable_state(&app).await, before);
    }
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, ada);
}

#[actix_web::test]
async fn terminating_an_employee_twice_is_a_conflict() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    let first = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(first.status.as_u16(), 200, "{}", first.raw);
    let before = observable_state(&app).await;
    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_error(&r, 409, "already_terminated");
    let r = delete(
        &app,
        &format!("{}?termination_date=2020-01-01", employee_path(&ada["id"])),
    )
    .await;
    assert_error(&r, 409, "already_terminated");
    assert_eq!(observable_state(&app).await, before);
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, first.body);
}

#[actix_web::test]
async fn a_terminated_employee_cannot_be_changed() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&ada["id"]))
            .await
            .status
            .as_u16(),
        200
    );
    assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "age": 40 }),
        409,
        "employee_terminated",
    )
    .await;
    assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "status": "active" }),
        409,
        "employee_terminated",
    )
    .await;
    assert_patch_rejected(&app, &ada["id"], json!({}), 409, "employee_terminated").await;
}

// ---------------------------------------------------------------------------
// Outbox
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn with_kafka_off_changes_write_only_their_audit_event() {
    // The harness default: KAFKA_ENABLE_PRODUCER=false. As in the old system, the
    // module's domain events are not sent; its audit events still are.
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    let id = ada["id"].as_str().unwrap();
    assert_eq!(event_types(&app.outbox()), ["AUDIT_EMPLOYEE_ACTION"]);

    let r = patch(&app, &employee_path(&ada["id"]), &json!({ "age": 31 })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(app.outbox().len(), 2);

    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    let rows = app.outbox();
    assert_eq!(
        event_types(&rows),
        [
            "AUDIT_EMPLOYEE_ACTION",
            "AUDIT_EMPLOYEE_ACTION",
            "AUDIT_EMPLOYEE_ACTION"
        ]
    );
    assert!(rows.iter().all(|r| r.aggregate_id == id));
}

#[actix_web::test]
async fn with_kafka_on_each_change_writes_its_employee_event_and_an_audit_event() {
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
        ("HRMS_RELAY_ENABLED", "false"),
    ])
    .await;
    let ada = create_named(&app, "Ada", json!({ "email": "ada@x.com" })).await;
    let id = ada["id"].as_str().unwrap();
    let rows = app.outbox();
    assert_eq!(
        event_types(&rows),
        ["EMPLOYEE_CREATED", "AUDIT_EMPLOYEE_ACTION"]
    );
    assert!(rows.iter().all(|r| r.aggregate_id == id && !r.delivered));
    assert_ne!(rows[0].event_id, rows[1].event_id);

    // Rejected requests write nothing.
    assert_create_rejected(
        &app,
        json!({ "name": "Eve", "age": 30, "email": "ADA@x.com" }),
        409,
        "email_taken",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "", "age": 30 }),
        422,
        "validation_failed",
    )
    .await;
    assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "manager_id": ada["id"] }),
        422,
        "manager_is_self",
    )
    .await;
    assert_eq!(app.outbox().len(), 2);

    // A no-op patch writes nothing either.
    assert_eq!(
        patch(&app, &employee_path(&ada["id"]), &json!({}))
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(app.outbox().len(), 2);

    let r = patch(&app, &employee_path(&ada["id"]), &json!({ "age": 31 })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_error(
        &delete(&app, &employee_path(&ada["id"])).await,
        409,
        "already_terminated",
    );

    let rows = app.outbox();
    assert_eq!(
        event_types(&rows),
        [
            "EMPLOYEE_CREATED",
            "AUDIT_EMPLOYEE_ACTION",
            "EMPLOYEE_UPDATED",
            "AUDIT_EMPLOYEE_ACTION",
            "EMPLOYEE_TERMINATED",
            "AUDIT_EMPLOYEE_ACTION",
        ]
    );
    assert!(rows.iter().all(|r| r.aggregate_id == id));
}

// ---------------------------------------------------------------------------
// Health and metrics
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn liveness_reports_up() {
    let app = spawn_app().await;
    let r = get(&app, "/health/live").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, json!({ "status": "up" }));
}

#[actix_web::test]
async fn readiness_reports_the_database_up() {
    let app = spawn_app().await;
    let r = get(&app, "/health/ready").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["checks"]["database"]["status"], "up");
    assert!(r.body["status"].is_string());
}

#[actix_web::test]
async fn metrics_are_served_as_prometheus_text() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/health/live").await.status.as_u16(), 200);
    create_named(&app, "Ada", json!({})).await;
    let r = get(&app, "/metrics").await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(
        r.raw.contains("hrms_http_requests_total"),
        "no request counter in:\n{}",
        r.raw
    );
    assert!(!r.raw.contains("Ada"), "no personal data in metrics");
}

// ---------------------------------------------------------------------------
// Persistence
// ---------------------------------------------------------------------------

#[actix_web::test]
async fn employees_survive_a_restart() {
    if std::env::var_os("HRMS_TEST_DATABASE_URL").is_some() {
        // Each PostgreSQL test app gets a fresh database; this test is about the
        // SQLite file.
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("restart.db");
    let path = path.to_str().expect("utf-8 path");

    let first = spawn_app_with(&[("HRMS_SQLITE_PATH", path)]).await;
    let ada = create_named(
        &first,
        "Ada",
        json!({ "email": "ada@x.com", "department": "Eng" }),
    )
    .await;
    first.handle.stop(true).await;
    drop(first);

    let second = spawn_app_with(&[("HRMS_SQLITE_PATH", path)]).await;
    let r = get(&second, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body, ada);
    // The unique e-mail survives too.
    assert_create_rejected(
        &second,
        json!({ "name": "Eve", "age": 30, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
}

// ---------------------------------------------------------------------------
// Concurrent requests
// ---------------------------------------------------------------------------

/// How often each race is tried; the actor runs several threads and the pool
/// several connections, so these requests really overlap.
const RACE_ROUNDS: usize = 15;

#[actix_web::test]
async fn concurrent_creates_with_the_same_email_give_one_201_and_the_rest_409() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let email = format!("race{round}@x.com");
        let bodies: Vec<Value> = (0..4)
            .map(|i| json!({ "name": format!("Racer {i}"), "age": 30, "email": email }))
            .collect();
        let replies =
            futures::future::join_all(bodies.iter().map(|b| post(&app, EMPLOYEES, b))).await;
        let created = replies.iter().filter(|r| r.status.as_u16() == 201).count();
        assert_eq!(created, 1, "round {round}: {replies:#?}");
        for r in replies.iter().filter(|r| r.status.as_u16() != 201) {
            assert_error(r, 409, "email_taken");
        }
    }
    let list = get(&app, &format!("{EMPLOYEES}?limit=200")).await;
    assert_eq!(list.body["total"], RACE_ROUNDS);
    assert_eq!(
        app.outbox().len(),
        RACE_ROUNDS,
        "one audit row per created employee"
    );
}

#[actix_web::test]
async fn concurrent_patches_of_different_fields_are_both_kept() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let e = create_named(&app, &format!("E{round}"), json!({})).await;
        let path = employee_path(&e["id"]);
        let (age, department) = (json!({ "age": 41 }), json!({ "department": "Ops" }));
        let (a, b) = futures::join!(patch(&app, &path, &age), patch(&app, &path, &department));
        assert_eq!(a.status.as_u16(), 200, "{}", a.raw);
        assert_eq!(b.status.as_u16(), 200, "{}", b.raw);
        let now = get(&app, &path).await.body;
        assert_eq!(
            now["age"], 41,
            "round {round}: the age change was lost: {now}"
        );
        assert_eq!(
            now["department"], "Ops",
            "round {round}: the department change was lost: {now}"
        );
    }
}

#[actix_web::test]
async fn crossing_manager_assignments_made_at_once_cannot_form_a_loop() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let a = create_named(&app, &format!("A{round}"), json!({})).await;
        let b = create_named(&app, &format!("B{round}"), json!({})).await;
        let (path_a, path_b) = (employee_path(&a["id"]), employee_path(&b["id"]));
        let (to_b, to_a) = (
            json!({ "manager_id": b["id"] }),
            json!({ "manager_id": a["id"] }),
        );
        let (ra, rb) = futures::join!(patch(&app, &path_a, &to_b), patch(&app, &path_b, &to_a));
        let ok = [&ra, &rb]
            .iter()
            .filter(|r| r.status.as_u16() == 200)
            .count();
        assert_eq!(
            ok, 1,
            "round {round}: exactly one assignment may win: {ra:#?} {rb:#?}"
        );
        let loser = if ra.status.as_u16() == 200 { &rb } else { &ra };
        assert_error(loser, 422, "manager_cycle");
    }
}

#[actix_web::test]
async fn terminating_an_employee_twice_at_once_succeeds_once() {
    let app = spawn_app().await;
    for round in 0..RACE_ROUNDS {
        let e = create_named(&app, &format!("E{round}"), json!({})).await;
        let path = employee_path(&e["id"]);
        let rows_before = app.outbox().len();
        let (a, b) = futures::join!(delete(&app, &path), delete(&app, &path));
        let ok = [&a, &b].iter().filter(|r| r.status.as_u16() == 200).count();
        assert_eq!(ok, 1, "round {round}: {a:#?} {b:#?}");
        let loser = if a.status.as_u16() == 200 { &b } else { &a };
        assert_error(loser, 409, "already_terminated");
        assert_eq!(
            app.outbox().len(),
            rows_before + 1,
            "round {round}: one termination, one audit row"
        );
    }
}
