//! Correction requests (issue 13 §3): an employee proposes new times for their
//! own record with a reason; their manager or HR approves (the record's next
//! version) or rejects (nothing changes); the employee hears of the decision
//! and of changes others make to their record, the manager of a new request.

use std::time::Duration;

use crate::common::kafka::{consume, mock_cluster};
use crate::support::schemas::Validators;

use super::*;

const REQUESTS: &str = "/api/v1/attendance/correction-requests";

fn request_path(id: &Value) -> String {
    format!("{REQUESTS}/{}", id.as_str().expect("request id"))
}

/// A worker reporting to a manager, both with accounts, and a record of the
/// worker's (2 November, 08:00-12:00 UTC) entered by the admin.
struct Team {
    worker: String,
    worker_token: String,
    worker_account: Value,
    boss_token: String,
    boss_account: Value,
    record: Value,
}

async fn team(app: &TestApp) -> Team {
    let boss = employee(app, "UTC", None).await;
    let worker = employee(app, "UTC", Some(&json!(boss))).await;
    let (boss_account, boss_token) = app.account("manager", Some(&boss)).await;
    let (worker_account, worker_token) = app.account("employee", Some(&worker)).await;
    let r = manual(app, &worker, "2026-11-02T08:00:00Z", "2026-11-02T12:00:00Z").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    Team {
        worker,
        worker_token,
        worker_account,
        boss_token,
        boss_account,
        record: r.body,
    }
}

fn requests_of(record: &Value) -> String {
    format!("{}/correction-requests", record_path(&record["id"]))
}

#[actix_web::test]
async fn an_employee_asks_for_a_correction_and_the_manager_approves_it_as_a_new_version() {
    let app = spawn_app().await;
    let t = team(&app).await;
    let (_, stranger) = app
        .account("employee", Some(&employee(&app, "UTC", None).await))
        .await;
    let ask = json!({ "end": "2026-11-02T13:00:00Z", "reason": "left an hour later" });

    // Only for one's own record.
    let r = call(&app, &stranger, "POST", &requests_of(&t.record), Some(&ask)).await;
    assert_error(&r, 404, "attendance_record_not_found");
    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_error(&r, 403, "not_own_record");
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&json!({ "reason": "nothing" })),
    )
    .await;
    assert_error(&r, 422, "no_change");

    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["state"], "pending");
    assert_eq!(r.body["record_version"], 1);
    assert_eq!(r.body["proposed_end"], "2026-11-02T13:00:00Z");
    let path = request_path(&r.body["id"]);
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_error(&r, 409, "request_already_pending");
    // The record is unchanged until a decision.
    let r = call(
        &app,
        &t.worker_token,
        "GET",
        &record_path(&t.record["id"]),
        None,
    )
    .await;
    assert_eq!(r.body["version"], 1);

    // Who sees it.
    assert_error(
        &call(&app, &stranger, "GET", &path, None).await,
        404,
        "correction_request_not_found",
    );
    assert_eq!(
        call(&app, &stranger, "GET", REQUESTS, None).await.body["total"],
        0
    );
    let r = call(
        &app,
        &t.boss_token,
        "GET",
        &format!("{REQUESTS}?state=pending"),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 1, "{}", r.raw);
    let r = call(
        &app,
        &t.boss_token,
        "GET",
        &format!("{REQUESTS}?state=approved"),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 0, "{}", r.raw);

    // Nobody decides their own request; a stranger cannot see it.
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &format!("{path}/approve"),
        None,
    )
    .await;
    assert_error(&r, 403, "cannot_decide_own_request");
    let r = call(&app, &stranger, "POST", &format!("{path}/approve"), None).await;
    assert_error(&r, 404, "correction_request_not_found");

    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &format!("{path}/approve"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["request"]["state"], "approved");
    assert_eq!(r.body["request"]["decided_by"], t.boss_account["id"]);
    assert_eq!(r.body["record"]["version"], 2);
    assert_eq!(r.body["record"]["kind"], "approved_request");
    assert_eq!(r.body["record"]["end"], "2026-11-02T13:00:00Z");
    assert_eq!(r.body["record"]["reason"], "left an hour later");
    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &format!("{path}/approve"),
        None,
    )
    .await;
    assert_error(&r, 409, "request_already_decided");

    let r = call(
        &app,
        &t.worker_token,
        "GET",
        &format!("{}/history", record_path(&t.record["id"])),
        None,
    )
    .await;
    let versions = r.body["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 2, "{}", r.raw);
    assert_eq!(
        versions[0]["end"], "2026-11-02T12:00:00Z",
        "the earlier version stays"
    );
}

