//! The employee module's answers to other modules (facts of a record, which
//! records a caller may see), the reporting chain at any size and in corrupt
//! data, and the employee time zone (create, update, invalid, default).

use std::path::PathBuf;

use hrms::auth::{Principal, Role};
use hrms::config::Settings;
use hrms::modules::employee::fixtures::InsertReports;
use hrms::modules::employee::{
    self, EmployeeActor, EmployeeId, EmployeeStatus, GetEmployeeFacts, TimeZone, Visibility,
    VisibleEmployees,
};
use serde_json::{json, Value};

use crate::common::{assert_error, spawn_app, spawn_app_with, Reply, TestApp};

/// A second employee actor on the app's database and outbox, for what other
/// modules ask by message (the app's own actor is not exposed).
fn employee_actor(app: &TestApp) -> actix::Addr<EmployeeActor> {
    employee::start(
        app.services.db.clone(),
        app.services.outbox.clone(),
        1,
        TimeZone::UTC,
    )
}

fn id_of(v: &Value) -> EmployeeId {
    v["id"].as_str().expect("id").parse().expect("employee id")
}

/// A manager account linked to `employee`: its principal and token.
async fn manager_of(app: &TestApp, employee: &EmployeeId) -> (Principal, String) {
    let (account, token) = app.account("manager", Some(&employee.to_string())).await;
    let who = Principal {
        user_id: account["id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("user id"),
        role: Role::Manager,
        employee_id: Some(*employee),
        via: hrms::auth::Via::Token,
    };
    (who, token)
}

async fn get_as(app: &TestApp, token: &str, path: &str) -> Reply {
    app.request_as(Some(token), "GET", path, None).await
}

fn assert_validation_names(r: &Reply, field: &str, code: &str) {
    assert_error(r, 422, "validation_failed");
    let details = r.body["details"].as_array().expect("details");
    assert!(
        details
            .iter()
            .any(|d| d["field"] == field && d["code"] == code),
        "no {code} detail for {field}: {}",
        r.raw
    );
}

#[actix_web::test]
async fn a_manager_with_fifty_thousand_reports_sees_and_counts_every_one() {
    let app = spawn_app().await;
    let boss = app
        .create_employee(json!({"name": "Top Manager", "age": 55}))
        .await;
    let boss_id = id_of(&boss);
    let outsider = app
        .create_employee(json!({"name": "Outsider", "age": 40}))
        .await;
    let actor = employee_actor(&app);
    let reports = actor
        .send(InsertReports {
            manager: boss_id,
            count: 50_000,
            prefix: "Report".into(),
        })
        .await
        .expect("actor answers")
        .expect("reports inserted");
    assert_eq!(reports.len(), 50_000);
    // One more level below the first report, through the API.
    let deep = app
        .create_employee(json!({"name": "Deep", "age": 22, "manager_id": reports[0]}))
        .await;
    let (who, token) = manager_of(&app, &boss_id).await;

    let r = get_as(&app, &token, "/api/v1/employees?limit=200").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["total"], 50_002, "manager, reports and the deep one");
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(200));

    let r = get_as(
        &app,
        &token,
        &format!("/api/v1/employees?manager_id={boss_id}&limit=1&offset=49999"),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["total"], 50_000);
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));

    let last = reports.last().expect("reports");
    let r = get_as(&app, &token, &format!("/api/v1/employees/{last}")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = get_as(
        &app,
        &token,
        &format!("/api/v1/employees/{}", deep["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let r = get_as(
        &app,
        &token,
        &format!("/api/v1/employees/{}", outsider["id"].as_str().unwrap()),
    )
    .await;
    assert_error(&r, 404, "employee_not_found");

    let visible = actor
        .send(VisibleEmployees { by: who })
        .await
        .expect("actor answers")
        .expect("visibility");
    let Visibility::Only(ids) = &visible else {
        panic!("a manager sees only their chain");
    };
    assert_eq!(ids.len(), 50_002);
    assert!(visible.may_see(&boss_id) && visible.may_see(last) && visible.may_see(&id_of(&deep)));
    assert!(!visible.may_see(&id_of(&outsider)));
}

#[actix_web::test]
async fn a_reporting_loop_in_corrupt_data_ends_the_chain_instead_of_hanging() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    let a = app.create_employee(json!({"name": "A", "age": 40})).await;
    let b = app
        .create_employee(json!({"name": "B", "age": 40, "manager_id": a["id"]}))
        .await;
    let c = app
        .create_employee(json!({"name": "C", "age": 40, "manager_id": b["id"]}))
        .await;
    {
        // The API refuses loops; write one straight into the table.
        let mut conn = app.services.db.get().expect("db connection");
        let conn: &mut hrms::db::DbConnection = &mut conn;
        diesel::sql_query(format!(
            "UPDATE employees SET manager_id = '{}' WHERE id = '{}'",
            c["id"].as_str().unwrap(),
            a["id"].as_str().unwrap()
        ))
        .execute(conn)
        .expect("corrupt the reporting lines");
    }
    let (who, token) = manager_of(&app, &id_of(&b)).await;
    let r = get_as(&app, &token, "/api/v1/employees").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(
        r.body["total"], 3,
        "b, c and (through the loop) a, once each"
    );
    let visible = employee_actor(&app)
        .send(VisibleEmployees { by: who })
        .await
        .expect("actor answers")
        .expect("visibility");
    assert_eq!(
        visible,
        Visibility::Only([id_of(&a), id_of(&b), id_of(&c)].into_iter().collect())
    );
}

#[actix_web::test]
async fn other_modules_get_the_facts_of_a_record_without_personal_data() {
    let app = spawn_app().await;
    let m = app
        .create_employee(json!({"name": "Manager", "age": 45, "hire_date": "2020-02-03"}))
        .await;
    let e = app
        .create_employee(json!({
            "name": "Ada", "age": 36, "manager_id": m["id"],
            "hire_date": "2021-04-05", "time_zone": "Europe/Berlin"
        }))
        .await;
    let actor = employee_actor(&app);
    let facts = actor
        .send(GetEmployeeFacts { id: id_of(&e) })
        .await
        .expect("actor answers")
        .expect("facts")
        .expect("the record exists");
    assert_eq!(facts.id, id_of(&e));
    assert_eq!(facts.status, EmployeeStatus::Active);
    assert_eq!(facts.hire_date.to_string(), "2021-04-05");
    assert_eq!(facts.termination_date, None);
    assert_eq!(facts.manager_id, Some(id_of(&m)));
    assert_eq!(facts.time_zone.name(), "Europe/Berlin");
    assert_eq!(facts.time_zone.tz(), chrono_tz::Europe::Berlin);

    let r = app
        .delete(&format!(
            "/api/v1/employees/{}?termination_date=2026-01-31",
            e["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let facts = actor
        .send(GetEmployeeFacts { id: id_of(&e) })
        .await
        .expect("actor answers")
        .expect("facts")
        .expect("the record stays");
    assert_eq!(facts.status, EmployeeStatus::Terminated);
    assert_eq!(
        facts.termination_date.map(|d| d.to_string()).as_deref(),
        Some("2026-01-31")
    );

    let none = actor
        .send(GetEmployeeFacts {
            id: EmployeeId::generate(),
        })
        .await
        .expect("actor answers")
        .expect("facts");
    assert_eq!(none, None);
}

#[actix_web::test]
async fn an_employee_gets_the_time_zone_sent_and_utc_by_default() {
    let app = spawn_app().await;
    let e = app
        .create_employee(json!({"name": "Ada", "age": 36, "time_zone": "America/New_York"}))
        .await;
    assert_eq!(e["time_zone"], "America/New_York");
    let r = app
        .get(&format!("/api/v1/employees/{}", e["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.body["time_zone"], "America/New_York");
    let d = app.create_employee(json!({"name": "Bob", "age": 36})).await;
    assert_eq!(d["time_zone"], "UTC");
    let audited = app
        .outbox()
        .into_iter()
        .filter(|row| row.event_type == "AUDIT_EMPLOYEE_ACTION")
        .count();
    assert_eq!(audited, 2, "each creation is audited");
}

#[actix_web::test]
async fn records_created_without_a_time_zone_get_the_configured_default() {
    let app = spawn_app_with(&[("HRMS_DEFAULT_TIME_ZONE", "Asia/Tokyo")]).await;
    let e = app.create_employee(json!({"name": "Ada", "age": 36})).await;
    assert_eq!(e["time_zone"], "Asia/Tokyo");
    let e = app
        .create_employee(json!({"name": "Bob", "age": 36, "time_zone": "UTC"}))
        .await;
    assert_eq!(e["time_zone"], "UTC");
}

#[test]
fn an_invalid_default_time_zone_stops_the_start() {
    let config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let env = [(
        "HRMS_DEFAULT_TIME_ZONE".to_owned(),
        "Mars/Olympus".to_owned(),
    )];
    let err = Settings::load_from(&config_dir, "test", &env).expect_err("refused");
    assert!(err.to_string().contains("HRMS_DEFAULT_TIME_ZONE"), "{err}");
}

#[actix_web::test]
async fn an_invalid_time_zone_is_rejected_naming_the_field_and_changes_nothing() {
    let app = spawn_app().await;
    for bad in [
        json!("Mars/Olympus"),
        json!(""),
        json!("europe/berlin "),
        json!(42),
    ] {
        let r = app
            .post_json(
                "/api/v1/employees",
                &json!({"name": "Ada", "age": 36, "time_zone": bad}),
            )
            .await;
        if bad.is_string() {
            assert_validation_names(&r, "time_zone", "invalid_value");
        } else {
            assert_error(&r, 400, "invalid_body");
        }
    }
    let r = app.get("/api/v1/employees").await;
    assert_eq!(r.body["total"], 0, "nothing was created: {}", r.raw);
    assert!(app.outbox().is_empty(), "and no event written");
}

#[actix_web::test]
async fn the_time_zone_can_be_changed_but_not_cleared_or_made_invalid() {
    let app = spawn_app().await;
    let e = app.create_employee(json!({"name": "Ada", "age": 36})).await;
    let path = format!("/api/v1/employees/{}", e["id"].as_str().unwrap());
    let r = app
        .patch_json(&path, &json!({"time_zone": "Europe/Lisbon"}))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["time_zone"], "Europe/Lisbon");
    let audited = |app: &TestApp| {
        app.outbox()
            .into_iter()
            .filter(|row| row.event_type == "AUDIT_EMPLOYEE_ACTION")
            .count()
    };
    assert_eq!(audited(&app), 2, "the creation and the change are audited");

    let r = app.patch_json(&path, &json!({"time_zone": null})).await;
    assert_validation_names(&r, "time_zone", "null_not_allowed");
    let r = app
        .patch_json(&path, &json!({"time_zone": "Nowhere/Special"}))
        .await;
    assert_validation_names(&r, "time_zone", "invalid_value");
    let r = app.get(&path).await;
    assert_eq!(
        r.body["time_zone"], "Europe/Lisbon",
        "unchanged by the refused patches"
    );

    // The same zone again is no change: nothing more is audited.
    let r = app
        .patch_json(&path, &json!({"time_zone": "Europe/Lisbon"}))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(audited(&app), 2, "the same zone again changes nothing");
}
