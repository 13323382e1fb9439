//! Employee types: the database row, the validated domain inputs, and the
//! request/response bodies of the HTTP API.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};
use uuid::Uuid;

use crate::db::schema::employees;
use crate::shared::present;
pub use crate::shared::{Page, WorkEmail, EMAIL_MAX};

/// Id of an employee record (UUID v7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EmployeeId(Uuid);

impl EmployeeId {
    /// A new time-ordered id.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }
}

impl fmt::Display for EmployeeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for EmployeeId {
    type Err = uuid::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s).map(Self)
    }
}

impl<'de> Deserialize<'de> for EmployeeId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse()
            .map_err(|_| serde::de::Error::custom("employee id must be a UUID"))
    }
}

impl Serialize for EmployeeId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl PartialSchema for EmployeeId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
            .description(Some("An employee id (UUID)."))
            .into()
    }
}

impl ToSchema for EmployeeId {}

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

/// A name as the person wants it written: trimmed, 1 to 200 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonName(String);

/// An age within the working-age range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Age(i32);

/// A department or position name: trimmed, 1 to 100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

macro_rules! string_newtype {
    ($t:ident) => {
        impl $t {
            /// The validated text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.0
            }
        }
    };
}
string_newtype!(PersonName);
string_newtype!(Label);

/// Youngest and oldest accepted age.
pub const AGE_RANGE: std::ops::RangeInclusive<i64> = 16..=100;
/// Longest accepted name.
pub const NAME_MAX: usize = 200;
/// Longest accepted department or position.
pub const LABEL_MAX: usize = 100;

impl PartialSchema for PersonName {
    fn schema() -> RefOr<Schema> {
        crate::http::openapi::schema::trimmed_text(NAME_MAX, "A person's name as they write it;")
    }
}

impl ToSchema for PersonName {}

impl PartialSchema for Label {
    fn schema() -> RefOr<Schema> {
        crate::http::openapi::schema::trimmed_text(LABEL_MAX, "A department or position name;")
    }
}

impl ToSchema for Label {}

impl PersonName {
    /// Trims; rejects empty, over-long or control characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("must not be empty");
        }
        if s.chars().count() > NAME_MAX {
            return Err("must be at most 200 characters");
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(s.to_owned()))
    }
}

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

impl Label {
    /// Trims; rejects empty, over-long or control characters.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("must not be empty (send null to clear it)");
        }
        if s.chars().count() > LABEL_MAX {
            return Err("must be at most 100 characters");
        }
        if s.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(Self(s.to_owned()))
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
}

impl EmployeeRow {
    /// Whether the employment has ended.
    pub fn is_terminated(&self) -> bool {
        self.status == EmployeeStatus::Terminated.as_str()
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
}

/// The status a record may be given directly: terminating is `DELETE`.
#[derive(Debug, Clone, Copy, ToSchema)]
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
}

/// An integer field: any JSON number without a fractional part (`36` or
/// `36.0`, which JSON Schema's `integer` also allows) within `i64`.
fn whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct Whole;
    impl serde::de::Visitor<'_> for Whole {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("integer out of range"))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<i64, E> {
            // i64::MAX as f64 rounds up to 2^63, which is out of range.
            if v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
                Ok(v as i64)
            } else {
                Err(E::invalid_type(serde::de::Unexpected::Float(v), &self))
            }
        }
    }
    d.deserialize_any(Whole)
}

/// [`whole_number`] for a field that may be absent or null.
fn present_whole_number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "whole_number")] i64);
    Option::<W>::deserialize(d).map(|w| Some(w.map(|W(v)| v)))
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
