//! The compliance module as a client sees it: realistic histories driven
//! through the attendance and leave APIs, the violations and alerts read back
//! through the compliance API (one resolved by a correction, one acknowledged,
//! an opted-out employee, a leave week that keeps an average under the limit),
//! what-if evaluation, on-demand checks, and the events on Kafka with valid
//! schemas.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;
use crate::support::kafka::{consume, mock_cluster};
use crate::support::schemas::Validators;

const RECORDS: &str = "/api/v1/attendance/records";
const VIOLATIONS: &str = "/api/v1/compliance/violations";

/// Periodic checks off: the tests see only what events and their calls cause.
const NO_PERIODIC: (&str, &str) = ("COMPLIANCE_CHECK_INTERVAL_SECS", "0");
/// The unused-leave check from 1 January, so tests of leave filed in 2026 see its
/// alert whatever today's date is (the default check date is 1 October).
const CHECK_FROM_JANUARY: (&str, &str) = ("COMPLIANCE_UNUSED_LEAVE_CHECK_DATE", "01-01");
/// No unused-leave alerts, for tests of other rules: the leave module records
/// each new employee's grant at once, and an employee hired in 2020 who has
/// taken no leave by the check date would get one.
const NO_UNUSED_ALERT: (&str, &str) = ("COMPLIANCE_UNUSED_LEAVE_ALERT_PERCENT", "100");

