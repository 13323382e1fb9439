//! The attendance API's request and response shapes, and their validation
//! into domain values (field problems are `validation_failed` with details).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::record::{
    CorrectionRequest, EmployeeId, LockId, LockScope, PeriodLock, RecordId, RequestId,
    RequestState, TimeRecord,
};
use super::summary::{DateHours, DaySummary, WeekSummary};
use crate::error::FieldError;
use crate::shared::parse::{parse_date, parse_employee};
use crate::shared::Page;

/// A time record (one version) as the API returns it. Instants are UTC; the
/// local date and ISO week are those of the start in the employee's time zone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordResponse {
    /// The record (all versions share it).
    pub id: RecordId,
    /// Whose record it is.
    pub employee_id: EmployeeId,
    /// 1 for the first version, then +1 per change.
    pub version: i32,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC); `null` while checked in.
    pub end: Option<DateTime<Utc>>,
    /// `check_in` or `manual`.
    pub source: String,
    /// Optional note.
    pub note: Option<String>,
    /// A voided record counts nowhere.
    pub voided: bool,
    /// What made this version: `check_in`, `manual`, `check_out`, `correction`, `void`, `approved_request`.
    pub kind: String,
    /// The account that made version 1.
    pub created_by: String,
    /// The account that made this version.
    pub changed_by: String,
    /// When this version was made.
    pub changed_at: DateTime<Utc>,
    /// Why this version was made (manual records and corrections).
    pub reason: Option<String>,
    /// The employee's IANA time zone.
    pub time_zone: String,
    /// Local date of the start in that zone (the day the record belongs to).
    pub local_date: NaiveDate,
    /// ISO week of that date, e.g. `2026-W13`.
    pub iso_week: String,
    /// Real elapsed seconds (an open record: up to now).
    pub elapsed_seconds: i64,
}

impl RecordResponse {
    /// The API form of `r` for an employee in `tz`.
    pub fn new(r: &TimeRecord, tz: Tz, now: DateTime<Utc>) -> Self {
        RecordResponse {
            id: r.id,
            employee_id: r.employee_id,
            version: r.version,
            start: r.start,
            end: r.end,
            source: r.source.as_str().to_owned(),
            note: r.note.clone(),
            voided: r.voided,
            kind: r.kind.as_str().to_owned(),
            created_by: r.created_by.clone(),
            changed_by: r.changed_by.clone(),
            changed_at: r.changed_at,
            reason: r.reason.clone(),
            time_zone: tz.name().to_owned(),
            local_date: r.local_date(tz),
            iso_week: r.iso_week(tz).to_string(),
            elapsed_seconds: r.elapsed(now).num_seconds(),
        }
    }
}

/// A page of records.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPage {
    /// The records, by start.
    pub items: Vec<RecordResponse>,
    /// How many match.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

/// Every version of a record, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordHistory {
    /// The record.
    pub id: RecordId,
    /// The versions: who changed it (`changed_by`), when (`changed_at`) and why (`reason`).
    pub versions: Vec<RecordResponse>,
}

