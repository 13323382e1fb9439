//! Summaries per local day and ISO week, night shifts and daylight saving.

use super::*;

async fn summary(app: &TestApp, emp: &str, from: &str, to: &str) -> Value {
    let r = call(
        app,
        &app.admin_token,
        "GET",
        &format!("/api/v1/attendance/summary?employee_id={emp}&from={from}&to={to}"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    r.body
}

fn day<'a>(s: &'a Value, date: &str) -> &'a Value {
    s["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("no {date} in {s}"))
}

fn hours<'a>(s: &'a Value, date: &str) -> &'a Value {
    s["hours_by_date"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == date)
        .unwrap_or_else(|| panic!("no {date} in {s}"))
}

#[actix_web::test]
async fn a_night_shift_belongs_to_the_day_it_started_and_its_hours_are_split_at_midnight() {
    let app = spawn_app().await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    // 2026-11-05 22:00 to 2026-11-06 06:00 in Berlin (CET, UTC+1).
    assert_eq!(
        manual(&app, &emp, "2026-11-05T21:00:00Z", "2026-11-06T05:00:00Z")
            .await
            .status
            .as_u16(),
        201
    );
    // A morning record and one after a break on the 5th.
    assert_eq!(
        manual(&app, &emp, "2026-11-05T07:00:00Z", "2026-11-05T11:00:00Z")
            .await
            .status
            .as_u16(),
        201
    );
    let s = summary(&app, &emp, "2026-11-05", "2026-11-06").await;
    assert_eq!(s["time_zone"], "Europe/Berlin");
    let d5 = day(&s, "2026-11-05");
    assert_eq!(d5["records"], 2);
    assert_eq!(d5["worked_seconds"], 12 * 3600);
    assert_eq!(d5["break_seconds"], 10 * 3600);
    assert_eq!(day(&s, "2026-11-06")["worked_seconds"], 0);
    assert_eq!(hours(&s, "2026-11-05")["worked_seconds"], 6 * 3600);
    assert_eq!(hours(&s, "2026-11-06")["worked_seconds"], 6 * 3600);
    let week = &s["weeks"][0];
    assert_eq!(week["week"], "2026-W45");
    assert_eq!(week["worked_seconds"], 12 * 3600);
}

#[actix_web::test]
async fn a_night_shift_across_the_spring_daylight_saving_change_counts_its_real_hours() {
    let app = spawn_app().await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    // 2026-03-28 22:00 CET to 2026-03-29 06:00 CEST: the clocks skip 02:00-03:00.
    let r = manual(&app, &emp, "2026-03-28T21:00:00Z", "2026-03-29T04:00:00Z").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["elapsed_seconds"], 7 * 3600);
    assert_eq!(r.body["local_date"], "2026-03-28");
    let s = summary(&app, &emp, "2026-03-28", "2026-03-29").await;
    assert_eq!(day(&s, "2026-03-28")["worked_seconds"], 7 * 3600);
    assert_eq!(hours(&s, "2026-03-28")["worked_seconds"], 2 * 3600);
    assert_eq!(hours(&s, "2026-03-29")["worked_seconds"], 5 * 3600);
    // Saturday the 28th and Sunday the 29th are both in 2026-W13.
    assert_eq!(s["weeks"].as_array().unwrap().len(), 1);
    assert_eq!(s["weeks"][0]["week"], "2026-W13");
}

#[actix_web::test]
async fn an_open_check_in_shows_as_an_open_day() {
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
    let today = chrono::Utc::now().date_naive().to_string();
    let r = call(
        &app,
        &token,
        "GET",
        &format!("/api/v1/attendance/summary?employee_id={emp}&from={today}&to={today}"),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["days"][0]["open_record"], true);
    assert_eq!(r.body["days"][0]["missing_check_out"], false);
}
