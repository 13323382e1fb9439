//! Health probes and metrics: liveness, readiness, Prometheus text without
//! personal data.

use serde_json::json;

use crate::common::*;
use crate::employees::{create_named, get};

#[actix_web::test]
async fn liveness_reports_up() {
    let app = spawn_app().await;
    let r = get(&app, "/health/live").await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(r.body, json!({ "status": "up" }));
}

#[actix_web::test]
async fn readiness_reports_the_database_up() {
    let app = spawn_app().await;
    let r = get(&app, "/health/ready").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.raw);
    assert_eq!(r.body["checks"]["database"]["status"], "up");
    assert!(r.body["status"].is_string());
}

#[actix_web::test]
async fn metrics_are_served_as_prometheus_text() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/health/live").await.status.as_u16(), 200);
    create_named(&app, "Ada", json!({})).await;
    let r = get(&app, "/metrics").await;
    assert_eq!(r.status.as_u16(), 200);
    assert!(
        r.raw.contains("hrms_http_requests_total"),
        "no request counter in:\n{}",
        r.raw
    );
    assert!(!r.raw.contains("Ada"), "no personal data in metrics");
}
