//! Managers: unknown, self, looping and terminated managers are rejected.

use super::*;

#[actix_web::test]
async fn an_unknown_manager_is_rejected() {
    let app = spawn_app().await;
    let ghost = uuid::Uuid::now_v7().to_string();
    assert_create_rejected(
        &app,
        json!({ "name": "Ada", "age": 36, "manager_id": ghost }),
        422,
        "manager_not_found",
    )
    .await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": ghost }),
        422,
        "manager_not_found",
    )
    .await;
    let r = assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": "boss" }),
        422,
        "validation_failed",
    )
    .await;
    assert_validation(&r, &["manager_id"]);
}

#[actix_web::test]
async fn an_employee_cannot_be_their_own_manager() {
    let app = spawn_app().await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": emp["id"] }),
        422,
        "manager_is_self",
    )
    .await;
    // The same id in upper case is still the same employee.
    let upper = emp["id"].as_str().unwrap().to_uppercase();
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": upper }),
        422,
        "manager_is_self",
    )
    .await;
}

#[actix_web::test]
async fn a_manager_chain_that_would_loop_is_rejected() {
    let app = spawn_app().await;
    // a manages b, b manages c.
    let a = create_named(&app, "A", json!({})).await;
    let b = create_named(&app, "B", json!({ "manager_id": a["id"] })).await;
    let c = create_named(&app, "C", json!({ "manager_id": b["id"] })).await;
    assert_eq!(c["manager_id"], b["id"]);

    // a's direct and indirect reports cannot become a's manager.
    assert_patch_rejected(
        &app,
        &a["id"],
        json!({ "manager_id": c["id"] }),
        422,
        "manager_cycle",
    )
    .await;
    assert_patch_rejected(
        &app,
        &a["id"],
        json!({ "manager_id": b["id"] }),
        422,
        "manager_cycle",
    )
    .await;
    assert_patch_rejected(
        &app,
        &b["id"],
        json!({ "manager_id": c["id"] }),
        422,
        "manager_cycle",
    )
    .await;

    // Moving c up under a keeps a tree, and is allowed.
    let r = patch(
        &app,
        &employee_path(&c["id"]),
        &json!({ "manager_id": a["id"] }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["manager_id"], a["id"]);
}

#[actix_web::test]
async fn a_terminated_manager_is_rejected() {
    let app = spawn_app().await;
    let boss = create_named(&app, "Boss", json!({})).await;
    let emp = create_named(&app, "Ada", json!({})).await;
    assert_eq!(
        delete(&app, &employee_path(&boss["id"]))
            .await
            .status
            .as_u16(),
        200
    );

    assert_create_rejected(
        &app,
        json!({ "name": "Eve", "age": 30, "manager_id": boss["id"] }),
        422,
        "manager_terminated",
    )
    .await;
    assert_patch_rejected(
        &app,
        &emp["id"],
        json!({ "manager_id": boss["id"] }),
        422,
        "manager_terminated",
    )
    .await;
}
