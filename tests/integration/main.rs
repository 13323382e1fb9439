//! Tier-1 integration tests: the real server, a real database (SQLite, or
//! PostgreSQL with HRMS_TEST_DATABASE_URL), librdkafka's in-process mock cluster
//! and a real HTTP peer. One test binary keeps link time down.

mod api_keys;
mod attendance;
mod auth;
mod common;
mod compat;
mod compliance;
mod employee_chain;
mod employees;
mod health;
mod leave;
mod mount;
mod openapi;
mod operator;
mod outbox;
mod relay;
mod schema_parity;
mod schemas;
mod security;
mod security_accounts;
mod subscribers;
#[path = "../support/mod.rs"]
mod support;
mod users;
