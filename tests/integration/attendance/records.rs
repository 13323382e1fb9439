//! Manual records, corrections that keep every version, voids, overlaps and
//! the interval rules.

use super::*;

#[actix_web::test]
async fn hr_enters_a_manual_record_corrects_it_and_voids_it_and_the_history_keeps_every_version() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let (_, hr) = app.account("hr", None).await;
    let body = json!({ "employee_id": emp, "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T12:00:00Z", "note": "site visit", "reason": "no terminal on site" });
    let r = call(&app, &hr, "POST", RECORDS, Some(&body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["source"], "manual");
    assert_eq!(r.body["elapsed_seconds"], 4 * 3600);
    let path = record_path(&r.body["id"]);

    let fix = json!({ "end": "2026-11-02T13:30:00+01:00", "reason": "left later", "expected_version": 1 });
    let r = call(&app, &hr, "PATCH", &path, Some(&fix)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["version"], 2);
    assert_eq!(r.body["end"], "2026-11-02T12:30:00Z");

    // A stale version changes nothing.
    let before = app.outbox().len();
    let r = call(
        &app,
        &hr,
        "PATCH",
        &path,
        Some(&json!({ "end": "2026-11-02T14:00:00Z", "reason": "x", "expected_version": 1 })),
    )
    .await;
    assert_error(&r, 409, "stale_version");
    let r = call(
        &app,
        &hr,
        "PATCH",
        &path,
        Some(&json!({ "end": "2026-11-02T14:00:00Z", "reason": "  " })),
    )
    .await;
    assert_error(&r, 422, "reason_required");
    assert_eq!(app.outbox().len(), before);

    let r = call(
        &app,
        &hr,
        "POST",
        &format!("{path}/void"),
        Some(&json!({ "reason": "duplicate" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["voided"], true);
    let r = call(
        &app,
        &hr,
        "POST",
        &format!("{path}/void"),
        Some(&json!({ "reason": "again" })),
    )
    .await;
    assert_error(&r, 409, "record_voided");

    let h = call(&app, &hr, "GET", &format!("{path}/history"), None).await;
    let versions = h.body["versions"].as_array().expect("versions");
    assert_eq!(versions.len(), 3, "{}", h.raw);
    assert_eq!(
        versions[0]["end"], "2026-11-02T12:00:00Z",
        "version 1 is kept as it was"
    );
    assert_eq!(versions[0]["reason"], "no terminal on site");
    assert_eq!(versions[1]["kind"], "correction");
    assert_eq!(versions[1]["reason"], "left later");
    assert_eq!(versions[2]["kind"], "void");
    assert_eq!(versions[2]["reason"], "duplicate");
    assert!(versions
        .iter()
        .all(|v| v["changed_at"].is_string() && v["changed_by"].is_string()));
}

#[actix_web::test]
async fn overlapping_records_are_refused_touching_ones_are_not() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    assert_eq!(
        manual(&app, &emp, "2026-11-03T08:00:00Z", "2026-11-03T12:00:00Z")
            .await
            .status
            .as_u16(),
        201
    );
    let before = app.outbox().len();
    let r = manual(&app, &emp, "2026-11-03T11:59:00Z", "2026-11-03T13:00:00Z").await;
    assert_error(&r, 409, "overlapping_record");
    assert_eq!(
        app.outbox().len(),
        before,
        "a refused record writes nothing"
    );
    let r = manual(&app, &emp, "2026-11-03T12:00:00Z", "2026-11-03T13:00:00Z").await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "touching is not overlapping: {}",
        r.raw
    );
}

#[actix_web::test]
async fn a_manual_record_overlapping_an_open_check_in_is_refused() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    assert_eq!(
        call(&app, &token, "POST", CHECK_IN, None)
            .await
            .status
            .as_u16(),
        201
    );
    let now = chrono::Utc::now();
    let start = (now - chrono::Duration::minutes(30)).to_rfc3339();
    let end = (now + chrono::Duration::seconds(30)).to_rfc3339();
    let r = manual(&app, &emp, &start, &end).await;
    assert_error(&r, 409, "overlapping_record");
}

