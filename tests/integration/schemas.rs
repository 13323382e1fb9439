//! Every event type has a versioned JSON Schema under `schemas/events/v1/`, and
//! every event the library can build matches its schema. The schemas are strict
//! (`additionalProperties: false`, every field required), so renaming or adding a
//! field in Rust without updating the schema fails here.

use std::collections::BTreeSet;

use hrms::events::{
    attendance_event, audit_event, leave_event, notification_event, user_event, AuditAction, Event,
    EventContext, EventType, Family, SourceModule,
};
use serde_json::{json, Value};

use crate::common::*;
use crate::support::schemas::{self as support, errors_of, schema_dir};

const DRAFT_2020_12: &str = "https://json-schema.org/draft/2020-12/schema";
const ID_BASE: &str = "https://hrms.example/schemas/events/v1/";

fn load_schema(t: EventType) -> Value {
    support::load_schema(t.as_str())
}

fn validator(t: EventType) -> jsonschema::Validator {
    support::validator(t.as_str())
}

/// The validation errors of `instance` against its type's schema, one per line.
fn errors(t: EventType, instance: &Value) -> Vec<String> {
    errors_of(&validator(t), instance)
}

fn event_json(event: &Event) -> Value {
    serde_json::from_str(&event.to_json().expect("event serialises")).expect("event JSON parses")
}

/// Compliance events as the module builds them: a violation (detected and
/// resolved, with and without a span), an alert, a check of one employee and
/// of everyone.
fn compliance_events(t: EventType, employee_id: &str) -> Vec<Event> {
    use chrono::{NaiveDate, TimeZone, Utc};
    use hrms::modules::compliance::domain::*;
    use hrms::modules::compliance::events as ce;
    let employee: uuid::Uuid = employee_id.parse().expect("uuid");
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).expect("date");
    let at = Utc.with_ymd_and_hms(2026, 3, 2, 22, 0, 0).unwrap();
    let finding = |severity, span| Finding {
        employee,
        rule: RuleId::DailyRest,
        reference: "Directive 2003/88/EC Art. 3",
        window: Window::day(day),
        span,
        measured: Quantity::Seconds(9 * 3600),
        limit: Quantity::Seconds(11 * 3600),
        severity,
        check: "min_rest",
    };
    let span = Some(WorkInterval {
        start: at,
        end: at + chrono::Duration::hours(9),
    });
    match t {
        EventType::ComplianceViolation => {
            let open = StoredFinding::new(&finding(Severity::Violation, span), at);
            let mut resolved = StoredFinding::new(&finding(Severity::Violation, None), at);
            resolved.status = Status::Resolved;
            resolved.resolved_at = Some(at);
            vec![
                ce::finding_changed(&ctx(Some("system")), &open),
                ce::finding_changed(&ctx(None), &resolved),
            ]
        }
        EventType::ComplianceAlert => {
            let mut f = finding(Severity::Warning, None);
            f.rule = RuleId::WeeklyAverage;
            f.measured = Quantity::HalfDays(30);
            vec![ce::finding_changed(&ctx(None), &StoredFinding::new(&f, at))]
        }
        _ => [Some(employee_id.parse().expect("uuid")), None]
            .into_iter()
            .flat_map(|e| {
                let c = CheckRecord {
                    id: hrms::shared::CheckId::generate(),
                    employee_id: e,
                    from: day,
                    to: day,
                    trigger: "on_demand".into(),
                    requested_by: "u-1".into(),
                    employees: 1,
                    detected: 2,
                    resolved: 1,
                    open: 1,
                    started_at: at,
                    completed_at: at,
                };
                ce::check_completed(&ctx(Some("u-1")), &c)
                    .into_iter()
                    .filter(|ev| ev.base().event_type == EventType::ComplianceCheckCompleted)
            })
            .collect(),
    }
}

fn ctx(actor: Option<&str>) -> EventContext {
    EventContext {
        correlation_id: "req-0193a2b4".into(),
        actor_id: actor.map(str::to_owned),
        traceparent: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into()),
    }
}

