//! The user actor: owns the `users` table. Runs on a `SyncArbiter`, so Argon2id
//! hashing and diesel calls stay off the async HTTP workers. Every message
//! carries the caller (`by`) and the actor decides, through the rules. Each
//! change commits together with its events through [`Outbox::commit`].

use actix::{Actor, Handler, Message, SyncContext};

use super::errors::UserError;
use std::sync::Arc;

use secrecy::SecretString;

use super::model::{ApiKeyRow, NewApiKey, NewUser, UserFilter, UserPatch, UserRow};
use super::rules::{self, Denied, UserScope};
use super::{events, repository as repo};
use crate::auth::api_key::{KeyHasher, KeyScope, PresentedKey};
use crate::auth::{password, Principal, Via};
use crate::db::Db;
use crate::events::EventContext;
use crate::events::EventType;
use crate::outbox::{Deliver, Outbox, SubscribedEvent};
use crate::shared::{clock, ApiKeyId, Page, UserId};

/// The user module's actor.
pub struct UserActor {
    db: Db,
    outbox: Outbox,
    keys: Arc<KeyHasher>,
}

impl UserActor {
    /// One instance per SyncArbiter thread; `keys` hashes and checks API keys.
    pub fn new(db: Db, outbox: Outbox, keys: Arc<KeyHasher>) -> Self {
        Self { db, outbox, keys }
    }

    /// The database pool (for the module's contract handlers).
    pub(super) fn db(&self) -> &Db {
        &self.db
    }
}

impl Actor for UserActor {
    type Context = SyncContext<Self>;
}

fn denied(d: Denied) -> UserError {
    UserError::Forbidden(match d {
        Denied::Role(m) => m.to_owned(),
        Denied::OwnAccess => "you cannot change your own role, employee link or active flag, or delete your own account".to_owned(),
        Denied::CurrentPasswordRequired => "current_password is required to change your own password".to_owned(),
    })
}

/// Create an account (the caller's right was checked against the role).
#[derive(Message)]
#[rtype(result = "Result<UserRow, UserError>")]
pub struct CreateUser {
    /// Request context.
    pub ctx: EventContext,
    /// Who asks; `None` for the bootstrap admin.
    pub by: Option<Principal>,
    /// Validated input.
    pub input: NewUser,
}

/// Read one visible account.
#[derive(Message)]
#[rtype(result = "Result<UserRow, UserError>")]
pub struct GetUser {
    /// Who asks.
    pub by: Principal,
    /// Which account.
    pub id: UserId,
}

/// List visible accounts.
#[derive(Message)]
#[rtype(result = "Result<(Vec<UserRow>, i64), UserError>")]
pub struct ListUsers {
    /// Who asks.
    pub by: Principal,
    /// Filters.
    pub filter: UserFilter,
    /// Window.
    pub page: Page,
}

/// Change a visible account.
#[derive(Message)]
#[rtype(result = "Result<UserRow, UserError>")]
pub struct UpdateUser {
    /// Request context.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which account.
    pub id: UserId,
    /// Validated changes.
    pub patch: UserPatch,
}

/// Delete a visible account.
#[derive(Message)]
#[rtype(result = "Result<(), UserError>")]
pub struct DeleteUser {
    /// Request context.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which account.
    pub id: UserId,
}

/// Check a password; on success return the caller and the account's
/// credentials generation (for the token).
#[derive(Message)]
#[rtype(result = "Result<(Principal, i64), UserError>")]
pub struct Login {
    /// Login e-mail (any case).
    pub email: String,
    /// Password.
    pub password: String,
}

/// The current state of an account, for authentication.
#[derive(Message)]
#[rtype(result = "Result<Option<Principal>, UserError>")]
pub struct CurrentPrincipal {
    /// Account id from the token.
    pub user_id: UserId,
    /// Credentials generation from the token.
    pub token_generation: i64,
}

/// Whether any account exists (bootstrap).
#[derive(Message)]
#[rtype(result = "Result<i64, UserError>")]
pub struct CountUsers;

