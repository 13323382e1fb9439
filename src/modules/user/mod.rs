//! User module: login accounts with roles (admin, hr, manager, employee), an
//! optional link to an employee record, login issuing short-lived tokens.
//!
//! - Owns: the `users` and `api_keys` tables.
//! - Emits: `USER_CREATED`, `USER_UPDATED`, `USER_ROLE_CHANGED`,
//!   `USER_DEACTIVATED`, `USER_DELETED`, `USER_API_KEY_CREATED`,
//!   `USER_API_KEY_REVOKED`, the `account_created` notification
//!   (`NOTIFICATION_EMAIL`), and an `AUDIT_USER_ACTION` per change.
//! - Consumes: `EMPLOYEE_TERMINATED` (in-process subscription `user-terminations`):
//!   the linked account is deactivated. Asks the employee module
//!   (`GetEmployeeFacts`, through an `actix::Recipient`, not the employee
//!   actor's type) before linking, and refuses links to terminated records.
//! - Actor messages: `CreateUser`, `GetUser`, `ListUsers`, `UpdateUser`,
//!   `DeleteUser`, `Login`, `CurrentPrincipal`, `CountUsers`, `CreateApiKey`,
//!   `ListApiKeys`, `GetApiKey`, `RevokeApiKey`, `CheckApiKey`.

mod actor;
pub mod contract;
mod errors;
mod events;
mod handlers;
mod model;
mod repository;
mod routes;
mod rules;

use std::future::Future;
use std::pin::Pin;

use std::sync::Arc;

use actix::{Addr, SyncArbiter};
use actix_web::web;
use futures::future::LocalBoxFuture;
use utoipa::OpenApi as _;

use crate::auth::api_key::{KeyHasher, PresentedKey};
use crate::auth::{AccountLookup, KeyCheck, Principal, Role};
use crate::db::Db;
use crate::error::AppError;
use crate::config::Settings;
use crate::events::EventContext;
use crate::modules::{Module, ModuleDeps, ModuleEntry};
use crate::events::EventType;
use crate::outbox::{Outbox, Subscription};

pub use crate::shared::UserId;
pub use actor::UserActor;
pub use contract::{Contact, ContactsOf};

/// Starts the actor on `threads` blocking threads; `keys` hashes API keys.
pub fn start(db: Db, outbox: Outbox, threads: usize, keys: Arc<KeyHasher>) -> Addr<UserActor> {
    SyncArbiter::start(threads.max(1), move || {
        UserActor::new(db.clone(), outbox.clone(), keys.clone())
    })
}

/// Account and API key lookups for the authentication extractor.
pub struct Accounts {
    lookups: Addr<UserActor>,
    guard: web::Data<handlers::LoginGuard>,
}

