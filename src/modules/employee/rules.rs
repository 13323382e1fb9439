//! Employee rules as plain functions over plain data: request validation, the
//! manager chain, updates and termination. No database, no actors.

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::model::*;
use crate::auth::{Principal, Role};
use crate::error::FieldError;
use crate::shared::{collect as check, invalid, null_not_allowed};

/// Which employee records a caller can see (applied inside the query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmployeeScope {
    /// Every record (admin, hr).
    All,
    /// This record and everyone reporting to it, directly or indirectly (manager).
    Chain(EmployeeId),
    /// Only this record (employee).
    Own(EmployeeId),
    /// Nothing (an account not linked to an employee record).
    Nothing,
}

/// The records `who` may see: admin and hr all; a manager their chain and
/// themselves; an employee their own record.
pub fn scope_for(who: &Principal) -> EmployeeScope {
    match (who.role, &who.employee_id) {
        (Role::Admin | Role::Hr, _) => EmployeeScope::All,
        (Role::Manager, Some(id)) => EmployeeScope::Chain(*id),
        (Role::Employee, Some(id)) => EmployeeScope::Own(*id),
        (Role::Manager | Role::Employee, None) => EmployeeScope::Nothing,
    }
}

/// Whether `who` may create, change or terminate employee records: admin and
/// hr only. Managers and employees read.
pub fn may_write(who: &Principal) -> bool {
    matches!(who.role, Role::Admin | Role::Hr)
}

/// Earliest accepted hire date.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// How far ahead a hire or termination date may lie (pre-boarding, notice periods).
pub const MAX_DAYS_AHEAD: u64 = 366;

/// Longest manager chain walked before giving up (guards against corrupt data).
pub const MAX_CHAIN_DEPTH: usize = 10_000;

fn date_field(field: &'static str, raw: &str, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    let date = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        FieldError::new(
            field,
            "invalid_date",
            format!("{field} must be a date as YYYY-MM-DD"),
        )
    })?;
    let latest = today
        .checked_add_days(Days::new(MAX_DAYS_AHEAD))
        .unwrap_or(today);
    if date < earliest_date() || date > latest {
        return Err(FieldError::new(
            field,
            "out_of_range",
            format!("{field} must be between 1900-01-01 and one year from today"),
        ));
    }
    Ok(date)
}

fn id_field(field: &'static str, raw: &str) -> Result<EmployeeId, FieldError> {
    raw.trim().parse().map_err(|_| {
        FieldError::new(
            field,
            "invalid_id",
            format!("{field} must be an employee id (UUID)"),
        )
    })
}

fn status_field(raw: &str) -> Result<EmployeeStatus, FieldError> {
    match EmployeeStatus::parse(raw) {
        Some(EmployeeStatus::Terminated) => Err(FieldError::new(
            "status",
            "use_terminate",
            "status cannot be set to terminated; use DELETE /api/v1/employees/{id}",
        )),
        Some(s) => Ok(s),
        None => Err(FieldError::new(
            "status",
            "invalid_value",
            "status must be active or on_leave",
        )),
    }
}

fn text<T, M: std::fmt::Display>(field: &'static str, r: Result<T, M>) -> Result<T, FieldError> {
    r.map_err(|m| invalid(field, m))
}

fn time_zone_field(raw: &str) -> Result<TimeZone, FieldError> {
    text("time_zone", TimeZone::parse(raw))
}

/// Validates a create request into a [`NewEmployee`], reporting every bad field.
pub fn validate_create(
    req: CreateEmployeeRequest,
    today: NaiveDate,
) -> Result<NewEmployee, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = check(&mut errors, text("name", PersonName::parse(&req.name)));
    let age = check(
        &mut errors,
        Age::parse(req.age).map_err(|m| FieldError::new("age", "out_of_range", format!("age {m}"))),
    );
    let email = match req.email.as_deref() {
        None => Some(None),
        Some(raw) => check(&mut errors, text("email", WorkEmail::parse(raw))).map(Some),
    };
    let department = match req.department.as_deref() {
        None => Some(None),
        Some(raw) => check(&mut errors, text("department", Label::parse(raw))).map(Some),
    };
    let position = match req.position.as_deref() {
        None => Some(None),
        Some(raw) => check(&mut errors, text("position", Label::parse(raw))).map(Some),
    };
    let manager_id = match req.manager_id.as_deref() {
        None => Some(None),
        Some(raw) => check(&mut errors, id_field("manager_id", raw)).map(Some),
    };
    let hire_date = match req.hire_date.as_deref() {
        None => Some(today),
        Some(raw) => check(&mut errors, date_field("hire_date", raw, today)),
    };
    let status = match req.status.as_deref() {
        None => Some(EmployeeStatus::Active),
        Some(raw) => check(&mut errors, status_field(raw)),
    };
    let time_zone = match req.time_zone.as_deref() {
        None => Some(None),
        Some(raw) => check(&mut errors, time_zone_field(raw)).map(Some),
    };
    match (
        name, age, email, department, position, manager_id, hire_date, status, time_zone,
    ) {
        (
            Some(name),
            Some(age),
            Some(email),
            Some(department),
            Some(position),
            Some(manager_id),
            Some(hire_date),
            Some(status),
            Some(time_zone),
        ) if errors.is_empty() => Ok(NewEmployee {
            name,
            age,
            email,
            department,
            position,
            manager_id,
            hire_date,
            status,
            time_zone,
        }),
        _ => Err(errors),
    }
}

