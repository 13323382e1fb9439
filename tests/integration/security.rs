//! Regression tests of the security findings of issue 16, each replaying the
//! attack: login bursts against the limiter, lockout of an owner from another
//! address, unbounded metric labels, default headers, slow bodies and crowding
//! connections, forged token lifetimes, and what the login log lines name.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::join_all;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::common::*;

/// A response read off a raw connection.
#[derive(Debug)]
pub(crate) struct RawReply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Value,
}

impl RawReply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn port(app: &TestApp) -> u16 {
    app.address.rsplit(':').next().unwrap().parse().unwrap()
}

/// A connection to the app from the loopback address `from` (127.0.0.x).
pub(crate) async fn connect_from(app: &TestApp, from: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket
        .bind(format!("{from}:0").parse::<SocketAddr>().unwrap())
        .expect("bind a loopback source address");
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port(app))))
        .await
        .expect("connect")
}

fn parse(raw: &[u8]) -> RawReply {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    RawReply {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// Sends one request (closing the connection after it) and reads the answer.
pub(crate) async fn send(mut conn: TcpStream, request: String) -> RawReply {
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), conn.read_to_end(&mut buf))
        .await
        .expect("answer in time")
        .ok();
    parse(&buf)
}

async fn login_from(app: &TestApp, from: &str, email: &str, password: &str) -> RawReply {
    let body = json!({"email": email, "password": password}).to_string();
    let req = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    send(connect_from(app, from).await, req).await
}

async fn get_raw(app: &TestApp, path: &str, token: Option<&str>) -> RawReply {
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    let req = format!("GET {path} HTTP/1.1\r\nHost: t\r\n{auth}Connection: close\r\n\r\n");
    send(connect_from(app, "127.0.0.1").await, req).await
}

fn tally(replies: &[Reply]) -> (usize, usize, usize) {
    let count = |s: u16| replies.iter().filter(|r| r.status.as_u16() == s).count();
    (count(200), count(401), count(429))
}

#[actix_web::test]
async fn a_burst_of_concurrent_logins_gets_no_more_password_checks_than_the_limit() {
    let limit = 5;
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "5")]).await;
    // 79 wrong passwords and the right one, all at once, one account, one address.
    let burst = (0..80).map(|i| {
        let password = if i == 40 {
            ADMIN_PASSWORD.to_owned()
        } else {
            format!("wrong password {i}")
        };
        let app = &app;
        async move { app.login(ADMIN_EMAIL, &password).await }
    });
    let replies = join_all(burst).await;
    let (ok, wrong, refused) = tally(&replies);
    assert!(
        ok + wrong <= limit,
        "{ok} + {wrong} attempts reached the password check"
    );
    assert_eq!(ok + wrong + refused, 80, "every other answer is 429");
    for r in replies.iter().filter(|r| r.status.as_u16() == 429) {
        assert_error(r, 429, "too_many_attempts");
        assert!(r.retry_after.is_some());
    }
    // Sequential guesses after the burst stop at the limit too.
    let mut checked = wrong;
    for i in 0..10 {
        let r = app.login(ADMIN_EMAIL, &format!("again {i}")).await;
        if r.status.as_u16() == 401 {
            checked += 1;
        }
    }
    assert!(checked <= limit, "{checked} wrong passwords were checked");
}

#[actix_web::test]
async fn a_hundred_concurrent_wrong_guesses_are_mostly_answered_429() {
    let app = spawn_app().await;
    let burst = (0..100).map(|i| {
        let app = &app;
        async move { app.login(ADMIN_EMAIL, &format!("wrong password {i}")).await }
    });
    let replies = join_all(burst).await;
    let (ok, wrong, refused) = tally(&replies);
    assert_eq!(ok, 0);
    assert!(wrong <= 20, "{wrong} guesses checked, the limit is 20");
    assert_eq!(wrong + refused, 100);
}

#[actix_web::test]
async fn failed_logins_from_one_address_do_not_lock_the_owner_out_from_another() {
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "20")]).await;
    for i in 0..20 {
        let r = login_from(&app, "127.0.0.2", ADMIN_EMAIL, &format!("guess {i}")).await;
        assert_eq!(r.status, 401, "{:?}", r.body);
    }
    // The attacker's address is locked out of this account, even with the right password...
    let r = login_from(&app, "127.0.0.2", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["code"], "too_many_attempts");
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 3000, "{retry}");
    // ...the owner, elsewhere, is not.
    let r = login_from(&app, "127.0.0.3", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert!(r.body["access_token"].is_string());
}

