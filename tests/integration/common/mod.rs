//! Test harness: starts the real application on a random port with its own fresh
//! database (a temporary SQLite file, or a new PostgreSQL database when
//! `HRMS_TEST_DATABASE_URL` is set) and the fixture admin, plus helpers to call
//! it. Kafka reading, the HTTP peer, the outbox reader, schema validation and
//! the fixtures are the support library's (`tests/support`), shared with tier 2;
//! they are re-exported here under their old paths.

#![allow(
    dead_code,
    reason = "helpers shared by the test files; not every file uses each one"
)]

pub use crate::support::fixtures::{ADMIN_EMAIL, ADMIN_PASSWORD, USER_PASSWORD};
pub use crate::support::{kafka, peer};

use std::path::PathBuf;
use std::time::{Duration, Instant};

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use diesel::{Connection, RunQueryDsl};
use hrms::config::Settings;
use hrms::startup::{Application, Services};
use serde_json::Value;

/// A running application.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// Shared services (db pool, relay address, metrics).
    pub services: Services,
    /// Stops the server.
    pub handle: ServerHandle,
    /// Keeps the SQLite folder alive.
    pub dir: tempfile::TempDir,
    /// The PostgreSQL database of this app, when testing against PostgreSQL.
    pub pg_url: Option<String>,
    /// A token of the fixture admin; requests carry it unless told otherwise.
    pub admin_token: String,
    client: awc::Client,
    _fixture: Option<crate::support::fixtures::FixtureGuard>,
}

/// A response: status, headers we care about, JSON body (`Null` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
    pub request_id: Option<String>,
    pub raw: String,
    pub retry_after: Option<String>,
}

/// An app with Kafka on but no broker and no relay: every change writes its
/// domain and audit events, which stay queued in the outbox to be read back
/// ([`TestApp::queued_events`]).
pub async fn spawn_app_with_events_queued() -> TestApp {
    spawn_app_with(&[
        ("KAFKA_ENABLE_PRODUCER", "true"),
        ("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"),
        ("HRMS_RELAY_ENABLED", "false"),
    ])
    .await
}

/// Another app on `first`'s database (its SQLite file or PostgreSQL database),
/// with `env`: a second replica, or a later start of the same installation.
/// The harness would otherwise give it a fresh database.
pub async fn spawn_app_on_database_of(first: &TestApp, env: &[(&str, &str)]) -> TestApp {
    let sqlite = first
        .dir
        .path()
        .join("hrms.db")
        .to_string_lossy()
        .into_owned();
    let mut env = env.to_vec();
    env.push(("HRMS_SQLITE_PATH", sqlite.as_str()));
    if let Some(url) = &first.pg_url {
        env.push(("DATABASE_URL", url.as_str()));
    }
    // The harness adds a fresh database only when HRMS_TEST_DATABASE_URL is set,
    // so it is unset for this call (each test runs in a process of its own).
    let saved = std::env::var("HRMS_TEST_DATABASE_URL").ok();
    if saved.is_some() {
        std::env::remove_var("HRMS_TEST_DATABASE_URL");
    }
    let app = spawn_app_with(&env).await;
    if let Some(url) = saved {
        std::env::set_var("HRMS_TEST_DATABASE_URL", url);
    }
    app
}

/// Starts the app with the test profile and Kafka off.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

/// Starts the app with extra environment-style overrides (`KAFKA_...`, `HRMS_...`).
pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    spawn_app_with_subscriptions(overrides, Vec::new()).await
}

