//! The outbox's claim protocol on the real database (SQLite, or PostgreSQL with
//! HRMS_TEST_DATABASE_URL): order, the per-aggregate guard, the relay lease and
//! take-over, retention; and two replicas relaying from one database.

use std::collections::HashMap;
use std::time::Duration;

use hrms::db::{now_micros, DbConnection};
use hrms::events::{
    audit_event, employee_event, AuditAction, EventContext, EventType, SourceModule,
};
use hrms::outbox::repository::{self as repo, ClaimScope, Claims, Lease};
use serde_json::json;

use crate::common::kafka::{consume, mock_cluster};
use crate::common::*;

const HOUR: i64 = 3_600_000_000;

/// Runs `f` with a connection of the app's database on a blocking thread.
async fn with_conn<T: Send + 'static>(
    app: &TestApp,
    f: impl FnOnce(&mut DbConnection) -> T + Send + 'static,
) -> T {
    let db = app.services.db.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = db.get().expect("connection");
        f(&mut conn)
    })
    .await
    .expect("blocking task")
}

/// Writes employee events for the given aggregates, in order.
async fn write_events(app: &TestApp, aggregates: &[&str]) {
    let outbox = app.services.outbox.clone();
    let aggregates: Vec<String> = aggregates.iter().map(|s| s.to_string()).collect();
    with_conn(app, move |c| {
        let ctx = EventContext::default();
        for a in aggregates {
            let e = employee_event(
                &ctx,
                EventType::EmployeeUpdated,
                &a,
                vec!["age".into()],
                json!({}),
            );
            hrms::db::write_tx(c, |c| outbox.write(c, None, &[e])).expect("write");
        }
    })
    .await;
}

fn apps_without_relay() -> [(&'static str, &'static str); 4] {
    // The tests drive the repository themselves; Kafka on so domain rows are
    // written; no compliance or leave module, whose subscriber rows (to employee
    // updates, among others) would add to the counts.
    [
        ("HRMS_RELAY_ENABLED", "false"),
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("COMPLIANCE_MODULE_ENABLED", "false"),
        ("LEAVE_MODULE_ENABLED", "false"),
    ]
}

#[actix_web::test]
async fn claims_come_oldest_first_and_a_claimed_row_is_not_claimed_again() {
    let app = spawn_app_with(&apps_without_relay()).await;
    write_events(&app, &["a", "b", "c", "d"]).await;
    let (first, second) = with_conn(&app, |c| {
        let now = now_micros();
        assert_eq!(
            repo::acquire_lease(c, "r1", now, HOUR).unwrap(),
            Lease::Held { fresh: true }
        );
        let mut claims = Claims::default();
        let first = claims.claim_now(c, now, 2, &ClaimScope::All).unwrap();
        let second = claims.claim_now(c, now, 10, &ClaimScope::All).unwrap();
        assert!(
            claims
                .claim_now(c, now, 10, &ClaimScope::All)
                .unwrap()
                .is_empty(),
            "a claimed row is not claimed again, also when scanning from the head"
        );
        assert_eq!(claims.in_flight(), 4);
        (first, second)
    })
    .await;
    let aggs = |rows: &[hrms::outbox::OutboxRow]| {
        rows.iter()
            .map(|r| r.aggregate_id.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(aggs(&first), ["a", "b"]);
    assert_eq!(aggs(&second), ["c", "d"]);
    assert!(first[0].seq < first[1].seq && first[1].seq < second[0].seq);
}

#[actix_web::test]
async fn a_later_event_of_an_aggregate_waits_while_an_earlier_one_is_in_flight_or_retrying() {
    let app = spawn_app_with(&apps_without_relay()).await;
    write_events(&app, &["x", "y", "x", "x"]).await;
    with_conn(&app, |c| {
        let now = now_micros();
        repo::acquire_lease(c, "r1", now, HOUR).unwrap();
        let mut claims = Claims::default();
        // Only the head of each aggregate's queue is claimed.
        let rows = claims.claim_now(c, now, 10, &ClaimScope::All).unwrap();
        let aggs: Vec<_> = rows.iter().map(|r| r.aggregate_id.as_str()).collect();
        assert_eq!(aggs, ["x", "y"]);
        // While x's first event is in flight, its later ones stay put.
        assert!(claims
            .claim_now(c, now, 10, &ClaimScope::All)
            .unwrap()
            .is_empty());
        // It failed: it waits for its retry, and so do the later ones.
        repo::mark_failed(c, rows[0].seq, "broker said no", now + HOUR).unwrap();
        claims.settled([rows[0].seq]);
        assert!(claims
            .claim_now(c, now, 10, &ClaimScope::All)
            .unwrap()
            .is_empty());
        // Once it is due again, it goes first, alone.
        let later = now + HOUR + 1;
        let retry = claims.claim_now(c, later, 10, &ClaimScope::All).unwrap();
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].seq, rows[0].seq);
        assert_eq!(retry[0].attempts, 1);
        assert_eq!(retry[0].last_error.as_deref(), Some("broker said no"));
        repo::mark_delivered(c, &[retry[0].seq], "kafka", later).unwrap();
        claims.settled([retry[0].seq]);
        let next = claims.claim_now(c, later, 10, &ClaimScope::All).unwrap();
        assert_eq!(next.len(), 1, "then the next x event");
        assert!(next[0].seq > retry[0].seq);
    })
    .await;
}

