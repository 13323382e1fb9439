//! Operator tools: the admin outbox endpoints and the `hrms outbox` subcommands.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::common::peer::Peer;
use crate::common::*;

const WAIT: Duration = Duration::from_secs(30);

#[actix_web::test]
async fn the_admin_outbox_endpoints_are_off_unless_enabled() {
    let app = spawn_app().await;
    let r = app.get("/api/v1/admin/outbox").await;
    assert_error(&r, 404, "route_not_found");
}

#[actix_web::test]
async fn only_admins_reach_the_admin_outbox_endpoints() {
    // Listing and retrying one event used to need no token at all: found by
    // scripts/fuzz-api.sh (schemathesis's ignored_auth check).
    let app = spawn_app_with(&[("HRMS_ADMIN_API_ENABLED", "true")]).await;
    let (_, hr_token) = app.account("hr", None).await;
    let one = "/api/v1/admin/outbox/0191e0c0-0000-7000-8000-000000000000/retry";
    for (method, path) in [
        ("GET", "/api/v1/admin/outbox"),
        ("POST", one),
        ("POST", "/api/v1/admin/outbox/retry-failing"),
    ] {
        let r = app.request_as(None, method, path, None).await;
        assert_error(&r, 401, "unauthorized");
        let r = app
            .request_as(Some("not-a-token"), method, path, None)
            .await;
        assert_error(&r, 401, "unauthorized");
        let r = app.request_as(Some(&hr_token), method, path, None).await;
        assert_error(&r, 403, "forbidden");
    }
    assert_eq!(app.get("/api/v1/admin/outbox").await.status.as_u16(), 200);
    assert_error(
        &app.request("POST", one, None).await,
        404,
        "outbox_event_not_found",
    );
}

#[actix_web::test]
async fn an_operator_sees_failing_events_and_retries_them() {
    let peer = Peer::start();
    peer.set_down(true);
    let audit_url = format!("{}/audit", peer.url);
    let app = spawn_app_with(&[
        ("HRMS_ADMIN_API_ENABLED", "true"),
        ("AUDIT_SERVICE_URL", &audit_url),
        ("HRMS_RELAY_RETRY_INITIAL_MS", "60000"),
        ("HRMS_RELAY_RETRY_MAX_MS", "60000"),
    ])
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let rows = app
        .wait_for_outbox(WAIT, "a failed attempt", |rows| {
            rows.iter().any(|r| r.attempts > 0)
        })
        .await;
    let event_id = rows[0].event_id.clone();

    let r = app.get("/api/v1/admin/outbox?state=failing").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["failing"], 1);
    assert_eq!(r.body["items"][0]["event_id"], event_id.as_str());
    assert_eq!(r.body["items"][0]["attempts"], 1);
    assert!(r.body["items"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("503"));
    assert!(
        r.body["items"][0].get("payload").is_none(),
        "no payload (personal data) in the listing"
    );
    assert!(r.body["items"][0]["next_attempt_in_secs"].as_i64().unwrap() > 10);

    let r = app.get("/api/v1/admin/outbox?state=stuck").await;
    assert_error(&r, 422, "validation_failed");
    let r = app
        .request(
            "POST",
            "/api/v1/admin/outbox/0191e0c0-0000-7000-8000-000000000000/retry",
            None,
        )
        .await;
    assert_error(&r, 404, "outbox_event_not_found");

    // The peer is back; the row would wait a minute, the operator retries now.
    peer.set_down(false);
    let r = app
        .request(
            "POST",
            &format!("/api/v1/admin/outbox/{event_id}/retry"),
            None,
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["retried"], 1);
    app.wait_for_outbox(WAIT, "delivery after the retry", |rows| {
        rows.iter().all(|r| r.delivered)
    })
    .await;
    assert_eq!(peer.bodies("audit").len(), 1);
}

#[actix_web::test]
async fn the_outbox_subcommands_list_and_retry_pending_events() {
    // No fallback URL and Kafka off: the audit row stays pending (no
    // compliance or leave module: their subscriber rows would be listed too).
    let app = spawn_app_with(&[
        ("HRMS_RELAY_ENABLED", "false"),
        ("COMPLIANCE_MODULE_ENABLED", "false"),
        ("LEAVE_MODULE_ENABLED", "false"),
    ])
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let rows = app.outbox();
    assert_eq!(rows.len(), 1);
    let run = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hrms"));
        cmd.args(args)
            .env("HRMS_PROFILE", "test")
            .env(
                "HRMS_CONFIG_DIR",
                concat!(env!("CARGO_MANIFEST_DIR"), "/config"),
            )
            .env("HRMS_SQLITE_PATH", app.dir.path().join("hrms.db"))
            .env("KAFKA_ENABLE_PRODUCER", "false")
            .env_remove("DATABASE_URL");
        if app.pg_url.is_some() {
            // The app's own database, not the admin one.
            cmd.env("DATABASE_URL", app.database_url());
        }
        let out = cmd.output().expect("run hrms");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let listed = run(&["outbox", "list"]);
    assert!(listed.contains(&rows[0].event_id), "{listed}");
    assert!(listed.contains("AUDIT_EMPLOYEE_ACTION"), "{listed}");
    assert!(listed.contains("1 pending"), "{listed}");
    let retried = run(&["outbox", "retry", &rows[0].event_id]);
    assert!(retried.contains("1 event(s) made due now"), "{retried}");
    let version = run(&["--version"]);
    assert!(version.starts_with("hrms "), "{version}");
}