/// The employee module's real events, as a client causes them: created
/// (minimal and full, every optional field set), updated (optional fields
/// cleared to null), terminated, each with its audit event. They are written
/// with Kafka on and the relay off, so they stay queued and are read back from
/// the outbox exactly as the relay would publish them.
async fn employee_events() -> Vec<(EventType, Value)> {
    let app = spawn_app_with_events_queued().await;
    let manager = app
        .create_employee(json!({ "name": "Grace Hopper", "age": 60 }))
        .await;
    let full = app
        .create_employee(json!({
            "name": "  Ada Lovelace ",
            "age": 36,
            "email": "Ada@Example.COM",
            "department": "Engineering",
            "position": "Analyst",
            "manager_id": manager["id"],
            "hire_date": "2024-03-01",
            "status": "on_leave",
        }))
        .await;
    let path = format!("/api/v1/employees/{}", full["id"].as_str().expect("id"));
    let r = app
        .patch_json(
            &path,
            &json!({
                "name": "Ada King",
                "email": null,
                "department": null,
                "manager_id": null,
                "status": "active",
            }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "update: {}", r.raw);
    let r = app
        .delete(&format!("{path}?termination_date=2026-11-30"))
        .await;
    assert_eq!(r.status.as_u16(), 200, "terminate: {}", r.raw);

    let events: Vec<(EventType, Value)> = app
        .queued_events()
        .into_iter()
        .map(|v| {
            let t = v["event_type"]
                .as_str()
                .and_then(EventType::parse)
                .unwrap_or_else(|| panic!("an event of no known type: {v}"));
            (t, v)
        })
        .collect();
    let types: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        types,
        [
            "EMPLOYEE_CREATED",
            "AUDIT_EMPLOYEE_ACTION",
            "EMPLOYEE_CREATED",
            "AUDIT_EMPLOYEE_ACTION",
            "EMPLOYEE_UPDATED",
            "AUDIT_EMPLOYEE_ACTION",
            "EMPLOYEE_TERMINATED",
            "AUDIT_EMPLOYEE_ACTION",
        ],
        "the employee writes left other events than expected"
    );
    events
}

