//! The events the compliance module emits: `COMPLIANCE_VIOLATION` (a violation
//! detected, reopened or resolved, with its status), `COMPLIANCE_ALERT` (the
//! same for alerts), `COMPLIANCE_CHECK_COMPLETED` (a check's counts), keyed by
//! the employee (a check of everyone by [`COMPLIANCE_CHECKS_KEY`]);
//! `AUDIT_COMPLIANCE_ACTION` for acknowledgements, opt-outs, checks and
//! rule-pack changes; a `NOTIFICATION_EMAIL` to the HR mailbox for each new
//! violation. HR's notes never leave the database: events carry ids, rules,
//! windows and figures only.
//!
//! [`COMPLIANCE_CHECKS_KEY`]: crate::events::COMPLIANCE_CHECKS_KEY

use serde_json::{json, Value};

use super::domain::{CheckRecord, FindingKind, OptOutRecord, Quantity, StoredFinding};
use super::model::{CheckResponse, FindingResponse, OptOutResponse};
use crate::events::{
    audit_event, compliance_event, notification_event, AuditAction, Event, EventContext,
    EventType, SourceModule,
};
use crate::modules::user::Contact;

/// The finding as events carry it: the API form without HR's note.
fn finding_data(f: &StoredFinding) -> Value {
    let mut v = serde_json::to_value(FindingResponse::from(f)).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("note");
    }
    v
}

/// `COMPLIANCE_VIOLATION` or `COMPLIANCE_ALERT` for `f` as it is now (detected,
/// reopened or resolved: the status says which).
pub fn finding_changed(ctx: &EventContext, f: &StoredFinding) -> Event {
    let event_type = match f.kind {
        FindingKind::Violation => EventType::ComplianceViolation,
        FindingKind::Alert => EventType::ComplianceAlert,
    };
    compliance_event(
        ctx,
        event_type,
        Some(&f.employee_id.to_string()),
        Some((f.rule.as_str(), f.severity.as_str())),
        finding_data(f),
    )
}

/// The `NOTIFICATION_EMAIL` to the HR mailbox `to` about a new violation: ids,
/// rule and window only.
pub fn notify_hr(ctx: &EventContext, to: &str, f: &StoredFinding) -> Event {
    notification_event(
        ctx,
        SourceModule::Compliance,
        "compliance_violation_detected",
        None,
        to,
        json!({
            "violation_id": f.id.to_string(),
            "employee_id": f.employee_id.to_string(),
            "rule": f.rule.as_str(),
            "check": f.check,
            "window_first": f.window_first,
            "window_last": f.window_last,
        }),
    )
}

/// The `NOTIFICATION_EMAIL` telling the employee `to` that much of their paid
/// annual leave is unused (the `annual_leave` alert): ids, year and figures.
pub fn notify_unused_leave(ctx: &EventContext, to: &Contact, f: &StoredFinding) -> Event {
    let days = |q: Quantity| match q {
        Quantity::HalfDays(h) => h as f64 / 2.0,
        Quantity::Seconds(_) => 0.0,
    };
    notification_event(
        ctx,
        SourceModule::Compliance,
        "compliance_annual_leave_unused",
        Some(&to.user_id.to_string()),
        &to.email,
        json!({
            "violation_id": f.id.to_string(),
            "employee_id": f.employee_id.to_string(),
            "year": f.window_first.format("%Y").to_string(),
            "unused_days": days(f.measured),
            "threshold_days": days(f.limit),
        }),
    )
}

/// The audit entry of HR acknowledging `f`.
pub fn acknowledged(ctx: &EventContext, f: &StoredFinding) -> Event {
    audit(
        ctx,
        "compliance.acknowledge",
        "compliance_violation",
        &f.id.to_string(),
        json!({
            "employee_id": f.employee_id.to_string(),
            "rule": f.rule.as_str(),
            "version": f.version,
        }),
    )
}

/// The audit entry of recording (`compliance.opt_out`) or withdrawing
/// (`compliance.withdraw_opt_out`) an opt-out.
pub fn opt_out_changed(ctx: &EventContext, action: &str, o: &OptOutRecord) -> Event {
    let data = serde_json::to_value(OptOutResponse::from(o)).unwrap_or_default();
    audit(ctx, action, "compliance_opt_out", &o.id.to_string(), data)
}

/// `COMPLIANCE_CHECK_COMPLETED` with the check's counts, and (for a check
/// somebody asked for) its audit entry.
pub fn check_completed(ctx: &EventContext, c: &CheckRecord) -> Vec<Event> {
    let data = serde_json::to_value(CheckResponse::from(c)).unwrap_or_default();
    let mut out = vec![compliance_event(
        ctx,
        EventType::ComplianceCheckCompleted,
        c.employee_id.map(|e| e.to_string()).as_deref(),
        None,
        data.clone(),
    )];
    if c.trigger == "on_demand" {
        out.push(audit(ctx, "compliance.check", "compliance_check", &c.id.to_string(), data));
    }
    out
}

/// The audit entry of the rule pack in force changing (at start-up).
pub fn rule_pack_changed(ctx: &EventContext, from: Option<&str>, to: &str) -> Event {
    audit(
        ctx,
        "compliance.rule_pack_changed",
        "compliance_rule_pack",
        to,
        json!({ "from": from, "to": to }),
    )
}

fn audit(ctx: &EventContext, action: &str, resource_type: &str, id: &str, details: Value) -> Event {
    audit_event(
        ctx,
        SourceModule::Compliance,
        AuditAction {
            action,
            resource_type,
            resource_id: id,
            details,
        },
    )
}
