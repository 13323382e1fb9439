//! Writes through the employee API: each "employee" is a script of requests
//! (create, a few updates, terminate) sent in order, many employees at once,
//! optionally paced to a steady rate. Every request's status and latency is kept.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::Semaphore;

use super::service::Target;

/// What one request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `POST /api/v1/employees`.
    Create,
    /// `PATCH /api/v1/employees/{id}`.
    Update,
    /// `DELETE /api/v1/employees/{id}`.
    Terminate,
}

/// One request and its outcome.
#[derive(Debug, Clone)]
pub struct OpResult {
    /// Which request.
    pub kind: OpKind,
    /// When it was sent.
    pub sent_at: Instant,
    /// How long it took.
    pub latency: Duration,
    /// HTTP status; `None` when no response came (connection refused or reset).
    pub status: Option<u16>,
    /// The response body when it was not the expected 2xx.
    pub error: Option<String>,
}

impl OpResult {
    /// 200 or 201.
    pub fn ok(&self) -> bool {
        matches!(self.status, Some(200 | 201))
    }
}

/// The shape of a load.
#[derive(Debug, Clone, Copy)]
pub struct LoadPlan {
    /// Employees to create (each one's requests are sent in order).
    pub employees: usize,
    /// Updates per employee between create and terminate.
    pub updates: usize,
    /// Employees worked on at once.
    pub concurrency: usize,
    /// Requests per second across all employees; `None` = as fast as possible.
    pub rate: Option<f64>,
}

impl LoadPlan {
    /// Requests the plan sends when every create succeeds.
    pub fn requests(&self) -> usize {
        self.employees * (self.updates + 2)
    }
}

/// The outcome of a load.
#[derive(Debug, Clone, Default)]
pub struct LoadReport {
    /// Every request, in completion order.
    pub ops: Vec<OpResult>,
}

impl LoadReport {
    /// Requests sent.
    pub fn sent(&self) -> usize {
        self.ops.len()
    }

    /// Requests answered 2xx.
    pub fn ok(&self) -> usize {
        self.ops.iter().filter(|o| o.ok()).count()
    }

    /// Requests answered 5xx.
    pub fn server_errors(&self) -> usize {
        self.ops
            .iter()
            .filter(|o| o.status.is_some_and(|s| s >= 500))
            .count()
    }

    /// Requests answered with anything but the expected 2xx or a 5xx.
    pub fn unexpected(&self) -> Vec<&OpResult> {
        self.ops
            .iter()
            .filter(|o| !o.ok() && o.status.is_some_and(|s| s < 500))
            .collect()
    }

    /// Panics when a request got an answer other than 2xx or 5xx (the load
    /// only sends valid requests).
    pub fn assert_no_unexpected(&self) {
        let bad: Vec<String> = self
            .unexpected()
            .iter()
            .take(3)
            .map(|o| {
                format!(
                    "{:?} -> {:?}: {}",
                    o.kind,
                    o.status,
                    o.error.as_deref().unwrap_or_default()
                )
            })
            .collect();
        assert!(bad.is_empty(), "unexpected answers: {bad:?}");
    }

    /// Requests that got no response at all.
    pub fn no_response(&self) -> usize {
        self.ops.iter().filter(|o| o.status.is_none()).count()
    }

    /// Latency percentiles (p50, p99, max) of the requests sent in `[from, to)`.
    pub fn latency_between(&self, from: Instant, to: Instant) -> Latency {
        let mut v: Vec<Duration> = self
            .ops
            .iter()
            .filter(|o| o.sent_at >= from && o.sent_at < to && o.status.is_some())
            .map(|o| o.latency)
            .collect();
        Latency::of(&mut v)
    }

    /// Latency percentiles of every answered request.
    pub fn latency(&self) -> Latency {
        let mut v: Vec<Duration> = self
            .ops
            .iter()
            .filter(|o| o.status.is_some())
            .map(|o| o.latency)
            .collect();
        Latency::of(&mut v)
    }
}

/// Latency figures.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    /// Requests counted.
    pub n: usize,
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest.
    pub max: Duration,
}

impl Latency {
    fn of(v: &mut [Duration]) -> Latency {
        if v.is_empty() {
            return Latency::default();
        }
        v.sort();
        let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
        Latency {
            n: v.len(),
            p50: at(0.50),
            p99: at(0.99),
            max: v[v.len() - 1],
        }
    }
}

impl std::fmt::Display for Latency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "p50={:.1}ms p99={:.1}ms max={:.1}ms (n={})",
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
            self.n
        )
    }
}