async fn crafted(app: &TestApp, method: String) -> RawReply {
    let req = format!("{method} /health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    send(connect_from(app, "127.0.0.1").await, req).await
}

async fn metric_lines(app: &TestApp) -> (usize, String) {
    let r = app.get("/metrics").await;
    assert_eq!(r.status.as_u16(), 200);
    (r.raw.lines().count(), r.raw)
}

#[actix_web::test]
async fn made_up_and_huge_methods_leave_the_metrics_bounded() {
    let app = spawn_app().await;
    crafted(&app, "ABCDEFGHIJKLMNOPQRSTU".into()).await;
    metric_lines(&app).await;
    let (before, _) = metric_lines(&app).await;
    for i in 0..20 {
        let method = if i % 2 == 0 {
            format!("MADEUP{i}")
        } else {
            format!("{}{i}", "M".repeat(8000))
        };
        crafted(&app, method).await;
    }
    let (after, text) = metric_lines(&app).await;
    assert_eq!(before, after, "metrics grew with the methods clients sent");
    assert!(!text.contains("MADEUP") && !text.contains("ABCDEFGH"));
    assert!(text.len() < 64 * 1024, "{} bytes of metrics", text.len());
}

#[actix_web::test]
async fn responses_carry_the_default_security_headers() {
    let app = spawn_app().await;
    let api = get_raw(&app, "/api/v1/users", Some(&app.admin_token)).await;
    assert_eq!(api.status, 200);
    assert_eq!(api.header("cache-control"), Some("no-store"));
    assert_eq!(api.header("x-content-type-options"), Some("nosniff"));

    let missing = get_raw(&app, "/api/v1/nothing-here", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.header("cache-control"), Some("no-store"));
    assert_eq!(missing.header("x-content-type-options"), Some("nosniff"));

    let live = get_raw(&app, "/health/live", None).await;
    assert_eq!(live.header("x-content-type-options"), Some("nosniff"));

    let docs = get_raw(&app, "/docs/", None).await;
    assert_eq!(docs.status, 200);
    let csp = docs
        .header("content-security-policy")
        .expect("a CSP on /docs");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(docs.header("x-frame-options"), Some("DENY"));
    assert_eq!(docs.header("x-content-type-options"), Some("nosniff"));
}

#[actix_web::test]
async fn a_body_that_trickles_in_is_answered_408_json_within_the_timeout() {
    let app = spawn_app_with(&[("HRMS_BODY_TIMEOUT_SECS", "2")]).await;
    let conn = connect_from(&app, "127.0.0.1").await;
    let (mut read, mut write) = conn.into_split();
    write
        .write_all(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), read.read_to_end(&mut buf))
        .await
        .expect("the server answers and closes within the timeout")
        .ok();
    trickle.abort();
    let elapsed = started.elapsed();
    let r = parse(&buf);
    assert_eq!(r.status, 408, "{}", String::from_utf8_lossy(&buf));
    assert_eq!(r.body["code"], "request_timeout");
    assert!(r.body["message"].is_string());
    assert!(elapsed < Duration::from_secs(5), "{elapsed:?}");
    // The service is fine afterwards.
    assert_eq!(app.get("/health/live").await.status.as_u16(), 200);
}

#[actix_web::test]
async fn connections_beyond_the_per_address_limit_are_refused_and_others_are_not() {
    let app = spawn_app_with(&[("HRMS_MAX_CONNECTIONS_PER_ADDRESS", "3")]).await;
    // Three slow clients hold their connections open.
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(connect_from(&app, "127.0.0.4").await);
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let req = "GET /health/live HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".to_owned();
    let fourth = send(connect_from(&app, "127.0.0.4").await, req.clone()).await;
    assert_eq!(fourth.status, 429, "{:?}", fourth.body);
    assert_eq!(fourth.body["code"], "too_many_connections");
    // Another address is served.
    let other = send(connect_from(&app, "127.0.0.5").await, req.clone()).await;
    assert_eq!(other.status, 200);
    // Closing the held connections frees the address's slots.
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let again = send(connect_from(&app, "127.0.0.4").await, req).await;
    assert_eq!(again.status, 200);
}

fn forged(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = Some("at+jwt".into());
    encode(
        &header,
        claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

const SECRET: &str = "security-test-signing-secret-0123456789";

#[actix_web::test]
async fn tokens_issued_in_the_future_or_longer_lived_than_policy_are_refused() {
    let app = spawn_app_with(&[("HRMS_JWT_SECRET", SECRET)]).await;
    let me = app.get("/api/v1/auth/me").await;
    let now = chrono::Utc::now().timestamp();
    let claims = |iat: i64, exp: i64| {
        json!({
            "sub": me.body["id"], "role": "admin", "iss": "hrms", "aud": "hrms-api",
            "iat": iat, "exp": exp, "jti": uuid::Uuid::new_v4().to_string(),
        })
    };
    let fine = forged(&claims(now, now + 900));
    let future = forged(&claims(now + 3600, now + 4000));
    let year = forged(&claims(now, now + 365 * 24 * 3600));
    let ok = app
        .request_as(Some(&fine), "GET", "/api/v1/auth/me", None)
        .await;
    assert_eq!(ok.status.as_u16(), 200, "the forging itself is right");
    for token in [future, year] {
        let r = app
            .request_as(Some(&token), "GET", "/api/v1/auth/me", None)
            .await;
        assert_error(&r, 401, "unauthorized");
    }
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
async fn failed_and_refused_login_lines_name_the_account_id_and_address_never_the_email() {
    let captured = Captured::default();
    let writer = captured.clone();
    let installed = tracing_subscriber::fmt()
        .with_env_filter("info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .try_init()
        .is_ok();
    if !installed {
        eprintln!("another test installed the global log subscriber; run this test on its own (nextest does)");
        return;
    }
    let app = spawn_app_with(&[("HRMS_LOGIN_MAX_FAILURES_PER_ACCOUNT", "2")]).await;
    let me = app.get("/api/v1/auth/me").await;
    let admin_id = me.body["id"].as_str().unwrap().to_owned();
    for _ in 0..2 {
        let r = login_from(&app, "127.0.0.6", ADMIN_EMAIL, "wrong password").await;
        assert_eq!(r.status, 401);
    }
    let r = login_from(&app, "127.0.0.6", ADMIN_EMAIL, "wrong password").await;
    assert_eq!(r.status, 429);
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    let logs = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    let failed: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("login failed"))
        .collect();
    let refused: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("too many attempts"))
        .collect();
    assert_eq!(failed.len(), 2, "{logs}");
    assert_eq!(refused.len(), 1, "{logs}");
    for line in failed.iter().chain(&refused) {
        assert!(line.contains(&admin_id), "{line}");
        assert!(line.contains("127.0.0.6"), "{line}");
    }
    assert!(!logs.contains(ADMIN_EMAIL), "the e-mail reached the log");
}
