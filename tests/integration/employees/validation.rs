//! Create bodies the rules reject: every bad field is a 422 `validation_failed`
//! naming it, and nothing changes.

use super::*;

#[actix_web::test]
async fn a_malformed_email_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in [
        "not-an-email",
        "ada@",
        "@example.com",
        "a b@example.com",
        "",
    ] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "email": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["email"]);
    }
}

#[actix_web::test]
async fn an_age_outside_16_to_100_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in [15, 101, -1, 0, i64::MAX] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["age"]);
        assert_eq!(detail_code(&r, "age"), "out_of_range");
    }
    // The bounds themselves are accepted.
    for ok in [16, 100] {
        let r = post(&app, EMPLOYEES, &json!({ "name": "Ada", "age": ok })).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
        assert_eq!(r.body["age"], ok);
    }
}

#[actix_web::test]
async fn an_impossible_or_unparseable_hire_date_is_a_validation_error() {
    let app = spawn_app().await;
    for bad in ["2026-13-01", "2026-02-30", "yesterday", "01/02/2020", ""] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "hire_date": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["hire_date"]);
        assert_eq!(detail_code(&r, "hire_date"), "invalid_date", "for {bad:?}");
    }
}

#[actix_web::test]
async fn a_hire_date_before_1900_or_over_a_year_ahead_is_a_validation_error() {
    let app = spawn_app().await;
    let far_future = today()
        .checked_add_days(chrono::Days::new(400))
        .unwrap()
        .to_string();
    for bad in ["1899-12-31", "0001-01-01", far_future.as_str()] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": "Ada", "age": 36, "hire_date": bad }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["hire_date"]);
        assert_eq!(detail_code(&r, "hire_date"), "out_of_range", "for {bad}");
    }
    let r = post(
        &app,
        EMPLOYEES,
        &json!({ "name": "Ada", "age": 36, "hire_date": "1900-01-01" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
}

#[actix_web::test]
async fn creating_an_employee_as_terminated_is_a_validation_error() {
    let app = spawn_app().await;
    let r = assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "status": "terminated" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["status"]);
    assert_eq!(detail_code(&r, "status"), "use_terminate");

    let r = assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "status": "retired" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["status"]);
}

#[actix_web::test]
async fn an_empty_or_blank_name_is_a_validation_error() {
    let app = spawn_app().await;
    let too_long = "x".repeat(201);
    for bad in ["", "   ", "\t\n", "Ada\u{0007}", too_long.as_str()] {
        let r = assert_create_rejected(
            &app,
            json!({ "name": bad, "age": 36 }),
            422,
            "validation_failed",
        )
        .await;
        assert_validation(&r, &["name"]);
    }
}

#[actix_web::test]
async fn an_empty_department_or_position_is_a_validation_error() {
    let app = spawn_app().await;
    for field in ["department", "position"] {
        for bad in ["", "  "] {
            let r = assert_create_rejected(
                &app,
                json!({ "name": "Ada", "age": 36, field: bad }),
                422,
                "validation_failed",
            )
            .await;
            assert_validation(&r, &[field]);
        }
    }
}

#[actix_web::test]
async fn every_bad_field_is_reported_in_one_response() {
    let app = spawn_app().await;
    let r = assert_create_rejected(
        &app,
        json!({
            "name": " ",
            "age": 15,
            "email": "nope",
            "department": "",
            "position": "",
            "manager_id": "42",
            "hire_date": "2026-13-01",
            "status": "terminated",
        }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(
        &r,
        &[
            "name",
            "age",
            "email",
            "department",
            "position",
            "manager_id",
            "hire_date",
            "status",
        ],
    );
    assert_eq!(detail_code(&r, "manager_id"), "invalid_id");
}
