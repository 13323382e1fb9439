//! Scenario a: a few hundred writes through the employee API; every committed
//! event reaches its topic exactly once, in order per key, valid against its
//! schema, with the CloudEvents headers.

use std::time::Duration;

use crate::harness::broker::Broker;
use crate::harness::check::{employee_rows, verify};
use crate::harness::consumer::TopicReader;
use crate::harness::load::{self, LoadPlan};
use crate::harness::postgres::Postgres;
use crate::harness::service::{base_env, Service};
use crate::harness::{free_port, summary, wait_for_delivery, ALL_TOPICS};

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn every_committed_event_reaches_its_topic_exactly_once_in_order_and_valid() {
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let svc = Service::start("a-end-to-end", "a", free_port(), &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);

    let plan = LoadPlan {
        employees: 100,
        updates: 2,
        concurrency: 8,
        rate: None,
    };
    let report = load::run(&[svc.target()], plan).await;
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let verdict = verify(&rows, &reader.records());
    let transports = transport_counts(&rows);
    summary(&format!(
        "tier2 a end-to-end: sent={} ok={} 5xx={} {} transports={transports} latency {}",
        report.sent(),
        report.ok(),
        report.server_errors(),
        verdict.counts(),
        report.latency(),
    ));

    assert_eq!(report.sent(), plan.requests());
    assert_eq!(report.server_errors(), 0, "5xx answers");
    report.assert_no_unexpected();
    // Each write commits one domain event and one audit event.
    assert_eq!(employee_rows(&rows), 2 * report.ok());
    verdict.assert_exactly_once();
    assert!(
        rows.iter().all(|r| r.transport.as_deref() == Some("kafka")),
        "every row went by Kafka: {transports}"
    );
}

/// `kafka:N http:M pending:K`.
pub fn transport_counts(rows: &[crate::harness::postgres::OutboxRecord]) -> String {
    let count = |t: Option<&str>| rows.iter().filter(|r| r.transport.as_deref() == t).count();
    format!(
        "kafka:{} http:{} pending:{}",
        count(Some("kafka")),
        count(Some("http")),
        count(None)
    )
}
