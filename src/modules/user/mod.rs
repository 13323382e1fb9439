//! User module: login accounts with roles (admin, hr, manager, employee), an
//! optional link to an employee record, login issuing short-lived tokens.
//!
//! - Owns: the `users` table.
//! - Emits: `USER_CREATED`, `USER_UPDATED`, `USER_ROLE_CHANGED`,
//!   `USER_DEACTIVATED`, `USER_DELETED`, the `account_created` notification
//!   (`NOTIFICATION_EMAIL`), and an `AUDIT_USER_ACTION` per change.
//! - Consumes: nothing; asks the employee module (`GetEmployeeFacts`, through an
//!   `actix::Recipient`, not the employee actor's type) before linking.
//! - Actor messages: `CreateUser`, `GetUser`, `ListUsers`, `UpdateUser`,
//!   `DeleteUser`, `Login`, `CurrentPrincipal`, `CountUsers`.

pub mod actor;
pub mod errors;
pub mod events;
pub mod handlers;
pub mod model;
pub mod repository;
pub mod routes;
pub mod rules;

use std::future::Future;
use std::pin::Pin;

use actix::{Addr, SyncArbiter};

use crate::auth::{AccountLookup, Principal, Role};
use crate::db::Db;
use crate::error::AppError;
use crate::events::EventContext;
use crate::outbox::Outbox;

pub use crate::shared::UserId;
pub use actor::UserActor;

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
    ) -> Pin<Box<dyn Future<Output = Result<Option<Principal>, AppError>>>> {
        let addr = self.0.clone();
        Box::pin(async move { Ok(addr.send(actor::CurrentPrincipal { user_id }).await??) })
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
