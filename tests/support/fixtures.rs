//! Fixtures, created through the service's public entries only: its first
//! administrator comes from the bootstrap variables (the path `hrms` itself
//! takes at start-up, `modules::user::create_first_admin`), everything else
//! from the HTTP API. No fixture writes a module's table or calls its
//! repository.

use std::path::Path;
use std::time::Duration;

use hrms::config::Settings;
use hrms::startup::{Application, Services};
use serde_json::{json, Value};

use super::outbox;

/// The fixture admin every tier-1 test app has.
pub const ADMIN_EMAIL: &str = "admin@hrms.test";
/// Its password.
pub const ADMIN_PASSWORD: &str = "fixture-admin-password";
/// The password of the accounts tests create.
pub const USER_PASSWORD: &str = "fixture-user-password";

/// The variables that make the service create its first administrator at
/// start-up when no account exists.
pub fn bootstrap_admin_env(email: &str, password: &str) -> [(String, String); 2] {
    [
        ("HRMS_BOOTSTRAP_ADMIN_EMAIL".to_owned(), email.to_owned()),
        (
            "HRMS_BOOTSTRAP_ADMIN_PASSWORD".to_owned(),
            password.to_owned(),
        ),
    ]
}

fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_owned(), value.to_owned()));
}

fn get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

/// Makes sure the fixture admin ([`ADMIN_EMAIL`]) exists in the database that
/// `env` configures, before the test's own application starts on it, and
/// leaves no trace of its creation in the outbox: tests count, consume and
/// receive only the events of what they do.
///
/// It starts the service once on that database with the relay off (so nothing
/// is published) and the fixture admin as the bootstrap administrator. When
/// the test bootstraps its own first administrator (its `env` sets the
/// bootstrap variables), that one is created first, as the test expects, and
/// creates the fixture admin over the API. The outbox rows keyed by the
/// fixture admin's id are then removed.
///
/// Keep the returned guard as long as the test's application runs: it holds
/// the set-up service's database pool, so that its connections do not close
/// (on SQLite, the last close checkpoints under an exclusive lock) while the
/// test's application opens the same file.
#[must_use = "the set-up's database pool must outlive the start of the test's application"]
pub async fn ensure_fixture_admin(
    config_dir: &Path,
    profile: &str,
    env: &[(String, String)],
) -> FixtureGuard {
    let mut env = env.to_vec();
    let own_bootstrap = get(&env, "HRMS_BOOTSTRAP_ADMIN_EMAIL")
        .zip(get(&env, "HRMS_BOOTSTRAP_ADMIN_PASSWORD"))
        .map(|(e, p)| (e.to_owned(), p.to_owned()));
    if own_bootstrap.is_none() {
        for (k, v) in bootstrap_admin_env(ADMIN_EMAIL, ADMIN_PASSWORD) {
            set(&mut env, &k, &v);
        }
    }
    set(&mut env, "HRMS_RELAY_ENABLED", "false");
    set(&mut env, "HRMS_DB_POOL_SIZE", "1");
    set(&mut env, "PORT", "0");
    let settings = Settings::load_from(config_dir, profile, &env).expect("fixture settings");
    let app = Application::build(settings)
        .await
        .expect("the fixture application starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    let services = app.services();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();

    let token = match login(&client, &base, ADMIN_EMAIL, ADMIN_PASSWORD).await {
        Some(token) => token,
        None => {
            let (email, password) = own_bootstrap.expect(
                "the fixture admin cannot log in, and no bootstrap administrator can create it",
            );
            let first = login(&client, &base, &email, &password)
                .await
                .expect("the test's bootstrap administrator logs in");
            let body = json!({
                "email": ADMIN_EMAIL,
                "display_name": "Fixture Admin",
                "role": "admin",
                "password": ADMIN_PASSWORD,
            });
            let (status, created) =
                call(&client, &base, "POST", "/api/v1/users", &first, Some(&body)).await;
            assert_eq!(status, 201, "fixture admin creation: {created}");
            login(&client, &base, ADMIN_EMAIL, ADMIN_PASSWORD)
                .await
                .expect("the fixture admin logs in")
        }
    };
    let (status, me) = call(&client, &base, "GET", "/api/v1/auth/me", &token, None).await;
    assert_eq!(status, 200, "fixture admin's account: {me}");
    let id = me["id"].as_str().expect("account id").to_owned();
    handle.stop(true).await;

    let db = services.db.clone();
    actix_web::rt::task::spawn_blocking(move || {
        let mut conn = db.get().expect("db connection");
        outbox::forget_aggregate(&mut conn, &id).expect("forget the fixture's events");
    })
    .await
    .expect("fixture clean-up");
    FixtureGuard {
        _services: services,
    }
}

/// Holds what the fixture set-up leaves running; see [`ensure_fixture_admin`].
pub struct FixtureGuard {
    _services: Services,
}

/// `POST /api/v1/auth/login`: the access token, `None` unless 200.
pub async fn login(
    client: &awc::Client,
    base: &str,
    email: &str,
    password: &str,
) -> Option<String> {
    let mut resp = client
        .post(format!("{base}/api/v1/auth/login"))
        .send_json(&json!({ "email": email, "password": password }))
        .await
        .expect("login request sent");
    if resp.status().as_u16() != 200 {
        return None;
    }
    let body: Value = resp.json().await.expect("login response is JSON");
    body["access_token"].as_str().map(str::to_owned)
}

async fn call(
    client: &awc::Client,
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    let req = client
        .request(method, format!("{base}{path}"))
        .insert_header(("authorization", format!("Bearer {token}")));
    let mut resp = match body {
        Some(b) => req.send_json(b).await,
        None => req.send().await,
    }
    .expect("request sent");
    let bytes = resp.body().await.expect("body read");
    (
        resp.status().as_u16(),
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
