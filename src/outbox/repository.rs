//! Outbox queries. Every function takes a connection so that callers choose the
//! transaction; all run on blocking threads.

use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::result::Error as DieselError;

use crate::db::schema::{outbox_deliveries, outbox_events, relay_leases};
use crate::db::DbConnection;
use crate::events::Event;
use crate::outbox::Destination;

/// Name of the relay lease row.
const LEASE: &str = "outbox";

/// A row to insert.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outbox_events)]
pub struct NewRow {
    event_id: String,
    event_type: String,
    pub(crate) family: String,
    source_module: String,
    destination: String,
    aggregate_id: String,
    payload: String,
    traceparent: Option<String>,
    created_at: i64,
    attempts: i32,
    next_attempt_at: i64,
}

impl NewRow {
    /// Serialises `event` into a pending row for `destination`.
    pub fn from_event(
        event: &Event,
        traceparent: Option<&str>,
        destination: &Destination,
    ) -> QueryResult<Self> {
        let base = event.base();
        let family = event.family();
        let payload = event
            .to_json()
            .map_err(|e| DieselError::SerializationError(Box::new(e)))?;
        // The row's time is the event's time: it becomes the `ce_time` header.
        let now = base.timestamp.timestamp_micros();
        Ok(Self {
            event_id: base.event_id.to_string(),
            event_type: base.event_type.as_str().to_owned(),
            family: family.as_str().to_owned(),
            source_module: base.source.as_str().to_owned(),
            destination: destination.as_db().into_owned(),
            aggregate_id: event.aggregate_id(),
            payload,
            traceparent: traceparent.map(str::to_owned),
            created_at: now,
            attempts: 0,
            next_attempt_at: now,
        })
    }

    /// The same event's row for another destination.
    pub fn to_destination(&self, destination: &Destination) -> Self {
        Self {
            destination: destination.as_db().into_owned(),
            ..self.clone()
        }
    }
}

/// Inserts rows. One statement per row: diesel's multi-backend connection has
/// no multi-row insert, and a change writes only a handful of events.
pub fn insert(conn: &mut DbConnection, rows: &[NewRow]) -> QueryResult<usize> {
    match conn {
        // One statement (one round trip) for the transaction's rows; `seq`
        // follows the order of the VALUES list. Multi-row inserts are
        // backend-specific in diesel: run on the concrete connection.
        DbConnection::Pg(pg) if rows.len() > 1 => diesel::insert_into(outbox_events::table)
            .values(rows)
            .execute(pg),
        // SQLite is in process (no round trip to save) and its multi-row
        // VALUES cannot say DEFAULT: one statement per row.
        _ => {
            let mut n = 0;
            for row in rows {
                n += diesel::insert_into(outbox_events::table)
                    .values(row)
                    .execute(conn)?;
            }
            Ok(n)
        }
    }
}

/// An undelivered row, as the relay sees it. Delivered rows leave this table
/// for `outbox_deliveries` (see [`mark_delivered`]).
#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = outbox_events)]
pub struct OutboxRow {
    /// Commit order.
    pub seq: i64,
    /// Event id (UUID v7).
    pub event_id: String,
    /// e.g. `EMPLOYEE_CREATED`.
    pub event_type: String,
    /// e.g. `employee`.
    pub family: String,
    /// e.g. `employee`.
    pub source_module: String,
    /// `kafka`, `kafka_or_http`, `http` or `subscriber:<name>` (see
    /// [`Destination`]).
    pub destination: String,
    /// Kafka key.
    pub aggregate_id: String,
    /// Event JSON.
    pub payload: String,
    /// W3C trace context of the request.
    pub traceparent: Option<String>,
    /// Unix micros.
    pub created_at: i64,
    /// Failed deliveries so far.
    pub attempts: i32,
    /// Unix micros.
    pub next_attempt_at: i64,
    /// Last failure.
    pub last_error: Option<String>,
}