/// `POST /api/v1/attendance/check-in` body (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInRequest {
    /// Optional note (at most 1000 characters).
    #[schema(value_type = Option<String>)]
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/v1/attendance/records` body: a manual record for a past interval.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualRecordRequest {
    /// Whose record.
    #[schema(value_type = EmployeeId)]
    pub employee_id: String,
    /// Start, RFC 3339.
    #[schema(value_type = DateTime<Utc>)]
    pub start: String,
    /// End, RFC 3339 (after the start).
    #[schema(value_type = DateTime<Utc>)]
    pub end: String,
    /// Optional note (at most 1000 characters).
    #[schema(value_type = Option<String>)]
    pub note: Option<String>,
    /// Why it is entered by hand (required, at most 1000 characters).
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
}

/// `PATCH /api/v1/attendance/records/{id}` body: new start and/or end, with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectRecordRequest {
    /// New start, RFC 3339; absent keeps it.
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub start: Option<String>,
    /// New end, RFC 3339; absent keeps it (setting it closes an open record).
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub end: Option<String>,
    /// Why (required, at most 1000 characters).
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
    /// The version you saw; a different current version is `stale_version`.
    #[schema(value_type = Option<i32>)]
    #[serde(default, deserialize_with = "integral_i32")]
    pub expected_version: Option<i32>,
}

/// `POST /api/v1/attendance/records/{id}/void` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoidRecordRequest {
    /// Why (required, at most 1000 characters).
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
    /// The version you saw; a different current version is `stale_version`.
    #[schema(value_type = Option<i32>)]
    #[serde(default, deserialize_with = "integral_i32")]
    pub expected_version: Option<i32>,
}

/// An optional 32-bit integer that also accepts its JSON float spelling
/// (`3.0`), as JSON Schema counts that as an integer.
fn integral_i32<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i32>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        None => Ok(None),
        Some(f) if f.fract() == 0.0 && f >= f64::from(i32::MIN) && f <= f64::from(i32::MAX) => {
            Ok(Some(f as i32))
        }
        Some(_) => Err(serde::de::Error::custom("expected a 32-bit integer")),
    }
}

/// The query of the records list and the summary.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// Whose records; default: your own (your account's linked employee record).
    #[param(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// First local date (`YYYY-MM-DD`, in the employee's time zone).
    #[param(value_type = NaiveDate)]
    pub from: String,
    /// Last local date, inclusive (at most 366 dates in all).
    #[param(value_type = NaiveDate)]
    pub to: String,
    /// Page size (records list only): default 50; values above 200 are capped to 200.
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (records list only; default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

/// A validated [`RangeQuery`].
#[derive(Debug, Clone, Copy)]
pub struct Range {
    /// Whose records.
    pub employee_id: EmployeeId,
    /// First local date.
    pub from: NaiveDate,
    /// Last local date.
    pub to: NaiveDate,
    /// Window.
    pub page: Page,
}

impl RangeQuery {
    /// Validates every field, reporting all problems at once; without an
    /// `employee_id` the range is `own`'s (none: a validation error).
    pub fn validate(self, own: Option<EmployeeId>) -> Result<Range, Vec<FieldError>> {
        let mut errors = Vec::new();
        let employee_id = match (self.employee_id.as_deref(), own) {
            (Some(raw), _) => parse_employee("employee_id", raw, &mut errors),
            (None, Some(own)) => Some(own),
            (None, None) => {
                errors.push(FieldError::new(
                    "employee_id",
                    "required",
                    "name an employee: your account is not linked to one",
                ));
                None
            }
        };
        let from = parse_date("from", &self.from, &mut errors);
        let to = parse_date("to", &self.to, &mut errors);
        let page = match Page::parse(self.limit, self.offset) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.extend(e);
                None
            }
        };
        match (employee_id, from, to, page) {
            (Some(employee_id), Some(from), Some(to), Some(page)) if errors.is_empty() => {
                Ok(Range {
                    employee_id,
                    from,
                    to,
                    page,
                })
            }
            _ => Err(errors),
        }
    }
}

/// One local day of the summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct DaySummaryResponse {
    /// The local date.
    pub date: NaiveDate,
    /// Seconds worked in the records that started on this date (whole, also the part after midnight).
    pub worked_seconds: i64,
    /// Seconds of the gaps between those records.
    pub break_seconds: i64,
    /// Number of live records that started on this date.
    pub records: u32,
    /// Start of the first.
    pub first_start: Option<DateTime<Utc>>,
    /// End of the last (`null` if none or still open).
    pub last_end: Option<DateTime<Utc>>,
    /// A record of this date is still open (counted up to now).
    pub open_record: bool,
    /// That open record is older than the longest allowed record: the check-out is missing.
    pub missing_check_out: bool,
}

impl From<&DaySummary> for DaySummaryResponse {
    fn from(d: &DaySummary) -> Self {
        DaySummaryResponse {
            date: d.date,
            worked_seconds: d.worked.num_seconds(),
            break_seconds: d.breaks.num_seconds(),
            records: d.records,
            first_start: d.first_start,
            last_end: d.last_end,
            open_record: d.open_record,
            missing_check_out: d.missing_check_out,
        }
    }
}

/// One ISO week of the summary (always Monday to Sunday).
#[derive(Debug, Serialize, ToSchema)]
pub struct WeekSummaryResponse {
    /// ISO week, e.g. `2026-W13`.
    pub week: String,
    /// Seconds worked in the records that started in the week.
    pub worked_seconds: i64,
    /// Seconds of breaks within its days.
    pub break_seconds: i64,
    /// Number of records.
    pub records: u32,
    /// Dates with an open record.
    pub open_record_days: Vec<NaiveDate>,
    /// Dates with a missing check-out.
    pub missing_check_out_days: Vec<NaiveDate>,
}

impl From<&WeekSummary> for WeekSummaryResponse {
    fn from(w: &WeekSummary) -> Self {
        WeekSummaryResponse {
            week: w.week.to_string(),
            worked_seconds: w.worked.num_seconds(),
            break_seconds: w.breaks.num_seconds(),
            records: w.records,
            open_record_days: w.open_record_days.clone(),
            missing_check_out_days: w.missing_check_out_days.clone(),
        }
    }
}

/// Hours that fell on one local date (records cut at local midnights).
#[derive(Debug, Serialize, ToSchema)]
pub struct DateHoursResponse {
    /// The local date.
    pub date: NaiveDate,
    /// Seconds worked between its first instant and the next date's.
    pub worked_seconds: i64,
    /// Some of it comes from a record that is still open.
    pub includes_open_record: bool,
}

impl From<&DateHours> for DateHoursResponse {
    fn from(h: &DateHours) -> Self {
        DateHoursResponse {
            date: h.date,
            worked_seconds: h.worked.num_seconds(),
            includes_open_record: h.includes_open_record,
        }
    }
}

/// `GET /api/v1/attendance/summary` answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryResponse {
    /// Whose.
    pub employee_id: EmployeeId,
    /// The zone of the local dates and weeks.
    pub time_zone: String,
    /// Every date of the range; a record belongs, whole, to the date it started on.
    pub days: Vec<DaySummaryResponse>,
    /// Every ISO week the range touches, complete (Monday to Sunday).
    pub weeks: Vec<WeekSummaryResponse>,
    /// Every date of the range with the hours that fell on it: records cut at local midnights.
    pub hours_by_date: Vec<DateHoursResponse>,
}

/// A period lock as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LockResponse {
    /// The lock.
    pub id: LockId,
    /// `everyone` or `employee`.
    pub scope: String,
    /// The employee it is for (`scope` `employee`), else `null`.
    pub employee_id: Option<EmployeeId>,
    /// First locked local date (inclusive), in each employee's own time zone.
    pub from: NaiveDate,
    /// Last locked local date (inclusive).
    pub to: NaiveDate,
    /// The account that locked it.
    pub locked_by: String,
    /// When.
    pub locked_at: DateTime<Utc>,
    /// Why it was locked, if given.
    pub reason: Option<String>,
    /// In force (not reopened).
    pub active: bool,
    /// The admin account that reopened it.
    pub reopened_by: Option<String>,
    /// When it was reopened.
    pub reopened_at: Option<DateTime<Utc>>,
    /// Why it was reopened.
    pub reopen_reason: Option<String>,
}

impl From<&PeriodLock> for LockResponse {
    fn from(l: &PeriodLock) -> Self {
        let (scope, employee_id) = match l.scope {
            LockScope::Everyone => ("everyone", None),
            LockScope::Employee(e) => ("employee", Some(e)),
        };
        LockResponse {
            id: l.id,
            scope: scope.to_owned(),
            employee_id,
            from: l.from,
            to: l.to,
            locked_by: l.locked_by.clone(),
            locked_at: l.locked_at,
            reason: l.reason.clone(),
            active: l.is_active(),
            reopened_by: l.reopened.as_ref().map(|r| r.by.clone()),
            reopened_at: l.reopened.as_ref().map(|r| r.at),
            reopen_reason: l.reopened.as_ref().map(|r| r.reason.clone()),
        }
    }
}

/// A page of period locks, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockPage {
    /// The locks.
    pub items: Vec<LockResponse>,
    /// How many match.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

/// `POST /api/v1/attendance/locks` body: lock the local dates `from..=to`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLockRequest {
    /// First local date (`YYYY-MM-DD`).
    #[schema(value_type = NaiveDate)]
    pub from: String,
    /// Last local date, inclusive (not before `from`).
    #[schema(value_type = NaiveDate)]
    pub to: String,
    /// Lock only this employee's records; absent or `null`: everyone's.
    #[serde(default)]
    #[schema(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Why, e.g. `payroll November` (at most 1000 characters).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub reason: Option<String>,
}

/// A validated [`NewLockRequest`].
#[derive(Debug, Clone)]
pub struct NewLock {
    /// First local date.
    pub from: NaiveDate,
    /// Last local date.
    pub to: NaiveDate,
    /// Everyone or one employee.
    pub employee_id: Option<EmployeeId>,
    /// Why.
    pub reason: Option<String>,
}

impl NewLockRequest {
    /// Validates the fields, reporting all problems at once.
    pub fn validate(self) -> Result<NewLock, Vec<FieldError>> {
        let mut errors = Vec::new();
        let from = parse_date("from", &self.from, &mut errors);
        let to = parse_date("to", &self.to, &mut errors);
        let employee_id = self
            .employee_id
            .as_deref()
            .and_then(|e| parse_employee("employee_id", e, &mut errors));
        match (from, to) {
            (Some(from), Some(to)) if errors.is_empty() => Ok(NewLock {
                from,
                to,
                employee_id,
                reason: self.reason,
            }),
            _ => Err(errors),
        }
    }
}

/// `POST /api/v1/attendance/locks/{id}/reopen` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenLockRequest {
    /// Why it is reopened (required, at most 1000 characters).
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
}

/// The query of the locks list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LockQuery {
    /// Only the locks that apply to this employee (everyone's and theirs).
    /// admin and hr see every lock without it; other callers name an employee
    /// they may see, or get the locks of their own employee record.
    #[param(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// `true`: only locks in force (default: all, reopened ones too).
    #[param(value_type = Option<bool>)]
    pub active: Option<bool>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

/// `POST /api/v1/attendance/records/{id}/correction-requests` body: the times
/// you propose for your own record, with a reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequestBody {
    /// Proposed start, RFC 3339; absent keeps it.
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub start: Option<String>,
    /// Proposed end, RFC 3339; absent keeps it (set it for a forgotten check-out).
    #[schema(value_type = Option<DateTime<Utc>>)]
    pub end: Option<String>,
    /// Why (required, at most 1000 characters).
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
}

/// A correction request as the API returns it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionRequestResponse {
    /// The request.
    pub id: RequestId,
    /// The record to correct.
    pub record_id: RecordId,
    /// Whose record it is.
    pub employee_id: EmployeeId,
    /// The record version the proposal was made against.
    pub record_version: i32,
    /// Proposed start (`null`: keep).
    pub proposed_start: Option<DateTime<Utc>>,
    /// Proposed end (`null`: keep).
    pub proposed_end: Option<DateTime<Utc>>,
    /// Why.
    pub reason: String,
    /// The requesting account.
    pub requested_by: String,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// `pending`, `approved` or `rejected`.
    pub state: String,
    /// The deciding account.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decider's comment (a rejection's reason).
    pub decision_note: Option<String>,
}

impl From<&CorrectionRequest> for CorrectionRequestResponse {
    fn from(q: &CorrectionRequest) -> Self {
        CorrectionRequestResponse {
            id: q.id,
            record_id: q.record_id,
            employee_id: q.employee_id,
            record_version: q.record_version,
            proposed_start: q.proposed_start,
            proposed_end: q.proposed_end,
            reason: q.reason.clone(),
            requested_by: q.requested_by.clone(),
            requested_at: q.requested_at,
            state: q.state.as_str().to_owned(),
            decided_by: q.decided_by.clone(),
            decided_at: q.decided_at,
            decision_note: q.decision_note.clone(),
        }
    }
}

/// A page of correction requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CorrectionRequestPage {
    /// The requests.
    pub items: Vec<CorrectionRequestResponse>,
    /// How many match.
    pub total: i64,
    /// Page size used.
    pub limit: i64,
    /// Items skipped.
    pub offset: i64,
}

/// A decided request and, on approval, the record's new version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionResponse {
    /// The request, now `approved` or `rejected`.
    pub request: CorrectionRequestResponse,
    /// The record's version that implements it (approval only).
    pub record: Option<RecordResponse>,
}

/// `POST .../correction-requests/{id}/approve` body (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveRequestBody {
    /// Optional comment (at most 1000 characters).
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub comment: Option<String>,
}

/// `POST .../correction-requests/{id}/reject` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequestBody {
    /// Why (required, at most 1000 characters): the employee is told.
    #[serde(default)]
    #[schema(required = true)]
    pub reason: String,
}

/// A correction request state in a query.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStateName {
    /// Waiting for a decision.
    Pending,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
}

impl RequestStateName {
    /// The domain state.
    pub fn state(self) -> RequestState {
        match self {
            RequestStateName::Pending => RequestState::Pending,
            RequestStateName::Approved => RequestState::Approved,
            RequestStateName::Rejected => RequestState::Rejected,
        }
    }
}

/// The query of the correction requests list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RequestQuery {
    /// Only this employee's requests (one you may see). Without it: admin and
    /// hr get everyone's, a manager their reporting chain's and their own, an
    /// employee their own.
    #[param(value_type = Option<EmployeeId>)]
    pub employee_id: Option<String>,
    /// Only requests in this state.
    #[param(value_type = Option<RequestStateName>)]
    pub state: Option<RequestStateName>,
    /// Page size: default 50; values above 200 are capped to 200.
    #[param(value_type = i64, minimum = 1, required = false)]
    pub limit: Option<i64>,
    /// Items to skip (default 0).
    #[param(value_type = i64, minimum = 0, required = false)]
    pub offset: Option<i64>,
}

