//! The events the employee module emits: `EMPLOYEE_CREATED`, `EMPLOYEE_UPDATED`,
//! `EMPLOYEE_TERMINATED`, each with an `AUDIT_EMPLOYEE_ACTION`.

use serde_json::json;

use super::model::{EmployeeResponse, EmployeeRow};
use crate::events::{
    audit_event, employee_event, AuditAction, Event, EventContext, EventType, SourceModule,
};

fn snapshot(row: &EmployeeRow) -> serde_json::Value {
    serde_json::to_value(EmployeeResponse::from(row.clone())).unwrap_or_default()
}

fn audit(ctx: &EventContext, action: &str, row: &EmployeeRow, details: serde_json::Value) -> Event {
    audit_event(
        ctx,
        SourceModule::Employee,
        AuditAction {
            action,
            resource_type: "employee",
            resource_id: &row.id,
            details,
        },
    )
}

/// A record was created.
pub fn created(ctx: &EventContext, row: &EmployeeRow) -> Vec<Event> {
    vec![
        employee_event(
            ctx,
            EventType::EmployeeCreated,
            &row.id,
            vec![],
            snapshot(row),
        ),
        audit(ctx, "employee.create", row, json!({})),
    ]
}

/// A record changed; `changed` names the fields.
pub fn updated(ctx: &EventContext, row: &EmployeeRow, changed: &[&str]) -> Vec<Event> {
    let fields: Vec<String> = changed.iter().map(|f| (*f).to_owned()).collect();
    vec![
        employee_event(
            ctx,
            EventType::EmployeeUpdated,
            &row.id,
            fields.clone(),
            snapshot(row),
        ),
        audit(
            ctx,
            "employee.update",
            row,
            json!({ "changed_fields": fields }),
        ),
    ]
}

/// Employment ended.
pub fn terminated(ctx: &EventContext, row: &EmployeeRow) -> Vec<Event> {
    vec![
        employee_event(
            ctx,
            EventType::EmployeeTerminated,
            &row.id,
            vec!["status".into(), "termination_date".into()],
            snapshot(row),
        ),
        audit(
            ctx,
            "employee.terminate",
            row,
            json!({ "termination_date": row.termination_date }),
        ),
    ]
}