/// Result of trying to take or keep the relay lease.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lease {
    /// We hold it; `fresh` when we just took it over.
    Held {
        /// True when another holder (or nobody) had it before.
        fresh: bool,
    },
    /// Another relay holds it.
    Elsewhere,
}

/// Takes or renews the relay lease for `holder` until `now + ttl`. Only the holder
/// claims rows, which keeps each aggregate's events in order across replicas.
/// The write is conditional (held by us, or free, or expired) and its row count
/// decides, so two relays racing for an expired lease cannot both win it.
pub fn acquire_lease(
    conn: &mut DbConnection,
    holder: &str,
    now: i64,
    ttl_micros: i64,
) -> QueryResult<Lease> {
    crate::db::write_tx(conn, |conn| {
        let current: Option<String> = relay_leases::table
            .filter(relay_leases::name.eq(LEASE))
            .select(relay_leases::holder)
            .first(conn)?;
        let taken = diesel::update(
            relay_leases::table
                .filter(relay_leases::name.eq(LEASE))
                .filter(
                    relay_leases::holder
                        .eq(holder)
                        .or(relay_leases::holder.is_null())
                        .or(relay_leases::expires_at.le(now)),
                ),
        )
        .set((
            relay_leases::holder.eq(holder),
            relay_leases::expires_at.eq(now + ttl_micros),
        ))
        .execute(conn)?;
        Ok(if taken == 1 {
            Lease::Held {
                fresh: current.as_deref() != Some(holder),
            }
        } else {
            Lease::Elsewhere
        })
    })
}

/// Gives the lease up (on shutdown) so another replica can take over at once.
pub fn release_lease(conn: &mut DbConnection, holder: &str) -> QueryResult<usize> {
    diesel::update(
        relay_leases::table
            .filter(relay_leases::name.eq(LEASE))
            .filter(relay_leases::holder.eq(holder)),
    )
    .set(relay_leases::expires_at.eq(0_i64))
    .execute(conn)
}

/// Which rows a claim may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimScope {
    /// Every due row.
    All,
    /// Only rows of these families (Kafka is unreachable: these go over HTTP).
    Families(Vec<String>),
    /// Rows of these families (the HTTP fallback carries them) and every row
    /// for an in-process subscriber: what a relay without Kafka can deliver.
    FamiliesAndSubscribers(Vec<String>),
}

/// The rows one relay incarnation has claimed and not yet settled (marked
/// delivered or failed, or handed back). Claims live in memory, not in the rows:
/// only the lease holder claims, and a new holder or a restarted relay starts
/// with none, so whatever an earlier one had in flight is claimable again (it may
/// be sent twice, never lost; consumers deduplicate by event id).
///
/// It also keeps a cursor: while claims come back full (a backlog), the next one
/// starts after the highest row ever claimed and needs no exclusion list; once a
/// claim comes back short, the next one scans from the head again, which picks
/// up rows due for a retry, rows handed back, and rows committed late with a
/// lower sequence number.
#[derive(Debug, Default)]
pub struct Claims {
    in_flight: std::collections::HashSet<i64>,
    highest: i64,
    cursor: Option<ClaimScope>,
}

/// Where the next claim looks: rows after `after`, except `exclude`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimWindow {
    /// Only rows with a higher sequence number.
    pub after: i64,
    /// Rows in flight, which the claim must skip.
    pub exclude: Vec<i64>,
}

impl Claims {
    /// The window for the next claim in `scope`.
    pub fn window(&self, scope: &ClaimScope) -> ClaimWindow {
        if self.cursor.as_ref() == Some(scope) {
            return ClaimWindow {
                after: self.highest,
                exclude: Vec::new(),
            };
        }
        let mut exclude: Vec<i64> = self.in_flight.iter().copied().collect();
        exclude.sort_unstable();
        ClaimWindow { after: 0, exclude }
    }

