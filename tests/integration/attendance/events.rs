//! The attendance events on the mock Kafka cluster, keyed by the employee,
//! each valid against its JSON Schema.

use std::time::Duration;

use crate::common::kafka::{consume, mock_cluster};
use crate::support::schemas::Validators;

use super::*;

#[actix_web::test]
async fn every_attendance_write_reaches_kafka_keyed_by_the_employee_with_a_valid_schema() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let emp = employee(&app, "Europe/Berlin", None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    assert_eq!(
        call(&app, &token, "POST", CHECK_IN, None)
            .await
            .status
            .as_u16(),
        201
    );
    assert_eq!(
        call(&app, &token, "POST", CHECK_OUT, None)
            .await
            .status
            .as_u16(),
        200
    );
    let rec = manual(&app, &emp, "2026-11-02T08:00:00Z", "2026-11-02T12:00:00Z")
        .await
        .body;
    let path = record_path(&rec["id"]);
    let r = call(
        &app,
        &app.admin_token,
        "PATCH",
        &path,
        Some(&json!({ "end": "2026-11-02T12:30:00Z", "reason": "secret reason" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        &format!("{path}/void"),
        Some(&json!({ "reason": "secret reason" })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(
            &b,
            &["attendance-queue", "audit-queue"],
            12,
            Duration::from_secs(20),
        )
    })
    .await
    .expect("consumer");
    let attendance: Vec<_> = records
        .iter()
        .filter(|r| r.topic == "attendance-queue")
        .collect();
    let types: Vec<&str> = attendance
        .iter()
        .map(|r| r.value["event_type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 5, "{records:#?}");
    for t in ["ATTENDANCE_MARKED", "ATTENDANCE_UPDATED"] {
        assert!(types.contains(&t), "{types:?}");
    }
    let audits: Vec<_> = records
        .iter()
        .filter(|r| r.value["event_type"] == "AUDIT_ATTENDANCE_ACTION")
        .collect();
    assert_eq!(audits.len(), 5, "one audit per write: {records:#?}");
    let mut validators = Validators::default();
    for r in attendance.iter().chain(audits.iter()) {
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
    }
    for r in &attendance {
        assert_eq!(r.key, emp, "attendance events are keyed by the employee");
        assert_eq!(r.value["data"]["time_zone"], "Europe/Berlin");
        assert!(r.value["data"]["version"].as_i64().is_some());
    }
}
