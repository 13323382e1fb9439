//! Reading one employee and listing them: filters, pagination, limits.

use super::*;

#[actix_web::test]
async fn an_employee_can_be_read_by_id() {
    let app = spawn_app().await;
    let ada = create_named(
        &app,
        "Ada",
        json!({ "email": "ada@x.com", "department": "Eng" }),
    )
    .await;
    create_named(&app, "Bob", json!({})).await;
    let r = get(&app, &employee_path(&ada["id"])).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, ada);
    // An upper-case id names the same record.
    let upper = format!("{EMPLOYEES}/{}", ada["id"].as_str().unwrap().to_uppercase());
    assert_eq!(get(&app, &upper).await.body, ada);
}

#[actix_web::test]
async fn the_list_can_be_filtered_by_department_status_and_manager() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({ "department": "Eng" })).await;
    let ada = create_named(
        &app,
        "Ada",
        json!({ "department": "Eng", "manager_id": boss["id"] }),
    )
    .await;
    let bob = create_named(
        &app,
        "Bob",
        json!({ "department": "Sales", "manager_id": boss["id"], "status": "on_leave" }),
    )
    .await;
    let eve = create_named(&app, "Eve", json!({ "department": "Eng" })).await;
    let _nobody = create_named(&app, "Nobody", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&eve["id"]))
            .await
            .status
            .as_u16(),
        200
    );

    let list = |query: String| {
        let app = &app;
        async move {
            let r = get(app, &format!("{EMPLOYEES}?{query}")).await;
            assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
            r.body
        }
    };
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();

    let all = list(String::new()).await;
    assert_eq!(all["total"], 5);
    assert_eq!(all["limit"], 50);
    assert_eq!(all["offset"], 0);

    let eng = list("department=Eng".into()).await;
    assert_eq!(ids(&eng), [id(&boss), id(&ada), id(&eve)]);
    assert_eq!(eng["total"], 3);
    assert_eq!(
        list("department=eng".into()).await["total"],
        0,
        "departments match exactly"
    );
    assert_eq!(list("department=Marketing".into()).await["total"], 0);

    assert_eq!(ids(&list("status=on_leave".into()).await), [id(&bob)]);
    assert_eq!(ids(&list("status=terminated".into()).await), [id(&eve)]);
    assert_eq!(list("status=active".into()).await["total"], 3);

    let reports = list(format!("manager_id={}", id(&boss))).await;
    assert_eq!(ids(&reports), [id(&ada), id(&bob)]);
    assert_eq!(reports["total"], 2);
    assert_eq!(list(format!("manager_id={}", id(&ada))).await["total"], 0);

    let combined = list(format!(
        "department=Eng&status=active&manager_id={}",
        id(&boss)
    ))
    .await;
    assert_eq!(ids(&combined), [id(&ada)]);
    assert_eq!(combined["total"], 1);

    for query in ["status=retired", "manager_id=boss", "department="] {
        let r = get(&app, &format!("{EMPLOYEES}?{query}")).await;
        assert_error(&r, 422, "validation_failed");
    }
}

#[actix_web::test]
async fn the_list_is_paginated_in_a_stable_order_and_total_counts_all_matches() {
    let app = spawn_app().await;
    let mut created = Vec::new();
    for i in 0..7 {
        let e = create_named(
            &app,
            &format!("Employee {i}"),
            json!({ "department": "Eng" }),
        )
        .await;
        created.push(e["id"].as_str().unwrap().to_owned());
    }
    create_named(&app, "Outsider", json!({ "department": "Sales" })).await;

    let mut paged = Vec::new();
    for offset in [0, 3, 6] {
        let r = get(
            &app,
            &format!("{EMPLOYEES}?department=Eng&limit=3&offset={offset}"),
        )
        .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        assert_eq!(r.body["total"], 7);
        assert_eq!(r.body["limit"], 3);
        assert_eq!(r.body["offset"], offset);
        paged.extend(ids(&r.body));
    }
    assert_eq!(paged, created, "pages cover every match once, oldest first");

    let again = get(
        &app,
        &format!("{EMPLOYEES}?department=Eng&limit=3&offset=3"),
    )
    .await;
    assert_eq!(
        ids(&again.body),
        created[3..6],
        "the same page twice gives the same items"
    );

    let past_end = get(
        &app,
        &format!("{EMPLOYEES}?department=Eng&limit=3&offset=100"),
    )
    .await;
    assert_eq!(past_end.status.as_u16(), 200);
    assert_eq!(past_end.body["items"], json!([]));
    assert_eq!(past_end.body["total"], 7);
}

#[actix_web::test]
async fn a_limit_above_200_is_capped_to_200() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({})).await;
    for limit in [201, 1000, i64::MAX] {
        let r = get(&app, &format!("{EMPLOYEES}?limit={limit}")).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        assert_eq!(r.body["limit"], 200);
        assert_eq!(r.body["total"], 1);
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    }
    let r = get(&app, &format!("{EMPLOYEES}?limit=200")).await;
    assert_eq!(r.body["limit"], 200);
}

#[actix_web::test]
async fn a_zero_limit_or_a_negative_offset_is_a_validation_error() {
    let app = spawn_app().await;
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=0")).await,
        &["limit"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=-5")).await,
        &["limit"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?offset=-1")).await,
        &["offset"],
    );
    assert_validation(
        &get(&app, &format!("{EMPLOYEES}?limit=0&offset=-1")).await,
        &["limit", "offset"],
    );
}