    /// Records the rows (by `seq`) a claim in `scope` with `limit` returned.
    pub fn claimed(&mut self, scope: &ClaimScope, seqs: &[i64], limit: i64) {
        for &seq in seqs {
            self.in_flight.insert(seq);
            self.highest = self.highest.max(seq);
        }
        self.cursor = (seqs.len() as i64 >= limit).then(|| scope.clone());
    }

    /// Forgets rows whose outcome is recorded (or that were handed back).
    pub fn settled(&mut self, seqs: impl IntoIterator<Item = i64>) {
        for seq in seqs {
            self.in_flight.remove(&seq);
        }
    }

    /// Rows claimed and not settled.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Claims on `conn` at once: [`Claims::window`], [`claim`], [`Claims::claimed`].
    pub fn claim_now(
        &mut self,
        conn: &mut DbConnection,
        now: i64,
        limit: i64,
        scope: &ClaimScope,
    ) -> QueryResult<Vec<OutboxRow>> {
        let window = self.window(scope);
        let rows = claim(conn, &window, now, limit, scope)?;
        let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
        self.claimed(scope, &seqs, limit);
        Ok(rows)
    }
}

/// Reads up to `limit` due rows in `window`, oldest first, taking only the head
/// of each aggregate's queue (per family and destination, so per topic, and per
/// subscriber across families: a slow subscriber never holds Kafka back, and a
/// subscriber sees one aggregate's events of every family in commit order, one
/// at a time, so two of its batches never hold the same employee): a row waits while any
/// earlier row of its aggregate is undelivered (in flight, or waiting for a
/// retry). So an aggregate's next event is handed to a sink only after the one
/// before it was acknowledged, and a failed event can never be overtaken by a
/// later one: order per aggregate holds even across definite failures. The cost
/// is one event per aggregate per round trip, which HR records never approach.
/// Writes nothing: the caller records the claim in its [`Claims`].
pub fn claim(
    conn: &mut DbConnection,
    window: &ClaimWindow,
    now: i64,
    limit: i64,
    scope: &ClaimScope,
) -> QueryResult<Vec<OutboxRow>> {
    if let DbConnection::Pg(pg) = conn {
        return claim_pg(pg, window, now, limit, scope);
    }
    let earlier = diesel::alias!(outbox_events as earlier);
    let blocked = earlier
        .filter(
            earlier
                .field(outbox_events::aggregate_id)
                .eq(outbox_events::aggregate_id),
        )
        .filter(
            earlier
                .field(outbox_events::family)
                .eq(outbox_events::family)
                .or(outbox_events::destination.like("subscriber:%")),
        )
        .filter(
            earlier
                .field(outbox_events::destination)
                .eq(outbox_events::destination),
        )
        .filter(earlier.field(outbox_events::seq).lt(outbox_events::seq));
    let mut query = outbox_events::table
        .filter(outbox_events::seq.gt(window.after))
        .filter(outbox_events::next_attempt_at.le(now))
        .filter(not(exists(blocked)))
        .order(outbox_events::seq)
        .limit(limit)
        .select(OutboxRow::as_select())
        .into_boxed();
    if !window.exclude.is_empty() {
        // One JSON parameter, however many rows are in flight.
        let json = serde_json::to_string(&window.exclude)
            .map_err(|e| DieselError::SerializationError(Box::new(e)))?;
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(
                "outbox_events.seq NOT IN (SELECT value FROM json_each(",
            )
            .bind::<diesel::sql_types::Text, _>(json)
            .sql("))"),
        );
    }
    match scope {
        ClaimScope::All => {}
        ClaimScope::Families(families) => {
            query = query.filter(outbox_events::family.eq_any(families));
        }
        ClaimScope::FamiliesAndSubscribers(families) => {
            let subscriber = format!("{}%", Destination::SUBSCRIBER_PREFIX);
            query = query.filter(
                outbox_events::family
                    .eq_any(families)
                    .or(outbox_events::destination.like(subscriber)),
            );
        }
    }
    query.load(conn)
}

