//! Attendance domain types as plain data: ids, time records and their versions,
//! correction requests, period locks, the employment facts the rules need and
//! who acts. No I/O, no clock: every instant is a parameter.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use crate::auth::Principal;

use super::calendar::{self, IsoWeek};

pub use crate::auth::Role;
pub use crate::shared::{EmployeeId, LockId, RecordId, RequestId};

/// Who acts, as the rules see it: the caller's [`Principal`] with the account
/// id as text (recorded as `changed_by` / `decided_by`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The account id, recorded as `changed_by` / `decided_by`.
    pub user_id: String,
    /// The employee record linked to the account, if any.
    pub employee_id: Option<EmployeeId>,
    /// The account's role.
    pub role: Role,
}

impl From<&Principal> for Actor {
    fn from(p: &Principal) -> Self {
        Actor {
            user_id: p.user_id.to_string(),
            employee_id: p.employee_id,
            role: p.role,
        }
    }
}

impl Actor {
    /// Whether the actor is the employee `employee` (their own record).
    pub fn is_employee(&self, employee: EmployeeId) -> bool {
        self.employee_id == Some(employee)
    }
}

/// How a record came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordSource {
    /// Self-service check-in (and later check-out) at the server's clock.
    CheckIn,
    /// Entered by HR or a manager for a past interval.
    Manual,
}

impl RecordSource {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordSource::CheckIn => "check_in",
            RecordSource::Manual => "manual",
        }
    }
}

/// What produced one version of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// Version 1 of a check-in (open).
    CheckIn,
    /// Version 1 of a manual record.
    Manual,
    /// The check-out that closed an open record.
    CheckOut,
    /// A direct correction of start and/or end by HR or a manager.
    Correction,
    /// The record was voided (it no longer counts anywhere).
    Void,
    /// An approved correction request.
    ApprovedRequest,
}

impl VersionKind {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::CheckIn => "check_in",
            VersionKind::Manual => "manual",
            VersionKind::CheckOut => "check_out",
            VersionKind::Correction => "correction",
            VersionKind::Void => "void",
            VersionKind::ApprovedRequest => "approved_request",
        }
    }
}

/// A half-open interval `[start, end)` of instants; `end: None` is open (still running).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// First instant.
    pub start: DateTime<Utc>,
    /// First instant after the interval; `None` while open.
    pub end: Option<DateTime<Utc>>,
}

impl Interval {
    /// A closed interval.
    pub fn closed(start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Interval {
            start,
            end: Some(end),
        }
    }

    /// An open interval (a running check-in).
    pub fn open(start: DateTime<Utc>) -> Self {
        Interval { start, end: None }
    }

    /// The end, or `now` for an open interval (an open record counts up to now).
    pub fn end_or(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.end.unwrap_or(now)
    }

    /// Real elapsed time (UTC difference, so DST changes count their real hours);
    /// an open interval counts up to `now`; never negative.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Duration {
        let d = self.end_or(now) - self.start;
        d.max(Duration::zero())
    }

    /// Whether two intervals share an instant. Half-open, so touching intervals
    /// (one's end == the other's start) do not overlap; an open interval has no
    /// end, so it overlaps everything after its start.
    pub fn overlaps(&self, other: &Interval) -> bool {
        let starts_before_other_ends = other.end.is_none_or(|e| self.start < e);
        let other_starts_before_self_ends = self.end.is_none_or(|e| other.start < e);
        starts_before_other_ends && other_starts_before_self_ends
    }
}

/// One version of a time record. Versions are never changed: a correction
/// produces the next version (same `id`, `version + 1`) and the earlier one stays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeRecord {
    /// The record (shared by all its versions).
    pub id: RecordId,
    /// Whose working time it is.
    pub employee_id: EmployeeId,
    /// 1 for the first version, then +1 per change.
    pub version: i32,
    /// Start instant (UTC).
    pub start: DateTime<Utc>,
    /// End instant (UTC); `None` while checked in.
    pub end: Option<DateTime<Utc>>,
    /// How the record was first made.
    pub source: RecordSource,
    /// Optional free text; never logged.
    pub note: Option<String>,
    /// A voided record counts nowhere and cannot be changed again.
    pub voided: bool,
    /// What produced this version.
    pub kind: VersionKind,
    /// The account that made version 1.
    pub created_by: String,
    /// The account that made this version.
    pub changed_by: String,
    /// When this version was made.
    pub changed_at: DateTime<Utc>,
    /// Why (manual records, corrections, voids, approved requests); never logged.
    pub reason: Option<String>,
    /// The correction request this version implements, if any.
    pub request_id: Option<RequestId>,
}

