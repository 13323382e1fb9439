//! A real HTTP server standing in for the audit and notification services: it
//! records every POSTed body and can be switched to answer 503.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::Value;

/// What the peer received, and its switch.
#[derive(Clone, Default)]
pub struct Peer {
    pub received: Arc<Mutex<Vec<(String, Value)>>>,
    pub down: Arc<AtomicBool>,
    pub url: String,
}

impl Peer {
    /// Starts on a random port; `/audit` answers 201, `/notify` 202.
    pub fn start() -> Peer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind peer");
        let port = listener.local_addr().expect("addr").port();
        let peer = Peer {
            url: format!("http://127.0.0.1:{port}"),
            ..Default::default()
        };
        let state = peer.clone();
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new()
                .app_data(web::Data::new(state))
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

    /// Bodies received on `/{kind}`.
    pub fn bodies(&self, kind: &str) -> Vec<Value> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|(k, _)| k == kind)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// Makes the peer answer 503 (`true`) or accept again.
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

async fn receive(state: web::Data<Peer>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    if state.down.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let kind = req.match_info().get("kind").unwrap_or_default().to_owned();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state
        .received
        .lock()
        .expect("lock")
        .push((kind.clone(), value));
    if kind == "notify" {
        HttpResponse::Accepted().finish()
    } else {
        HttpResponse::Created().finish()
    }
}