fn principal(row: &UserRow) -> Result<Principal, UserError> {
    use anyhow::Context;
    Ok(Principal {
        user_id: row.id.parse().context("stored user id is not a UUID")?,
        role: row.role(),
        employee_id: row
            .employee_id
            .as_deref()
            .map(str::parse)
            .transpose()
            .context("stored employee id is not a UUID")?,
        via: Via::Token,
    })
}

impl Handler<CreateUser> for UserActor {
    type Result = Result<UserRow, UserError>;

    fn handle(&mut self, msg: CreateUser, _: &mut Self::Context) -> Self::Result {
        if let Some(by) = &msg.by {
            rules::may_create(by, msg.input.role).map_err(denied)?;
        }
        let hash = password::hash(&msg.input.password)?;
        let mut conn = self.db.get()?;
        let row = rules::new_row(UserId::generate(), msg.input, hash, clock::now_naive());
        let row = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            if repo::email_taken(c, &row.email)? {
                return Err(UserError::EmailTaken);
            }
            if let Some(e) = &row.employee_id {
                if repo::employee_linked(c, e, None)? {
                    return Err(UserError::EmployeeLinked);
                }
            }
            repo::insert(c, &row)?;
            let events = events::created(&msg.ctx, &row);
            Ok((row, events))
        })?;
        tracing::info!(user.id = %row.id, user.role = %row.role, "account created");
        Ok(row)
    }
}

impl Handler<GetUser> for UserActor {
    type Result = Result<UserRow, UserError>;

    fn handle(&mut self, msg: GetUser, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db.get()?;
        repo::find_visible(&mut conn, &msg.id.to_string(), &rules::scope_for(&msg.by))?
            .ok_or(UserError::NotFound)
    }
}

impl Handler<ListUsers> for UserActor {
    type Result = Result<(Vec<UserRow>, i64), UserError>;

    fn handle(&mut self, msg: ListUsers, _: &mut Self::Context) -> Self::Result {
        rules::may_list(&msg.by).map_err(denied)?;
        let mut conn = self.db.get()?;
        Ok(repo::list(
            &mut conn,
            &rules::scope_for(&msg.by),
            &msg.filter,
            msg.page,
        )?)
    }
}

impl Handler<UpdateUser> for UserActor {
    type Result = Result<UserRow, UserError>;

    fn handle(&mut self, msg: UpdateUser, _: &mut Self::Context) -> Self::Result {
        let id = msg.id.to_string();
        let scope: UserScope = rules::scope_for(&msg.by);
        // No connection is held while passwords are checked and hashed.
        let current =
            repo::find_visible(&mut *self.db.get()?, &id, &scope)?.ok_or(UserError::NotFound)?;
        rules::may_update(&msg.by, &current, &msg.patch).map_err(denied)?;
        if rules::is_self(&msg.by, &current) {
            if let Some(given) = &msg.patch.current_password {
                if !password::verify(given, &current.password_hash) {
                    return Err(UserError::WrongCurrentPassword);
                }
            }
        }
        let new_hash = msg
            .patch
            .password
            .as_deref()
            .map(password::hash)
            .transpose()?;
        let mut conn = self.db.get()?;
        let (row, changed) = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            // Re-read inside the transaction: the row may have changed meanwhile.
            let mut row = repo::find_visible(c, &id, &scope)?.ok_or(UserError::NotFound)?;
            if let Some(Some(e)) = &msg.patch.employee_id {
                if repo::employee_linked(c, &e.to_string(), Some(&row.id))? {
                    return Err(UserError::EmployeeLinked);
                }
            }
            let changed = rules::apply_patch(&mut row, &msg.patch, new_hash, clock::now_naive());
            let events = if changed.is_empty() {
                Vec::new()
            } else {
                repo::save(c, &row)?;
                events::updated(&msg.ctx, &row, &changed)
            };
            Ok(((row, changed), events))
        })?;
        if !changed.is_empty() {
            tracing::info!(user.id = %row.id, fields = ?changed, "account updated");
        }
        Ok(row)
    }
}