/// PostgreSQL: the same read with array parameters.
fn claim_pg(
    pg: &mut diesel::PgConnection,
    window: &ClaimWindow,
    now: i64,
    limit: i64,
    scope: &ClaimScope,
) -> QueryResult<Vec<OutboxRow>> {
    use diesel::Connection as _;
    let (families, subscribers): (Option<Vec<String>>, bool) = match scope {
        ClaimScope::All => (None, false),
        ClaimScope::Families(f) => (Some(f.clone()), false),
        ClaimScope::FamiliesAndSubscribers(f) => (Some(f.clone()), true),
    };
    // A parallel plan costs two more processes and twice the time for a few
    // thousand rows: this is an OLTP query.
    pg.transaction(|pg| {
        diesel::sql_query("SET LOCAL max_parallel_workers_per_gather = 0").execute(pg)?;
        claim_pg_query(pg, window, now, limit, families, subscribers)
    })
}

fn claim_pg_query(
    pg: &mut diesel::PgConnection,
    window: &ClaimWindow,
    now: i64,
    limit: i64,
    families: Option<Vec<String>>,
    subscribers: bool,
) -> QueryResult<Vec<OutboxRow>> {
    use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text};
    diesel::sql_query(
        "SELECT seq, event_id, event_type, family, source_module, destination, aggregate_id, \
           payload, traceparent, created_at, attempts, next_attempt_at, last_error \
         FROM outbox_events o \
         WHERE o.seq > $1 AND o.next_attempt_at <= $2 \
           AND o.seq <> ALL($3) \
           AND ($5::text[] IS NULL OR o.family = ANY($5) \
             OR ($6 AND o.destination LIKE 'subscriber:%')) \
           AND NOT EXISTS (SELECT 1 FROM outbox_events e \
             WHERE e.aggregate_id = o.aggregate_id \
               AND (e.family = o.family OR o.destination LIKE 'subscriber:%') \
               AND e.destination = o.destination AND e.seq < o.seq) \
         ORDER BY o.seq LIMIT $4",
    )
    .bind::<BigInt, _>(window.after)
    .bind::<BigInt, _>(now)
    .bind::<Array<BigInt>, _>(&window.exclude)
    .bind::<BigInt, _>(limit)
    .bind::<Nullable<Array<Text>>, _>(families)
    .bind::<Bool, _>(subscribers)
    .load(pg)
}

/// Bind parameters per statement stay well under both backends' limits.
const CHUNK: usize = 5000;

/// Marks rows delivered through `transport`: moves them from the queue into
/// `outbox_deliveries` (without the payload), in the caller's transaction.
pub fn mark_delivered(
    conn: &mut DbConnection,
    seqs: &[i64],
    transport: &str,
    now: i64,
) -> QueryResult<usize> {
    use diesel::sql_types::{Array, BigInt, Text};
    if seqs.is_empty() {
        return Ok(0);
    }
    const COLUMNS: &str =
        "seq, event_id, event_type, family, source_module, aggregate_id, created_at, attempts";
    if let DbConnection::Pg(pg) = conn {
        // One statement, one array parameter.
        return diesel::sql_query(format!(
            "WITH moved AS (DELETE FROM outbox_events WHERE seq = ANY($1) RETURNING {COLUMNS}) \
             INSERT INTO outbox_deliveries ({COLUMNS}, delivered_at, transport) \
             SELECT {COLUMNS}, $2, $3 FROM moved"
        ))
        .bind::<Array<BigInt>, _>(seqs)
        .bind::<BigInt, _>(now)
        .bind::<Text, _>(transport)
        .execute(pg);
    }
    // SQLite: the same in two statements, the rows named by one JSON parameter.
    let json =
        serde_json::to_string(seqs).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    let n = diesel::sql_query(format!(
        "INSERT INTO outbox_deliveries ({COLUMNS}, delivered_at, transport) \
         SELECT {COLUMNS}, ?, ? FROM outbox_events \
         WHERE seq IN (SELECT value FROM json_each(?))"
    ))
    .bind::<BigInt, _>(now)
    .bind::<Text, _>(transport)
    .bind::<Text, _>(&json)
    .execute(conn)?;
    diesel::sql_query("DELETE FROM outbox_events WHERE seq IN (SELECT value FROM json_each(?))")
        .bind::<Text, _>(&json)
        .execute(conn)?;
    Ok(n)
}

