//! API keys for machine clients (issue 15, item 2): an admin creates a named
//! key with a role and an optional scope, sees it once, lists and revokes keys;
//! a key works as `Authorization: Bearer` and as `X-API-Key`, what it does is
//! attributed to it in audit events, a revoked key is refused at once, scopes
//! hold, and wrong keys are rate-limited like logins.

use serde_json::{json, Value};

use crate::common::*;
use crate::support::schemas::{errors_of, validator};

const KEYS: &str = "/api/v1/api-keys";
const KEY_PATTERN_LEN: usize = 5 + 32 + 1 + 64;

/// A request with `key` in the `X-API-Key` header.
async fn with_x_api_key(app: &TestApp, key: &str, method: &str, path: &str) -> (u16, Value) {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut resp = awc::Client::default()
        .request(method, format!("{}{path}", app.address))
        .insert_header(("x-api-key", key))
        .send()
        .await
        .expect("request sent");
    let body = resp.body().await.expect("body");
    (
        resp.status().as_u16(),
        serde_json::from_slice(&body).unwrap_or(Value::Null),
    )
}

async fn create_key(app: &TestApp, body: Value) -> (Value, String) {
    let r = app.post_json(KEYS, &body).await;
    assert_eq!(r.status.as_u16(), 201, "key creation: {}", r.raw);
    let key = r.body["key"].as_str().expect("the key, once").to_owned();
    (r.body, key)
}

async fn as_key(app: &TestApp, key: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let text = body.map(Value::to_string);
    app.request_as(
        Some(key),
        method,
        path,
        text.as_deref().map(|t| ("application/json", t)),
    )
    .await
}

