//! hrms: an HR management backend. One HTTP API, five modules (users, employees,
//! leave, attendance, compliance) as actix actors, and one supervised relay that
//! publishes their events from a transactional outbox to Kafka.

pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod error;
pub mod events;
pub mod http;
pub mod metrics;
pub mod modules;
pub mod outbox;
pub mod relay;
pub mod shared;
pub mod startup;
pub mod telemetry;
