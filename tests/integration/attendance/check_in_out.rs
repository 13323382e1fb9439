//! Self-service check-in and check-out.

use super::*;

#[actix_web::test]
async fn an_employee_checks_in_and_out_and_the_record_gets_a_second_version() {
    let app = spawn_app().await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;

    let r = call(&app, &token, "POST", CHECK_IN, None).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let rec = r.body.clone();
    assert_eq!(rec["employee_id"], emp);
    assert_eq!(rec["version"], 1);
    assert_eq!(rec["source"], "check_in");
    assert_eq!(rec["end"], Value::Null);
    assert_eq!(rec["time_zone"], "Europe/Berlin");
    let location = format!("/api/v1/attendance/records/{}", rec["id"].as_str().unwrap());
    assert_eq!(
        call(&app, &token, "GET", &location, None).await.body["id"],
        rec["id"]
    );

    let r = call(&app, &token, "POST", CHECK_OUT, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["id"], rec["id"]);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["kind"], "check_out");
    assert!(r.body["end"].is_string());

    let h = call(&app, &token, "GET", &format!("{location}/history"), None).await;
    assert_eq!(h.status.as_u16(), 200, "{}", h.raw);
    let kinds: Vec<&str> = h.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["check_in", "check_out"]);
}

#[actix_web::test]
async fn a_second_check_in_and_a_check_out_without_one_are_conflicts_that_change_nothing() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;

    let before = app.outbox().len();
    let r = call(&app, &token, "POST", CHECK_OUT, None).await;
    assert_error(&r, 409, "not_checked_in");
    assert_eq!(app.outbox().len(), before);

    assert_eq!(
        call(&app, &token, "POST", CHECK_IN, None)
            .await
            .status
            .as_u16(),
        201
    );
    let before = app.outbox().len();
    let r = call(&app, &token, "POST", CHECK_IN, None).await;
    assert_error(&r, 409, "already_checked_in");
    assert_eq!(app.outbox().len(), before);
}

#[actix_web::test]
async fn an_account_without_an_employee_record_cannot_check_in() {
    let app = spawn_app().await;
    let (_, token) = app.account("hr", None).await;
    let r = call(&app, &token, "POST", CHECK_IN, None).await;
    assert_error(&r, 404, "employee_not_found");
}

#[actix_web::test]
async fn a_check_in_while_a_manual_record_reaches_past_now_is_an_overlap() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let now = chrono::Utc::now();
    let start = (now - chrono::Duration::hours(1)).to_rfc3339();
    let end = (now + chrono::Duration::seconds(90)).to_rfc3339();
    let r = manual(&app, &emp, &start, &end).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let r = call(&app, &token, "POST", CHECK_IN, None).await;
    assert_error(&r, 409, "overlapping_record");
}

#[actix_web::test]
async fn concurrent_check_ins_of_one_employee_give_one_201_and_one_409() {
    if std::env::var("HRMS_TEST_DATABASE_URL").is_err() {
        return; // SQLite serializes every write; the race is PostgreSQL's.
    }
    let app = spawn_app().await;
    for round in 0..10 {
        let emp = employee(&app, "UTC", None).await;
        let (_, token) = app.account("employee", Some(&emp)).await;
        let (a, b) = futures::join!(
            call(&app, &token, "POST", CHECK_IN, None),
            call(&app, &token, "POST", CHECK_IN, None)
        );
        let mut statuses = [a.status.as_u16(), b.status.as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "round {round}: {} / {}", a.raw, b.raw);
        let loser = if a.status.as_u16() == 409 { &a } else { &b };
        assert_error(loser, 409, "already_checked_in");
    }
}

#[actix_web::test]
async fn a_check_in_may_carry_a_note_and_an_employee_reads_their_own_records_without_naming_themselves(
) {
    let app = spawn_app().await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;

    let r = call(
        &app,
        &token,
        "POST",
        CHECK_IN,
        Some(&json!({ "note": "on site" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["note"], "on site", "{}", r.raw);
    let id = r.body["id"].clone();
    let r = call(&app, &token, "POST", CHECK_OUT, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = call(
        &app,
        &token,
        "POST",
        CHECK_IN,
        Some(&json!({ "note": "x".repeat(1001) })),
    )
    .await;
    assert_error(&r, 422, "note_too_long");

    // Without `employee_id` the list and the summary are the caller's own.
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Berlin)
        .date_naive()
        .to_string();
    let r = call(
        &app,
        &token,
        "GET",
        &format!("{RECORDS}?from={today}&to={today}"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["items"][0]["id"], id, "{}", r.raw);
    let r = call(
        &app,
        &token,
        "GET",
        &format!("/api/v1/attendance/summary?from={today}&to={today}"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // An account without an employee record has no records of its own.
    let (_, unlinked) = app.account("hr", None).await;
    let r = call(
        &app,
        &unlinked,
        "GET",
        &format!("{RECORDS}?from={today}&to={today}"),
        None,
    )
    .await;
    assert_error(&r, 404, "employee_not_found");
}

#[actix_web::test]
async fn a_manual_record_or_a_void_without_a_reason_is_422_reason_required() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let body = json!({ "employee_id": emp, "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T12:00:00Z" });
    let r = call(&app, &app.admin_token, "POST", RECORDS, Some(&body)).await;
    assert_error(&r, 422, "reason_required");
    let r = manual(&app, &emp, "2026-11-02T08:00:00Z", "2026-11-02T12:00:00Z").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let path = format!("{}/void", record_path(&r.body["id"]));
    let r = call(&app, &app.admin_token, "POST", &path, Some(&json!({}))).await;
    assert_error(&r, 422, "reason_required");
}
