//! The events the leave module emits: `LEAVE_REQUESTED`, `LEAVE_APPROVED`,
//! `LEAVE_REJECTED`, `LEAVE_CANCELLED`, `LEAVE_RECOUNTED` for requests, `LEAVE_BALANCE_ADJUSTED`
//! for ledger entries no request caused (grants, carry-over, expiry, HR
//! adjustments), each with an `AUDIT_LEAVE_ACTION`. Keyed by the employee id,
//! so one employee's leave events stay in order. Notes and reasons never
//! appear in events (they may carry health information).

use serde_json::json;

use super::domain::LeaveDays;
use super::model::{LedgerEntryResponse, LeaveRequest, RequestResponse, StoredEntry};
use super::policy::ApprovalRoute;
use crate::events::{
    audit_event, leave_event, notification_event, AuditAction, Event, EventContext, EventType,
    SourceModule,
};
use crate::modules::user::Contact;

/// The request after the change, without its note and reasons.
fn snapshot(r: &LeaveRequest, route: Option<ApprovalRoute>) -> serde_json::Value {
    let mut v = serde_json::to_value(RequestResponse::new(r, route)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        for personal in ["note", "rejection_reason", "cancel_reason"] {
            o.remove(personal);
        }
    }
    v
}

fn audit(ctx: &EventContext, action: &str, resource_type: &str, id: &str, details: serde_json::Value) -> Event {
    audit_event(
        ctx,
        SourceModule::Leave,
        AuditAction {
            action,
            resource_type,
            resource_id: id,
            details,
        },
    )
}

/// A request event of `event_type` and its audit entry (`action`, e.g.
/// `leave.request`). `given_back` is set for a cancellation.
pub fn request_changed(
    ctx: &EventContext,
    event_type: Option<EventType>,
    r: &LeaveRequest,
    route: Option<ApprovalRoute>,
    action: &str,
    given_back: Option<&LeaveDays>,
) -> Vec<Event> {
    let id = r.id.to_string();
    let employee = r.employee_id.to_string();
    let mut out = Vec::with_capacity(2);
    if let Some(t) = event_type {
        let mut data = snapshot(r, route);
        if let (Some(back), Some(o)) = (given_back, data.as_object_mut()) {
            o.insert("days_given_back".to_owned(), json!(back.total().as_days()));
        }
        out.push(leave_event(ctx, t, &id, &employee, data));
    }
    out.push(request_audit(ctx, action, r));
    out
}

/// The audit entry of an action on request `r`: ids, type, status and version only.
fn request_audit(ctx: &EventContext, action: &str, r: &LeaveRequest) -> Event {
    audit(
        ctx,
        action,
        "leave_request",
        &r.id.to_string(),
        json!({
            "employee_id": r.employee_id.to_string(),
            "leave_type": r.leave_type,
            "status": super::model::StatusName::of(r.status).as_str(),
            "version": r.version,
        }),
    )
}

/// `LEAVE_RECOUNTED` and its audit entry: a live request holds other days, because
/// its employee's calendar changed (`cause` `calendar_changed`) or a request of a type
/// that interrupts leave took some (`interrupted`, `interrupted_by` that request); the
/// days given back and added.
pub fn recounted(
    ctx: &EventContext,
    r: &LeaveRequest,
    route: Option<ApprovalRoute>,
    given_back: &LeaveDays,
    added: &LeaveDays,
    cause: &str,
    interrupted_by: Option<crate::shared::LeaveRequestId>,
) -> Vec<Event> {
    let mut data = snapshot(r, route);
    if let Some(o) = data.as_object_mut() {
        o.insert("days_given_back".to_owned(), json!(given_back.total().as_days()));
        o.insert("days_added".to_owned(), json!(added.total().as_days()));
        o.insert("cause".to_owned(), json!(cause));
        o.insert("interrupted_by".to_owned(), json!(interrupted_by.map(|id| id.to_string())));
    }
    let (id, employee) = (r.id.to_string(), r.employee_id.to_string());
    vec![
        leave_event(ctx, EventType::LeaveRecounted, &id, &employee, data),
        request_audit(ctx, "leave.recount", r),
    ]
}

/// `LEAVE_BALANCE_ADJUSTED` for each entry no request caused, and one audit
/// entry for an HR adjustment (system entries are audited by their event). A grant
/// carries `working_days_per_week` of the employee's calendar when it was written
/// (`week`): what four weeks of annual leave are for them (compliance's check).
pub fn balance_adjusted(ctx: &EventContext, entries: &[StoredEntry], week: Option<u8>) -> Vec<Event> {
    let mut out = Vec::with_capacity(entries.len() + 1);
    for e in entries {
        let mut data = serde_json::to_value(LedgerEntryResponse::from(e)).unwrap_or_default();
        if let Some(o) = data.as_object_mut() {
            o.remove("reason");
            if let (Some(w), super::balance::EntryKind::Grant) = (week, e.entry.kind) {
                o.insert("working_days_per_week".to_owned(), json!(w));
            }
        }
        out.push(leave_event(
            ctx,
            EventType::LeaveBalanceAdjusted,
            &e.id.to_string(),
            &e.employee_id.to_string(),
            data,
        ));
        if e.entry.kind == super::balance::EntryKind::Adjustment {
            out.push(audit(
                ctx,
                "leave.adjust_balance",
                "leave_ledger_entry",
                &e.id.to_string(),
                json!({
                    "employee_id": e.employee_id.to_string(),
                    "leave_type": e.leave_type,
                    "leave_year": e.entry.leave_year.0,
                    "units": e.entry.units.units(),
                }),
            ));
        }
    }
    out
}

/// The audit entry of a change to a leave type or calendar.
pub fn configured(ctx: &EventContext, action: &str, resource_type: &str, id: &str) -> Vec<Event> {
    vec![audit(ctx, action, resource_type, id, json!({}))]
}

/// A `NOTIFICATION_EMAIL` about request `r` to `to` (template `kind`, e.g.
/// `leave_requested`): ids, type, dates, days and status only, never the note
/// or a reason.
pub fn notify(ctx: &EventContext, kind: &str, to: &Contact, r: &LeaveRequest) -> Event {
    notification(ctx, kind, Some(&to.user_id.to_string()), &to.email, r)
}

/// A `NOTIFICATION_EMAIL` about request `r` to the mailbox `to` (HR's, no
/// account), with what [`notify`] carries.
pub fn notify_mailbox(ctx: &EventContext, kind: &str, to: &str, r: &LeaveRequest) -> Event {
    notification(ctx, kind, None, to, r)
}

fn notification(ctx: &EventContext, kind: &str, user_id: Option<&str>, email: &str, r: &LeaveRequest) -> Event {
    notification_event(
        ctx,
        SourceModule::Leave,
        kind,
        user_id,
        email,
        json!({
            "request_id": r.id.to_string(),
            "employee_id": r.employee_id.to_string(),
            "leave_type": r.leave_type,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "days": r.counted.total().as_days(),
            "status": super::model::StatusName::of(r.status).as_str(),
        }),
    )
}
