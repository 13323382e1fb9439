//! Account rules as plain functions: validation, and who may see and change
//! which account. Admins see everything; HR sees every account but admins';
//! everyone else sees only their own. Nobody changes their own role, employee
//! link or active flag.

use crate::auth::{Principal, Role};
use crate::error::FieldError;
use crate::shared::{collect, text::trimmed, EmployeeId, Page, UserId, WorkEmail};

use super::model::*;

/// Longest display name.
pub const DISPLAY_NAME_MAX: usize = 200;

/// Which accounts a caller can see (applied inside the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserScope {
    /// Every account.
    All,
    /// Every account except admins'.
    NonAdmin,
    /// Only this account.
    Own(UserId),
}

/// The accounts `who` may see.
pub fn scope_for(who: &Principal) -> UserScope {
    match who.role {
        Role::Admin => UserScope::All,
        Role::Hr => UserScope::NonAdmin,
        Role::Manager | Role::Employee => UserScope::Own(who.user_id),
    }
}

/// Whether `target` is the caller's own account.
pub fn is_self(who: &Principal, target: &UserRow) -> bool {
    who.user_id.to_string() == target.id
}

/// Why a change is refused although the account is visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// The caller's role may not do this.
    Role(&'static str),
    /// Nobody changes their own role, link or active flag, or deletes themself.
    OwnAccess,
    /// Changing one's own password needs the current one.
    CurrentPasswordRequired,
}

/// Who may create an account with `role`.
pub fn may_create(who: &Principal, role: Role) -> Result<(), Denied> {
    match (who.role, role) {
        (Role::Admin, _) => Ok(()),
        (Role::Hr, Role::Admin) => Err(Denied::Role("only an admin can create admin accounts")),
        (Role::Hr, _) => Ok(()),
        _ => Err(Denied::Role("only admin and hr can create accounts")),
    }
}

/// Who may list accounts.
pub fn may_list(who: &Principal) -> Result<(), Denied> {
    match who.role {
        Role::Admin | Role::Hr => Ok(()),
        _ => Err(Denied::Role("only admin and hr can list accounts")),
    }
}

/// Who may apply `patch` to the visible account `target`.
pub fn may_update(who: &Principal, target: &UserRow, patch: &UserPatch) -> Result<(), Denied> {
    if is_self(who, target) {
        if patch.touches_access() {
            return Err(Denied::OwnAccess);
        }
        if patch.password.is_some() && patch.current_password.is_none() {
            return Err(Denied::CurrentPasswordRequired);
        }
        return Ok(());
    }
    match who.role {
        Role::Admin => Ok(()),
        Role::Hr if patch.role == Some(Role::Admin) => {
            Err(Denied::Role("only an admin can grant the admin role"))
        }
        Role::Hr => Ok(()),
        _ => Err(Denied::Role("only admin and hr can change other accounts")),
    }
}

/// Who may delete the visible account `target`.
pub fn may_delete(who: &Principal, target: &UserRow) -> Result<(), Denied> {
    if is_self(who, target) {
        return Err(Denied::OwnAccess);
    }
    match who.role {
        Role::Admin | Role::Hr => Ok(()),
        _ => Err(Denied::Role("only admin and hr can delete accounts")),
    }
}

/// Whether login input could belong to an account at all: an e-mail of at
/// most 254 bytes without control characters once trimmed, as lookups trim it
/// (PostgreSQL cannot even compare
/// a text with a NUL byte) and a password within the hashing bound. Anything
/// else is refused as invalid credentials without a lookup or a hash.
pub fn login_is_plausible(email: &str, password: &str) -> bool {
    email.len() <= crate::shared::EMAIL_MAX
        && !email.trim().chars().any(char::is_control)
        && password.len() <= crate::auth::password::MAX_PASSWORD_LENGTH
}

fn display_name(raw: &str) -> Result<String, FieldError> {
    trimmed(raw, DISPLAY_NAME_MAX, "must not be empty").map_err(|_| {
        FieldError::new(
            "display_name",
            "invalid_value",
            "display_name must be 1 to 200 characters without control characters",
        )
    })
}

