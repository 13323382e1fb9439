//! Plain domain types of the compliance rules: worked intervals, leave days,
//! opt-outs, the employee context, and the findings (violations and alerts)
//! with their stable identity. No I/O, no clock.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One worked interval, `[start, end)` in UTC (end always known for evaluation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorkInterval {
    /// First instant worked.
    pub start: DateTime<Utc>,
    /// First instant no longer worked.
    pub end: DateTime<Utc>,
}

impl WorkInterval {
    /// Elapsed time worked (zero for an empty or inverted interval).
    pub fn duration(&self) -> Duration {
        (self.end - self.start).max(Duration::zero())
    }
}

/// Kind of a leave day, as far as working-time law cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveKind {
    /// Paid annual leave (Art. 7): neutral in averages, counts as leave taken.
    PaidAnnual,
    /// Sick leave: neutral in averages (Art. 16(b)).
    Sick,
    /// Any other leave (unpaid, special): counts as zero hours.
    Other,
}

/// One leave day (a local date of the employee), whole or half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LeaveDay {
    /// Local date.
    pub date: NaiveDate,
    /// Kind of leave.
    pub kind: LeaveKind,
    /// 2 for a whole day, 1 for a half day.
    pub half_days: u8,
}

/// A written opt-out from the weekly limit (Art. 22, WTR reg. 5), in force on the
/// local dates `from..=until` (`until` = last day before a withdrawal takes effect).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OptOut {
    /// First local date in force.
    pub from: NaiveDate,
    /// Last local date in force; `None` while not withdrawn.
    pub until: Option<NaiveDate>,
}

impl OptOut {
    /// The last day in force after a withdrawal given on `withdrawn_on` with a notice
    /// period of `notice_days` (WTR reg. 5(2)(b): 7 days unless agreed; reg. 5(3): at most 3 months).
    pub fn last_day_after_notice(withdrawn_on: NaiveDate, notice_days: u32) -> NaiveDate {
        withdrawn_on
            .checked_add_days(chrono::Days::new(u64::from(notice_days)))
            .and_then(|d| d.pred_opt())
            .unwrap_or(withdrawn_on)
    }

    /// Whether the opt-out is in force on `date`.
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.from && self.until.is_none_or(|u| date <= u)
    }
}

/// The paid annual leave entitlement of one leave year (calendar year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AnnualEntitlement {
    /// Calendar year.
    pub year: i32,
    /// Entitled paid annual leave of the year, in half days (already pro-rated by HR).
    pub entitled_half_days: u32,
    /// The employee's working days per week (1 to 7).
    pub working_days_per_week: u8,
}

/// Everything the rules know about one employee.
#[derive(Debug, Clone, PartialEq)]
pub struct EmployeeInput<'a> {
    /// Employee id (part of every finding's identity).
    pub employee: Uuid,
    /// The employee's IANA time zone: local days and weeks are computed in it.
    pub tz: Tz,
    /// First day of employment (weeks before it are not evaluated), if known.
    pub employed_from: Option<NaiveDate>,
    /// Last day of employment, if terminated.
    pub employed_to: Option<NaiveDate>,
    /// Worked intervals, sorted by start (overlaps are merged by the rules).
    pub intervals: &'a [WorkInterval],
    /// Leave days, sorted by date.
    pub leave: &'a [LeaveDay],
    /// Opt-out history.
    pub opt_outs: &'a [OptOut],
    /// Paid annual leave entitlements by year.
    pub entitlements: &'a [AnnualEntitlement],
    /// Contractual hours credited for a paid annual or sick leave day on a working
    /// day; `None` takes the pack's default.
    pub contractual_daily: Option<Duration>,
}

/// Stable rule ids (fixed by issue 14).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RuleId {
    /// Art. 3: 11 consecutive hours of rest per 24 hours.
    DailyRest,
    /// Art. 4: a break when the working day exceeds 6 hours.
    Break,
    /// Arts. 5, 16(a): weekly rest.
    WeeklyRest,
    /// Arts. 6, 16(b): average weekly working time.
    WeeklyAverage,
    /// Arts. 2, 8: night workers' average hours.
    NightWork,
    /// Art. 7: four weeks of paid annual leave.
    AnnualLeave,
    /// National daily maximum (ArbZG §3, C. trav. L3121-18).
    DailyMax,
}

impl RuleId {
    /// Every rule, in a fixed order.
    pub const ALL: [RuleId; 7] = [
        RuleId::DailyRest,
        RuleId::Break,
        RuleId::WeeklyRest,
        RuleId::WeeklyAverage,
        RuleId::NightWork,
        RuleId::AnnualLeave,
        RuleId::DailyMax,
    ];

    /// The stable snake_case id.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleId::DailyRest => "daily_rest",
            RuleId::Break => "break",
            RuleId::WeeklyRest => "weekly_rest",
            RuleId::WeeklyAverage => "weekly_average",
            RuleId::NightWork => "night_work",
            RuleId::AnnualLeave => "annual_leave",
            RuleId::DailyMax => "daily_max",
        }
    }
}

