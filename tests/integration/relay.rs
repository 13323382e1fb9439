//! The event backbone end to end: API write -> outbox -> relay -> librdkafka's
//! mock cluster (a real Kafka protocol peer in-process) or the HTTP fallback peer.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use hrms::relay::InjectFault;
use serde_json::json;

use crate::common::kafka::{consume, mock_cluster, Record};
use crate::common::peer::Peer;
use crate::common::*;

const WAIT: Duration = Duration::from_secs(30);

async fn read_topics(
    bootstrap: &str,
    topics: &'static [&'static str],
    expected: usize,
    timeout: Duration,
) -> Vec<Record> {
    let bootstrap = bootstrap.to_owned();
    actix_web::rt::task::spawn_blocking(move || consume(&bootstrap, topics, expected, timeout))
        .await
        .expect("consumer thread")
}

fn kafka_env<'a>(bootstrap: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap),
        ("HRMS_RELAY_CIRCUIT_OPEN_AFTER_SECS", "1"),
        ("HRMS_RELAY_CIRCUIT_PROBE_SECS", "1"),
        ("HRMS_RELAY_RETRY_INITIAL_MS", "100"),
        ("HRMS_RELAY_RETRY_MAX_MS", "500"),
        ("HRMS_RELAY_RESTART_INITIAL_MS", "100"),
        ("HRMS_RELAY_RESTART_MAX_MS", "1000"),
        // No leave module: the grants it records for each new employee would add
        // events to the exact sets these tests expect.
        ("LEAVE_MODULE_ENABLED", "false"),
    ];
    env.extend_from_slice(extra);
    env
}

fn count_by_id(records: &[Record]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for r in records {
        let id = r.value["event_id"].as_str().unwrap_or_default().to_owned();
        *counts.entry(id).or_insert(0) += 1;
    }
    counts
}

#[actix_web::test]
async fn a_committed_change_reaches_kafka_once_with_key_headers_and_a_valid_payload() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    let r = app
        .request(
            "POST",
            "/api/v1/employees",
            Some(("application/json", r#"{"name":"Ada","age":36}"#)),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let employee_id = r.body["id"].as_str().unwrap().to_owned();
    let request_id = r.request_id.clone().unwrap();

    let outbox = app
        .wait_for_outbox(WAIT, "both events delivered", |rows| {
            rows.len() == 2 && rows.iter().all(|r| r.delivered)
        })
        .await;
    assert!(outbox
        .iter()
        .all(|r| r.transport.as_deref() == Some("kafka")));

    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        3,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(
        records.len(),
        2,
        "exactly the two events, once each: {records:#?}"
    );
    let created = records
        .iter()
        .find(|r| r.topic == "employee-queue")
        .expect("employee event");
    let audit = records
        .iter()
        .find(|r| r.topic == "audit-queue")
        .expect("audit event");
    assert_eq!(created.key, employee_id);
    assert_eq!(audit.key, employee_id);
    assert_eq!(created.value["event_type"], "EMPLOYEE_CREATED");
    assert_eq!(created.value["data"]["id"], employee_id.as_str());
    assert_eq!(created.value["correlation_id"], request_id.as_str());
    assert_eq!(audit.value["event_type"], "AUDIT_EMPLOYEE_ACTION");
    assert_eq!(audit.value["action"], "employee.create");
    for rec in [created, audit] {
        let id = rec.value["event_id"].as_str().unwrap();
        assert!(outbox.iter().any(|o| o.event_id == id));
        assert_eq!(rec.headers["ce_id"], id);
        assert_eq!(
            rec.headers["ce_type"],
            rec.value["event_type"].as_str().unwrap()
        );
        assert_eq!(rec.headers["ce_source"], "/hrms/employee");
        assert_eq!(rec.headers["ce_specversion"], "1.0");
        assert!(rec.headers["ce_time"].ends_with('Z'));
        assert_eq!(rec.headers["content-type"], "application/json");
        assert!(rec.headers["traceparent"].starts_with("00-"));
    }
}

#[actix_web::test]
async fn a_rolled_back_change_publishes_nothing() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    app.create_employee(json!({"name": "Ada", "age": 36, "email": "ada@example.com"}))
        .await;
    // The duplicate e-mail is found inside the transaction: it rolls back.
    let r = app
        .post_json(
            "/api/v1/employees",
            &json!({"name": "Bob", "age": 40, "email": "ADA@example.com"}),
        )
        .await;
    assert_error(&r, 409, "email_taken");

    // And a transaction that writes events, then fails, leaves no row behind.
    let services = app.services.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = services.db.get().unwrap();
        let ctx = hrms::events::EventContext::default();
        let event = hrms::events::employee_event(
            &ctx,
            hrms::events::EventType::EmployeeUpdated,
            "some-id",
            vec!["age".into()],
            json!({}),
        );
        let result: Result<(), diesel::result::Error> = hrms::db::write_tx(&mut conn, |c| {
            services.outbox.write(c, None, &[event])?;
            Err(diesel::result::Error::RollbackTransaction)
        });
        assert!(result.is_err());
    })
    .await
    .unwrap();

    let rows = app
        .wait_for_outbox(WAIT, "first create delivered", |rows| {
            rows.iter().all(|r| r.delivered)
        })
        .await;
    assert_eq!(
        rows.len(),
        2,
        "only the committed create's events: {rows:#?}"
    );
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        3,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(records.len(), 2);
}

