//! The module mount point: what the settings mount is what is served, and what
//! the served API document describes; a module switched off vanishes from both.

use serde_json::{json, Value};

use crate::common::{assert_error, spawn_app_with};

fn paths(doc: &Value) -> Vec<String> {
    doc["paths"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

#[actix_web::test]
async fn the_served_document_lists_the_operator_endpoints_only_when_the_admin_api_is_on() {
    let off = spawn_app_with(&[]).await;
    let r = off.get("/api-docs/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let served = paths(&r.body);
    assert!(
        served.iter().all(|p| !p.starts_with("/api/v1/admin")),
        "admin API off, yet documented: {served:?}"
    );
    assert!(served.iter().any(|p| p == "/api/v1/employees"));
    let r = off.get("/api/v1/admin/outbox").await;
    assert_error(&r, 404, "route_not_found");

    let on = spawn_app_with(&[("HRMS_ADMIN_API_ENABLED", "true")]).await;
    let r = on.get("/api-docs/openapi.json").await;
    assert!(paths(&r.body).iter().any(|p| p == "/api/v1/admin/outbox"));
}

#[actix_web::test]
async fn a_module_switched_off_is_neither_served_nor_documented() {
    let app = spawn_app_with(&[("EMPLOYEE_MODULE_ENABLED", "false")]).await;
    let r = app.get("/api-docs/openapi.json").await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let served = paths(&r.body);
    assert!(
        served.iter().all(|p| !p.starts_with("/api/v1/employees")),
        "employee module off, yet documented: {served:?}"
    );
    assert!(
        r.body["tags"]
            .as_array()
            .is_some_and(|t| t.iter().all(|t| t["name"] != "employees")),
        "the employees tag must go with the module"
    );
    assert!(served.iter().any(|p| p == "/api/v1/users"));
    let r = app.get("/api/v1/employees").await;
    assert_error(&r, 404, "route_not_found");
    // The other modules are unaffected.
    let r = app.get("/api/v1/users").await;
    assert_eq!(r.status, 200, "{}", r.raw);
}

#[actix_web::test]
async fn leave_and_attendance_switched_off_or_without_the_employee_module_are_neither_served_nor_documented(
) {
    for env in [
        vec![
            ("LEAVE_MODULE_ENABLED", "false"),
            ("ATTENDANCE_MODULE_ENABLED", "false"),
        ],
        // Both need the employee module: without it they are off too.
        vec![("EMPLOYEE_MODULE_ENABLED", "false")],
    ] {
        let app = spawn_app_with(&env).await;
        let r = app.get("/api-docs/openapi.json").await;
        assert_eq!(r.status, 200, "{}", r.raw);
        let served = paths(&r.body);
        assert!(
            served
                .iter()
                .all(|p| !p.starts_with("/api/v1/leave") && !p.starts_with("/api/v1/attendance")),
            "{env:?}: switched off, yet documented: {served:?}"
        );
        assert_error(
            &app.get("/api/v1/leave/types").await,
            404,
            "route_not_found",
        );
        let r = app
            .request("POST", "/api/v1/attendance/check-in", None)
            .await;
        assert_error(&r, 404, "route_not_found");
        let r = app.get("/api/v1/users").await;
        assert_eq!(
            r.status, 200,
            "{env:?}: the user module is unaffected: {}",
            r.raw
        );
    }
}

#[test]
fn every_module_in_the_list_contributes_its_part_to_the_full_document() {
    let doc = hrms::http::openapi::document();
    for entry in hrms::modules::MODULES {
        let part = serde_json::to_value((entry.api)()).expect("fragment is JSON");
        for path in paths(&part) {
            assert!(
                doc["paths"].get(&path).is_some(),
                "{}'s {path} is missing from the full document",
                entry.name
            );
        }
    }
}

#[actix_web::test]
async fn compliance_switched_off_subscribes_to_nothing_and_leaves_attendance_as_it_was() {
    // No leave module either: its subscription to new employees would add rows.
    let app = spawn_app_with(&[
        ("COMPLIANCE_MODULE_ENABLED", "false"),
        ("LEAVE_MODULE_ENABLED", "false"),
    ])
    .await;
    let r = app.get("/api-docs/openapi.json").await;
    let served = paths(&r.body);
    assert!(
        served.iter().all(|p| !p.starts_with("/api/v1/compliance")),
        "switched off, yet documented: {served:?}"
    );
    assert_error(
        &app.get("/api/v1/compliance/violations").await,
        404,
        "route_not_found",
    );
    let emp = app
        .create_employee(json!({"name": "Ada", "age": 36, "hire_date": "2020-01-01"}))
        .await;
    let r = app
        .post_json(
            "/api/v1/attendance/records",
            &json!({ "employee_id": emp["id"], "start": "2026-11-02T07:00:00Z", "end": "2026-11-02T16:00:00Z", "reason": "forgot" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let all = app.outbox_all();
    let ours = app.outbox();
    assert_eq!(
        all.len(),
        ours.len(),
        "no subscriber rows without the compliance module: {all:#?}"
    );
}
