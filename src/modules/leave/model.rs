//! The leave API's request and response shapes, and their translation into the
//! rules' values. Quantities are days in the API (multiples of 0.5) and half
//! days inside. A malformed field is `validation_failed`; a rule a value breaks
//! keeps the rule's code (see `docs/leave-rules.md`).

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::balance::{Balance, EntryKind};
use super::calendar::{Holiday, HolidayPart, WorkCalendar};
use super::domain::{DayPart, HalfDays, LeaveDays, MonthDay, RequestStatus};
use super::errors::{LeaveError, ModuleError};
use super::policy::{ApprovalRoute, CarryOver, LeavePolicy, PastDates};
use crate::error::FieldError;
use crate::shared::{
    invalid, present_whole_number, whole_number, CalendarId, EmployeeId, Label, LeaveRequestId,
    LedgerEntryId, Page,
};

/// Longest note on a request.
pub const NOTE_MAX: usize = 2000;

/// Who may request dates before today.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PastDatesWho {
    /// Nobody.
    Nobody,
    /// HR and admin only.
    #[default]
    HrOnly,
    /// Anyone who may file the request.
    Anyone,
}

/// Carry-over of unused days into the next leave year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CarryOverBody {
    /// Most days carried into the next leave year (multiple of 0.5); absent: 0
    /// (a merge patch of `carry_over` may name the expiry alone).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 366, multiple_of = 0.5, default = 0)]
    pub cap_days: f64,
    /// Last day (`MM-DD`, inside the next leave year) on which carried days may be
    /// used; `null`: they never expire.
    #[serde(default)]
    #[schema(pattern = r"^(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$", example = "03-31")]
    pub expires: Option<String>,
}

/// A leave type as created or (after a merge patch) replaced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveTypeInput {
    /// Stable code, `^[a-z][a-z0-9_]{0,31}$` (e.g. `annual`).
    #[schema(pattern = "^[a-z][a-z0-9_]{0,31}$", example = "annual")]
    pub code: String,
    /// Display name.
    #[schema(value_type = Label)]
    pub name: String,
    /// Paid leave (for payroll).
    #[serde(default = "yes")]
    pub paid: bool,
    /// Yearly allowance in days; `null`: a type without a balance.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 366, multiple_of = 0.5)]
    pub allowance_days: Option<f64>,
    /// Whether requests may start or end with a half day.
    #[serde(default = "yes")]
    pub half_days_allowed: bool,
    /// Whether weekends and holidays inside a range count.
    #[serde(default)]
    pub counts_non_working_days: bool,
    /// Largest run of consecutive leave days; `null` without limit.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3660)]
    pub max_consecutive_days: Option<Option<i64>>,
    /// Calendar days between today and the start, at least.
    #[serde(default, deserialize_with = "whole_number")]
    #[schema(value_type = i64, minimum = 0, maximum = 3660)]
    pub min_notice_days: i64,
    /// Who may request past dates.
    #[serde(default)]
    pub past_dates: PastDatesWho,
    /// How many days back a past request may start; `null` without limit.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3660)]
    pub past_dates_window_days: Option<Option<i64>>,
    /// How far below zero the balance may go, in days.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 366, multiple_of = 0.5)]
    pub negative_limit_days: f64,
    /// Carry-over into the next leave year; `null`: unused days lapse.
    #[serde(default, deserialize_with = "crate::http::object_or_null")]
    pub carry_over: Option<CarryOverBody>,
    /// Pro-rata allowance for employees hired or leaving during the year.
    #[serde(default)]
    pub pro_rata: bool,
    /// Who approves: `none` (auto-approved), `manager`, `hr`, `manager_then_hr`.
    #[serde(default = "manager")]
    #[schema(value_type = ApprovalRouteName)]
    pub approval: ApprovalRoute,
    /// Requests of this type may be filed over pending or approved leave of types
    /// with a balance, which give those days back (sickness during annual leave,
    /// CJEU C-277/08, C-78/11); default false, true for the shipped `sick`.
    #[serde(default)]
    pub interrupts_leave: bool,
    /// Inactive types cannot be requested; their history stays.
    #[serde(default = "yes")]
    pub active: bool,
}

