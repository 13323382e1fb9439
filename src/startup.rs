//! Builds the application from settings: database, relay, modules, HTTP server.
//! Tests use [`Application::build`] to start the real server on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::auth::limiter::FailureLimiter;
use crate::auth::{AuthState, TokenService};
use crate::config::Settings;
use crate::db::Db;
use crate::error;
use crate::metrics::Metrics;
use crate::modules::employee::{self, EmployeeActor};
use crate::modules::user::{self, handlers::LoginGuard, UserActor};
use crate::outbox::Outbox;
use crate::relay::{self, RelayHandle, RelayStatus};

/// A built, not yet running, application.
pub struct Application {
    port: u16,
    server: Server,
    services: Services,
}

/// The long-lived parts that tests and the shutdown path need.
#[derive(Clone)]
pub struct Services {
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// The database pool.
    pub db: Db,
    /// Metrics registry.
    pub metrics: Metrics,
    /// Relay status (readiness).
    pub relay_status: RelayStatus,
    /// The relay's address, when this process runs one.
    pub relay: Option<Addr<relay::Relay>>,
    /// The outbox handle modules write through.
    pub outbox: Outbox,
    relay_handle: Option<Arc<RelayHandle>>,
}

/// Mounted modules' actors.
#[derive(Clone, Default)]
struct Mounted {
    employee: Option<Addr<EmployeeActor>>,
    user: Option<Addr<UserActor>>,
}

impl Application {
    /// Connects the database (migrating it if configured), starts the relay and
    /// the enabled modules' actors, and binds the HTTP listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let settings = Arc::new(settings);
        let db = Db::connect(&settings.database)?;
        let backend = db.backend().as_str();
        if settings.database.migrate_on_start {
            let db2 = db.clone();
            let applied = web::block(move || db2.migrate())
                .await
                .context("migration task failed")??;
            tracing::info!(
                db.backend = backend,
                migrations.applied = applied.len(),
                "database ready"
            );
        }
        let metrics = Metrics::new();
        let (relay_status, relay_handle) = if settings.relay.enabled {
            let status = RelayStatus::default();
            let handle = relay::start(
                settings.clone(),
                db.clone(),
                metrics.clone(),
                status.clone(),
            );
            (status, Some(Arc::new(handle)))
        } else {
            (RelayStatus::disabled(), None)
        };
        let relay_addr = relay_handle.as_ref().map(|h| h.addr.clone());
        let waker: Option<crate::outbox::Waker> = relay_addr
            .clone()
            .map(|addr| Arc::new(move || addr.do_send(relay::Wake)) as crate::outbox::Waker);
        let outbox = Outbox::new(&settings, waker, metrics.clone());

        let threads = settings.database.pool_size as usize;
        let mounted = Mounted {
            employee: settings.modules.employee.enabled.then(|| {
                employee::start(
                    db.clone(),
                    outbox.clone(),
                    threads,
                    settings.default_time_zone(),
                )
            }),
            user: settings
                .modules
                .user
                .enabled
                .then(|| user::start(db.clone(), outbox.clone(), threads)),
        };
        let tokens = Arc::new(TokenService::new(&settings.auth));
        let auth_state = web::Data::new(AuthState {
            tokens: tokens.clone(),
            accounts: mounted
                .user
                .clone()
                .map(|addr| Arc::new(user::Accounts(addr)) as Arc<dyn crate::auth::AccountLookup>),
        });
        let hour = Duration::from_secs(3600);
        let login_guard = web::Data::new(LoginGuard {
            tokens,
            per_account: FailureLimiter::new(settings.auth.max_failures_per_account, hour),
            per_client: FailureLimiter::new(settings.auth.max_failures_per_client, hour),
            min_password_length: settings.auth.min_password_length,
        });
        if let Some(users) = &mounted.user {
            bootstrap_admin(&settings, users).await?;
        }

        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| {
                format!(
                    "cannot bind {}:{}",
                    settings.server.host, settings.server.port
                )
            })?;
        let port = listener.local_addr()?.port();
        let max_body = settings.server.max_body_bytes;
        let data_db = web::Data::new(db.clone());
        let data_metrics = web::Data::new(metrics.clone());
        let data_status = web::Data::new(relay_status.clone());
        let server_mounted = mounted.clone();
        let admin_api = settings.admin.api_enabled;
        let mut server = HttpServer::new(move || {
            let mounted = server_mounted.clone();
            App::new()
                .wrap(middleware::from_fn(crate::http::request_context))
                .app_data(auth_state.clone())
                .app_data(login_guard.clone())
                .app_data(data_db.clone())
                .app_data(data_metrics.clone())
                .app_data(data_status.clone())
                .app_data(
                    web::JsonConfig::default()
                        .limit(max_body)
                        .error_handler(error::json_error),
                )
                .app_data(web::PathConfig::default().error_handler(error::path_error))
                .app_data(web::QueryConfig::default().error_handler(error::query_error))
                .configure(crate::http::health::routes)
                .configure(crate::http::openapi::routes)
                .configure(move |cfg| {
                    if let Some(addr) = mounted.employee {
                        cfg.app_data(web::Data::new(
                            addr.clone().recipient::<employee::GetEmployeeFacts>(),
                        ));
                        cfg.app_data(web::Data::new(addr));
                        employee::routes::routes(cfg);
                    }
                    if let Some(addr) = mounted.user {
                        cfg.app_data(web::Data::new(addr));
                        user::routes::routes(cfg);
                    }
                })
                .configure(move |cfg| {
                    if admin_api {
                        crate::outbox::admin::routes(cfg);
                    }
                })
                .default_service(web::to(error::not_found_route))
        })
        .listen(listener)?
        .shutdown_timeout(settings.server.shutdown_timeout_secs);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.run();
        tracing::info!(
            port,
            db.backend = backend,
            employee = settings.modules.employee.enabled,
            kafka = settings.kafka.enable_producer,
            "hrms listening"
        );
        Ok(Self {
            port,
            server,
            services: Services {
                settings,
                db,
                metrics,
                relay_status,
                relay: relay_addr,
                outbox,
                relay_handle,
            },
        })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Shared services (for tests and tools).
    pub fn services(&self) -> Services {
        self.services.clone()
    }

    /// Serves until SIGTERM/SIGINT (or the handle) stops the server: in-flight
    /// requests finish, then the relay flushes and stops.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.services.shutdown().await;
        result
    }
}

/// Creates the first admin from `HRMS_BOOTSTRAP_ADMIN_*` when no account exists.
async fn bootstrap_admin(settings: &Settings, users: &Addr<UserActor>) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let email = settings.auth.bootstrap_admin_email.trim();
    if email.is_empty() {
        return Ok(());
    }
    let password = settings.auth.bootstrap_admin_password.expose_secret();
    match user::create_first_admin(users, email, password, settings.auth.min_password_length).await
    {
        Ok(true) => tracing::info!("bootstrap administrator created"),
        Ok(false) => tracing::debug!("accounts exist; bootstrap administrator not needed"),
        Err(err) => anyhow::bail!("cannot create the bootstrap administrator: {err}"),
    }
    Ok(())
}

impl Services {
    /// Stops the relay: flush, release the lease, keep undelivered rows.
    pub async fn shutdown(&self) {
        if let Some(addr) = &self.relay {
            let grace = Duration::from_secs(self.settings.relay.shutdown_flush_secs + 2);
            if tokio::time::timeout(grace, addr.send(relay::Shutdown))
                .await
                .is_err()
            {
                tracing::warn!("event relay did not stop in time");
            }
        }
        drop(self.relay_handle.clone());
    }
}
