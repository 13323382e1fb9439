//! The work e-mail is unique, case-insensitively: a taken one is a 409.

use super::*;

#[actix_web::test]
async fn a_duplicate_email_is_a_conflict() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "ada@x.com" })).await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
}

#[actix_web::test]
async fn emails_differing_only_in_case_are_duplicates() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "Ada@X.com" })).await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
    assert_create_rejected(
        &app,
        json!({ "name": "Other Ada", "age": 40, "email": " ADA@X.COM " }),
        409,
        "email_taken",
    )
    .await;
}

#[actix_web::test]
async fn changing_an_email_to_one_already_taken_is_a_conflict() {
    let app = spawn_app().await;
    create_named(&app, "Ada", json!({ "email": "ada@x.com" })).await;
    let bob = create_named(&app, "Bob", json!({ "email": "bob@x.com" })).await;
    assert_patch_rejected(
        &app,
        &bob["id"],
        json!({ "email": "ada@x.com" }),
        409,
        "email_taken",
    )
    .await;
    assert_patch_rejected(
        &app,
        &bob["id"],
        json!({ "email": "ADA@x.COM" }),
        409,
        "email_taken",
    )
    .await;

    // Re-sending one's own address, in any case, is not a conflict.
    let r = patch(
        &app,
        &employee_path(&bob["id"]),
        &json!({ "email": "BOB@X.COM" }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["email"], "bob@x.com");

    // A freed address can be taken.
    let r = patch(&app, &employee_path(&bob["id"]), &json!({ "email": null })).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let carol = create_named(&app, "Carol", json!({ "email": "bob@x.com" })).await;
    assert_eq!(carol["email"], "bob@x.com");
}
