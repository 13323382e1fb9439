//! The test support library both test crates include (`tests/integration`,
//! tier 1, and `tests/tier2`, tier 2) with
//! `#[path = "../support/mod.rs"] mod support;`: reading Kafka records, the HTTP
//! peer standing in for the audit and notification services, reading the
//! outbox (queue and delivery records in one snapshot), validating events
//! against their JSON Schemas, and the fixtures both tiers create through the
//! service's public entries.
//!
//! It talks to the service only through what a client or an operator has: the
//! HTTP API, the topics, the outbox tables and the schema files; never a
//! module's repository, rows or rules.

#![allow(
    dead_code,
    reason = "compiled into two test crates; each uses a different part of it"
)]

pub mod fixtures;
pub mod kafka;
pub mod outbox;
pub mod peer;
pub mod schemas;