fn role(raw: &str) -> Result<Role, FieldError> {
    Role::parse(raw).ok_or_else(|| {
        FieldError::new(
            "role",
            "invalid_value",
            "role must be admin, hr, manager or employee",
        )
    })
}

fn employee_id(raw: &str) -> Result<EmployeeId, FieldError> {
    raw.trim().parse().map_err(|_| {
        FieldError::new(
            "employee_id",
            "invalid_id",
            "employee_id must be an employee id (UUID)",
        )
    })
}

fn password(field: &'static str, raw: &str, min: usize) -> Result<String, FieldError> {
    crate::auth::password::check_policy(raw, min)
        .map(|()| raw.to_owned())
        .map_err(|m| FieldError::new(field, "weak_password", m))
}

/// Validates a create request.
pub fn validate_create(
    req: CreateUserRequest,
    min_password: usize,
) -> Result<NewUser, Vec<FieldError>> {
    let mut errors = Vec::new();
    let email = collect(
        &mut errors,
        WorkEmail::parse(&req.email)
            .map(String::from)
            .map_err(|m| FieldError::new("email", "invalid_value", format!("email {m}"))),
    );
    let name = collect(&mut errors, display_name(&req.display_name));
    let role = collect(&mut errors, role(&req.role));
    let employee = match req.employee_id.as_deref() {
        None => Some(None),
        Some(raw) => collect(&mut errors, employee_id(raw)).map(Some),
    };
    let pw = collect(
        &mut errors,
        password("password", &req.password, min_password),
    );
    match (email, name, role, employee, pw) {
        (Some(email), Some(display_name), Some(role), Some(employee_id), Some(password))
            if errors.is_empty() =>
        {
            Ok(NewUser {
                email,
                display_name,
                role,
                employee_id,
                password,
            })
        }
        _ => Err(errors),
    }
}

/// Validates a patch.
pub fn validate_patch(
    req: UpdateUserRequest,
    min_password: usize,
) -> Result<UserPatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut patch = UserPatch::default();
    let null =
        |f: &'static str| FieldError::new(f, "null_not_allowed", format!("{f} cannot be null"));
    match req.display_name {
        None => {}
        Some(None) => errors.push(null("display_name")),
        Some(Some(raw)) => patch.display_name = collect(&mut errors, display_name(&raw)),
    }
    match req.role {
        None => {}
        Some(None) => errors.push(null("role")),
        Some(Some(raw)) => patch.role = collect(&mut errors, role(&raw)),
    }
    match req.employee_id {
        None => {}
        Some(None) => patch.employee_id = Some(None),
        Some(Some(raw)) => patch.employee_id = collect(&mut errors, employee_id(&raw)).map(Some),
    }
    match req.active {
        None => {}
        Some(None) => errors.push(null("active")),
        Some(Some(v)) => patch.active = Some(v),
    }
    match req.password {
        None => {}
        Some(None) => errors.push(null("password")),
        Some(Some(raw)) => {
            patch.password = collect(&mut errors, password("password", &raw, min_password))
        }
    }
    match req.current_password {
        None | Some(None) => {}
        Some(Some(raw)) => {
            if raw.len() > crate::auth::password::MAX_PASSWORD_LENGTH {
                errors.push(FieldError::new(
                    "current_password",
                    "invalid_value",
                    "current_password is too long",
                ));
            } else {
                patch.current_password = Some(raw);
            }
        }
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// Validates list filters and the page window.
pub fn validate_list(q: ListUsersQuery) -> Result<(UserFilter, Page), Vec<FieldError>> {
    let mut errors = Vec::new();
    let role = match q.role.as_deref() {
        None => None,
        Some(raw) => collect(&mut errors, role(raw)),
    };
    let page = Page::parse(q.limit, q.offset)
        .map_err(|e| errors.extend(e))
        .ok();
    match page {
        Some(page) if errors.is_empty() => Ok((
            UserFilter {
                role,
                active: q.active,
            },
            page,
        )),
        _ => Err(errors),
    }
}

/// Longest API key name.
pub const API_KEY_NAME_MAX: usize = 100;

/// Who may create, list, read and revoke API keys: admins logged in as
/// themselves. Not a key, even an admin key: a leaked key cannot mint more.
pub fn may_manage_keys(who: &Principal) -> Result<(), Denied> {
    match (who.role, who.via) {
        (Role::Admin, crate::auth::Via::Token) => Ok(()),
        (_, crate::auth::Via::ApiKey) => Err(Denied::Role(
            "API keys are managed by an admin's login, not by another key",
        )),
        _ => Err(Denied::Role("only admins manage API keys")),
    }
}

/// Validates a new API key.
pub fn validate_key_create(body: CreateApiKeyRequest) -> Result<NewApiKey, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = collect(
        &mut errors,
        trimmed(&body.name, API_KEY_NAME_MAX, "must not be empty").map_err(|m| {
            FieldError::new(
                "name",
                "invalid_value",
                format!("name {m} (1 to {API_KEY_NAME_MAX} characters)"),
            )
        }),
    );
    let role = match Role::parse(&body.role) {
        Some(r @ (Role::Admin | Role::Hr)) => Some(r),
        Some(_) => {
            errors.push(FieldError::new(
                "role",
                "invalid_value",
                "role must be admin or hr: a key acts for a service, which has no employee record or reports",
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "role",
                "invalid_value",
                "role must be admin or hr",
            ));
            None
        }
    };
    let modules = match body.modules {
        None => None,
        Some(list) if list.is_empty() => {
            errors.push(FieldError::new(
                "modules",
                "invalid_value",
                "modules must name at least one module (leave it out for every module)",
            ));
            None
        }
        Some(list) => {
            let unknown: Vec<&String> = list
                .iter()
                .filter(|m| !crate::auth::api_key::SCOPE_MODULES.contains(&m.as_str()))
                .collect();
            if unknown.is_empty() {
                let mut list = list;
                list.sort();
                list.dedup();
                Some(list)
            } else {
                errors.push(FieldError::new(
                    "modules",
                    "invalid_value",
                    format!(
                        "modules may only name {}",
                        crate::auth::api_key::SCOPE_MODULES.join(", ")
                    ),
                ));
                None
            }
        }
    };
    match (name, role) {
        (Some(name), Some(role)) if errors.is_empty() => Ok(NewApiKey {
            name,
            role,
            read_only: body.read_only.unwrap_or(false),
            modules,
        }),
        _ => Err(errors),
    }
}