/// How serious a finding is; `Violation` becomes `COMPLIANCE_VIOLATION`, the others
/// `COMPLIANCE_ALERT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Shown for information only (e.g. an opted-out employee above the limit).
    Info,
    /// An alert: a limit is being approached, or an action is due.
    Warning,
    /// A breach of the rule.
    Violation,
}

/// The window a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Window {
    /// Local dates `first..=last`.
    Dates {
        /// First local date.
        first: NaiveDate,
        /// Last local date (inclusive).
        last: NaiveDate,
    },
}

impl Window {
    /// The window of one local date.
    pub fn day(d: NaiveDate) -> Window {
        Window::Dates { first: d, last: d }
    }

    /// A stable text form: `2026-03-02` or `2026-03-02..2026-06-28`.
    pub fn key(&self) -> String {
        match self {
            Window::Dates { first, last } if first == last => first.to_string(),
            Window::Dates { first, last } => format!("{first}..{last}"),
        }
    }
}

/// A measured value or a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "unit", content = "value", rename_all = "snake_case")]
pub enum Quantity {
    /// Elapsed time in seconds.
    Seconds(i64),
    /// Leave in half days.
    HalfDays(i64),
}

impl Quantity {
    /// A duration as seconds.
    pub fn of(d: Duration) -> Quantity {
        Quantity::Seconds(d.num_seconds())
    }
}

/// One violation or alert produced by a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Employee.
    pub employee: Uuid,
    /// Rule.
    pub rule: RuleId,
    /// Legal reference of the threshold that was applied.
    pub reference: &'static str,
    /// The window the finding is about (its identity).
    pub window: Window,
    /// Exact instants concerned, when the finding is about a span of time
    /// (the short rest, the working day).
    pub span: Option<WorkInterval>,
    /// What was measured.
    pub measured: Quantity,
    /// The limit it was compared with.
    pub limit: Quantity,
    /// Severity.
    pub severity: Severity,
    /// Which threshold of the rule (e.g. `avg_17w`, `week_48h`, `unused_share`), so
    /// two limits of one rule on the same window stay distinct.
    pub check: &'static str,
}

impl Finding {
    /// Stable identity: employee, rule, check, window and whether it is a violation
    /// or an alert, so replays record it once (`{employee}/{rule}/{check}/{window}/{kind}`).
    pub fn identity(&self) -> String {
        let kind = if self.severity == Severity::Violation {
            "violation"
        } else {
            "alert"
        };
        format!(
            "{}/{}/{}/{}/{}",
            self.employee,
            self.rule.as_str(),
            self.check,
            self.window.key(),
            kind
        )
    }
}

/// Errors of the compliance rules (become HTTP errors with a stable code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplianceError {
    /// The night period is shorter than 7 hours or misses 00:00–05:00 (Art. 2(3)).
    #[error("night time must last at least 7 hours and include 00:00 to 05:00")]
    InvalidNightPeriod,
    /// A threshold of the pack is out of range (zero reference period, etc.).
    #[error("rule pack threshold out of range: {0}")]
    InvalidThreshold(&'static str),
    /// A date range whose end precedes its start, or past chrono's range.
    #[error("invalid date range")]
    InvalidRange,
}

impl ComplianceError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            ComplianceError::InvalidNightPeriod => "invalid_night_period",
            ComplianceError::InvalidThreshold(_) => "invalid_rule_pack",
            ComplianceError::InvalidRange => "invalid_range",
        }
    }
}

// ---------------------------------------------------------------------------
// What the module stores

/// Where a stored finding is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Detected and still true.
    Open,
    /// HR has seen it (with a note); still true.
    Acknowledged,
    /// No longer true (a correction of the records, or the period completed).
    Resolved,
}

impl Status {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
        }
    }

    /// Parses [`Status::as_str`].
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "open" => Some(Status::Open),
            "acknowledged" => Some(Status::Acknowledged),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
}

/// Whether a stored finding is a violation or an alert (part of its identity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// A breach: `COMPLIANCE_VIOLATION`.
    Violation,
    /// A warning or information: `COMPLIANCE_ALERT`.
    Alert,
}

impl FindingKind {
    /// The kind of a finding of `severity`.
    pub fn of(severity: Severity) -> FindingKind {
        if severity == Severity::Violation {
            FindingKind::Violation
        } else {
            FindingKind::Alert
        }
    }

    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::Violation => "violation",
            FindingKind::Alert => "alert",
        }
    }
}

impl Severity {
    /// Stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Violation => "violation",
        }
    }

    /// Parses [`Severity::as_str`].
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "violation" => Some(Severity::Violation),
            _ => None,
        }
    }
}

