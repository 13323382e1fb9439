//! Malformed requests on the employee endpoints: bad bodies, paths, methods,
//! media types, sizes and queries get their 400/404/405/413/415 JSON error.

use super::*;

#[actix_web::test]
async fn unknown_fields_in_the_body_are_rejected_as_invalid_body() {
    let app = spawn_app().await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "salary": 1 }),
        400,
        "invalid_body",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "Name": "x" }),
        400,
        "invalid_body",
    )
    .await;

    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "salary": 1 }),
        400,
        "invalid_body",
    )
    .await;
    assert_patch_rejected(&app, &emp["id"], json!({ "id": "x" }), 400, "invalid_body").await;
}

#[actix_web::test]
async fn a_field_of_the_wrong_type_is_rejected_as_invalid_body() {
    let app = spawn_app().await;
    for body in [
        json!({ "name": "Ada", "age": "30" }),
        json!({ "name": "Ada", "age": 30.5 }),
        json!({ "name": "Ada", "age": null }),
        json!({ "name": 7, "age": 30 }),
        json!({ "name": "Ada", "age": 30, "email": 1 }),
        json!({ "name": "Ada" }),
        json!({ "age": 30 }),
        json!([{ "name": "Ada", "age": 30 }]),
        json!("Ada"),
    ] {
        assert_create_rejected(&app, body, 400, "invalid_body").await;
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "age": "31" }),
        400,
        "invalid_body",
    )
    .await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "age": 30.5 }),
        400,
        "invalid_body",
    )
    .await;
}

#[actix_web::test]
async fn an_age_written_as_a_whole_float_is_that_integer() {
    // JSON Schema's `integer` (the API document's type of `age`) includes 36.0;
    // found by scripts/fuzz-api.sh, which sent it and got 400.
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({ "age": 36.0 })).await;
    assert_eq!(emp["age"], 36);
    let r = patch(&app, &employee_path(&emp["id"]), &json!({ "age": 37.0 })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["age"], 37);
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 1e300 }),
        400,
        "invalid_body",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": -0.5 }),
        400,
        "invalid_body",
    )
    .await;
}

#[actix_web::test]
async fn malformed_json_is_rejected_as_invalid_json() {
    let app = spawn_app().await;
    for body in [
        r#"{"name": "Ada", "age": 36"#,
        r#"{"name": "Ada" "age": 36}"#,
        "",
        "{,}",
    ] {
        let before = observable_state(&app).await;
        let r = raw(&app, "POST", EMPLOYEES, Some(("application/json", body))).await;
        assert_error(&r, 400, "invalid_json");
        assert_eq!(observable_state(&app).await, before);
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let r = raw(
        &app,
        "PATCH",
        &employee_path(&emp["id"]),
        Some(("application/json", "{")),
    )
    .await;
    assert_error(&r, 400, "invalid_json");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn a_body_that_is_not_json_is_an_unsupported_media_type() {
    let app = spawn_app().await;
    let body = r#"{"name": "Ada", "age": 36}"#;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let before = observable_state(&app).await;
        let r = raw(&app, "POST", EMPLOYEES, Some((content_type, body))).await;
        assert_error(&r, 415, "unsupported_media_type");
        assert_eq!(observable_state(&app).await, before);
    }
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let r = raw(
        &app,
        "PATCH",
        &employee_path(&emp["id"]),
        Some(("text/plain", r#"{"age": 40}"#)),
    )
    .await;
    assert_error(&r, 415, "unsupported_media_type");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn a_body_over_64_kib_is_payload_too_large() {
    let app = spawn_app().await;
    let body = json!({ "name": "A".repeat(70 * 1024), "age": 36 });
    assert!(body.to_string().len() > 64 * 1024);
    assert_create_rejected(&app, body, 413, "payload_too_large").await;

    let emp = create_named(&app, "Ada", json!({})).await;
    let big = json!({ "position": "P".repeat(70 * 1024) });
    assert_patch_rejected(&app, &emp["id"], big, 413, "payload_too_large").await;
}

#[actix_web::test]
async fn an_id_that_is_not_a_uuid_is_an_invalid_path() {
    let app = spawn_app().await;
    let before = observable_state(&app).await;
    for path in [
        format!("{EMPLOYEES}/not-a-uuid"),
        format!("{EMPLOYEES}/123"),
        format!("{EMPLOYEES}/0198c0de-0000-7000-8000-00000000000"),
    ] {
        assert_error(&get(&app, &path).await, 400, "invalid_path");
        assert_error(
            &patch(&app, &path, &json!({ "age": 40 })).await,
            400,
            "invalid_path",
        );
        assert_error(&delete(&app, &path).await, 400, "invalid_path");
    }
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn an_unknown_employee_id_is_not_found() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    let path = format!("{EMPLOYEES}/{}", uuid::Uuid::now_v7());
    assert_error(&get(&app, &path).await, 404, "employee_not_found");
    assert_error(
        &patch(&app, &path, &json!({ "age": 40 })).await,
        404,
        "employee_not_found",
    );
    assert_error(&delete(&app, &path).await, 404, "employee_not_found");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn an_unknown_path_is_route_not_found() {
    let app = spawn_app().await;
    for path in [
        "/api/v1/nope",
        "/api/v2/employees",
        "/",
        "/api/v1/employees/x/y",
    ] {
        assert_error(&get(&app, path).await, 404, "route_not_found");
    }
    let r = post(
        &app,
        "/api/v1/employee",
        &json!({ "name": "Ada", "age": 36 }),
    )
    .await;
    assert_error(&r, 404, "route_not_found");
}

#[actix_web::test]
async fn a_method_the_route_does_not_support_is_method_not_allowed() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({ "department": "Engineering" })).await;
    let before = observable_state(&app).await;
    let body = r#"{"name": "Eve", "age": 40}"#;
    // (PUT on a record is the old full update: see update.rs.)
    let r = raw(
        &app,
        "POST",
        &format!("{}/", employee_path(&emp["id"])),
        Some(("application/json", body)),
    )
    .await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(
        &app,
        "POST",
        &employee_path(&emp["id"]),
        Some(("application/json", body)),
    )
    .await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(&app, "DELETE", EMPLOYEES, None).await;
    assert_error(&r, 405, "method_not_allowed");
    let r = raw(&app, "PUT", EMPLOYEES, Some(("application/json", body))).await;
    assert_error(&r, 405, "method_not_allowed");
    assert_eq!(observable_state(&app).await, before);
}

#[actix_web::test]
async fn unknown_or_malformed_query_parameters_are_an_invalid_query() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({})).await;
    let before = observable_state(&app).await;
    for query in [
        "sort=name",
        "limit=abc",
        "offset=x",
        "limit=1.5",
        "limit=99999999999999999999",
    ] {
        let r = get(&app, &format!("{EMPLOYEES}?{query}")).await;
        assert_error(&r, 400, "invalid_query");
    }
    let r = delete(&app, &format!("{}?reason=quit", employee_path(&emp["id"]))).await;
    assert_error(&r, 400, "invalid_query");
    assert_eq!(observable_state(&app).await, before);
    assert_eq!(
        get(&app, &employee_path(&emp["id"])).await.body["status"],
        "active"
    );
}
