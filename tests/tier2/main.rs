//! Tier-2 integration tests: the real `hrms` binary, run as a child process
//! against PostgreSQL and a Kafka-compatible broker in containers
//! (testcontainers), with a real rdkafka consumer reading the topics and a real
//! HTTP server standing in for the audit service.
//!
//! Every test is `#[ignore]`d so that `cargo test` and `cargo nextest run` skip
//! them; `scripts/test-tier2.sh` builds the local images when the public ones
//! are absent and runs them one at a time (`--run-ignored only`). See
//! docs/tier2.md for the images, the scenarios and the latest figures.

mod harness;
#[path = "../support/mod.rs"]
mod support;

mod attendance;
mod broker_absent;
mod broker_outage;
mod compliance;
mod crash;
mod end_to_end;
mod fallback;
mod leave;
mod replicas;