/// Every event the library can build today, with its type: the employee
/// module's real events (with every optional field both set and null, through
/// the API) and one or more of every other type through its factory function.
async fn every_buildable_event() -> Vec<(EventType, Value)> {
    let mut built: Vec<Event> = Vec::new();
    let employee_id = "0193a2b4-0000-7000-8000-000000000042";

    // Families whose modules have not landed yet: through their factories.
    for t in EventType::ALL.iter().copied() {
        match t.family() {
            Family::User
                if matches!(
                    t,
                    EventType::UserApiKeyCreated | EventType::UserApiKeyRevoked
                ) =>
            {
                let revoked = t == EventType::UserApiKeyRevoked;
                let key = "0193a2b4-0000-7000-8000-0000000000a1";
                let admin = "0193a2b4-0000-7000-8000-0000000000a2";
                // A key of every module, and one narrowed to reads of two.
                for (read_only, modules) in [(false, None), (true, Some(vec!["employee", "leave"]))]
                {
                    built.push(user_event(
                        &ctx(Some(admin)),
                        t,
                        key,
                        if revoked {
                            vec!["revoked_at".into(), "revoked_by".into()]
                        } else {
                            vec![]
                        },
                        json!({
                            "id": key,
                            "name": "payroll-export",
                            "role": "hr",
                            "read_only": read_only,
                            "modules": modules,
                            "created_at": "2026-12-03T08:00:00Z",
                            "created_by": admin,
                            "last_used_at": if revoked { Some("2026-12-03T09:00:00Z") } else { None },
                            "revoked_at": if revoked { Some("2026-12-03T10:00:00Z") } else { None },
                            "revoked_by": if revoked { Some(admin) } else { None },
                        }),
                    ));
                }
            }
            Family::User => built.push(user_event(
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
            Family::Leave if t == EventType::LeaveBalanceAdjusted => built.push(leave_event(
                &ctx(None),
                t,
                "0193a2b4-0000-7000-8000-000000000077",
                employee_id,
                json!({
                    "id": "0193a2b4-0000-7000-8000-000000000077",
                    "employee_id": employee_id,
                    "leave_type": "annual",
                    "kind": "grant",
                    "leave_year": 2026,
                    "days": 20.0,
                    "effective_date": "2026-01-01",
                    "request_id": null,
                    "created_by": "system",
                    "created_at": "2026-11-26T08:00:00Z",
                }),
            )),
            Family::Leave if t == EventType::LeaveRecounted => built.push(leave_event(
                &ctx(None),
                t,
                "0193a2b4-0000-7000-8000-000000000007",
                employee_id,
                json!({
                    "id": "0193a2b4-0000-7000-8000-000000000007",
                    "employee_id": employee_id,
                    "leave_type": "annual",
                    "start_date": "2026-12-21",
                    "end_date": "2026-12-23",
                    "start_part": "full",
                    "end_part": "full",
                    "status": "approved",
                    "awaiting": null,
                    "days": 2.0,
                    "days_by_year": [{ "leave_year": 2026, "days": 2.0 }],
                    "held_days": 2.0,
                    "dates": [{ "date": "2026-12-21", "part": "full" }, { "date": "2026-12-23", "part": "full" }],
                    "filed_by": "u-1",
                    "created_at": "2026-11-26T08:00:00Z",
                    "updated_at": "2026-12-07T08:00:00Z",
                    "manager_approved_by": null,
                    "decided_by": "u-2",
                    "decided_at": "2026-11-27T08:00:00Z",
                    "cancelled_by": null,
                    "cancelled_at": null,
                    "version": 3,
                    "days_given_back": 1.0,
                    "days_added": 0.0,
                    "cause": "interrupted",
                    "interrupted_by": "0193a2b4-0000-7000-8000-000000000008",
                }),
            )),
            Family::Leave => built.push(leave_event(
                &ctx(Some("u-1")),
                t,
                "0193a2b4-0000-7000-8000-000000000007",
                employee_id,
                json!({
                    "id": "0193a2b4-0000-7000-8000-000000000007",
                    "employee_id": employee_id,
                    "leave_type": "annual",
                    "start_date": "2026-12-01",
                    "end_date": "2026-12-05",
                    "start_part": "full",
                    "end_part": "am",
                    "status": "pending",
                    "awaiting": "manager",
                    "days": 3.5,
                    "days_by_year": [{ "leave_year": 2026, "days": 3.5 }],
                    "held_days": 3.5,
                    "dates": [{ "date": "2026-12-01", "part": "full" }],
                    "filed_by": "u-1",
                    "created_at": "2026-11-26T08:00:00Z",
                    "updated_at": "2026-11-26T08:00:00Z",
                    "manager_approved_by": null,
                    "decided_by": null,
                    "decided_at": null,
                    "cancelled_by": null,
                    "cancelled_at": null,
                    "version": 1,
                }),
            )),
            Family::Attendance
                if matches!(
                    t,
                    EventType::AttendancePeriodLocked | EventType::AttendancePeriodReopened
                ) =>
            {
                let reopened = t == EventType::AttendancePeriodReopened;
                // One lock for everyone (null employee, keyed by the lock), one for an employee.
                for who in [None, Some(employee_id)] {
                    built.push(attendance_event(
                        &ctx(Some("u-1")),
                        t,
                        "0193a2b4-0000-7000-8000-000000000019",
                        who,
                        json!({
                            "id": "0193a2b4-0000-7000-8000-000000000019",
                            "scope": if who.is_some() { "employee" } else { "everyone" },
                            "employee_id": who,
                            "from": "2026-10-01",
                            "to": "2026-10-31",
                            "locked_by": "u-1",
                            "locked_at": "2026-11-03T08:00:00Z",
                            "active": !reopened,
                            "reopened_by": if reopened { Some("u-2") } else { None },
                            "reopened_at": if reopened { Some("2026-11-04T08:00:00Z") } else { None },
                        }),
                    ));
                }
            }
            Family::Attendance => built.push(attendance_event(
                &ctx(None),
                t,
                "0193a2b4-0000-7000-8000-000000000009",
                Some(employee_id),
                json!({
                    "id": "0193a2b4-0000-7000-8000-000000000009",
                    "employee_id": employee_id,
                    "version": 1,
                    "start": "2026-11-26T08:00:00Z",
                    "end": null,
                    "source": "check_in",
                    "voided": false,
                    "kind": "check_in",
                    "created_by": "u-1",
                    "changed_by": "u-1",
                    "changed_at": "2026-11-26T08:00:00Z",
                    "time_zone": "Europe/Berlin",
                    "local_date": "2026-11-26",
                    "iso_week": "2026-W48",
                    "elapsed_seconds": 0,
                }),
            )),
            Family::Compliance => built.extend(compliance_events(t, employee_id)),
            Family::Employee | Family::Audit | Family::Notification => {}
        }
    }
    for source in SourceModule::ALL {
        let action = format!("{}.create", source.as_str());
        for actor in [None, Some("u-1")] {
            built.push(audit_event(
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
        built.push(notification_event(
            &ctx(None),
            source,
            "account_created",
            Some("u-42"),
            "someone@example.com",
            json!({ "name": "Someone" }),
        ));
    }
    built.push(notification_event(
        &ctx(None),
        SourceModule::Leave,
        "leave_approved",
        None,
        "someone@example.com",
        json!({}),
    ));
    let mut events = employee_events().await;
    events.extend(built.iter().map(|e| (e.base().event_type, event_json(e))));
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

#[actix_web::test]
async fn every_event_the_library_can_build_matches_its_schema() {
    let events = every_buildable_event().await;
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for (t, value) in &events {
        let t = *t;
        covered.insert(t.as_str());
        for e in errors(t, value) {
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

#[actix_web::test]
async fn a_schema_rejects_an_event_with_a_missing_or_extra_field() {
    let mut seen = BTreeSet::new();
    for (t, valid) in every_buildable_event().await {
        if !seen.insert(t.as_str()) {
            continue;
        }
        let name = t.as_str();
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
    let (_, valid) = every_buildable_event()
        .await
        .into_iter()
        .find(|(t, _)| *t == EventType::EmployeeCreated)
        .expect("an EMPLOYEE_CREATED event");
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
