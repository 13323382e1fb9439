//! User accounts: creating one sends its welcome notification and audit (to
//! Kafka, or to the HTTP peers with Kafka off), bad input gets clear errors,
//! and the first admin is bootstrapped from variables once.

use std::time::Duration;

use serde_json::json;

use crate::common::kafka::{consume, mock_cluster};
use crate::common::peer::Peer;
use crate::common::*;

#[actix_web::test]
async fn creating_an_account_sends_the_welcome_notification_and_audit_to_kafka() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let (user, _) = app.account("manager", None).await;
    let id = user["id"].as_str().unwrap().to_owned();
    app.wait_for_outbox(
        Duration::from_secs(30),
        "account events delivered",
        |rows| {
            rows.len() == 3
                && rows
                    .iter()
                    .all(|r| r.delivered && r.transport.as_deref() == Some("kafka"))
        },
    )
    .await;
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(
            &bootstrap,
            &["user-queue", "notification-queue", "audit-queue"],
            4,
            Duration::from_secs(5),
        )
    })
    .await
    .unwrap();
    assert_eq!(records.len(), 3, "{records:#?}");
    let by_topic = |t: &str| {
        records
            .iter()
            .find(|r| r.topic == t)
            .unwrap_or_else(|| panic!("no record on {t}"))
    };
    let created = by_topic("user-queue");
    assert_eq!(created.value["event_type"], "USER_CREATED");
    assert_eq!(created.key, id);
    assert!(created.value["data"].get("password_hash").is_none());
    let welcome = by_topic("notification-queue");
    assert_eq!(welcome.value["notification_type"], "account_created");
    assert_eq!(welcome.value["recipient_user_id"], id.as_str());
    assert_eq!(welcome.value["recipient_email"], user["email"]);
    let audit = by_topic("audit-queue");
    assert_eq!(audit.value["action"], "user.create");
    assert_eq!(audit.value["resource_id"], id.as_str());
    assert!(
        audit.value["actor_id"].is_string(),
        "the acting admin is recorded"
    );
}

#[actix_web::test]
async fn with_kafka_off_the_welcome_notification_and_audit_go_to_the_http_peers() {
    let peer = Peer::start();
    let audit_url = format!("{}/audit", peer.url);
    let notify_url = format!("{}/notify", peer.url);
    let app = spawn_app_with(&[
        ("AUDIT_SERVICE_URL", &audit_url),
        ("NOTIFICATION_SERVICE_URL", &notify_url),
    ])
    .await;
    let (user, _) = app.account("employee", None).await;
    app.wait_for_outbox(Duration::from_secs(30), "delivered over HTTP", |rows| {
        rows.len() == 2
            && rows
                .iter()
                .all(|r| r.delivered && r.transport.as_deref() == Some("http"))
    })
    .await;
    let notes = peer.bodies("notify");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["notification_type"], "account_created");
    assert_eq!(notes[0]["recipient_email"], user["email"]);
    let audits = peer.bodies("audit");
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0]["action"], "user.create");
}