/// The merge patch of a leave type (RFC 7386): the fields given replace the
/// current ones, `null` clears a nullable one. The code cannot change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "the OpenAPI shape of the patch; the handler merges JSON")]
pub struct LeaveTypePatch {
    #[schema(value_type = Label, required = false)]
    name: Option<String>,
    #[schema(value_type = bool, required = false)]
    paid: Option<bool>,
    #[schema(minimum = 0, maximum = 366, multiple_of = 0.5, nullable)]
    allowance_days: Option<f64>,
    #[schema(value_type = bool, required = false)]
    half_days_allowed: Option<bool>,
    #[schema(value_type = bool, required = false)]
    counts_non_working_days: Option<bool>,
    #[schema(minimum = 1, maximum = 3660, nullable)]
    max_consecutive_days: Option<i64>,
    #[schema(value_type = i64, required = false, minimum = 0, maximum = 3660)]
    min_notice_days: Option<i64>,
    #[schema(value_type = PastDatesWho, required = false)]
    past_dates: Option<PastDatesWho>,
    #[schema(minimum = 1, maximum = 3660, nullable)]
    past_dates_window_days: Option<i64>,
    #[schema(value_type = f64, required = false, minimum = 0, maximum = 366, multiple_of = 0.5)]
    negative_limit_days: Option<f64>,
    #[schema(nullable)]
    carry_over: Option<CarryOverBody>,
    #[schema(value_type = bool, required = false)]
    pro_rata: Option<bool>,
    #[schema(value_type = ApprovalRouteName, required = false)]
    approval: Option<ApprovalRoute>,
    #[schema(value_type = bool, required = false)]
    interrupts_leave: Option<bool>,
    #[schema(value_type = bool, required = false)]
    active: Option<bool>,
}

/// The approval routes (OpenAPI name of [`ApprovalRoute`]).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code, reason = "OpenAPI shape only")]
pub enum ApprovalRouteName {
    /// Auto-approved on filing.
    None,
    /// The employee's current manager (or HR/admin).
    Manager,
    /// HR or admin.
    Hr,
    /// The manager, then HR.
    ManagerThenHr,
}

fn yes() -> bool {
    true
}

fn manager() -> ApprovalRoute {
    ApprovalRoute::Manager
}

fn days_field(field: &'static str, v: f64, errors: &mut Vec<FieldError>) -> HalfDays {
    HalfDays::from_days(v).unwrap_or_else(|| {
        errors.push(invalid(field, "must be a number of days, a multiple of 0.5"));
        HalfDays::ZERO
    })
}

fn small_count(field: &'static str, v: i64, min: i64, errors: &mut Vec<FieldError>) -> u32 {
    if (min..=3660).contains(&v) {
        u32::try_from(v).unwrap_or(0)
    } else {
        errors.push(invalid(field, format!("must be between {min} and 3660")));
        0
    }
}

fn month_day(raw: &str) -> Option<MonthDay> {
    let (m, d) = raw.split_once('-')?;
    if m.len() != 2 || d.len() != 2 {
        return None;
    }
    MonthDay::new(m.parse().ok()?, d.parse().ok()?, "the carry-over expiry").ok()
}

impl LeaveTypeInput {
    /// The type's display name and policy, or the field problems; the policy's own
    /// rules are checked by [`LeavePolicy::validate`] (their codes).
    pub fn into_policy(self) -> Result<(String, LeavePolicy, bool), ModuleError> {
        let mut errors = Vec::new();
        let name = match Label::parse(&self.name) {
            Ok(n) => String::from(n),
            Err(m) => {
                errors.push(invalid("name", m));
                String::new()
            }
        };
        let allowance = self
            .allowance_days
            .map(|a| days_field("allowance_days", a, &mut errors));
        let negative_limit = days_field("negative_limit_days", self.negative_limit_days, &mut errors);
        if self.negative_limit_days > 366.0 {
            errors.push(invalid("negative_limit_days", "must be at most 366"));
        }
        if self.carry_over.as_ref().is_some_and(|c| c.cap_days > 366.0) {
            errors.push(invalid("carry_over.cap_days", "must be at most 366"));
        }
        let max_consecutive_days = self
            .max_consecutive_days
            .flatten()
            .map(|v| small_count("max_consecutive_days", v, 1, &mut errors));
        let min_notice_days = small_count("min_notice_days", self.min_notice_days, 0, &mut errors);
        let window_days = self
            .past_dates_window_days
            .flatten()
            .map(|v| small_count("past_dates_window_days", v, 1, &mut errors));
        let carry_over = self.carry_over.map(|c| {
            let cap = days_field("carry_over.cap_days", c.cap_days, &mut errors);
            let expires = c.expires.as_deref().map(month_day);
            (CarryOver { cap, expires: expires.flatten() }, expires == Some(None))
        });
        if !errors.is_empty() {
            return Err(ModuleError::Validation(errors));
        }
        // A month-day that the pattern allows but no year has (02-30): the rule's code.
        if carry_over.is_some_and(|(_, bad)| bad) {
            return Err(LeaveError::InvalidMonthDay("the carry-over expiry").into());
        }
        let carry_over = carry_over.map(|(c, _)| c);
        let past_dates = match self.past_dates {
            PastDatesWho::Nobody => PastDates::Nobody,
            PastDatesWho::HrOnly => PastDates::HrOnly { window_days },
            PastDatesWho::Anyone => PastDates::Anyone { window_days },
        };
        let policy = LeavePolicy {
            code: self.code,
            paid: self.paid,
            allowance,
            half_days_allowed: self.half_days_allowed,
            counts_non_working_days: self.counts_non_working_days,
            max_consecutive_days,
            min_notice_days,
            past_dates,
            negative_limit,
            carry_over,
            pro_rata: self.pro_rata,
            approval: self.approval,
            interrupts_leave: self.interrupts_leave,
        };
        policy.validate()?;
        Ok((name, policy, self.active))
    }
}

