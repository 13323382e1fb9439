//! Scenario i: working-time compliance across a crash. The same stream of
//! attendance writes (two weeks for six employees, with missing breaks and
//! short rests, then corrections that resolve some of them) runs twice through
//! the real binary, PostgreSQL and the broker: once cleanly, once with the
//! service killed (SIGKILL) mid-stream and restarted on the same database.
//! Both end with exactly the same violations and statuses; the compliance
//! events reach their topic exactly once apart from those in flight at the
//! kill; and `hrms compliance rebuild` on the crashed run's database changes
//! nothing.

use std::collections::{BTreeSet, HashSet};
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::broker::Broker;
use crate::harness::check::verify;
use crate::harness::consumer::TopicReader;
use crate::harness::postgres::{outbox, Postgres};
use crate::harness::service::{base_env, Service, Target};
use crate::harness::{free_port, sleep, summary, wait_for_delivery, wait_until, ALL_TOPICS};

/// One manual record: employee index, start and end (UTC).
type Write = (usize, String, String);

const EMPLOYEES: usize = 6;

/// Two working weeks per employee: 07:00-12:00 and 12:30-16:00 (UTC, the
/// employees are in UTC), except that on some days the day runs without its
/// break (07:00-15:30: a `break` violation) and on others it ends at 22:00
/// (the next morning's 07:00 start leaves 9 h: a `daily_rest` violation).
fn writes() -> Vec<Write> {
    let mut out = Vec::new();
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 2).expect("date");
    for week in 0..2 {
        for wd in 0..5 {
            let day = first + chrono::Duration::days(week * 7 + wd);
            for e in 0..EMPLOYEES {
                let k = e + (week * 5 + wd) as usize;
                if k.is_multiple_of(4) {
                    out.push((e, format!("{day}T07:00:00Z"), format!("{day}T15:30:00Z")));
                } else {
                    let end = if k.is_multiple_of(5) {
                        "22:00"
                    } else {
                        "16:00"
                    };
                    out.push((e, format!("{day}T07:00:00Z"), format!("{day}T12:00:00Z")));
                    out.push((e, format!("{day}T12:30:00Z"), format!("{day}T{end}:00Z")));
                }
            }
        }
    }
    out
}

/// POST or PATCH with retries while the service is down; `None` for a
/// connection failure.
async fn send(
    client: &awc::Client,
    t: &Target,
    method: &str,
    path: &str,
    body: &Value,
) -> Option<(u16, Value)> {
    let url = format!("{}{path}", t.base);
    let req = match method {
        "PATCH" => client.patch(url),
        "GET" => client.get(url),
        _ => client.post(url),
    };
    let req = req.insert_header((
        "authorization",
        format!("Bearer {}", t.token.clone().unwrap_or_default()),
    ));
    let mut res = if method == "GET" {
        req.send().await
    } else {
        req.send_json(body).await
    }
    .ok()?;
    let status = res.status().as_u16();
    let body = res
        .json::<Value>()
        .limit(1 << 22)
        .await
        .unwrap_or(Value::Null);
    Some((status, body))
}

