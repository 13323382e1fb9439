//! Builds the application from settings: database, relay, modules, HTTP server.
//! Tests use [`Application::build`] to start the real server on port 0.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix::Addr;
use actix_web::dev::{Server, ServerHandle};
use actix_web::{middleware, web, App, HttpServer};
use anyhow::Context;

use crate::auth::{AuthState, TokenService};
use crate::config::Settings;
use crate::db::Db;
use crate::error;
use crate::metrics::Metrics;
use crate::modules::{Handles, ModuleDeps, RouteConfig, MODULES};
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

impl Application {
    /// Connects the database (migrating it if configured), starts the relay and
    /// the enabled modules' actors, and binds the HTTP listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_subscriptions(settings, Vec::new()).await
    }

    /// [`Application::build`] with in-process subscriptions registered before
    /// anything is written or served (tests subscribe a test actor this way).
    pub async fn build_with_subscriptions(
        settings: Settings,
        subscriptions: Vec<crate::outbox::Subscription>,
    ) -> anyhow::Result<Self> {
        let registry = crate::outbox::Subscriptions::default();
        for subscription in subscriptions {
            registry.register(subscription)?;
        }
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
                registry.clone(),
            );
            (status, Some(Arc::new(handle)))
        } else {
            (RelayStatus::disabled(), None)
        };
        let relay_addr = relay_handle.as_ref().map(|h| h.addr.clone());
        let waker: Option<crate::outbox::Waker> = relay_addr
            .clone()
            .map(|addr| Arc::new(move || addr.do_send(relay::Wake)) as crate::outbox::Waker);
        let outbox = Outbox::new(&settings, waker, metrics.clone(), registry);

        let tokens = Arc::new(TokenService::new(&settings.auth));
        let deps = ModuleDeps {
            settings: settings.clone(),
            db: db.clone(),
            outbox: outbox.clone(),
            metrics: metrics.clone(),
            tokens: tokens.clone(),
            threads: settings.database.pool_size as usize,
            handles: Handles::default(),
        };
        let mut mounted = Vec::new();
        for entry in MODULES.iter().filter(|m| m.enabled(&settings)) {
            let module = (entry.mount)(&deps)
                .await
                .with_context(|| format!("cannot mount the {} module", entry.name))?;
            mounted.push(module);
        }
        for module in &mut mounted {
            if let Some(start) = module.background.take() {
                start();
            }
        }
        let auth_state = web::Data::new(AuthState {
            tokens,
            accounts: deps.handles.get::<Arc<dyn crate::auth::AccountLookup>>(),
        });
        let api_doc = web::Data::new(crate::http::openapi::served(&settings));
        let module_names: Vec<&str> = mounted.iter().map(|m| m.name).collect();
        let module_routes: Vec<RouteConfig> = mounted.into_iter().map(|m| m.routes).collect();

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
        let admin_api = settings.admin.api_enabled;
        let http_limits = web::Data::new(crate::http::HttpLimits::new(&settings.server));
        let connections =
            crate::http::ConnectionTracker::new(settings.server.max_connections_per_address);
        let mut server = HttpServer::new(move || {
            let module_routes = module_routes.clone();
            App::new()
                // The old services' routes end in a slash: see http::compat.
                .wrap(middleware::from_fn(
                    crate::http::compat::trim_api_trailing_slash,
                ))
                .wrap(middleware::from_fn(crate::http::request_context))
                .app_data(auth_state.clone())
                .app_data(api_doc.clone())
                .app_data(http_limits.clone())
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
                    for routes in &module_routes {
                        routes(cfg);
                    }
                })
                .configure(move |cfg| {
                    if admin_api {
                        crate::outbox::admin::routes(cfg);
                    }
                })
                .default_service(web::to(crate::http::not_found_route))
        })
        .on_connect(move |conn, ext| connections.on_connect(conn, ext))
        .listen(listener)?
        .shutdown_timeout(settings.server.shutdown_timeout_secs);
        if settings.server.workers > 0 {
            server = server.workers(settings.server.workers);
        }
        let server = server.run();
        tracing::info!(
            port,
            db.backend = backend,
            modules = ?module_names,
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
