//! The `hrms` binary: loads `.env` and settings, sets up logging, and runs the
//! chosen command. Everything else lives in the library.

use anyhow::Context;
use clap::Parser;
use hrms::cli::{Cli, Command, ComplianceCommand, OutboxCommand};
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
        Command::Compliance {
            action: ComplianceCommand::Rebuild,
        } => {
            let db = Db::connect(&settings.database)?;
            db.migrate()?;
            let outbox = hrms::outbox::Outbox::new(
                &settings,
                None,
                hrms::metrics::Metrics::new(),
                Default::default(),
            );
            let cfg =
                hrms::modules::compliance::ComplianceConfig::from_settings(&settings.compliance)?;
            let done = hrms::modules::compliance::rebuild(&db, &outbox, &cfg)?;
            println!(
                "compliance rebuilt: {} events replayed, {} employees re-evaluated, {} findings detected, {} resolved",
                done.events, done.employees, done.counts.detected, done.counts.resolved
            );
            Ok(())
        }
        Command::CreateAdmin {
            email,
            password_env,
        } => create_admin(settings, &email, password_env),
    }
}

fn create_admin(
    settings: Settings,
    email: &str,
    password_env: Option<String>,
) -> anyhow::Result<()> {
    let password = match password_env {
        Some(var) => std::env::var(&var).with_context(|| format!("{var} is not set"))?,
        None => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from stdin")?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = Db::connect(&settings.database)?;
    db.migrate()?;
    let min = settings.auth.min_password_length;
    let email = email.to_owned();
    actix_web::rt::System::new().block_on(async move {
        // No relay here: the account's events wait in the outbox for the service.
        let outbox = hrms::outbox::Outbox::new(
            &settings,
            None,
            hrms::metrics::Metrics::new(),
            Default::default(),
        );
        let keys = std::sync::Arc::new(hrms::auth::api_key::KeyHasher::from_settings(
            &settings.auth,
        )?);
        let users = hrms::modules::user::start(db, outbox, 1, keys);
        match hrms::modules::user::create_first_admin(&users, &email, &password, min).await {
            Ok(true) => {
                println!("administrator created; log in with POST /api/v1/auth/login");
                Ok(())
            }
            Ok(false) => {
                anyhow::bail!("accounts already exist: create further accounts through the API")
            }
            Err(err) => anyhow::bail!("cannot create the administrator: {err}"),
        }
    })
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