/// A leave type as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LeaveTypeResponse {
    /// Stable code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Paid leave.
    pub paid: bool,
    /// Yearly allowance in days; `null`: no balance.
    pub allowance_days: Option<f64>,
    /// Half days allowed.
    pub half_days_allowed: bool,
    /// Weekends and holidays inside a range count.
    pub counts_non_working_days: bool,
    /// Largest run of consecutive days; `null` without limit.
    pub max_consecutive_days: Option<u32>,
    /// Minimum notice in calendar days.
    pub min_notice_days: u32,
    /// Who may request past dates.
    pub past_dates: PastDatesWho,
    /// How far back; `null` without limit.
    pub past_dates_window_days: Option<u32>,
    /// How far below zero the balance may go, in days.
    pub negative_limit_days: f64,
    /// Carry-over into the next year.
    pub carry_over: Option<CarryOverBody>,
    /// Pro-rata allowance.
    pub pro_rata: bool,
    /// Approval route.
    #[schema(value_type = ApprovalRouteName)]
    pub approval: ApprovalRoute,
    /// Whether its requests interrupt leave with a balance (sickness during annual leave).
    pub interrupts_leave: bool,
    /// Whether it can be requested.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A stored leave type.
#[derive(Debug, Clone)]
pub struct LeaveType {
    /// Display name.
    pub name: String,
    /// The rules' policy (holds the code).
    pub policy: LeavePolicy,
    /// Whether it can be requested.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&LeaveType> for LeaveTypeResponse {
    fn from(t: &LeaveType) -> Self {
        let p = &t.policy;
        let (past_dates, window) = match p.past_dates {
            PastDates::Nobody => (PastDatesWho::Nobody, None),
            PastDates::HrOnly { window_days } => (PastDatesWho::HrOnly, window_days),
            PastDates::Anyone { window_days } => (PastDatesWho::Anyone, window_days),
        };
        LeaveTypeResponse {
            code: p.code.clone(),
            name: t.name.clone(),
            paid: p.paid,
            allowance_days: p.allowance.map(HalfDays::as_days),
            half_days_allowed: p.half_days_allowed,
            counts_non_working_days: p.counts_non_working_days,
            max_consecutive_days: p.max_consecutive_days,
            min_notice_days: p.min_notice_days,
            past_dates,
            past_dates_window_days: window,
            negative_limit_days: p.negative_limit.as_days(),
            carry_over: p.carry_over.map(|c| CarryOverBody {
                cap_days: c.cap.as_days(),
                expires: c.expires.map(|m| format!("{:02}-{:02}", m.month, m.day)),
            }),
            pro_rata: p.pro_rata,
            approval: p.approval,
            interrupts_leave: p.interrupts_leave,
            active: t.active,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

impl LeaveTypeResponse {
    /// The input that recreates this type (the base of a merge patch).
    pub fn as_input(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.remove("created_at");
            o.remove("updated_at");
        }
        v
    }
}

/// A weekday name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WeekdayName {
    /// Monday.
    Mon,
    /// Tuesday.
    Tue,
    /// Wednesday.
    Wed,
    /// Thursday.
    Thu,
    /// Friday.
    Fri,
    /// Saturday.
    Sat,
    /// Sunday.
    Sun,
}

impl WeekdayName {
    /// The chrono weekday.
    pub fn weekday(self) -> Weekday {
        match self {
            WeekdayName::Mon => Weekday::Mon,
            WeekdayName::Tue => Weekday::Tue,
            WeekdayName::Wed => Weekday::Wed,
            WeekdayName::Thu => Weekday::Thu,
            WeekdayName::Fri => Weekday::Fri,
            WeekdayName::Sat => Weekday::Sat,
            WeekdayName::Sun => Weekday::Sun,
        }
    }

    /// The name of a chrono weekday.
    pub fn of(w: Weekday) -> Self {
        match w {
            Weekday::Mon => WeekdayName::Mon,
            Weekday::Tue => WeekdayName::Tue,
            Weekday::Wed => WeekdayName::Wed,
            Weekday::Thu => WeekdayName::Thu,
            Weekday::Fri => WeekdayName::Fri,
            Weekday::Sat => WeekdayName::Sat,
            Weekday::Sun => WeekdayName::Sun,
        }
    }
}

/// Which part of a date a holiday takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HolidayPartName {
    /// The whole day.
    #[default]
    Full,
    /// The morning is off.
    Am,
    /// The afternoon is off (e.g. 24 December).
    Pm,
}