#[actix_web::test]
async fn a_key_works_as_bearer_and_as_x_api_key_and_what_it_does_is_attributed_to_it() {
    let app = spawn_app_with_events_queued().await;
    let me = app.get("/api/v1/auth/me").await;
    let admin_id = me.body["id"].as_str().expect("admin id").to_owned();

    let (created, key) =
        create_key(&app, json!({ "name": " payroll-export ", "role": "hr" })).await;
    let id = created["id"].as_str().expect("key id").to_owned();
    assert_eq!(key.len(), KEY_PATTERN_LEN, "{key}");
    assert!(
        key.starts_with(&format!("hrms_{}_", id.replace('-', ""))),
        "{key}"
    );
    assert_eq!(created["name"], "payroll-export", "the name is trimmed");
    assert_eq!(created["role"], "hr");
    assert_eq!(created["read_only"], false);
    assert_eq!(created["modules"], Value::Null);
    assert_eq!(created["created_by"], admin_id.as_str());
    assert_eq!(created["last_used_at"], Value::Null);
    assert!(created.get("secret_hash").is_none(), "{created}");

    // Both ways of sending it work, and it acts with its role (hr lists employees).
    let r = as_key(&app, &key, "GET", "/api/v1/employees", None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let (status, _) = with_x_api_key(&app, &key, "GET", "/api/v1/employees").await;
    assert_eq!(status, 200);
    let r = as_key(
        &app,
        &key,
        "POST",
        "/api/v1/employees",
        Some(&json!({ "name": "Made By Payroll", "age": 30 })),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.raw);
    let employee_id = r.body["id"].as_str().expect("employee id").to_owned();

    // Listed with its use, never with the key or its hash.
    let list = app.get(KEYS).await;
    assert_eq!(list.status.as_u16(), 200, "{}", list.raw);
    assert_eq!(list.body["total"], 1);
    let listed = &list.body["items"][0];
    assert_eq!(listed["id"], id.as_str());
    assert!(listed["last_used_at"].is_string(), "{listed}");
    assert!(!list.raw.contains(&key[38..]), "the list shows the secret");
    assert!(listed.get("key").is_none() && listed.get("secret_hash").is_none());
    let one = app.get(&format!("{KEYS}/{id}")).await;
    assert_eq!(one.status.as_u16(), 200);
    assert_eq!(one.body["name"], "payroll-export");

    // Only a keyed hash is stored, not the key or its secret.
    let stored: String = {
        use diesel::prelude::*;
        use hrms::db::schema::api_keys;
        let mut conn = app.services.db.get().expect("db");
        api_keys::table
            .find(&id)
            .select(api_keys::secret_hash)
            .first(&mut conn)
            .expect("stored hash")
    };
    assert_eq!(stored.len(), 64, "an HMAC-SHA256 in hex");
    assert!(!stored.contains(&key[38..]) && !key.contains(&stored));

    let events = app.queued_events();
    assert!(
        events.iter().all(|e| !e.to_string().contains(&key[38..])),
        "an event carries the secret"
    );
    let created_event = events
        .iter()
        .find(|e| e["event_type"] == "USER_API_KEY_CREATED")
        .expect("USER_API_KEY_CREATED");
    assert_eq!(created_event["user_id"], id.as_str());
    assert_eq!(created_event["data"]["name"], "payroll-export");
    let audit = events
        .iter()
        .find(|e| e["event_type"] == "AUDIT_USER_ACTION" && e["action"] == "api_key.create")
        .expect("the creation is audited");
    assert_eq!(audit["actor_id"], admin_id.as_str());
    assert_eq!(audit["resource_type"], "api_key");
    assert_eq!(audit["resource_id"], id.as_str());
    // What the key did is attributed to the key.
    let employee_audit = events
        .iter()
        .find(|e| {
            e["event_type"] == "AUDIT_EMPLOYEE_ACTION" && e["resource_id"] == employee_id.as_str()
        })
        .expect("the employee creation is audited");
    assert_eq!(employee_audit["actor_id"], id.as_str());
    for event in [created_event, audit, employee_audit] {
        let t = event["event_type"].as_str().expect("type");
        let errors = errors_of(&validator(t), event);
        assert!(
            errors.is_empty(),
            "{t} does not match its schema: {errors:?}"
        );
    }
}

#[actix_web::test]
async fn a_revoked_key_is_refused_at_once_and_its_record_stays() {
    let app = spawn_app_with_events_queued().await;
    let (created, key) = create_key(&app, json!({ "name": "audit-reader", "role": "admin" })).await;
    let id = created["id"].as_str().expect("key id").to_owned();
    assert_eq!(
        as_key(&app, &key, "GET", "/api/v1/users", None)
            .await
            .status
            .as_u16(),
        200
    );

    let r = app.delete(&format!("{KEYS}/{id}")).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert!(r.body["revoked_at"].is_string(), "{}", r.raw);
    assert!(r.body["revoked_by"].is_string(), "{}", r.raw);
    let r = as_key(&app, &key, "GET", "/api/v1/users", None).await;
    assert_error(&r, 401, "unauthorized");
    let (status, body) = with_x_api_key(&app, &key, "GET", "/api/v1/users").await;
    assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));

    assert_error(
        &app.delete(&format!("{KEYS}/{id}")).await,
        409,
        "api_key_revoked",
    );
    let unknown = uuid::Uuid::now_v7();
    assert_error(
        &app.delete(&format!("{KEYS}/{unknown}")).await,
        404,
        "api_key_not_found",
    );
    assert_error(
        &app.get(&format!("{KEYS}/{unknown}")).await,
        404,
        "api_key_not_found",
    );

    let revoked = app.get(&format!("{KEYS}?revoked=true")).await;
    assert_eq!(revoked.body["total"], 1, "{}", revoked.raw);
    let live = app.get(&format!("{KEYS}?revoked=false")).await;
    assert_eq!(live.body["total"], 0, "{}", live.raw);

    // A revoked key's name is free again.
    create_key(&app, json!({ "name": "audit-reader", "role": "admin" })).await;

    let events = app.queued_events();
    let revoked_event = events
        .iter()
        .find(|e| e["event_type"] == "USER_API_KEY_REVOKED")
        .expect("USER_API_KEY_REVOKED");
    assert_eq!(revoked_event["user_id"], id.as_str());
    assert_eq!(
        revoked_event["changed_fields"],
        json!(["revoked_at", "revoked_by"])
    );
    let errors = errors_of(&validator("USER_API_KEY_REVOKED"), revoked_event);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(events
        .iter()
        .any(|e| e["event_type"] == "AUDIT_USER_ACTION" && e["action"] == "api_key.revoke"));
}

