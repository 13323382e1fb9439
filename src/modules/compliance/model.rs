//! The compliance API's request and response shapes, and their validation
//! into domain values (field problems are `validation_failed` with details).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::domain::*;
use super::pack::RulePack;
use super::errors::ComplianceFailure;
use super::repository::FindingFilter;
use crate::error::FieldError;
use crate::shared::parse::{parse_date, parse_employee, parse_instant};
use crate::shared::{CheckId, EmployeeId, OptOutId, Page, ViolationId};

/// A measured value or a limit: seconds of working or rest time, or half days of leave.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuantityView {
    /// `seconds` or `half_days`.
    pub unit: String,
    /// The value in that unit.
    pub value: i64,
}

impl From<Quantity> for QuantityView {
    fn from(q: Quantity) -> Self {
        let (unit, value) = match q {
            Quantity::Seconds(v) => ("seconds", v),
            Quantity::HalfDays(v) => ("half_days", v),
        };
        QuantityView {
            unit: unit.to_owned(),
            value,
        }
    }
}

/// An exact span of time (UTC).
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct SpanView {
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

impl From<WorkInterval> for SpanView {
    fn from(w: WorkInterval) -> Self {
        SpanView {
            start: w.start,
            end: w.end,
        }
    }
}

/// A violation or alert with its lifecycle.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingResponse {
    /// Id.
    pub id: ViolationId,
    /// Stable identity `{employee}/{rule}/{check}/{window}/{kind}`: the same
    /// finding is recorded once, however often its events are replayed.
    pub identity: String,
    /// The employee.
    pub employee_id: EmployeeId,
    /// Rule id: `daily_rest`, `break`, `weekly_rest`, `weekly_average`, `night_work`, `annual_leave`, `daily_max`.
    pub rule: String,
    /// Which threshold of the rule (e.g. `avg_17w`, `continuous`).
    pub check: String,
    /// `violation` or `alert`.
    pub kind: FindingKind,
    /// `violation`, `warning` or `info` (an opted-out employee above the limit).
    pub severity: String,
    /// The legal source of the threshold applied.
    pub reference: String,
    /// First local date of the window, in the employee's time zone.
    pub window_first: NaiveDate,
    /// Last local date of the window (inclusive).
    pub window_last: NaiveDate,
    /// The exact span concerned (the short rest, the working day), when there is one.
    pub span: Option<SpanView>,
    /// What was measured.
    pub measured: QuantityView,
    /// The limit it was compared with.
    pub limit: QuantityView,
    /// `open`, `acknowledged` or `resolved`.
    pub status: Status,
    /// First detected.
    pub detected_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// The account that acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// HR's note.
    pub note: Option<String>,
    /// When it was resolved (a correction made it no longer true).
    pub resolved_at: Option<DateTime<Utc>>,
    /// 1, then +1 per change.
    pub version: i32,
}

impl From<&StoredFinding> for FindingResponse {
    fn from(f: &StoredFinding) -> Self {
        FindingResponse {
            id: f.id,
            identity: f.identity.clone(),
            employee_id: f.employee_id,
            rule: f.rule.as_str().to_owned(),
            check: f.check.clone(),
            kind: f.kind,
            severity: f.severity.as_str().to_owned(),
            reference: f.reference.clone(),
            window_first: f.window_first,
            window_last: f.window_last,
            span: f.span.map(SpanView::from),
            measured: f.measured.into(),
            limit: f.limit.into(),
            status: f.status,
            detected_at: f.detected_at,
            updated_at: f.updated_at,
            acknowledged_by: f.acknowledged_by.clone(),
            acknowledged_at: f.acknowledged_at,
            note: f.note.clone(),
            resolved_at: f.resolved_at,
            version: f.version,
        }
    }
}

