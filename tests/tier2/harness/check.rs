//! The checks every scenario shares: what the consumer read against what the
//! service committed (its outbox), by event id: lost, duplicated, unknown; the
//! order per key; each value against its JSON Schema; the CloudEvents headers.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::consumer::Record;
use super::postgres::OutboxRecord;
use crate::support::schemas::Validators;

/// Which outbox rows a scenario expects on Kafka: all but those the HTTP
/// fallback delivered.
pub fn on_kafka(row: &OutboxRecord) -> bool {
    row.transport.as_deref() != Some("http")
}

/// Rows the employee API's writes committed: one domain event and one audit
/// event per write (other rows, e.g. the bootstrap administrator's, are not).
pub fn employee_rows(rows: &[OutboxRecord]) -> usize {
    rows.iter()
        .filter(|r| {
            r.event_type.starts_with("EMPLOYEE_") || r.event_type == "AUDIT_EMPLOYEE_ACTION"
        })
        .count()
}

/// The comparison of committed rows and read records.
#[derive(Debug, Default)]
pub struct Verdict {
    /// Outbox rows expected on the topics.
    pub committed: usize,
    /// Distinct committed event ids read.
    pub delivered: usize,
    /// Records read (with duplicates).
    pub records: usize,
    /// Extra copies: records minus distinct ids.
    pub duplicates: usize,
    /// Event ids read more than once, with their count.
    pub duplicate_ids: BTreeMap<String, usize>,
    /// Committed ids never read (`id TYPE (seq N)`).
    pub lost: Vec<String>,
    /// Ids read that the outbox does not hold (or holds as delivered by HTTP).
    pub unknown: Vec<String>,
    /// Keys whose events arrived out of commit order.
    pub order_violations: Vec<String>,
    /// Values that do not match their schema.
    pub schema_errors: Vec<String>,
    /// Missing or wrong CloudEvents headers, wrong keys, wrong topics.
    pub header_errors: Vec<String>,
}

impl Verdict {
    /// `committed=.. delivered=.. duplicates=.. lost=..` for the summary line.
    pub fn counts(&self) -> String {
        format!(
            "committed={} delivered={} records={} duplicates={} lost={} unknown={} order_violations={} schema_errors={} header_errors={}",
            self.committed,
            self.delivered,
            self.records,
            self.duplicates,
            self.lost.len(),
            self.unknown.len(),
            self.order_violations.len(),
            self.schema_errors.len(),
            self.header_errors.len()
        )
    }

    /// Panics unless nothing is lost, unknown, out of order, invalid, and the
    /// only duplicates are ids in `allowed_duplicates`.
    pub fn assert_delivered(&self, allowed_duplicates: &HashSet<String>) {
        self.assert_delivered_except(allowed_duplicates, &HashSet::new());
    }

    /// As [`Verdict::assert_delivered`], also tolerating the loss of the ids
    /// in `allowed_lost` (a broker that lost what it had acknowledged).
    pub fn assert_delivered_except(
        &self,
        allowed_duplicates: &HashSet<String>,
        allowed_lost: &HashSet<String>,
    ) {
        let bad_dups: Vec<_> = self
            .duplicate_ids
            .iter()
            .filter(|(id, _)| !allowed_duplicates.contains(*id))
            .collect();
        let lost: Vec<String> = self
            .lost
            .iter()
            .filter(|l| !allowed_lost.contains(l.split(' ').next().unwrap_or_default()))
            .cloned()
            .collect();
        let sample = |v: &[String]| v.iter().take(5).cloned().collect::<Vec<_>>().join("; ");
        assert!(
            lost.is_empty()
                && self.unknown.is_empty()
                && bad_dups.is_empty()
                && self.order_violations.is_empty()
                && self.schema_errors.is_empty()
                && self.header_errors.is_empty(),
            "delivery check failed: {}\n lost: {}\n unknown: {}\n unexpected duplicates: {:?}\n order: {}\n schema: {}\n headers: {}",
            self.counts(),
            sample(&lost),
            sample(&self.unknown),
            bad_dups.iter().take(5).collect::<Vec<_>>(),
            sample(&self.order_violations),
            sample(&self.schema_errors),
            sample(&self.header_errors),
        );
    }

    /// Exactly once: no duplicates at all.
    pub fn assert_exactly_once(&self) {
        self.assert_delivered(&HashSet::new());
    }
}

