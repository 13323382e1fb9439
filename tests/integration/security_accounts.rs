//! Regression tests of the account findings of issue 16 (second wave), each
//! replaying the attack: a leaver's account and token after termination, links
//! to terminated records, tokens after credential changes, guessing
//! `current_password`, look-alike e-mail addresses and invisible names.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::{json, Value};

use crate::common::*;

const ME: &str = "/api/v1/auth/me";

fn user_path(user: &Value) -> String {
    format!("/api/v1/users/{}", user["id"].as_str().expect("user id"))
}

async fn me(app: &TestApp, token: &str) -> u16 {
    app.request_as(Some(token), "GET", ME, None)
        .await
        .status
        .as_u16()
}

async fn patch_as(app: &TestApp, token: &str, path: &str, body: &Value) -> Reply {
    app.request_as(
        Some(token),
        "PATCH",
        path,
        Some(("application/json", &body.to_string())),
    )
    .await
}

fn count(rows: &[OutboxEntry], event_type: &str, aggregate_id: &str) -> usize {
    rows.iter()
        .filter(|r| r.event_type == event_type && r.aggregate_id == aggregate_id)
        .map(|r| r.event_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len()
}

/// Waits until `token` is refused (the subscription runs through the relay).
async fn wait_until_refused(app: &TestApp, token: &str) -> Duration {
    let start = Instant::now();
    while me(app, token).await != 401 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the token still works 15 s after the termination"
        );
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    start.elapsed()
}

