//! The `hrms` binary: loads `.env` and settings, sets up logging, and runs the
//! chosen command. Everything else lives in the library.

use anyhow::Context;
use clap::Parser;
use hrms::cli::{Cli, Command, OutboxCommand};
use hrms::config::Settings;
use hrms::db::{now_micros, Db};
use hrms::outbox::repository::{self, ListFilter};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(e) if e.not_found() => {}
        Err(e) => return Err(e).context("cannot read .env"),
    }
    let settings = Settings::load()?;
    hrms::telemetry::init(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => actix_web::rt::System::new().block_on(async move {
            let app = hrms::startup::Application::build(settings).await?;
            app.run_until_stopped().await.context("HTTP server failed")
        }),
        Command::Migrate => {
            let db = Db::connect(&settings.database)?;
            let applied = db.migrate()?;
            println!(
                "{} migration(s) applied on {}",
                applied.len(),
                db.backend().as_str()
            );
            for m in applied {
                println!("  {m}");
            }
            Ok(())
        }
        Command::Outbox { action } => outbox_command(&settings, action),
    }
}

fn outbox_command(settings: &Settings, action: OutboxCommand) -> anyhow::Result<()> {
    let db = Db::connect(&settings.database)?;
    let mut conn = db.get()?;
    match action {
        OutboxCommand::List {
            failing,
            older_than_secs,
            limit,
        } => {
            let filter = match (failing, older_than_secs) {
                (true, _) => ListFilter::Failing,
                (false, Some(s)) => {
                    ListFilter::OlderThan(now_micros() - i64::try_from(s).unwrap_or(0) * 1_000_000)
                }
                (false, None) => ListFilter::Pending,
            };
            let rows = repository::list(&mut conn, filter, limit.clamp(1, 10_000))?;
            println!(
                "{:<38} {:<28} {:<14} {:>8}  last error",
                "event id", "type", "age", "attempts"
            );
            let now = now_micros();
            for r in &rows {
                let age = format!("{}s", (now - r.created_at) / 1_000_000);
                println!(
                    "{:<38} {:<28} {:<14} {:>8}  {}",
                    r.event_id,
                    r.event_type,
                    age,
                    r.attempts,
                    r.last_error.as_deref().unwrap_or("-")
                );
            }
            let stats = repository::stats(&mut conn)?;
            println!(
                "{} shown; {} pending, {} failing",
                rows.len(),
                stats.pending,
                stats.failing
            );
        }
        OutboxCommand::Retry {
            event_id,
            all_failing: _,
        } => {
            let n = repository::retry_now(&mut conn, event_id.as_deref(), now_micros())?;
            println!("{n} event(s) made due now");
        }
    }
    Ok(())
}
