//! `PATCH`: partial updates, clearing with null, status changes, no-op patches.

use super::*;

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

#[actix_web::test]
async fn a_put_replaces_the_record_clearing_absent_optional_fields_with_the_events_of_a_patch() {
    // Kafka on (without a broker or relay), so the domain event is written too.
    let app = spawn_app_with_events_queued().await;
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
            "status": "on_leave",
            "time_zone": "Europe/Berlin",
        }),
    )
    .await;
    let before = app.outbox().len();
    // The old FastAPI client's full update: name, age and what it knows of.
    let r = raw(
        &app,
        "PUT",
        &format!("{}/", employee_path(&ada["id"])),
        Some((
            "application/json",
            &json!({ "name": "Ada King", "age": 41, "department": "Research" }).to_string(),
        )),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["name"], "Ada King");
    assert_eq!(r.body["age"], 41);
    assert_eq!(r.body["department"], "Research");
    for field in ["email", "position", "manager_id"] {
        assert_eq!(r.body[field], Value::Null, "absent {field} is cleared");
    }
    for field in ["hire_date", "status", "time_zone"] {
        assert_eq!(r.body[field], ada[field], "absent {field} keeps its value");
    }
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, r.body);
    let rows = app.outbox();
    assert_eq!(
        event_types(&rows[before..]),
        ["EMPLOYEE_UPDATED", "AUDIT_EMPLOYEE_ACTION"],
        "the events of a PATCH"
    );

    // The same rules as PATCH and create: name and age are required, bad input
    // is a 422 that changes nothing.
    let state = observable_state(&app).await;
    for (body, status) in [
        (json!({ "age": 41 }), 400),
        (json!({ "name": "Ada", "age": 12 }), 422),
        (
            json!({ "name": "Ada", "age": 41, "manager_id": ada["id"] }),
            422,
        ),
    ] {
        let r = raw(
            &app,
            "PUT",
            &employee_path(&ada["id"]),
            Some(("application/json", &body.to_string())),
        )
        .await;
        assert_eq!(r.status.as_u16(), status, "{body}: {}", r.raw);
    }
    assert_eq!(
        observable_state(&app).await,
        state,
        "rejected PUTs changed nothing"
    );
}
