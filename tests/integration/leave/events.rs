//! The leave events on the mock Kafka cluster: keyed by the employee, each
//! valid against its JSON Schema, with an audit entry per action, and never a
//! note or reason in them.

use std::time::Duration;

use crate::common::kafka::{consume, mock_cluster};
use crate::support::schemas::Validators;

use super::*;

#[actix_web::test]
async fn every_leave_change_reaches_kafka_keyed_by_the_employee_with_a_valid_schema() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let emp = employee(&app, None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let secret = "private medical appointment";
    let a = request(&app, &token, json!({ "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-08", "note": secret })).await;
    assert_eq!(a.status.as_u16(), 201, "{}", a.raw);
    let b = request(&app, &token, annual("2028-02-14", "2028-02-14")).await;
    let c = request(&app, &token, annual("2028-02-21", "2028-02-21")).await;
    assert_eq!(
        decide(&app, &app.admin_token, &a.body["id"], "approve", None)
            .await
            .status
            .as_u16(),
        200
    );
    assert_eq!(
        decide(
            &app,
            &app.admin_token,
            &b.body["id"],
            "reject",
            Some(json!({ "reason": secret }))
        )
        .await
        .status
        .as_u16(),
        200
    );
    assert_eq!(
        decide(
            &app,
            &token,
            &c.body["id"],
            "cancel",
            Some(json!({ "reason": secret }))
        )
        .await
        .status
        .as_u16(),
        200
    );
    let r = call(
        &app,
        &app.admin_token,
        "POST",
        "/api/v1/leave/adjustments",
        Some(&json!({ "employee_id": emp, "leave_type": "annual", "days": 2, "reason": secret })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);

    let b = bootstrap.clone();
    // Leave topic: the current year's grant (settled by the first write), 3
    // requested, approved, rejected, cancelled, adjusted (8). Audit topic: the
    // employee's and the account's creation, and 7 leave actions.
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(
            &b,
            &["leave-queue", "audit-queue"],
            17,
            Duration::from_secs(20),
        )
    })
    .await
    .expect("consumer");
    let leave: Vec<_> = records
        .iter()
        .filter(|r| r.topic == "leave-queue")
        .collect();
    let types: Vec<&str> = leave
        .iter()
        .map(|r| r.value["event_type"].as_str().unwrap())
        .collect();
    for t in [
        "LEAVE_REQUESTED",
        "LEAVE_APPROVED",
        "LEAVE_REJECTED",
        "LEAVE_CANCELLED",
        "LEAVE_BALANCE_ADJUSTED",
    ] {
        assert!(types.contains(&t), "{t} missing: {types:?}");
    }
    assert_eq!(
        types.iter().filter(|t| **t == "LEAVE_REQUESTED").count(),
        3,
        "{types:?}"
    );
    let audits: Vec<_> = records
        .iter()
        .filter(|r| r.value["event_type"] == "AUDIT_LEAVE_ACTION")
        .collect();
    assert_eq!(audits.len(), 7, "an audit per action: {records:#?}");
    assert_eq!(leave.len(), 8, "{types:?}");
    let mut validators = Validators::default();
    for r in leave.iter().chain(audits.iter()) {
        let t = r.value["event_type"].as_str().unwrap();
        assert_eq!(
            validators.errors(t, &r.value),
            Vec::<String>::new(),
            "{t}: {}",
            r.value
        );
        assert!(
            !r.value.to_string().contains(secret),
            "personal text leaked: {}",
            r.value
        );
    }
    for r in &leave {
        assert_eq!(r.key, emp, "leave events are keyed by the employee");
    }
    let approved = leave
        .iter()
        .find(|r| r.value["event_type"] == "LEAVE_APPROVED")
        .unwrap();
    assert_eq!(approved.value["data"]["days"], json!(2.0));
    let cancelled = leave
        .iter()
        .find(|r| r.value["event_type"] == "LEAVE_CANCELLED")
        .unwrap();
    assert_eq!(
        cancelled.value["data"]["days_given_back"],
        json!(0.0),
        "a pending request consumed nothing"
    );
}

