//! The events the attendance module emits: `ATTENDANCE_MARKED` (a new record:
//! check-in or manual), `ATTENDANCE_UPDATED` (check-out, correction, void),
//! `ATTENDANCE_PERIOD_LOCKED` and `ATTENDANCE_PERIOD_REOPENED`, each with an
//! `AUDIT_ATTENDANCE_ACTION`. Keyed by the employee id, so a
//! consumer sees one employee's records in order. Notes and reasons stay out
//! of events (they are personal free text); the audit names the version.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::model::{LockResponse, RecordResponse};
use super::record::{CorrectionRequest, LockScope, PeriodLock, TimeRecord};
use crate::events::{
    attendance_event, audit_event, notification_event, AuditAction, Event, EventContext,
    EventType, SourceModule,
};
use crate::modules::user::Contact;

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
            Some(&r.employee_id.to_string()),
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

/// The events of locking (`reopened == false`) or reopening `lock`: keyed by
/// the lock's employee, or by the lock itself when it is for everyone.
pub fn lock_changed(ctx: &EventContext, lock: &PeriodLock) -> Vec<Event> {
    let (event_type, action) = if lock.is_active() {
        (EventType::AttendancePeriodLocked, "attendance.lock")
    } else {
        (EventType::AttendancePeriodReopened, "attendance.reopen")
    };
    let id = lock.id.to_string();
    let employee = match lock.scope {
        LockScope::Everyone => None,
        LockScope::Employee(e) => Some(e.to_string()),
    };
    let mut data = serde_json::to_value(LockResponse::from(lock)).unwrap_or_default();
    if let Some(o) = data.as_object_mut() {
        o.remove("reason");
        o.remove("reopen_reason");
    }
    vec![
        attendance_event(ctx, event_type, &id, employee.as_deref(), data),
        audit_event(
            ctx,
            SourceModule::Attendance,
            AuditAction {
                action,
                resource_type: "attendance_period_lock",
                resource_id: &id,
                details: json!({
                    "employee_id": employee,
                    "from": lock.from,
                    "to": lock.to,
                }),
            },
        ),
    ]
}

/// The audit entry of filing or deciding correction request `q` (`action`:
/// `attendance.request_correction`, `.approve_request`, `.reject_request`).
pub fn request_audit(ctx: &EventContext, action: &str, q: &CorrectionRequest) -> Event {
    audit_event(
        ctx,
        SourceModule::Attendance,
        AuditAction {
            action,
            resource_type: "attendance_correction_request",
            resource_id: &q.id.to_string(),
            details: json!({
                "employee_id": q.employee_id.to_string(),
                "record_id": q.record_id.to_string(),
                "record_version": q.record_version,
                "state": q.state.as_str(),
            }),
        },
    )
}

/// A `NOTIFICATION_EMAIL` to `to` that their record changed (template `kind`,
/// e.g. `attendance_record_corrected`): ids, version and times, never the
/// note or reason.
pub fn notify_record(
    ctx: &EventContext,
    kind: &str,
    to: &Contact,
    r: &TimeRecord,
    tz: Tz,
) -> Event {
    notification_event(
        ctx,
        SourceModule::Attendance,
        kind,
        Some(&to.user_id.to_string()),
        &to.email,
        json!({
            "record_id": r.id.to_string(),
            "employee_id": r.employee_id.to_string(),
            "version": r.version,
            "start": r.start,
            "end": r.end,
            "voided": r.voided,
            "local_date": r.local_date(tz),
            "changed_by": r.changed_by,
        }),
    )
}

/// A `NOTIFICATION_EMAIL` about correction request `q` to `to` (template
/// `kind`: `attendance_correction_requested` to the manager,
/// `attendance_correction_approved` / `_rejected` to the employee): ids, the
/// proposed times and the state, never the reason or the decider's note.
pub fn notify_request(ctx: &EventContext, kind: &str, to: &Contact, q: &CorrectionRequest) -> Event {
    notification_event(
        ctx,
        SourceModule::Attendance,
        kind,
        Some(&to.user_id.to_string()),
        &to.email,
        json!({
            "request_id": q.id.to_string(),
            "record_id": q.record_id.to_string(),
            "employee_id": q.employee_id.to_string(),
            "proposed_start": q.proposed_start,
            "proposed_end": q.proposed_end,
            "state": q.state.as_str(),
        }),
    )
}
