//! Scenario e: two replicas share PostgreSQL and Kafka, both run a relay; only
//! the lease holder publishes. Every event is delivered once, in order per key,
//! also across a graceful hand-over (the leader stopped with SIGTERM mid-load),
//! and when two relays take a free lease at the same moment over a backlog.

use std::time::Duration;

use crate::end_to_end::transport_counts;
use crate::harness::broker::Broker;
use crate::harness::check::{employee_rows, verify};
use crate::harness::consumer::TopicReader;
use crate::harness::load::{self, LoadPlan};
use crate::harness::postgres::Postgres;
use crate::harness::service::{base_env, Service};
use crate::harness::{free_port, sleep, summary, wait_for_delivery, ALL_TOPICS};

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn two_replicas_relaying_together_deliver_every_event_once() {
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let a = Service::start("e-replicas", "a", free_port(), &env).await;
    let b = Service::start("e-replicas", "b", free_port(), &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);

    // Phase 1: writes spread over both replicas.
    let plan = LoadPlan {
        employees: 120,
        updates: 2,
        concurrency: 8,
        rate: None,
    };
    let first = load::run(&[a.target(), b.target()], plan).await;
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let phase1 = verify(&rows, &reader.records());
    let (ra, rb) = (a.readiness().await.1, b.readiness().await.1);
    let roles = [
        ra["checks"]["relay"]["status"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
        rb["checks"]["relay"]["status"]
            .as_str()
            .unwrap_or("?")
            .to_owned(),
    ];
    summary(&format!(
        "tier2 e replicas (both up): sent={} ok={} 5xx={} {} relays=a:{},b:{}",
        first.sent(),
        first.ok(),
        first.server_errors(),
        phase1.counts(),
        roles[0],
        roles[1],
    ));
    assert_eq!(first.server_errors(), 0);
    first.assert_no_unexpected();
    assert_eq!(employee_rows(&rows), 2 * first.ok());
    phase1.assert_exactly_once();
    let leaders = roles.iter().filter(|r| *r == "leader").count();
    assert_eq!(leaders, 1, "exactly one relay holds the lease: {roles:?}");

    // Phase 2: writes to the standby while the leader shuts down gracefully;
    // the standby takes the lease over and publishes the rest.
    let (mut leader, standby) = if roles[0] == "leader" { (a, b) } else { (b, a) };
    let plan = LoadPlan {
        employees: 100,
        updates: 2,
        concurrency: 4,
        rate: Some(20.0),
    };
    let targets = [standby.target()];
    let load = actix_web::rt::spawn(async move { load::run(&targets, plan).await });
    sleep(Duration::from_secs(4)).await;
    let clean_exit = leader.terminate(Duration::from_secs(20));
    let second = load.await.expect("load task");
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let phase2 = verify(&rows, &reader.records());
    let role = standby.readiness().await.1["checks"]["relay"]["status"].clone();
    summary(&format!(
        "tier2 e replicas (leader stopped): sent={} ok={} 5xx={} {} leader_exited_cleanly={clean_exit} survivor_relay={role} transports={}",
        first.sent() + second.sent(),
        first.ok() + second.ok(),
        first.server_errors() + second.server_errors(),
        phase2.counts(),
        transport_counts(&rows),
    ));
    assert_eq!(second.server_errors(), 0);
    second.assert_no_unexpected();
    assert!(clean_exit, "the leader stops within its grace period");
    assert_eq!(employee_rows(&rows), 2 * (first.ok() + second.ok()));
    phase2.assert_exactly_once();
    assert_eq!(role, "leader", "the survivor took the lease over");
}

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn two_replicas_taking_a_free_lease_at_the_same_moment_publish_a_backlog_once() {
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());

    // A backlog written by a replica that runs no relay.
    let mut writer_env = env.clone();
    crate::harness::service::set(&mut writer_env, "HRMS_RELAY_ENABLED", "false");
    let writer = Service::start("e2-lease-contention", "writer", free_port(), &writer_env).await;
    let plan = LoadPlan {
        employees: 100,
        updates: 1,
        concurrency: 8,
        rate: None,
    };
    let report = load::run(&[writer.target()], plan).await;
    drop(writer);

    // Hold the lease row so that both relays read it free and then queue on it:
    // the moment two replicas start together, or two standbys see it expire.
    // Both read it free; their conditional writes then queue on the lock, and
    // the second finds it taken once the first commits, so only one relays.
    // Whoever wins, each event must reach Kafka exactly once.
    let mut conn = <diesel::PgConnection as diesel::Connection>::establish(&db).expect("connect");
    use diesel::RunQueryDsl;
    diesel::sql_query("BEGIN")
        .execute(&mut conn)
        .expect("begin");
    diesel::sql_query("SELECT * FROM relay_leases WHERE name = 'outbox' FOR UPDATE")
        .execute(&mut conn)
        .expect("lock the lease row");
    let a = Service::start("e2-lease-contention", "a", free_port(), &env).await;
    let b = Service::start("e2-lease-contention", "b", free_port(), &env).await;
    let waiting = crate::harness::wait_until(
        Duration::from_secs(30),
        Duration::from_millis(200),
        || {
            let db = db.clone();
            async move {
                #[derive(diesel::QueryableByName)]
                struct N {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    n: i64,
                }
                let mut c = <diesel::PgConnection as diesel::Connection>::establish(&db).ok()?;
                let n: N = diesel::sql_query(
                    "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%relay_leases%'",
                )
                .get_result(&mut c)
                .ok()?;
                (n.n >= 2).then_some(n.n)
            }
        },
    )
    .await;
    diesel::sql_query("COMMIT")
        .execute(&mut conn)
        .expect("commit");
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let verdict = verify(&rows, &reader.records());
    let (by_a, by_b) = (a.delivered_count().await, b.delivered_count().await);
    summary(&format!(
        "tier2 e2 lease contention: sent={} ok={} relays_queued_on_lease={:?} delivered_by_a={by_a} delivered_by_b={by_b} {}",
        report.sent(),
        report.ok(),
        waiting,
        verdict.counts(),
    ));
    drop((a, b));
    assert!(waiting.is_some(), "both relays queued on the lease row");
    verdict.assert_exactly_once();
}
