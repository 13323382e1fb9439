//! The outbox rows each change leaves behind, with Kafka off and on.

use super::*;

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
    let app = spawn_app_with_events_queued().await;
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
