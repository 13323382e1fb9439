//! The events the attendance module emits: `ATTENDANCE_MARKED` (a new record:
//! check-in or manual), `ATTENDANCE_UPDATED` (check-out, correction, void),
//! each with an `AUDIT_ATTENDANCE_ACTION`. Keyed by the employee id, so a
//! consumer sees one employee's records in order. Notes and reasons stay out
//! of events (they are personal free text); the audit names the version.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::model::RecordResponse;
use super::record::TimeRecord;
use crate::events::{
    attendance_event, audit_event, AuditAction, Event, EventContext, EventType, SourceModule,
};

/// The record after the change, with its version and the employee's time
/// zone, without note and reason.
fn snapshot(r: &TimeRecord, tz: Tz, now: DateTime<Utc>) -> serde_json::Value {
    let mut v = serde_json::to_value(RecordResponse::new(r, tz, now)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("note");
        o.remove("reason");
    }
    v
}

/// The events of writing version `r` (version 1: marked; later: updated),
/// audited as `action` (e.g. `attendance.check_in`).
pub fn written(
    ctx: &EventContext,
    r: &TimeRecord,
    tz: Tz,
    now: DateTime<Utc>,
    action: &str,
) -> Vec<Event> {
    let event_type = if r.version == 1 {
        EventType::AttendanceMarked
    } else {
        EventType::AttendanceUpdated
    };
    let id = r.id.to_string();
    vec![
        attendance_event(
            ctx,
            event_type,
            &id,
            &r.employee_id.to_string(),
            snapshot(r, tz, now),
        ),
        audit_event(
            ctx,
            SourceModule::Attendance,
            AuditAction {
                action,
                resource_type: "attendance_record",
                resource_id: &id,
                details: json!({
                    "employee_id": r.employee_id.to_string(),
                    "version": r.version,
                    "kind": r.kind.as_str(),
                }),
            },
        ),
    ]
}