impl RuleId {
    /// Parses [`RuleId::as_str`].
    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

/// A violation or alert as stored, with its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFinding {
    /// Id.
    pub id: crate::shared::ViolationId,
    /// [`Finding::identity`].
    pub identity: String,
    /// Employee.
    pub employee_id: crate::shared::EmployeeId,
    /// Rule.
    pub rule: RuleId,
    /// Which threshold of the rule.
    pub check: String,
    /// Violation or alert.
    pub kind: FindingKind,
    /// Severity of the latest evaluation.
    pub severity: Severity,
    /// Legal reference of the threshold.
    pub reference: String,
    /// First local date of the window.
    pub window_first: NaiveDate,
    /// Last local date of the window.
    pub window_last: NaiveDate,
    /// Exact span, when the finding is about one.
    pub span: Option<WorkInterval>,
    /// Measured value.
    pub measured: Quantity,
    /// Limit.
    pub limit: Quantity,
    /// Lifecycle state.
    pub status: Status,
    /// First detected.
    pub detected_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Who acknowledged it.
    pub acknowledged_by: Option<String>,
    /// When.
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// HR's note (free text: never in events or logs).
    pub note: Option<String>,
    /// When it was last resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// 1, then +1 per change.
    pub version: i32,
}

impl StoredFinding {
    /// A new open finding.
    pub fn new(f: &Finding, now: DateTime<Utc>) -> StoredFinding {
        let Window::Dates { first, last } = f.window;
        StoredFinding {
            id: crate::shared::ViolationId::generate(),
            identity: f.identity(),
            employee_id: f.employee.into(),
            rule: f.rule,
            check: f.check.to_owned(),
            kind: FindingKind::of(f.severity),
            severity: f.severity,
            reference: f.reference.to_owned(),
            window_first: first,
            window_last: last,
            span: f.span,
            measured: f.measured,
            limit: f.limit,
            status: Status::Open,
            detected_at: now,
            updated_at: now,
            acknowledged_by: None,
            acknowledged_at: None,
            note: None,
            resolved_at: None,
            version: 1,
        }
    }

    /// Whether the figures of `f` differ from the stored ones.
    pub fn figures_differ(&self, f: &Finding) -> bool {
        self.measured != f.measured
            || self.limit != f.limit
            || self.span != f.span
            || self.severity != f.severity
            || self.reference != f.reference
    }
}

/// A recorded opt-out from the weekly limit and its withdrawal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutRecord {
    /// Id.
    pub id: crate::shared::OptOutId,
    /// Employee.
    pub employee_id: crate::shared::EmployeeId,
    /// The date the employee signed it (first day in force).
    pub signed_on: NaiveDate,
    /// The date the employee withdrew it.
    pub withdrawn_on: Option<NaiveDate>,
    /// Notice period of the withdrawal, days.
    pub notice_days: Option<u32>,
    /// Last day in force (after the notice period).
    pub last_day: Option<NaiveDate>,
    /// Who recorded it.
    pub recorded_by: String,
    /// When.
    pub recorded_at: DateTime<Utc>,
    /// Who recorded the withdrawal.
    pub withdrawn_by: Option<String>,
    /// When.
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl OptOutRecord {
    /// The rules' view.
    pub fn as_rule(&self) -> OptOut {
        OptOut {
            from: self.signed_on,
            until: self.last_day,
        }
    }
}

/// A completed check and its counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRecord {
    /// Id.
    pub id: crate::shared::CheckId,
    /// One employee, or everyone.
    pub employee_id: Option<crate::shared::EmployeeId>,
    /// First local date checked.
    pub from: NaiveDate,
    /// Last local date checked.
    pub to: NaiveDate,
    /// `on_demand` or `periodic`.
    pub trigger: String,
    /// Who asked (`system` for periodic ones).
    pub requested_by: String,
    /// Employees checked.
    pub employees: i32,
    /// Findings newly detected (or reopened).
    pub detected: i32,
    /// Findings resolved.
    pub resolved: i32,
    /// Findings open or acknowledged in the period afterwards.
    pub open: i32,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Completed.
    pub completed_at: DateTime<Utc>,
}

/// What the module knows of an employee from `EMPLOYEE_*` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmployeeFacts {
    /// Time zone of their local days.
    pub tz: Tz,
    /// Hire date.
    pub hire_date: Option<NaiveDate>,
    /// Last day, once terminated.
    pub termination_date: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_opt_out_withdrawn_with_seven_days_notice_ends_the_day_before_the_notice_expires() {
        let last = OptOut::last_day_after_notice(d(2026, 3, 2), 7);
        assert_eq!(last, d(2026, 3, 8));
        let o = OptOut {
            from: d(2026, 1, 1),
            until: Some(last),
        };
        assert!(o.covers(d(2026, 3, 8)));
        assert!(!o.covers(d(2026, 3, 9)));
        assert!(!o.covers(d(2025, 12, 31)));
    }

    #[test]
    fn window_keys_are_stable_text() {
        assert_eq!(Window::day(d(2026, 3, 2)).key(), "2026-03-02");
        let w = Window::Dates {
            first: d(2026, 1, 5),
            last: d(2026, 5, 3),
        };
        assert_eq!(w.key(), "2026-01-05..2026-05-03");
    }

    #[test]
    fn error_codes_are_snake_case_and_stable() {
        assert_eq!(
            ComplianceError::InvalidNightPeriod.code(),
            "invalid_night_period"
        );
        assert_eq!(
            ComplianceError::InvalidThreshold("x").code(),
            "invalid_rule_pack"
        );
        assert_eq!(ComplianceError::InvalidRange.code(), "invalid_range");
    }
}