/// Compares `records` (read from every topic) with the outbox rows expected on Kafka.
pub fn verify(rows: &[OutboxRecord], records: &[Record]) -> Verdict {
    let expected: HashMap<&str, &OutboxRecord> = rows
        .iter()
        .filter(|r| on_kafka(r))
        .map(|r| (r.event_id.as_str(), r))
        .collect();
    let mut v = Verdict {
        committed: expected.len(),
        records: records.len(),
        ..Verdict::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for r in records {
        *seen.entry(r.event_id()).or_default() += 1;
    }
    v.delivered = seen
        .keys()
        .filter(|id| expected.contains_key(id.as_str()))
        .count();
    v.duplicates = records.len() - seen.len();
    v.duplicate_ids = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| (id.clone(), *n))
        .collect();
    v.lost = rows
        .iter()
        .filter(|r| on_kafka(r) && !seen.contains_key(&r.event_id))
        .map(|r| format!("{} {} (seq {})", r.event_id, r.event_type, r.seq))
        .collect();
    v.unknown = seen
        .keys()
        .filter(|id| !expected.contains_key(id.as_str()))
        .cloned()
        .collect();

    let mut validators = Validators::default();
    let mut checked: HashSet<String> = HashSet::new();
    for r in records {
        let id = r.event_id();
        // Duplicates carry the same bytes; check each id once.
        if !checked.insert(id.clone()) {
            continue;
        }
        let Some(row) = expected.get(id.as_str()) else {
            continue;
        };
        let topic = format!("{}-queue", row.family);
        if r.topic != topic {
            v.header_errors
                .push(format!("{id}: on topic {} instead of {topic}", r.topic));
        }
        if r.key != row.aggregate_id {
            v.header_errors.push(format!(
                "{id}: key {:?} is not the aggregate id {}",
                r.key, row.aggregate_id
            ));
        }
        v.header_errors.extend(header_problems(r, row));
        for e in validators.errors(&row.event_type, &r.value) {
            v.schema_errors
                .push(format!("{id} {}: {e}", row.event_type));
        }
    }

    // Order per key: within a topic, the first copy of each event of one key
    // must come in commit (outbox seq) order, in one partition, with
    // non-decreasing event timestamps.
    let mut by_key: BTreeMap<(String, String), Vec<&Record>> = BTreeMap::new();
    for r in records {
        by_key
            .entry((r.topic.clone(), r.key.clone()))
            .or_default()
            .push(r);
    }
    for ((topic, key), mut recs) in by_key {
        let partitions: HashSet<i32> = recs.iter().map(|r| r.partition).collect();
        if partitions.len() > 1 {
            v.order_violations.push(format!(
                "{topic}/{key}: spread over partitions {partitions:?}"
            ));
            continue;
        }
        recs.sort_by_key(|r| r.offset);
        let mut firsts = HashSet::new();
        let mut last_seq = i64::MIN;
        let mut last_ts = String::new();
        for r in recs {
            let id = r.event_id();
            if !firsts.insert(id.clone()) {
                continue;
            }
            let Some(row) = expected.get(id.as_str()) else {
                continue;
            };
            if row.seq < last_seq {
                v.order_violations.push(format!(
                    "{topic}/{key}: {id} (seq {}) after seq {last_seq}",
                    row.seq
                ));
            }
            let ts = r.value["timestamp"].as_str().unwrap_or_default().to_owned();
            if ts < last_ts {
                v.order_violations.push(format!(
                    "{topic}/{key}: {id} timestamp {ts} after {last_ts}"
                ));
            }
            last_seq = last_seq.max(row.seq);
            last_ts = last_ts.max(ts);
        }
    }
    v
}

fn header_problems(r: &Record, row: &OutboxRecord) -> Vec<String> {
    let id = &row.event_id;
    let mut out = Vec::new();
    let h = |k: &str| r.headers.get(k).map(String::as_str);
    let source = format!("/hrms/{}", r.value["source"].as_str().unwrap_or_default());
    let expect = [
        ("ce_id", Some(id.as_str())),
        ("ce_type", Some(row.event_type.as_str())),
        ("ce_source", Some(source.as_str())),
        ("ce_specversion", Some("1.0")),
        ("content-type", Some("application/json")),
    ];
    for (k, want) in expect {
        if h(k) != want {
            out.push(format!("{id}: header {k} is {:?}, expected {want:?}", h(k)));
        }
    }
    match h("ce_time") {
        Some(t) if chrono::DateTime::parse_from_rfc3339(t).is_ok() => {}
        other => out.push(format!("{id}: header ce_time is {other:?}")),
    }
    if r.value["event_id"].as_str() != Some(id) || r.value["event_type"] != row.event_type.as_str()
    {
        out.push(format!(
            "{id}: value's event_id/event_type do not match the outbox row"
        ));
    }
    out
}
