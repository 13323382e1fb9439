//! Employee types: the database row, the validated domain inputs, and the
//! request/response bodies of the HTTP API.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::contract::EmployeeFacts;
use crate::db::schema::employees;
use crate::shared::{present, present_whole_number, whole_number};
pub use crate::shared::{EmployeeId, Label, Page, PersonName, TimeZone, WorkEmail};

/// Employment status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EmployeeStatus {
    /// Working.
    Active,
    /// On long leave; still employed.
    OnLeave,
    /// Employment ended; the record is kept.
    Terminated,
}

impl EmployeeStatus {
    /// Stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            EmployeeStatus::Active => "active",
            EmployeeStatus::OnLeave => "on_leave",
            EmployeeStatus::Terminated => "terminated",
        }
    }

    /// Parses [`EmployeeStatus::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(EmployeeStatus::Active),
            "on_leave" => Some(EmployeeStatus::OnLeave),
            "terminated" => Some(EmployeeStatus::Terminated),
            _ => None,
        }
    }
}

/// An age within the working-age range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age(i32);

/// Youngest and oldest accepted age.
pub const AGE_RANGE: std::ops::RangeInclusive<i64> = 16..=100;

impl Age {
    /// Accepts [`AGE_RANGE`].
    pub fn parse(raw: i64) -> Result<Self, &'static str> {
        if AGE_RANGE.contains(&raw) {
            i32::try_from(raw).map(Self).map_err(|_| "out of range")
        } else {
            Err("must be between 16 and 100")
        }
    }

    /// The age.
    pub fn get(self) -> i32 {
        self.0
    }
}

/// A validated new employee.
#[derive(Debug, Clone)]
pub struct NewEmployee {
    /// Name.
    pub name: PersonName,
    /// Age.
    pub age: Age,
    /// Work e-mail, optional for old clients.
    pub email: Option<WorkEmail>,
    /// Department.
    pub department: Option<Label>,
    /// Position.
    pub position: Option<Label>,
    /// Manager.
    pub manager_id: Option<EmployeeId>,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// `active` or `on_leave`.
    pub status: EmployeeStatus,
    /// IANA time zone; `None` = the configured default (`HRMS_DEFAULT_TIME_ZONE`),
    /// which the actor fills in ([`super::rules::new_row`] falls back to UTC).
    pub time_zone: Option<TimeZone>,
}

/// A validated partial update: `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EmployeePatch {
    /// New name.
    pub name: Option<PersonName>,
    /// New age.
    pub age: Option<Age>,
    /// New or cleared e-mail.
    pub email: Option<Option<WorkEmail>>,
    /// New or cleared department.
    pub department: Option<Option<Label>>,
    /// New or cleared position.
    pub position: Option<Option<Label>>,
    /// New or cleared manager.
    pub manager_id: Option<Option<EmployeeId>>,
    /// New hire date.
    pub hire_date: Option<NaiveDate>,
    /// `active` or `on_leave`.
    pub status: Option<EmployeeStatus>,
    /// New time zone (cannot be cleared).
    pub time_zone: Option<TimeZone>,
}

/// Validated list filters.
#[derive(Debug, Clone, Default)]
pub struct EmployeeFilter {
    /// Exact department.
    pub department: Option<String>,
    /// Status.
    pub status: Option<EmployeeStatus>,
    /// Direct manager.
    pub manager_id: Option<EmployeeId>,
}

/// The `employees` row.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = employees)]
#[diesel(treat_none_as_null = true)]
pub struct EmployeeRow {
    /// UUID v7.
    pub id: String,
    /// Name.
    pub name: String,
    /// Age.
    pub age: i32,
    /// Lower-cased work e-mail.
    pub email: Option<String>,
    /// Department.
    pub department: Option<String>,
    /// Position.
    pub position: Option<String>,
    /// Manager's id.
    pub manager_id: Option<String>,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// [`EmployeeStatus::as_str`].
    pub status: String,
    /// Set on termination.
    pub termination_date: Option<NaiveDate>,
    /// UTC.
    pub created_at: NaiveDateTime,
    /// UTC.
    pub updated_at: NaiveDateTime,
    /// IANA time zone name (valid: only [`TimeZone`] values are stored).
    pub time_zone: String,
}

