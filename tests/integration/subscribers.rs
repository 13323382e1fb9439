//! In-process subscribers: a test actor subscribes to employee events with Kafka
//! off; the relay delivers every committed event to it at least once, in order
//! per aggregate, across a relay restart and the subscriber's own failures, and
//! nothing of a rolled-back change.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix::prelude::*;
use hrms::events::EventType;
use hrms::outbox::{Deliver, SubscribedEvent, Subscription};
use hrms::relay::InjectFault;
use serde_json::json;
use uuid::Uuid;

use crate::common::*;

const WAIT: Duration = Duration::from_secs(30);

/// What the test subscriber saw.
#[derive(Debug, Default)]
struct Seen {
    /// Every event of every delivery, duplicates and failed batches included.
    received: Vec<SubscribedEvent>,
    /// Events processed, deduplicated by event id, in processing order.
    processed: Vec<SubscribedEvent>,
    ids: HashSet<Uuid>,
    /// Deliveries answered with an error.
    failed_batches: usize,
}

/// A subscriber that fails the deliveries `fail` picks (by call number, from
/// 0) and otherwise processes each event once, deduplicating by event id.
struct Collector {
    seen: Arc<Mutex<Seen>>,
    calls: usize,
    fail: fn(usize) -> bool,
}

impl Actor for Collector {
    type Context = Context<Self>;
}

impl Handler<Deliver> for Collector {
    type Result = Result<(), String>;

    fn handle(&mut self, msg: Deliver, _: &mut Context<Self>) -> Self::Result {
        assert_eq!(msg.subscription, "test-employees");
        let call = self.calls;
        self.calls += 1;
        let mut seen = self.seen.lock().unwrap();
        seen.received.extend(msg.events.iter().cloned());
        if (self.fail)(call) {
            seen.failed_batches += 1;
            return Err(format!("injected failure on call {call}"));
        }
        for ev in msg.events {
            if seen.ids.insert(ev.event_id) {
                seen.processed.push(ev);
            }
        }
        Ok(())
    }
}

fn subscribe(fail: fn(usize) -> bool) -> (Subscription, Arc<Mutex<Seen>>) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let addr = Collector {
        seen: seen.clone(),
        calls: 0,
        fail,
    }
    .start();
    let subscription = Subscription {
        name: "test-employees",
        event_types: vec![
            EventType::EmployeeCreated,
            EventType::EmployeeUpdated,
            EventType::EmployeeTerminated,
        ],
        recipient: addr.recipient(),
    };
    (subscription, seen)
}

/// Kafka off everywhere, fast retries and restarts.
fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        // Only the test's own subscriber: the compliance module's rows would add
        // to the counts, and so would the leave module's (and the grants it records).
        ("COMPLIANCE_MODULE_ENABLED", "false"),
        ("LEAVE_MODULE_ENABLED", "false"),
        ("KAFKA_ENABLE_PRODUCER", "false"),
        ("HRMS_RELAY_RETRY_INITIAL_MS", "20"),
        ("HRMS_RELAY_RETRY_MAX_MS", "200"),
        ("HRMS_RELAY_RESTART_INITIAL_MS", "50"),
        ("HRMS_RELAY_RESTART_MAX_MS", "200"),
    ]
}

fn employee_rows(rows: &[OutboxEntry]) -> Vec<OutboxEntry> {
    rows.iter()
        .filter(|r| r.event_type.starts_with("EMPLOYEE_"))
        .cloned()
        .collect()
}

async fn wait_for_employee_rows_delivered(app: &TestApp, what: &str) -> Vec<OutboxEntry> {
    let rows = app
        .wait_for_all_outbox(WAIT, what, |rows| {
            employee_rows(rows).iter().all(|r| r.delivered)
        })
        .await;
    employee_rows(&rows)
}

#[actix_web::test]
async fn a_subscriber_gets_every_employee_event_at_least_once_in_order_across_a_relay_restart_with_kafka_off(
) {
    // Every third delivery fails on purpose.
    let (subscription, seen) = subscribe(|call| call % 3 == 1);
    let app = spawn_app_with_subscriptions(&env(), vec![subscription]).await;
    let relay = app.services.relay.clone().expect("relay runs");

    let mut ids = Vec::new();
    for i in 0..6 {
        let e = app
            .create_employee(json!({"name": format!("Emp {i}"), "age": 30 + i}))
            .await;
        ids.push(e["id"].as_str().expect("id").to_owned());
    }
    for round in 0..3 {
        if round == 1 {
            relay.do_send(InjectFault::Panic);
        }
        for (i, id) in ids.iter().enumerate() {
            let r = app
                .patch_json(
                    &format!("/api/v1/employees/{id}"),
                    &json!({"age": 40 + round * 10 + i}),
                )
                .await;
            assert_eq!(r.status.as_u16(), 200, "update: {}", r.raw);
        }
    }

    let committed = wait_for_employee_rows_delivered(&app, "every subscriber row delivered").await;
    assert_eq!(committed.len(), 6 + 6 * 3, "one row per employee event");
    assert!(
        committed
            .iter()
            .all(|r| r.transport.as_deref() == Some("subscriber")),
        "recorded as subscriber deliveries: {committed:#?}"
    );
    assert!(
        app.services.metrics.render().contains("subscriber"),
        "deliveries are counted"
    );
    assert!(
        app.services.metrics.relay_restarts() >= 1,
        "the relay restarted mid-stream"
    );

    let seen = seen.lock().unwrap();
    assert!(seen.failed_batches > 0, "some deliveries failed on purpose");
    let committed_ids: HashSet<Uuid> = committed
        .iter()
        .map(|r| r.event_id.parse().expect("uuid"))
        .collect();
    let received_ids: HashSet<Uuid> = seen.received.iter().map(|e| e.event_id).collect();
    assert!(
        committed_ids.is_subset(&received_ids),
        "every committed event reached the subscriber"
    );
    let processed_ids: HashSet<Uuid> = seen.processed.iter().map(|e| e.event_id).collect();
    assert_eq!(
        processed_ids, committed_ids,
        "after dedupe, exactly the committed events"
    );
    assert_eq!(seen.processed.len(), committed.len());

    // Order per aggregate: as committed.
    let mut expected: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for r in &committed {
        expected
            .entry(r.aggregate_id.as_str())
            .or_default()
            .push(r.event_id.parse().expect("uuid"));
    }
    let mut got: HashMap<&str, Vec<Uuid>> = HashMap::new();
    for e in &seen.processed {
        got.entry(e.aggregate_id.as_str())
            .or_default()
            .push(e.event_id);
    }
    assert_eq!(got, expected, "each employee's events in commit order");
    for e in &seen.processed {
        assert_eq!(e.payload["event_id"], e.event_id.to_string());
        assert_eq!(e.payload["event_type"], e.event_type.as_str());
    }
}