/// A page of violations and alerts.
#[derive(Debug, Serialize, ToSchema)]
pub struct FindingPage {
    /// Newest window first.
    pub items: Vec<FindingResponse>,
    /// How many match.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

/// `GET /api/v1/compliance/violations` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// Only this employee's.
    #[param(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Only this rule.
    #[param(value_type = Option<RuleId>)]
    pub rule: Option<String>,
    /// `open`, `acknowledged` or `resolved`.
    #[param(value_type = Option<Status>)]
    pub status: Option<String>,
    /// `violation` or `alert`.
    #[param(value_type = Option<FindingKind>)]
    pub kind: Option<String>,
    /// Only windows ending on or after this local date.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Only windows starting on or before this local date.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

impl FindingQuery {
    /// The filter (without the visibility restriction) and the page.
    pub fn validate(self) -> Result<(Option<EmployeeId>, FindingFilter, Page), ComplianceFailure> {
        let mut errors = Vec::new();
        let employee = self
            .employee_id
            .as_deref()
            .and_then(|e| parse_employee("employee_id", e, &mut errors));
        let rule = self.rule.as_deref().and_then(|r| {
            let parsed = RuleId::parse(r.trim());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "rule",
                    "invalid_rule",
                    "must be a rule id (daily_rest, break, weekly_rest, weekly_average, night_work, annual_leave, daily_max)",
                ));
            }
            parsed
        });
        let status = self.status.as_deref().and_then(|s| {
            let parsed = Status::parse(s.trim());
            if parsed.is_none() {
                errors.push(FieldError::new(
                    "status",
                    "invalid_status",
                    "must be open, acknowledged or resolved",
                ));
            }
            parsed
        });
        let kind = self.kind.as_deref().and_then(|k| match k.trim() {
            "violation" => Some(FindingKind::Violation),
            "alert" => Some(FindingKind::Alert),
            _ => {
                errors.push(FieldError::new("kind", "invalid_kind", "must be violation or alert"));
                None
            }
        });
        let from = self.from.as_deref().and_then(|d| parse_date("from", d, &mut errors));
        let to = self.to.as_deref().and_then(|d| parse_date("to", d, &mut errors));
        let page = match Page::parse(self.limit, self.offset) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        if errors.is_empty() && matches!((from, to), (Some(f), Some(t)) if f > t) {
            return Err(ComplianceFailure::InvalidRange);
        }
        match page {
            Some(page) if errors.is_empty() => Ok((
                employee,
                FindingFilter {
                    employees: None,
                    rule,
                    status,
                    kind,
                    from,
                    to,
                },
                page,
            )),
            _ => Err(ComplianceFailure::Validation(errors)),
        }
    }
}

/// Longest note HR may attach.
pub const NOTE_MAX: usize = 1000;

/// `POST /api/v1/compliance/violations/{id}/acknowledge` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcknowledgeRequest {
    /// What HR did or decided (at most 1000 characters, not blank).
    #[schema(min_length = 1, max_length = 1000)]
    pub note: String,
}

/// Validates a required note.
pub fn note(raw: &str) -> Result<String, ComplianceFailure> {
    let t = raw.trim();
    if t.is_empty() {
        return Err(ComplianceFailure::NoteRequired);
    }
    if t.chars().count() > NOTE_MAX {
        return Err(ComplianceFailure::NoteTooLong);
    }
    if !crate::shared::text::is_displayable_text(t) {
        return Err(ComplianceFailure::InvalidText);
    }
    Ok(t.to_owned())
}

/// A recorded opt-out from the weekly limit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OptOutResponse {
    /// Id.
    pub id: OptOutId,
    /// The employee.
    pub employee_id: EmployeeId,
    /// The day the employee signed it: in force from this day.
    pub signed_on: NaiveDate,
    /// The day the employee withdrew it.
    pub withdrawn_on: Option<NaiveDate>,
    /// Notice period of the withdrawal in days.
    pub notice_days: Option<u32>,
    /// Last day in force (the day before the notice period ends).
    pub last_day: Option<NaiveDate>,
    /// Whether it is in force today (UTC date).
    pub in_force: bool,
    /// The account that recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// The account that recorded the withdrawal.
    pub withdrawn_by: Option<String>,
    /// When.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl From<&OptOutRecord> for OptOutResponse {
    fn from(o: &OptOutRecord) -> Self {
        OptOutResponse {
            id: o.id,
            employee_id: o.employee_id,
            signed_on: o.signed_on,
            withdrawn_on: o.withdrawn_on,
            notice_days: o.notice_days,
            last_day: o.last_day,
            in_force: o.as_rule().covers(crate::shared::clock::today()),
            recorded_by: o.recorded_by.clone(),
            recorded_at: o.recorded_at,
            withdrawn_by: o.withdrawn_by.clone(),
            withdrawn_at: o.withdrawn_at,
        }
    }
}