/// Sends until an answer comes (the service may be restarting); a write that
/// committed before a kill and is sent again is refused as overlapping, which
/// means it is there.
async fn write_through(client: &awc::Client, t: &Target, employee: &str, w: &Write) {
    let body = json!({ "employee_id": employee, "start": w.1, "end": w.2, "reason": "timesheet" });
    for _ in 0..600 {
        match send(client, t, "POST", "/api/v1/attendance/records", &body).await {
            Some((201, _)) => return,
            Some((409, b)) if b["code"] == "overlapping_record" => return,
            Some((s, b)) if s < 500 => panic!("record {w:?}: {s} {b}"),
            _ => sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("record {w:?} never answered");
}

async fn create_employees(client: &awc::Client, t: &Target) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..EMPLOYEES {
        let body = json!({ "name": "Shift worker", "age": 30, "hire_date": "2020-01-01", "time_zone": "UTC" });
        let (s, b) = send(client, t, "POST", "/api/v1/employees", &body)
            .await
            .expect("answer");
        assert_eq!(s, 201, "{b}");
        ids.push(b["id"].as_str().expect("id").to_owned());
    }
    ids
}

/// The corrections, after the stream: for the first three employees with a
/// late evening before another working day, the first such evening ends at
/// 17:00 instead (their short rest is resolved).
async fn correct(client: &awc::Client, t: &Target, ids: &[String]) {
    use chrono::Datelike;
    let mut done = 0;
    for id in ids {
        let path = format!(
            "/api/v1/attendance/records?employee_id={id}&from=2026-11-02&to=2026-11-13&limit=200"
        );
        let (_, b) = send(client, t, "GET", &path, &Value::Null)
            .await
            .expect("answer");
        let late = b["items"].as_array().expect("items").iter().find(|r| {
            r["end"].as_str().is_some_and(|x| {
                x.ends_with("T22:00:00Z")
                    && chrono::NaiveDate::parse_from_str(&x[..10], "%Y-%m-%d")
                        .is_ok_and(|d| d.weekday() != chrono::Weekday::Fri)
            })
        });
        let Some(late) = late else { continue };
        let day = &late["end"].as_str().unwrap()[..10];
        let body = json!({ "end": format!("{day}T17:00:00Z"), "reason": "left at five" });
        let path = format!(
            "/api/v1/attendance/records/{}",
            late["id"].as_str().unwrap()
        );
        let (s, b) = send(client, t, "PATCH", &path, &body)
            .await
            .expect("answer");
        assert_eq!(s, 200, "{b}");
        done += 1;
        if done == 3 {
            return;
        }
    }
    panic!("fewer than three employees with a late evening before a working day");
}

/// Every finding of the employees as `(index, rule/check/window/kind, status)`.
async fn findings(
    client: &awc::Client,
    t: &Target,
    ids: &[String],
) -> BTreeSet<(usize, String, String)> {
    let mut out = BTreeSet::new();
    for (e, id) in ids.iter().enumerate() {
        let path = format!("/api/v1/compliance/violations?employee_id={id}&limit=200");
        let (s, b) = send(client, t, "GET", &path, &Value::Null)
            .await
            .expect("answer");
        assert_eq!(s, 200, "{b}");
        for f in b["items"].as_array().expect("items") {
            let identity = f["identity"].as_str().unwrap();
            let rest = identity.split_once('/').map_or(identity, |(_, r)| r);
            out.insert((e, rest.to_owned(), f["status"].as_str().unwrap().to_owned()));
        }
    }
    out
}

/// Waits until the findings stop changing (the subscriber has caught up).
async fn settled(
    client: &awc::Client,
    t: &Target,
    ids: &[String],
) -> BTreeSet<(usize, String, String)> {
    let mut last = findings(client, t, ids).await;
    let mut stable = 0;
    for _ in 0..120 {
        sleep(Duration::from_millis(500)).await;
        let now = findings(client, t, ids).await;
        if now == last {
            stable += 1;
            if stable >= 4 {
                return now;
            }
        } else {
            stable = 0;
            last = now;
        }
    }
    last
}

#[actix_web::test]
#[ignore = "tier 2: needs Docker and the test images; run scripts/test-tier2.sh"]
async fn a_crash_mid_stream_ends_with_the_violations_of_a_clean_run_and_a_rebuild_changes_nothing()
{
    let pg = Postgres::start().await;
    let broker = Broker::start_with_topics().await;
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(10))
        .finish();
    let plan = writes();

    // The clean run.
    let clean_db = pg.create_database("clean");
    let mut env = base_env(&clean_db, &broker.bootstrap());
    env.push(("COMPLIANCE_CHECK_INTERVAL_SECS".into(), "0".into()));
    let clean = Service::start("i-compliance", "clean", free_port(), &env).await;
    let t = clean.target();
    let ids = create_employees(&client, &t).await;
    for w in &plan {
        write_through(&client, &t, &ids[w.0], w).await;
    }
    correct(&client, &t, &ids).await;
    let expected = settled(&client, &t, &ids).await;
    drop(clean);
    // The broker is shared: the crashed run's reader skips the clean run's records.
    let clean_events: HashSet<String> = outbox(&clean_db).into_iter().map(|r| r.event_id).collect();

    // The same stream, killed a third of the way through.
    let db = pg.create_database("crashed");
    let mut env = base_env(&db, &broker.bootstrap());
    env.push(("COMPLIANCE_CHECK_INTERVAL_SECS".into(), "0".into()));
    env.push(("KAFKA_LINGER_MS".into(), "250".into()));
    let port = free_port();
    let mut first = Service::start("i-compliance", "first", port, &env).await;
    let reader = TopicReader::start(&broker.bootstrap(), &ALL_TOPICS);
    let t = first.target();
    let ids = create_employees(&client, &t).await;
    let stream = {
        let (client, t, ids, plan) = (client.clone(), t.clone(), ids.clone(), plan.clone());
        actix_web::rt::spawn(async move {
            for w in &plan {
                write_through(&client, &t, &ids[w.0], w).await;
                sleep(Duration::from_millis(15)).await;
            }
        })
    };
    let third = plan.len() / 3;
    wait_until(Duration::from_secs(60), Duration::from_millis(20), || {
        let db = db.clone();
        async move {
            let n = outbox(&db)
                .iter()
                .filter(|r| r.event_type == "ATTENDANCE_MARKED")
                .count();
            (n >= third).then_some(())
        }
    })
    .await
    .expect("a third of the stream written");
    first.kill();
    let undelivered: HashSet<String> = outbox(&db)
        .iter()
        .filter(|r| r.delivered_at.is_none())
        .map(|r| r.event_id.clone())
        .collect();
    sleep(Duration::from_secs(1)).await;
    let second = Service::start("i-compliance", "restarted", port, &env).await;
    stream.await.expect("stream");
    let t = second.target();
    correct(&client, &t, &ids).await;
    let got = settled(&client, &t, &ids).await;

    let rows = wait_for_delivery(&db, &reader, Duration::from_secs(120)).await;
    let records: Vec<_> = reader
        .records()
        .into_iter()
        .filter(|r| !clean_events.contains(&r.event_id()))
        .collect();
    let verdict = verify(&rows, &records);
    let compliance_ids: HashSet<String> = rows
        .iter()
        .filter(|r| r.event_type.starts_with("COMPLIANCE_"))
        .map(|r| r.event_id.clone())
        .collect();
    let on_topic = records
        .iter()
        .filter(|r| r.topic == "compliance-queue")
        .count();
    let resolved = got.iter().filter(|(_, _, s)| s == "resolved").count();
    summary(&format!(
        "tier2 i compliance crash: writes={} findings={} resolved={} compliance_events={} compliance_records={on_topic} undelivered_at_kill={} {}",
        plan.len(),
        got.len(),
        resolved,
        compliance_ids.len(),
        undelivered.len(),
        verdict.counts()
    ));
    assert!(!expected.is_empty(), "the stream breaks rules");
    assert!(
        expected
            .iter()
            .any(|(_, k, _)| k.starts_with("daily_rest/")),
        "{expected:#?}"
    );
    assert!(
        expected.iter().any(|(_, k, _)| k.starts_with("break/")),
        "{expected:#?}"
    );
    assert_eq!(
        resolved, 3,
        "the three corrections resolve a short rest each: {got:#?}"
    );
    assert_eq!(
        got, expected,
        "the crashed run ends with the clean run's findings"
    );
    assert!(verdict.lost.is_empty(), "{:?}", verdict.lost);
    assert!(verdict.unknown.is_empty(), "{:?}", verdict.unknown);
    assert!(
        verdict.order_violations.is_empty(),
        "{:?}",
        verdict.order_violations
    );
    assert!(
        verdict.schema_errors.is_empty(),
        "{:?}",
        verdict.schema_errors
    );
    assert!(
        verdict
            .duplicate_ids
            .keys()
            .all(|id| undelivered.contains(id)),
        "only events in flight at the kill may arrive twice: {:?}",
        verdict.duplicate_ids
    );

    // A rebuild from the journal (service stopped) changes nothing.
    drop(second);
    let config_dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hrms"))
        .args(["compliance", "rebuild"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HRMS_CONFIG_DIR", &config_dir)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .expect("run hrms compliance rebuild");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "rebuild failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("0 findings detected, 0 resolved"),
        "{stdout}"
    );
    let third = Service::start("i-compliance", "after-rebuild", port, &env).await;
    let after = findings(&client, &third.target(), &ids).await;
    assert_eq!(after, got, "the rebuild yields the same findings");
}
