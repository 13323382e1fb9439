//! Every event type has a versioned JSON Schema under `schemas/events/v1/`, and
//! every event the library can build matches its schema. The schemas are strict
//! (`additionalProperties: false`, every field required), so renaming or adding a
//! field in Rust without updating the schema fails here.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{NaiveDate, NaiveDateTime};
use hrms::events::{
    attendance_event, audit_event, compliance_event, leave_event, notification_event, user_event,
    AuditAction, Event, EventContext, EventType, Family, SourceModule,
};
use hrms::modules::employee::events as employee_events;
use hrms::modules::employee::model::{
    CreateEmployeeRequest, EmployeeId, EmployeeRow, EmployeeStatus, UpdateEmployeeRequest,
};
use hrms::modules::employee::rules;
use serde_json::{json, Value};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";
const ID_BASE: &str = "https://hrms.example/schemas/events/v1/";

fn schema_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/events/v1")
}

fn load_schema(t: EventType) -> Value {
    let path = schema_dir().join(format!("{}.json", t.as_str()));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

fn validator(t: EventType) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&load_schema(t))
        .unwrap_or_else(|e| panic!("{}: invalid schema: {e}", t.as_str()))
}

/// The validation errors of `instance` against its type's schema, one per line.
fn errors(t: EventType, instance: &Value) -> Vec<String> {
    validator(t)
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn event_json(event: &Event) -> Value {
    serde_json::from_str(&event.to_json().expect("event serialises")).expect("event JSON parses")
}

fn ctx(actor: Option<&str>) -> EventContext {
    EventContext {
        correlation_id: "req-0193a2b4".into(),
        actor_id: actor.map(str::to_owned),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
}

fn now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

/// A row as the employee module creates it, from a create request body.
fn employee_row(body: Value) -> EmployeeRow {
    let req: CreateEmployeeRequest = serde_json::from_value(body).expect("create request");
    let new = rules::validate_create(req, today()).expect("valid employee");
    rules::new_row(EmployeeId::generate(), new, now())
}

/// Every event the library can build today: the employee module's real events
/// (with every optional field both set and null) and one or more of every other
/// type through its factory function.
fn every_buildable_event() -> Vec<Event> {
    let mut events = Vec::new();

    // Employee module: create (minimal and full), update, terminate.
    let manager = employee_row(json!({ "name": "Grace Hopper", "age": 60 }));
    let full = employee_row(json!({
        "name": "  Ada Lovelace ",
        "age": 36,
        "email": "Ada@Example.COM",
        "department": "Engineering",
        "position": "Analyst",
        "manager_id": manager.id,
        "hire_date": "2024-03-01",
        "status": "on_leave",
    }));
    events.extend(employee_events::created(&ctx(None), &manager));
    events.extend(employee_events::created(&ctx(Some("u-1")), &full));

    let mut updated = full.clone();
    let patch: UpdateEmployeeRequest = serde_json::from_value(json!({
        "name": "Ada King",
        "email": null,
        "department": null,
        "manager_id": null,
        "status": "active",
    }))
    .expect("update request");
    let patch = rules::validate_patch(patch, today()).expect("valid patch");
    let changed = rules::apply_patch(&mut updated, patch, now());
    assert!(!changed.is_empty());
    events.extend(employee_events::updated(
        &ctx(Some("u-1")),
        &updated,
        &changed,
    ));

    // Termination, as the employee actor does it.
    let mut terminated = full.clone();
    terminated.status = EmployeeStatus::Terminated.as_str().to_owned();
    terminated.termination_date = Some(
        rules::termination_date(Some("2026-11-30"), terminated.hire_date, today())
            .expect("valid date"),
    );
    terminated.updated_at = now();
    events.extend(employee_events::terminated(&ctx(None), &terminated));

    // Families whose modules have not landed yet: through their factories.
    let employee_id = full.id.as_str();
    for t in EventType::ALL.iter().copied() {
        match t.family() {
            Family::User => events.push(user_event(
                &ctx(Some("u-1")),
                t,
                "u-42",
                if t == EventType::UserUpdated {
                    vec!["email".into()]
                } else {
                    vec![]
                },
                json!({ "id": "u-42", "email": "someone@example.com", "role": "employee" }),
            )),
            Family::Leave => events.push(leave_event(
                &ctx(Some("u-1")),
                t,
                "l-7",
                employee_id,
                json!({ "start_date": "2026-12-01", "end_date": "2026-12-05" }),
            )),
            Family::Attendance => events.push(attendance_event(
                &ctx(None),
                t,
                "a-9",
                employee_id,
                json!({ "check_in": "2026-11-26T08:00:00Z" }),
            )),
            Family::Compliance => events.push(compliance_event(
                &ctx(None),
                t,
                employee_id,
                "daily_rest",
                "warning",
                json!({ "rest_hours": 9.5 }),
            )),
            Family::Employee | Family::Audit | Family::Notification => {}
        }
    }
    for source in SourceModule::ALL {
        let action = format!("{}.create", source.as_str());
        for actor in [None, Some("u-1")] {
            events.push(audit_event(
                &ctx(actor),
                source,
                AuditAction {
                    action: if source == SourceModule::Employee {
                        "employee.create"
                    } else {
                        &action
                    },
                    resource_type: source.as_str(),
                    resource_id: employee_id,
                    details: json!({}),
                },
            ));
        }
        events.push(notification_event(
            &ctx(None),
            source,
            "account_created",
            Some("u-42"),
            "someone@example.com",
            json!({ "name": "Someone" }),
        ));
    }
    events.push(notification_event(
        &ctx(None),
        SourceModule::Leave,
        "leave_approved",
        None,
        "someone@example.com",
        json!({}),
    ));
    events
}

#[test]
fn every_event_type_has_a_schema_file() {
    for t in EventType::ALL.iter().copied() {
        let name = t.as_str();
        let schema = load_schema(t);
        jsonschema::draft202012::meta::validate(&schema)
            .unwrap_or_else(|e| panic!("{name}: not a valid schema: {e}"));
        assert_eq!(schema["$schema"], DRAFT_2020_12, "{name}: $schema");
        assert_eq!(
            schema["$id"],
            format!("{ID_BASE}{name}.json"),
            "{name}: $id"
        );
        assert!(
            schema["title"].is_string() && schema["description"].is_string(),
            "{name}: title, description"
        );
        assert_eq!(
            schema["properties"]["event_type"]["const"], name,
            "{name}: event_type const"
        );
        assert_eq!(
            schema["additionalProperties"], false,
            "{name}: additionalProperties"
        );
        validator(t);
    }

    // And no schema is left over for a type the library no longer has.
    let known: BTreeSet<String> = EventType::ALL
        .iter()
        .map(|t| format!("{}.json", t.as_str()))
        .collect();
    for entry in std::fs::read_dir(schema_dir()).expect("schema directory") {
        let file = entry
            .expect("dir entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        assert!(known.contains(&file), "{file} names no event type");
    }
}

#[test]
fn every_event_the_library_can_build_matches_its_schema() {
    let events = every_buildable_event();
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for event in &events {
        let t = event.base().event_type;
        covered.insert(t.as_str());
        let value = event_json(event);
        for e in errors(t, &value) {
            failures.push(format!("{}: {e}\n  event: {value}", t.as_str()));
        }
    }
    assert!(
        failures.is_empty(),
        "events not matching their schema:\n{}",
        failures.join("\n")
    );

    let all: BTreeSet<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    let missing: Vec<_> = all.difference(&covered).collect();
    assert!(missing.is_empty(), "no event built for {missing:?}");
}

#[test]
fn a_schema_rejects_an_event_with_a_missing_or_extra_field() {
    let mut seen = BTreeSet::new();
    for event in every_buildable_event() {
        let t = event.base().event_type;
        if !seen.insert(t.as_str()) {
            continue;
        }
        let name = t.as_str();
        let valid = event_json(&event);
        assert!(
            errors(t, &valid).is_empty(),
            "{name}: the unmodified event must pass"
        );

        let mut missing = valid.clone();
        missing.as_object_mut().unwrap().remove("event_id");
        assert!(
            !errors(t, &missing).is_empty(),
            "{name}: accepted an event without event_id"
        );

        let mut extra = valid.clone();
        extra["foo"] = json!("bar");
        assert!(
            !errors(t, &extra).is_empty(),
            "{name}: accepted an event with an extra field"
        );

        let mut wrong_type = valid.clone();
        wrong_type["event_type"] = json!(if t == EventType::EmployeeCreated {
            "EMPLOYEE_UPDATED"
        } else {
            "EMPLOYEE_CREATED"
        });
        assert!(
            !errors(t, &wrong_type).is_empty(),
            "{name}: accepted another type's name"
        );

        let mut seconds_only = valid.clone();
        seconds_only["timestamp"] = json!("2026-11-26T10:00:00Z");
        assert!(
            !errors(t, &seconds_only).is_empty(),
            "{name}: accepted a timestamp without milliseconds"
        );

        let mut v4 = valid.clone();
        v4["event_id"] = json!(uuid::Uuid::new_v4().to_string());
        assert!(
            !errors(t, &v4).is_empty(),
            "{name}: accepted a non-v7 event id"
        );
    }

    // The employee snapshot is strict too.
    let created = every_buildable_event()
        .into_iter()
        .find(|e| e.base().event_type == EventType::EmployeeCreated)
        .expect("an EMPLOYEE_CREATED event");
    let valid = event_json(&created);
    let mut extra = valid.clone();
    extra["data"]["salary"] = json!(1);
    assert!(
        !errors(EventType::EmployeeCreated, &extra).is_empty(),
        "accepted an extra data field"
    );
    let mut missing = valid.clone();
    missing["data"].as_object_mut().unwrap().remove("hire_date");
    assert!(
        !errors(EventType::EmployeeCreated, &missing).is_empty(),
        "accepted data without hire_date"
    );
    let mut bad_status = valid;
    bad_status["data"]["status"] = json!("retired");
    assert!(
        !errors(EventType::EmployeeCreated, &bad_status).is_empty(),
        "accepted an unknown status"
    );
}