impl AccountLookup for Accounts {
    fn current(
        &self,
        user_id: UserId,
        token_generation: i64,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Principal>, AppError>>>> {
        let addr = self.lookups.clone();
        Box::pin(async move {
            Ok(addr
                .send(actor::CurrentPrincipal {
                    user_id,
                    token_generation,
                })
                .await??)
        })
    }

    /// Failures count in the login limiter, per (key id, address) and per
    /// address (the address budget is the one logins spend), checked before the
    /// key: a flood of wrong keys is refused with 429 before any lookup.
    fn api_key(
        &self,
        key: String,
        client: String,
    ) -> Pin<Box<dyn Future<Output = Result<KeyCheck, AppError>>>> {
        let addr = self.lookups.clone();
        let guard = self.guard.clone();
        Box::pin(async move {
            let presented = PresentedKey::parse(&key);
            let id = presented.as_ref().map(|p| p.id.to_string());
            let account = format!("api-key:{}", id.as_deref().unwrap_or("malformed"));
            let now = std::time::Instant::now();
            if let Err(refused) = guard.limiter.check(&account, &client, now) {
                tracing::warn!(
                    api_key.id = id.as_deref().unwrap_or("malformed"),
                    client.address = %client,
                    limit = refused.reason.as_str(),
                    "API key refused: too many invalid keys"
                );
                return Ok(KeyCheck::Refused(refused.retry_after));
            }
            let found = match presented {
                Some(key) => addr.send(actor::CheckApiKey { key }).await??,
                None => None,
            };
            match found {
                Some((principal, scope)) => Ok(KeyCheck::Valid(principal, scope)),
                None => {
                    guard.limiter.failed(&account, &client, now);
                    tracing::info!(
                        api_key.id = id.as_deref().unwrap_or("malformed"),
                        client.address = %client,
                        "API key invalid or revoked"
                    );
                    Ok(KeyCheck::Invalid)
                }
            }
        })
    }
}

/// Creates the first administrator when no account exists yet; returns whether
/// it did. Used by `hrms create-admin` and the bootstrap variables.
pub async fn create_first_admin(
    users: &Addr<UserActor>,
    email: &str,
    password: &str,
    min_password_length: usize,
) -> Result<bool, AppError> {
    if users.send(actor::CountUsers).await?? > 0 {
        return Ok(false);
    }
    let input = rules::validate_create(
        model::CreateUserRequest {
            email: email.to_owned(),
            display_name: "Administrator".to_owned(),
            role: Role::Admin.as_str().to_owned(),
            employee_id: None,
            password: password.to_owned(),
        },
        min_password_length,
    )
    .map_err(AppError::validation)?;
    let ctx = EventContext {
        correlation_id: format!("bootstrap-{}", uuid::Uuid::new_v4()),
        actor_id: Some("system".to_owned()),
        traceparent: None,
    };
    users
        .send(actor::CreateUser {
            ctx,
            by: None,
            input,
        })
        .await??;
    Ok(true)
}

/// The user module's entry in the module list.
pub const MODULE: ModuleEntry = ModuleEntry {
    name: "user",
    settings: |m| &m.user,
    api: || routes::UserApi::openapi(),
    mount,
};

/// Starts the actor, offers the account lookup that authentication uses, and
/// creates the bootstrap administrator when configured.
fn mount(deps: &ModuleDeps) -> LocalBoxFuture<'_, anyhow::Result<Module>> {
    Box::pin(async move {
        let settings = &deps.settings;
        crate::auth::password::configure_pool(settings.auth.hash_threads)?;
        let keys = Arc::new(KeyHasher::from_settings(&settings.auth)?);
        let addr = start(deps.db.clone(), deps.outbox.clone(), deps.threads, keys.clone());
        // The per-request account lookup runs on actor threads of its own, so
        // it never queues behind logins and password changes.
        let lookups = start(deps.db.clone(), deps.outbox.clone(), 2, keys);
        let login_guard = web::Data::new(handlers::LoginGuard::new(
            deps.tokens.clone(),
            &settings.auth,
        ));
        deps.handles
            .provide::<actix::Recipient<ContactsOf>>(lookups.clone().recipient());
        deps.handles.provide(Arc::new(Accounts {
            lookups,
            guard: login_guard.clone(),
        }) as Arc<dyn AccountLookup>);
        deps.outbox.subscriptions().register(Subscription {
            name: actor::TERMINATIONS,
            event_types: vec![EventType::EmployeeTerminated],
            recipient: addr.clone().recipient(),
        })?;
        bootstrap_admin(settings, &addr).await?;
        Ok(Module {
            name: MODULE.name,
            routes: Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(addr.clone()))
                    .app_data(login_guard.clone());
                routes::routes(cfg);
            }),
            background: None,
        })
    })
}

/// Creates the first admin from `HRMS_BOOTSTRAP_ADMIN_*` when no account exists.
async fn bootstrap_admin(settings: &Settings, users: &Addr<UserActor>) -> anyhow::Result<()> {
    use secrecy::ExposeSecret;
    let email = settings.auth.bootstrap_admin_email.trim();
    if email.is_empty() {
        return Ok(());
    }
    let password = settings.auth.bootstrap_admin_password.expose_secret();
    match create_first_admin(users, email, password, settings.auth.min_password_length).await {
        Ok(true) => tracing::info!("bootstrap administrator created"),
        Ok(false) => tracing::debug!("accounts exist; bootstrap administrator not needed"),
        Err(err) => anyhow::bail!("cannot create the bootstrap administrator: {err}"),
    }
    Ok(())
}