/// A public holiday.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(from = "HolidayWire", deny_unknown_fields)]
pub struct HolidayBody {
    /// Local date.
    pub date: NaiveDate,
    /// Name.
    #[schema(value_type = Label)]
    pub name: String,
    /// `full` (default), or the half that is off: `am` or `pm`. A client that
    /// only knows a half-day flag may send `"half_day": true` instead, which
    /// means `pm` (the afternoon off, as on 24 December).
    #[serde(default)]
    pub part: HolidayPartName,
    /// Input only: `true` means `part: "pm"` when `part` is not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(write_only)]
    pub half_day: Option<bool>,
}

/// A holiday as clients send it: `part`, or the flag `half_day`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayWire {
    date: NaiveDate,
    name: String,
    /// Absent: see `half_day`; `null` is refused, as the schema says.
    #[serde(default, deserialize_with = "present_part")]
    part: Option<HolidayPartName>,
    #[serde(default)]
    half_day: Option<bool>,
}

fn present_part<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<HolidayPartName>, D::Error> {
    HolidayPartName::deserialize(d).map(Some)
}

impl From<HolidayWire> for HolidayBody {
    fn from(w: HolidayWire) -> Self {
        let part = match (w.part, w.half_day) {
            (Some(p), _) => p,
            (None, Some(true)) => HolidayPartName::Pm,
            (None, _) => HolidayPartName::Full,
        };
        Self {
            date: w.date,
            name: w.name,
            part,
            half_day: None,
        }
    }
}

/// A work calendar as created or (after a merge patch) replaced.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarInput {
    /// Name, e.g. `Berlin office`.
    #[schema(value_type = Label)]
    pub name: String,
    /// Working weekdays (default Monday to Friday).
    #[serde(default = "five_days")]
    #[schema(min_items = 1, max_items = 7)]
    pub working_weekdays: Vec<WeekdayName>,
    /// Public holidays, one per date.
    #[serde(default, deserialize_with = "crate::http::objects")]
    #[schema(max_items = 400)]
    pub holidays: Vec<HolidayBody>,
    /// Whether this is the default calendar (making one default makes the
    /// previous default an ordinary calendar).
    #[serde(default)]
    pub is_default: bool,
}

/// The merge patch of a calendar: given fields replace the current ones
/// (`holidays` replaces the whole list).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code, reason = "the OpenAPI shape of the patch; the handler merges JSON")]
pub struct CalendarPatch {
    #[schema(value_type = Label, required = false)]
    name: Option<String>,
    #[schema(value_type = Vec<WeekdayName>, required = false, min_items = 1, max_items = 7)]
    working_weekdays: Option<Vec<WeekdayName>>,
    #[schema(value_type = Vec<HolidayBody>, required = false, max_items = 400)]
    holidays: Option<Vec<HolidayBody>>,
    /// `true` makes it the default; `false` is refused on the default calendar
    /// (make another one the default instead).
    #[schema(value_type = bool, required = false)]
    is_default: Option<bool>,
}

fn five_days() -> Vec<WeekdayName> {
    use WeekdayName::*;
    vec![Mon, Tue, Wed, Thu, Fri]
}

impl CalendarInput {
    /// The rules' calendar, or the problems (field and rule).
    pub fn to_calendar(&self) -> Result<(String, WorkCalendar), ModuleError> {
        let mut errors = Vec::new();
        let name = match Label::parse(&self.name) {
            Ok(n) => String::from(n),
            Err(m) => {
                errors.push(invalid("name", m));
                String::new()
            }
        };
        if self.working_weekdays.len() > 7 {
            errors.push(invalid("working_weekdays", "must have at most 7 items"));
        }
        if self.holidays.len() > 400 {
            errors.push(invalid("holidays", "must have at most 400 items"));
        }
        let mut holidays = Vec::with_capacity(self.holidays.len());
        for (i, h) in self.holidays.iter().enumerate() {
            match Label::parse(&h.name) {
                Ok(n) => holidays.push(Holiday {
                    date: h.date,
                    name: String::from(n),
                    part: match h.part {
                        HolidayPartName::Full => HolidayPart::Full,
                        HolidayPartName::Am => HolidayPart::Am,
                        HolidayPartName::Pm => HolidayPart::Pm,
                    },
                }),
                Err(m) => errors.push(FieldError::new(
                    format!("holidays[{i}].name"),
                    "invalid_value",
                    m,
                )),
            }
        }
        if !errors.is_empty() {
            return Err(ModuleError::Validation(errors));
        }
        let weekdays: Vec<Weekday> = self.working_weekdays.iter().map(|w| w.weekday()).collect();
        Ok((name, WorkCalendar::new(&weekdays, holidays)?))
    }
}

