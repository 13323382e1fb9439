//! The employee API as a client sees it: status, JSON body, headers, and the
//! outbox rows each change leaves behind. Every rejected request is also checked
//! to have changed nothing.

use std::time::Duration;

use chrono::{NaiveDate, Utc};
use serde_json::{json, Value};

use crate::common::*;

mod create;
mod events;
mod malformed;
mod managers;
mod persistence;
mod races;
mod read_list;
mod terminate;
mod unique_email;
mod update;
mod validation;

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

pub(crate) async fn get(app: &TestApp, path: &str) -> Reply {
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

pub(crate) async fn create_named(app: &TestApp, name: &str, extra: Value) -> Value {
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