#[actix_web::test]
async fn a_rolled_back_change_delivers_nothing_to_subscribers() {
    let (subscription, seen) = subscribe(|_| false);
    let app = spawn_app_with_subscriptions(&env(), vec![subscription]).await;
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
        let mut conn = services.db.get().expect("db");
        let ctx = hrms::events::EventContext::default();
        let event = hrms::events::employee_event(
            &ctx,
            EventType::EmployeeUpdated,
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
    .expect("blocking task");

    let committed = wait_for_employee_rows_delivered(&app, "the create delivered").await;
    assert_eq!(
        committed.len(),
        1,
        "only the committed create: {committed:#?}"
    );
    // Give a stray delivery the time to show up.
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    let seen = seen.lock().unwrap();
    assert_eq!(seen.received.len(), 1, "{:#?}", seen.received);
    assert_eq!(seen.received[0].event_type, EventType::EmployeeCreated);
    assert_eq!(seen.received[0].event_id.to_string(), committed[0].event_id);
}

#[actix_web::test]
async fn a_failing_subscriber_keeps_its_row_queued_and_gets_it_again_until_it_succeeds() {
    // The first three deliveries fail.
    let (subscription, seen) = subscribe(|call| call < 3);
    let app = spawn_app_with_subscriptions(&env(), vec![subscription]).await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;

    let failing = app
        .wait_for_all_outbox(WAIT, "a failed attempt recorded", |rows| {
            employee_rows(rows)
                .iter()
                .any(|r| !r.delivered && r.attempts >= 1)
        })
        .await;
    assert_eq!(
        employee_rows(&failing).len(),
        1,
        "the row survives the error"
    );

    let done = wait_for_employee_rows_delivered(&app, "delivered once it succeeds").await;
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].transport.as_deref(), Some("subscriber"));
    assert_eq!(
        done[0].attempts, 3,
        "three failures recorded before success"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.failed_batches, 3);
    assert_eq!(seen.received.len(), 4, "sent again after each failure");
    assert_eq!(seen.processed.len(), 1);
}

#[actix_web::test]
async fn with_kafka_on_an_event_reaches_kafka_and_a_subscriber_and_a_failing_subscriber_does_not_hold_kafka_back(
) {
    use crate::common::kafka::{consume, mock_cluster};
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    // The subscriber fails every delivery.
    let (subscription, seen) = subscribe(|_| true);
    let mut env = env();
    env.retain(|(k, _)| *k != "KAFKA_ENABLE_PRODUCER");
    env.push(("KAFKA_ENABLE_PRODUCER", "true"));
    env.push(("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()));
    let app = spawn_app_with_subscriptions(&env, vec![subscription]).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let e = app
            .create_employee(json!({"name": format!("Emp {i}"), "age": 30 + i}))
            .await;
        let id = e["id"].as_str().expect("id").to_owned();
        let r = app
            .patch_json(&format!("/api/v1/employees/{id}"), &json!({"age": 50}))
            .await;
        assert_eq!(r.status.as_u16(), 200, "update: {}", r.raw);
        ids.push(id);
    }
    let rows = app
        .wait_for_all_outbox(WAIT, "employee events on Kafka", |rows| {
            employee_rows(rows)
                .iter()
                .filter(|r| r.transport.as_deref() == Some("kafka"))
                .count()
                == 6
        })
        .await;
    let employee = employee_rows(&rows);
    assert_eq!(
        employee.len(),
        12,
        "one Kafka and one subscriber row per event"
    );
    let queued: Vec<_> = employee.iter().filter(|r| !r.delivered).collect();
    assert_eq!(queued.len(), 6, "the subscriber's rows wait: {employee:#?}");
    let bootstrap = bootstrap.clone();
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(&bootstrap, &["employee-queue"], 6, Duration::from_secs(10))
    })
    .await
    .expect("consumer thread");
    assert_eq!(records.len(), 6, "every employee event reached Kafka");
    // The subscriber was tried, and its rows carry the failure for retry.
    app.wait_for_all_outbox(WAIT, "a failed subscriber attempt", |rows| {
        employee_rows(rows)
            .iter()
            .any(|r| !r.delivered && r.attempts >= 1)
    })
    .await;
    assert!(seen.lock().unwrap().failed_batches > 0);
    assert!(seen.lock().unwrap().processed.is_empty());
}