/// A page of opt-outs.
#[derive(Debug, Serialize, ToSchema)]
pub struct OptOutPage {
    /// Newest first.
    pub items: Vec<OptOutResponse>,
    /// How many match.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

/// `GET /api/v1/compliance/opt-outs` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OptOutQuery {
    /// Only this employee's.
    #[param(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

/// `POST /api/v1/compliance/opt-outs` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOptOutRequest {
    /// Whose opt-out.
    #[schema(value_type = EmployeeId)]
    pub employee_id: String,
    /// The day the employee signed it (default: today); not in the future.
    #[schema(value_type = Option<NaiveDate>)]
    pub signed_on: Option<String>,
}

/// A validated new opt-out.
#[derive(Debug, Clone, Copy)]
pub struct NewOptOut {
    /// Whose.
    pub employee_id: EmployeeId,
    /// Signed (`None`: today in the employee's zone).
    pub signed_on: Option<NaiveDate>,
}

impl NewOptOutRequest {
    /// Validates every field.
    pub fn validate(self) -> Result<NewOptOut, Vec<FieldError>> {
        let mut errors = Vec::new();
        let employee = parse_employee("employee_id", &self.employee_id, &mut errors);
        let signed_on = self
            .signed_on
            .as_deref()
            .and_then(|d| parse_date("signed_on", d, &mut errors));
        match employee {
            Some(employee_id) if errors.is_empty() => Ok(NewOptOut {
                employee_id,
                signed_on,
            }),
            _ => Err(errors),
        }
    }
}

/// Longest notice period of a withdrawal, days (WTR reg. 5(3): at most three months).
pub const MAX_NOTICE_DAYS: i64 = 92;
/// Default notice period of a withdrawal, days (WTR reg. 5(2)(b)).
pub const DEFAULT_NOTICE_DAYS: u32 = 7;

/// `POST /api/v1/compliance/opt-outs/{id}/withdraw` body.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawOptOutRequest {
    /// The day the employee gave notice (default: today); not in the future.
    #[schema(value_type = Option<NaiveDate>)]
    pub withdrawn_on: Option<String>,
    /// Notice period in days, 0 to 92 (default 7): the opt-out stays in force until the day before it ends.
    #[serde(default, deserialize_with = "crate::shared::present_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 0, maximum = 92)]
    pub notice_days: Option<Option<i64>>,
}

/// A validated withdrawal.
#[derive(Debug, Clone, Copy)]
pub struct Withdrawal {
    /// Notice given (`None`: today in the employee's zone).
    pub withdrawn_on: Option<NaiveDate>,
    /// Notice period.
    pub notice_days: u32,
}

impl WithdrawOptOutRequest {
    /// Validates every field.
    pub fn validate(self) -> Result<Withdrawal, Vec<FieldError>> {
        let mut errors = Vec::new();
        let withdrawn_on = self
            .withdrawn_on
            .as_deref()
            .and_then(|d| parse_date("withdrawn_on", d, &mut errors));
        let notice = self.notice_days.flatten().unwrap_or(i64::from(DEFAULT_NOTICE_DAYS));
        if !(0..=MAX_NOTICE_DAYS).contains(&notice) {
            errors.push(FieldError::new("notice_days", "out_of_range", "must be between 0 and 92"));
        }
        if errors.is_empty() {
            Ok(Withdrawal {
                withdrawn_on,
                notice_days: u32::try_from(notice).unwrap_or(DEFAULT_NOTICE_DAYS),
            })
        } else {
            Err(errors)
        }
    }
}

