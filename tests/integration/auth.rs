//! Authentication and authorization: login, tokens, the role matrix over every
//! employee and user endpoint, object-level visibility, self-promotion, the
//! login limiter, secrets kept out of logs and responses. Account creation
//! itself is in `users.rs`.

use std::io::Write;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

use crate::common::*;

const SECRET: &str = "test-signing-secret-0123456789abcdef";

async fn app_with_secret() -> TestApp {
    spawn_app_with(&[("HRMS_JWT_SECRET", SECRET)]).await
}

fn token_with(alg: Algorithm, typ: Option<&str>, claims: Value, secret: &str) -> String {
    let mut header = Header::new(alg);
    header.typ = typ.map(str::to_owned);
    encode(
        &header,
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap()
}

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    let bytes = base64_url_decode(payload);
    serde_json::from_slice(&bytes).unwrap()
}

fn base64_url_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for &c in s.as_bytes() {
        buf = (buf << 6) | u32::from(val(c));
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

#[actix_web::test]
async fn a_user_logs_in_and_reads_their_own_account() {
    let app = spawn_app().await;
    let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    let token = r.body["access_token"].as_str().unwrap();
    let me = app
        .request_as(Some(token), "GET", "/api/v1/auth/me", None)
        .await;
    assert_eq!(me.status.as_u16(), 200, "{}", me.raw);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
    assert!(me.body["last_login_at"].is_string());
    assert!(me.body.get("password_hash").is_none());
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_account_get_the_same_401() {
    let app = spawn_app().await;
    let wrong = app.login(ADMIN_EMAIL, "not the password").await;
    assert_error(&wrong, 401, "invalid_credentials");
    let unknown = app.login("nobody@hrms.test", "not the password").await;
    assert_error(&unknown, 401, "invalid_credentials");
    assert_eq!(
        wrong.body, unknown.body,
        "no hint whether the account exists"
    );
}

#[actix_web::test]
async fn a_deactivated_account_cannot_log_in_and_its_tokens_stop_working() {
    let app = spawn_app().await;
    let (user, token) = app.account("hr", None).await;
    let id = user["id"].as_str().unwrap();
    let r = app
        .patch_json(&format!("/api/v1/users/{id}"), &json!({"active": false}))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    let me = app
        .request_as(Some(&token), "GET", "/api/v1/auth/me", None)
        .await;
    assert_error(&me, 401, "unauthorized");
    let login = app
        .login(user["email"].as_str().unwrap(), USER_PASSWORD)
        .await;
    assert_error(&login, 401, "invalid_credentials");
}

#[actix_web::test]
async fn missing_malformed_tampered_expired_and_foreign_tokens_get_401() {
    let app = app_with_secret().await;
    let good = app.admin_token.clone();
    let claims = claims_of(&good);
    let now = chrono::Utc::now().timestamp();

    let mut expired = claims.clone();
    expired["iat"] = json!(now - 3600);
    expired["exp"] = json!(now - 60);
    let mut other_aud = claims.clone();
    other_aud["aud"] = json!("another-api");
    let mut other_iss = claims.clone();
    other_iss["iss"] = json!("someone-else");
    let mut promoted = claims.clone();
    promoted["role"] = json!("admin");
    promoted["sub"] = json!("0191e0c0-0000-7000-8000-000000000000");

    // Tampered: the payload changed, the signature kept.
    let parts: Vec<&str> = good.split('.').collect();
    let forged_payload = {
        let fake = token_with(
            Algorithm::HS256,
            Some("at+jwt"),
            promoted.clone(),
            "x".repeat(32).as_str(),
        );
        fake.split('.').nth(1).unwrap().to_owned()
    };
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("not a JWT", Some("garbage".into())),
        ("tampered payload", Some(tampered)),
        (
            "expired",
            Some(token_with(
                Algorithm::HS256,
                Some("at+jwt"),
                expired,
                SECRET,
            )),
        ),
        (
            "other audience",
            Some(token_with(
                Algorithm::HS256,
                Some("at+jwt"),
                other_aud,
                SECRET,
            )),
        ),
        (
            "other issuer",
            Some(token_with(
                Algorithm::HS256,
                Some("at+jwt"),
                other_iss,
                SECRET,
            )),
        ),
        (
            "wrong algorithm",
            Some(token_with(
                Algorithm::HS512,
                Some("at+jwt"),
                claims.clone(),
                SECRET,
            )),
        ),
        (
            "wrong type",
            Some(token_with(
                Algorithm::HS256,
                Some("JWT"),
                claims.clone(),
                SECRET,
            )),
        ),
        (
            "other secret",
            Some(token_with(
                Algorithm::HS256,
                Some("at+jwt"),
                claims.clone(),
                "another-secret-another-secret-0123",
            )),
        ),
        (
            "alg none",
            Some(format!(
                "{}.{}.",
                "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0", parts[1]
            )),
        ),
    ];
    for (what, token) in cases {
        for path in ["/api/v1/auth/me", "/api/v1/employees", "/api/v1/users"] {
            let r = app.request_as(token.as_deref(), "GET", path, None).await;
            assert_eq!(r.status.as_u16(), 401, "{what} on {path}: {}", r.raw);
            assert_eq!(r.body["code"], "unauthorized", "{what}: {}", r.raw);
        }
    }
    // The genuine token still works, and health, readiness and metrics stay open.
    assert_eq!(
        app.request_as(Some(&good), "GET", "/api/v1/auth/me", None)
            .await
            .status
            .as_u16(),
        200
    );
    for path in ["/health/live", "/health/ready", "/metrics"] {
        assert_eq!(
            app.request_as(None, "GET", path, None)
                .await
                .status
                .as_u16(),
            200,
            "{path}"
        );
    }
}

/// The organisation the matrix runs against.
struct Org {
    manager_emp: String,
    report_emp: String,
    indirect_emp: String,
    other_emp: String,
    hr: String,
    manager: String,
    employee: String,
    admin_user: String,
}

async fn org(app: &TestApp) -> Org {
    let m = app
        .create_employee(json!({"name": "Manager", "age": 45}))
        .await;
    let r = app
        .create_employee(json!({"name": "Report", "age": 30, "manager_id": m["id"]}))
        .await;
    let i = app
        .create_employee(json!({"name": "Indirect", "age": 25, "manager_id": r["id"]}))
        .await;
    let o = app
        .create_employee(json!({"name": "Other", "age": 50}))
        .await;
    let id = |v: &Value| v["id"].as_str().unwrap().to_owned();
    let (_, hr) = app.account("hr", None).await;
    let (_, manager) = app.account("manager", Some(&id(&m))).await;
    let (_, employee) = app.account("employee", Some(&id(&r))).await;
    let me = app.get("/api/v1/auth/me").await;
    Org {
        manager_emp: id(&m),
        report_emp: id(&r),
        indirect_emp: id(&i),
        other_emp: id(&o),
        hr,
        manager,
        employee,
        admin_user: me.body["id"].as_str().unwrap().to_owned(),
    }
}

#[actix_web::test]
async fn every_role_gets_what_the_matrix_says_on_every_employee_and_user_endpoint() {
    let app = spawn_app().await;
    let org = org(&app).await;
    let roles: [(&str, Option<String>); 5] = [
        ("admin", Some(app.admin_token.clone())),
        ("hr", Some(org.hr.clone())),
        ("manager", Some(org.manager.clone())),
        ("employee", Some(org.employee.clone())),
        ("anonymous", None),
    ];
    let new_employee = json!({"name": "New", "age": 33}).to_string();
    let new_user = |role: &str| {
        json!({
            "email": format!("n-{}@hrms.test", uuid::Uuid::new_v4().simple()),
            "display_name": "New",
            "role": role,
            "password": "a long enough password",
        })
        .to_string()
    };

    // (what, method, path, body, expected status for admin, hr, manager, employee, anonymous)
    type Row = (&'static str, &'static str, String, Option<String>, [u16; 5]);
    let mut rows: Vec<Row> = vec![
        (
            "create employee",
            "POST",
            "/api/v1/employees".into(),
            Some(new_employee.clone()),
            [201, 201, 403, 403, 401],
        ),
        (
            "list employees",
            "GET",
            "/api/v1/employees".into(),
            None,
            [200, 200, 200, 200, 401],
        ),
        (
            "read an employee outside the chain",
            "GET",
            format!("/api/v1/employees/{}", org.other_emp),
            None,
            [200, 200, 404, 404, 401],
        ),
        (
            "read an indirect report",
            "GET",
            format!("/api/v1/employees/{}", org.indirect_emp),
            None,
            [200, 200, 200, 404, 401],
        ),
        (
            "read one's own record",
            "GET",
            format!("/api/v1/employees/{}", org.report_emp),
            None,
            [200, 200, 200, 200, 401],
        ),
        (
            "change a visible record",
            "PATCH",
            format!("/api/v1/employees/{}", org.report_emp),
            Some(r#"{"position":"Lead"}"#.into()),
            [200, 200, 403, 403, 401],
        ),
        (
            "change an invisible record",
            "PATCH",
            format!("/api/v1/employees/{}", org.other_emp),
            Some(r#"{"position":"Lead"}"#.into()),
            [200, 200, 404, 404, 401],
        ),
        (
            "create an hr account",
            "POST",
            "/api/v1/users".into(),
            None,
            [201, 201, 403, 403, 401],
        ),
        (
            "create an admin account",
            "POST",
            "/api/v1/users".into(),
            None,
            [201, 403, 403, 403, 401],
        ),
        (
            "list accounts",
            "GET",
            "/api/v1/users".into(),
            None,
            [200, 200, 403, 403, 401],
        ),
        (
            "read the admin's account",
            "GET",
            format!("/api/v1/users/{}", org.admin_user),
            None,
            [200, 404, 404, 404, 401],
        ),
        (
            "read one's own account",
            "GET",
            "/api/v1/auth/me".into(),
            None,
            [200, 200, 200, 200, 401],
        ),
    ];
    for row in rows.iter_mut() {
        if row.0 == "create an hr account" {
            row.3 = Some(new_user("hr"));
        }
    }
    for (what, method, path, body, expected) in &rows {
        for (i, (role, token)) in roles.iter().enumerate() {
            let body = match *what {
                "create an admin account" => Some(new_user("admin")),
                "create an hr account" => Some(new_user("hr")),
                _ => body.clone(),
            };
            let r = app
                .request_as(
                    token.as_deref(),
                    method,
                    path,
                    body.as_deref().map(|b| ("application/json", b)),
                )
                .await;
            assert_eq!(
                r.status.as_u16(),
                expected[i],
                "{role}: {what} ({method} {path}): {}",
                r.raw
            );
            assert!(
                r.body["code"].is_string() || r.status.is_success(),
                "{role}: {what}: {}",
                r.raw
            );
        }
    }

    // Terminating and deleting need a fresh target per role.
    for (i, (role, token)) in roles.iter().enumerate() {
        let target = app
            .create_employee(json!({"name": "T", "age": 30, "manager_id": org.manager_emp}))
            .await;
        let path = format!("/api/v1/employees/{}", target["id"].as_str().unwrap());
        let r = app
            .request_as(token.as_deref(), "DELETE", &path, None)
            .await;
        assert_eq!(
            r.status.as_u16(),
            [200, 200, 403, 404, 401][i],
            "{role}: terminate: {}",
            r.raw
        );

        let (account, _) = app.account("employee", None).await;
        let path = format!("/api/v1/users/{}", account["id"].as_str().unwrap());
        let r = app
            .request_as(
                token.as_deref(),
                "PATCH",
                &path,
                Some(("application/json", r#"{"display_name":"X"}"#)),
            )
            .await;
        assert_eq!(
            r.status.as_u16(),
            [200, 200, 404, 404, 401][i],
            "{role}: update account: {}",
            r.raw
        );
        let r = app
            .request_as(token.as_deref(), "DELETE", &path, None)
            .await;
        assert_eq!(
            r.status.as_u16(),
            [204, 204, 404, 404, 401][i],
            "{role}: delete account: {}",
            r.raw
        );
    }
}

#[actix_web::test]
async fn a_manager_lists_exactly_their_chain_and_themselves() {
    let app = spawn_app().await;
    let org = org(&app).await;
    let r = app
        .request_as(Some(&org.manager), "GET", "/api/v1/employees", None)
        .await;
    assert_eq!(r.status.as_u16(), 200);
    let mut ids: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    ids.sort();
    let mut expected = vec![
        org.manager_emp.as_str(),
        org.report_emp.as_str(),
        org.indirect_emp.as_str(),
    ];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(r.body["total"], 3);
    // An employee sees only themself.
    let r = app
        .request_as(Some(&org.employee), "GET", "/api/v1/employees", None)
        .await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], org.report_emp.as_str());
}

#[actix_web::test]
async fn an_employee_asking_for_someone_elses_record_learns_nothing() {
    let app = spawn_app().await;
    let org = org(&app).await;
    let existing = app
        .request_as(
            Some(&org.employee),
            "GET",
            &format!("/api/v1/employees/{}", org.other_emp),
            None,
        )
        .await;
    let missing = app
        .request_as(
            Some(&org.employee),
            "GET",
            "/api/v1/employees/0191e0c0-0000-7000-8000-000000000000",
            None,
        )
        .await;
    assert_error(&existing, 404, "employee_not_found");
    assert_eq!(
        existing.body, missing.body,
        "same answer as for a record that does not exist"
    );
}

#[actix_web::test]
async fn nobody_can_promote_themselves_or_unlock_their_own_access() {
    let app = spawn_app().await;
    let org = org(&app).await;
    for token in [&org.employee, &org.manager, &org.hr] {
        let me = app
            .request_as(Some(token), "GET", "/api/v1/auth/me", None)
            .await;
        let path = format!("/api/v1/users/{}", me.body["id"].as_str().unwrap());
        for body in [
            json!({"role": "admin"}),
            json!({"active": true}),
            json!({"employee_id": org.other_emp}),
            json!({"display_name": "Me", "role": "hr"}),
        ] {
            let r = app
                .request_as(
                    Some(token),
                    "PATCH",
                    &path,
                    Some(("application/json", &body.to_string())),
                )
                .await;
            assert_error(&r, 403, "forbidden");
        }
        let after = app
            .request_as(Some(token), "GET", "/api/v1/auth/me", None)
            .await;
        assert_eq!(after.body["role"], me.body["role"], "role unchanged");
        // Changing one's own display name is allowed.
        let r = app
            .request_as(
                Some(token),
                "PATCH",
                &path,
                Some(("application/json", r#"{"display_name":"Me"}"#)),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
        // A password change needs the current password.
        let r = app
            .request_as(
                Some(token),
                "PATCH",
                &path,
                Some(("application/json", r#"{"password":"a brand new password"}"#)),
            )
            .await;
        assert_error(&r, 403, "forbidden");
        let body =
            json!({"password": "a brand new password", "current_password": "wrong password!"})
                .to_string();
        let r = app
            .request_as(
                Some(token),
                "PATCH",
                &path,
                Some(("application/json", &body)),
            )
            .await;
        assert_error(&r, 422, "wrong_current_password");
    }
    // An unknown field (mass assignment of something else) is rejected outright.
    let me = app
        .request_as(Some(&org.employee), "GET", "/api/v1/auth/me", None)
        .await;
    let path = format!("/api/v1/users/{}", me.body["id"].as_str().unwrap());
    let r = app
        .request_as(
            Some(&org.employee),
            "PATCH",
            &path,
            Some(("application/json", r#"{"password_hash":"x"}"#)),
        )
        .await;
    assert_error(&r, 400, "invalid_body");
    // HR cannot hand out the admin role.
    let (victim, _) = app.account("employee", None).await;
    let r = app
        .request_as(
            Some(&org.hr),
            "PATCH",
            &format!("/api/v1/users/{}", victim["id"].as_str().unwrap()),
            Some(("application/json", r#"{"role":"admin"}"#)),
        )
        .await;
    assert_error(&r, 403, "forbidden");
}

#[actix_web::test]
async fn repeated_failed_logins_are_answered_429_with_retry_after_even_with_the_right_password() {
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "3")]).await;
    for _ in 0..3 {
        assert_error(
            &app.login(ADMIN_EMAIL, "wrong password").await,
            401,
            "invalid_credentials",
        );
    }
    let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_error(&r, 429, "too_many_attempts");
    let retry: u64 = r
        .retry_after
        .as_deref()
        .expect("Retry-After header")
        .parse()
        .unwrap();
    assert!(retry > 3000 && retry <= 3600, "{retry}");
    // Another account from the same client is not locked by this one.
    let (user, _) = {
        // Created with the admin's existing token (the admin's login is locked).
        app.account("hr", None).await
    };
    assert_eq!(
        app.login(user["email"].as_str().unwrap(), USER_PASSWORD)
            .await
            .status
            .as_u16(),
        200
    );
}

#[actix_web::test]
async fn repeated_failures_from_one_client_are_limited_across_accounts() {
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_CLIENT", "4")]).await;
    for i in 0..4 {
        let r = app
            .login(&format!("guess{i}@hrms.test"), "wrong password")
            .await;
        assert_error(&r, 401, "invalid_credentials");
    }
    let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_error(&r, 429, "too_many_attempts");
}

#[actix_web::test]
async fn a_login_no_account_could_match_is_invalid_credentials_never_a_server_error() {
    // PostgreSQL cannot compare a text holding a NUL byte: such an e-mail used
    // to reach the query and come back as a 500 there.
    let app = spawn_app().await;
    for (email, password) in [
        ("ada\u{0}@hrms.test", "a password"),
        ("\u{1b}[31m@hrms.test", "a password"),
        (&*"a".repeat(300), "a password"),
        (ADMIN_EMAIL, &*"p".repeat(2000)),
    ] {
        assert_error(
            &app.login(email, password).await,
            401,
            "invalid_credentials",
        );
    }
    let padded = format!(" {ADMIN_EMAIL}\n");
    assert_eq!(
        app.login(&padded, ADMIN_PASSWORD).await.status.as_u16(),
        200
    );
}

/// Collects every log line the process writes while the test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::test]
async fn no_password_hash_token_name_or_email_reaches_the_logs_or_responses() {
    let captured = Captured::default();
    let writer = captured.clone();
    let installed = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .try_init()
        .is_ok();
    if !installed {
        eprintln!("another test installed the global log subscriber; run this test on its own (nextest does)");
        return;
    }
    let app = spawn_app().await;
    let employee = app
        .create_employee(
            json!({"name": "Zebedee Quixote", "age": 41, "email": "zebedee.quixote@example.com"}),
        )
        .await;
    let body = json!({
        "email": "secret.person@example.com",
        "display_name": "Secret Person",
        "role": "employee",
        "employee_id": employee["id"],
        "password": "very secret password 42",
    });
    let created = app.post_json("/api/v1/users", &body).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.raw);
    assert!(!created.raw.contains("very secret password 42"));
    assert!(!created.raw.contains("argon2"), "{}", created.raw);
    let login = app
        .login("secret.person@example.com", "very secret password 42")
        .await;
    let token = login.body["access_token"].as_str().unwrap().to_owned();
    let _ = app
        .login("secret.person@example.com", "another wrong password")
        .await;
    let list = app.get("/api/v1/users").await;
    assert!(
        !list.raw.contains("argon2") && !list.raw.contains("password"),
        "{}",
        list.raw
    );
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;

    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(logs.contains("request finished"), "the capture works");
    assert!(
        logs.contains(employee["id"].as_str().unwrap()),
        "ids are logged"
    );
    for secret in [
        "very secret password 42",
        "another wrong password",
        ADMIN_PASSWORD,
        "$argon2",
        token.as_str(),
        app.admin_token.as_str(),
        "Zebedee",
        "zebedee.quixote@example.com",
        "secret.person@example.com",
        "Secret Person",
    ] {
        assert!(!logs.contains(secret), "log contains {secret:?}");
    }
}