#[actix_web::test]
async fn accounts_reject_bad_input_with_clear_errors() {
    let app = spawn_app().await;
    let r = app
        .post_json(
            "/api/v1/users",
            &json!({"email": "x", "display_name": "", "role": "root", "password": "short"}),
        )
        .await;
    assert_error(&r, 422, "validation_failed");
    assert_eq!(r.body["details"].as_array().unwrap().len(), 4);
    let ok = json!({"email": "dup@hrms.test", "display_name": "D", "role": "hr", "password": "a long enough password"});
    assert_eq!(
        app.post_json("/api/v1/users", &ok).await.status.as_u16(),
        201
    );
    assert_error(
        &app.post_json("/api/v1/users", &ok).await,
        409,
        "email_taken",
    );
    let linked = json!({"email": "l@hrms.test", "display_name": "L", "role": "employee",
        "employee_id": "0191e0c0-0000-7000-8000-000000000000", "password": "a long enough password"});
    assert_error(
        &app.post_json("/api/v1/users", &linked).await,
        422,
        "employee_not_found",
    );
    let e = app.create_employee(json!({"name": "E", "age": 30})).await;
    let mut first = linked.clone();
    first["employee_id"] = e["id"].clone();
    assert_eq!(
        app.post_json("/api/v1/users", &first).await.status.as_u16(),
        201
    );
    let mut second = first.clone();
    second["email"] = json!("l2@hrms.test");
    assert_error(
        &app.post_json("/api/v1/users", &second).await,
        409,
        "employee_already_linked",
    );
    let me = app.get("/api/v1/auth/me").await;
    let r = app
        .delete(&format!(
            "/api/v1/users/{}",
            me.body["id"].as_str().unwrap()
        ))
        .await;
    assert_error(&r, 403, "forbidden");
    let r = app.get("/api/v1/users?limit=0").await;
    assert_error(&r, 422, "validation_failed");
    let r = app.get("/api/v1/users?role=root").await;
    assert_error(&r, 422, "validation_failed");
    let r = app.get("/api/v1/users?role=hr").await;
    assert_eq!(r.body["total"], 1);
}

#[actix_web::test]
async fn the_first_admin_can_be_bootstrapped_from_variables_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("boot.db").to_string_lossy().into_owned();
    let app = spawn_app_with(&[
        ("HRMS_SQLITE_PATH", &db),
        ("HRMS_BOOTSTRAP_ADMIN_EMAIL", "boss@hrms.test"),
        ("HRMS_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap password 1"),
    ])
    .await;
    let r = app.login("boss@hrms.test", "bootstrap password 1").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let token = r.body["access_token"].as_str().unwrap();
    let me = app
        .request_as(Some(token), "GET", "/api/v1/auth/me", None)
        .await;
    assert_eq!(me.body["role"], "admin");
    if app.pg_url.is_some() {
        return; // the restart below needs the same SQLite file
    }
    app.handle.stop(true).await;
    // Accounts exist now: the variables create nobody on the next start.
    let app = spawn_app_with(&[
        ("HRMS_SQLITE_PATH", &db),
        ("HRMS_BOOTSTRAP_ADMIN_EMAIL", "second@hrms.test"),
        ("HRMS_BOOTSTRAP_ADMIN_PASSWORD", "bootstrap password 2"),
    ])
    .await;
    assert_error(
        &app.login("second@hrms.test", "bootstrap password 2").await,
        401,
        "invalid_credentials",
    );
}

#[actix_web::test]
async fn a_body_that_is_not_a_json_object_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let ok = json!({"email": "arr@hrms.test", "display_name": "A", "role": "hr", "password": "a long enough password"});
    let created = app.post_json("/api/v1/users", &ok).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.raw);
    let id = created.body["id"].as_str().unwrap().to_owned();
    let before = app.get(&format!("/api/v1/users/{id}")).await;
    // serde would read a struct from an array, field by field in order: `[]`
    // for a body whose fields are all optional, positions for the others.
    for (path, body) in [
        (format!("/api/v1/users/{id}"), json!([])),
        (format!("/api/v1/users/{id}"), json!(["renamed"])),
    ] {
        assert_error(&app.patch_json(&path, &body).await, 400, "invalid_body");
    }
    assert_error(
        &app.post_json(
            "/api/v1/users",
            &json!(["pos@hrms.test", "P", "hr", "a long enough password"]),
        )
        .await,
        400,
        "invalid_body",
    );
    assert_error(
        &app.post_json("/api/v1/employees", &json!(["Ann", 30]))
            .await,
        400,
        "invalid_body",
    );
    assert_error(
        &app.post_json("/api/v1/employees", &json!("Ann")).await,
        400,
        "invalid_body",
    );
    let after = app.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(after.body, before.body, "the account is unchanged");
    let listed = app.get("/api/v1/employees").await;
    assert_eq!(listed.body["total"], json!(0), "{}", listed.raw);
}