/// A stored calendar.
#[derive(Debug, Clone)]
pub struct StoredCalendar {
    /// Id.
    pub id: CalendarId,
    /// Name.
    pub name: String,
    /// The input form (weekdays, holidays).
    pub input: CalendarInput,
    /// The rules' calendar.
    pub calendar: WorkCalendar,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A calendar as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarResponse {
    /// Id.
    pub id: CalendarId,
    /// Name.
    pub name: String,
    /// Working weekdays.
    pub working_weekdays: Vec<WeekdayName>,
    /// Public holidays, by date.
    pub holidays: Vec<HolidayBody>,
    /// Whether it is the default calendar.
    pub is_default: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&StoredCalendar> for CalendarResponse {
    fn from(c: &StoredCalendar) -> Self {
        let mut holidays = c.input.holidays.clone();
        holidays.sort_by_key(|h| h.date);
        CalendarResponse {
            id: c.id,
            name: c.name.clone(),
            working_weekdays: c.input.working_weekdays.clone(),
            holidays,
            is_default: c.input.is_default,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// `PUT /api/v1/leave/employees/{id}/calendar` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignCalendarBody {
    /// The calendar; `null` returns the employee to the default calendar.
    pub calendar_id: Option<CalendarId>,
}

/// An employee's calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmployeeCalendarResponse {
    /// The employee.
    pub employee_id: EmployeeId,
    /// Whether it is the default (no calendar assigned).
    pub assigned: bool,
    /// The calendar in force.
    pub calendar: CalendarResponse,
}

/// Part of a day in a request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayPartName {
    /// The whole day.
    #[default]
    Full,
    /// The morning.
    Am,
    /// The afternoon.
    Pm,
}

impl DayPartName {
    /// The rules' part.
    pub fn part(self) -> DayPart {
        match self {
            DayPartName::Full => DayPart::Full,
            DayPartName::Am => DayPart::Am,
            DayPartName::Pm => DayPart::Pm,
        }
    }

    /// The name of a rules' part.
    pub fn of(p: DayPart) -> Self {
        match p {
            DayPart::Full => DayPartName::Full,
            DayPart::Am => DayPartName::Am,
            DayPart::Pm => DayPartName::Pm,
        }
    }
}

/// `POST /api/v1/leave/requests` (and `/preview`) body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// Whose leave; default: the caller's linked employee record. Only HR and
    /// admin file for someone else.
    #[serde(default)]
    pub employee_id: Option<EmployeeId>,
    /// Leave type code (`type` is accepted as its alias).
    #[schema(example = "annual")]
    #[serde(alias = "type")]
    pub leave_type: String,
    /// First date (the employee's local date).
    pub start_date: NaiveDate,
    /// Last date, inclusive.
    pub end_date: NaiveDate,
    /// `full` (default) or `pm` (the first day starts at noon); a one-day
    /// request may be `am` or `pm`.
    #[serde(default)]
    pub start_part: DayPartName,
    /// `full` (default) or `am` (the last day ends at noon); a one-day request
    /// may be `am` or `pm`.
    #[serde(default)]
    pub end_part: DayPartName,
    /// Optional note, at most 2000 characters (never logged or published).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// Days of a request in one leave year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearDays {
    /// The leave year (named by the calendar year it starts in).
    pub leave_year: i32,
    /// Days (multiple of 0.5).
    pub days: f64,
}

/// The per-year split of counted days.
pub fn per_year(days: &LeaveDays) -> Vec<YearDays> {
    days.per_year()
        .into_iter()
        .map(|(y, u)| YearDays {
            leave_year: y.0,
            days: u.as_days(),
        })
        .collect()
}

/// One counted date of a request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountedDate {
    /// The date.
    pub date: NaiveDate,
    /// `full`, `am` or `pm`: the halves that count.
    pub part: DayPartName,
}

fn counted_dates(days: &LeaveDays) -> Vec<CountedDate> {
    days.days
        .iter()
        .map(|d| CountedDate {
            date: d.date,
            part: match (d.am, d.pm) {
                (true, true) => DayPartName::Full,
                (true, false) => DayPartName::Am,
                _ => DayPartName::Pm,
            },
        })
        .collect()
}

/// Request status names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusName {
    /// Waiting for the first (or only) approver.
    Pending,
    /// Approved by the manager, waiting for HR.
    PendingHr,
    /// Approved.
    Approved,
    /// Rejected (final).
    Rejected,
    /// Cancelled (final).
    Cancelled,
}

impl StatusName {
    /// The rules' status.
    pub fn status(self) -> RequestStatus {
        match self {
            StatusName::Pending => RequestStatus::Pending,
            StatusName::PendingHr => RequestStatus::PendingHr,
            StatusName::Approved => RequestStatus::Approved,
            StatusName::Rejected => RequestStatus::Rejected,
            StatusName::Cancelled => RequestStatus::Cancelled,
        }
    }