/// Sends `plan` to the services at `targets` (employee `i` goes to
/// `targets[i % len]`, all its requests to the same one).
pub async fn run(targets: &[Target], plan: LoadPlan) -> LoadReport {
    let report = Rc::new(RefCell::new(LoadReport::default()));
    let client = awc::Client::builder()
        .timeout(Duration::from_secs(30))
        .finish();
    let pacer = plan.rate.map(|rate| {
        let sem = Arc::new(Semaphore::new(0));
        let s = sem.clone();
        let period = Duration::from_secs_f64(1.0 / rate);
        let total = plan.requests();
        actix_web::rt::spawn(async move {
            let mut next = Instant::now();
            for _ in 0..total {
                next += period;
                let now = Instant::now();
                if next > now {
                    actix_web::rt::time::sleep(next - now).await;
                }
                s.add_permits(1);
            }
            // Requests skipped after a failed create must not block the rest.
            s.add_permits(total);
        });
        sem
    });
    let next_employee = Rc::new(RefCell::new(0usize));
    let mut workers = Vec::new();
    for _ in 0..plan.concurrency.max(1) {
        let (report, client, pacer, next) = (
            report.clone(),
            client.clone(),
            pacer.clone(),
            next_employee.clone(),
        );
        let targets = targets.to_vec();
        workers.push(actix_web::rt::spawn(async move {
            loop {
                let i = {
                    let mut n = next.borrow_mut();
                    if *n >= plan.employees {
                        return;
                    }
                    *n += 1;
                    *n - 1
                };
                let target = &targets[i % targets.len()];
                employee_script(&client, target, i, plan.updates, pacer.as_deref(), &report).await;
            }
        }));
    }
    for w in workers {
        let _ = w.await;
    }
    let report = report.borrow().clone();
    report
}

async fn employee_script(
    client: &awc::Client,
    target: &Target,
    i: usize,
    updates: usize,
    pacer: Option<&Semaphore>,
    report: &RefCell<LoadReport>,
) {
    let pace = || async {
        if let Some(p) = pacer {
            if let Ok(permit) = p.acquire().await {
                permit.forget();
            }
        }
    };
    pace().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let body = json!({
        "name": format!("Tier Two {i}"),
        "age": 20 + (i % 40),
        "email": format!("t2-{tag}@example.com"),
        "department": format!("Dept {}", i % 7),
        "position": "Engineer",
        "hire_date": "2024-01-15",
    });
    let base = &target.base;
    let token = target.token.as_deref();
    let (res, created) = send(
        client,
        "POST",
        format!("{base}/api/v1/employees"),
        token,
        Some(body),
    )
    .await;
    let res = OpResult {
        kind: OpKind::Create,
        ..res
    };
    let ok = res.ok();
    report.borrow_mut().ops.push(res);
    let Some(id) = created
        .as_ref()
        .filter(|_| ok)
        .and_then(|v| v["id"].as_str())
        .map(str::to_owned)
    else {
        return;
    };
    let url = format!("{base}/api/v1/employees/{id}");
    for u in 0..updates {
        pace().await;
        let body = if u % 2 == 0 {
            json!({ "position": format!("Engineer {}", u + 2) })
        } else {
            json!({ "department": format!("Dept {}", (i + u) % 7), "age": 21 + (u % 40) })
        };
        let (res, _) = send(client, "PATCH", url.clone(), token, Some(body)).await;
        report.borrow_mut().ops.push(OpResult {
            kind: OpKind::Update,
            ..res
        });
    }
    pace().await;
    let (res, _) = send(client, "DELETE", url, token, None).await;
    report.borrow_mut().ops.push(OpResult {
        kind: OpKind::Terminate,
        ..res
    });
}

async fn send(
    client: &awc::Client,
    method: &str,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (OpResult, Option<Value>) {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    let sent_at = Instant::now();
    let mut req = client.request(method, url);
    if let Some(t) = token {
        req = req.insert_header(("authorization", format!("Bearer {t}")));
    }
    let resp = match body {
        Some(b) => {
            req.insert_header(("content-type", "application/json"))
                .send_body(b.to_string())
                .await
        }
        None => req.send().await,
    };
    match resp {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let bytes = resp.body().limit(1 << 20).await.unwrap_or_default();
            let latency = sent_at.elapsed();
            let value: Option<Value> = serde_json::from_slice(&bytes).ok();
            let error = (!matches!(status, 200 | 201))
                .then(|| String::from_utf8_lossy(&bytes).into_owned());
            (
                OpResult {
                    kind: OpKind::Create,
                    sent_at,
                    latency,
                    status: Some(status),
                    error,
                },
                value,
            )
        }
        Err(e) => (
            OpResult {
                kind: OpKind::Create,
                sent_at,
                latency: sent_at.elapsed(),
                status: None,
                error: Some(e.to_string()),
            },
            None,
        ),
    }
}