/// [`spawn_app_with`], with in-process subscriptions registered before start.
pub async fn spawn_app_with_subscriptions(
    overrides: &[(&str, &str)],
    subscriptions: Vec<hrms::outbox::Subscription>,
) -> TestApp {
    // Logs only when asked for (RUST_LOG=...), captured per test.
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = dir.path().join("hrms.db");
    let mut env: Vec<(String, String)> = vec![
        ("HRMS_HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        (
            "HRMS_SQLITE_PATH".into(),
            sqlite.to_string_lossy().into_owned(),
        ),
        ("KAFKA_ENABLE_PRODUCER".into(), "false".into()),
        ("HRMS_RELAY_POLL_INTERVAL_MS".into(), "100".into()),
        ("HRMS_DB_POOL_SIZE".into(), "4".into()),
    ];
    let mut pg_url = None;
    if let Ok(admin) = std::env::var("HRMS_TEST_DATABASE_URL") {
        let url = fresh_postgres_database(&admin);
        pg_url = Some(url.clone());
        env.push(("DATABASE_URL".into(), url));
    }
    for (k, v) in overrides {
        env.retain(|(name, _)| name != k);
        env.push(((*k).into(), (*v).into()));
    }
    let config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
    let settings = Settings::load_from(&config_dir, "test", &env).expect("test settings");
    let fixture = if settings.modules.user.enabled {
        Some(crate::support::fixtures::ensure_fixture_admin(&config_dir, "test", &env).await)
    } else {
        None
    };
    let app = Application::build_with_subscriptions(settings, subscriptions)
        .await
        .expect("application starts");
    let port = app.port();
    let services = app.services();
    let handle = app.handle();
    actix_web::rt::spawn(app.run_until_stopped());
    let mut app = TestApp {
        address: format!("http://127.0.0.1:{port}"),
        services,
        handle,
        dir,
        pg_url,
        admin_token: String::new(),
        client: awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish(),
        _fixture: fixture,
    };
    if app.services.settings.modules.user.enabled {
        let r = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(r.status.as_u16(), 200, "fixture admin login: {}", r.raw);
        app.admin_token = r.body["access_token"].as_str().expect("token").to_owned();
    }
    app
}

/// Creates a new database on the server of `admin_url` and returns its URL.
pub fn fresh_postgres_database(admin_url: &str) -> String {
    let name = format!("hrms_t_{}", uuid::Uuid::new_v4().simple());
    let mut conn =
        diesel::PgConnection::establish(admin_url).expect("connect to HRMS_TEST_DATABASE_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .expect("create test database");
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url, String::new()),
    };
    let prefix = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    format!("{prefix}/{name}{query}")
}