impl Handler<DeleteUser> for UserActor {
    type Result = Result<(), UserError>;

    fn handle(&mut self, msg: DeleteUser, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db.get()?;
        let scope = rules::scope_for(&msg.by);
        let id = msg.id.to_string();
        self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let row = repo::find_visible(c, &id, &scope)?.ok_or(UserError::NotFound)?;
            rules::may_delete(&msg.by, &row).map_err(denied)?;
            repo::delete(c, &row.id)?;
            Ok::<_, UserError>(((), events::deleted(&msg.ctx, &row)))
        })?;
        tracing::info!(user.id = %msg.id, "account deleted");
        Ok(())
    }
}

impl Handler<Login> for UserActor {
    type Result = Result<(Principal, i64), UserError>;

    fn handle(&mut self, msg: Login, _: &mut Self::Context) -> Self::Result {
        let email = msg.email.trim().to_lowercase();
        // The connection goes back to the pool before the (slow) password
        // check, so a login flood cannot starve other requests of connections.
        let found = repo::find_by_email(&mut *self.db.get()?, &email)?;
        let Some(row) = found else {
            password::verify_dummy(&msg.password);
            return Err(UserError::InvalidCredentials);
        };
        if !password::verify(&msg.password, &row.password_hash) || !row.active {
            return Err(UserError::InvalidCredentials);
        }
        let who = principal(&row)?;
        repo::touch_login(&mut *self.db.get()?, &row.id, clock::now_naive())?;
        tracing::info!(user.id = %row.id, "login succeeded");
        Ok((who, i64::from(row.token_generation)))
    }
}

impl Handler<CurrentPrincipal> for UserActor {
    type Result = Result<Option<Principal>, UserError>;

    fn handle(&mut self, msg: CurrentPrincipal, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db.get()?;
        repo::find(&mut conn, &msg.user_id.to_string())?
            .filter(|r| r.active && i64::from(r.token_generation) == msg.token_generation)
            .map(|r| principal(&r))
            .transpose()
    }
}

impl Handler<CountUsers> for UserActor {
    type Result = Result<i64, UserError>;

    fn handle(&mut self, _: CountUsers, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db.get()?;
        Ok(repo::count(&mut conn)?)
    }
}

/// The id of the account with this login e-mail, if any (for the login
/// handler's failure log line: ids are logged, e-mails never).
#[derive(Message)]
#[rtype(result = "Result<Option<String>, UserError>")]
pub struct AccountIdByEmail {
    /// Login e-mail, normalised as for [`Login`].
    pub email: String,
}

impl Handler<AccountIdByEmail> for UserActor {
    type Result = Result<Option<String>, UserError>;

    fn handle(&mut self, msg: AccountIdByEmail, _: &mut Self::Context) -> Self::Result {
        let mut conn = self.db.get()?;
        let email = msg.email.trim().to_lowercase();
        Ok(repo::find_by_email(&mut conn, &email)?.map(|row| row.id))
    }
}

/// The name of the user module's subscription to employee events.
pub const TERMINATIONS: &str = "user-terminations";

/// `EMPLOYEE_TERMINATED`: the account linked to the terminated record is
/// deactivated (its tokens are revoked with it), audited and evented, in one
/// transaction. Idempotent: only an *active* linked account changes, so an event
/// delivered twice deactivates once and writes its events once.
impl Handler<Deliver> for UserActor {
    type Result = Result<(), String>;

    fn handle(&mut self, msg: Deliver, _: &mut Self::Context) -> Self::Result {
        for event in &msg.events {
            if event.event_type != EventType::EmployeeTerminated {
                continue;
            }
            self.deactivate_leaver(event).map_err(|e| {
                tracing::warn!(event.id = %event.event_id, error = %e, "deactivating a leaver's account failed");
                format!("event {}: {e}", event.event_id)
            })?;
        }
        Ok(())
    }
}

