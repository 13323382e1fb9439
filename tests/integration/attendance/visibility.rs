//! Who sees and changes whose records: admin and hr all, a manager their
//! reporting chain, an employee their own (404 otherwise).

use super::*;

#[actix_web::test]
async fn each_role_sees_exactly_the_records_it_may_and_others_are_not_found() {
    let app = spawn_app().await;
    let boss = app
        .create_employee(json!({ "name": "Boss", "age": 50, "hire_date": "2020-01-01" }))
        .await;
    let report = employee(&app, "UTC", Some(&boss["id"])).await;
    let stranger = employee(&app, "UTC", None).await;
    let boss_id = boss["id"].as_str().unwrap().to_owned();
    let rec = manual(
        &app,
        &report,
        "2026-11-02T08:00:00Z",
        "2026-11-02T12:00:00Z",
    )
    .await
    .body;
    let other = manual(
        &app,
        &stranger,
        "2026-11-02T08:00:00Z",
        "2026-11-02T12:00:00Z",
    )
    .await
    .body;
    let (rec_path, other_path) = (record_path(&rec["id"]), record_path(&other["id"]));

    let (_, hr) = app.account("hr", None).await;
    let (_, manager) = app.account("manager", Some(&boss_id)).await;
    let (_, own) = app.account("employee", Some(&report)).await;
    let (_, outsider) = app.account("employee", Some(&stranger)).await;

    for token in [&app.admin_token, &hr] {
        assert_eq!(
            call(&app, token, "GET", &rec_path, None)
                .await
                .status
                .as_u16(),
            200
        );
        assert_eq!(
            call(&app, token, "GET", &other_path, None)
                .await
                .status
                .as_u16(),
            200
        );
    }
    assert_eq!(
        call(&app, &manager, "GET", &rec_path, None)
            .await
            .status
            .as_u16(),
        200
    );
    assert_error(
        &call(&app, &manager, "GET", &other_path, None).await,
        404,
        "attendance_record_not_found",
    );
    assert_eq!(
        call(&app, &own, "GET", &format!("{rec_path}/history"), None)
            .await
            .status
            .as_u16(),
        200
    );
    assert_error(
        &call(&app, &outsider, "GET", &rec_path, None).await,
        404,
        "attendance_record_not_found",
    );
    assert_error(
        &call(&app, &outsider, "GET", &format!("{rec_path}/history"), None).await,
        404,
        "attendance_record_not_found",
    );
    let list = format!("{RECORDS}?employee_id={report}&from=2026-11-01&to=2026-11-30");
    assert_error(
        &call(&app, &outsider, "GET", &list, None).await,
        404,
        "employee_not_found",
    );
    assert_eq!(call(&app, &own, "GET", &list, None).await.body["total"], 1);

    // The manager corrects their report's record; an employee may not correct another's.
    let fix = json!({ "start": "2026-11-02T07:30:00Z", "reason": "started earlier" });
    let r = call(&app, &manager, "PATCH", &rec_path, Some(&fix)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_error(
        &call(&app, &manager, "PATCH", &other_path, Some(&fix)).await,
        404,
        "attendance_record_not_found",
    );
    let body = json!({ "employee_id": stranger, "start": "2026-11-03T08:00:00Z", "end": "2026-11-03T09:00:00Z", "reason": "x" });
    assert_error(
        &call(&app, &own, "POST", RECORDS, Some(&body)).await,
        404,
        "employee_not_found",
    );
    let body = json!({ "employee_id": report, "start": "2026-11-03T08:00:00Z", "end": "2026-11-03T09:00:00Z", "reason": "x" });
    assert_error(
        &call(&app, &own, "POST", RECORDS, Some(&body)).await,
        403,
        "cannot_correct_own_record",
    );
}
