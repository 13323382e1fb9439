//! User module: login accounts with roles (admin, hr, manager, employee), an
//! optional link to an employee record, login issuing short-lived tokens.
//!
//! - Owns: the `users` table.
//! - Emits: `USER_CREATED`, `USER_UPDATED`, `USER_ROLE_CHANGED`,
//!   `USER_DEACTIVATED`, `USER_DELETED`, the `account_created` notification
//!   (`NOTIFICATION_EMAIL`), and an `AUDIT_USER_ACTION` per change.
//! - Consumes: `EMPLOYEE_TERMINATED` (in-process subscription `user-terminations`):
//!   the linked account is deactivated. Asks the employee module
//!   (`GetEmployeeFacts`, through an `actix::Recipient`, not the employee
//!   actor's type) before linking, and refuses links to terminated records.
//! - Actor messages: `CreateUser`, `GetUser`, `ListUsers`, `UpdateUser`,
//!   `DeleteUser`, `Login`, `CurrentPrincipal`, `CountUsers`.

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

use crate::auth::{AccountLookup, Principal, Role};
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

/// Starts the actor on `threads` blocking threads.
pub fn start(db: Db, outbox: Outbox, threads: usize) -> Addr<UserActor> {
    SyncArbiter::start(threads.max(1), move || {
        UserActor::new(db.clone(), outbox.clone())
    })
}

/// Account lookups for the authentication extractor.
pub struct Accounts(pub Addr<UserActor>);

impl AccountLookup for Accounts {
    fn current(
        &self,
        user_id: UserId,
        token_generation: i64,
    ) -> Pin<Box<dyn Future<Output = Result<Option<Principal>, AppError>>>> {
        let addr = self.0.clone();
        Box::pin(async move {
            Ok(addr
                .send(actor::CurrentPrincipal {
                    user_id,
                    token_generation,
                })
                .await??)
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
        let addr = start(deps.db.clone(), deps.outbox.clone(), deps.threads);
        // The per-request account lookup runs on actor threads of its own, so
        // it never queues behind logins and password changes.
        let lookups = start(deps.db.clone(), deps.outbox.clone(), 2);
        deps.handles
            .provide::<actix::Recipient<ContactsOf>>(lookups.clone().recipient());
        deps.handles
            .provide(Arc::new(Accounts(lookups)) as Arc<dyn AccountLookup>);
        deps.outbox.subscriptions().register(Subscription {
            name: actor::TERMINATIONS,
            event_types: vec![EventType::EmployeeTerminated],
            recipient: addr.clone().recipient(),
        })?;
        let login_guard = web::Data::new(handlers::LoginGuard::new(
            deps.tokens.clone(),
            &settings.auth,
        ));
        bootstrap_admin(settings, &addr).await?;
        Ok(Module {
            name: MODULE.name,
            routes: Arc::new(move |cfg: &mut web::ServiceConfig| {
                cfg.app_data(web::Data::new(addr.clone()))
                    .app_data(login_guard.clone());
                routes::routes(cfg);
            }),
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
