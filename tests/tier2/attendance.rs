//! Scenario h: attendance through the real broker. A few employees check in
//! and out with their own accounts, get a manual record that HR corrects, ask
//! for a correction that HR approves, see the record voided, and have a period
//! locked and reopened; one lock for everyone is locked and reopened too.
//! Every committed event reaches its topic exactly once, in order per key
//! (the employee, or the lock for everyone), valid against its schema.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::broker::Broker;
use crate::harness::check::verify;
use crate::harness::consumer::TopicReader;
use crate::harness::postgres::Postgres;
use crate::harness::service::{base_env, Service, Target};
use crate::harness::{free_port, summary, wait_for_delivery, ALL_TOPICS};

const PASSWORD: &str = "tier two attendance password";

async fn call(
    client: &awc::Client,
    t: &Target,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let url = format!("{}{path}", t.base);
    let mut req = match method {
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

/// `call` that wants `status`; returns the body.
async fn ok(
    client: &awc::Client,
    t: &Target,
    method: &str,
    path: &str,
    body: Option<Value>,
    status: u16,
) -> Value {
    let (s, b) = call(client, t, method, path, body).await;
    assert_eq!(s, status, "{method} {path}: {b}");
    b
}

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn attendance_events_reach_the_attendance_topic_exactly_once_in_order_and_valid() {
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let svc = Service::start("h-attendance", "h", free_port(), &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);
    let admin = svc.target();
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();

    let everyone = ok(
        &client,
        &admin,
        "POST",
        "/api/v1/attendance/locks",
        Some(json!({ "from": "2026-08-01", "to": "2026-08-31" })),
        201,
    )
    .await;
    let mut employees = Vec::new();
    for i in 0..4 {
        let e = ok(&client, &admin, "POST", "/api/v1/employees", Some(json!({ "name": "Worker", "age": 30, "hire_date": "2020-01-01", "time_zone": "Europe/Berlin" })), 201).await;
        let emp = e["id"].as_str().unwrap().to_owned();
        let email = format!("worker-{i}-{}@hrms.test", uuid::Uuid::new_v4().simple());
        ok(&client, &admin, "POST", "/api/v1/users", Some(json!({ "email": email, "display_name": "Worker", "role": "employee", "employee_id": emp, "password": PASSWORD })), 201).await;
        let login = ok(
            &client,
            &Target {
                base: admin.base.clone(),
                token: None,
            },
            "POST",
            "/api/v1/auth/login",
            Some(json!({ "email": email, "password": PASSWORD })),
            200,
        )
        .await;
        let me = Target {
            base: admin.base.clone(),
            token: Some(login["access_token"].as_str().unwrap().to_owned()),
        };

        ok(
            &client,
            &me,
            "POST",
            "/api/v1/attendance/check-in",
            None,
            201,
        )
        .await;
        ok(
            &client,
            &me,
            "POST",
            "/api/v1/attendance/check-out",
            None,
            200,
        )
        .await;
        let rec = ok(&client, &admin, "POST", "/api/v1/attendance/records", Some(json!({ "employee_id": emp, "start": "2026-11-02T07:00:00Z", "end": "2026-11-02T11:00:00Z", "reason": "terminal broken" })), 201).await;
        let path = format!("/api/v1/attendance/records/{}", rec["id"].as_str().unwrap());
        ok(
            &client,
            &admin,
            "PATCH",
            &path,
            Some(json!({ "end": "2026-11-02T11:30:00Z", "reason": "left later" })),
            200,
        )
        .await;
        let q = ok(
            &client,
            &me,
            "POST",
            &format!("{path}/correction-requests"),
            Some(json!({ "start": "2026-11-02T06:45:00Z", "reason": "came earlier" })),
            201,
        )
        .await;
        let decided = ok(
            &client,
            &admin,
            "POST",
            &format!(
                "/api/v1/attendance/correction-requests/{}/approve",
                q["id"].as_str().unwrap()
            ),
            None,
            200,
        )
        .await;
        assert_eq!(decided["record"]["version"], 3, "{decided}");
        ok(
            &client,
            &admin,
            "POST",
            &format!("{path}/void"),
            Some(json!({ "reason": "duplicate of the check-in" })),
            200,
        )
        .await;
        let lock = ok(
            &client,
            &admin,
            "POST",
            "/api/v1/attendance/locks",
            Some(json!({ "from": "2026-09-01", "to": "2026-09-30", "employee_id": emp })),
            201,
        )
        .await;
        ok(
            &client,
            &admin,
            "POST",
            &format!(
                "/api/v1/attendance/locks/{}/reopen",
                lock["id"].as_str().unwrap()
            ),
            Some(json!({ "reason": "late sick note" })),
            200,
        )
        .await;
        employees.push(emp);
    }
    ok(
        &client,
        &admin,
        "POST",
        &format!(
            "/api/v1/attendance/locks/{}/reopen",
            everyone["id"].as_str().unwrap()
        ),
        Some(json!({ "reason": "payroll rerun" })),
        200,
    )
    .await;

    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let records = reader.records();
    let verdict = verify(&rows, &records);
    let attendance: Vec<_> = records
        .iter()
        .filter(|r| r.topic == "attendance-queue")
        .collect();
    summary(&format!(
        "tier2 h attendance: employees={} attendance_records={} {}",
        employees.len(),
        attendance.len(),
        verdict.counts()
    ));
    verdict.assert_exactly_once();
    // Per employee: marked (check-in), updated (check-out), marked (manual),
    // updated (correction, approved request, void), locked, reopened; and the
    // lock for everyone, locked and reopened.
    assert_eq!(
        attendance.len(),
        employees.len() * 8 + 2,
        "{}",
        verdict.counts()
    );
    let lock_key = everyone["id"].as_str().unwrap();
    for r in &attendance {
        assert!(
            employees.contains(&r.key) || r.key == lock_key,
            "keyed by the employee or the lock for everyone: {}",
            r.key
        );
    }
    let mut types: Vec<&str> = attendance
        .iter()
        .map(|r| r.value["event_type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    types.dedup();
    assert_eq!(
        types,
        [
            "ATTENDANCE_MARKED",
            "ATTENDANCE_PERIOD_LOCKED",
            "ATTENDANCE_PERIOD_REOPENED",
            "ATTENDANCE_UPDATED"
        ]
    );
}
