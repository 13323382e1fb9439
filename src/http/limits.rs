//! Limits against slow and crowding clients: a deadline for reading a request
//! body (actix-web's own `client_request_timeout` covers only the head), and a
//! cap on open connections per client address.

use std::cell::Cell;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::dev::{Extensions, Payload};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures::Stream;

/// The limits, registered as app data for the request middleware.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Time from the request head to the end of its body; `None` = no limit.
    pub body_timeout: Option<Duration>,
}

impl HttpLimits {
    /// From the server settings.
    pub fn new(settings: &crate::config::ServerSettings) -> Self {
        Self {
            body_timeout: (settings.body_timeout_secs > 0)
                .then(|| Duration::from_secs(settings.body_timeout_secs)),
        }
    }
}

/// A request body that fails once its deadline passes, and says so in `fired`.
pub struct Deadline {
    inner: Payload,
    sleep: Pin<Box<tokio::time::Sleep>>,
    fired: Rc<Cell<bool>>,
}

impl Deadline {
    /// Wraps `inner`; `fired` turns true when the deadline cut the body off.
    pub fn new(inner: Payload, timeout: Duration, fired: Rc<Cell<bool>>) -> Self {
        Self {
            inner,
            sleep: Box::pin(tokio::time::sleep(timeout)),
            fired,
        }
    }
}

impl Stream for Deadline {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.fired.get() {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    self.fired.set(true);
                    return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "request body did not arrive in time",
                    )))));
                }
                Poll::Pending
            }
            ready => ready,
        }
    }
}

/// The payload stream type actix builds a [`Payload`] from.
pub type BoxedPayload = Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>>;

/// Boxes a deadline-bound body as a payload stream.
pub fn boxed(body: Deadline) -> BoxedPayload {
    Box::pin(body)
}

/// Open connections per client address, shared by all workers.
#[derive(Debug, Clone)]
pub struct ConnectionTracker {
    max_per_address: u32,
    open: Arc<Mutex<HashMap<IpAddr, u32>>>,
}

/// Held in a connection's extensions for as long as the connection lives.
#[derive(Debug)]
pub struct ConnectionSlot {
    tracker: ConnectionTracker,
    address: IpAddr,
    /// Whether this connection is above its address's limit (its requests are refused).
    pub over_limit: bool,
}

impl ConnectionTracker {
    /// `max_per_address` open connections per address; 0 = no limit.
    pub fn new(max_per_address: u32) -> Self {
        Self {
            max_per_address,
            open: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Counts a new connection from `address`.
    pub fn open(&self, address: IpAddr) -> ConnectionSlot {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(address).or_insert(0);
        *n += 1;
        ConnectionSlot {
            tracker: self.clone(),
            address,
            over_limit: self.max_per_address > 0 && *n > self.max_per_address,
        }
    }

    /// For `HttpServer::on_connect`: counts the connection and keeps its slot
    /// in the connection's extensions until it closes.
    pub fn on_connect(&self, conn: &dyn std::any::Any, ext: &mut Extensions) {
        if self.max_per_address == 0 {
            return;
        }
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            if let Ok(peer) = tcp.peer_addr() {
                ext.insert(self.open(peer.ip()));
            }
        }
    }

    /// Open connections from `address` (tests, metrics).
    pub fn open_from(&self, address: IpAddr) -> u32 {
        self.open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&address)
            .copied()
            .unwrap_or(0)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.tracker.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                open.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_above_the_limit_are_marked_and_closing_frees_the_slot() {
        let t = ConnectionTracker::new(2);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        let first = t.open(a);
        let second = t.open(a);
        let third = t.open(a);
        assert!(!first.over_limit && !second.over_limit && third.over_limit);
        assert!(!t.open(b).over_limit, "other addresses are not affected");
        drop(third);
        drop(second);
        assert!(!t.open(a).over_limit);
        assert_eq!(t.open_from(a), 1);
        drop(first);
        assert_eq!(t.open_from(a), 0);
    }
}