impl EmployeeRow {
    /// Whether the employment has ended.
    pub fn is_terminated(&self) -> bool {
        self.status == EmployeeStatus::Terminated.as_str()
    }

    /// What other modules may know of this record (no personal data).
    pub fn facts(&self) -> Result<EmployeeFacts, anyhow::Error> {
        use anyhow::Context;
        Ok(EmployeeFacts {
            id: self
                .id
                .parse()
                .context("stored employee id is not a UUID")?,
            status: EmployeeStatus::parse(&self.status)
                .with_context(|| format!("stored employee status {:?} unknown", self.status))?,
            hire_date: self.hire_date,
            termination_date: self.termination_date,
            manager_id: self
                .manager_id
                .as_deref()
                .map(str::parse)
                .transpose()
                .context("stored manager id is not a UUID")?,
            time_zone: TimeZone::parse(&self.time_zone)
                .map_err(|m| anyhow::anyhow!("stored time zone {}: {m}", self.time_zone))?,
        })
    }
}

/// `POST /api/v1/employees` body. `name` and `age` keep the old API's meaning.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEmployeeRequest {
    /// Full name.
    #[schema(value_type = PersonName)]
    pub name: String,
    /// Age in years, 16 to 100.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 16, maximum = 100)]
    pub age: i64,
    /// Work e-mail, unique among employees (409 `email_taken`).
    #[serde(default)]
    #[schema(value_type = Option<WorkEmail>)]
    pub email: Option<String>,
    /// Department.
    #[serde(default)]
    #[schema(value_type = Option<Label>)]
    pub department: Option<String>,
    /// Position.
    #[serde(default)]
    #[schema(value_type = Option<Label>)]
    pub position: Option<String>,
    /// Manager's employee id: an existing, not terminated employee.
    #[serde(default)]
    #[schema(value_type = Option<EmployeeId>)]
    pub manager_id: Option<String>,
    /// Hire date, from 1900-01-01 to one year from today; default today.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub hire_date: Option<String>,
    /// `active` (default) or `on_leave`; `terminated` only through DELETE.
    #[serde(default)]
    #[schema(value_type = Option<NewEmployeeStatus>)]
    pub status: Option<String>,
    /// IANA time zone of the employee's local days; default `HRMS_DEFAULT_TIME_ZONE` (`UTC`).
    #[serde(default)]
    #[schema(value_type = Option<TimeZone>)]
    pub time_zone: Option<String>,
}

/// The status a record may be given directly: terminating is `DELETE`.
#[derive(Debug, Clone, Copy, ToSchema)]
#[expect(
    dead_code,
    reason = "documentation type: the OpenAPI schema of the statuses a request may set"
)]
#[schema(rename_all = "snake_case")]
pub enum NewEmployeeStatus {
    /// Working.
    Active,
    /// On long leave; still employed.
    OnLeave,
}

/// `PATCH /api/v1/employees/{id}` body: only the fields present change; `null`
/// clears an optional field.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEmployeeRequest {
    /// Full name (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = PersonName)]
    pub name: Option<Option<String>>,
    /// Age in years, 16 to 100 (cannot be cleared).
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 16, maximum = 100)]
    pub age: Option<Option<i64>>,
    /// Work e-mail; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<WorkEmail>)]
    pub email: Option<Option<String>>,
    /// Department; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Label>)]
    pub department: Option<Option<String>>,
    /// Position; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Label>)]
    pub position: Option<Option<String>>,
    /// Manager's employee id; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<EmployeeId>)]
    pub manager_id: Option<Option<String>>,
    /// Hire date, from 1900-01-01 to one year from today (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = NaiveDate)]
    pub hire_date: Option<Option<String>>,
    /// `active` or `on_leave` (terminate with DELETE; cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = NewEmployeeStatus)]
    pub status: Option<Option<String>>,
    /// IANA time zone (cannot be cleared).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = TimeZone)]
    pub time_zone: Option<Option<String>>,
}