    /// The name of a rules' status.
    pub fn of(s: RequestStatus) -> Self {
        match s {
            RequestStatus::Pending => StatusName::Pending,
            RequestStatus::PendingHr => StatusName::PendingHr,
            RequestStatus::Approved => StatusName::Approved,
            RequestStatus::Rejected => StatusName::Rejected,
            RequestStatus::Cancelled => StatusName::Cancelled,
        }
    }

    /// The stored text.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusName::Pending => "pending",
            StatusName::PendingHr => "pending_hr",
            StatusName::Approved => "approved",
            StatusName::Rejected => "rejected",
            StatusName::Cancelled => "cancelled",
        }
    }
}

/// A stored request.
#[derive(Debug, Clone)]
pub struct LeaveRequest {
    /// Id.
    pub id: LeaveRequestId,
    /// Whose.
    pub employee_id: EmployeeId,
    /// Type code.
    pub leave_type: String,
    /// First date.
    pub start_date: NaiveDate,
    /// Last date.
    pub end_date: NaiveDate,
    /// Part of the first day.
    pub start_part: DayPart,
    /// Part of the last day.
    pub end_part: DayPart,
    /// Status.
    pub status: RequestStatus,
    /// The count at filing (a live request's from today on is recounted when its calendar changes).
    pub counted: LeaveDays,
    /// The days it holds now.
    pub held: LeaveDays,
    /// Note (personal).
    pub note: Option<String>,
    /// Account that filed it.
    pub filed_by: String,
    /// Filed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Manager who approved the first step (two-step route).
    pub manager_approved_by: Option<String>,
    /// Account that approved or rejected it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected (personal).
    pub rejection_reason: Option<String>,
    /// Account that cancelled it (`system` for a termination).
    pub cancelled_by: Option<String>,
    /// When.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why (personal).
    pub cancel_reason: Option<String>,
    /// 1, then +1 per change.
    pub version: i32,
}

/// A request as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestResponse {
    /// Id.
    pub id: LeaveRequestId,
    /// Whose.
    pub employee_id: EmployeeId,
    /// Type code.
    pub leave_type: String,
    /// First date.
    pub start_date: NaiveDate,
    /// Last date.
    pub end_date: NaiveDate,
    /// Part of the first day.
    pub start_part: DayPartName,
    /// Part of the last day.
    pub end_part: DayPartName,
    /// Status.
    pub status: StatusName,
    /// Who must act next: `manager`, `hr`, or `null` once decided.
    pub awaiting: Option<String>,
    /// Days it counts (weekends and holidays excluded unless the type counts them): the
    /// count at filing, recounted from the day the employee's calendar changes.
    pub days: f64,
    /// The same per leave year.
    pub days_by_year: Vec<YearDays>,
    /// Days it holds now (a cancelled request that had started keeps its taken days).
    pub held_days: f64,
    /// The counted dates.
    pub dates: Vec<CountedDate>,
    /// Note.
    pub note: Option<String>,
    /// Account that filed it.
    pub filed_by: String,
    /// Filed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Manager who approved the first of two steps.
    pub manager_approved_by: Option<String>,
    /// Account that approved or rejected it.
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub rejection_reason: Option<String>,
    /// Account that cancelled it (`system`: the employee was terminated).
    pub cancelled_by: Option<String>,
    /// When.
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Why.
    pub cancel_reason: Option<String>,
    /// 1, then +1 per change.
    pub version: i32,
}

impl RequestResponse {
    /// The API form; `awaiting` from the type's route.
    pub fn new(r: &LeaveRequest, route: Option<ApprovalRoute>) -> Self {
        let awaiting = match (r.status, route) {
            (RequestStatus::PendingHr, _) => Some("hr"),
            (RequestStatus::Pending, Some(ApprovalRoute::Hr | ApprovalRoute::None)) => Some("hr"),
            (RequestStatus::Pending, _) => Some("manager"),
            _ => None,
        };
        RequestResponse {
            id: r.id,
            employee_id: r.employee_id,
            leave_type: r.leave_type.clone(),
            start_date: r.start_date,
            end_date: r.end_date,
            start_part: DayPartName::of(r.start_part),
            end_part: DayPartName::of(r.end_part),
            status: StatusName::of(r.status),
            awaiting: awaiting.map(str::to_owned),
            days: r.counted.total().as_days(),
            days_by_year: per_year(&r.counted),
            held_days: r.held.total().as_days(),
            dates: counted_dates(&r.counted),
            note: r.note.clone(),
            filed_by: r.filed_by.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            manager_approved_by: r.manager_approved_by.clone(),
            decided_by: r.decided_by.clone(),
            decided_at: r.decided_at,
            rejection_reason: r.rejection_reason.clone(),
            cancelled_by: r.cancelled_by.clone(),
            cancelled_at: r.cancelled_at,
            cancel_reason: r.cancel_reason.clone(),
            version: r.version,
        }
    }
}

