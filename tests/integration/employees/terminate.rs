//! `DELETE` terminates: status and date set, the record kept, no second time.

use super::*;

#[actix_web::test]
async fn terminating_an_employee_sets_status_and_date_and_keeps_the_record() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "department": "Eng" })).await;
    let before = today();
    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["id"], ada["id"]);
    assert_eq!(r.body["status"], "terminated");
    assert_is_today(&r.body["termination_date"], before);
    assert_eq!(r.body["name"], "Ada");
    assert_eq!(r.body["department"], "Eng");

    let fetched = get(&app, &employee_path(&ada["id"])).await;
    assert_eq!(fetched.status.as_u16(), 200, "the record stays");
    assert_eq!(fetched.body, r.body);
    let list = get(&app, EMPLOYEES).await;
    assert_eq!(list.body["total"], 1);
}

#[actix_web::test]
async fn a_termination_date_given_in_the_query_is_used() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "hire_date": "2020-01-15" })).await;
    let r = delete(
        &app,
        &format!("{}?termination_date=2024-06-30", employee_path(&ada["id"])),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["termination_date"], "2024-06-30");
    assert_eq!(r.body["status"], "terminated");

    // The hire date itself is a valid last day.
    let bob = create_named(&app, "Bob", json!({ "hire_date": "2020-01-15" })).await;
    let r = delete(
        &app,
        &format!("{}?termination_date=2020-01-15", employee_path(&bob["id"])),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["termination_date"], "2020-01-15");
}

#[actix_web::test]
async fn a_bad_or_early_termination_date_is_a_validation_error() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({ "hire_date": "2020-01-15" })).await;
    for (date, code) in [
        ("2020-01-14", "before_hire_date"),
        ("2026-13-01", "invalid_date"),
        ("yesterday", "invalid_date"),
        ("1899-12-31", "out_of_range"),
    ] {
        let before = observable_state(&app).await;
        let r = delete(
            &app,
            &format!("{}?termination_date={date}", employee_path(&ada["id"])),
        )
        .await;
        assert_validation(&r, &["termination_date"]);
        assert_eq!(detail_code(&r, "termination_date"), code, "for {date}");
        assert_eq!(observable_state(&app).await, before);
    }
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, ada);
}

#[actix_web::test]
async fn terminating_an_employee_twice_is_a_conflict() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    let first = delete(&app, &employee_path(&ada["id"])).await;
    assert_eq!(first.status.as_u16(), 200, "{}", first.raw);
    let before = observable_state(&app).await;
    let r = delete(&app, &employee_path(&ada["id"])).await;
    assert_error(&r, 409, "already_terminated");
    let r = delete(
        &app,
        &format!("{}?termination_date=2020-01-01", employee_path(&ada["id"])),
    )
    .await;
    assert_error(&r, 409, "already_terminated");
    assert_eq!(observable_state(&app).await, before);
    assert_eq!(get(&app, &employee_path(&ada["id"])).await.body, first.body);
}

#[actix_web::test]
async fn a_terminated_employee_cannot_be_changed() {
    let app = spawn_app().await;
    let ada = create_named(&app, "Ada", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&ada["id"]))
            .await
            .status
            .as_u16(),
        200
    );
    assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "age": 40 }),
        409,
        "employee_terminated",
    )
    .await;
    assert_patch_rejected(
        &app,
        &ada["id"],
        json!({ "status": "active" }),
        409,
        "employee_terminated",
    )
    .await;
    assert_patch_rejected(&app, &ada["id"], json!({}), 409, "employee_terminated").await;
}
