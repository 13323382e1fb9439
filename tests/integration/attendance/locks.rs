//! Period locks (issue 13 §5): a lock refuses every write that touches its
//! local dates, read in each employee's own time zone; an admin's reopening
//! allows them again; locks for one employee leave the others alone; both
//! changes are evented, keyed by the employee (or the lock, for everyone).

use std::time::Duration;

use crate::common::kafka::{consume, mock_cluster};
use crate::support::schemas::Validators;

use super::*;

const LOCKS: &str = "/api/v1/attendance/locks";

fn lock_path(id: &Value) -> String {
    format!("{LOCKS}/{}", id.as_str().expect("lock id"))
}

#[actix_web::test]
async fn a_lock_refuses_writes_in_its_period_and_a_reopen_allows_them_again() {
    let app = spawn_app().await;
    let berlin = employee(&app, "Europe/Berlin", None).await;
    let new_york = employee(&app, "America/New_York", None).await;
    let october = manual(
        &app,
        &berlin,
        "2026-10-15T08:00:00Z",
        "2026-10-15T12:00:00Z",
    )
    .await;
    assert_eq!(october.status.as_u16(), 201, "{}", october.raw);
    let october_path = record_path(&october.body["id"]);
    let (_, hr) = app.account("hr", None).await;
    let (_, worker) = app.account("employee", Some(&berlin)).await;

    // Only admin and hr lock.
    let body = json!({ "from": "2026-10-01", "to": "2026-10-31", "reason": "payroll October" });
    let r = call(&app, &worker, "POST", LOCKS, Some(&body)).await;
    assert_error(&r, 403, "forbidden");
    let r = call(&app, &hr, "POST", LOCKS, Some(&body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["scope"], "everyone");
    assert_eq!(r.body["employee_id"], Value::Null);
    assert_eq!(r.body["active"], true);
    assert_eq!(r.body["reason"], "payroll October");
    let lock = r.body["id"].clone();

    // Every kind of write into October is refused and changes nothing.
    let before = app.outbox().len();
    let r = manual(
        &app,
        &berlin,
        "2026-10-20T08:00:00Z",
        "2026-10-20T12:00:00Z",
    )
    .await;
    assert_error(&r, 409, "period_locked");
    let fix = json!({ "end": "2026-10-15T13:00:00Z", "reason": "left later" });
    let r = call(&app, &app.admin_token, "PATCH", &october_path, Some(&fix)).await;
    assert_error(&r, 409, "period_locked");
    let void = json!({ "reason": "duplicate" });
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("{october_path}/void"),
        Some(&void),
    )
    .await;
    assert_error(&r, 409, "period_locked");
    // A November record cannot be moved into October either.
    let november = manual(
        &app,
        &berlin,
        "2026-11-02T08:00:00Z",
        "2026-11-02T12:00:00Z",
    )
    .await;
    assert_eq!(
        november.status.as_u16(),
        201,
        "November is open: {}",
        november.raw
    );
    let into_october = json!({ "start": "2026-10-31T08:00:00Z", "end": "2026-10-31T12:00:00Z", "reason": "wrong day" });
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        &record_path(&november.body["id"]),
        Some(&into_october),
    )
    .await;
    assert_error(&r, 409, "period_locked");
    // 00:30 UTC on 1 November is 20:30 on 31 October in New York: locked there.
    let r = manual(
        &app,
        &new_york,
        "2026-11-01T00:30:00Z",
        "2026-11-01T01:30:00Z",
    )
    .await;
    assert_error(&r, 409, "period_locked");
    assert_eq!(
        app.outbox().len(),
        before + 2,
        "only the November record was written"
    );
    let r = call(&app, &app.admin_token, "GET", &october_path, None).await;
    assert_eq!(r.body["version"], 1);

    // Only an admin reopens, with a reason, once.
    let reopen = format!("{}/reopen", lock_path(&lock));
    let r = call(
        &app,
        &hr,
        "POST",
        &reopen,
        Some(&json!({ "reason": "late sick note" })),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &reopen,
        Some(&json!({ "reason": " " })),
    )
    .await;
    assert_error(&r, 422, "reason_required");
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &reopen,
        Some(&json!({ "reason": "late sick note" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["active"], false);
    assert_eq!(r.body["reopen_reason"], "late sick note");
    assert!(r.body["reopened_at"].is_string());
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &reopen,
        Some(&json!({ "reason": "again" })),
    )
    .await;
    assert_error(&r, 409, "lock_not_active");

    // October is writable again.
    let r = call(&app, &app.admin_token, "PATCH", &october_path, Some(&fix)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = manual(
        &app,
        &new_york,
        "2026-11-01T00:30:00Z",
        "2026-11-01T01:30:00Z",
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);

    // The lock stays on record.
    let r = call(&app, &hr, "GET", LOCKS, None).await;
    assert_eq!(r.body["total"], 1, "{}", r.raw);
    assert!(r.body["items"][0]["reopened_by"].is_string(), "{}", r.raw);
    let r = call(&app, &hr, "GET", &format!("{LOCKS}?active=true"), None).await;
    assert_eq!(r.body["total"], 0, "{}", r.raw);
}

#[actix_web::test]
async fn a_lock_for_one_employee_leaves_the_others_alone_and_only_they_and_hr_see_it() {
    let app = spawn_app().await;
    let locked = employee(&app, "UTC", None).await;
    let other = employee(&app, "UTC", None).await;
    let (_, locked_token) = app.account("employee", Some(&locked)).await;
    let (_, other_token) = app.account("employee", Some(&other)).await;

    // Input problems first, each with its code, nothing stored.
    for (body, status, code) in [
        (
            json!({ "from": "2026-10-31", "to": "2026-10-01" }),
            422,
            "invalid_lock_range",
        ),
        (
            json!({ "from": "2026-13-01", "to": "2026-10-01" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "from": "2026-10-01", "to": "2026-10-31", "employee_id": "nope" }),
            422,
            "validation_failed",
        ),
        (
            json!({ "from": "2026-10-01", "to": "2026-10-31", "employee_id": uuid::Uuid::now_v7() }),
            404,
            "employee_not_found",
        ),
        (
            json!({ "from": "2026-10-01", "to": "2026-10-31", "reason": "x".repeat(1001) }),
            422,
            "reason_too_long",
        ),
    ] {
        let r = call(&app, &app.admin_token, "POST", LOCKS, Some(&body)).await;
        assert_error(&r, status, code);
    }
    assert_eq!(
        call(&app, &app.admin_token, "GET", LOCKS, None).await.body["total"],
        0
    );

    let body = json!({ "from": "2026-10-01", "to": "2026-10-31", "employee_id": locked });
    let r = call(&app, &app.admin_token, "POST", LOCKS, Some(&body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["scope"], "employee");
    let path = lock_path(&r.body["id"]);

    let r = manual(
        &app,
        &locked,
        "2026-10-20T08:00:00Z",
        "2026-10-20T12:00:00Z",
    )
    .await;
    assert_error(&r, 409, "period_locked");
    let r = manual(&app, &other, "2026-10-20T08:00:00Z", "2026-10-20T12:00:00Z").await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "another employee is not locked: {}",
        r.raw
    );

    // The locked employee sees it; the other one does not.
    assert_eq!(
        call(&app, &locked_token, "GET", &path, None)
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        call(&app, &locked_token, "GET", LOCKS, None).await.body["total"],
        1
    );
    assert_error(
        &call(&app, &other_token, "GET", &path, None).await,
        404,
        "attendance_lock_not_found",
    );
    assert_eq!(
        call(&app, &other_token, "GET", LOCKS, None).await.body["total"],
        0
    );
    let r = call(
        &app,
        &other_token,
        "GET",
        &format!("{LOCKS}?employee_id={locked}"),
        None,
    )
    .await;
    assert_error(&r, 404, "employee_not_found");
    let r = call(
        &app,
        &other_token,
        "POST",
        &format!("{path}/reopen"),
        Some(&json!({ "reason": "mine" })),
    )
    .await;
    assert_error(&r, 404, "attendance_lock_not_found");
}

#[actix_web::test]
async fn locking_and_reopening_reach_kafka_keyed_by_employee_or_lock_with_valid_schemas() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let emp = employee(&app, "UTC", None).await;
    let everyone = json!({ "from": "2026-09-01", "to": "2026-09-30", "reason": "secret reason" });
    let r = call(&app, &app.admin_token, "POST", LOCKS, Some(&everyone)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let everyone_id = r.body["id"].as_str().unwrap().to_owned();
    let one = json!({ "from": "2026-10-01", "to": "2026-10-31", "employee_id": emp });
    let r = call(&app, &app.admin_token, "POST", LOCKS, Some(&one)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let reopen = format!("{}/reopen", lock_path(&r.body["id"]));
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &reopen,
        Some(&json!({ "reason": "secret reason" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        // The employee's creation audit, three lock events, three lock audits.
        consume(
            &b,
            &["attendance-queue", "audit-queue"],
            7,
            Duration::from_secs(20),
        )
    })
    .await
    .expect("consumer");
    let mut validators = Validators::default();
    let (mut seen, mut audits) = (Vec::new(), 0);
    for r in records.iter().filter(|r| r.value["source"] == "attendance") {
        let t = r.value["event_type"].as_str().unwrap();
        assert_eq!(
            validators.errors(t, &r.value),
            Vec::<String>::new(),
            "{t}: {}",
            r.value
        );
        assert!(
            !r.value.to_string().contains("secret reason"),
            "a reason leaked: {}",
            r.value
        );
        if r.topic == "attendance-queue" {
            seen.push((t.to_owned(), r.key.clone()));
        } else {
            assert_eq!(
                r.value["resource_type"], "attendance_period_lock",
                "{}",
                r.value
            );
            audits += 1;
        }
    }
    assert_eq!(audits, 3, "one audit per lock and reopening: {records:#?}");
    seen.sort();
    let mut expected = vec![
        ("ATTENDANCE_PERIOD_LOCKED".to_owned(), emp.clone()),
        ("ATTENDANCE_PERIOD_LOCKED".to_owned(), everyone_id),
        ("ATTENDANCE_PERIOD_REOPENED".to_owned(), emp.clone()),
    ];
    expected.sort();
    assert_eq!(seen, expected, "{records:#?}");
}

#[actix_web::test]
async fn a_new_lock_waits_for_writes_in_flight_and_no_write_that_missed_it_commits_after_it() {
    if std::env::var("HRMS_TEST_DATABASE_URL").is_err() {
        return; // SQLite serializes every write; the race is PostgreSQL's.
    }
    let app = spawn_app().await;
    let (_, hr) = app.account("hr", None).await;
    for round in 0..10 {
        let mut staff = Vec::new();
        for _ in 0..6 {
            staff.push(employee(&app, "UTC", None).await);
        }
        let day = format!("2026-{:02}-15", round + 1);
        let lock = json!({ "from": day, "to": day });
        let app = &app;
        let writes = staff.iter().map(|e| {
            let (start, end) = (format!("{day}T08:00:00Z"), format!("{day}T12:00:00Z"));
            async move { manual(app, e, &start, &end).await }
        });
        let (locked, written) = futures::join!(
            call(app, &hr, "POST", LOCKS, Some(&lock)),
            futures::future::join_all(writes)
        );
        assert_eq!(locked.status.as_u16(), 201, "{}", locked.raw);
        let lock_id = locked.body["id"].as_str().unwrap();
        let outbox = app.outbox();
        let seq_of = |event: &str, key: &str| {
            outbox
                .iter()
                .find(|r| r.event_type == event && r.aggregate_id == key)
                .map(|r| r.seq)
        };
        // Audit rows are written with the producer on or off; their order is the
        // order of the writes (a row's seq is taken inside its transaction).
        let lock_seq = seq_of("AUDIT_ATTENDANCE_ACTION", lock_id).expect("lock audit");
        for r in &written {
            match r.status.as_u16() {
                201 => {
                    let id = r.body["id"].as_str().expect("record id");
                    let seq = seq_of("AUDIT_ATTENDANCE_ACTION", id).expect("record audit");
                    assert!(
                        seq < lock_seq,
                        "round {round}: a record written after the lock committed ({seq} > {lock_seq})"
                    );
                }
                _ => assert_error(r, 409, "period_locked"),
            }
        }
    }
}