/// A problem a preview found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemResponse {
    /// The stable code the request would be refused with.
    pub code: String,
    /// Explanation.
    pub message: String,
    /// The HTTP status it would get.
    pub status: u16,
}

impl From<&LeaveError> for ProblemResponse {
    fn from(e: &LeaveError) -> Self {
        ProblemResponse {
            code: e.code().to_owned(),
            message: e.to_string(),
            status: e.http_status(),
        }
    }
}

/// What a request would count and whether it would be accepted.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PreviewResponse {
    /// Whether filing it now would succeed.
    pub allowed: bool,
    /// Status it would start in (`approved` for auto-approved types).
    pub status: StatusName,
    /// Days it counts.
    pub days: f64,
    /// Per leave year.
    pub days_by_year: Vec<YearDays>,
    /// The counted dates.
    pub dates: Vec<CountedDate>,
    /// Every problem found, in check order (the first is the error filing would get).
    pub problems: Vec<ProblemResponse>,
}

impl PreviewResponse {
    /// The API form of an evaluation.
    pub fn new(count: &LeaveDays, problems: &[LeaveError], status: RequestStatus) -> Self {
        PreviewResponse {
            allowed: problems.is_empty(),
            status: StatusName::of(status),
            days: count.total().as_days(),
            days_by_year: per_year(count),
            dates: counted_dates(count),
            problems: problems.iter().map(ProblemResponse::from).collect(),
        }
    }
}

/// `POST .../{id}/reject` body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why (1 to 2000 characters; shown to the employee, never logged or published).
    #[schema(required = true, max_length = 2000)]
    #[serde(default)]
    pub reason: String,
}

/// `POST .../{id}/cancel` body (optional).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelBody {
    /// Why (at most 2000 characters).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub reason: Option<String>,
}

/// Query of `GET /api/v1/leave/requests`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only this employee's requests.
    pub employee_id: Option<EmployeeId>,
    /// Only this status.
    pub status: Option<StatusName>,
    /// Only this type.
    pub leave_type: Option<String>,
    /// Only requests ending on or after this date.
    pub from: Option<NaiveDate>,
    /// Only requests starting on or before this date.
    pub to: Option<NaiveDate>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// Items skipped (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

/// A page of requests.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RequestPage {
    /// The requests, by start date.
    pub items: Vec<RequestResponse>,
    /// How many match.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Skipped.
    pub offset: i64,
}

/// Query of `GET /api/v1/leave/balances`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceQuery {
    /// Whose balances; default: the caller's linked employee.
    pub employee_id: Option<EmployeeId>,
    /// Leave year; default: the one `as_of` falls in.
    #[param(minimum = 1900, maximum = 2200)]
    pub year: Option<i32>,
    /// The date the balance is computed for (default today in the employee's time zone).
    pub as_of: Option<NaiveDate>,
    /// Only this type.
    pub leave_type: Option<String>,
}

/// Carried-over days about to expire.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpiringResponse {
    /// Days that will expire unless used by `date`.
    pub days: f64,
    /// The last day they may be used.
    pub date: NaiveDate,
}

/// One type's balance in one leave year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalanceItem {
    /// Type code.
    pub leave_type: String,
    /// Leave year.
    pub leave_year: i32,
    /// The yearly grant (pro-rata where the type says so).
    pub entitled: f64,
    /// Carried in from the previous year.
    pub carried_over: f64,
    /// HR adjustments (signed).
    pub adjusted: f64,
    /// Carried-over days that expired unused.
    pub expired: f64,
    /// Approved leave before `as_of`.
    pub taken: f64,
    /// Approved leave from `as_of` on.
    pub booked: f64,
    /// Waiting for a decision (reserved).
    pub pending: f64,
    /// What is left; `null` for a type without a balance.
    pub available: Option<f64>,
    /// Carried-over days about to expire.
    pub expiring: Option<ExpiringResponse>,
    /// `available` less what will expire: what new requests are checked against.
    pub available_after_expiry: Option<f64>,
}

impl BalanceItem {
    /// The API form.
    pub fn new(code: &str, b: &Balance) -> Self {
        BalanceItem {
            leave_type: code.to_owned(),
            leave_year: b.leave_year.0,
            entitled: b.entitled.as_days(),
            carried_over: b.carried_over.as_days(),
            adjusted: b.adjusted.as_days(),
            expired: b.expired.as_days(),
            taken: b.taken.as_days(),
            booked: b.booked.as_days(),
            pending: b.pending.as_days(),
            available: b.available.map(HalfDays::as_days),
            expiring: b.expiring.map(|e| ExpiringResponse {
                days: e.units.as_days(),
                date: e.date,
            }),
            available_after_expiry: b.available_after_expiry.map(HalfDays::as_days),
        }
    }
}