/// Validates the key list's filter and page window.
pub fn validate_key_list(q: ListApiKeysQuery) -> Result<(Option<bool>, Page), Vec<FieldError>> {
    Page::parse(q.limit, q.offset).map(|page| (q.revoked, page))
}

/// Applies a validated patch (password already hashed into `new_hash`); returns
/// the names of the fields that changed.
pub fn apply_patch(
    row: &mut UserRow,
    patch: &UserPatch,
    new_hash: Option<String>,
    now: chrono::NaiveDateTime,
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    if let Some(v) = &patch.display_name {
        if *v != row.display_name {
            row.display_name = v.clone();
            changed.push("display_name");
        }
    }
    if let Some(r) = patch.role {
        if r.as_str() != row.role {
            row.role = r.as_str().to_owned();
            changed.push("role");
        }
    }
    if let Some(link) = &patch.employee_id {
        let link = link.map(|e| e.to_string());
        if link != row.employee_id {
            row.employee_id = link;
            changed.push("employee_id");
        }
    }
    if let Some(a) = patch.active {
        if a != row.active {
            row.active = a;
            changed.push("active");
        }
    }
    if let Some(h) = new_hash {
        row.password_hash = h;
        changed.push("password");
    }
    if !changed.is_empty() {
        row.updated_at = now;
    }
    if changed.iter().any(|f| revokes_tokens(f)) {
        row.token_generation = row.token_generation.wrapping_add(1);
    }
    changed
}

/// Whether a change of this field revokes the account's earlier tokens: a
/// password change or reset, a deactivation or reactivation, a role change.
pub fn revokes_tokens(field: &str) -> bool {
    matches!(field, "password" | "active" | "role")
}