#[actix_web::test]
async fn a_read_only_key_cannot_write_and_a_module_key_reaches_only_its_modules() {
    let app = spawn_app().await;
    let (_, reader) = create_key(
        &app,
        json!({ "name": "reporting", "role": "hr", "read_only": true }),
    )
    .await;
    assert_eq!(
        as_key(&app, &reader, "GET", "/api/v1/employees", None)
            .await
            .status
            .as_u16(),
        200
    );
    let before = app.get("/api/v1/employees").await.body["total"].clone();
    let new_account = json!({
        "email": "reader-made@hrms.test",
        "display_name": "Made By Reader",
        "role": "employee",
        "password": USER_PASSWORD,
    });
    for (path, body) in [
        ("/api/v1/employees", json!({ "name": "X", "age": 30 })),
        ("/api/v1/users", new_account),
    ] {
        let r = as_key(&app, &reader, "POST", path, Some(&body)).await;
        assert_error(&r, 403, "api_key_out_of_scope");
    }
    assert_eq!(
        app.get("/api/v1/users").await.body["total"],
        1,
        "only the admin's account"
    );
    assert_eq!(
        app.get("/api/v1/employees").await.body["total"],
        before,
        "a refused write changed something"
    );

    let (created, leave_only) = create_key(
        &app,
        json!({ "name": "leave-sync", "role": "hr", "modules": ["leave", "leave"] }),
    )
    .await;
    assert_eq!(created["modules"], json!(["leave"]), "modules are distinct");
    let r = as_key(&app, &leave_only, "GET", "/api/v1/leave/types", None).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    for path in [
        "/api/v1/employees",
        "/api/v1/users",
        "/api/v1/attendance/locks",
    ] {
        let r = as_key(&app, &leave_only, "GET", path, None).await;
        assert_error(&r, 403, "api_key_out_of_scope");
    }
    // Trailing-slash routes are the same routes, scopes included.
    let r = as_key(&app, &leave_only, "GET", "/api/v1/employees/", None).await;
    assert_error(&r, 403, "api_key_out_of_scope");
}