/// `from..=to` is a period of at most `max_days` days.
pub fn period(from: NaiveDate, to: NaiveDate, max_days: i64) -> Result<(), ComplianceFailure> {
    if from > to {
        Err(ComplianceFailure::InvalidRange)
    } else if (to - from).num_days() > max_days {
        Err(ComplianceFailure::RangeTooLong(max_days))
    } else {
        Ok(())
    }
}

/// Longest period one check covers, days.
pub const MAX_CHECK_DAYS: i64 = 731;

/// `POST /api/v1/compliance/checks` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// First local date to check.
    #[schema(value_type = NaiveDate)]
    pub from: String,
    /// Last local date to check (at most 731 days after `from`).
    #[schema(value_type = NaiveDate)]
    pub to: String,
    /// Only this employee (default: everyone).
    #[schema(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
}

/// A validated check request.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput {
    /// First date.
    pub from: NaiveDate,
    /// Last date.
    pub to: NaiveDate,
    /// One employee, or everyone.
    pub employee_id: Option<EmployeeId>,
}

impl CheckRequest {
    /// Validates every field.
    pub fn validate(self) -> Result<CheckInput, ComplianceFailure> {
        let mut errors = Vec::new();
        let from = parse_date("from", &self.from, &mut errors);
        let to = parse_date("to", &self.to, &mut errors);
        let employee_id = self
            .employee_id
            .as_deref()
            .and_then(|e| parse_employee("employee_id", e, &mut errors));
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => {
                period(from, to, MAX_CHECK_DAYS)?;
                Ok(CheckInput {
                    from,
                    to,
                    employee_id,
                })
            }
            _ => Err(ComplianceFailure::Validation(errors)),
        }
    }
}

/// A completed check and its counts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CheckResponse {
    /// Id.
    pub id: CheckId,
    /// The employee checked, or `null` for everyone.
    pub employee_id: Option<EmployeeId>,
    /// First local date checked.
    pub from: NaiveDate,
    /// Last local date checked.
    pub to: NaiveDate,
    /// `on_demand` or `periodic`.
    pub trigger: String,
    /// The account that asked (`system` for periodic checks).
    pub requested_by: String,
    /// Employees checked.
    pub employees: i32,
    /// Violations and alerts newly detected (or true again).
    pub detected: i32,
    /// Violations and alerts resolved (no longer true).
    pub resolved: i32,
    /// Violations and alerts open or acknowledged in the period afterwards.
    pub open: i32,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Completed.
    pub completed_at: DateTime<Utc>,
}

impl From<&CheckRecord> for CheckResponse {
    fn from(c: &CheckRecord) -> Self {
        CheckResponse {
            id: c.id,
            employee_id: c.employee_id,
            from: c.from,
            to: c.to,
            trigger: c.trigger.clone(),
            requested_by: c.requested_by.clone(),
            employees: c.employees,
            detected: c.detected,
            resolved: c.resolved,
            open: c.open,
            started_at: c.started_at,
            completed_at: c.completed_at,
        }
    }
}

/// Most planned intervals one what-if request may carry.
pub const MAX_PLANNED: usize = 200;

/// One planned interval of work.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlannedInterval {
    /// Start, RFC 3339.
    #[schema(value_type = DateTime<Utc>)]
    pub start: String,
    /// End, RFC 3339 (after the start, at most 24 hours later).
    #[schema(value_type = DateTime<Utc>)]
    pub end: String,
}

/// `POST /api/v1/compliance/evaluate` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Whose plan.
    #[schema(value_type = EmployeeId)]
    pub employee_id: String,
    /// The planned intervals (1 to 200), within 400 days of each other.
    #[serde(deserialize_with = "crate::http::objects")]
    #[schema(min_items = 1, max_items = 200)]
    pub intervals: Vec<PlannedInterval>,
}

/// A validated what-if request.
#[derive(Debug, Clone)]
pub struct EvaluateInput {
    /// Whose.
    pub employee_id: EmployeeId,
    /// The planned intervals, sorted.
    pub planned: Vec<WorkInterval>,
}

