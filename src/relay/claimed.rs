//! A claimed outbox row with its metadata parsed into typed values, once, when
//! it is claimed: nothing downstream of the claim reads those strings again.

use crate::events::{EventType, Family, SourceModule};
use crate::outbox::{Destination, OutboxRow};

/// An outbox row on its way to a sink.
#[derive(Debug, Clone)]
pub struct ClaimedEvent {
    /// Commit order; names the row when it is marked.
    pub seq: i64,
    /// Event id as stored (UUID v7 text).
    pub event_id: String,
    /// Its type.
    pub event_type: EventType,
    /// Its family (decides the topic and the HTTP fallback).
    pub family: Family,
    /// The module that produced it.
    pub source: SourceModule,
    /// Where this row goes.
    pub destination: Destination,
    /// Kafka key.
    pub aggregate_id: String,
    /// Event JSON.
    pub payload: String,
    /// W3C trace context of the request.
    pub traceparent: Option<String>,
    /// Unix micros (the event's time).
    pub created_at: i64,
    /// Failed deliveries so far.
    pub attempts: i32,
}

/// A row whose metadata does not parse: recorded on the row as a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unparsable {
    /// The row.
    pub seq: i64,
    /// What is wrong with it (no personal data: metadata only).
    pub reason: String,
}

impl ClaimedEvent {
    /// Parses a claimed row.
    pub fn parse(row: OutboxRow) -> Result<Self, Unparsable> {
        let fail = |reason: String| Unparsable {
            seq: row.seq,
            reason,
        };
        let event_type = EventType::parse(&row.event_type)
            .ok_or_else(|| fail(format!("unknown event type {:?}", row.event_type)))?;
        let family = Family::parse(&row.family)
            .ok_or_else(|| fail(format!("unknown event family {:?}", row.family)))?;
        if event_type.family() != family {
            return Err(fail(format!(
                "event type {} is not of family {}",
                event_type.as_str(),
                family.as_str()
            )));
        }
        let source = SourceModule::parse(&row.source_module)
            .ok_or_else(|| fail(format!("unknown source module {:?}", row.source_module)))?;
        let destination = Destination::parse(&row.destination)
            .ok_or_else(|| fail(format!("unknown destination {:?}", row.destination)))?;
        Ok(Self {
            seq: row.seq,
            event_id: row.event_id,
            event_type,
            family,
            source,
            destination,
            aggregate_id: row.aggregate_id,
            payload: row.payload,
            traceparent: row.traceparent,
            created_at: row.created_at,
            attempts: row.attempts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(event_type: &str, family: &str, destination: &str) -> OutboxRow {
        OutboxRow {
            seq: 7,
            event_id: "e".into(),
            event_type: event_type.into(),
            family: family.into(),
            source_module: "employee".into(),
            destination: destination.into(),
            aggregate_id: "a".into(),
            payload: "{}".into(),
            traceparent: None,
            created_at: 0,
            attempts: 0,
            next_attempt_at: 0,
            last_error: None,
        }
    }

    #[test]
    fn a_row_with_known_metadata_parses_into_typed_values() {
        let ev = ClaimedEvent::parse(row("EMPLOYEE_CREATED", "employee", "subscriber:x"))
            .expect("parses");
        assert_eq!(ev.event_type, EventType::EmployeeCreated);
        assert_eq!(ev.family, Family::Employee);
        assert_eq!(ev.source, SourceModule::Employee);
        assert_eq!(ev.destination, Destination::Subscriber("x".into()));
    }

    #[test]
    fn unknown_or_inconsistent_metadata_is_a_failure_naming_the_row() {
        for (t, f, d) in [
            ("NOPE", "employee", "kafka"),
            ("EMPLOYEE_CREATED", "nope", "kafka"),
            ("EMPLOYEE_CREATED", "audit", "kafka"),
            ("EMPLOYEE_CREATED", "employee", "pigeon"),
            ("EMPLOYEE_CREATED", "employee", "subscriber:"),
        ] {
            let err = ClaimedEvent::parse(row(t, f, d)).expect_err("does not parse");
            assert_eq!(err.seq, 7);
            assert!(!err.reason.is_empty());
        }
    }
}