#[actix_web::test]
async fn only_the_lease_holder_relays_and_a_take_over_claims_what_the_dead_holder_had_in_flight() {
    let app = spawn_app_with(&apps_without_relay()).await;
    write_events(&app, &["a", "b"]).await;
    with_conn(&app, |c| {
        let now = now_micros();
        assert_eq!(
            repo::acquire_lease(c, "r1", now, 1_000_000).unwrap(),
            Lease::Held { fresh: true }
        );
        assert_eq!(
            repo::acquire_lease(c, "r2", now, 1_000_000).unwrap(),
            Lease::Elsewhere
        );
        assert_eq!(
            repo::acquire_lease(c, "r1", now + 10, 1_000_000).unwrap(),
            Lease::Held { fresh: false }
        );
        let claimed = Claims::default()
            .claim_now(c, now, 10, &ClaimScope::All)
            .unwrap();
        assert_eq!(claimed.len(), 2);
        // r1 dies; once its lease has expired r2 takes over and may send again
        // what r1 had claimed but never marked. A third relay finds it taken.
        let later = now + 2_000_000;
        assert_eq!(
            repo::acquire_lease(c, "r2", later, 1_000_000).unwrap(),
            Lease::Held { fresh: true }
        );
        assert_eq!(
            repo::acquire_lease(c, "r3", later, 1_000_000).unwrap(),
            Lease::Elsewhere
        );
        let reclaimed = Claims::default()
            .claim_now(c, later, 10, &ClaimScope::All)
            .unwrap();
        assert_eq!(reclaimed.len(), 2);
        // Releasing the lease lets another replica in at once.
        repo::release_lease(c, "r2").unwrap();
        assert_eq!(
            repo::acquire_lease(c, "r1", later, 1_000_000).unwrap(),
            Lease::Held { fresh: true }
        );
    })
    .await;
}

#[actix_web::test]
async fn during_a_backlog_claims_move_on_and_a_short_claim_goes_back_to_rows_left_behind() {
    let app = spawn_app_with(&apps_without_relay()).await;
    write_events(&app, &["a", "b", "c", "d"]).await;
    with_conn(&app, |c| {
        let now = now_micros();
        let mut claims = Claims::default();
        let aggs = |rows: &[hrms::outbox::OutboxRow]| {
            rows.iter()
                .map(|r| r.aggregate_id.clone())
                .collect::<Vec<_>>()
        };
        let first = claims.claim_now(c, now, 2, &ClaimScope::All).unwrap();
        assert_eq!(aggs(&first), ["a", "b"]);
        // a failed and is due again at once; b is still in flight.
        repo::mark_failed(c, first[0].seq, "timed out", now).unwrap();
        claims.settled([first[0].seq]);
        // The claim was full, so the next one continues after b: c and d first.
        let second = claims.claim_now(c, now, 2, &ClaimScope::All).unwrap();
        assert_eq!(aggs(&second), ["c", "d"]);
        assert!(claims
            .claim_now(c, now, 2, &ClaimScope::All)
            .unwrap()
            .is_empty());
        // That claim came back short: the next one scans from the head, finds a
        // and skips b, c and d, which are in flight.
        let third = claims.claim_now(c, now, 2, &ClaimScope::All).unwrap();
        assert_eq!(aggs(&third), ["a"]);
        assert_eq!(third[0].attempts, 1);
        assert_eq!(claims.in_flight(), 4);
    })
    .await;
}