impl TimeRecord {
    /// The record's interval.
    pub fn interval(&self) -> Interval {
        Interval {
            start: self.start,
            end: self.end,
        }
    }

    /// Whether the record is still running (no end yet).
    pub fn is_open(&self) -> bool {
        self.end.is_none()
    }

    /// Whether the record counts (not voided).
    pub fn is_live(&self) -> bool {
        !self.voided
    }

    /// The local date the record belongs to: the local date of its start in `tz`
    /// (a night shift belongs to the day it started on).
    pub fn local_date(&self, tz: Tz) -> NaiveDate {
        calendar::local_date(self.start, tz)
    }

    /// The ISO week of the record's local date in `tz`.
    pub fn iso_week(&self, tz: Tz) -> IsoWeek {
        IsoWeek::of(self.local_date(tz))
    }

    /// Real elapsed time; an open record counts up to `now`.
    pub fn elapsed(&self, now: DateTime<Utc>) -> Duration {
        self.interval().elapsed(now)
    }
}

/// State of a correction request: `pending` until decided, then final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for the manager or HR.
    Pending,
    /// Approved: a new version of the record implements it.
    Approved,
    /// Rejected: the record is unchanged.
    Rejected,
}

impl RequestState {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestState::Pending => "pending",
            RequestState::Approved => "approved",
            RequestState::Rejected => "rejected",
        }
    }

    /// Whether the request has been decided (no further transition).
    pub fn is_final(self) -> bool {
        !matches!(self, RequestState::Pending)
    }
}

/// An employee's request to correct their own record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionRequest {
    /// The request.
    pub id: RequestId,
    /// The record to correct.
    pub record_id: RecordId,
    /// Whose record it is (the requester's own).
    pub employee_id: EmployeeId,
    /// The record version the proposal was made against.
    pub record_version: i32,
    /// Proposed new start; `None` keeps the start.
    pub proposed_start: Option<DateTime<Utc>>,
    /// Proposed new end; `None` keeps the end.
    pub proposed_end: Option<DateTime<Utc>>,
    /// Why; never logged.
    pub reason: String,
    /// The requesting account.
    pub requested_by: String,
    /// When it was asked.
    pub requested_at: DateTime<Utc>,
    /// Where it stands.
    pub state: RequestState,
    /// The deciding account, once decided.
    pub decided_by: Option<String>,
    /// When it was decided.
    pub decided_at: Option<DateTime<Utc>>,
    /// The decider's comment (required on rejection); never logged.
    pub decision_note: Option<String>,
}

/// Whom a period lock applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "scope", content = "employee_id", rename_all = "snake_case")]
pub enum LockScope {
    /// Every employee.
    Everyone,
    /// One employee.
    Employee(EmployeeId),
}

/// The lifting of a lock ("reopen"), kept for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reopening {
    /// The admin account that reopened it.
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// Why; never logged.
    pub reason: String,
}

/// A locked period: the local dates `from..=to` (in each employee's own time zone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeriodLock {
    /// The lock.
    pub id: LockId,
    /// Everyone or one employee.
    pub scope: LockScope,
    /// First locked local date (inclusive).
    pub from: NaiveDate,
    /// Last locked local date (inclusive).
    pub to: NaiveDate,
    /// The account that locked it.
    pub locked_by: String,
    /// When.
    pub locked_at: DateTime<Utc>,
    /// Optional why (e.g. "payroll November"); never logged.
    pub reason: Option<String>,
    /// Set when an admin lifted the lock; a reopened lock refuses nothing.
    pub reopened: Option<Reopening>,
}

impl PeriodLock {
    /// Whether the lock is in force (not reopened).
    pub fn is_active(&self) -> bool {
        self.reopened.is_none()
    }