impl UserActor {
    fn deactivate_leaver(&self, event: &SubscribedEvent) -> Result<(), UserError> {
        let employee_id = event.aggregate_id.as_str();
        let ctx = EventContext {
            correlation_id: event
                .payload
                .get("correlation_id")
                .and_then(|v| v.as_str())
                .map_or_else(|| format!("event-{}", event.event_id), str::to_owned),
            actor_id: Some("system".to_owned()),
            traceparent: None,
        };
        let mut conn = self.db.get()?;
        let changed = self.outbox.commit(&mut conn, &ctx, |c| {
            let Some(mut row) = repo::find_active_by_employee(c, employee_id)? else {
                return Ok((None, Vec::new()));
            };
            let changed = rules::apply_patch(
                &mut row,
                &UserPatch {
                    active: Some(false),
                    ..Default::default()
                },
                None,
                clock::now_naive(),
            );
            repo::save(c, &row)?;
            let events = events::deactivated_on_termination(&ctx, &row, &changed, employee_id);
            Ok::<_, UserError>((Some(row.id), events))
        })?;
        if let Some(id) = changed {
            tracing::info!(user.id = %id, employee.id = %employee_id, event.id = %event.event_id, "account deactivated: its employee was terminated");
        }
        Ok(())
    }
}

/// Create an API key; answers the row and, this once, the key.
#[derive(Message)]
#[rtype(result = "Result<(ApiKeyRow, SecretString), UserError>")]
pub struct CreateApiKey {
    /// Request context.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Validated input.
    pub input: NewApiKey,
}

/// List API keys.
#[derive(Message)]
#[rtype(result = "Result<(Vec<ApiKeyRow>, i64), UserError>")]
pub struct ListApiKeys {
    /// Who asks.
    pub by: Principal,
    /// Only revoked (`true`) or only live (`false`) keys.
    pub revoked: Option<bool>,
    /// Window.
    pub page: Page,
}

/// Read one API key.
#[derive(Message)]
#[rtype(result = "Result<ApiKeyRow, UserError>")]
pub struct GetApiKey {
    /// Who asks.
    pub by: Principal,
    /// Which key.
    pub id: ApiKeyId,
}

/// Revoke a live API key; answers the key as revoked.
#[derive(Message)]
#[rtype(result = "Result<ApiKeyRow, UserError>")]
pub struct RevokeApiKey {
    /// Request context.
    pub ctx: EventContext,
    /// Who asks.
    pub by: Principal,
    /// Which key.
    pub id: ApiKeyId,
}

/// Authentication: whether a presented key is live and right; if so, who it
/// acts as and its scope. Records the use (at most once a minute per key).
#[derive(Message)]
#[rtype(result = "Result<Option<(Principal, KeyScope)>, UserError>")]
pub struct CheckApiKey {
    /// The key as presented.
    pub key: PresentedKey,
}

/// How stale `last_used_at` may get before a use rewrites it: one write a
/// minute per key at most, however many requests it makes.
const KEY_USE_RESOLUTION: chrono::TimeDelta = chrono::TimeDelta::minutes(1);

fn key_denied(d: Denied) -> UserError {
    match d {
        Denied::Role(m) => UserError::Forbidden(m.to_owned()),
        other => denied(other),
    }
}

impl Handler<CreateApiKey> for UserActor {
    type Result = Result<(ApiKeyRow, SecretString), UserError>;