#[actix_web::test]
async fn a_claim_limited_to_fallback_families_leaves_domain_events_alone() {
    let app = spawn_app_with(&apps_without_relay()).await;
    let outbox = app.services.outbox.clone();
    with_conn(&app, move |c| {
        let ctx = EventContext::default();
        let events = [
            employee_event(&ctx, EventType::EmployeeCreated, "e1", vec![], json!({})),
            audit_event(
                &ctx,
                SourceModule::Employee,
                AuditAction {
                    action: "employee.create",
                    resource_type: "employee",
                    resource_id: "e1",
                    details: json!({}),
                },
            ),
        ];
        hrms::db::write_tx(c, |c| outbox.write(c, None, &events)).unwrap();
        let now = now_micros();
        repo::acquire_lease(c, "r1", now, HOUR).unwrap();
        let rows = Claims::default()
            .claim_now(c, now, 10, &ClaimScope::Families(vec!["audit".into()]))
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].event_type, "AUDIT_EMPLOYEE_ACTION");
    })
    .await;
}

#[actix_web::test]
async fn delivered_rows_past_retention_are_purged_and_pending_ones_never() {
    let app = spawn_app_with(&apps_without_relay()).await;
    write_events(&app, &["a", "b", "c"]).await;
    with_conn(&app, |c| {
        let now = now_micros();
        repo::acquire_lease(c, "r1", now, HOUR).unwrap();
        let rows = Claims::default()
            .claim_now(c, now, 10, &ClaimScope::All)
            .unwrap();
        repo::mark_delivered(c, &[rows[0].seq], "kafka", now - 2 * HOUR).unwrap();
        repo::mark_delivered(c, &[rows[1].seq], "http", now).unwrap();
        let stats = repo::stats(c).unwrap();
        assert_eq!(stats.pending, 1, "delivered rows left the queue");
        assert_eq!(repo::purge_delivered(c, now - HOUR, 100).unwrap(), 1);
        assert_eq!(repo::purge_delivered(c, now + 1, 100).unwrap(), 1);
        assert_eq!(repo::purge_delivered(c, now + 1, 100).unwrap(), 0);
        assert_eq!(
            repo::stats(c).unwrap().pending,
            1,
            "the undelivered row stays"
        );
    })
    .await;
}

#[actix_web::test]
async fn two_replicas_on_one_database_deliver_every_event_exactly_once() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    let first = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        // No leave module: the grants it records for each new employee would
        // add events to the exact set this test expects.
        ("LEAVE_MODULE_ENABLED", "false"),
    ])
    .await;
    // The second replica shares the first one's database (file or PostgreSQL).
    let second = spawn_app_on_database_of(
        &first,
        &[
            ("KAFKA_ENABLE_PRODUCER", "true"),
            ("KAFKA_BOOTSTRAP_SERVERS", bootstrap.as_str()),
            ("LEAVE_MODULE_ENABLED", "false"),
        ],
    )
    .await;
    let total = 40;
    for i in 0..total {
        let app = if i % 2 == 0 { &first } else { &second };
        app.create_employee(json!({"name": format!("E{i}"), "age": 30}))
            .await;
    }
    first
        .wait_for_outbox(Duration::from_secs(60), "every event delivered", |rows| {
            rows.len() == 2 * total && rows.iter().all(|r| r.delivered)
        })
        .await;
    let records = actix_web::rt::task::spawn_blocking(move || {
        consume(
            &bootstrap,
            &["employee-queue", "audit-queue"],
            2 * total + 1,
            Duration::from_secs(8),
        )
    })
    .await
    .unwrap();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in &records {
        *counts
            .entry(r.value["event_id"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    assert_eq!(counts.len(), 2 * total, "every event arrived");
    assert!(counts.values().all(|n| *n == 1), "none twice: {counts:?}");
}

#[actix_web::test]
async fn a_graceful_stop_with_the_broker_down_keeps_undelivered_events_pending() {
    let cluster = mock_cluster();
    let bootstrap = cluster.bootstrap_servers();
    cluster.broker_down(-1).unwrap();
    let app = spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", &bootstrap),
        ("HRMS_RELAY_SHUTDOWN_FLUSH_SECS", "1"),
        ("LEAVE_MODULE_ENABLED", "false"),
    ])
    .await;
    app.create_employee(json!({"name": "Ada", "age": 36})).await;
    app.handle.stop(true).await;
    app.services.shutdown().await;
    let rows = app.outbox();
    assert_eq!(rows.len(), 2);
    assert!(
        rows.iter().all(|r| !r.delivered),
        "nothing is marked that the broker did not take"
    );
    // The lease was given up: another replica can take over at once.
    let lease = with_conn(&app, |c| {
        repo::acquire_lease(c, "next", now_micros(), HOUR).unwrap()
    })
    .await;
    assert_eq!(lease, Lease::Held { fresh: true });
}