/// Validates a partial update, reporting every bad field.
pub fn validate_patch(
    req: UpdateEmployeeRequest,
    today: NaiveDate,
) -> Result<EmployeePatch, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut patch = EmployeePatch::default();
    match req.name {
        None => {}
        Some(None) => errors.push(null_not_allowed("name")),
        Some(Some(raw)) => patch.name = check(&mut errors, text("name", PersonName::parse(&raw))),
    }
    match req.age {
        None => {}
        Some(None) => errors.push(null_not_allowed("age")),
        Some(Some(raw)) => {
            patch.age = check(
                &mut errors,
                Age::parse(raw)
                    .map_err(|m| FieldError::new("age", "out_of_range", format!("age {m}"))),
            )
        }
    }
    match req.email {
        None => {}
        Some(None) => patch.email = Some(None),
        Some(Some(raw)) => {
            patch.email = check(&mut errors, text("email", WorkEmail::parse(&raw))).map(Some)
        }
    }
    match req.department {
        None => {}
        Some(None) => patch.department = Some(None),
        Some(Some(raw)) => {
            patch.department = check(&mut errors, text("department", Label::parse(&raw))).map(Some)
        }
    }
    match req.position {
        None => {}
        Some(None) => patch.position = Some(None),
        Some(Some(raw)) => {
            patch.position = check(&mut errors, text("position", Label::parse(&raw))).map(Some)
        }
    }
    match req.manager_id {
        None => {}
        Some(None) => patch.manager_id = Some(None),
        Some(Some(raw)) => {
            patch.manager_id = check(&mut errors, id_field("manager_id", &raw)).map(Some)
        }
    }
    match req.hire_date {
        None => {}
        Some(None) => errors.push(null_not_allowed("hire_date")),
        Some(Some(raw)) => {
            patch.hire_date = check(&mut errors, date_field("hire_date", &raw, today))
        }
    }
    match req.status {
        None => {}
        Some(None) => errors.push(null_not_allowed("status")),
        Some(Some(raw)) => patch.status = check(&mut errors, status_field(&raw)),
    }
    match req.time_zone {
        None => {}
        Some(None) => errors.push(null_not_allowed("time_zone")),
        Some(Some(raw)) => patch.time_zone = check(&mut errors, time_zone_field(&raw)),
    }
    if errors.is_empty() {
        Ok(patch)
    } else {
        Err(errors)
    }
}

/// Validates list filters and the page window (limit capped at [`Page::MAX_LIMIT`]).
pub fn validate_list(q: ListEmployeesQuery) -> Result<(EmployeeFilter, Page), Vec<FieldError>> {
    let mut errors = Vec::new();
    let status = match q.status.as_deref() {
        None => None,
        Some(raw) => check(
            &mut errors,
            EmployeeStatus::parse(raw).ok_or_else(|| {
                FieldError::new(
                    "status",
                    "invalid_value",
                    "status must be active, on_leave or terminated",
                )
            }),
        ),
    };
    let manager_id = match q.manager_id.as_deref() {
        None => None,
        Some(raw) => check(&mut errors, id_field("manager_id", raw)),
    };
    let department = match q.department.as_deref() {
        None => None,
        Some(raw) => check(&mut errors, text("department", Label::parse(raw))).map(String::from),
    };
    let page = Page::parse(q.limit, q.offset)
        .map_err(|e| errors.extend(e))
        .ok();
    match page {
        Some(page) if errors.is_empty() => Ok((
            EmployeeFilter {
                department,
                status,
                manager_id,
            },
            page,
        )),
        _ => Err(errors),
    }
}

/// Validates the termination date (default today); it may not precede the hire date.
pub fn termination_date(
    raw: Option<&str>,
    hire_date: NaiveDate,
    today: NaiveDate,
) -> Result<NaiveDate, FieldError> {
    let date = match raw {
        None => today,
        Some(raw) => date_field("termination_date", raw, today)?,
    };
    if date < hire_date {
        return Err(FieldError::new(
            "termination_date",
            "before_hire_date",
            "termination_date must not be before the hire date",
        ));
    }
    Ok(date)
}

