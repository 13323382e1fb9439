//! Events of the user module: `USER_CREATED`, `USER_UPDATED`, `USER_ROLE_CHANGED`,
//! `USER_DEACTIVATED`, `USER_DELETED`, `USER_API_KEY_CREATED`,
//! `USER_API_KEY_REVOKED`, the `account_created` notification, and an
//! `AUDIT_USER_ACTION` per change. Never the password, a key, or their hashes.

use serde_json::json;

use super::model::{ApiKeyResponse, ApiKeyRow, UserResponse, UserRow};
use crate::events::{
    audit_event, notification_event, user_event, AuditAction, Event, EventContext, EventType,
    SourceModule,
};

fn snapshot(row: &UserRow) -> serde_json::Value {
    serde_json::to_value(UserResponse::from(row.clone())).unwrap_or_default()
}

fn audit(ctx: &EventContext, action: &str, id: &str, details: serde_json::Value) -> Event {
    audit_of(ctx, action, "user", id, details)
}

fn audit_of(
    ctx: &EventContext,
    action: &str,
    resource_type: &str,
    id: &str,
    details: serde_json::Value,
) -> Event {
    audit_event(
        ctx,
        SourceModule::User,
        AuditAction {
            action,
            resource_type,
            resource_id: id,
            details,
        },
    )
}

/// An account was created: the event, the welcome notification, the audit entry.
pub fn created(ctx: &EventContext, row: &UserRow) -> Vec<Event> {
    vec![
        user_event(ctx, EventType::UserCreated, &row.id, vec![], snapshot(row)),
        notification_event(
            ctx,
            SourceModule::User,
            "account_created",
            Some(&row.id),
            &row.email,
            json!({ "display_name": row.display_name, "login": row.email, "role": row.role }),
        ),
        audit(ctx, "user.create", &row.id, json!({ "role": row.role })),
    ]
}

/// An account changed; role changes and deactivations get their own event too.
pub fn updated(ctx: &EventContext, row: &UserRow, changed: &[&str]) -> Vec<Event> {
    let fields: Vec<String> = changed.iter().map(|f| (*f).to_owned()).collect();
    let mut events = vec![user_event(
        ctx,
        EventType::UserUpdated,
        &row.id,
        fields.clone(),
        snapshot(row),
    )];
    if changed.contains(&"role") {
        events.push(user_event(
            ctx,
            EventType::UserRoleChanged,
            &row.id,
            vec!["role".into()],
            snapshot(row),
        ));
    }
    if changed.contains(&"active") && !row.active {
        events.push(user_event(
            ctx,
            EventType::UserDeactivated,
            &row.id,
            vec!["active".into()],
            snapshot(row),
        ));
    }
    events.push(audit(
        ctx,
        "user.update",
        &row.id,
        json!({ "changed_fields": fields }),
    ));
    events
}

/// The account was deactivated because its employee record was terminated
/// (`changed` as [`crate::modules::user::rules::apply_patch`] reported it).
pub fn deactivated_on_termination(
    ctx: &EventContext,
    row: &UserRow,
    changed: &[&str],
    employee_id: &str,
) -> Vec<Event> {
    let fields: Vec<String> = changed.iter().map(|f| (*f).to_owned()).collect();
    vec![
        user_event(ctx, EventType::UserUpdated, &row.id, fields.clone(), snapshot(row)),
        user_event(
            ctx,
            EventType::UserDeactivated,
            &row.id,
            vec!["active".into()],
            snapshot(row),
        ),
        audit(
            ctx,
            "user.deactivate",
            &row.id,
            json!({ "reason": "employee_terminated", "employee_id": employee_id, "changed_fields": fields }),
        ),
    ]
}

/// An account was deleted.
pub fn deleted(ctx: &EventContext, row: &UserRow) -> Vec<Event> {
    vec![
        user_event(ctx, EventType::UserDeleted, &row.id, vec![], snapshot(row)),
        audit(ctx, "user.delete", &row.id, json!({})),
    ]
}

fn key_snapshot(row: &ApiKeyRow) -> serde_json::Value {
    serde_json::to_value(ApiKeyResponse::from(row)).unwrap_or_default()
}

/// An API key was created (its description; never the key or its hash).
pub fn key_created(ctx: &EventContext, row: &ApiKeyRow) -> Vec<Event> {
    vec![
        user_event(
            ctx,
            EventType::UserApiKeyCreated,
            &row.id,
            vec![],
            key_snapshot(row),
        ),
        audit_of(
            ctx,
            "api_key.create",
            "api_key",
            &row.id,
            json!({ "role": row.role, "read_only": row.read_only, "modules": row.module_list() }),
        ),
    ]
}

/// An API key was revoked.
pub fn key_revoked(ctx: &EventContext, row: &ApiKeyRow) -> Vec<Event> {
    vec![
        user_event(
            ctx,
            EventType::UserApiKeyRevoked,
            &row.id,
            vec!["revoked_at".into(), "revoked_by".into()],
            key_snapshot(row),
        ),
        audit_of(ctx, "api_key.revoke", "api_key", &row.id, json!({})),
    ]
}