#[actix_web::test]
async fn a_broker_outage_during_a_burst_loses_nothing_duplicates_nothing_and_fails_no_request() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    let total = 60;
    let mut slowest = Duration::ZERO;
    for i in 0..total {
        if i == 20 {
            cluster.broker_down(-1).unwrap();
        }
        if i == 45 {
            // Let the relay notice the outage before the broker comes back.
            actix_web::rt::time::sleep(Duration::from_secs(2)).await;
            cluster.broker_up(-1).unwrap();
        }
        let started = Instant::now();
        let r = app
            .post_json(
                "/api/v1/employees",
                &json!({"name": format!("E{i}"), "age": 30}),
            )
            .await;
        slowest = slowest.max(started.elapsed());
        assert_eq!(r.status.as_u16(), 201, "request {i} failed: {}", r.raw);
    }
    assert!(
        slowest < Duration::from_secs(2),
        "a write waited on Kafka: {slowest:?}"
    );
    let rows = app
        .wait_for_outbox(Duration::from_secs(60), "every event delivered", |rows| {
            rows.len() == 2 * total && rows.iter().all(|r| r.delivered)
        })
        .await;
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        2 * total + 1,
        Duration::from_secs(10),
    )
    .await;
    let counts = count_by_id(&records);
    assert_eq!(counts.len(), 2 * total, "every event arrived");
    let dupes: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dupes.is_empty(), "duplicates: {dupes:?}");
    assert!(rows.iter().all(|r| counts.contains_key(&r.event_id)));
}

#[actix_web::test]
async fn a_fatal_kafka_error_restarts_the_relay_with_a_fresh_client() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.wait_for_outbox(WAIT, "first events delivered", |rows| {
        rows.len() == 2 && rows.iter().all(|r| r.delivered)
    })
    .await;

    let relay = app.services.relay.clone().expect("relay running");
    relay.do_send(InjectFault::KafkaFatal);
    let start = Instant::now();
    while app.services.metrics.relay_restarts() < 1 {
        assert!(start.elapsed() < WAIT, "relay was not restarted");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.services.relay_status.snapshot().restarts, 1);

    app.create_employee(json!({"name": "Bob", "age": 40})).await;
    app.wait_for_outbox(WAIT, "events after the restart delivered", |rows| {
        rows.len() == 4 && rows.iter().all(|r| r.delivered)
    })
    .await;
}

#[actix_web::test]
async fn a_panic_in_the_relay_leaves_the_api_serving_and_the_relay_comes_back() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    let relay = app.services.relay.clone().expect("relay running");
    relay.do_send(InjectFault::Panic);
    let start = Instant::now();
    while app.services.metrics.relay_restarts() < 1 {
        assert!(
            start.elapsed() < WAIT,
            "relay was not restarted after the panic"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let live = app.get("/health/live").await;
    assert_eq!(live.status.as_u16(), 200);
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.wait_for_outbox(WAIT, "events delivered after the panic", |rows| {
        rows.len() == 2 && rows.iter().all(|r| r.delivered)
    })
    .await;
    let metrics = app.get("/metrics").await;
    assert!(
        metrics.raw.contains("hrms_relay_restarts_total 1"),
        "{}",
        metrics.raw
    );
}

#[actix_web::test]
async fn with_kafka_switched_off_audit_events_reach_the_http_peer_and_nothing_reaches_kafka() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let peer = Peer::start();
    let audit_url = format!("{}/audit", peer.url);
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[
            ("KAFKA_ENABLE_PRODUCER", "false"),
            ("AUDIT_SERVICE_URL", &audit_url),
        ],
    ))
    .await;
    let employee = app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let rows = app
        .wait_for_outbox(WAIT, "audit delivered over HTTP", |rows| {
            rows.len() == 1 && rows[0].delivered
        })
        .await;
    assert_eq!(rows[0].event_type, "AUDIT_EMPLOYEE_ACTION");
    assert_eq!(rows[0].transport.as_deref(), Some("http"));
    let bodies = peer.bodies("audit");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["event_id"], rows[0].event_id.as_str());
    assert_eq!(bodies[0]["resource_id"], employee["id"]);
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        1,
        Duration::from_secs(3),
    )
    .await;
    assert!(
        records.is_empty(),
        "no Kafka traffic with the producer off: {records:#?}"
    );
}