    /// Whether the lock covers `employee` (everyone, or exactly them).
    pub fn applies_to(&self, employee: EmployeeId) -> bool {
        match self.scope {
            LockScope::Everyone => true,
            LockScope::Employee(e) => e == employee,
        }
    }

    /// Whether the local date range `first..=last` shares a date with the lock.
    pub fn intersects(&self, first: NaiveDate, last: NaiveDate) -> bool {
        first <= self.to && self.from <= last
    }
}

/// What the rules need to know about the employee (asked of the employee module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Employment {
    /// The employee.
    pub employee_id: EmployeeId,
    /// First day of employment (local date, inclusive).
    pub hire_date: NaiveDate,
    /// Last day of employment (local date, inclusive), once terminated.
    pub termination_date: Option<NaiveDate>,
    /// The employee's IANA time zone (`time_zone` on the employee record).
    pub time_zone: Tz,
}

/// Configurable limits of the attendance rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest allowed record (inclusive); default 24 hours.
    pub max_record: Duration,
    /// How far past `now` an instant may lie before it is "in the future"
    /// (inclusive); default 2 minutes, for clients whose clocks run a little ahead.
    pub future_tolerance: Duration,
}

impl Limits {
    /// Default longest record: 24 hours.
    pub fn default_max_record() -> Duration {
        Duration::hours(24)
    }

    /// Default clock tolerance: 2 minutes.
    pub fn default_future_tolerance() -> Duration {
        Duration::minutes(2)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record: Limits::default_max_record(),
            future_tolerance: Limits::default_future_tolerance(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, h, m, 0).unwrap()
    }

    #[test]
    fn intervals_overlap_only_when_they_share_an_instant() {
        struct Case {
            name: &'static str,
            a: Interval,
            b: Interval,
            expected: bool,
        }
        let cases = [
            Case {
                name: "disjoint",
                a: Interval::closed(t(8, 0), t(9, 0)),
                b: Interval::closed(t(10, 0), t(11, 0)),
                expected: false,
            },
            Case {
                name: "touching end == start",
                a: Interval::closed(t(8, 0), t(9, 0)),
                b: Interval::closed(t(9, 0), t(10, 0)),
                expected: false,
            },
            Case {
                name: "touching the other way round",
                a: Interval::closed(t(9, 0), t(10, 0)),
                b: Interval::closed(t(8, 0), t(9, 0)),
                expected: false,
            },
            Case {
                name: "one minute shared",
                a: Interval::closed(t(8, 0), t(9, 1)),
                b: Interval::closed(t(9, 0), t(10, 0)),
                expected: true,
            },
            Case {
                name: "contained",
                a: Interval::closed(t(8, 0), t(12, 0)),
                b: Interval::closed(t(9, 0), t(10, 0)),
                expected: true,
            },
            Case {
                name: "identical",
                a: Interval::closed(t(8, 0), t(9, 0)),
                b: Interval::closed(t(8, 0), t(9, 0)),
                expected: true,
            },
            Case {
                name: "open record and a later closed one",
                a: Interval::open(t(8, 0)),
                b: Interval::closed(t(9, 0), t(10, 0)),
                expected: true,
            },
            Case {
                name: "open record touching the end of an earlier one",
                a: Interval::open(t(9, 0)),
                b: Interval::closed(t(8, 0), t(9, 0)),
                expected: false,
            },
            Case {
                name: "two open records",
                a: Interval::open(t(8, 0)),
                b: Interval::open(t(9, 0)),
                expected: true,
            },
        ];
        for c in cases {
            assert_eq!(c.a.overlaps(&c.b), c.expected, "{}", c.name);
            assert_eq!(c.b.overlaps(&c.a), c.expected, "{} (swapped)", c.name);
        }
    }

    #[test]
    fn an_open_interval_counts_up_to_now_and_never_negative() {
        assert_eq!(
            Interval::open(t(8, 0)).elapsed(t(9, 30)),
            Duration::minutes(90)
        );
        assert_eq!(Interval::open(t(8, 0)).elapsed(t(7, 59)), Duration::zero());
        assert_eq!(
            Interval::closed(t(8, 0), t(9, 0)).elapsed(t(23, 0)),
            Duration::hours(1)
        );
    }
}
