//! The outbox as the tests read it: every event the service committed, still
//! queued (`outbox_events`) or delivered (moved to `outbox_deliveries`), read in
//! one snapshot so that a row moving between the tables meanwhile is seen
//! exactly once. Works on either backend through [`DbConnection`]; tier 2,
//! which has only a database URL, goes through [`read_url`].

use diesel::prelude::*;
use diesel::{Connection, PgConnection, RunQueryDsl};
use hrms::db::schema::{outbox_deliveries as d, outbox_events as q};
use hrms::db::DbConnection;
use serde_json::Value;

/// One outbox row, queued or delivered.
#[derive(Debug, Clone)]
pub struct OutboxRecord {
    /// Commit order.
    pub seq: i64,
    /// Event id.
    pub event_id: String,
    /// e.g. `EMPLOYEE_CREATED`.
    pub event_type: String,
    /// e.g. `employee`, `audit`.
    pub family: String,
    /// Kafka key.
    pub aggregate_id: String,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// Whether it was delivered (it is in `outbox_deliveries`).
    pub delivered: bool,
    /// Unix micros when delivered.
    pub delivered_at: Option<i64>,
    /// `kafka` or `http` once delivered.
    pub transport: Option<String>,
}

/// The rows bound for Kafka or the HTTP peers, queued or delivered, in commit
/// order, in one snapshot (REPEATABLE READ on PostgreSQL; SQLite's transactions
/// are serialisable). Rows for in-process subscribers (`subscriber:<name>`) are
/// another destination of the same events: [`read_all`] includes them.
pub fn read(conn: &mut DbConnection) -> QueryResult<Vec<OutboxRecord>> {
    snapshot(conn, true)
}

/// [`read`] with the rows for in-process subscribers too.
pub fn read_all(conn: &mut DbConnection) -> QueryResult<Vec<OutboxRecord>> {
    snapshot(conn, false)
}

fn snapshot(conn: &mut DbConnection, external_only: bool) -> QueryResult<Vec<OutboxRecord>> {
    conn.transaction(|c| {
        if let DbConnection::Pg(_) = c {
            diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(c)?;
        }
        read_in(c, external_only)
    })
}

/// [`read`] over a new connection to the PostgreSQL database at `url` (tier 2
/// counts what leaves the process).
pub fn read_url(url: &str) -> Vec<OutboxRecord> {
    let pg = PgConnection::establish(url).expect("connect to the service database");
    let mut conn = DbConnection::Pg(pg);
    conn.transaction(|c| {
        diesel::sql_query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(c)?;
        read_in(c, true)
    })
    .expect("outbox query")
}

fn read_in(conn: &mut DbConnection, external_only: bool) -> QueryResult<Vec<OutboxRecord>> {
    let mut queued_query = q::table.into_boxed();
    let mut delivered_query = d::table.into_boxed();
    if external_only {
        queued_query = queued_query.filter(q::destination.not_like("subscriber:%"));
        delivered_query = delivered_query.filter(d::transport.ne("subscriber"));
    }
    let queued = queued_query
        .select((
            q::seq,
            q::event_id,
            q::event_type,
            q::family,
            q::aggregate_id,
            q::attempts,
        ))
        .load::<(i64, String, String, String, String, i32)>(conn)?;
    let delivered = delivered_query
        .select((
            d::seq,
            d::event_id,
            d::event_type,
            d::family,
            d::aggregate_id,
            d::attempts,
            d::delivered_at,
            d::transport,
        ))
        .load::<(i64, String, String, String, String, i32, i64, String)>(conn)?;
    let mut rows: Vec<OutboxRecord> = queued
        .into_iter()
        .map(
            |(seq, event_id, event_type, family, aggregate_id, attempts)| OutboxRecord {
                seq,
                event_id,
                event_type,
                family,
                aggregate_id,
                attempts,
                delivered: false,
                delivered_at: None,
                transport: None,
            },
        )
        .collect();
    rows.extend(delivered.into_iter().map(
        |(seq, event_id, event_type, family, aggregate_id, attempts, at, transport)| OutboxRecord {
            seq,
            event_id,
            event_type,
            family,
            aggregate_id,
            attempts,
            delivered: true,
            delivered_at: Some(at),
            transport: Some(transport),
        },
    ));
    rows.sort_by_key(|r| r.seq);
    Ok(rows)
}

/// The values (the event JSON the relay would publish) of the rows still
/// queued, in commit order.
pub fn queued_values(conn: &mut DbConnection) -> QueryResult<Vec<Value>> {
    let payloads = q::table
        .order(q::seq)
        .select(q::payload)
        .load::<String>(conn)?;
    Ok(payloads
        .iter()
        .map(|p| serde_json::from_str(p).unwrap_or(Value::Null))
        .collect())
}

/// Removes every row, queued or delivered, keyed by `aggregate_id`: what a
/// fixture's set-up wrote about its own aggregate, so that tests count and
/// receive only the events of what they do themselves.
pub fn forget_aggregate(conn: &mut DbConnection, aggregate_id: &str) -> QueryResult<usize> {
    conn.transaction(|c| {
        let queued =
            diesel::delete(q::table.filter(q::aggregate_id.eq(aggregate_id))).execute(c)?;
        let delivered =
            diesel::delete(d::table.filter(d::aggregate_id.eq(aggregate_id))).execute(c)?;
        Ok(queued + delivered)
    })
}