#[actix_web::test]
async fn the_manager_hears_of_a_new_request_and_the_employee_of_the_decision_by_email() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        // Only leave's mails: filing records this year's grant, and in the last
        // quarter compliance would tell the employee of their unused leave too.
        ("COMPLIANCE_MODULE_ENABLED", "false"),
    ])
    .await;
    let boss = employee(&app, None).await;
    let emp = employee(&app, Some(&boss)).await;
    let (boss_account, boss_token) = app.account("manager", Some(&boss)).await;
    let (emp_account, token) = app.account("employee", Some(&emp)).await;
    let secret = "private medical appointment";
    let r = request(&app, &token, json!({ "leave_type": "annual", "start_date": "2028-02-07", "end_date": "2028-02-08", "note": secret })).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let r = decide(&app, &boss_token, &r.body["id"], "approve", None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(&b, &["notification-queue"], 4, Duration::from_secs(20))
    })
    .await
    .expect("consumer");
    let leave: Vec<_> = records
        .iter()
        .filter(|r| r.value["source"] == "leave")
        .collect();
    // Keyed by the recipient: different partitions, so compare in name order.
    let mut kinds: Vec<(&str, &str)> = leave
        .iter()
        .map(|r| {
            (
                r.value["notification_type"].as_str().unwrap(),
                r.value["recipient_user_id"].as_str().unwrap(),
            )
        })
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("leave_approved", emp_account["id"].as_str().unwrap()),
            ("leave_requested", boss_account["id"].as_str().unwrap()),
        ],
        "{records:#?}"
    );
    let mut validators = Validators::default();
    for r in &leave {
        assert_eq!(
            validators.errors("NOTIFICATION_EMAIL", &r.value),
            Vec::<String>::new(),
            "{}",
            r.value
        );
        assert!(
            !r.value.to_string().contains(secret),
            "the note leaked: {}",
            r.value
        );
    }
    let of = |kind: &str| {
        leave
            .iter()
            .find(|r| r.value["notification_type"] == kind)
            .unwrap()
    };
    assert_eq!(
        of("leave_requested").value["recipient_email"],
        boss_account["email"]
    );
    assert_eq!(
        of("leave_approved").value["recipient_email"],
        emp_account["email"]
    );
    assert_eq!(
        of("leave_approved").value["template_data"]["days"],
        json!(2.0)
    );
}

#[actix_web::test]
async fn the_hr_mailbox_hears_of_requests_only_hr_can_decide_now() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        ("COMPLIANCE_MODULE_ENABLED", "false"),
        ("LEAVE_HR_NOTIFY_EMAIL", "hr-leave@example.com"),
    ])
    .await;
    let boss = employee(&app, None).await;
    let emp = employee(&app, Some(&boss)).await;
    let loner = employee(&app, None).await;
    let (_, boss_token) = app.account("manager", Some(&boss)).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    let (_, loner_token) = app.account("employee", Some(&loner)).await;
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
    // With a manager: the manager is asked first, HR only after the manager's step.
    let first = request(&app, &token, annual("2028-02-07", "2028-02-07")).await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.raw);
    let r = decide(&app, &boss_token, &first.body["id"], "approve", None).await;
    assert_eq!(r.body["status"], "pending_hr", "{}", r.raw);
    // Without a manager: HR at once.
    let second = request(&app, &loner_token, annual("2028-02-14", "2028-02-14")).await;
    assert_eq!(second.status.as_u16(), 201, "{}", second.raw);

    // Four accounts created, the manager asked once, HR twice.
    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(&b, &["notification-queue"], 7, Duration::from_secs(20))
    })
    .await
    .expect("consumer");
    let mut to_hr: Vec<String> = records
        .iter()
        .filter(|r| {
            r.value["source"] == "leave" && r.value["recipient_email"] == "hr-leave@example.com"
        })
        .map(|r| {
            assert_eq!(
                r.value["notification_type"], "leave_awaiting_hr",
                "{}",
                r.value
            );
            assert!(
                r.value["recipient_user_id"].is_null(),
                "a mailbox, not an account: {}",
                r.value
            );
            r.value["template_data"]["request_id"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    to_hr.sort();
    let mut expected = vec![
        first.body["id"].as_str().unwrap().to_owned(),
        second.body["id"].as_str().unwrap().to_owned(),
    ];
    expected.sort();
    assert_eq!(to_hr, expected, "{records:#?}");
    let mut validators = Validators::default();
    for r in records
        .iter()
        .filter(|r| r.value["notification_type"] == "leave_awaiting_hr")
    {
        assert_eq!(
            validators.errors("NOTIFICATION_EMAIL", &r.value),
            Vec::<String>::new(),
            "{}",
            r.value
        );
    }
}

#[actix_web::test]
async fn a_recount_reaches_kafka_with_the_days_it_gave_back_and_a_valid_schema() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
    ])
    .await;
    let emp = employee(&app, None).await;
    let (_, token) = app.account("employee", Some(&emp)).await;
    approved(&app, &token, annual("2028-02-07", "2028-02-11")).await;
    set_default_holidays(&app, &["2028-02-09"]).await;

    // Leave topic: the current year's grant, requested, approved, recounted.
    let b = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(&b, &["leave-queue"], 4, Duration::from_secs(20))
    })
    .await
    .expect("consumer");
    let recounted: Vec<_> = records
        .iter()
        .filter(|r| r.value["event_type"] == "LEAVE_RECOUNTED")
        .collect();
    assert_eq!(recounted.len(), 1, "{records:#?}");
    let e = &recounted[0];
    assert_eq!(e.key, emp);
    assert_eq!(
        Validators::default().errors("LEAVE_RECOUNTED", &e.value),
        Vec::<String>::new(),
        "{}",
        e.value
    );
    assert_eq!(e.value["data"]["days_given_back"], json!(1.0));
    assert_eq!(e.value["data"]["days_added"], json!(0.0));
    assert_eq!(e.value["data"]["days"], json!(4.0));
    assert_eq!(e.value["data"]["status"], "approved");
    assert_eq!(e.value["data"]["cause"], "calendar_changed");
    assert_eq!(e.value["data"]["interrupted_by"], Value::Null);
}