#[actix_web::test]
async fn terminating_a_manager_revokes_their_token_and_login_once_even_when_the_event_comes_twice_with_kafka_off(
) {
    let app = spawn_app().await;
    // spawn_app runs with KAFKA_ENABLE_PRODUCER=false: the relay delivers to
    // the subscription without Kafka.
    let manager = app
        .create_employee(json!({ "name": "Grace Manager", "age": 45 }))
        .await;
    let manager_id = manager["id"].as_str().unwrap();
    app.create_employee(json!({ "name": "Report", "age": 30, "manager_id": manager_id }))
        .await;
    let (account, token) = app.account("manager", Some(manager_id)).await;
    let email = account["email"].as_str().unwrap();
    let reports = app
        .request_as(Some(&token), "GET", "/api/v1/employees", None)
        .await;
    assert_eq!(reports.status.as_u16(), 200, "{}", reports.raw);
    assert_eq!(reports.body["total"], 2);

    let r = app.delete(&format!("/api/v1/employees/{manager_id}")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    wait_until_refused(&app, &token).await;
    let listed = app
        .request_as(Some(&token), "GET", "/api/v1/employees", None)
        .await;
    assert_error(&listed, 401, "unauthorized");
    assert_error(
        &app.login(email, USER_PASSWORD).await,
        401,
        "invalid_credentials",
    );
    let now = app.get(&user_path(&account)).await;
    assert_eq!(now.body["active"], false, "{}", now.raw);

    // The same event delivered again changes nothing and writes nothing.
    let user_id = account["id"].as_str().unwrap();
    // Every row, the subscribers' included: with Kafka off the termination
    // exists only as their rows, and the audit family goes over HTTP: one audit
    // entry for the creation, one for the deactivation.
    let rows = app.outbox_all();
    assert_eq!(
        count(&rows, "AUDIT_USER_ACTION", user_id),
        2,
        "create + deactivate"
    );
    let terminated = rows
        .iter()
        .find(|r| r.event_type == "EMPLOYEE_TERMINATED")
        .expect("the termination event");
    let subscription = app
        .services
        .outbox
        .subscriptions()
        .get("user-terminations")
        .expect("the user module subscribes to terminations");
    let event = hrms::outbox::SubscribedEvent {
        event_id: terminated.event_id.parse().unwrap(),
        event_type: hrms::events::EventType::EmployeeTerminated,
        aggregate_id: manager_id.to_owned(),
        payload: json!({}),
    };
    for _ in 0..2 {
        let answer = subscription
            .recipient
            .send(hrms::outbox::Deliver {
                subscription: "user-terminations",
                events: vec![event.clone()],
            })
            .await
            .unwrap();
        assert_eq!(answer, Ok(()));
    }
    let again = app.outbox_all();
    assert_eq!(count(&again, "AUDIT_USER_ACTION", user_id), 2);
    assert_eq!(again.len(), rows.len(), "no new rows at all");
}

#[actix_web::test]
async fn linking_an_account_to_a_terminated_employee_is_refused_on_create_and_update() {
    let app = spawn_app().await;
    let gone = app
        .create_employee(json!({ "name": "Former", "age": 50 }))
        .await;
    let gone_id = gone["id"].as_str().unwrap();
    let r = app.delete(&format!("/api/v1/employees/{gone_id}")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);

    let create = app
        .post_json(
            "/api/v1/users",
            &json!({
                "email": "former@hrms.test",
                "display_name": "Former",
                "role": "manager",
                "employee_id": gone_id,
                "password": USER_PASSWORD,
            }),
        )
        .await;
    assert_error(&create, 422, "employee_terminated");
    let (unlinked, _) = app.account("employee", None).await;
    let update = app
        .patch_json(&user_path(&unlinked), &json!({ "employee_id": gone_id }))
        .await;
    assert_error(&update, 422, "employee_terminated");
    let after = app.get(&user_path(&unlinked)).await;
    assert_eq!(after.body["employee_id"], Value::Null);
    let all = app.get("/api/v1/users").await;
    assert_eq!(all.body["total"], 2, "nothing was created: {}", all.raw);
}

#[actix_web::test]
async fn an_old_token_is_refused_right_after_a_password_change_by_its_owner() {
    let app = spawn_app().await;
    let (account, old) = app.account("employee", None).await;
    let r = patch_as(
        &app,
        &old,
        &user_path(&account),
        &json!({ "password": "a brand new long password", "current_password": USER_PASSWORD }),
    )
    .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(me(&app, &old).await, 401);
    let fresh = app
        .login(
            account["email"].as_str().unwrap(),
            "a brand new long password",
        )
        .await;
    let fresh = fresh.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(me(&app, &fresh).await, 200, "a new login works");
}

#[actix_web::test]
async fn an_old_token_is_refused_right_after_an_admin_resets_the_password() {
    let app = spawn_app().await;
    let (account, old) = app.account("hr", None).await;
    let r = app
        .patch_json(
            &user_path(&account),
            &json!({ "password": "reset by the administrator" }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(me(&app, &old).await, 401);
}

#[actix_web::test]
async fn a_token_from_before_a_deactivation_stays_refused_after_reactivation() {
    let app = spawn_app().await;
    let (account, old) = app.account("employee", None).await;
    let off = app
        .patch_json(&user_path(&account), &json!({ "active": false }))
        .await;
    assert_eq!(off.status.as_u16(), 200, "{}", off.raw);
    assert_eq!(me(&app, &old).await, 401);
    let on = app
        .patch_json(&user_path(&account), &json!({ "active": true }))
        .await;
    assert_eq!(on.status.as_u16(), 200, "{}", on.raw);
    assert_eq!(me(&app, &old).await, 401, "reactivation does not revive it");
    let fresh = app
        .login(account["email"].as_str().unwrap(), USER_PASSWORD)
        .await;
    assert_eq!(fresh.status.as_u16(), 200, "{}", fresh.raw);
}

#[actix_web::test]
async fn an_old_token_is_refused_right_after_a_role_change_and_a_name_change_keeps_it() {
    let app = spawn_app().await;
    let (account, old) = app.account("hr", None).await;
    let renamed = app
        .patch_json(&user_path(&account), &json!({ "display_name": "Renamed" }))
        .await;
    assert_eq!(renamed.status.as_u16(), 200, "{}", renamed.raw);
    assert_eq!(me(&app, &old).await, 200, "a name change revokes nothing");
    let demoted = app
        .patch_json(&user_path(&account), &json!({ "role": "employee" }))
        .await;
    assert_eq!(demoted.status.as_u16(), 200, "{}", demoted.raw);
    assert_eq!(me(&app, &old).await, 401);
}

#[actix_web::test]
async fn guessing_the_current_password_ten_at_a_time_is_cut_off_at_the_limit() {
    let limit = 5;
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")]).await;
    let (account, token) = app.account("employee", None).await;
    let path = user_path(&account);
    let mut replies = Vec::new();
    for wave in 0..6 {
        let guesses = (0..10).map(|i| {
            let body = json!({
                "password": "the attacker's new password",
                "current_password": format!("guess {wave}-{i}"),
            });
            let (app, token, path) = (&app, &token, &path);
            async move { patch_as(app, token, path, &body).await }
        });
        replies.extend(join_all(guesses).await);
    }
    let checked = replies.iter().filter(|r| r.status.as_u16() == 422).count();
    let refused: Vec<_> = replies
        .iter()
        .filter(|r| r.status.as_u16() == 429)
        .collect();
    assert_eq!(checked + refused.len(), 60, "only 422 and 429");
    assert!(checked <= limit, "{checked} guesses reached the hash check");
    assert!(!refused.is_empty());
    for r in &refused {
        assert_error(r, 429, "too_many_attempts");
        let wait: u64 = r
            .retry_after
            .as_deref()
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(wait >= 1);
    }
    // Even the right one is refused now, and the password is unchanged.
    let right = patch_as(
        &app,
        &token,
        &path,
        &json!({ "password": "the attacker's new password", "current_password": USER_PASSWORD }),
    )
    .await;
    assert_error(&right, 429, "too_many_attempts");
    let login = app
        .login(account["email"].as_str().unwrap(), USER_PASSWORD)
        .await;
    assert_eq!(login.status.as_u16(), 200, "{}", login.raw);
}

#[actix_web::test]
async fn look_alike_email_addresses_are_one_address_or_refused() {
    let app = spawn_app().await;
    let account = |email: &str| {
        json!({
            "email": email,
            "display_name": "Boss",
            "role": "employee",
            "password": USER_PASSWORD,
        })
    };
    let first = app
        .post_json("/api/v1/users", &account("boss@exämple.com"))
        .await;
    assert_eq!(first.status.as_u16(), 201, "{}", first.raw);
    assert_eq!(first.body["email"], "boss@xn--exmple-cua.com");
    let punycode = app
        .post_json("/api/v1/users", &account("BOSS@xn--exmple-cua.com"))
        .await;
    assert_error(&punycode, 409, "email_taken");
    let cyrillic = app
        .post_json("/api/v1/users", &account("boss@ex\u{430}mple.com"))
        .await;
    assert_error(&cyrillic, 422, "validation_failed");
    assert_eq!(cyrillic.body["details"][0]["field"], "email");
    let login = app.login("boss@exämple.com", USER_PASSWORD).await;
    assert_eq!(
        login.status.as_u16(),
        200,
        "the Unicode form logs in: {}",
        login.raw
    );

    let employee = app
        .create_employee(json!({ "name": "Boss", "age": 40, "email": "boss@EXÄMPLE.com" }))
        .await;
    assert_eq!(employee["email"], "boss@xn--exmple-cua.com");
    let refused = app
        .post_json(
            "/api/v1/employees",
            &json!({ "name": "Boss", "age": 40, "email": "boss@ex\u{430}mple.com" }),
        )
        .await;
    assert_eq!(refused.status.as_u16(), 422, "{}", refused.raw);
    let all = app.get("/api/v1/users").await;
    assert_eq!(all.body["total"], 2, "{}", all.raw);
}

#[actix_web::test]
async fn invisible_and_direction_overriding_names_are_refused_everywhere_they_are_shown() {
    let app = spawn_app().await;
    for name in [
        "\u{200b}",
        "\u{202e}nimda",
        "Ad\u{2028}a",
        "\u{2060}\u{feff}",
    ] {
        let employee = app
            .post_json("/api/v1/employees", &json!({ "name": name, "age": 30 }))
            .await;
        assert_error(&employee, 422, "validation_failed");
        for field in ["department", "position"] {
            let r = app
                .post_json(
                    "/api/v1/employees",
                    &json!({ "name": "Ada", "age": 30, field: name }),
                )
                .await;
            assert_error(&r, 422, "validation_failed");
            assert_eq!(r.body["details"][0]["field"], field, "{}", r.raw);
        }
        let account = app
            .post_json(
                "/api/v1/users",
                &json!({
                    "email": "someone@hrms.test",
                    "display_name": name,
                    "role": "employee",
                    "password": USER_PASSWORD,
                }),
            )
            .await;
        assert_error(&account, 422, "validation_failed");
    }
    let employees = app.get("/api/v1/employees").await;
    assert_eq!(employees.body["total"], 0, "{}", employees.raw);
    let users = app.get("/api/v1/users").await;
    assert_eq!(users.body["total"], 1, "{}", users.raw);
}