/// Why a manager assignment is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerProblem {
    /// An employee cannot manage themself.
    IsSelf,
    /// The assignment would close a loop in the reporting chain.
    Cycle,
}

/// Checks that making `manager` the manager of `employee` keeps the reporting
/// lines a forest: walks up from `manager` through `manager_of` and fails if it
/// reaches `employee`. `manager_of` returns a record's manager (or `None` at the top).
pub fn check_manager_chain<E>(
    employee: &str,
    manager: &str,
    mut manager_of: impl FnMut(&str) -> Result<Option<String>, E>,
) -> Result<Result<(), ManagerProblem>, E> {
    if employee == manager {
        return Ok(Err(ManagerProblem::IsSelf));
    }
    let mut current = manager.to_owned();
    for _ in 0..MAX_CHAIN_DEPTH {
        match manager_of(&current)? {
            None => return Ok(Ok(())),
            Some(next) if next == employee => return Ok(Err(ManagerProblem::Cycle)),
            Some(next) => current = next,
        }
    }
    Ok(Err(ManagerProblem::Cycle))
}

/// Applies a patch to a row; returns the names of the fields that really changed.
pub fn apply_patch(
    row: &mut EmployeeRow,
    patch: EmployeePatch,
    now: NaiveDateTime,
) -> Vec<&'static str> {
    let mut changed = Vec::new();
    fn set<T: PartialEq>(
        slot: &mut T,
        value: T,
        name: &'static str,
        changed: &mut Vec<&'static str>,
    ) {
        if *slot != value {
            *slot = value;
            changed.push(name);
        }
    }
    if let Some(v) = patch.name {
        set(&mut row.name, v.into(), "name", &mut changed);
    }
    if let Some(v) = patch.age {
        set(&mut row.age, v.get(), "age", &mut changed);
    }
    if let Some(v) = patch.email {
        set(&mut row.email, v.map(String::from), "email", &mut changed);
    }
    if let Some(v) = patch.department {
        set(
            &mut row.department,
            v.map(String::from),
            "department",
            &mut changed,
        );
    }
    if let Some(v) = patch.position {
        set(
            &mut row.position,
            v.map(String::from),
            "position",
            &mut changed,
        );
    }
    if let Some(v) = patch.manager_id {
        set(
            &mut row.manager_id,
            v.map(|id| id.to_string()),
            "manager_id",
            &mut changed,
        );
    }
    if let Some(v) = patch.hire_date {
        set(&mut row.hire_date, v, "hire_date", &mut changed);
    }
    if let Some(v) = patch.status {
        set(
            &mut row.status,
            v.as_str().to_owned(),
            "status",
            &mut changed,
        );
    }
    if let Some(v) = patch.time_zone {
        set(
            &mut row.time_zone,
            v.name().to_owned(),
            "time_zone",
            &mut changed,
        );
    }
    if !changed.is_empty() {
        row.updated_at = now;
    }
    changed
}