impl EvaluateRequest {
    /// Validates every field.
    pub fn validate(self) -> Result<EvaluateInput, ComplianceFailure> {
        let mut errors = Vec::new();
        let employee = parse_employee("employee_id", &self.employee_id, &mut errors);
        if self.intervals.is_empty() || self.intervals.len() > MAX_PLANNED {
            errors.push(FieldError::new(
                "intervals",
                "out_of_range",
                "must hold 1 to 200 intervals",
            ));
        }
        let mut parsed = Vec::new();
        for iv in self.intervals.iter().take(MAX_PLANNED) {
            let start = parse_instant("intervals.start", &iv.start, &mut errors);
            let end = parse_instant("intervals.end", &iv.end, &mut errors);
            if let (Some(start), Some(end)) = (start, end) {
                parsed.push(WorkInterval { start, end });
            }
        }
        let Some(employee_id) = employee.filter(|_| errors.is_empty()) else {
            return Err(ComplianceFailure::Validation(errors));
        };
        if parsed.iter().any(|iv| iv.end <= iv.start) {
            return Err(ComplianceFailure::InvalidInterval);
        }
        if parsed.iter().any(|iv| iv.end - iv.start > Duration::hours(24)) {
            return Err(ComplianceFailure::IntervalTooLong);
        }
        parsed.sort();
        if let (Some(first), Some(last)) = (parsed.first(), parsed.last()) {
            if last.end - first.start > Duration::days(400) {
                return Err(ComplianceFailure::RangeTooLong(400));
            }
        }
        Ok(EvaluateInput {
            employee_id,
            planned: parsed,
        })
    }
}

/// A finding of a what-if evaluation (nothing is recorded).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlannedFinding {
    /// The identity it would be recorded under.
    pub identity: String,
    /// Rule id.
    pub rule: String,
    /// Which threshold of the rule.
    pub check: String,
    /// `violation` or `alert`.
    pub kind: FindingKind,
    /// `violation`, `warning` or `info`.
    pub severity: String,
    /// Legal source.
    pub reference: String,
    /// First local date of the window.
    pub window_first: NaiveDate,
    /// Last local date of the window.
    pub window_last: NaiveDate,
    /// The exact span concerned, when there is one.
    pub span: Option<SpanView>,
    /// What would be measured.
    pub measured: QuantityView,
    /// The limit.
    pub limit: QuantityView,
}

impl From<&Finding> for PlannedFinding {
    fn from(f: &Finding) -> Self {
        let Window::Dates { first, last } = f.window;
        PlannedFinding {
            identity: f.identity(),
            rule: f.rule.as_str().to_owned(),
            check: f.check.to_owned(),
            kind: FindingKind::of(f.severity),
            severity: f.severity.as_str().to_owned(),
            reference: f.reference.to_owned(),
            window_first: first,
            window_last: last,
            span: f.span.map(SpanView::from),
            measured: f.measured.into(),
            limit: f.limit.into(),
        }
    }
}

/// What a plan would cause.
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluateResponse {
    /// The employee.
    pub employee_id: EmployeeId,
    /// The rule pack applied.
    pub rule_pack: String,
    /// Violations and alerts the planned intervals would add (none recorded).
    pub findings: Vec<PlannedFinding>,
}

/// Longest period of the working-time view, days.
pub const MAX_VIEW_DAYS: i64 = 400;

/// `GET /api/v1/compliance/employees/{id}/working-time` parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WorkingTimeQuery {
    /// First local date (default: Monday of the ISO week four weeks before `to`).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last local date (default: today in the employee's zone); at most 400 days after `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

impl WorkingTimeQuery {
    /// The raw dates, validated (defaults applied by the caller, who knows the zone).
    pub fn validate(self) -> Result<(Option<NaiveDate>, Option<NaiveDate>), ComplianceFailure> {
        let mut errors = Vec::new();
        let from = self.from.as_deref().and_then(|d| parse_date("from", d, &mut errors));
        let to = self.to.as_deref().and_then(|d| parse_date("to", d, &mut errors));
        if !errors.is_empty() {
            return Err(ComplianceFailure::Validation(errors));
        }
        if let (Some(f), Some(t)) = (from, to) {
            period(f, t, MAX_VIEW_DAYS)?;
        }
        Ok((from, to))
    }
}