/// Records a definite delivery failure: one more attempt, retried at `retry_at`.
pub fn mark_failed(
    conn: &mut DbConnection,
    seq: i64,
    error: &str,
    retry_at: i64,
) -> QueryResult<usize> {
    diesel::update(outbox_events::table.filter(outbox_events::seq.eq(seq)))
        .set((
            outbox_events::attempts.eq(outbox_events::attempts + 1),
            outbox_events::next_attempt_at.eq(retry_at),
            outbox_events::last_error.eq(truncate(error, 500)),
        ))
        .execute(conn)
}

/// Deletes up to `limit` delivery records older than `before`; returns how many.
pub fn purge_delivered(conn: &mut DbConnection, before: i64, limit: i64) -> QueryResult<usize> {
    let old: Vec<i64> = outbox_deliveries::table
        .filter(outbox_deliveries::delivered_at.lt(before))
        .select(outbox_deliveries::seq)
        .limit(limit)
        .load(conn)?;
    let mut n = 0;
    for chunk in old.chunks(CHUNK) {
        n += diesel::delete(outbox_deliveries::table.filter(outbox_deliveries::seq.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(n)
}

/// Backlog figures for metrics, readiness and logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    /// Undelivered rows.
    pub pending: i64,
    /// Creation time (Unix micros) of the oldest undelivered row.
    pub oldest_pending_created_at: Option<i64>,
    /// Undelivered rows that failed at least once.
    pub failing: i64,
}

/// Counts the backlog.
pub fn stats(conn: &mut DbConnection) -> QueryResult<OutboxStats> {
    let pending: i64 = outbox_events::table.count().get_result(conn)?;
    let oldest: Option<i64> = outbox_events::table
        .order(outbox_events::seq)
        .select(outbox_events::created_at)
        .first(conn)
        .optional()?;
    let failing: i64 = outbox_events::table
        .filter(outbox_events::attempts.gt(0))
        .count()
        .get_result(conn)?;
    Ok(OutboxStats {
        pending,
        oldest_pending_created_at: oldest,
        failing,
    })
}

/// Which rows an operator lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Undelivered rows.
    Pending,
    /// Undelivered rows that failed at least once.
    Failing,
    /// Undelivered rows older than the given Unix micros.
    OlderThan(i64),
}

/// Lists undelivered rows for operators, oldest first.
pub fn list(
    conn: &mut DbConnection,
    filter: ListFilter,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let mut query = outbox_events::table
        .order(outbox_events::seq)
        .limit(limit)
        .select(OutboxRow::as_select())
        .into_boxed();
    match filter {
        ListFilter::Pending => {}
        ListFilter::Failing => query = query.filter(outbox_events::attempts.gt(0)),
        ListFilter::OlderThan(t) => query = query.filter(outbox_events::created_at.lt(t)),
    }
    query.load(conn)
}

/// Makes undelivered rows due now (operator retry): one event by id, or all
/// failing ones. Returns how many rows changed.
pub fn retry_now(conn: &mut DbConnection, event_id: Option<&str>, now: i64) -> QueryResult<usize> {
    let mut query = diesel::update(outbox_events::table).into_boxed();
    query = match event_id {
        Some(id) => query.filter(outbox_events::event_id.eq(id.to_owned())),
        None => query.filter(outbox_events::attempts.gt(0)),
    };
    query
        .set(outbox_events::next_attempt_at.eq(now))
        .execute(conn)
}

fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}
