//! A real HTTP server standing in for the audit and notification services:
//! records every body it accepts (with the `ce-id` header), counts what it
//! refused, and can be switched to answer 503.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// One accepted delivery.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `audit` or `notify`: the path it was posted to.
    pub kind: String,
    /// The `ce-id` header.
    pub ce_id: String,
    /// The body (`Null` when not JSON).
    pub body: Value,
}

/// The peer's state; clones share it.
#[derive(Clone, Default)]
pub struct Peer {
    accepted: Arc<Mutex<Vec<Delivery>>>,
    refused: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
    /// `http://127.0.0.1:<port>`.
    pub url: String,
}

impl Peer {
    /// Starts on a free port on the test's runtime: `POST /audit` answers 201,
    /// `POST /notify` 202, or 503 while down.
    pub fn start() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the peer");
        let port = listener.local_addr().expect("address").port();
        let peer = Peer {
            url: format!("http://127.0.0.1:{port}"),
            ..Peer::default()
        };
        let state = peer.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(state.clone()))
                .app_data(web::PayloadConfig::new(1 << 20))
                .route("/{kind}", web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        peer
    }

    /// Accepted deliveries of `kind`, in arrival order.
    pub fn accepted(&self, kind: &str) -> Vec<Delivery> {
        self.accepted
            .lock()
            .expect("peer state")
            .iter()
            .filter(|d| d.kind == kind)
            .cloned()
            .collect()
    }

    /// Bodies accepted on `/{kind}`, in arrival order.
    pub fn bodies(&self, kind: &str) -> Vec<Value> {
        self.accepted(kind).into_iter().map(|d| d.body).collect()
    }

    /// Requests answered 503.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    /// Answers 503 (`true`) or accepts again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

async fn receive(state: web::Data<Peer>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.down.load(Ordering::SeqCst) {
        state.refused.fetch_add(1, Ordering::SeqCst);
        return HttpResponse::ServiceUnavailable().finish();
    }
    let kind = req.match_info().get("kind").unwrap_or_default().to_owned();
    let ce_id = req
        .headers()
        .get("ce-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.accepted.lock().expect("peer state").push(Delivery {
        kind: kind.clone(),
        ce_id,
        body,
    });
    if kind == "notify" {
        HttpResponse::Accepted().finish()
    } else {
        HttpResponse::Created().finish()
    }
}