#[actix_web::test]
async fn only_an_admin_logged_in_manages_keys_and_bad_bodies_change_nothing() {
    let app = spawn_app().await;
    let (_, hr_token) = app.account("hr", None).await;
    let r = app
        .request_as(
            Some(&hr_token),
            "POST",
            KEYS,
            Some((
                "application/json",
                &json!({ "name": "x", "role": "hr" }).to_string(),
            )),
        )
        .await;
    assert_error(&r, 403, "forbidden");
    assert_error(
        &app.request_as(Some(&hr_token), "GET", KEYS, None).await,
        403,
        "forbidden",
    );

    // A key, even an admin's, cannot mint keys or see them.
    let (_, admin_key) = create_key(&app, json!({ "name": "ops", "role": "admin" })).await;
    let r = as_key(
        &app,
        &admin_key,
        "POST",
        KEYS,
        Some(&json!({ "name": "y", "role": "admin" })),
    )
    .await;
    assert_error(&r, 403, "forbidden");
    assert_error(
        &as_key(&app, &admin_key, "GET", KEYS, None).await,
        403,
        "forbidden",
    );
    // A key is not an account.
    assert_error(
        &as_key(&app, &admin_key, "GET", "/api/v1/auth/me", None).await,
        403,
        "forbidden",
    );

    for (body, field) in [
        (json!({ "name": "m", "role": "manager" }), "role"),
        (json!({ "name": "e", "role": "employee" }), "role"),
        (json!({ "name": "r", "role": "root" }), "role"),
        (json!({ "name": "  ", "role": "hr" }), "name"),
        (json!({ "name": "\u{200b}", "role": "hr" }), "name"),
        (json!({ "name": "x".repeat(101), "role": "hr" }), "name"),
        (
            json!({ "name": "n", "role": "hr", "modules": [] }),
            "modules",
        ),
        (
            json!({ "name": "n", "role": "hr", "modules": ["payroll"] }),
            "modules",
        ),
    ] {
        let r = app.post_json(KEYS, &body).await;
        assert_error(&r, 422, "validation_failed");
        assert_eq!(r.body["details"][0]["field"], field, "{body}: {}", r.raw);
    }
    let r = app
        .post_json(
            KEYS,
            &json!({ "name": "n", "role": "hr", "secret": "mine" }),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.raw);
    let r = app
        .post_json(KEYS, &json!({ "name": "ops", "role": "hr" }))
        .await;
    assert_error(&r, 409, "api_key_name_taken");
    let all = app.get(KEYS).await;
    assert_eq!(
        all.body["total"], 1,
        "a refused creation left a key: {}",
        all.raw
    );
    assert_error(
        &app.get(&format!("{KEYS}?limit=0")).await,
        422,
        "validation_failed",
    );
}

#[actix_web::test]
async fn wrong_keys_are_limited_per_key_and_address_and_a_flood_gets_429() {
    let app = spawn_app_with(&[
        ("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3"),
        ("HRMS_LOGIN_MAX_FAILURES_PER_CLIENT", "6"),
    ])
    .await;
    let (_, key) = create_key(&app, json!({ "name": "victim", "role": "hr" })).await;
    let wrong = format!("{}{}", &key[..38], "0".repeat(64));
    for _ in 0..3 {
        assert_error(
            &as_key(&app, &wrong, "GET", "/api/v1/employees", None).await,
            401,
            "unauthorized",
        );
    }
    let r = as_key(&app, &wrong, "GET", "/api/v1/employees", None).await;
    assert_error(&r, 429, "too_many_attempts");
    let wait: u64 = r
        .retry_after
        .as_deref()
        .expect("Retry-After")
        .parse()
        .expect("seconds");
    assert!((1..=3600).contains(&wait), "{wait}");

    // Malformed keys and keys of unknown ids spend the address's budget, shared
    // with logins: three more failures and the address is refused everything.
    assert_error(
        &as_key(&app, "hrms_not_a_key", "GET", "/api/v1/employees", None).await,
        401,
        "unauthorized",
    );
    let unknown = format!("hrms_{}_{}", uuid::Uuid::now_v7().simple(), "a".repeat(64));
    assert_error(
        &as_key(&app, &unknown, "GET", "/api/v1/employees", None).await,
        401,
        "unauthorized",
    );
    let (status, _) = with_x_api_key(&app, "garbage", "GET", "/api/v1/employees").await;
    assert_eq!(status, 401);
    let r = as_key(&app, &unknown, "GET", "/api/v1/employees", None).await;
    assert_error(&r, 429, "too_many_attempts");
    let r = app.login(ADMIN_EMAIL, "a wrong password").await;
    assert_error(&r, 429, "too_many_attempts");

    // The key's owner, elsewhere, is not locked out by any of it.
    let req = format!(
        "GET /api/v1/employees HTTP/1.1\r\nHost: t\r\nX-API-Key: {key}\r\nConnection: close\r\n\r\n"
    );
    let r =
        crate::security::send(crate::security::connect_from(&app, "127.0.0.3").await, req).await;
    assert_eq!(
        r.status, 200,
        "the real key from another address: {:?}",
        r.body
    );
}
