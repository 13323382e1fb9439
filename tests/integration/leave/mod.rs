//! The leave API as a client sees it: types and calendars, requests counted on
//! the employee's calendar (weekends, public holidays, half days, the year end),
//! overlaps, balances along a realistic year, decisions by the right people,
//! cancellation restoring the balance exactly, terminations, the events, and
//! concurrent requests that must not overdraw a balance.

use chrono::Datelike;
use serde_json::{json, Value};

use crate::common::*;

mod events;
mod races;
mod year;

const REQUESTS: &str = "/api/v1/leave/requests";
const BALANCES: &str = "/api/v1/leave/balances";

/// An employee hired on 2020-01-01, optionally reporting to `manager`.
async fn employee(app: &TestApp, manager: Option<&str>) -> String {
    let mut body = json!({ "name": "Worker", "age": 30, "hire_date": "2020-01-01", "time_zone": "Europe/Berlin" });
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

/// Files a request as `token`; returns the reply.
async fn request(app: &TestApp, token: &str, body: Value) -> Reply {
    call(app, token, "POST", REQUESTS, Some(&body)).await
}

/// A full-day annual request from `start` to `end`.
fn annual(start: &str, end: &str) -> Value {
    json!({ "leave_type": "annual", "start_date": start, "end_date": end })
}

/// Approves, rejects or cancels request `id` as `token`.
async fn decide(app: &TestApp, token: &str, id: &Value, verb: &str, body: Option<Value>) -> Reply {
    let path = format!("{REQUESTS}/{}/{verb}", id.as_str().expect("request id"));
    call(app, token, "POST", &path, body.as_ref()).await
}

/// The annual balance of `employee` in `year` as of `as_of` (today when `None`).
async fn annual_balance(app: &TestApp, employee: &str, year: i32, as_of: Option<&str>) -> Value {
    let mut path = format!("{BALANCES}?employee_id={employee}&year={year}&leave_type=annual");
    if let Some(d) = as_of {
        path.push_str(&format!("&as_of={d}"));
    }
    let r = call(app, &app.admin_token, "GET", &path, None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    r.body["balances"][0].clone()
}

/// Asserts `available` (and the parts that make it) of a balance.
fn assert_balance(b: &Value, entitled: f64, booked: f64, pending: f64, available: f64, what: &str) {
    assert_eq!(b["entitled"], json!(entitled), "{what}: entitled in {b}");
    assert_eq!(b["booked"], json!(booked), "{what}: booked in {b}");
    assert_eq!(b["pending"], json!(pending), "{what}: pending in {b}");
    assert_eq!(b["available"], json!(available), "{what}: available in {b}");
}

/// Files `body` as `token` and approves it as admin; the request's id.
async fn approved(app: &TestApp, token: &str, body: Value) -> Value {
    let r = request(app, token, body).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let id = r.body["id"].clone();
    let d = decide(app, &app.admin_token, &id, "approve", None).await;
    assert_eq!(d.status.as_u16(), 200, "{}", d.raw);
    id
}

/// Request `id` as the holder of `token`.
async fn get_request(app: &TestApp, token: &str, id: &Value) -> Reply {
    let path = format!("{REQUESTS}/{}", id.as_str().expect("request id"));
    call(app, token, "GET", &path, None).await
}

/// The counted dates of a request.
fn dates_of(r: &Value) -> Vec<&str> {
    r["dates"]
        .as_array()
        .expect("dates")
        .iter()
        .map(|d| d["date"].as_str().expect("date"))
        .collect()
}

/// The entries of `kind` in `employee`'s annual ledger of `year`.
async fn annual_entries(app: &TestApp, employee: &str, year: i32, kind: &str) -> Vec<Value> {
    let path = format!("/api/v1/leave/ledger?employee_id={employee}&leave_type=annual&year={year}");
    let l = call(app, &app.admin_token, "GET", &path, None).await;
    assert_eq!(l.status.as_u16(), 200, "{}", l.raw);
    l.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["kind"] == kind)
        .cloned()
        .collect()
}

#[actix_web::test]
async fn the_shipped_types_and_default_calendar_exist_and_hr_manages_types() {
    let app = spawn_app().await;
    let r = call(&app, &app.admin_token, "GET", "/api/v1/leave/types", None).await;
    let codes: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["annual", "sick", "unpaid"]);
    let annual = &r.body[0];
    assert_eq!(annual["allowance_days"], json!(20.0));
    assert_eq!(annual["approval"], "manager");
    assert_eq!(
        annual["carry_over"],
        json!({ "cap_days": 5.0, "expires": "03-31" })
    );
    assert_eq!(
        r.body[1]["approval"], "none",
        "sick leave is reported, not asked for"
    );

    let cals = call(
        &app,
        &app.admin_token,
        "GET",
        "/api/v1/leave/calendars",
        None,
    )
    .await;
    assert_eq!(cals.body.as_array().unwrap().len(), 1);
    assert_eq!(cals.body[0]["is_default"], true);
    assert_eq!(
        cals.body[0]["working_weekdays"],
        json!(["mon", "tue", "wed", "thu", "fri"])
    );

    // HR creates and patches a type; an employee may read but not write.
    let (_, hr) = app.account("hr", None).await;
    let body = json!({ "code": "study", "name": "Study leave", "allowance_days": 3.5, "approval": "hr", "min_notice_days": 14 });
    let r = call(&app, &hr, "POST", "/api/v1/leave/types", Some(&body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["allowance_days"], json!(3.5));
    let r = call(&app, &hr, "POST", "/api/v1/leave/types", Some(&body)).await;
    assert_error(&r, 409, "leave_type_exists");
    let r = call(
        &app,
        &hr,
        "PATCH",
        "/api/v1/leave/types/study",
        Some(&json!({ "allowance_days": 5, "max_consecutive_days": 3 })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["allowance_days"], json!(5.0));
    assert_eq!(r.body["max_consecutive_days"], json!(3));
    assert_eq!(
        r.body["min_notice_days"],
        json!(14),
        "untouched fields stay"
    );
    let r = call(
        &app,
        &hr,
        "PATCH",
        "/api/v1/leave/types/study",
        Some(&json!({ "allowance_days": 1.25 })),
    )
    .await;
    assert_error(&r, 422, "validation_failed");
    let r = call(
        &app,
        &hr,
        "PATCH",
        "/api/v1/leave/types/study",
        Some(&json!({ "allowance_days": null, "pro_rata": true })),
    )
    .await;
    assert_error(&r, 422, "requires_allowance");
    let emp = employee(&app, None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    assert_eq!(
        call(&app, &token, "GET", "/api/v1/leave/types/study", None)
            .await
            .status
            .as_u16(),
        200
    );
    let r = call(
        &app,
        &token,
        "PATCH",
        "/api/v1/leave/types/study",
        Some(&json!({ "allowance_days": 30 })),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    let r = call(&app, &token, "GET", "/api/v1/leave/types/nope", None).await;
    assert_error(&r, 404, "leave_type_not_found");
}

#[actix_web::test]
async fn requests_are_refused_with_their_codes_and_change_nothing() {
    let app = spawn_app().await;
    let emp = employee(&app, None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let cases = [
        (annual("2028-02-11", "2028-02-10"), 422, "invalid_range"),
        (annual("2028-02-12", "2028-02-13"), 422, "no_working_days"),
        (
            json!({ "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-08", "start_part": "am" }),
            422,
            "invalid_day_part",
        ),
        (
            json!({ "leave_type": "holiday", "start_date": "2028-02-07", "end_date": "2028-02-08" }),
            422,
            "unknown_leave_type",
        ),
        (
            annual("2020-02-03", "2020-02-04"),
            422,
            "past_dates_not_allowed",
        ),
        (
            annual("2019-06-03", "2019-06-04"),
            422,
            "outside_employment",
        ),
        (
            annual("2028-06-05", "2028-07-28"),
            422,
            "insufficient_balance",
        ),
        (
            json!({ "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-07", "note": "x".repeat(2001) }),
            422,
            "note_too_long",
        ),
        (
            json!({ "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-07", "note": "\u{200B}" }),
            422,
            "invalid_text",
        ),
        (
            json!({ "leave_type": "annual", "start_date": "2028-02-07" }),
            400,
            "invalid_body",
        ),
    ];
    for (body, status, code) in cases {
        let r = request(&app, &token, body.clone()).await;
        assert_error(&r, status, code);
    }
    // Someone else's leave: only HR files it.
    let other = employee(&app, None).await;
    let r = request(&app, &token, json!({ "employee_id": other, "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-07" })).await;
    assert_error(&r, 404, "employee_not_found");
    let list = call(&app, &app.admin_token, "GET", REQUESTS, None).await;
    assert_eq!(list.body["total"], 0, "nothing was created: {}", list.raw);
    let b = annual_balance(&app, &emp, 2028, None).await;
    assert_balance(&b, 20.0, 0.0, 0.0, 20.0, "untouched");

    // A preview shows every problem without creating anything.
    let r = call(
        &app,
        &token,
        "POST",
        &format!("{REQUESTS}/preview"),
        Some(&annual("2028-06-05", "2028-07-28")),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["days"], json!(40.0));
    assert_eq!(r.body["problems"][0]["code"], "insufficient_balance");
    // A weekend: 0 days, and the verdict filing would give.
    let r = call(
        &app,
        &token,
        "POST",
        &format!("{REQUESTS}/preview"),
        Some(&annual("2028-02-12", "2028-02-13")),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["allowed"], false);
    assert_eq!(r.body["days"], json!(0.0));
    assert_eq!(
        r.body["problems"][0]["code"], "no_working_days",
        "{}",
        r.raw
    );
    let list = call(&app, &app.admin_token, "GET", REQUESTS, None).await;
    assert_eq!(list.body["total"], 0);
}

#[actix_web::test]
async fn visibility_follows_the_reporting_chain_and_decisions_follow_the_route() {
    let app = spawn_app().await;
    let boss = employee(&app, None).await;
    let worker = employee(&app, Some(&boss)).await;
    let stranger_boss = employee(&app, None).await;
    let (_, boss_token) = app.account("manager", Some(&boss)).await;
    let (_, worker_token) = app.account("employee", Some(&worker)).await;
    let (_, stranger_token) = app.account("manager", Some(&stranger_boss)).await;
    let r = request(&app, &worker_token, annual("2028-02-07", "2028-02-08")).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let id = r.body["id"].clone();
    let path = format!("{REQUESTS}/{}", id.as_str().unwrap());

    // A manager outside the chain sees nothing; the manager and the worker do.
    assert_error(
        &call(&app, &stranger_token, "GET", &path, None).await,
        404,
        "leave_request_not_found",
    );
    assert_error(
        &decide(&app, &stranger_token, &id, "approve", None).await,
        404,
        "leave_request_not_found",
    );
    let theirs = call(&app, &stranger_token, "GET", REQUESTS, None).await;
    assert_eq!(theirs.body["total"], 0);
    let mine = call(
        &app,
        &boss_token,
        "GET",
        &format!("{REQUESTS}?employee_id={worker}"),
        None,
    )
    .await;
    assert_eq!(mine.body["total"], 1);
    let r = call(
        &app,
        &stranger_token,
        "GET",
        &format!("{BALANCES}?employee_id={worker}"),
        None,
    )
    .await;
    assert_error(&r, 404, "employee_not_found");

    // Nobody decides their own request; the manager does.
    assert_error(
        &decide(&app, &worker_token, &id, "approve", None).await,
        403,
        "cannot_decide_own_request",
    );
    let r = decide(&app, &boss_token, &id, "approve", None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["status"], "approved");
    assert_error(
        &decide(&app, &boss_token, &id, "approve", None).await,
        409,
        "request_not_pending",
    );

    // Manager then HR: the manager's step reports pending_hr; only HR finishes it.
    let (_, hr) = app.account("hr", None).await;
    let r = call(
        &app,
        &hr,
        "PATCH",
        "/api/v1/leave/types/annual",
        Some(&json!({ "approval": "manager_then_hr" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = request(&app, &worker_token, annual("2028-03-06", "2028-03-06")).await;
    let id = r.body["id"].clone();
    assert_eq!(r.body["awaiting"], "manager");
    let r = decide(&app, &boss_token, &id, "approve", None).await;
    assert_eq!(r.body["status"], "pending_hr", "{}", r.raw);
    assert_eq!(r.body["awaiting"], "hr");
    assert_error(
        &decide(&app, &boss_token, &id, "approve", None).await,
        403,
        "not_allowed_to_decide",
    );
    let r = decide(
        &app,
        &hr,
        &id,
        "reject",
        Some(json!({ "reason": "team offsite" })),
    )
    .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.raw);
    assert_eq!(r.body["rejection_reason"], "team offsite");
    assert_error(
        &decide(&app, &hr, &id, "approve", None).await,
        409,
        "request_final",
    );
    assert_error(
        &decide(&app, &hr, &id, "cancel", None).await,
        409,
        "request_final",
    );
    let r = decide(
        &app,
        &hr,
        &json!("0193a2b4-0000-7000-8000-000000000000"),
        "approve",
        None,
    )
    .await;
    assert_error(&r, 404, "leave_request_not_found");
}

#[actix_web::test]
async fn terminating_an_employee_cancels_their_pending_and_future_leave_and_gives_the_days_back() {
    let app = spawn_app().await;
    let emp = employee(&app, None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let pending = request(&app, &token, annual("2027-03-01", "2027-03-02")).await;
    assert_eq!(pending.status.as_u16(), 201, "{}", pending.raw);
    let approved = request(&app, &token, annual("2027-03-08", "2027-03-10")).await;
    let r = decide(
        &app,
        &app.admin_token,
        &approved.body["id"],
        "approve",
        None,
    )
    .await;
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    assert_balance(
        &annual_balance(&app, &emp, 2027, None).await,
        20.0,
        3.0,
        2.0,
        15.0,
        "before",
    );

    let today = chrono::Utc::now().date_naive().to_string();
    let r = app
        .delete(&format!("/api/v1/employees/{emp}?termination_date={today}"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    // The leave module hears of it through its subscription.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let list = call(
            &app,
            &app.admin_token,
            "GET",
            &format!("{REQUESTS}?employee_id={emp}&status=cancelled"),
            None,
        )
        .await;
        if list.body["total"] == 2 {
            for r in list.body["items"].as_array().unwrap() {
                assert_eq!(r["cancelled_by"], "system");
                assert_eq!(r["held_days"], json!(0.0));
            }
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not cancelled: {}",
            list.raw
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let b = annual_balance(&app, &emp, 2027, None).await;
    assert_eq!(b["booked"], json!(0.0), "{b}");
    assert_eq!(b["pending"], json!(0.0), "{b}");
    // No leave after the last day of employment can be asked for.
    let r = request(&app, &app.admin_token, json!({ "employee_id": emp, "leave_type": "unpaid", "start_date": "2027-04-05", "end_date": "2027-04-05" })).await;
    assert_error(&r, 422, "employee_terminated");
}

#[actix_web::test]
async fn the_ledger_accounts_from_the_configured_go_live_year() {
    let year = chrono::Utc::now().date_naive().year();
    let last = (year - 1).to_string();
    let app = spawn_app_with(&[("LEAVE_ACCOUNTING_FROM", last.as_str())]).await;
    let emp = employee(&app, None).await;
    // Last year is accounted for: its grant is known (an opening balance would be an
    // adjustment in it), and leave in it may be booked by HR.
    let b = annual_balance(&app, &emp, year - 1, None).await;
    assert_eq!(b["entitled"], json!(20.0), "{b}");
    let r = call(&app, &app.admin_token, "POST", "/api/v1/leave/adjustments", Some(&json!({ "employee_id": emp, "leave_type": "annual", "days": 3, "reason": "opening balance", "leave_year": year - 1 }))).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    // The year before is not.
    let r = call(&app, &app.admin_token, "POST", "/api/v1/leave/adjustments", Some(&json!({ "employee_id": emp, "leave_type": "annual", "days": 3, "reason": "opening balance", "leave_year": year - 2 }))).await;
    assert_error(&r, 422, "year_not_accounted");
}

/// Replaces the default calendar's holidays (`[(date, name)]`) as HR.
async fn set_default_holidays(app: &TestApp, holidays: &[&str]) {
    let cals = call(
        app,
        &app.admin_token,
        "GET",
        "/api/v1/leave/calendars",
        None,
    )
    .await;
    let cal_id = cals.body[0]["id"].as_str().unwrap().to_owned();
    let list: Vec<Value> = holidays
        .iter()
        .map(|d| json!({ "date": d, "name": "Public holiday" }))
        .collect();
    let r = call(
        app,
        &app.admin_token,
        "PATCH",
        &format!("/api/v1/leave/calendars/{cal_id}"),
        Some(&json!({ "holidays": list })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
}

/// The distinct events of type `t` among outbox rows (an event has one row per
/// destination), as (event id, key).
fn distinct_events(
    rows: &[crate::support::outbox::OutboxRecord],
    t: &str,
) -> std::collections::BTreeSet<(String, String)> {
    rows.iter()
        .filter(|r| r.event_type == t)
        .map(|r| (r.event_id.clone(), r.aggregate_id.clone()))
        .collect()
}

#[actix_web::test]
async fn a_public_holiday_declared_after_the_leave_was_booked_is_not_counted_as_leave() {
    let app = spawn_app().await;
    let boss = employee(&app, None).await;
    let emp = employee(&app, Some(&boss)).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    // Monday 6 to Friday 10 March 2028, approved; the next week pending.
    let id = approved(&app, &token, annual("2028-03-06", "2028-03-10")).await;
    let pending = request(&app, &token, annual("2028-03-13", "2028-03-17")).await;
    assert_eq!(pending.status.as_u16(), 201, "{}", pending.raw);
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        5.0,
        5.0,
        10.0,
        "booked",
    );

    // HR enters two public holidays, one in each week: each request gives its day back.
    set_default_holidays(&app, &["2028-03-08", "2028-03-14"]).await;
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        4.0,
        4.0,
        12.0,
        "after the holidays",
    );
    let r = get_request(&app, &token, &id).await;
    assert_eq!(r.body["days"], json!(4.0), "{}", r.raw);
    assert_eq!(r.body["held_days"], json!(4.0), "{}", r.raw);
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    assert_eq!(
        r.body["version"],
        json!(3),
        "filed, approved, then recounted: {}",
        r.raw
    );
    assert_eq!(
        dates_of(&r.body),
        ["2028-03-06", "2028-03-07", "2028-03-09", "2028-03-10"]
    );
    // The ledger says why: a reversal of the holiday, tied to the request.
    let reversals = annual_entries(&app, &emp, 2028, "reversal").await;
    assert_eq!(reversals.len(), 1, "{reversals:?}");
    assert_eq!(reversals[0]["effective_date"], "2028-03-08");
    assert_eq!(reversals[0]["days"], json!(1.0));
    assert_eq!(reversals[0]["request_id"], id);

    // The first holiday was a mistake: taking it out counts the day again.
    set_default_holidays(&app, &["2028-03-14"]).await;
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        5.0,
        4.0,
        11.0,
        "the holiday removed",
    );

    // A Monday-to-Thursday calendar of their own: both Fridays are not leave any more.
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/calendars",
        Some(&json!({ "name": "Four-day week", "working_weekdays": ["mon", "tue", "wed", "thu"] })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let four = r.body["id"].clone();
    let r = call(
        &app,
        &app.admin_token,
        "PUT",
        &format!("/api/v1/leave/employees/{emp}/calendar"),
        Some(&json!({ "calendar_id": four })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // The new calendar has no holiday on the 14th: the pending week counts Monday to Thursday.
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        4.0,
        4.0,
        12.0,
        "on the four-day calendar",
    );
    // Five recounts (two, one, two), each once (Kafka is off: the rows are compliance's).
    let rows = app
        .wait_for_all_outbox(
            std::time::Duration::from_secs(5),
            "the recount events",
            |rows| distinct_events(rows, "LEAVE_RECOUNTED").len() == 5,
        )
        .await;
    assert!(
        distinct_events(&rows, "LEAVE_RECOUNTED")
            .iter()
            .all(|(_, key)| *key == emp),
        "keyed by the employee"
    );
}

#[actix_web::test]
async fn sickness_during_annual_leave_gives_the_annual_days_back() {
    let app = spawn_app().await;
    let boss = employee(&app, None).await;
    let emp = employee(&app, Some(&boss)).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let week_id = approved(&app, &token, annual("2028-03-06", "2028-03-10")).await;
    let single = request(&app, &token, annual("2028-03-20", "2028-03-20")).await;
    assert_eq!(single.status.as_u16(), 201, "{}", single.raw);
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        5.0,
        1.0,
        14.0,
        "booked",
    );

    // Ill on Wednesday and Thursday of the holiday week: reported as sick leave, which
    // is no overlap; the two days go back to the annual balance (C-78/11 ANGED).
    let sick = request(
        &app,
        &token,
        json!({ "leave_type": "sick", "start_date": "2028-03-08", "end_date": "2028-03-09" }),
    )
    .await;
    assert_eq!(sick.status.as_u16(), 201, "{}", sick.raw);
    assert_eq!(sick.body["status"], "approved", "{}", sick.raw);
    assert_eq!(sick.body["days"], json!(2.0));
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        3.0,
        1.0,
        16.0,
        "after the sickness",
    );
    let r = get_request(&app, &token, &week_id).await;
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    assert_eq!(r.body["days"], json!(3.0), "{}", r.raw);
    assert_eq!(
        dates_of(&r.body),
        ["2028-03-06", "2028-03-07", "2028-03-10"]
    );
    let reversals = annual_entries(&app, &emp, 2028, "reversal").await;
    assert_eq!(reversals.len(), 2, "one per date given back: {reversals:?}");
    assert!(
        reversals.iter().all(|e| e["request_id"] == week_id),
        "{reversals:?}"
    );

    // Leave without a balance is not interrupted: sickness over unpaid leave overlaps.
    let unpaid = request(&app, &app.admin_token, json!({ "employee_id": emp, "leave_type": "unpaid", "start_date": "2028-04-03", "end_date": "2028-04-03" })).await;
    assert_eq!(unpaid.status.as_u16(), 201, "{}", unpaid.raw);
    let r = request(
        &app,
        &token,
        json!({ "leave_type": "sick", "start_date": "2028-04-03", "end_date": "2028-04-03" }),
    )
    .await;
    assert_error(&r, 409, "overlapping_request");
    // Nor may annual leave be asked for over sick days.
    let r = request(&app, &token, annual("2028-03-09", "2028-03-09")).await;
    assert_error(&r, 409, "overlapping_request");

    // Sick on the one day of a pending request: nothing is left of it, so it is cancelled.
    let r = request(
        &app,
        &token,
        json!({ "leave_type": "sick", "start_date": "2028-03-20", "end_date": "2028-03-20" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let r = get_request(&app, &token, &single.body["id"]).await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.raw);
    assert_eq!(r.body["cancelled_by"], "system", "{}", r.raw);
    assert_eq!(r.body["held_days"], json!(0.0), "{}", r.raw);
    assert_balance(
        &annual_balance(&app, &emp, 2028, None).await,
        20.0,
        3.0,
        0.0,
        17.0,
        "the pending day interrupted",
    );
    let rows = app
        .wait_for_all_outbox(
            std::time::Duration::from_secs(5),
            "the interruption events",
            |rows| distinct_events(rows, "LEAVE_CANCELLED").len() == 1,
        )
        .await;
    assert_eq!(
        distinct_events(&rows, "LEAVE_RECOUNTED").len(),
        1,
        "the week was recounted once"
    );
}

/// The pro-rata annual grant (20 days) of `year` for an employment from `hire`:
/// the employed share of the year's days, rounded to the nearest half day.
fn pro_rata_days(hire: chrono::NaiveDate, year: i32) -> f64 {
    let first = chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap();
    let next = chrono::NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap();
    let len = (next - first).num_days();
    let employed = (next - hire.max(first)).num_days().clamp(0, len);
    ((80 * employed + len) / (2 * len)) as f64 / 2.0
}

#[actix_web::test]
async fn a_corrected_hire_date_corrects_the_recorded_pro_rata_grant() {
    let app = spawn_app().await;
    let year = chrono::Utc::now().date_naive().year();
    let date = |m: u32, d: u32| chrono::NaiveDate::from_ymd_opt(year, m, d).unwrap();
    let emp = app
        .create_employee(json!({ "name": "Worker", "age": 30, "hire_date": date(7, 1), "time_zone": "Europe/Berlin" }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The hire's grant is recorded at once (the leave-hires subscription). Waits
    // until the grant entries of the year add up to `want` days; they are returned.
    let wait_for_grants = |want: f64| {
        let (app, emp) = (&app, &emp);
        async move {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
            loop {
                let grants = annual_entries(app, emp, year, "grant").await;
                if grants
                    .iter()
                    .map(|e| e["days"].as_f64().unwrap())
                    .sum::<f64>()
                    == want
                {
                    return grants;
                }
                assert!(
                    std::time::Instant::now() < deadline,
                    "grants never became {want}: {grants:?}"
                );
                actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    wait_for_grants(pro_rata_days(date(7, 1), year)).await;

    // The hire date was entered wrong: it was 1 April. The recorded grant follows.
    let r = app
        .patch_json(
            &format!("/api/v1/employees/{emp}"),
            &json!({ "hire_date": date(4, 1) }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let earlier = pro_rata_days(date(4, 1), year);
    assert!(earlier > pro_rata_days(date(7, 1), year));
    let entries = wait_for_grants(earlier).await;
    assert_eq!(
        entries.len(),
        2,
        "the first grant stays, a correction is added: {entries:?}"
    );
    assert!(
        entries.iter().all(|e| e["created_by"] == "system"),
        "{entries:?}"
    );
    assert_eq!(
        annual_balance(&app, &emp, year, None).await["entitled"],
        json!(earlier)
    );

    // And later than first thought: the grant shrinks. A change of another field
    // writes nothing (the entries are counted after the next correction).
    let r = app
        .patch_json(
            &format!("/api/v1/employees/{emp}"),
            &json!({ "position": "Engineer" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = app
        .patch_json(
            &format!("/api/v1/employees/{emp}"),
            &json!({ "hire_date": date(10, 1) }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let later = pro_rata_days(date(10, 1), year);
    let entries = wait_for_grants(later).await;
    assert_eq!(entries.len(), 3, "{entries:?}");
    assert_eq!(
        annual_balance(&app, &emp, year, None).await["entitled"],
        json!(later)
    );
}

#[actix_web::test]
async fn the_spellings_clients_send_and_missing_reasons_get_the_answers_hr_expects() {
    let app = spawn_app().await;
    let boss = employee(&app, None).await;
    let emp = employee(&app, Some(&boss)).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let (_, boss_t) = app.account("manager", Some(&boss)).await;

    // A half-day holiday sent as a flag is the afternoon off.
    let cals = call(
        &app,
        &app.admin_token,
        "GET",
        "/api/v1/leave/calendars",
        None,
    )
    .await;
    let cal_id = cals.body[0]["id"].as_str().unwrap().to_owned();
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        &format!("/api/v1/leave/calendars/{cal_id}"),
        Some(&json!({ "holidays": [{ "date": "2028-12-29", "name": "Year-end afternoon", "half_day": true }] })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["holidays"][0]["part"], "pm", "{}", r.raw);

    // `type` names the leave type as well as `leave_type`; the holiday's
    // afternoon does not count.
    let r = request(
        &app,
        &token,
        json!({ "type": "annual", "start_date": "2028-12-28", "end_date": "2028-12-29" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["days"], json!(1.5), "{}", r.raw);
    let id = r.body["id"].clone();

    // A rejection without a body, or without a reason, is 422 and changes nothing.
    let r = decide(&app, &boss_t, &id, "reject", None).await;
    assert_error(&r, 422, "reason_required");
    let r = decide(&app, &boss_t, &id, "reject", Some(json!({}))).await;
    assert_error(&r, 422, "reason_required");
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{REQUESTS}/{}", id.as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!(r.body["status"], "pending", "{}", r.raw);

    // A list range that ends before it starts is 422, not an empty page.
    let r = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("{REQUESTS}?from=2028-12-31&to=2028-12-01"),
        None,
    )
    .await;
    assert_error(&r, 422, "invalid_range");
}

#[actix_web::test]
async fn a_merge_patch_of_the_carry_over_may_name_the_expiry_alone() {
    let app = spawn_app().await;
    let (_, hr) = app.account("hr", None).await;
    let path = "/api/v1/leave/types/annual";
    let r = call(
        &app,
        &hr,
        "PATCH",
        path,
        Some(&json!({ "carry_over": { "cap_days": 5, "expires": "03-31" } })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    // The expiry cleared, the cap kept (RFC 7396 merges nested objects).
    let r = call(
        &app,
        &hr,
        "PATCH",
        path,
        Some(&json!({ "carry_over": { "expires": null } })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(
        r.body["carry_over"],
        json!({ "cap_days": 5.0, "expires": null }),
        "{}",
        r.raw
    );
    // No carry-over yet: an expiry alone means a cap of 0 days.
    let r = call(
        &app,
        &hr,
        "PATCH",
        path,
        Some(&json!({ "carry_over": null })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = call(
        &app,
        &hr,
        "PATCH",
        path,
        Some(&json!({ "carry_over": { "expires": "03-31" } })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(
        r.body["carry_over"],
        json!({ "cap_days": 0.0, "expires": "03-31" }),
        "{}",
        r.raw
    );
}

#[actix_web::test]
async fn nested_objects_sent_as_arrays_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let (_, hr) = app.account("hr", None).await;
    let path = "/api/v1/leave/types/annual";
    let before = call(&app, &hr, "GET", path, None).await;
    // serde reads a struct from an array, field by field: `[]` would be a
    // carry-over of 0 days that never expire, `[3, "03-31"]` one of 3 days.
    for carry_over in [json!([]), json!([3, "03-31"])] {
        let r = call(
            &app,
            &hr,
            "PATCH",
            path,
            Some(&json!({ "carry_over": carry_over })),
        )
        .await;
        assert_error(&r, 422, "validation_failed");
    }
    let r = call(
        &app,
        &hr,
        "POST",
        "/api/v1/leave/types",
        Some(&json!({ "code": "study", "name": "Study", "allowance_days": 5, "carry_over": [] })),
    )
    .await;
    assert_error(&r, 400, "invalid_body");
    let after = call(&app, &hr, "GET", path, None).await;
    assert_eq!(after.body, before.body, "the type is unchanged");
    let r = call(&app, &hr, "GET", "/api/v1/leave/types/study", None).await;
    assert_eq!(r.status.as_u16(), 404, "{}", r.raw);

    let calendar = json!({ "name": "Lisbon", "holidays": [["2028-06-10", "Portugal Day"]] });
    let r = call(
        &app,
        &hr,
        "POST",
        "/api/v1/leave/calendars",
        Some(&calendar),
    )
    .await;
    assert_error(&r, 400, "invalid_body");
    let listed = call(&app, &hr, "GET", "/api/v1/leave/calendars", None).await;
    assert!(!listed.raw.contains("Lisbon"), "{}", listed.raw);
}

#[actix_web::test]
async fn a_decision_nobody_may_take_is_refused_for_that_before_its_reason_is_read() {
    let app = spawn_app().await;
    let boss = employee(&app, None).await;
    let worker = employee(&app, Some(&boss)).await;
    let (_, boss_token) = app.account("manager", Some(&boss)).await;
    let (_, worker_token) = app.account("employee", Some(&worker)).await;
    let r = request(&app, &worker_token, annual("2028-03-06", "2028-03-07")).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let id = r.body["id"].clone();
    // One's own request: 403, with or without a reason.
    for body in [
        None,
        Some(json!({ "reason": "" })),
        Some(json!({ "reason": "no" })),
    ] {
        assert_error(
            &decide(&app, &worker_token, &id, "reject", body).await,
            403,
            "cannot_decide_own_request",
        );
    }
    // The manager must give a reason.
    assert_error(
        &decide(&app, &boss_token, &id, "reject", None).await,
        422,
        "reason_required",
    );
    let r = decide(
        &app,
        &boss_token,
        &id,
        "reject",
        Some(json!({ "reason": "Busy week" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["status"], "rejected");
    // A final request: 409, whatever the body.
    for body in [None, Some(json!({ "reason": "again" }))] {
        assert_error(
            &decide(&app, &boss_token, &id, "reject", body).await,
            409,
            "request_final",
        );
    }
    assert_error(
        &decide(
            &app,
            &app.admin_token,
            &id,
            "cancel",
            Some(json!({ "reason": "x".repeat(2001) })),
        )
        .await,
        409,
        "request_final",
    );
    let r = get_request(&app, &app.admin_token, &id).await;
    assert_eq!(r.body["status"], "rejected");
    assert_eq!(
        r.body["version"], 2,
        "nothing changed after the rejection: {}",
        r.raw
    );
}