/// A fresh row for a validated new employee.
pub fn new_row(id: EmployeeId, e: NewEmployee, now: NaiveDateTime) -> EmployeeRow {
    EmployeeRow {
        id: id.to_string(),
        name: e.name.into(),
        age: e.age.get(),
        email: e.email.map(String::from),
        department: e.department.map(String::from),
        position: e.position.map(String::from),
        manager_id: e.manager_id.map(|m| m.to_string()),
        hire_date: e.hire_date,
        status: e.status.as_str().to_owned(),
        termination_date: None,
        created_at: now,
        updated_at: now,
        time_zone: e.time_zone.unwrap_or(TimeZone::UTC).name().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn scopes_follow_the_role_matrix() {
        let (m, e) = (EmployeeId::generate(), EmployeeId::generate());
        let who = |role, emp: Option<EmployeeId>| Principal {
            user_id: crate::shared::UserId::generate(),
            role,
            employee_id: emp,
            via: crate::auth::Via::Token,
        };
        assert_eq!(scope_for(&who(Role::Admin, None)), EmployeeScope::All);
        assert_eq!(scope_for(&who(Role::Hr, Some(e))), EmployeeScope::All);
        assert_eq!(
            scope_for(&who(Role::Manager, Some(m))),
            EmployeeScope::Chain(m)
        );
        assert_eq!(
            scope_for(&who(Role::Employee, Some(e))),
            EmployeeScope::Own(e)
        );
        assert_eq!(scope_for(&who(Role::Manager, None)), EmployeeScope::Nothing);
        assert!(may_write(&who(Role::Hr, None)));
        assert!(!may_write(&who(Role::Manager, Some(m))));
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 26).unwrap()
    }

    fn create(name: &str, age: i64) -> CreateEmployeeRequest {
        CreateEmployeeRequest {
            name: name.into(),
            age,
            email: None,
            department: None,
            position: None,
            manager_id: None,
            hire_date: None,
            status: None,
            time_zone: None,
        }
    }

    fn fields(errs: &[FieldError]) -> Vec<&str> {
        errs.iter().map(|e| e.field.as_ref()).collect()
    }

    #[test]
    fn an_old_client_body_with_name_and_age_only_is_valid() {
        let e = validate_create(create("  Ada Lovelace ", 36), today()).unwrap();
        assert_eq!(e.name.as_str(), "Ada Lovelace");
        assert_eq!(e.hire_date, today());
        assert_eq!(e.status, EmployeeStatus::Active);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut req = create("", 12);
        req.email = Some("not-an-email".into());
        req.hire_date = Some("2026-13-01".into());
        req.manager_id = Some("42".into());
        let errs = validate_create(req, today()).unwrap_err();
        assert_eq!(
            fields(&errs),
            ["name", "age", "email", "manager_id", "hire_date"]
        );
    }

    #[test]
    fn ages_outside_working_age_are_rejected() {
        assert!(Age::parse(15).is_err());
        assert!(Age::parse(16).is_ok());
        assert!(Age::parse(100).is_ok());
        assert!(Age::parse(101).is_err());
        assert!(Age::parse(i64::MAX).is_err());
    }

    #[test]
    fn hire_dates_far_in_the_past_or_future_are_rejected() {
        let mut req = create("A", 30);
        req.hire_date = Some("1899-12-31".into());
        assert_eq!(
            fields(&validate_create(req, today()).unwrap_err()),
            ["hire_date"]
        );
        let mut req = create("A", 30);
        req.hire_date = Some("2030-01-01".into());
        assert_eq!(
            validate_create(req, today()).unwrap_err()[0].code,
            "out_of_range"
        );
    }

    #[test]
    fn status_terminated_cannot_be_set_directly() {
        let mut req = create("A", 30);
        req.status = Some("terminated".into());
        assert_eq!(
            validate_create(req, today()).unwrap_err()[0].code,
            "use_terminate"
        );
    }

    #[test]
    fn a_patch_tells_null_from_absent() {
        let req: UpdateEmployeeRequest =
            serde_json::from_str(r#"{"department": null, "age": 40}"#).unwrap();
        let p = validate_patch(req, today()).unwrap();
        assert_eq!(p.department, Some(None));
        assert!(p.position.is_none());
        assert_eq!(p.age.map(Age::get), Some(40));
        let req: UpdateEmployeeRequest = serde_json::from_str(r#"{"name": null}"#).unwrap();
        assert_eq!(
            validate_patch(req, today()).unwrap_err()[0].code,
            "null_not_allowed"
        );
    }

    #[test]
    fn list_limits_are_capped_and_negative_values_rejected() {
        let (_, page) = validate_list(ListEmployeesQuery {
            limit: Some(10_000),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(page.limit, Page::MAX_LIMIT);
        let errs = validate_list(ListEmployeesQuery {
            limit: Some(0),
            offset: Some(-1),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(fields(&errs), ["limit", "offset"]);
    }

    #[test]
    fn termination_before_hire_is_rejected() {
        let hired = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        assert_eq!(termination_date(None, hired, today()).unwrap(), today());
        assert_eq!(
            termination_date(Some("2026-05-31"), hired, today())
                .unwrap_err()
                .code,
            "before_hire_date"
        );
    }

    fn chain(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn walk(
        map: &HashMap<String, String>,
        employee: &str,
        manager: &str,
    ) -> Result<(), ManagerProblem> {
        check_manager_chain::<()>(employee, manager, |id| Ok(map.get(id).cloned())).unwrap()
    }

    #[test]
    fn a_manager_chain_that_would_loop_is_refused() {
        // c reports to b, b reports to a.
        let map = chain(&[("c", "b"), ("b", "a")]);
        assert_eq!(walk(&map, "a", "c"), Err(ManagerProblem::Cycle));
        assert_eq!(walk(&map, "a", "a"), Err(ManagerProblem::IsSelf));
        assert_eq!(walk(&map, "d", "c"), Ok(()));
    }

    #[test]
    fn applying_a_patch_reports_only_real_changes() {
        let now = today().and_hms_opt(12, 0, 0).unwrap();
        let e = validate_create(create("A", 30), today()).unwrap();
        let mut row = new_row(EmployeeId::generate(), e, now);
        let later = now + chrono::Duration::hours(1);
        let patch = EmployeePatch {
            age: Some(Age::parse(30).unwrap()),
            ..Default::default()
        };
        assert!(apply_patch(&mut row, patch, later).is_empty());
        assert_eq!(row.updated_at, now);
        let patch = EmployeePatch {
            age: Some(Age::parse(31).unwrap()),
            department: Some(None),
            ..Default::default()
        };
        assert_eq!(apply_patch(&mut row, patch, later), ["age"]);
        assert_eq!(row.updated_at, later);
    }
}
