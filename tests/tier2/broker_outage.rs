//! Scenario c: writes at a steady rate while the broker container is stopped
//! (or paused) for 30 s, then started (or unpaused): no committed event lost,
//! none duplicated, no 5xx, and the write latency during the outage reported.

use std::time::{Duration, Instant};

use crate::end_to_end::transport_counts;
use crate::harness::broker::Broker;
use crate::harness::check::{employee_rows, verify};
use crate::harness::consumer::TopicReader;
use crate::harness::load::{self, LoadPlan};
use crate::harness::postgres::Postgres;
use crate::harness::service::{base_env, Service};
use crate::harness::{free_port, sleep, summary, wait_for_delivery, ALL_TOPICS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outage {
    /// The broker process ends (see [`Broker::stop`]), then the container
    /// starts again: connections refused meanwhile.
    Stop,
    /// `docker pause`, then `docker unpause`: connections hang meanwhile.
    Pause,
}

const OUTAGE: Duration = Duration::from_secs(30);

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn a_broker_stopped_for_30_s_mid_load_loses_and_duplicates_nothing() {
    outage(Outage::Stop).await;
}

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn a_broker_paused_for_30_s_mid_load_loses_and_duplicates_nothing() {
    outage(Outage::Pause).await;
}

async fn outage(kind: Outage) {
    let scenario = match kind {
        Outage::Stop => "c-outage-stop",
        Outage::Pause => "c-outage-pause",
    };
    let pg = Postgres::start().await;
    let mut broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let svc = Service::start(scenario, "c", free_port(), &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);

    // 20 writes/s for 55 s: 10 s before the outage, 30 s of outage, 15 s after.
    let plan = LoadPlan {
        employees: 220,
        updates: 3,
        concurrency: 8,
        rate: Some(20.0),
    };
    let targets = [svc.target()];
    let load = actix_web::rt::spawn(async move { load::run(&targets, plan).await });
    sleep(Duration::from_secs(10)).await;
    let down_at = Instant::now();
    match kind {
        Outage::Stop => broker.stop().await,
        Outage::Pause => broker.pause().await,
    }
    let degraded = svc.wait_readiness("degraded", OUTAGE).await.is_some();
    let left = OUTAGE.saturating_sub(down_at.elapsed());
    sleep(left).await;
    let up_at = Instant::now();
    match kind {
        Outage::Stop => broker.start().await,
        Outage::Pause => broker.unpause().await,
    }
    let report = load.await.expect("load task");
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(180)).await;
    let verdict = verify(&rows, &reader.records());
    let during = report.latency_between(down_at, up_at);
    let readiness = svc.readiness().await.1;
    broker.save_logs(scenario).await;
    summary(&format!(
        "tier2 {scenario}: sent={} ok={} 5xx={} no_response={} {} transports={} degraded_seen={degraded} latency_outage {} latency_all {} readiness_after={}",
        report.sent(),
        report.ok(),
        report.server_errors(),
        report.no_response(),
        verdict.counts(),
        transport_counts(&rows),
        during,
        report.latency(),
        readiness["status"],
    ));

    // Stopped: librdkafka reports all brokers down. Paused: the connections
    // stay open and nothing is acknowledged (HRMS_RELAY_ACK_STALL_SECS).
    assert!(degraded, "readiness said degraded during the outage");
    assert_eq!(report.server_errors(), 0, "5xx answers during the outage");
    assert_eq!(report.no_response(), 0, "requests without an answer");
    report.assert_no_unexpected();
    assert_eq!(employee_rows(&rows), 2 * report.ok());
    verdict.assert_exactly_once();
}