impl TestApp {
    /// Any request as the holder of `token` (`None`: no Authorization header).
    pub async fn request_as(
        &self,
        token: Option<&str>,
        method: &str,
        path: &str,
        body: Option<(&str, &str)>,
    ) -> Reply {
        let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path));
        if let Some(t) = token {
            req = req.insert_header(("authorization", format!("Bearer {t}")));
        }
        let mut resp = match body {
            Some((content_type, body)) => req
                .insert_header(("content-type", content_type))
                .send_body(body.to_owned())
                .await
                .expect("request sent"),
            None => req.send().await.expect("request sent"),
        };
        let bytes = resp
            .body()
            .limit(10 * 1024 * 1024)
            .await
            .expect("body read");
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let request_id = resp
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Reply {
            status: resp.status(),
            body,
            request_id,
            raw,
            retry_after,
        }
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, email: &str, password: &str) -> Reply {
        let body = serde_json::json!({ "email": email, "password": password }).to_string();
        self.request_as(
            None,
            "POST",
            "/api/v1/auth/login",
            Some(("application/json", &body)),
        )
        .await
    }

    /// Creates an account with `role` (as the admin), logs in, returns (account, token).
    pub async fn account(&self, role: &str, employee_id: Option<&str>) -> (Value, String) {
        let email = format!("{role}-{}@hrms.test", uuid::Uuid::new_v4().simple());
        let body = serde_json::json!({
            "email": email,
            "display_name": format!("Test {role}"),
            "role": role,
            "employee_id": employee_id,
            "password": USER_PASSWORD,
        });
        let r = self.post_json("/api/v1/users", &body).await;
        assert_eq!(r.status.as_u16(), 201, "account creation failed: {}", r.raw);
        let login = self.login(&email, USER_PASSWORD).await;
        assert_eq!(login.status.as_u16(), 200, "login failed: {}", login.raw);
        (
            r.body,
            login.body["access_token"]
                .as_str()
                .expect("token")
                .to_owned(),
        )
    }

    /// The app's PostgreSQL URL (panics on SQLite).
    pub fn database_url(&self) -> String {
        self.pg_url.clone().expect("a PostgreSQL test database")
    }

    /// Any request as the fixture admin, with an optional raw body and content type.
    pub async fn request(&self, method: &str, path: &str, body: Option<(&str, &str)>) -> Reply {
        let token = (!self.admin_token.is_empty()).then_some(self.admin_token.as_str());
        self.request_as(token, method, path, body).await
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Reply {
        self.request("DELETE", path, None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, Some(("application/json", &body.to_string())))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch_json(&self, path: &str, body: &Value) -> Reply {
        self.request("PATCH", path, Some(("application/json", &body.to_string())))
            .await
    }

    /// Creates an employee and returns its JSON (panics unless 201).
    pub async fn create_employee(&self, body: Value) -> Value {
        let r = self.post_json("/api/v1/employees", &body).await;
        assert_eq!(r.status, StatusCode::CREATED, "create failed: {}", r.raw);
        r.body
    }

    /// Every outbox row bound for Kafka or the HTTP peers, queued or delivered,
    /// in commit order, read in one snapshot (in-process subscriber rows are
    /// left out: [`TestApp::outbox_all`]).
    pub fn outbox(&self) -> Vec<OutboxEntry> {
        let mut conn = self.services.db.get().expect("db connection");
        crate::support::outbox::read(&mut conn).expect("outbox query")
    }

    /// The JSON of every queued event, in commit order, each event id once (an
    /// event is queued once per destination).
    pub fn queued_events(&self) -> Vec<Value> {
        let mut conn = self.services.db.get().expect("db connection");
        let values = crate::support::outbox::queued_values(&mut conn).expect("queued events");
        let mut ids = std::collections::BTreeSet::new();
        values
            .into_iter()
            .filter(|v| ids.insert(v["event_id"].as_str().unwrap_or_default().to_owned()))
            .collect()
    }

    /// [`TestApp::outbox`] with the in-process subscribers' rows too.
    pub fn outbox_all(&self) -> Vec<OutboxEntry> {
        let mut conn = self.services.db.get().expect("db connection");
        crate::support::outbox::read_all(&mut conn).expect("outbox query")
    }

    /// Waits until `cond(outbox)` holds or panics after `timeout`.
    pub async fn wait_for_outbox(
        &self,
        timeout: Duration,
        what: &str,
        cond: impl Fn(&[OutboxEntry]) -> bool,
    ) -> Vec<OutboxEntry> {
        self.wait_for_rows(timeout, what, false, cond).await
    }

    /// [`TestApp::wait_for_outbox`] over every row, subscriber rows included.
    pub async fn wait_for_all_outbox(
        &self,
        timeout: Duration,
        what: &str,
        cond: impl Fn(&[OutboxEntry]) -> bool,
    ) -> Vec<OutboxEntry> {
        self.wait_for_rows(timeout, what, true, cond).await
    }

    async fn wait_for_rows(
        &self,
        timeout: Duration,
        what: &str,
        all: bool,
        cond: impl Fn(&[OutboxEntry]) -> bool,
    ) -> Vec<OutboxEntry> {
        let start = Instant::now();
        loop {
            let rows = if all {
                self.outbox_all()
            } else {
                self.outbox()
            };
            if cond(&rows) {
                return rows;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; outbox: {rows:#?}");
            }
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// One outbox row as tests see it.
pub type OutboxEntry = crate::support::outbox::OutboxRecord;

/// Asserts an error reply: status, JSON with the given `code` and a message.
pub fn assert_error(r: &Reply, status: u16, code: &str) {
    assert_eq!(
        r.status.as_u16(),
        status,
        "unexpected status, body: {}",
        r.raw
    );
    assert_eq!(r.body["code"], code, "unexpected code, body: {}", r.raw);
    assert!(
        r.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error without message: {}",
        r.raw
    );
}