impl UpdateEmployeeRequest {
    /// The patch a full replacement (`PUT`, with the create body) amounts to:
    /// every writable field is set, absent optional ones (`email`, `department`,
    /// `position`, `manager_id`) are cleared; fields without an empty value
    /// (`hire_date`, `status`, `time_zone`) keep theirs when absent.
    pub fn replacing(body: CreateEmployeeRequest) -> Self {
        Self {
            name: Some(Some(body.name)),
            age: Some(Some(body.age)),
            email: Some(body.email),
            department: Some(body.department),
            position: Some(body.position),
            manager_id: Some(body.manager_id),
            hire_date: body.hire_date.map(Some),
            status: body.status.map(Some),
            time_zone: body.time_zone.map(Some),
        }
    }
}

/// `GET /api/v1/employees` query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListEmployeesQuery {
    /// Only this department (exact match, after trimming).
    #[param(value_type = Label, required = false)]
    pub department: Option<String>,
    /// Only this status.
    #[param(value_type = EmployeeStatus, required = false)]
    pub status: Option<String>,
    /// Only the direct reports of this employee.
    #[param(value_type = EmployeeId, required = false)]
    pub manager_id: Option<String>,
    /// Page size: default 50; values above 200 are capped to 200 (not rejected).
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

/// `DELETE /api/v1/employees/{id}` query.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TerminateQuery {
    /// Last day of employment, from the hire date to one year from today; default today.
    #[param(value_type = NaiveDate, required = false)]
    pub termination_date: Option<String>,
}

/// An employee as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployeeResponse {
    /// Id.
    #[schema(value_type = EmployeeId)]
    pub id: String,
    /// Name.
    pub name: String,
    /// Age.
    pub age: i32,
    /// Work e-mail, lower-cased.
    #[schema(required = true, format = Email)]
    pub email: Option<String>,
    /// Department.
    #[schema(required = true)]
    pub department: Option<String>,
    /// Position.
    #[schema(required = true)]
    pub position: Option<String>,
    /// Manager's id.
    #[schema(required = true, value_type = Option<EmployeeId>)]
    pub manager_id: Option<String>,
    /// Hire date.
    pub hire_date: NaiveDate,
    /// Status.
    #[schema(value_type = EmployeeStatus)]
    pub status: String,
    /// Termination date (set when terminated).
    #[schema(required = true)]
    pub termination_date: Option<NaiveDate>,
    /// IANA time zone of the employee's local days.
    #[schema(value_type = TimeZone)]
    pub time_zone: String,
    /// Creation time (UTC).
    pub created_at: DateTime<Utc>,
    /// Last change (UTC).
    pub updated_at: DateTime<Utc>,
}

impl From<EmployeeRow> for EmployeeResponse {
    fn from(r: EmployeeRow) -> Self {
        Self {
            id: r.id,
            name: r.name,
            age: r.age,
            email: r.email,
            department: r.department,
            position: r.position,
            manager_id: r.manager_id,
            hire_date: r.hire_date,
            status: r.status,
            termination_date: r.termination_date,
            time_zone: r.time_zone,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// One page of employees.
#[derive(Debug, Serialize, ToSchema)]
pub struct EmployeePage {
    /// The page.
    pub items: Vec<EmployeeResponse>,
    /// Matching records in all pages.
    #[schema(minimum = 0)]
    pub total: i64,
    /// Page size used (the requested one, capped at 200).
    #[schema(minimum = 1, maximum = 200)]
    pub limit: i64,
    /// Offset used.
    #[schema(minimum = 0)]
    pub offset: i64,
}
