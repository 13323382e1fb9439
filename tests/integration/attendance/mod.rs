//! The attendance API as a client sees it: self-service check-in and check-out,
//! manual records and corrections with their history, overlaps, night shifts
//! in the employee's time zone, visibility per role, and the events.

use serde_json::{json, Value};

use crate::common::*;

mod check_in_out;
mod events;
mod locks;
mod records;
mod requests;
mod summary;
mod visibility;

const CHECK_IN: &str = "/api/v1/attendance/check-in";
const CHECK_OUT: &str = "/api/v1/attendance/check-out";
const RECORDS: &str = "/api/v1/attendance/records";

/// An employee hired long ago in `tz`, optionally reporting to `manager`.
async fn employee(app: &TestApp, tz: &str, manager: Option<&Value>) -> String {
    let mut body =
        json!({ "name": "Worker", "age": 30, "hire_date": "2020-01-01", "time_zone": tz });
    if let Some(m) = manager {
        body["manager_id"] = m.clone();
    }
    app.create_employee(body).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// A call as the holder of `token`, never a 5xx.
async fn call(app: &TestApp, token: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let text = body.map(Value::to_string);
    let r = app
        .request_as(
            Some(token),
            method,
            path,
            text.as_deref().map(|t| ("application/json", t)),
        )
        .await;
    assert!(!r.status.is_server_error(), "{method} {path}: {}", r.raw);
    r
}

/// The record of `id` as the admin sees it.
fn record_path(id: &Value) -> String {
    format!("{RECORDS}/{}", id.as_str().expect("record id"))
}

/// A manual record by the admin; returns the reply.
async fn manual(app: &TestApp, employee: &str, start: &str, end: &str) -> Reply {
    let body = json!({ "employee_id": employee, "start": start, "end": end, "reason": "forgot to check in" });
    call(app, &app.admin_token, "POST", RECORDS, Some(&body)).await
}