/// Hours of one local day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DayHours {
    /// The local date.
    pub date: NaiveDate,
    /// Seconds worked inside it.
    pub worked_seconds: i64,
}

/// Hours of one ISO week.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WeekHours {
    /// ISO week, e.g. `2026-W13`.
    pub iso_week: String,
    /// Its Monday.
    pub monday: NaiveDate,
    /// Seconds worked inside it.
    pub worked_seconds: i64,
    /// Seconds credited for paid annual and sick leave on working days (neutral in the average).
    pub leave_credit_seconds: i64,
    /// The longest uninterrupted rest that begins in the week, seconds (`null`: no work that week).
    pub longest_rest_seconds: Option<i64>,
}

/// An employee's working time over a period, as the rules count it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkingTimeResponse {
    /// The employee.
    pub employee_id: EmployeeId,
    /// Their time zone.
    pub time_zone: String,
    /// First local date.
    pub from: NaiveDate,
    /// Last local date.
    pub to: NaiveDate,
    /// Hours per local day (days with work only).
    pub days: Vec<DayHours>,
    /// Hours per ISO week touching the period.
    pub weeks: Vec<WeekHours>,
    /// The reference period of the weekly average that ends with the week of `to`: its length in weeks.
    pub reference_weeks: u32,
    /// Average seconds per week over the weeks of that period up to `to` (employment only).
    pub average_seconds_per_week: i64,
    /// The weekly limit, seconds.
    pub weekly_limit_seconds: i64,
    /// Seconds that may still be worked in that period before its average exceeds the limit.
    pub seconds_left_in_reference: i64,
    /// Shortest rest between two working days in the period, seconds (`null`: fewer than two).
    pub shortest_daily_rest_seconds: Option<i64>,
    /// Shortest of the weeks' longest rests, seconds (`null`: no week with work).
    pub shortest_weekly_rest_seconds: Option<i64>,
    /// Whether an opt-out from the weekly limit is in force on `to`.
    pub opted_out: bool,
}

/// One threshold of a rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ThresholdView {
    /// Name, e.g. `min_rest`.
    pub name: String,
    /// Value (seconds for durations, `HH:MM` for times of day).
    pub value: serde_json::Value,
    /// What the value is: `seconds`, `weeks`, `time` (`HH:MM`), `date`, `month_day`, `percent`, `days`, `ratio`, `tenths_of_weeks`, `flag` or `name`.
    pub unit: String,
}

/// One rule of the pack.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    /// Rule id.
    pub id: String,
    /// Legal source of the thresholds.
    pub reference: String,
    /// What it checks.
    pub description: String,
    /// Its thresholds.
    pub thresholds: Vec<ThresholdView>,
}

/// The rule pack in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RulePackResponse {
    /// `eu`, `de`, `uk` or `fr`.
    pub code: String,
    /// Its rules.
    pub rules: Vec<RuleView>,
}

fn secs(name: &str, d: Duration) -> ThresholdView {
    ThresholdView {
        name: name.to_owned(),
        value: serde_json::json!(d.num_seconds()),
        unit: "seconds".to_owned(),
    }
}

fn other(name: &str, value: serde_json::Value, unit: &str) -> ThresholdView {
    ThresholdView {
        name: name.to_owned(),
        value,
        unit: unit.to_owned(),
    }
}