/// An employee's balances.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BalancesResponse {
    /// The employee.
    pub employee_id: EmployeeId,
    /// The leave year.
    pub leave_year: i32,
    /// The date they are computed for.
    pub as_of: NaiveDate,
    /// One per active leave type.
    pub balances: Vec<BalanceItem>,
}

/// Query of `GET /api/v1/leave/ledger`.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// Whose ledger; default: the caller's linked employee.
    pub employee_id: Option<EmployeeId>,
    /// Only this type.
    pub leave_type: Option<String>,
    /// Only this leave year.
    #[param(minimum = 1900, maximum = 2200)]
    pub year: Option<i32>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(minimum = 1)]
    pub limit: Option<i64>,
    /// Items skipped (default 0).
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl LedgerQuery {
    /// The page.
    pub fn page(&self) -> Result<Page, ModuleError> {
        Page::parse(self.limit, self.offset).map_err(ModuleError::Validation)
    }
}

/// Ledger entry kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EntryKindName {
    /// The yearly grant.
    Grant,
    /// Carried in from the previous year.
    CarryOver,
    /// Carried days that expired.
    Expiry,
    /// HR adjustment.
    Adjustment,
    /// One date of approved leave.
    Consumption,
    /// One date given back by a cancellation.
    Reversal,
}

impl EntryKindName {
    /// The name of a rules' kind.
    pub fn of(k: EntryKind) -> Self {
        match k {
            EntryKind::Grant => EntryKindName::Grant,
            EntryKind::CarryOver => EntryKindName::CarryOver,
            EntryKind::Expiry => EntryKindName::Expiry,
            EntryKind::Adjustment => EntryKindName::Adjustment,
            EntryKind::Consumption => EntryKindName::Consumption,
            EntryKind::Reversal => EntryKindName::Reversal,
        }
    }
}

/// A stored ledger entry.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// Id.
    pub id: LedgerEntryId,
    /// Whose.
    pub employee_id: EmployeeId,
    /// Type code.
    pub leave_type: String,
    /// The entry.
    pub entry: super::balance::LedgerEntry,
    /// The request that caused it.
    pub request_id: Option<LeaveRequestId>,
    /// HR's reason (adjustments).
    pub reason: Option<String>,
    /// Account that caused it (`system` for grants, carry-over and expiry).
    pub created_by: String,
    /// Written.
    pub created_at: DateTime<Utc>,
}

/// A ledger entry as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerEntryResponse {
    /// Id.
    pub id: LedgerEntryId,
    /// Whose.
    pub employee_id: EmployeeId,
    /// Type code.
    pub leave_type: String,
    /// What caused it.
    pub kind: EntryKindName,
    /// The leave year it changes.
    pub leave_year: i32,
    /// Signed change in days.
    pub days: f64,
    /// The date it takes effect (consumption and reversal: the leave date).
    pub effective_date: NaiveDate,
    /// The request that caused it.
    pub request_id: Option<LeaveRequestId>,
    /// HR's reason (adjustments).
    pub reason: Option<String>,
    /// Account that caused it (`system`: grants, carry-over, expiry, terminations).
    pub created_by: String,
    /// Written.
    pub created_at: DateTime<Utc>,
}

impl From<&StoredEntry> for LedgerEntryResponse {
    fn from(e: &StoredEntry) -> Self {
        LedgerEntryResponse {
            id: e.id,
            employee_id: e.employee_id,
            leave_type: e.leave_type.clone(),
            kind: EntryKindName::of(e.entry.kind),
            leave_year: e.entry.leave_year.0,
            days: e.entry.units.as_days(),
            effective_date: e.entry.effective_date,
            request_id: e.request_id,
            reason: e.reason.clone(),
            created_by: e.created_by.clone(),
            created_at: e.created_at,
        }
    }
}

/// A page of ledger entries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerPage {
    /// Entries, oldest first.
    pub items: Vec<LedgerEntryResponse>,
    /// How many match.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Skipped.
    pub offset: i64,
}

/// `POST /api/v1/leave/adjustments` body.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AdjustmentInput {
    /// Whose balance.
    pub employee_id: EmployeeId,
    /// Type code (a type with a balance).
    pub leave_type: String,
    /// Leave year; default: the current one.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1900, maximum = 2200)]
    pub leave_year: Option<Option<i64>>,
    /// Signed change in days (multiple of 0.5, not 0).
    #[schema(minimum = -366, maximum = 366, multiple_of = 0.5)]
    pub days: f64,
    /// Why (1 to 100 characters; shown in the ledger).
    #[schema(required = true, value_type = Label)]
    #[serde(default)]
    pub reason: String,
}
