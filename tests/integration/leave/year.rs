//! A realistic leave year through the API, every balance asserted exactly. The
//! dates are in 2028/2029 so that they stay in the future for years to come;
//! the ledger accounts from the year the test database is created in, so 2028
//! starts with 5 days carried from 2027 (the cap; none of them used by 31 March
//! 2028 but 1 day, so 4 expire).

use super::*;

#[actix_web::test]
async fn a_year_of_requests_decisions_and_cancellations_keeps_every_balance_exact() {
    let app = spawn_app().await;
    // The default calendar gets the office's public holidays (a half day on 29 December).
    let cals = call(
        &app,
        &app.admin_token,
        "GET",
        "/api/v1/leave/calendars",
        None,
    )
    .await;
    let cal_id = cals.body[0]["id"].as_str().unwrap().to_owned();
    let holidays = json!({ "holidays": [
        { "date": "2028-05-01", "name": "Labour Day" },
        { "date": "2028-12-25", "name": "Christmas Day" },
        { "date": "2028-12-26", "name": "Boxing Day" },
        { "date": "2028-12-29", "name": "Year-end afternoon", "part": "pm" },
        { "date": "2029-01-01", "name": "New Year's Day" },
    ]});
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        &format!("/api/v1/leave/calendars/{cal_id}"),
        Some(&holidays),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["holidays"].as_array().unwrap().len(), 5);

    let boss = employee(&app, None).await;
    let ada = employee(&app, Some(&boss)).await;
    let other_boss = employee(&app, None).await;
    let (_, boss_t) = app.account("manager", Some(&boss)).await;
    let (_, ada_t) = app.account("employee", Some(&ada)).await;
    let (_, other_t) = app.account("manager", Some(&other_boss)).await;

    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        0.0,
        0.0,
        20.0,
        "granted without any job",
    );

    // Thursday to Tuesday: the weekend inside does not count.
    let feb = request(&app, &ada_t, annual("2028-02-10", "2028-02-15")).await;
    assert_eq!(feb.status.as_u16(), 201, "{}", feb.raw);
    assert_eq!(feb.body["days"], json!(4.0));
    assert_eq!(feb.body["status"], "pending");
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        0.0,
        4.0,
        16.0,
        "feb pending",
    );

    // Friday to Tuesday around Labour Day: 2 days.
    let may = request(&app, &ada_t, annual("2028-04-28", "2028-05-02")).await;
    assert_eq!(may.body["days"], json!(2.0), "{}", may.raw);
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        0.0,
        6.0,
        14.0,
        "may pending",
    );

    // An afternoon and a morning of one date do not overlap; a full day on it does.
    let pm = request(&app, &ada_t, json!({ "leave_type": "annual", "start_date": "2028-03-06", "end_date": "2028-03-06", "start_part": "pm", "end_part": "pm" })).await;
    assert_eq!(pm.body["days"], json!(0.5), "{}", pm.raw);
    let am = request(&app, &ada_t, json!({ "leave_type": "annual", "start_date": "2028-03-06", "end_date": "2028-03-06", "start_part": "am", "end_part": "am" })).await;
    assert_eq!(am.status.as_u16(), 201, "{}", am.raw);
    assert_error(
        &request(&app, &ada_t, annual("2028-03-06", "2028-03-06")).await,
        409,
        "overlapping_request",
    );
    assert_error(
        &request(&app, &ada_t, annual("2028-02-14", "2028-02-18")).await,
        409,
        "overlapping_request",
    );
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        0.0,
        7.0,
        13.0,
        "half days pending",
    );

    // More than is left (pending requests count) is refused.
    let r = request(&app, &ada_t, annual("2028-06-05", "2028-06-23")).await;
    assert_error(&r, 422, "insufficient_balance");

    // The wrong manager cannot even see it; the right one approves.
    assert_error(
        &decide(&app, &other_t, &feb.body["id"], "approve", None).await,
        404,
        "leave_request_not_found",
    );
    let r = decide(&app, &boss_t, &feb.body["id"], "approve", None).await;
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        4.0,
        3.0,
        13.0,
        "feb booked",
    );

    // Rejection frees the days.
    let r = decide(
        &app,
        &boss_t,
        &may.body["id"],
        "reject",
        Some(json!({ "reason": "busy season" })),
    )
    .await;
    assert_eq!(r.body["status"], "rejected", "{}", r.raw);
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        4.0,
        1.0,
        15.0,
        "may rejected",
    );
    assert_error(
        &decide(
            &app,
            &boss_t,
            &may.body["id"],
            "reject",
            Some(json!({ "reason": "again" })),
        )
        .await,
        409,
        "request_final",
    );

    // Across the year end, with Christmas, a half-day holiday and New Year inside:
    // 27, 28 and the morning of 29 December (2.5 days of 2028), 2 and 3 January (2 of 2029).
    let ye = request(&app, &ada_t, annual("2028-12-27", "2029-01-03")).await;
    assert_eq!(ye.status.as_u16(), 201, "{}", ye.raw);
    assert_eq!(ye.body["days"], json!(4.5));
    assert_eq!(
        ye.body["days_by_year"],
        json!([{ "leave_year": 2028, "days": 2.5 }, { "leave_year": 2029, "days": 2.0 }])
    );
    let r = decide(&app, &boss_t, &ye.body["id"], "approve", None).await;
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        6.5,
        1.0,
        12.5,
        "year end booked",
    );
    assert_balance(
        &annual_balance(&app, &ada, 2029, None).await,
        20.0,
        2.0,
        0.0,
        18.0,
        "2029 part booked",
    );

    // Cancelling approved leave that has not started restores the balance exactly.
    let r = decide(&app, &ada_t, &feb.body["id"], "cancel", None).await;
    assert_eq!(r.body["status"], "cancelled", "{}", r.raw);
    assert_eq!(r.body["held_days"], json!(0.0));
    assert_balance(
        &annual_balance(&app, &ada, 2028, None).await,
        20.0,
        2.5,
        1.0,
        16.5,
        "feb cancelled",
    );
    let ledger = call(
        &app,
        &app.admin_token,
        "GET",
        &format!("/api/v1/leave/ledger?employee_id={ada}&year=2028&limit=200"),
        None,
    )
    .await;
    let kinds: Vec<(&str, f64)> = ledger.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["days"].as_f64().unwrap()))
        .collect();
    let sum = |k: &str| {
        kinds
            .iter()
            .filter(|(kk, _)| *kk == k)
            .map(|(_, d)| d)
            .sum::<f64>()
    };
    assert_eq!(sum("consumption"), -6.5, "{kinds:?}");
    assert_eq!(sum("reversal"), 4.0, "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|(k, _)| *k == "reversal").count(),
        4,
        "one reversal per date"
    );

    // 2029 as of 10 January: 5 days carried from 2028 (the cap), 2 of them used by
    // the January days, so 3 will expire after 31 March unless used.
    let b = annual_balance(&app, &ada, 2029, Some("2029-01-10")).await;
    assert_eq!(b["carried_over"], json!(5.0), "{b}");
    assert_eq!(b["taken"], json!(2.0), "{b}");
    assert_eq!(b["available"], json!(23.0), "{b}");
    assert_eq!(
        b["expiring"],
        json!({ "days": 3.0, "date": "2029-03-31" }),
        "{b}"
    );
    assert_eq!(b["available_after_expiry"], json!(20.0), "{b}");
    let b = annual_balance(&app, &ada, 2029, Some("2029-04-01")).await;
    assert_eq!(b["expired"], json!(3.0), "{b}");
    assert_eq!(b["expiring"], Value::Null, "{b}");
    assert_eq!(b["available"], json!(20.0), "{b}");

    // 2028 as of 1 April: 5 carried in from 2027, only the two March halves
    // (pending) dated before the expiry: 4 expired.
    let b = annual_balance(&app, &ada, 2028, Some("2028-04-01")).await;
    assert_eq!(b["carried_over"], json!(5.0), "{b}");
    assert_eq!(b["expired"], json!(4.0), "{b}");
    assert_eq!(b["available"], json!(17.5), "{b}");

    // An HR adjustment moves the balance and is a ledger entry of its own.
    let (_, hr) = app.account("hr", None).await;
    let r = call(&app, &hr, "POST", "/api/v1/leave/adjustments", Some(&json!({ "employee_id": ada, "leave_type": "annual", "leave_year": 2028, "days": -1.5, "reason": "opening balance from the old system" }))).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    assert_eq!(r.body["kind"], "adjustment");
    let b = annual_balance(&app, &ada, 2028, None).await;
    assert_eq!(b["adjusted"], json!(-1.5), "{b}");
    assert_eq!(b["available"], json!(15.0), "{b}");
    let r = call(
        &app,
        &ada_t,
        "POST",
        "/api/v1/leave/adjustments",
        Some(
            &json!({ "employee_id": ada, "leave_type": "annual", "days": 10, "reason": "please" }),
        ),
    )
    .await;
    assert_error(&r, 403, "forbidden");

    // Sick leave is auto-approved and has no balance.
    let r = request(
        &app,
        &ada_t,
        json!({ "leave_type": "sick", "start_date": "2028-03-07", "end_date": "2028-03-07" }),
    )
    .await;
    assert_eq!(r.body["status"], "approved", "{}", r.raw);
    let all = call(&app, &ada_t, "GET", &format!("{BALANCES}?year=2028"), None).await;
    let sick = all.body["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["leave_type"] == "sick")
        .cloned()
        .unwrap();
    assert_eq!(sick["available"], Value::Null);
    assert_eq!(sick["booked"], json!(1.0));

    // The employee's own list, filtered.
    let mine = call(
        &app,
        &ada_t,
        "GET",
        &format!("{REQUESTS}?status=approved&from=2028-12-01"),
        None,
    )
    .await;
    assert_eq!(mine.body["total"], 1, "{}", mine.raw);
    assert_eq!(mine.body["items"][0]["id"], ye.body["id"]);
}