impl From<&RulePack> for RulePackResponse {
    fn from(p: &RulePack) -> Self {
        use super::pack::{PackCode, RestPeriod};
        let code = match p.code {
            PackCode::Eu => "eu",
            PackCode::De => "de",
            PackCode::Uk => "uk",
            PackCode::Fr => "fr",
        };
        let mut rules = vec![RuleView {
            id: "daily_rest".into(),
            reference: p.daily_rest.reference.into(),
            description: "At least this rest in every 24 hours from each start of work.".into(),
            thresholds: vec![secs("min_rest", p.daily_rest.min)],
        }];
        let mut breaks: Vec<ThresholdView> = Vec::new();
        for (i, t) in p.breaks.tiers.iter().enumerate() {
            breaks.push(ThresholdView {
                name: format!("tier{}_worked_{}", i + 1, if t.when.inclusive { "from" } else { "over" }),
                value: serde_json::json!(t.when.at.num_seconds()),
                unit: "seconds".into(),
            });
            breaks.push(secs(&format!("tier{}_break", i + 1), t.total));
        }
        breaks.push(secs("min_block", p.breaks.min_block));
        if let Some((d, _)) = p.breaks.max_continuous {
            breaks.push(secs("max_continuous", d));
        }
        rules.push(RuleView {
            id: "break".into(),
            reference: p.breaks.tiers.iter().map(|t| t.reference).collect::<Vec<_>>().join("; "),
            description: "A rest break when the working day is longer than the tier's hours; gaps of at least min_block count.".into(),
            thresholds: breaks,
        });
        let w = &p.weekly_rest;
        let mut rest = vec![secs("min_week", w.min_week)];
        if let RestPeriod::Fortnight { anchor } = w.period {
            rest.push(other("fortnight_anchor", serde_json::json!(anchor), "date"));
            rest.push(secs("fortnight_each", w.fortnight_each));
            rest.push(secs("fortnight_single", w.fortnight_single));
        }
        rules.push(RuleView {
            id: "weekly_rest".into(),
            reference: w.reference.into(),
            description: "An uninterrupted rest per ISO week (or two per fortnight).".into(),
            thresholds: rest,
        });
        for l in &p.weekly_average.limits {
            let mut t = vec![
                other("check", serde_json::json!(l.check), "name"),
                secs("per_week", l.per_week),
                other("weeks", serde_json::json!(l.weeks), "weeks"),
                other("rolling", serde_json::json!(l.rolling), "flag"),
                other("opt_out_applies", serde_json::json!(l.opt_out_applies), "flag"),
            ];
            if let Some(a) = l.alert_per_week {
                t.push(secs("alert_per_week", a));
            }
            t.push(secs("leave_credit_per_day", p.weekly_average.contractual_daily));
            rules.push(RuleView {
                id: "weekly_average".into(),
                reference: l.reference.into(),
                description: "Average working time per week over the reference period, paid annual and sick leave credited at contractual hours.".into(),
                thresholds: t,
            });
        }
        let n = &p.night_work;
        let mut night = vec![
            other("night_start", serde_json::json!(n.night_start.format("%H:%M").to_string()), "time"),
            other("night_end", serde_json::json!(n.night_end.format("%H:%M").to_string()), "time"),
            secs("night_day_min", n.night_day.at),
            other("night_worker_share", serde_json::json!(format!("{}/{}", n.share_num, n.share_den)), "ratio"),
            secs("per_day", n.per_day),
            other("weeks", serde_json::json!(n.weeks), "weeks"),
        ];
        if let Some((d, _)) = n.per_week {
            night.push(secs("per_week", d));
        }
        rules.push(RuleView {
            id: "night_work".into(),
            reference: n.reference.into(),
            description: "A night worker's time worked averages at most per_day per 24 hours over the reference period.".into(),
            thresholds: night,
        });
        let a = &p.annual_leave;
        let mut annual = vec![
            other("min_weeks_tenths", serde_json::json!(a.min_week_tenths), "tenths_of_weeks"),
            other("check_date", serde_json::json!(format!("{:02}-{:02}", a.check_month_day.0, a.check_month_day.1)), "month_day"),
            other("unused_alert_percent", serde_json::json!(a.unused_alert_percent), "percent"),
        ];
        if let Some(m) = a.max_days {
            annual.push(other("max_days", serde_json::json!(m), "days"));
        }
        rules.push(RuleView {
            id: "annual_leave".into(),
            reference: a.reference.into(),
            description: "Paid annual leave of at least four weeks; an alert when much of it is unused late in the year.".into(),
            thresholds: annual,
        });
        if let Some(d) = &p.daily_max {
            rules.push(RuleView {
                id: "daily_max".into(),
                reference: d.reference.into(),
                description: "Time worked in one working day.".into(),
                thresholds: vec![secs("max", d.max)],
            });
        }
        RulePackResponse {
            code: code.to_owned(),
            rules,
        }
    }
}