#[actix_web::test]
async fn a_module_switch_off_keeps_its_domain_events_off_kafka_and_sends_audit_over_http() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let peer = Peer::start();
    let audit_url = format!("{}/audit", peer.url);
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[
            ("EMPLOYEE_KAFKA_ENABLE_PRODUCER", "false"),
            ("AUDIT_SERVICE_URL", &audit_url),
        ],
    ))
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let rows = app
        .wait_for_outbox(WAIT, "audit delivered", |rows| {
            rows.iter().all(|r| r.delivered) && !rows.is_empty()
        })
        .await;
    assert_eq!(
        rows.len(),
        1,
        "no EMPLOYEE_CREATED row with the module switch off"
    );
    assert_eq!(rows[0].transport.as_deref(), Some("http"));
    assert_eq!(peer.bodies("audit").len(), 1);
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        1,
        Duration::from_secs(3),
    )
    .await;
    assert!(records.is_empty(), "{records:#?}");
}

#[actix_web::test]
async fn the_attendance_kafka_switch_off_keeps_attendance_events_off_kafka_while_employees_publish()
{
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let peer = Peer::start();
    let audit_url = format!("{}/audit", peer.url);
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[
            ("ATTENDANCE_KAFKA_ENABLE_PRODUCER", "false"),
            ("AUDIT_SERVICE_URL", &audit_url),
        ],
    ))
    .await;
    let emp = app
        .create_employee(json!({"name": "Ada", "age": 36, "hire_date": "2020-01-01"}))
        .await;
    let r = app
        .post_json(
            "/api/v1/attendance/records",
            &json!({ "employee_id": emp["id"], "start": "2026-11-02T08:00:00Z", "end": "2026-11-02T12:00:00Z", "reason": "forgot" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let rows = app
        .wait_for_outbox(WAIT, "all delivered", |rows| {
            rows.len() >= 3 && rows.iter().all(|r| r.delivered)
        })
        .await;
    assert!(
        rows.iter()
            .all(|r| !r.event_type.starts_with("ATTENDANCE_")),
        "no attendance domain row with the module's Kafka switch off: {rows:#?}"
    );
    let transport = |t: &str| {
        rows.iter()
            .find(|r| r.event_type == t)
            .and_then(|r| r.transport.clone())
    };
    assert_eq!(
        transport("AUDIT_ATTENDANCE_ACTION").as_deref(),
        Some("http")
    );
    assert_eq!(transport("EMPLOYEE_CREATED").as_deref(), Some("kafka"));
    assert_eq!(
        peer.bodies("audit").len(),
        1,
        "the attendance audit, over HTTP"
    );
    let records = read_topics(&bootstrap, &["attendance-queue"], 1, Duration::from_secs(3)).await;
    assert!(records.is_empty(), "{records:#?}");
}

#[actix_web::test]
async fn the_compliance_kafka_switch_off_keeps_findings_off_kafka_while_attendance_publishes() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[
            ("COMPLIANCE_KAFKA_ENABLE_PRODUCER", "false"),
            ("COMPLIANCE_CHECK_INTERVAL_SECS", "0"),
        ],
    ))
    .await;
    let emp = app
        .create_employee(json!({"name": "Ada", "age": 36, "hire_date": "2020-01-01"}))
        .await;
    // Nine hours without a break: a violation.
    let r = app
        .post_json(
            "/api/v1/attendance/records",
            &json!({ "employee_id": emp["id"], "start": "2026-11-02T07:00:00Z", "end": "2026-11-02T16:00:00Z", "reason": "forgot" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let path = format!(
        "/api/v1/compliance/violations?employee_id={}",
        emp["id"].as_str().unwrap()
    );
    let start = std::time::Instant::now();
    loop {
        let r = app.get(&path).await;
        if r.body["total"] == 1 {
            break;
        }
        assert!(start.elapsed() < WAIT, "no violation recorded: {}", r.raw);
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let rows = app
        .wait_for_outbox(WAIT, "all delivered", |rows| {
            rows.iter().all(|r| r.delivered)
        })
        .await;
    assert!(
        rows.iter()
            .all(|r| !r.event_type.starts_with("COMPLIANCE_")),
        "no compliance domain row with the module's Kafka switch off: {rows:#?}"
    );
    assert!(rows
        .iter()
        .any(|r| r.event_type == "ATTENDANCE_MARKED" && r.transport.as_deref() == Some("kafka")));
    let records = read_topics(&bootstrap, &["compliance-queue"], 1, Duration::from_secs(3)).await;
    assert!(records.is_empty(), "{records:#?}");
}

#[actix_web::test]
async fn with_kafka_failing_audit_goes_over_http_and_waits_while_the_peer_is_down_too() {
    let peer = Peer::start();
    peer.set_down(true);
    let audit_url = format!("{}/audit", peer.url);
    // Nothing listens on port 1: every broker is down from the start.
    let app = spawn_app_with(&kafka_env(
        "127.0.0.1:1",
        &[("AUDIT_SERVICE_URL", &audit_url)],
    ))
    .await;
    // Wait for the circuit to open, so new audit rows take the HTTP path.
    wait_for_kafka_status(&app, "unreachable", WAIT).await;
    let ready = app.get("/health/ready").await;
    assert_eq!(
        ready.status.as_u16(),
        200,
        "a broker outage is degraded, not down"
    );
    assert_eq!(ready.body["status"], "degraded");
    assert_eq!(ready.body["checks"]["kafka"]["status"], "unreachable");

    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.wait_for_outbox(WAIT, "a failed HTTP attempt", |rows| {
        rows.iter()
            .any(|r| r.event_type == "AUDIT_EMPLOYEE_ACTION" && r.attempts > 0 && !r.delivered)
    })
    .await;
    assert!(peer.bodies("audit").is_empty());

    peer.set_down(false);
    let rows = app
        .wait_for_outbox(WAIT, "audit delivered once the peer is back", |rows| {
            rows.iter()
                .any(|r| r.event_type == "AUDIT_EMPLOYEE_ACTION" && r.delivered)
        })
        .await;
    let audit = rows
        .iter()
        .find(|r| r.event_type == "AUDIT_EMPLOYEE_ACTION")
        .unwrap();
    assert_eq!(audit.transport.as_deref(), Some("http"));
    let bodies = peer.bodies("audit");
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["event_id"], audit.event_id.as_str());
    // The domain event has no HTTP path: it waits in the outbox for Kafka.
    let created = rows
        .iter()
        .find(|r| r.event_type == "EMPLOYEE_CREATED")
        .unwrap();
    assert!(!created.delivered);
}

#[actix_web::test]
async fn starting_without_a_broker_serves_reports_degraded_and_delivers_once_one_appears() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    cluster.broker_down(-1).unwrap();
    let app = spawn_app_with(&kafka_env(&bootstrap, &[])).await;
    let employee = app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let start = Instant::now();
    loop {
        let ready = app.get("/health/ready").await;
        assert_eq!(ready.status.as_u16(), 200);
        if ready.body["status"] == "degraded" {
            break;
        }
        assert!(
            start.elapsed() < WAIT,
            "readiness never said degraded: {}",
            ready.raw
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(app.outbox().iter().all(|r| !r.delivered));

    cluster.broker_up(-1).unwrap();
    app.wait_for_outbox(
        Duration::from_secs(60),
        "events delivered once the broker is up",
        |rows| {
            rows.len() == 2
                && rows
                    .iter()
                    .all(|r| r.delivered && r.transport.as_deref() == Some("kafka"))
        },
    )
    .await;
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        3,
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(records.len(), 2, "{records:#?}");
    assert!(records
        .iter()
        .all(|r| r.key == employee["id"].as_str().unwrap()));
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.body["status"], "ready", "{}", ready.raw);
}

/// Waits until the relay's view of Kafka is `status`.
async fn wait_for_kafka_status(app: &TestApp, status: &str, within: Duration) {
    let start = Instant::now();
    while app.services.relay_status.snapshot().kafka != status {
        assert!(
            start.elapsed() < within,
            "Kafka status never became {status:?}: {:?}",
            app.services.relay_status.snapshot()
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

#[actix_web::test]
async fn a_broker_that_stops_answering_opens_the_circuit_and_audit_takes_http_until_it_answers() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let peer = Peer::start();
    let audit_url = format!("{}/audit", peer.url);
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[
            ("AUDIT_SERVICE_URL", &audit_url),
            ("HRMS_RELAY_ACK_STALL_SECS", "3"),
        ],
    ))
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.wait_for_outbox(WAIT, "first events delivered", |rows| {
        rows.len() == 2 && rows.iter().all(|r| r.delivered)
    })
    .await;
    wait_for_kafka_status(&app, "up", WAIT).await;

    // The brokers keep their connections open but answer nothing: no "all
    // brokers down" from librdkafka, only batches that are never acknowledged.
    cluster
        .broker_round_trip_time(-1, Duration::from_secs(60))
        .unwrap();
    let held = app
        .create_employee(json!({"name": "Grace", "age": 40}))
        .await;
    wait_for_kafka_status(&app, "unreachable", Duration::from_secs(8)).await;
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.body["status"], "degraded", "{}", ready.raw);

    // A change made now sends its audit event over HTTP.
    let later = app.create_employee(json!({"name": "Lin", "age": 29})).await;
    let later_id = later["id"].as_str().unwrap().to_owned();
    let start = Instant::now();
    while peer.bodies("audit").is_empty() {
        assert!(start.elapsed() < WAIT, "no audit event over HTTP");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // The broker answers again (before the relay would give up on its client).
    cluster.broker_round_trip_time(-1, Duration::ZERO).unwrap();
    let rows = app
        .wait_for_outbox(WAIT, "every event delivered", |rows| {
            rows.len() == 6 && rows.iter().all(|r| r.delivered)
        })
        .await;
    let transport = |event_type: &str, id: &str| {
        rows.iter()
            .find(|r| r.event_type == event_type && r.aggregate_id == id)
            .and_then(|r| r.transport.clone())
    };
    assert_eq!(
        transport("AUDIT_EMPLOYEE_ACTION", &later_id).as_deref(),
        Some("http")
    );
    assert_eq!(peer.bodies("audit").len(), 1);
    // What was in flight when the broker went quiet stayed with the producer
    // and went out on Kafka once it answered, as did the domain event.
    let held_id = held["id"].as_str().unwrap();
    assert_eq!(
        transport("AUDIT_EMPLOYEE_ACTION", held_id).as_deref(),
        Some("kafka")
    );
    assert_eq!(
        transport("EMPLOYEE_CREATED", &later_id).as_deref(),
        Some("kafka")
    );
    wait_for_kafka_status(&app, "up", WAIT).await;
    assert_eq!(app.services.metrics.relay_restarts(), 0);
    let records = read_topics(
        &bootstrap,
        &["employee-queue", "audit-queue"],
        6,
        Duration::from_secs(5),
    )
    .await;
    let counts = count_by_id(&records);
    assert_eq!(counts.len(), 5, "all but the HTTP audit event: {counts:?}");
    assert!(counts.values().all(|n| *n == 1), "none twice: {counts:?}");
}

#[actix_web::test]
async fn a_client_that_gets_no_answer_for_long_is_replaced_and_the_events_still_arrive() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let app = spawn_app_with(&kafka_env(
        &bootstrap,
        &[("HRMS_RELAY_ACK_STALL_SECS", "1")],
    ))
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.wait_for_outbox(WAIT, "first events delivered", |rows| {
        rows.iter().all(|r| r.delivered)
    })
    .await;
    // Answers now take an hour: the client would wait for them forever.
    cluster
        .broker_round_trip_time(-1, Duration::from_secs(3600))
        .unwrap();
    app.create_employee(json!({"name": "Grace", "age": 40}))
        .await;
    let start = Instant::now();
    while app.services.metrics.relay_restarts() < 1 {
        assert!(
            start.elapsed() < WAIT,
            "the stalled relay was never restarted"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        start.elapsed() >= Duration::from_secs(10),
        "restarted only after twelve stall periods"
    );
    cluster.broker_round_trip_time(-1, Duration::ZERO).unwrap();
    app.wait_for_outbox(WAIT, "every event delivered by the fresh client", |rows| {
        rows.len() == 4 && rows.iter().all(|r| r.delivered)
    })
    .await;
}
