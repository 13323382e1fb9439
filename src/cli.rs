//! Command line: `hrms` (serve), `hrms migrate`, `hrms create-admin`,
//! `hrms compliance rebuild`, `hrms outbox list|retry`.

use clap::{Parser, Subcommand};

/// HR management backend: employees, users, leave, attendance and compliance,
/// with every domain event published to Kafka through a transactional outbox.
#[derive(Debug, Parser)]
#[command(name = "hrms", version, about)]
pub struct Cli {
    /// What to do; default: serve.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP API and the event relay (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create the first administrator account (only when no account exists).
    /// The password is read from standard input (first line) or from the
    /// variable named by --password-env.
    CreateAdmin {
        /// Login e-mail of the administrator.
        #[arg(long)]
        email: String,
        /// Read the password from this environment variable instead of stdin.
        #[arg(long)]
        password_env: Option<String>,
    },
    /// Working-time compliance maintenance.
    Compliance {
        /// Compliance action.
        #[command(subcommand)]
        action: ComplianceCommand,
    },
    /// Inspect and retry outbox events.
    Outbox {
        /// Outbox action.
        #[command(subcommand)]
        action: OutboxCommand,
    },
}

/// Operator actions on the compliance module.
#[derive(Debug, Subcommand)]
pub enum ComplianceCommand {
    /// Rebuild the projection by replaying every applied input event from the
    /// module's journal, then re-evaluate everyone's whole history and
    /// reconcile the violations (run with the service stopped; the changes'
    /// events wait in the outbox for the service).
    Rebuild,
}

/// Operator actions on the outbox.
#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// List undelivered events (oldest first).
    List {
        /// Only events whose delivery failed at least once.
        #[arg(long)]
        failing: bool,
        /// Only events older than this many seconds (stuck).
        #[arg(long)]
        older_than_secs: Option<u64>,
        /// At most this many rows.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Make undelivered events due now.
    Retry {
        /// The event id to retry.
        #[arg(
            conflicts_with = "all_failing",
            required_unless_present = "all_failing"
        )]
        event_id: Option<String>,
        /// Retry every event whose delivery failed.
        #[arg(long)]
        all_failing: bool,
    },
}
