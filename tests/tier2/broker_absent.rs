//! Scenario b: no broker when the service starts. It starts, serves writes,
//! reports `degraded` (still 200) once the relay's circuit opens, and delivers
//! everything once the broker container starts.

use std::time::{Duration, Instant};

use crate::end_to_end::transport_counts;
use crate::harness::broker::Broker;
use crate::harness::check::{employee_rows, verify};
use crate::harness::consumer::TopicReader;
use crate::harness::load::{self, LoadPlan};
use crate::harness::postgres::{outbox, Postgres};
use crate::harness::service::{base_env, Service};
use crate::harness::{free_port, summary, wait_for_delivery, ALL_TOPICS};

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn without_a_broker_the_service_serves_degraded_and_delivers_once_the_broker_starts() {
    let pg = Postgres::start().await;
    let mut broker = Broker::reserve();
    let db = pg.create_database("hrms");
    let env = base_env(&db, &broker.bootstrap());
    let started = Instant::now();
    let svc = Service::start("b-broker-absent", "b", free_port(), &env).await;
    let ready_after = started.elapsed();

    let plan = LoadPlan {
        employees: 40,
        updates: 1,
        concurrency: 4,
        rate: None,
    };
    let before = load::run(&[svc.target()], plan).await;
    let Some(degraded) = svc
        .wait_readiness("degraded", Duration::from_secs(30))
        .await
    else {
        let now = svc.readiness().await;
        panic!("readiness never said degraded: {now:?}\n{}", svc.tail(20));
    };
    assert_eq!(degraded["checks"]["kafka"]["status"], "unreachable");
    let during = load::run(&[svc.target()], plan).await;
    let delivered_while_absent = outbox(&db)
        .iter()
        .filter(|r| r.delivered_at.is_some())
        .count();

    broker.start().await;
    broker.create_topics().await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);
    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let back = svc.wait_readiness("ready", Duration::from_secs(30)).await;
    let verdict = verify(&rows, &reader.records());
    let sent = before.sent() + during.sent();
    let ok = before.ok() + during.ok();
    let errors = before.server_errors() + during.server_errors();
    summary(&format!(
        "tier2 b broker-absent: ready_after={:.1}s sent={sent} ok={ok} 5xx={errors} delivered_while_absent={delivered_while_absent} {} transports={} ready_again={}",
        ready_after.as_secs_f64(),
        verdict.counts(),
        transport_counts(&rows),
        back.is_some(),
    ));

    assert_eq!(errors, 0, "5xx answers without a broker");
    assert_eq!(ok, sent, "every write succeeds without a broker");
    assert_eq!(delivered_while_absent, 0);
    assert_eq!(employee_rows(&rows), 2 * ok);
    verdict.assert_exactly_once();
    assert!(
        back.is_some(),
        "readiness back to ready after the broker started"
    );
}