    fn handle(&mut self, msg: CreateApiKey, _: &mut Self::Context) -> Self::Result {
        rules::may_manage_keys(&msg.by).map_err(key_denied)?;
        let id = ApiKeyId::generate();
        let new = self.keys.generate(id);
        let row = ApiKeyRow {
            id: id.to_string(),
            name: msg.input.name,
            role: msg.input.role.as_str().to_owned(),
            read_only: msg.input.read_only,
            modules: msg.input.modules.map(|m| m.join(",")),
            secret_hash: new.hash,
            created_at: clock::now_naive(),
            created_by: msg.by.user_id.to_string(),
            last_used_at: None,
            revoked_at: None,
            revoked_by: None,
        };
        let mut conn = self.db.get()?;
        let row = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            if repo::live_key_named(c, &row.name)? {
                return Err(UserError::ApiKeyNameTaken);
            }
            repo::insert_key(c, &row)?;
            let events = events::key_created(&msg.ctx, &row);
            Ok((row, events))
        })?;
        tracing::info!(api_key.id = %row.id, api_key.role = %row.role, user.id = %msg.by.user_id, "API key created");
        Ok((row, new.key))
    }
}

impl Handler<ListApiKeys> for UserActor {
    type Result = Result<(Vec<ApiKeyRow>, i64), UserError>;

    fn handle(&mut self, msg: ListApiKeys, _: &mut Self::Context) -> Self::Result {
        rules::may_manage_keys(&msg.by).map_err(key_denied)?;
        let mut conn = self.db.get()?;
        Ok(repo::list_keys(&mut conn, msg.revoked, msg.page)?)
    }
}

impl Handler<GetApiKey> for UserActor {
    type Result = Result<ApiKeyRow, UserError>;

    fn handle(&mut self, msg: GetApiKey, _: &mut Self::Context) -> Self::Result {
        rules::may_manage_keys(&msg.by).map_err(key_denied)?;
        let mut conn = self.db.get()?;
        repo::find_key(&mut conn, &msg.id.to_string())?.ok_or(UserError::ApiKeyNotFound)
    }
}

impl Handler<RevokeApiKey> for UserActor {
    type Result = Result<ApiKeyRow, UserError>;

    fn handle(&mut self, msg: RevokeApiKey, _: &mut Self::Context) -> Self::Result {
        rules::may_manage_keys(&msg.by).map_err(key_denied)?;
        let id = msg.id.to_string();
        let by = msg.by.user_id.to_string();
        let mut conn = self.db.get()?;
        let row = self.outbox.commit(&mut conn, &msg.ctx, |c| {
            let current = repo::find_key(c, &id)?.ok_or(UserError::ApiKeyNotFound)?;
            if current.revoked_at.is_some() {
                return Err(UserError::ApiKeyRevoked);
            }
            let now = clock::now_naive();
            if !repo::revoke_key(c, &id, &by, now)? {
                return Err(UserError::ApiKeyRevoked);
            }
            let row = ApiKeyRow {
                revoked_at: Some(now),
                revoked_by: Some(by.clone()),
                ..current
            };
            let events = events::key_revoked(&msg.ctx, &row);
            Ok((row, events))
        })?;
        tracing::info!(api_key.id = %row.id, user.id = %msg.by.user_id, "API key revoked");
        Ok(row)
    }
}

impl Handler<CheckApiKey> for UserActor {
    type Result = Result<Option<(Principal, KeyScope)>, UserError>;

    fn handle(&mut self, msg: CheckApiKey, _: &mut Self::Context) -> Self::Result {
        use anyhow::Context;
        let mut conn = self.db.get()?;
        let Some(row) = repo::find_key(&mut conn, &msg.key.id.to_string())? else {
            return Ok(None);
        };
        if !self.keys.matches(&msg.key, &row.secret_hash) || row.revoked_at.is_some() {
            return Ok(None);
        }
        let now = clock::now_naive();
        if row
            .last_used_at
            .is_none_or(|t| now.signed_duration_since(t) >= KEY_USE_RESOLUTION)
        {
            repo::touch_key(&mut conn, &row.id, now)?;
        }
        let role = crate::auth::Role::parse(&row.role)
            .context("stored API key role is not a role")?;
        let principal = Principal {
            user_id: row.id.parse().context("stored API key id is not a UUID")?,
            role,
            employee_id: None,
            via: Via::ApiKey,
        };
        let scope = KeyScope {
            read_only: row.read_only,
            modules: row.module_list(),
        };
        Ok(Some((principal, scope)))
    }
}