/// A fresh row for a validated new account; `password_hash` is the Argon2id
/// hash of its password.
pub fn new_row(
    id: UserId,
    input: NewUser,
    password_hash: String,
    now: chrono::NaiveDateTime,
) -> UserRow {
    UserRow {
        id: id.to_string(),
        email: input.email,
        display_name: input.display_name,
        role: input.role.as_str().to_owned(),
        employee_id: input.employee_id.map(|e| e.to_string()),
        active: true,
        password_hash,
        created_at: now,
        updated_at: now,
        last_login_at: None,
        token_generation: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stable id per test name.
    fn uid(name: &str) -> UserId {
        UserId::from(uuid::Uuid::from_u128(
            name.bytes()
                .fold(1u128, |a, b| a.wrapping_mul(257) + u128::from(b)),
        ))
    }

    fn who(role: Role, id: &str) -> Principal {
        Principal {
            user_id: uid(id),
            role,
            employee_id: None,
            via: crate::auth::Via::Token,
        }
    }

    fn row(id: &str, role: Role) -> UserRow {
        let now = chrono::Utc::now().naive_utc();
        UserRow {
            id: uid(id).to_string(),
            email: format!("{id}@example.com"),
            display_name: id.into(),
            role: role.as_str().into(),
            employee_id: None,
            active: true,
            password_hash: String::new(),
            created_at: now,
            updated_at: now,
            last_login_at: None,
            token_generation: 0,
        }
    }

    #[test]
    fn nobody_changes_their_own_role_link_or_active_flag() {
        for role in [Role::Admin, Role::Hr, Role::Manager, Role::Employee] {
            let me = who(role, "me");
            for patch in [
                UserPatch {
                    role: Some(Role::Admin),
                    ..Default::default()
                },
                UserPatch {
                    employee_id: Some(Some(EmployeeId::generate())),
                    ..Default::default()
                },
                UserPatch {
                    active: Some(true),
                    ..Default::default()
                },
            ] {
                assert_eq!(
                    may_update(&me, &row("me", role), &patch),
                    Err(Denied::OwnAccess)
                );
            }
            let name = UserPatch {
                display_name: Some("New".into()),
                ..Default::default()
            };
            assert_eq!(may_update(&me, &row("me", role), &name), Ok(()));
        }
    }

    #[test]
    fn changing_ones_own_password_needs_the_current_one() {
        let me = who(Role::Employee, "me");
        let p = UserPatch {
            password: Some("a new long password".into()),
            ..Default::default()
        };
        assert_eq!(
            may_update(&me, &row("me", Role::Employee), &p),
            Err(Denied::CurrentPasswordRequired)
        );
    }

    #[test]
    fn hr_cannot_create_or_grant_admin() {
        let hr = who(Role::Hr, "hr");
        assert!(may_create(&hr, Role::Admin).is_err());
        assert!(may_create(&hr, Role::Manager).is_ok());
        let p = UserPatch {
            role: Some(Role::Admin),
            ..Default::default()
        };
        assert!(may_update(&hr, &row("x", Role::Employee), &p).is_err());
        assert!(may_create(&who(Role::Manager, "m"), Role::Employee).is_err());
    }

    #[test]
    fn scopes_follow_the_role_matrix() {
        assert_eq!(scope_for(&who(Role::Admin, "a")), UserScope::All);
        assert_eq!(scope_for(&who(Role::Hr, "h")), UserScope::NonAdmin);
        assert_eq!(
            scope_for(&who(Role::Employee, "e")),
            UserScope::Own(uid("e"))
        );
    }

    #[test]
    fn login_input_no_account_could_have_is_refused_early() {
        assert!(login_is_plausible("ada@example.com", "a password"));
        assert!(login_is_plausible(" ada@example.com\n", "a password"));
        assert!(!login_is_plausible("ada\u{0}@example.com", "a password"));
        assert!(!login_is_plausible(&"a".repeat(255), "a password"));
        assert!(!login_is_plausible("ada@example.com", &"p".repeat(1025)));
    }

    #[test]
    fn weak_passwords_and_bad_roles_are_reported_together() {
        let req = CreateUserRequest {
            email: "not-an-email".into(),
            display_name: " ".into(),
            role: "root".into(),
            employee_id: Some("42".into()),
            password: "short".into(),
        };
        let errs = validate_create(req, 12).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_ref()).collect();
        assert_eq!(
            fields,
            ["email", "display_name", "role", "employee_id", "password"]
        );
        assert!(
            errs.iter().all(|e| !e.message.contains("short")),
            "never echo the password"
        );
    }
}