/// An employee hired long ago in `tz`.
async fn employee(app: &TestApp, tz: &str, manager: Option<&str>) -> String {
    let mut body =
        json!({ "name": "Worker", "age": 30, "hire_date": "2020-01-01", "time_zone": tz });
    if let Some(m) = manager {
        body["manager_id"] = json!(m);
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

/// A manual record by the admin; returns its id.
async fn record(app: &TestApp, employee: &str, start: &str, end: &str) -> String {
    let body =
        json!({ "employee_id": employee, "start": start, "end": end, "reason": "paper timesheet" });
    let r = call(app, &app.admin_token, "POST", RECORDS, Some(&body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    r.body["id"].as_str().expect("record id").to_owned()
}

/// The employee's findings (as the admin sees them) with `query` appended.
async fn findings(app: &TestApp, employee: &str, query: &str) -> Vec<Value> {
    let path = format!("{VIOLATIONS}?employee_id={employee}&limit=200{query}");
    let r = call(app, &app.admin_token, "GET", &path, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    r.body["items"].as_array().expect("items").clone()
}

/// Polls the employee's findings until `cond` holds (events are applied
/// asynchronously by the relay), panicking after 20 s.
async fn wait_findings(
    app: &TestApp,
    employee: &str,
    query: &str,
    what: &str,
    cond: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let start = Instant::now();
    loop {
        let items = findings(app, employee, query).await;
        if cond(&items) {
            return items;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}: {items:#?}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls the working-time view until `cond` holds.
async fn wait_working_time(
    app: &TestApp,
    employee: &str,
    query: &str,
    cond: impl Fn(&Value) -> bool,
) -> Value {
    let path = format!("/api/v1/compliance/employees/{employee}/working-time?{query}");
    let start = Instant::now();
    loop {
        let r = call(app, &app.admin_token, "GET", &path, None).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        if cond(&r.body) {
            return r.body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {}",
            r.raw
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

fn rules_of(items: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = items
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                f["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

#[actix_web::test]
async fn a_short_rest_between_a_late_and_an_early_shift_is_a_violation_until_a_correction_resolves_it(
) {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        NO_PERIODIC,
        NO_UNUSED_ALERT,
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        ("COMPLIANCE_NOTIFY_EMAIL", "hr-desk@example.com"),
    ])
    .await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    // Monday late shift 14:00-22:00 local (CET, UTC+1) with a 30-minute break,
    // Tuesday early shift from 06:00: 8 hours of rest.
    record(&app, &emp, "2026-11-02T13:00:00Z", "2026-11-02T17:00:00Z").await;
    record(&app, &emp, "2026-11-02T17:30:00Z", "2026-11-02T21:00:00Z").await;
    let early = record(&app, &emp, "2026-11-03T05:00:00Z", "2026-11-03T09:00:00Z").await;
    record(&app, &emp, "2026-11-03T09:30:00Z", "2026-11-03T13:00:00Z").await;

    let items = wait_findings(&app, &emp, "", "the daily rest violation", |v| {
        v.iter().any(|f| f["rule"] == "daily_rest")
    })
    .await;
    assert_eq!(
        rules_of(&items),
        [("daily_rest".to_owned(), "open".to_owned())],
        "only the short rest: {items:#?}"
    );
    let v = &items[0];
    assert_eq!(v["kind"], "violation");
    assert_eq!(
        v["window_first"], "2026-11-02",
        "the rest begins on Monday evening, local time"
    );
    assert_eq!(
        v["measured"],
        json!({ "unit": "seconds", "value": 8 * 3600 })
    );
    assert_eq!(v["limit"], json!({ "unit": "seconds", "value": 11 * 3600 }));
    assert!(v["reference"].as_str().unwrap().contains("Art. 3"), "{v}");
    assert_eq!(v["span"]["start"], "2026-11-02T21:00:00Z");
    let id = v["id"].as_str().unwrap().to_owned();

    // The early shift really began at 08:00 UTC: exactly 11 hours of rest complies.
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        &format!("{RECORDS}/{early}"),
        Some(&json!({ "start": "2026-11-03T08:00:00Z", "reason": "clocked in at the wrong terminal" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let items = wait_findings(&app, &emp, "", "the violation resolved", |v| {
        v.iter().all(|f| f["status"] == "resolved")
    })
    .await;
    assert_eq!(
        items.len(),
        1,
        "the same violation, resolved, not a second one: {items:#?}"
    );
    assert_eq!(items[0]["id"], json!(id));
    assert!(items[0]["resolved_at"].is_string());
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{VIOLATIONS}?employee_id={emp}&status=open"),
        None,
    )
    .await;
    assert_eq!(r.body["total"], 0, "{}", r.raw);

    // On Kafka: detected then resolved, keyed by the employee, valid schemas,
    // and the HR mailbox told once (ids and rule only).
    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(
            &b,
            &["compliance-queue", "notification-queue"],
            3,
            Duration::from_secs(20),
        )
    })
    .await
    .expect("consumer");
    let mut validators = Validators::default();
    let mut statuses = Vec::new();
    let mut mails = 0;
    for r in &records {
        let t = r.value["event_type"].as_str().unwrap();
        assert_eq!(
            validators.errors(t, &r.value),
            Vec::<String>::new(),
            "{t}: {}",
            r.value
        );
        match t {
            "COMPLIANCE_VIOLATION" => {
                assert_eq!(r.key, emp);
                assert_eq!(r.value["rule"], "daily_rest");
                statuses.push(r.value["data"]["status"].as_str().unwrap().to_owned());
            }
            "NOTIFICATION_EMAIL" => {
                assert_eq!(r.value["recipient_email"], "hr-desk@example.com");
                assert_eq!(r.value["template_data"]["violation_id"], json!(id));
                mails += 1;
            }
            other => panic!("unexpected {other}: {}", r.value),
        }
    }
    assert_eq!(statuses, ["open", "resolved"], "{records:#?}");
    assert_eq!(mails, 1, "{records:#?}");
}

#[actix_web::test]
async fn hr_acknowledges_a_missing_break_and_employees_see_only_their_own_findings() {
    let app = spawn_app_with(&[NO_PERIODIC, NO_UNUSED_ALERT]).await;
    let emp = employee(&app, "UTC", None).await;
    let other = employee(&app, "UTC", None).await;
    // Eight hours without a break (the eu pack: 15 minutes beyond 6 hours).
    record(&app, &emp, "2026-11-04T07:00:00Z", "2026-11-04T15:00:00Z").await;
    // Exactly 6 hours without a break complies.
    record(&app, &other, "2026-11-04T07:00:00Z", "2026-11-04T13:00:00Z").await;
    let items = wait_findings(&app, &emp, "", "the break violation", |v| !v.is_empty()).await;
    assert_eq!(
        rules_of(&items),
        [("break".to_owned(), "open".to_owned())],
        "{items:#?}"
    );
    let id = items[0]["id"].as_str().unwrap().to_owned();
    let path = format!("{VIOLATIONS}/{id}");
    wait_working_time(&app, &other, "from=2026-11-02&to=2026-11-08", |v| {
        v["days"].as_array().is_some_and(|d| !d.is_empty())
    })
    .await;
    assert!(
        findings(&app, &other, "").await.is_empty(),
        "exactly 6 hours needs no break"
    );

    let (_, emp_token) = app.account("employee", Some(&emp)).await;
    let (_, other_token) = app.account("employee", Some(&other)).await;
    let r = call(&app, &emp_token, "GET", VIOLATIONS, None).await;
    assert_eq!(r.body["total"], 1, "their own: {}", r.raw);
    let r = call(&app, &other_token, "GET", &path, None).await;
    assert_error(&r, 404, "violation_not_found");
    let r = call(
        &app,
        &other_token,
        "GET",
        &format!("{VIOLATIONS}?employee_id={emp}"),
        None,
    )
    .await;
    assert_error(&r, 404, "employee_not_found");

    let ack = json!({ "note": "talked to the team lead about breaks" });
    let r = call(
        &app,
        &emp_token,
        "POST",
        &format!("{path}/acknowledge"),
        Some(&ack),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("{path}/acknowledge"),
        Some(&json!({ "note": " " })),
    )
    .await;
    assert_error(&r, 422, "note_required");
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("{path}/acknowledge"),
        Some(&ack),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["status"], "acknowledged");
    assert_eq!(r.body["note"], ack["note"]);
    assert_eq!(r.body["version"], 2);
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("{path}/acknowledge"),
        Some(&ack),
    )
    .await;
    assert_error(&r, 409, "already_acknowledged");

    let rows = app
        .wait_for_outbox(
            Duration::from_secs(5),
            "the acknowledgement audit",
            |rows| {
                rows.iter()
                    .any(|r| r.event_type == "AUDIT_COMPLIANCE_ACTION")
            },
        )
        .await;
    let audits = rows
        .iter()
        .filter(|r| r.event_type == "AUDIT_COMPLIANCE_ACTION")
        .count();
    assert_eq!(audits, 1, "one acknowledgement, one audit");
    let values = {
        let mut conn = app.services.db.get().expect("db");
        crate::support::outbox::queued_values(&mut conn).expect("values")
    };
    let audit = values
        .iter()
        .find(|v| v["event_type"] == "AUDIT_COMPLIANCE_ACTION")
        .expect("audit value");
    assert_eq!(audit["action"], "compliance.acknowledge");
    assert!(
        !audit.to_string().contains("team lead"),
        "the note stays out of events: {audit}"
    );
}

/// Monday to Saturday, 9 hours a day with a 30-minute break (54 hours), in
/// the ISO week of `monday` (UTC).
async fn heavy_week(app: &TestApp, employee: &str, monday: chrono::NaiveDate) {
    for d in 0..6 {
        let day = monday + chrono::Duration::days(d);
        record(
            app,
            employee,
            &format!("{day}T07:00:00Z"),
            &format!("{day}T12:00:00Z"),
        )
        .await;
        record(
            app,
            employee,
            &format!("{day}T12:30:00Z"),
            &format!("{day}T16:30:00Z"),
        )
        .await;
    }
}

#[actix_web::test]
async fn the_weekly_average_spares_an_opted_out_employee_and_counts_annual_leave_at_contractual_hours(
) {
    // A two-week reference period keeps the histories short.
    let app = spawn_app_with(&[
        NO_PERIODIC,
        CHECK_FROM_JANUARY,
        ("COMPLIANCE_REFERENCE_WEEKS", "2"),
        // The leave below is in 2026, whatever year the test runs in.
        ("LEAVE_ACCOUNTING_FROM", "2026"),
    ])
    .await;
    let w1 = chrono::NaiveDate::from_ymd_opt(2026, 10, 5).unwrap();
    let w2 = chrono::NaiveDate::from_ymd_opt(2026, 10, 12).unwrap();
    let heavy = employee(&app, "UTC", None).await;
    let opted = employee(&app, "UTC", None).await;
    let on_leave = employee(&app, "UTC", None).await;
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/opt-outs",
        Some(&json!({ "employee_id": opted, "signed_on": "2026-09-01" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["in_force"], true);
    let r2 = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/opt-outs",
        Some(&json!({ "employee_id": opted, "signed_on": "2026-09-02" })),
    )
    .await;
    assert_error(&r2, 409, "opt_out_in_force");
    for e in [&heavy, &opted] {
        heavy_week(&app, e, w1).await;
        heavy_week(&app, e, w2).await;
    }
    heavy_week(&app, &on_leave, w1).await;
    // Annual leave Monday to Friday of the second week, filed and approved by HR.
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/requests",
        Some(&json!({ "employee_id": on_leave, "leave_type": "annual", "start_date": "2026-10-12", "end_date": "2026-10-16" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    if r.body["status"] != "approved" {
        let approve = format!(
            "/api/v1/leave/requests/{}/approve",
            r.body["id"].as_str().unwrap()
        );
        let r = call(&app, &app.admin_token, "POST", &approve, None).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        assert_eq!(r.body["status"], "approved", "{}", r.raw);
    }

    // 54 hours on average over the two weeks: a violation.
    let items = wait_findings(
        &app,
        &heavy,
        "&rule=weekly_average",
        "the heavy employee's violation",
        // Every record applied: the figure is current (it grows as they arrive).
        |v| v.iter().any(|f| f["measured"]["value"] == 54 * 3600),
    )
    .await;
    assert_eq!(items.len(), 1, "{items:#?}");
    assert_eq!(items[0]["kind"], "violation");
    assert_eq!(items[0]["window_first"], "2026-10-05");
    assert_eq!(items[0]["window_last"], "2026-10-18");
    assert_eq!(
        items[0]["measured"]["value"],
        54 * 3600,
        "the average per week"
    );
    assert_eq!(items[0]["limit"]["value"], 48 * 3600);

    // The same hours with an opt-out in force: shown, but no finding at all
    // (neither a violation nor an alert).
    let view = wait_working_time(&app, &opted, "from=2026-10-05&to=2026-10-18", |v| {
        v["weeks"][0]["worked_seconds"] == 54 * 3600 && v["weeks"][1]["worked_seconds"] == 54 * 3600
    })
    .await;
    assert_eq!(view["opted_out"], true, "{view}");
    assert_eq!(view["average_seconds_per_week"], 54 * 3600, "{view}");
    let items = findings(&app, &opted, "&rule=weekly_average").await;
    assert!(items.is_empty(), "the opt-out lifts the limit: {items:#?}");

    // 54 hours, then a week of annual leave credited at 8 hours a day: 47 on average.
    let view = wait_working_time(&app, &on_leave, "from=2026-10-05&to=2026-10-18", |v| {
        v["weeks"][1]["leave_credit_seconds"] == 40 * 3600
            && v["weeks"][0]["worked_seconds"] == 54 * 3600
    })
    .await;
    assert_eq!(view["reference_weeks"], 2);
    assert_eq!(view["average_seconds_per_week"], 47 * 3600, "{view}");
    assert_eq!(view["seconds_left_in_reference"], 2 * 3600, "{view}");
    assert_eq!(view["opted_out"], false);
    let items = findings(&app, &on_leave, "&rule=weekly_average").await;
    assert!(
        items.is_empty(),
        "the leave week keeps the average under 48 hours: {items:#?}"
    );

    // Nobody took much of their leave: an unused-leave alert each (the two who
    // never filed any are judged on the grant recorded when they were hired).
    for e in [&heavy, &opted, &on_leave] {
        wait_findings(
            &app,
            e,
            "&rule=annual_leave",
            "the unused-leave alert",
            |v| v.len() == 1,
        )
        .await;
    }

    // An on-demand check finds the same and changes nothing.
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/checks",
        Some(&json!({ "from": "2026-09-01", "to": "2026-11-30" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["employees"], 3, "{}", r.raw);
    assert_eq!(r.body["detected"], 0, "nothing new: {}", r.raw);
    assert_eq!(r.body["resolved"], 0, "nothing resolved: {}", r.raw);
    assert_eq!(
        r.body["open"], 4,
        "the violation and three unused-leave alerts (the opt-out gives none): {}",
        r.raw
    );
    let check = r.body["id"].as_str().unwrap().to_owned();
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("/api/v1/compliance/checks/{check}"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    // The opt-out is withdrawn with a week's notice given on 2026-10-05: from
    // 2026-10-12 on the weeks count in full, so the fortnight is no longer
    // covered: its first week (under the opt-out) counts 48 h, its second 54 h.
    let list = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("/api/v1/compliance/opt-outs?employee_id={opted}"),
        None,
    )
    .await;
    let opt_id = list.body["items"][0]["id"].as_str().unwrap().to_owned();
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("/api/v1/compliance/opt-outs/{opt_id}/withdraw"),
        Some(&json!({ "withdrawn_on": "2026-10-05", "notice_days": 7 })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["last_day"], "2026-10-11");
    let items = findings(&app, &opted, "&rule=weekly_average&kind=violation").await;
    assert_eq!(
        items.len(),
        1,
        "the withdrawal re-evaluates the period: {items:#?}"
    );
    assert_eq!(items[0]["measured"]["value"], 51 * 3600, "{items:#?}");
}

#[actix_web::test]
async fn what_if_reports_what_a_planned_shift_would_break_and_records_nothing() {
    let app = spawn_app_with(&[NO_PERIODIC, NO_UNUSED_ALERT]).await;
    let emp = employee(&app, "UTC", None).await;
    record(&app, &emp, "2026-11-09T13:00:00Z", "2026-11-09T17:00:00Z").await;
    record(&app, &emp, "2026-11-09T17:30:00Z", "2026-11-09T21:00:00Z").await;
    wait_working_time(&app, &emp, "from=2026-11-09&to=2026-11-09", |v| {
        // Both records applied (7.5 h): the subscriber delivers them in order.
        v["days"][0]["worked_seconds"] == 27000
    })
    .await;
    let plan = json!({ "employee_id": emp, "intervals": [
        { "start": "2026-11-10T05:00:00Z", "end": "2026-11-10T09:00:00Z" },
    ]});
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/evaluate",
        Some(&plan),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let rules: Vec<&str> = r.body["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["daily_rest"], "{}", r.raw);
    assert_eq!(r.body["rule_pack"], "eu");
    assert!(
        findings(&app, &emp, "").await.is_empty(),
        "a what-if records nothing"
    );

    let bad = json!({ "employee_id": emp, "intervals": [
        { "start": "2026-11-10T09:00:00Z", "end": "2026-11-10T05:00:00Z" },
    ]});
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/evaluate",
        Some(&bad),
    )
    .await;
    assert_error(&r, 422, "invalid_interval");
    // An interval as an array (serde would read it by position) is no object.
    let positional = json!({ "employee_id": emp, "intervals": [
        ["2026-11-10T05:00:00Z", "2026-11-10T09:00:00Z"],
    ]});
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/compliance/evaluate",
        Some(&positional),
    )
    .await;
    assert_error(&r, 400, "invalid_body");
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        "/api/v1/compliance/rule-pack",
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["code"], "eu");
    let ids: Vec<&str> = r.body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "daily_rest",
            "break",
            "weekly_rest",
            "weekly_average",
            "night_work",
            "annual_leave"
        ]
    );
}

/// An employee in `tz` with two findings: a short rest (a late then an early
/// shift) and a day of 8 hours without a break.
async fn two_findings(app: &TestApp, tz: &str) -> (String, Vec<Value>) {
    let emp = employee(app, tz, None).await;
    record(app, &emp, "2026-11-16T13:00:00Z", "2026-11-16T17:00:00Z").await;
    record(app, &emp, "2026-11-16T17:30:00Z", "2026-11-16T21:00:00Z").await;
    record(app, &emp, "2026-11-17T05:00:00Z", "2026-11-17T13:00:00Z").await;
    let found = wait_findings(app, &emp, "", "two findings", |v| v.len() == 2).await;
    (emp, found)
}

#[actix_web::test]
async fn a_rebuild_from_the_journal_yields_the_same_findings_and_changes_nothing() {
    let app = spawn_app_with(&[NO_PERIODIC, NO_UNUSED_ALERT]).await;
    let (emp, before) = two_findings(&app, "Europe/Paris").await;
    let key = |items: &[Value]| {
        let mut v: Vec<(String, String, String)> = items
            .iter()
            .map(|f| {
                (
                    f["identity"].as_str().unwrap().to_owned(),
                    f["status"].as_str().unwrap().to_owned(),
                    f["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let cfg = hrms::modules::compliance::ComplianceConfig::from_settings(
        &app.services.settings.compliance,
    )
    .expect("config");
    let (db, outbox) = (app.services.db.clone(), app.services.outbox.clone());
    let done = actix_web::rt::task::spawn_blocking(move || {
        hrms::modules::compliance::rebuild(&db, &outbox, &cfg)
    })
    .await
    .expect("task")
    .expect("rebuild");
    assert!(
        done.events >= 4,
        "the employee's creation and three records replayed: {done:?}"
    );
    assert_eq!(done.counts.detected, 0, "{done:?}");
    assert_eq!(done.counts.resolved, 0, "{done:?}");
    let after = findings(&app, &emp, "").await;
    assert_eq!(
        key(&before),
        key(&after),
        "the same findings, same ids, same status"
    );
}

#[actix_web::test]
async fn redelivered_events_are_applied_once_whether_in_later_batches_or_twice_in_one() {
    use diesel::prelude::*;
    use hrms::db::schema::compliance_journal as journal;
    let app = spawn_app_with(&[NO_PERIODIC, NO_UNUSED_ALERT]).await;
    let (emp, before) = two_findings(&app, "Europe/Berlin").await;
    let state = |items: &[Value]| {
        let mut v: Vec<String> = items
            .iter()
            .map(|f| {
                format!(
                    "{} {} {} {}",
                    f["identity"], f["id"], f["status"], f["version"]
                )
            })
            .collect();
        v.sort();
        v
    };
    let journal_rows = || -> Vec<(String, String, String, String)> {
        let mut conn = app.services.db.get().expect("db connection");
        journal::table
            .filter(journal::employee_id.eq(&emp))
            .order(journal::seq.asc())
            .select((
                journal::event_id,
                journal::event_type,
                journal::employee_id,
                journal::payload,
            ))
            .load(&mut *conn)
            .expect("journal")
    };
    let compliance_rows = || {
        app.outbox_all()
            .iter()
            .filter(|r| r.event_type.starts_with("COMPLIANCE_"))
            .count()
    };
    let applied = journal_rows();
    assert!(
        applied.len() >= 4,
        "the creation and three records: {applied:?}"
    );
    let (emitted, findings_before) = (compliance_rows(), state(&before));
    let events: Vec<hrms::outbox::SubscribedEvent> = applied
        .iter()
        .map(
            |(id, ty, employee, payload)| hrms::outbox::SubscribedEvent {
                event_id: id.parse().unwrap(),
                event_type: hrms::events::EventType::parse(ty).unwrap(),
                aggregate_id: employee.clone(),
                payload: serde_json::from_str(payload).unwrap(),
            },
        )
        .collect();
    let subscription = app
        .services
        .outbox
        .subscriptions()
        .get("compliance-inputs")
        .expect("the compliance module subscribes");
    // The whole history again, then each event twice in one batch.
    let doubled: Vec<_> = events.iter().flat_map(|e| [e.clone(), e.clone()]).collect();
    for batch in [events.clone(), doubled] {
        let answer = subscription
            .recipient
            .send(hrms::outbox::Deliver {
                subscription: "compliance-inputs",
                events: batch,
            })
            .await
            .unwrap();
        assert_eq!(answer, Ok(()));
    }
    assert_eq!(journal_rows(), applied, "the journal holds each event once");
    assert_eq!(
        compliance_rows(),
        emitted,
        "no compliance event for a redelivery"
    );
    assert_eq!(
        state(&findings(&app, &emp, "").await),
        findings_before,
        "the same findings, ids, status and versions"
    );
    // A new event (version 2 of the last record, unchanged times) twice in
    // its first batch: applied once, recorded once.
    let last = events
        .iter()
        .rev()
        .find(|e| e.event_type == hrms::events::EventType::AttendanceMarked)
        .expect("a record event");
    let mut newer = last.clone();
    newer.event_id = uuid::Uuid::now_v7();
    newer.payload["data"]["version"] = json!(2);
    let answer = subscription
        .recipient
        .send(hrms::outbox::Deliver {
            subscription: "compliance-inputs",
            events: vec![newer.clone(), newer.clone()],
        })
        .await
        .unwrap();
    assert_eq!(answer, Ok(()));
    let now = journal_rows();
    assert_eq!(now.len(), applied.len() + 1, "{now:?}");
    assert_eq!(
        now.last().map(|r| r.0.clone()),
        Some(newer.event_id.to_string())
    );
    assert_eq!(compliance_rows(), emitted);
    assert_eq!(state(&findings(&app, &emp, "").await), findings_before);
}

#[actix_web::test]
async fn an_entitlement_below_four_weeks_is_a_violation_and_much_unused_leave_an_alert_the_employee_is_told_of(
) {
    let app = spawn_app_with(&[NO_PERIODIC, CHECK_FROM_JANUARY]).await;
    // No allowance (nor the carry-over and pro-rata that need one) while the employee and
    // their account are set up, so that no grant (and no alert) comes before the
    // account that is to be told exists.
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        "/api/v1/leave/types/annual",
        Some(&json!({ "allowance_days": null, "carry_over": null, "pro_rata": false })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let emp = employee(&app, "UTC", None).await;
    let (_, _token) = app.account("employee", Some(&emp)).await;
    // Three weeks of annual leave instead of four.
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        "/api/v1/leave/types/annual",
        Some(&json!({ "allowance_days": 15.0, "pro_rata": true })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // Filing leave records the year's grant (LEAVE_BALANCE_ADJUSTED, kind grant): a
    // Monday of this year (the ledger accounts from the year of the first start).
    let monday = {
        use chrono::Datelike;
        let year = chrono::Utc::now().year();
        let mut d = chrono::NaiveDate::from_ymd_opt(year, 10, 12).unwrap();
        while d.weekday() != chrono::Weekday::Mon {
            d = d.succ_opt().unwrap();
        }
        d
    };
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/requests",
        Some(&json!({ "employee_id": emp, "leave_type": "annual", "start_date": monday, "end_date": monday })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let approve = format!(
        "/api/v1/leave/requests/{}/approve",
        r.body["id"].as_str().unwrap()
    );
    let r = call(&app, &app.admin_token, "POST", &approve, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    // The grant arrives with the filing (the alert then counts 15 days unused),
    // the approval after it (14 days).
    let items = wait_findings(
        &app,
        &emp,
        "&rule=annual_leave",
        "both annual-leave findings",
        |v| v.len() == 2 && v.iter().any(|f| f["measured"]["value"] == 28),
    )
    .await;
    let year = chrono::Utc::now().format("%Y").to_string();
    let entitlement = items
        .iter()
        .find(|f| f["check"] == "entitlement")
        .expect("entitlement violation");
    assert_eq!(entitlement["kind"], "violation");
    assert_eq!(
        entitlement["measured"],
        json!({ "unit": "half_days", "value": 30 })
    );
    assert_eq!(
        entitlement["limit"],
        json!({ "unit": "half_days", "value": 40 }),
        "four weeks of a five-day week"
    );
    assert_eq!(entitlement["window_first"], format!("{year}-01-01"));
    let unused = items
        .iter()
        .find(|f| f["check"] == "unused_share")
        .expect("unused-leave alert");
    assert_eq!(unused["kind"], "alert");
    assert_eq!(unused["severity"], "warning");
    assert_eq!(
        unused["measured"],
        json!({ "unit": "half_days", "value": 28 }),
        "15 days less the one taken"
    );

    let values = {
        let mut conn = app.services.db.get().expect("db");
        crate::support::outbox::queued_values(&mut conn).expect("values")
    };
    let notices: Vec<&Value> = values
        .iter()
        .filter(|v| v["notification_type"] == "compliance_annual_leave_unused")
        .collect();
    assert_eq!(notices.len(), 1, "the employee is told once: {notices:#?}");
    assert_eq!(
        notices[0]["template_data"]["unused_days"], 15.0,
        "as at detection"
    );
    assert_eq!(notices[0]["template_data"]["violation_id"], unused["id"]);
}

#[actix_web::test]
async fn an_employee_who_never_files_leave_is_judged_on_the_grant_recorded_when_they_were_hired() {
    let app = spawn_app_with(&[NO_PERIODIC, CHECK_FROM_JANUARY]).await;
    // Three weeks of annual leave instead of four, before the hire.
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        "/api/v1/leave/types/annual",
        Some(&json!({ "allowance_days": 15.0 })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let emp = employee(&app, "UTC", None).await;

    // Nobody files anything: the leave module records the year's grant on the
    // hire, and compliance judges it.
    let items = wait_findings(
        &app,
        &emp,
        "&rule=annual_leave",
        "both annual-leave findings",
        |v| v.len() == 2,
    )
    .await;
    let entitlement = items
        .iter()
        .find(|f| f["check"] == "entitlement")
        .expect("entitlement violation");
    assert_eq!(entitlement["kind"], "violation");
    assert_eq!(entitlement["measured"]["value"], 30, "15 days in half days");
    assert_eq!(entitlement["limit"]["value"], 40);
    let unused = items
        .iter()
        .find(|f| f["check"] == "unused_share")
        .expect("unused-leave alert");
    assert_eq!(unused["measured"]["value"], 30, "all of it unused");

    let grants = annual_grants(&app, &emp).await;
    assert_eq!(grants.len(), 1, "one grant, recorded once: {grants:?}");
    assert_eq!(grants[0]["days"], 15.0, "{grants:?}");
    assert_eq!(grants[0]["created_by"], "system", "{grants:?}");
}

#[actix_web::test]
async fn four_weeks_of_annual_leave_are_counted_in_the_employees_own_working_days() {
    let app = spawn_app_with(&[NO_PERIODIC, CHECK_FROM_JANUARY]).await;
    let calendar = |name: &str, days: &[&str]| json!({ "name": name, "working_weekdays": days, "is_default": true });
    // A shop working Monday to Saturday: four weeks are 24 days, and 20 fall short.
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/calendars",
        Some(&calendar(
            "Shop",
            &["mon", "tue", "wed", "thu", "fri", "sat"],
        )),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let six = employee(&app, "UTC", None).await;
    let items = wait_findings(
        &app,
        &six,
        "&rule=annual_leave",
        "the six-day week's findings",
        |v| v.iter().any(|f| f["check"] == "entitlement"),
    )
    .await;
    let entitlement = items.iter().find(|f| f["check"] == "entitlement").unwrap();
    assert_eq!(
        entitlement["measured"]["value"], 40,
        "20 days: {entitlement}"
    );
    assert_eq!(
        entitlement["limit"]["value"], 48,
        "four weeks of six days: {entitlement}"
    );

    // Part-time, Monday to Thursday, with 16 days: four of their weeks, no violation.
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        "/api/v1/leave/types/annual",
        Some(&json!({ "allowance_days": 16.0 })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/calendars",
        Some(&calendar("Part-time", &["mon", "tue", "wed", "thu"])),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let four = employee(&app, "UTC", None).await;
    // The unused-leave alert comes from the same evaluation as any entitlement finding.
    let items = wait_findings(
        &app,
        &four,
        "&rule=annual_leave",
        "the four-day week's alert",
        |v| v.iter().any(|f| f["check"] == "unused_share"),
    )
    .await;
    assert!(
        items.iter().all(|f| f["check"] != "entitlement"),
        "16 days are four weeks of a four-day week: {items:?}"
    );
    let grants = annual_grants(&app, &four).await;
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0]["days"], 16.0, "{grants:?}");
}

/// The `grant` entries of this year's annual leave in the employee's ledger.
async fn annual_grants(app: &TestApp, employee: &str) -> Vec<Value> {
    let year = chrono::Utc::now().format("%Y").to_string();
    let path = format!("/api/v1/leave/ledger?employee_id={employee}&leave_type=annual&year={year}");
    let r = call(app, &app.admin_token, "GET", &path, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == "grant")
        .cloned()
        .collect()
}

#[actix_web::test]
async fn an_employee_the_leave_module_never_saw_hired_gets_the_grant_from_the_walk_at_start() {
    // A first start without the leave module: the hire never reaches it (as for
    // records older than the subscription, or a leave year that has just begun).
    let first = spawn_app_with(&[
        NO_PERIODIC,
        CHECK_FROM_JANUARY,
        ("LEAVE_MODULE_ENABLED", "false"),
    ])
    .await;
    let emp = employee(&first, "UTC", None).await;
    // A second start on the same database, with the leave module.
    let second = spawn_app_on_database_of(&first, &[NO_PERIODIC, CHECK_FROM_JANUARY]).await;

    let start = Instant::now();
    let grants = loop {
        let grants = annual_grants(&second, &emp).await;
        if !grants.is_empty() {
            break grants;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no grant recorded by the walk"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(grants[0]["days"], 20.0);
    assert_eq!(grants[0]["created_by"], "system");
    // And compliance judges the year: all of it unused at the check date.
    let items = wait_findings(
        &second,
        &emp,
        "&rule=annual_leave",
        "the unused-leave alert",
        |v| v.len() == 1,
    )
    .await;
    assert_eq!(items[0]["check"], "unused_share");
    assert_eq!(items[0]["measured"]["value"], 40);
}