#[actix_web::test]
async fn invalid_intervals_are_refused_with_their_codes() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let far = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let cases = [
        (
            "2026-11-04T12:00:00Z",
            "2026-11-04T12:00:00Z",
            "end_before_start",
        ),
        (
            "2026-11-04T12:00:00Z",
            "2026-11-04T08:00:00Z",
            "end_before_start",
        ),
        (
            "2026-11-04T00:00:00Z",
            "2026-11-05T00:00:01Z",
            "record_too_long",
        ),
        (
            "2019-12-31T08:00:00Z",
            "2019-12-31T12:00:00Z",
            "outside_employment",
        ),
    ];
    for (start, end, code) in cases {
        let r = manual(&app, &emp, start, end).await;
        assert_error(&r, 422, code);
    }
    let r = manual(&app, &emp, &chrono::Utc::now().to_rfc3339(), &far).await;
    assert_error(&r, 422, "record_in_future");
    let r = manual(&app, &emp, "yesterday", "2026-11-04T08:00:00Z").await;
    assert_error(&r, 422, "validation_failed");
    assert!(
        app.outbox().len() <= 1,
        "only the employee's creation wrote an event"
    );
}

#[actix_web::test]
async fn nobody_enters_or_corrects_their_own_record_directly() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let (_, own_hr) = app.account("hr", Some(&emp)).await;
    let body = json!({ "employee_id": emp, "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T12:00:00Z", "reason": "mine" });
    let r = call(&app, &own_hr, "POST", RECORDS, Some(&body)).await;
    assert_error(&r, 403, "cannot_correct_own_record");
}

#[actix_web::test]
async fn records_are_listed_by_local_date_with_pagination() {
    let app = spawn_app().await;
    let emp = employee(&app, "America/New_York", None).await;
    // 2026-11-10 20:00 in New York is 2026-11-11 01:00 UTC: it belongs to the 10th.
    for (s, e) in [
        ("2026-11-10T13:00:00Z", "2026-11-10T17:00:00Z"),
        ("2026-11-11T01:00:00Z", "2026-11-11T03:00:00Z"),
        ("2026-11-11T14:00:00Z", "2026-11-11T18:00:00Z"),
    ] {
        assert_eq!(manual(&app, &emp, s, e).await.status.as_u16(), 201);
    }
    let page = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{RECORDS}?employee_id={emp}&from=2026-11-10&to=2026-11-10&limit=1"),
        None,
    )
    .await;
    assert_eq!(page.status.as_u16(), 200, "{}", page.raw);
    assert_eq!(page.body["total"], 2);
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.body["items"][0]["local_date"], "2026-11-10");
    let next = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{RECORDS}?employee_id={emp}&from=2026-11-10&to=2026-11-10&limit=1&offset=1"),
        None,
    )
    .await;
    assert_eq!(next.body["items"][0]["start"], "2026-11-11T01:00:00Z");
    assert_eq!(next.body["items"][0]["local_date"], "2026-11-10");
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{RECORDS}?employee_id={emp}&from=2026-11-12&to=2026-11-10"),
        None,
    )
    .await;
    assert_error(&r, 422, "invalid_range");
}

#[actix_web::test]
async fn reasons_and_notes_with_invisible_characters_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let emp = employee(&app, "UTC", None).await;
    let before = app.outbox().len();
    for (reason, note) in [
        ("\u{200B}", None),
        ("ok \u{202E}gnirts", None),
        ("fine", Some("a\u{2028}b")),
    ] {
        let body = json!({ "employee_id": emp, "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T12:00:00Z", "reason": reason, "note": note });
        let r = call(&app, &app.admin_token, "POST", RECORDS, Some(&body)).await;
        assert_error(&r, 422, "invalid_text");
    }
    assert_eq!(app.outbox().len(), before);
}