#[actix_web::test]
async fn a_rejected_request_changes_nothing_and_an_outdated_one_cannot_be_approved() {
    let app = spawn_app().await;
    let t = team(&app).await;
    let (_, hr) = app.account("hr", None).await;
    let ask = json!({ "start": "2026-11-02T07:30:00Z", "reason": "came earlier" });
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let path = request_path(&r.body["id"]);

    let r = call(
        &app,
        &hr,
        "POST",
        &format!("{path}/reject"),
        Some(&json!({ "reason": "" })),
    )
    .await;
    assert_error(&r, 422, "reason_required");
    let r = call(
        &app,
        &hr,
        "POST",
        &format!("{path}/reject"),
        Some(&json!({ "reason": "the gate log says 08:02" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["request"]["state"], "rejected");
    assert_eq!(
        r.body["request"]["decision_note"],
        "the gate log says 08:02"
    );
    assert_eq!(r.body["record"], Value::Null);
    let r = call(&app, &hr, "GET", &record_path(&t.record["id"]), None).await;
    assert_eq!(r.body["version"], 1, "a rejection changes nothing");

    // A new request, then HR corrects the record directly: the request is outdated.
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "a decided request does not block a new one: {}",
        r.raw
    );
    let path = request_path(&r.body["id"]);
    let fix = json!({ "end": "2026-11-02T12:15:00Z", "reason": "gate log" });
    let r = call(
        &app,
        &hr,
        "PATCH",
        &record_path(&t.record["id"]),
        Some(&fix),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let before = app.outbox().len();
    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &format!("{path}/approve"),
        Some(&json!({ "comment": "ok" })),
    )
    .await;
    assert_error(&r, 409, "request_outdated");
    assert_eq!(
        app.outbox().len(),
        before,
        "a refused approval writes nothing"
    );
    let r = call(
        &app,
        &hr,
        "GET",
        &request_path(&json!(path.rsplit('/').next().unwrap())),
        None,
    )
    .await;
    assert_eq!(r.body["state"], "pending");
}

#[actix_web::test]
async fn the_manager_hears_of_a_request_and_the_employee_of_decisions_and_changes_by_others() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let t = team(&app).await;
    let secret = "secret reason";
    let ask = json!({ "end": "2026-11-02T13:00:00Z", "reason": secret });
    let r = call(
        &app,
        &t.worker_token,
        "POST",
        &requests_of(&t.record),
        Some(&ask),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let path = request_path(&r.body["id"]);
    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &format!("{path}/approve"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let void = json!({ "reason": secret });
    let r = call(
        &app,
        &t.boss_token,
        "POST",
        &format!("{}/void", record_path(&t.record["id"])),
        Some(&void),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // The worker checks in: their own action, nobody is told.
    assert_eq!(
        call(&app, &t.worker_token, "POST", CHECK_IN, None)
            .await
            .status
            .as_u16(),
        201
    );

    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        // Account creation mails (2) and: the admin's manual record, the request,
        // the decision, the manager's void.
        consume(&b, &["notification-queue"], 6, Duration::from_secs(20))
    })
    .await
    .expect("consumer");
    let mine: Vec<_> = records
        .iter()
        .filter(|r| r.value["source"] == "attendance")
        .collect();
    let mut kinds: Vec<(String, String)> = mine
        .iter()
        .map(|r| {
            (
                r.value["notification_type"].as_str().unwrap().to_owned(),
                r.value["recipient_user_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kinds.sort();
    let (worker, boss) = (
        t.worker_account["id"].as_str().unwrap().to_owned(),
        t.boss_account["id"].as_str().unwrap().to_owned(),
    );
    let mut expected = vec![
        ("attendance_correction_approved".to_owned(), worker.clone()),
        ("attendance_correction_requested".to_owned(), boss),
        ("attendance_record_created".to_owned(), worker.clone()),
        ("attendance_record_voided".to_owned(), worker.clone()),
    ];
    expected.sort();
    assert_eq!(kinds, expected, "{records:#?}");
    let mut validators = Validators::default();
    for r in &mine {
        assert_eq!(
            validators.errors("NOTIFICATION_EMAIL", &r.value),
            Vec::<String>::new(),
            "{}",
            r.value
        );
        assert!(
            !r.value.to_string().contains(secret),
            "a reason leaked: {}",
            r.value
        );
        assert_eq!(r.value["template_data"]["employee_id"], t.worker.as_str());
    }
}
