//! Scenario g: leave through the real broker. A few employees file, have
//! approved, rejected and cancelled leave, and get an HR adjustment; every
//! committed event reaches its topic exactly once, in order per employee (the
//! key of every leave event), valid against its schema.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::broker::Broker;
use crate::harness::check::verify;
use crate::harness::consumer::TopicReader;
use crate::harness::postgres::Postgres;
use crate::harness::service::{base_env, Service, Target};
use crate::harness::{free_port, summary, wait_for_delivery, ALL_TOPICS};

async fn call(
    client: &awc::Client,
    t: &Target,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", t.base);
    let mut req = match method {
        "GET" => client.get(url),
        "PATCH" => client.patch(url),
        _ => client.post(url),
    };
    if let Some(token) = &t.token {
        req = req.insert_header(("authorization", format!("Bearer {token}")));
    }
    let mut res = match body {
        Some(b) => req.send_json(&b).await,
        None => req.send().await,
    }
    .expect("request");
    let status = res.status().as_u16();
    let body = res
        .json::<Value>()
        .limit(1 << 20)
        .await
        .unwrap_or(Value::Null);
    (status, body)
}

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn leave_events_reach_the_leave_topic_exactly_once_in_order_per_employee_and_valid() {
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let svc = Service::start("g-leave", "g", free_port(), &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);
    let t = svc.target();
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();

    let mut employees = Vec::new();
    for _ in 0..5 {
        let (s, e) = call(
            &client,
            &t,
            "POST",
            "/api/v1/employees",
            Some(json!({ "name": "Leaver", "age": 30, "hire_date": "2020-01-01" })),
        )
        .await;
        assert_eq!(s, 201, "{e}");
        employees.push(e["id"].as_str().unwrap().to_owned());
    }
    for (i, emp) in employees.iter().enumerate() {
        // Three requests a week apart: approve one, reject one, cancel one.
        let mut ids = Vec::new();
        for week in 0..3 {
            let day = chrono::NaiveDate::from_ymd_opt(2028, 2, 7).unwrap()
                + chrono::Duration::days(7 * week + i as i64 % 5);
            let body = json!({ "employee_id": emp, "leave_type": "annual", "start_date": day, "end_date": day });
            let (s, r) = call(&client, &t, "POST", "/api/v1/leave/requests", Some(body)).await;
            assert_eq!(s, 201, "{r}");
            ids.push(r["id"].as_str().unwrap().to_owned());
        }
        let (s, r) = call(
            &client,
            &t,
            "POST",
            &format!("/api/v1/leave/requests/{}/approve", ids[0]),
            None,
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = call(
            &client,
            &t,
            "POST",
            &format!("/api/v1/leave/requests/{}/reject", ids[1]),
            Some(json!({ "reason": "cover needed" })),
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = call(
            &client,
            &t,
            "POST",
            &format!("/api/v1/leave/requests/{}/cancel", ids[2]),
            None,
        )
        .await;
        assert_eq!(s, 200, "{r}");
        let (s, r) = call(&client, &t, "POST", "/api/v1/leave/adjustments", Some(json!({ "employee_id": emp, "leave_type": "annual", "days": 1, "reason": "long service" }))).await;
        assert_eq!(s, 201, "{r}");
        let (s, b) = call(
            &client,
            &t,
            "GET",
            &format!("/api/v1/leave/balances?employee_id={emp}&year=2028&leave_type=annual"),
            None,
        )
        .await;
        assert_eq!(s, 200, "{b}");
        assert_eq!(b["balances"][0]["booked"], json!(1.0), "{b}");
    }

    // A public holiday declared after a request was approved: the request is
    // recounted (LEAVE_RECOUNTED) and gives the day back.
    let emp0 = &employees[0];
    let body = json!({ "employee_id": emp0, "leave_type": "annual", "start_date": "2028-03-06", "end_date": "2028-03-07" });
    let (s, r) = call(&client, &t, "POST", "/api/v1/leave/requests", Some(body)).await;
    assert_eq!(s, 201, "{r}");
    let two_days = r["id"].as_str().unwrap().to_owned();
    let (s, r) = call(
        &client,
        &t,
        "POST",
        &format!("/api/v1/leave/requests/{two_days}/approve"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, cals) = call(&client, &t, "GET", "/api/v1/leave/calendars", None).await;
    assert_eq!(s, 200, "{cals}");
    let cal = cals[0]["id"].as_str().unwrap().to_owned();
    let holiday = json!({ "holidays": [{ "date": "2028-03-07", "name": "Declared holiday" }] });
    let (s, r) = call(
        &client,
        &t,
        "PATCH",
        &format!("/api/v1/leave/calendars/{cal}"),
        Some(holiday),
    )
    .await;
    assert_eq!(s, 200, "{r}");
    let (s, r) = call(
        &client,
        &t,
        "GET",
        &format!("/api/v1/leave/requests/{two_days}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["days"], json!(1.0), "{r}");

    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let records = reader.records();
    let verdict = verify(&rows, &records);
    let leave: Vec<_> = records
        .iter()
        .filter(|r| r.topic == "leave-queue")
        .collect();
    summary(&format!(
        "tier2 g leave: employees={} leave_records={} {}",
        employees.len(),
        leave.len(),
        verdict.counts()
    ));
    verdict.assert_exactly_once();
    // Per employee: 3 requested, approved, rejected, cancelled, the adjustment
    // and the current year's grant (settled by the first write); and the first
    // employee's two-day request: requested, approved, recounted.
    assert_eq!(leave.len(), employees.len() * 8 + 3, "{}", verdict.counts());
    let recounted: Vec<_> = leave
        .iter()
        .filter(|r| r.value["event_type"] == "LEAVE_RECOUNTED")
        .collect();
    assert_eq!(recounted.len(), 1, "{}", verdict.counts());
    assert_eq!(&recounted[0].key, emp0);
    assert_eq!(recounted[0].value["data"]["days_given_back"], json!(1.0));
    for r in &leave {
        assert!(
            employees.contains(&r.key),
            "keyed by the employee: {}",
            r.key
        );
    }
}
