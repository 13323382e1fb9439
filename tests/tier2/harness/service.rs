//! The `hrms` binary as a child process: started with a clean environment (only
//! the variables a scenario sets), logs captured to a file and kept in memory,
//! stopped with SIGTERM or killed with SIGKILL.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{log_dir, sleep};
use crate::support::fixtures::bootstrap_admin_env;

/// The administrator the first start creates; the load logs in as it.
const ADMIN_EMAIL: &str = "admin@tier2.example";
const ADMIN_PASSWORD: &str = "tier-two-admin-password";

/// Where load goes: a base URL and the bearer token to send, if any.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `Authorization: Bearer` value.
    pub token: Option<String>,
}

/// Settings every scenario shares; a scenario adds or overrides variables.
/// Short relay timings keep the scenarios quick.
pub fn base_env(database_url: &str, bootstrap: &str) -> Vec<(String, String)> {
    [
        ("HRMS_PROFILE", "test"),
        ("HRMS_LOG_FORMAT", "json"),
        ("HRMS_LOG_LEVEL", "info,librdkafka=off"),
        ("HRMS_HOST", "127.0.0.1"),
        ("HRMS_WORKERS", "2"),
        ("HRMS_DB_POOL_SIZE", "10"),
        ("DATABASE_URL", database_url),
        ("KAFKA_BOOTSTRAP_SERVERS", bootstrap),
        ("HRMS_RELAY_POLL_INTERVAL_MS", "200"),
        ("HRMS_RELAY_CIRCUIT_OPEN_AFTER_SECS", "3"),
        ("HRMS_RELAY_CIRCUIT_PROBE_SECS", "2"),
        ("HRMS_RELAY_LEASE_TTL_SECS", "5"),
        ("HRMS_RELAY_RETRY_INITIAL_MS", "200"),
        ("HRMS_RELAY_RETRY_MAX_MS", "2000"),
        ("HRMS_RELAY_RESTART_MAX_MS", "2000"),
        // Every replica and restart shares the signing secret, so one token
        // works against all of them; the first start creates the admin.
        (
            "HRMS_JWT_SECRET",
            "tier-two-signing-secret-0123456789abcdef",
        ),
        ("HRMS_TOKEN_TTL_SECS", "3600"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .chain(bootstrap_admin_env(ADMIN_EMAIL, ADMIN_PASSWORD))
    .collect()
}

/// Replaces or adds `key=value` in `env`.
pub fn set(env: &mut Vec<(String, String)>, key: &str, value: &str) {
    env.retain(|(k, _)| k != key);
    env.push((key.to_owned(), value.to_owned()));
}

/// A running `hrms serve`.
pub struct Service {
    /// Names the process in logs (`a`, `b`, `restarted`...).
    pub name: String,
    /// The HTTP port.
    pub port: u16,
    child: Child,
    logs: Arc<Mutex<Vec<String>>>,
    /// Where the process's output is written.
    pub log_path: PathBuf,
    /// An administrator's access token (when the user module answers logins).
    pub token: Option<String>,
}

impl Service {
    /// Starts the binary on `port` with exactly `env` (plus PATH and the config
    /// directory), from an empty working directory so no `.env` file applies,
    /// and waits until `/health/ready` answers 200.
    pub async fn start(scenario: &str, name: &str, port: u16, env: &[(String, String)]) -> Service {
        let dir = log_dir(scenario);
        let log_path = dir.join(format!("hrms-{name}.log"));
        let workdir = dir.join(format!("cwd-{name}"));
        std::fs::create_dir_all(&workdir).expect("working directory");
        let config_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hrms"));
        cmd.arg("serve")
            .current_dir(&workdir)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HRMS_CONFIG_DIR", &config_dir)
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("spawn the hrms binary");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let file = Arc::new(Mutex::new(
            std::fs::OpenOptions::new()
                .create(true)
                .write(true)
                .truncate(true)
                .open(&log_path)
                .expect("log file"),
        ));
        let out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        for stream in [Box::new(out) as Box<dyn Read + Send>, Box::new(err)] {
            let (logs, file) = (logs.clone(), file.clone());
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    use std::io::Write;
                    if let Ok(mut f) = file.lock() {
                        let _ = writeln!(f, "{line}");
                    }
                    logs.lock().expect("logs").push(line);
                }
            });
        }
        let mut service = Service {
            name: name.to_owned(),
            port,
            child,
            logs,
            log_path,
            token: None,
        };
        service.wait_ready(Duration::from_secs(90)).await;
        service.token = service.login().await;
        service
    }

    /// Logs the bootstrap administrator in; `None` when there is no login route.
    async fn login(&self) -> Option<String> {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(30))
            .finish();
        let mut resp = client
            .post(format!("{}/api/v1/auth/login", self.base_url()))
            .send_json(&serde_json::json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .await
            .ok()?;
        if resp.status().as_u16() == 404 {
            return None;
        }
        let body: Value = resp.json().await.ok()?;
        assert!(
            body["access_token"].is_string(),
            "login as the bootstrap administrator failed: {body}"
        );
        body["access_token"].as_str().map(str::to_owned)
    }

    /// The base URL and token for the load generator.
    pub fn target(&self) -> Target {
        Target {
            base: self.base_url(),
            token: self.token.clone(),
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_ready(&mut self, timeout: Duration) {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(2))
            .finish();
        let url = format!("{}/health/ready", self.base_url());
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "hrms ({}) exited with {status} before it was ready; log {}; last lines:\n{}",
                    self.name,
                    self.log_path.display(),
                    self.tail(30)
                );
            }
            if let Ok(resp) = client.get(&url).send().await {
                if resp.status().is_success() {
                    return;
                }
            }
            if start.elapsed() > timeout {
                panic!(
                    "hrms ({}) not ready within {timeout:?}; log {}; last lines:\n{}",
                    self.name,
                    self.log_path.display(),
                    self.tail(30)
                );
            }
            sleep(Duration::from_millis(200)).await;
        }
    }

    /// `GET /health/ready`: status code and JSON (`0` and `Null` when unreachable).
    pub async fn readiness(&self) -> (u16, Value) {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(5))
            .finish();
        match client
            .get(format!("{}/health/ready", self.base_url()))
            .send()
            .await
        {
            Ok(mut resp) => (
                resp.status().as_u16(),
                resp.json::<Value>().await.unwrap_or(Value::Null),
            ),
            Err(_) => (0, Value::Null),
        }
    }

    /// Waits until readiness reports `status` (e.g. `degraded`), returning the body.
    pub async fn wait_readiness(&self, status: &str, timeout: Duration) -> Option<Value> {
        super::wait_until(timeout, Duration::from_millis(250), || async {
            let (code, body) = self.readiness().await;
            (code == 200 && body["status"] == status).then_some(body)
        })
        .await
    }

    /// Events this process's relay delivered (`hrms_events_delivered_total`, all labels).
    pub async fn delivered_count(&self) -> u64 {
        let client = awc::Client::builder()
            .timeout(Duration::from_secs(5))
            .finish();
        let Ok(mut resp) = client
            .get(format!("{}/metrics", self.base_url()))
            .send()
            .await
        else {
            return 0;
        };
        let body = resp.body().await.unwrap_or_default();
        String::from_utf8_lossy(&body)
            .lines()
            .filter(|l| l.starts_with("hrms_events_delivered_total"))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum::<f64>() as u64
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then wait up to `grace` before SIGKILL. Returns whether the
    /// process exited on its own.
    pub fn terminate(&mut self, grace: Duration) -> bool {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let start = Instant::now();
        while start.elapsed() < grace {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.kill();
        false
    }

    /// Every log line so far.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("logs").clone()
    }

    /// Log lines (JSON) whose message contains `needle`.
    pub fn log_lines_with(&self, needle: &str) -> Vec<String> {
        self.logs()
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect()
    }

    /// The last `n` lines, for failure messages.
    pub fn tail(&self, n: usize) -> String {
        let logs = self.logs();
        logs[logs.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}
