//! Attendance rules as plain functions over plain data: validation of a new or
//! changed time record, check-in and check-out, manual records, corrections that
//! never overwrite, correction requests, period locks. No database, no actors,
//! no clock: `now` and every lookup are parameters (see [`WriteFacts`]).
//!
//! A write is judged in two stages. State preconditions (already checked in, not
//! checked in, voided, stale version, decided request, rights) are checked first
//! and the first one found is returned alone, because the other checks make no
//! sense once it fails. Then every problem of the input is collected, in the
//! order of [`AttendanceError::ORDER`]; the first is the one the API answers with.

use chrono::{DateTime, Utc};

use super::calendar;
use super::record::*;

/// Longest accepted reason or decision comment, in characters.
pub const REASON_MAX: usize = 1000;
/// Longest accepted note, in characters.
pub const NOTE_MAX: usize = 1000;

/// Why an attendance write or query is refused. Each variant has a stable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttendanceError {
    /// The end is not strictly after the start (a zero-length record is refused too).
    #[error("the end must be after the start")]
    EndBeforeStart,
    /// The record is longer than the longest allowed record.
    #[error("the record is longer than the longest allowed record")]
    RecordTooLong,
    /// The start or end lies beyond now plus the clock tolerance.
    #[error("the record lies in the future")]
    RecordInFuture,
    /// The record has time on a local date before hire or after termination.
    #[error("the record lies outside the employment")]
    OutsideEmployment,
    /// The old or the new interval has time on a date of an active lock.
    #[error("the period is locked")]
    PeriodLocked {
        /// The first lock (in the order given) the write touches.
        lock_id: LockId,
    },
    /// The record would overlap another live record of the employee.
    #[error("the record overlaps another record")]
    OverlappingRecord {
        /// The earliest-starting live record it overlaps.
        record_id: RecordId,
    },
    /// Check-in while a record is open.
    #[error("already checked in")]
    AlreadyCheckedIn,
    /// Check-out with no open record.
    #[error("not checked in")]
    NotCheckedIn,
    /// Check-out of a record open longer than the limit: it needs a correction.
    #[error("the open record is longer than the longest allowed record; it needs a correction")]
    OpenRecordTooLong,
    /// Deciding one's own correction request.
    #[error("a correction request cannot be decided by its requester")]
    CannotDecideOwnRequest,
    /// Deciding a request that is already approved or rejected.
    #[error("the correction request is already decided")]
    RequestAlreadyDecided,
    /// Approving a request made against an older version of the record.
    #[error("the record changed since the correction request was made")]
    RequestOutdated,
    /// A second pending request for one record.
    #[error("a correction request for this record is already pending")]
    RequestAlreadyPending,
    /// Requesting a correction of somebody else's record.
    #[error("a correction can only be requested for one's own record")]
    NotOwnRecord,
    /// Correcting one's own record directly (use a correction request).
    #[error("one's own record cannot be corrected directly; request a correction")]
    CannotCorrectOwnRecord,
    /// The actor's role (or reporting line) does not allow the action.
    #[error("forbidden")]
    Forbidden,
    /// A reason is missing or blank.
    #[error("a reason is required")]
    ReasonRequired,
    /// A reason or comment is longer than [`REASON_MAX`].
    #[error("the reason is too long")]
    ReasonTooLong,
    /// A note is longer than [`NOTE_MAX`].
    #[error("the note is too long")]
    NoteTooLong,
    /// A correction that changes nothing.
    #[error("the correction changes nothing")]
    NoChange,
    /// Changing a voided record.
    #[error("the record is voided")]
    RecordVoided,
    /// The client's expected version is not the current one (a concurrent change).
    #[error("the record was changed by someone else")]
    StaleVersion,
    /// A lock whose last date precedes its first.
    #[error("the lock's first date is after its last date")]
    InvalidLockRange,
    /// Reopening a lock that is already reopened.
    #[error("the lock is not active")]
    LockNotActive,
    /// A query range whose first date is after its last.
    #[error("the range's first date is after its last date")]
    InvalidRange,
    /// A query range longer than allowed.
    #[error("the range is too long")]
    RangeTooLong,
    /// A reason, note or comment with control or invisible characters, or
    /// without a visible one.
    #[error("a reason, note or comment contains control or invisible characters, or no visible character")]
    InvalidText,
}

impl AttendanceError {
    /// Every code, in the order collected problems are reported (the first one
    /// reported is the one the API answers with).
    pub const ORDER: [&'static str; 27] = [
        "forbidden",
        "cannot_correct_own_record",
        "not_own_record",
        "cannot_decide_own_request",
        "request_already_decided",
        "record_voided",
        "stale_version",
        "request_outdated",
        "request_already_pending",
        "already_checked_in",
        "not_checked_in",
        "open_record_too_long",
        "reason_required",
        "reason_too_long",
        "note_too_long",
        "invalid_text",
        "no_change",
        "end_before_start",
        "record_too_long",
        "record_in_future",
        "outside_employment",
        "period_locked",
        "overlapping_record",
        "invalid_lock_range",
        "lock_not_active",
        "invalid_range",
        "range_too_long",
    ];

    /// The stable snake_case code (the HTTP error code).
    pub fn code(&self) -> &'static str {
        match self {
            AttendanceError::EndBeforeStart => "end_before_start",
            AttendanceError::RecordTooLong => "record_too_long",
            AttendanceError::RecordInFuture => "record_in_future",
            AttendanceError::OutsideEmployment => "outside_employment",
            AttendanceError::PeriodLocked { .. } => "period_locked",
            AttendanceError::OverlappingRecord { .. } => "overlapping_record",
            AttendanceError::AlreadyCheckedIn => "already_checked_in",
            AttendanceError::NotCheckedIn => "not_checked_in",
            AttendanceError::OpenRecordTooLong => "open_record_too_long",
            AttendanceError::CannotDecideOwnRequest => "cannot_decide_own_request",
            AttendanceError::RequestAlreadyDecided => "request_already_decided",
            AttendanceError::RequestOutdated => "request_outdated",
            AttendanceError::RequestAlreadyPending => "request_already_pending",
            AttendanceError::NotOwnRecord => "not_own_record",
            AttendanceError::CannotCorrectOwnRecord => "cannot_correct_own_record",
            AttendanceError::Forbidden => "forbidden",
            AttendanceError::ReasonRequired => "reason_required",
            AttendanceError::ReasonTooLong => "reason_too_long",
            AttendanceError::NoteTooLong => "note_too_long",
            AttendanceError::NoChange => "no_change",
            AttendanceError::RecordVoided => "record_voided",
            AttendanceError::StaleVersion => "stale_version",
            AttendanceError::InvalidLockRange => "invalid_lock_range",
            AttendanceError::LockNotActive => "lock_not_active",
            AttendanceError::InvalidRange => "invalid_range",
            AttendanceError::RangeTooLong => "range_too_long",
            AttendanceError::InvalidText => "invalid_text",
        }
    }

    /// The suggested HTTP status: 403 for rights, 409 for conflicts with stored
    /// state (locks, overlaps, open records, decided requests), 422 for the rest.
    pub fn http_status(&self) -> u16 {
        use AttendanceError::*;
        match self {
            Forbidden | CannotCorrectOwnRecord | CannotDecideOwnRequest | NotOwnRecord => 403,
            PeriodLocked { .. }
            | OverlappingRecord { .. }
            | AlreadyCheckedIn
            | NotCheckedIn
            | OpenRecordTooLong
            | RequestAlreadyDecided
            | RequestOutdated
            | RequestAlreadyPending
            | RecordVoided
            | StaleVersion
            | LockNotActive => 409,
            _ => 422,
        }
    }

    fn rank(&self) -> usize {
        let code = self.code();
        AttendanceError::ORDER
            .iter()
            .position(|c| *c == code)
            .unwrap_or(AttendanceError::ORDER.len())
    }
}

/// A refused write: every problem found, non-empty, in [`AttendanceError::ORDER`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.primary())]
pub struct Rejection(Vec<AttendanceError>);

impl Rejection {
    /// A rejection with one problem.
    pub fn one(err: AttendanceError) -> Self {
        Rejection(vec![err])
    }

    fn from_problems(mut problems: Vec<AttendanceError>) -> Result<(), Rejection> {
        if problems.is_empty() {
            return Ok(());
        }
        // Stable sort: problems of one code keep the order they were found in.
        problems.sort_by_key(AttendanceError::rank);
        Err(Rejection(problems))
    }

    /// The problem the API answers with (the first in order).
    pub fn primary(&self) -> &AttendanceError {
        // Never empty by construction; `Forbidden` is only a defensive fallback.
        self.0.first().unwrap_or(&AttendanceError::Forbidden)
    }

    /// The code of the primary problem.
    pub fn code(&self) -> &'static str {
        self.primary().code()
    }

    /// All problems, in order.
    pub fn errors(&self) -> &[AttendanceError] {
        &self.0
    }

    /// All codes, in order.
    pub fn codes(&self) -> Vec<&'static str> {
        self.0.iter().map(AttendanceError::code).collect()
    }
}

impl From<AttendanceError> for Rejection {
    fn from(err: AttendanceError) -> Self {
        Rejection::one(err)
    }
}

/// The facts a write is judged against, gathered by the actor inside the write's
/// transaction (so the overlap and lock checks hold under concurrent writes).
#[derive(Debug, Clone, Copy)]
pub struct WriteFacts<'a> {
    /// The server's clock at the write (`stored_now()`).
    pub now: DateTime<Utc>,
    /// The employee's hire and termination dates and time zone.
    pub employment: &'a Employment,
    /// Longest record and clock tolerance.
    pub limits: Limits,
    /// The employee's records (current versions). Voided ones, other employees'
    /// and the record being written are ignored, so passing all is fine.
    pub records: &'a [TimeRecord],
    /// Period locks. Reopened ones and those for other employees are ignored.
    pub locks: &'a [PeriodLock],
}

impl WriteFacts<'_> {
    fn tz(&self) -> chrono_tz::Tz {
        self.employment.time_zone
    }

    fn live_others(&self, this: RecordId) -> impl Iterator<Item = &TimeRecord> {
        let employee = self.employment.employee_id;
        self.records
            .iter()
            .filter(move |r| r.is_live() && r.id != this && r.employee_id == employee)
    }
}

/// The local dates `[first, last]` an interval has time on; an open interval
/// counts up to `now` (at least its start date).
fn interval_dates(
    iv: &Interval,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> (chrono::NaiveDate, chrono::NaiveDate) {
    let end = iv.end.unwrap_or(now.max(iv.start));
    calendar::dates_covered(iv.start, end, tz)
}

/// The first active lock applying to the employee that shares a local date with
/// `iv` (dates of its start and end in the employee's time zone, end exclusive).
///
/// Source: issue 13 §5 ("any write that would touch a locked period is 409").
pub fn lock_touched<'l>(
    iv: &Interval,
    employment: &Employment,
    locks: &'l [PeriodLock],
    now: DateTime<Utc>,
) -> Option<&'l PeriodLock> {
    let (first, last) = interval_dates(iv, now, employment.time_zone);
    locks.iter().find(|l| {
        l.is_active() && l.applies_to(employment.employee_id) && l.intersects(first, last)
    })
}

/// Whether a write changing `old` into `new` (either absent: a creation has no
/// old interval, a void no new one) is allowed by the active locks: refused
/// when the old or the new interval touches a lock that applies to the employee.
///
/// Source: issue 13 §4 ("no change inside a locked period") and §5.
pub fn check_locks(
    old: Option<&Interval>,
    new: Option<&Interval>,
    facts: &WriteFacts<'_>,
) -> Result<(), AttendanceError> {
    for iv in [old, new].into_iter().flatten() {
        if let Some(lock) = lock_touched(iv, facts.employment, facts.locks, facts.now) {
            return Err(AttendanceError::PeriodLocked { lock_id: lock.id });
        }
    }
    Ok(())
}

/// Every problem of writing the interval `new` for record `id` (replacing `old`
/// when it is a change), in [`AttendanceError::ORDER`]:
///
/// - `end_before_start`: `end <= start` (zero length refused; issue 13 §4 "the
///   end after the start").
/// - `record_too_long`: `end - start > max_record` (exactly the limit is allowed;
///   an open interval counts up to now). Issue 13 §4.
/// - `record_in_future`: `start > now + tolerance` or `end > now + tolerance`
///   (exactly now + tolerance is allowed). Issue 13 §4.
/// - `outside_employment`: a local date the interval has time on is before the
///   hire date or after the termination date (both inclusive days of
///   employment). Issue 13 §4.
/// - `period_locked`: see [`check_locks`].
/// - `overlapping_record`: it shares an instant with another live record of the
///   employee; open records extend from their start with no end (they count up to
///   now and beyond); touching is not overlapping. Issue 13 §4.
pub fn check_interval(
    id: RecordId,
    new: &Interval,
    old: Option<&Interval>,
    facts: &WriteFacts<'_>,
) -> Result<(), Rejection> {
    Rejection::from_problems(interval_problems(id, new, old, facts))
}

fn interval_problems(
    id: RecordId,
    new: &Interval,
    old: Option<&Interval>,
    facts: &WriteFacts<'_>,
) -> Vec<AttendanceError> {
    let mut problems = Vec::new();
    let now = facts.now;
    let well_formed = match new.end {
        Some(end) if end <= new.start => {
            problems.push(AttendanceError::EndBeforeStart);
            false
        }
        _ => true,
    };
    if well_formed && new.elapsed(now) > facts.limits.max_record {
        problems.push(AttendanceError::RecordTooLong);
    }
    let latest = now + facts.limits.future_tolerance;
    if new.start > latest || new.end.is_some_and(|e| e > latest) {
        problems.push(AttendanceError::RecordInFuture);
    }
    let emp = facts.employment;
    let (first, last) = interval_dates(new, now, facts.tz());
    let before_hire = first < emp.hire_date || last < emp.hire_date;
    let after_termination = emp.termination_date.is_some_and(|t| first > t || last > t);
    if before_hire || after_termination {
        problems.push(AttendanceError::OutsideEmployment);
    }
    if let Err(e) = check_locks(old, Some(new), facts) {
        problems.push(e);
    }
    if well_formed {
        let clash = facts
            .live_others(id)
            .filter(|r| r.interval().overlaps(new))
            .min_by_key(|r| r.start);
        if let Some(r) = clash {
            problems.push(AttendanceError::OverlappingRecord { record_id: r.id });
        }
    }
    problems
}

fn reason_problems(reason: &str, problems: &mut Vec<AttendanceError>) {
    if reason.trim().is_empty() {
        problems.push(AttendanceError::ReasonRequired);
    } else {
        optional_text_problems(Some(reason), REASON_MAX, AttendanceError::ReasonTooLong, problems);
    }
}

/// An optional free text (a blank one is none): at most `max` characters
/// (`too_long` otherwise) and displayable (`invalid_text`: no control or
/// invisible characters, at least one visible one; security finding 11).
fn optional_text_problems(
    text: Option<&str>,
    max: usize,
    too_long: AttendanceError,
    problems: &mut Vec<AttendanceError>,
) {
    let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    if t.chars().count() > max {
        problems.push(too_long);
    }
    if !crate::shared::text::is_displayable_text(t) {
        problems.push(AttendanceError::InvalidText);
    }
}

fn note_problems(note: Option<&str>, problems: &mut Vec<AttendanceError>) {
    optional_text_problems(note, NOTE_MAX, AttendanceError::NoteTooLong, problems);
}

/// A blank note is no note.
fn clean_note(note: Option<String>) -> Option<String> {
    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

/// Whether `actor` may read the records of `employee`: admin and HR all, a
/// manager their reporting chain (`manages`) and themselves, an employee their
/// own. The API answers 404, not 403, otherwise (a record's existence is not told).
///
/// Source: issue 13 §7.
pub fn may_read(actor: &Actor, employee: EmployeeId, manages: bool) -> bool {
    match actor.role {
        Role::Admin | Role::Hr => true,
        Role::Manager => manages || actor.is_employee(employee),
        Role::Employee => actor.is_employee(employee),
    }
}

/// Whether `actor` may create, correct or void records of `employee`: admin and
/// HR for anyone, a manager for their reporting chain (`manages`: the actor is
/// the employee's direct or indirect manager, asked of the employee module);
/// nobody for their own record (four eyes: they file a correction request).
///
/// Source: issue 13 §3 ("by HR, and by a manager for their reporting chain").
pub fn may_manage_records(
    actor: &Actor,
    employee: EmployeeId,
    manages: bool,
) -> Result<(), AttendanceError> {
    if actor.is_employee(employee) {
        return Err(AttendanceError::CannotCorrectOwnRecord);
    }
    match actor.role {
        Role::Admin | Role::Hr => Ok(()),
        Role::Manager if manages => Ok(()),
        Role::Manager | Role::Employee => Err(AttendanceError::Forbidden),
    }
}

/// Check-in: opens version 1 of a record at `facts.now` for the employee.
/// Refused with `already_checked_in` while any live record of theirs is open
/// (one open record per employee); then the interval checks of
/// [`check_interval`] apply to the open interval `[now, …)` (employment,
/// locks, and overlap with a manual record reaching past now).
///
/// Source: issue 13 §2.
pub fn check_in(
    id: RecordId,
    actor: &Actor,
    note: Option<String>,
    facts: &WriteFacts<'_>,
) -> Result<TimeRecord, Rejection> {
    if facts.live_others(id).any(TimeRecord::is_open) {
        return Err(AttendanceError::AlreadyCheckedIn.into());
    }
    let mut problems = Vec::new();
    note_problems(note.as_deref(), &mut problems);
    let iv = Interval::open(facts.now);
    problems.extend(interval_problems(id, &iv, None, facts));
    Rejection::from_problems(problems)?;
    Ok(TimeRecord {
        id,
        employee_id: facts.employment.employee_id,
        version: 1,
        start: facts.now,
        end: None,
        source: RecordSource::CheckIn,
        note: clean_note(note),
        voided: false,
        kind: VersionKind::CheckIn,
        created_by: actor.user_id.clone(),
        changed_by: actor.user_id.clone(),
        changed_at: facts.now,
        reason: None,
        request_id: None,
    })
}

/// The employee's open live record (the latest-starting one, should the data
/// ever hold two).
pub fn open_record<'r>(facts: &WriteFacts<'r>) -> Option<&'r TimeRecord> {
    let employee = facts.employment.employee_id;
    facts
        .records
        .iter()
        .filter(|r| r.is_live() && r.is_open() && r.employee_id == employee)
        .max_by_key(|r| r.start)
}

/// Check-out: closes the employee's open record at `facts.now`, as its next
/// version. `not_checked_in` without an open record; `open_record_too_long`
/// when `now - start > max_record` (it needs a correction; exactly the limit is
/// still closed); then the interval checks (e.g. `end_before_start` if the clock
/// went back, `period_locked`, `outside_employment`).
///
/// Source: issue 13 §2.
pub fn check_out(actor: &Actor, facts: &WriteFacts<'_>) -> Result<TimeRecord, Rejection> {
    let open = open_record(facts).ok_or(AttendanceError::NotCheckedIn)?;
    if facts.now - open.start > facts.limits.max_record {
        return Err(AttendanceError::OpenRecordTooLong.into());
    }
    let new = Interval::closed(open.start, facts.now);
    check_interval(open.id, &new, Some(&open.interval()), facts)?;
    Ok(next_version(
        open,
        new,
        false,
        VersionKind::CheckOut,
        actor,
        None,
        None,
        facts.now,
    ))
}

/// A manual record for a past interval, entered by HR or a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualRecord {
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant (manual records are always closed).
    pub end: DateTime<Utc>,
    /// Optional note.
    pub note: Option<String>,
    /// Why it is entered by hand (required).
    pub reason: String,
}

/// Creates version 1 of a manual record after [`may_manage_records`], the reason
/// and note checks and [`check_interval`], all problems reported together.
///
/// Source: issue 13 §3 ("create a record for a past interval ... always with a reason").
pub fn create_manual(
    id: RecordId,
    input: ManualRecord,
    actor: &Actor,
    manages: bool,
    facts: &WriteFacts<'_>,
) -> Result<TimeRecord, Rejection> {
    may_manage_records(actor, facts.employment.employee_id, manages)?;
    let mut problems = Vec::new();
    reason_problems(&input.reason, &mut problems);
    note_problems(input.note.as_deref(), &mut problems);
    let iv = Interval::closed(input.start, input.end);
    problems.extend(interval_problems(id, &iv, None, facts));
    Rejection::from_problems(problems)?;
    Ok(TimeRecord {
        id,
        employee_id: facts.employment.employee_id,
        version: 1,
        start: input.start,
        end: Some(input.end),
        source: RecordSource::Manual,
        note: clean_note(input.note),
        voided: false,
        kind: VersionKind::Manual,
        created_by: actor.user_id.clone(),
        changed_by: actor.user_id.clone(),
        changed_at: facts.now,
        reason: Some(input.reason.trim().to_owned()),
        request_id: None,
    })
}

/// What a correction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// New start and/or end; `None` keeps the current value. Setting an end
    /// closes an open record; a closed record cannot be reopened.
    Retime {
        /// New start.
        start: Option<DateTime<Utc>>,
        /// New end.
        end: Option<DateTime<Utc>>,
    },
    /// Void the record: it stays in the history and counts nowhere.
    Void,
}

/// A correction by HR or a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// What changes.
    pub change: Change,
    /// Why (required).
    pub reason: String,
    /// The version the client saw (`If-Match`); `None` skips the check.
    pub expected_version: Option<i32>,
}

/// The next version of `current`: a new value with `version + 1`; `current`
/// itself is untouched (corrections never overwrite).
#[expect(clippy::too_many_arguments, reason = "one field of the version each")]
fn next_version(
    current: &TimeRecord,
    iv: Interval,
    voided: bool,
    kind: VersionKind,
    actor: &Actor,
    reason: Option<String>,
    request_id: Option<RequestId>,
    now: DateTime<Utc>,
) -> TimeRecord {
    TimeRecord {
        // Saturating: 2^31 versions are unreachable, and the store's unique
        // (id, version) key would refuse a repeat rather than overwrite.
        version: current.version.saturating_add(1),
        start: iv.start,
        end: iv.end,
        voided,
        kind,
        changed_by: actor.user_id.clone(),
        changed_at: now,
        reason,
        request_id,
        ..current.clone()
    }
}

/// The interval a retime produces from `current`.
fn retimed(
    current: &Interval,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
) -> Interval {
    Interval {
        start: start.unwrap_or(current.start),
        end: end.or(current.end),
    }
}

/// Corrects (retimes or voids) `current`, returning its next version.
/// Preconditions, each returned alone: [`may_manage_records`], `record_voided`,
/// `stale_version` (when `expected_version` differs). Then, all together: the
/// reason, `no_change` (a retime equal to the current interval), and for a
/// retime [`check_interval`] of the new interval with the old one as `old`; a
/// void only checks that the old interval touches no lock.
///
/// Source: issue 13 §3 ("a correction never overwrites: the earlier version is kept") and §4.
pub fn correct(
    current: &TimeRecord,
    correction: Correction,
    actor: &Actor,
    manages: bool,
    facts: &WriteFacts<'_>,
) -> Result<TimeRecord, Rejection> {
    may_manage_records(actor, current.employee_id, manages)?;
    if current.voided {
        return Err(AttendanceError::RecordVoided.into());
    }
    if correction
        .expected_version
        .is_some_and(|v| v != current.version)
    {
        return Err(AttendanceError::StaleVersion.into());
    }
    let mut problems = Vec::new();
    reason_problems(&correction.reason, &mut problems);
    let old = current.interval();
    let reason = Some(correction.reason.trim().to_owned());
    match correction.change {
        Change::Retime { start, end } => {
            let new = retimed(&old, start, end);
            if new == old {
                problems.push(AttendanceError::NoChange);
            } else {
                problems.extend(interval_problems(current.id, &new, Some(&old), facts));
            }
            Rejection::from_problems(problems)?;
            Ok(next_version(
                current,
                new,
                false,
                VersionKind::Correction,
                actor,
                reason,
                None,
                facts.now,
            ))
        }
        Change::Void => {
            if let Err(e) = check_locks(Some(&old), None, facts) {
                problems.push(e);
            }
            Rejection::from_problems(problems)?;
            Ok(next_version(
                current,
                old,
                true,
                VersionKind::Void,
                actor,
                reason,
                None,
                facts.now,
            ))
        }
    }
}

/// An employee's proposal for their own record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    /// Proposed start; `None` keeps it.
    pub start: Option<DateTime<Utc>>,
    /// Proposed end; `None` keeps it (set it for a forgotten check-out).
    pub end: Option<DateTime<Utc>>,
    /// Why (required).
    pub reason: String,
}

/// Files a correction request (state `pending`) for `record`, the requester's
/// own record. Preconditions, each alone: `not_own_record`, `record_voided`,
/// `request_already_pending` (`pending_exists`: another pending request for the
/// record). Then together: the reason, `no_change`, and [`check_interval`] of the
/// proposed interval, so the employee learns at once what approval would refuse.
///
/// Source: issue 13 §3 ("an employee may ask for a correction of their own record").
pub fn request_correction(
    id: RequestId,
    record: &TimeRecord,
    proposal: Proposal,
    requester: &Actor,
    pending_exists: bool,
    facts: &WriteFacts<'_>,
) -> Result<CorrectionRequest, Rejection> {
    if !requester.is_employee(record.employee_id) {
        return Err(AttendanceError::NotOwnRecord.into());
    }
    if record.voided {
        return Err(AttendanceError::RecordVoided.into());
    }
    if pending_exists {
        return Err(AttendanceError::RequestAlreadyPending.into());
    }
    let mut problems = Vec::new();
    reason_problems(&proposal.reason, &mut problems);
    let old = record.interval();
    let new = retimed(&old, proposal.start, proposal.end);
    if new == old {
        problems.push(AttendanceError::NoChange);
    } else {
        problems.extend(interval_problems(record.id, &new, Some(&old), facts));
    }
    Rejection::from_problems(problems)?;
    Ok(CorrectionRequest {
        id,
        record_id: record.id,
        employee_id: record.employee_id,
        record_version: record.version,
        proposed_start: proposal.start,
        proposed_end: proposal.end,
        reason: proposal.reason.trim().to_owned(),
        requested_by: requester.user_id.clone(),
        requested_at: facts.now,
        state: RequestState::Pending,
        decided_by: None,
        decided_at: None,
        decision_note: None,
    })
}

/// A decision on a correction request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve, with an optional comment.
    Approve {
        /// Optional comment.
        comment: Option<String>,
    },
    /// Reject, with the reason the employee is told (required).
    Reject {
        /// Why.
        reason: String,
    },
}

/// The outcome of a decision: the decided request and, on approval, the
/// record's next version implementing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decided {
    /// The request, now `approved` or `rejected`.
    pub request: CorrectionRequest,
    /// The new record version (approval only).
    pub new_version: Option<TimeRecord>,
}

/// Decides `request` on `record` (its current version). `pending` → `approved`
/// | `rejected`, final once decided. Preconditions, each alone:
/// `request_already_decided`; `cannot_decide_own_request` (the decider is the
/// requester or the record's employee); `forbidden` unless admin, HR, or a
/// manager of the employee (`manages`). A rejection needs a reason. An approval
/// is refused with `record_voided` or `request_outdated` (the record has a newer
/// version than the request was made against), then [`check_interval`] is run
/// again with today's facts (locks and records may have changed), and the next
/// version is produced exactly as a correction would be, with the request's
/// reason and id.
///
/// Source: issue 13 §3 ("which their manager or HR approves or rejects; an
/// approved request becomes a new version").
pub fn decide_request(
    request: &CorrectionRequest,
    record: &TimeRecord,
    decision: Decision,
    decider: &Actor,
    manages: bool,
    facts: &WriteFacts<'_>,
) -> Result<Decided, Rejection> {
    if request.state.is_final() {
        return Err(AttendanceError::RequestAlreadyDecided.into());
    }
    if decider.user_id == request.requested_by || decider.is_employee(request.employee_id) {
        return Err(AttendanceError::CannotDecideOwnRequest.into());
    }
    match decider.role {
        Role::Admin | Role::Hr => {}
        Role::Manager if manages => {}
        Role::Manager | Role::Employee => return Err(AttendanceError::Forbidden.into()),
    }
    let decided = |state, note: Option<String>| CorrectionRequest {
        state,
        decided_by: Some(decider.user_id.clone()),
        decided_at: Some(facts.now),
        decision_note: note,
        ..request.clone()
    };
    match decision {
        Decision::Reject { reason } => {
            let mut problems = Vec::new();
            reason_problems(&reason, &mut problems);
            Rejection::from_problems(problems)?;
            Ok(Decided {
                request: decided(RequestState::Rejected, Some(reason.trim().to_owned())),
                new_version: None,
            })
        }
        Decision::Approve { comment } => {
            if record.voided {
                return Err(AttendanceError::RecordVoided.into());
            }
            if record.id != request.record_id || record.version != request.record_version {
                return Err(AttendanceError::RequestOutdated.into());
            }
            let mut problems = Vec::new();
            optional_text_problems(
                comment.as_deref(),
                REASON_MAX,
                AttendanceError::ReasonTooLong,
                &mut problems,
            );
            let old = record.interval();
            let new = retimed(&old, request.proposed_start, request.proposed_end);
            if new == old {
                problems.push(AttendanceError::NoChange);
            } else {
                problems.extend(interval_problems(record.id, &new, Some(&old), facts));
            }
            Rejection::from_problems(problems)?;
            let version = next_version(
                record,
                new,
                false,
                VersionKind::ApprovedRequest,
                decider,
                Some(request.reason.clone()),
                Some(request.id),
                facts.now,
            );
            Ok(Decided {
                request: decided(RequestState::Approved, clean_note(comment)),
                new_version: Some(version),
            })
        }
    }
}

/// A new period lock by HR or an admin: local dates `from..=to` (inclusive) for
/// everyone or one employee. `forbidden` for other roles, `invalid_lock_range`
/// when `from > to`; an optional reason at most [`REASON_MAX`] characters.
///
/// Source: issue 13 §5 ("HR locks a period ... for everyone or for one employee").
pub fn new_lock(
    id: LockId,
    scope: LockScope,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    reason: Option<String>,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PeriodLock, Rejection> {
    if !matches!(actor.role, Role::Admin | Role::Hr) {
        return Err(AttendanceError::Forbidden.into());
    }
    let mut problems = Vec::new();
    if from > to {
        problems.push(AttendanceError::InvalidLockRange);
    }
    optional_text_problems(
        reason.as_deref(),
        REASON_MAX,
        AttendanceError::ReasonTooLong,
        &mut problems,
    );
    Rejection::from_problems(problems)?;
    Ok(PeriodLock {
        id,
        scope,
        from,
        to,
        locked_by: actor.user_id.clone(),
        locked_at: now,
        reason: clean_note(reason),
        reopened: None,
    })
}

/// Reopens (lifts) `lock`: admin only (`forbidden`), once (`lock_not_active`),
/// with a reason. Returns the lock with its [`Reopening`]; the original stays
/// in the audit trail through the events.
///
/// Source: issue 13 §5 ("an admin may reopen it with a reason").
pub fn reopen_lock(
    lock: &PeriodLock,
    reason: &str,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<PeriodLock, Rejection> {
    if actor.role != Role::Admin {
        return Err(AttendanceError::Forbidden.into());
    }
    if !lock.is_active() {
        return Err(AttendanceError::LockNotActive.into());
    }
    let mut problems = Vec::new();
    reason_problems(reason, &mut problems);
    Rejection::from_problems(problems)?;
    Ok(PeriodLock {
        reopened: Some(Reopening {
            by: actor.user_id.clone(),
            at: now,
            reason: reason.trim().to_owned(),
        }),
        ..lock.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate, TimeZone};
    use chrono_tz::Tz;
    use uuid::Uuid;

    const BERLIN: Tz = chrono_tz::Europe::Berlin;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn emp() -> EmployeeId {
        EmployeeId::from(id(1))
    }

    fn other_emp() -> EmployeeId {
        EmployeeId::from(id(2))
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, s).unwrap()
    }

    /// Local wall-clock time in `tz` (unambiguous times only).
    fn local(tz: Tz, y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn employment() -> Employment {
        Employment {
            employee_id: emp(),
            hire_date: d(2026, 3, 1),
            termination_date: Some(d(2026, 12, 31)),
            time_zone: BERLIN,
        }
    }

    fn employee() -> Actor {
        Actor {
            user_id: "u-emp".into(),
            employee_id: Some(emp()),
            role: Role::Employee,
        }
    }

    fn hr() -> Actor {
        Actor {
            user_id: "u-hr".into(),
            employee_id: Some(EmployeeId::from(id(90))),
            role: Role::Hr,
        }
    }

    fn manager() -> Actor {
        Actor {
            user_id: "u-mgr".into(),
            employee_id: Some(EmployeeId::from(id(91))),
            role: Role::Manager,
        }
    }

    fn admin() -> Actor {
        Actor {
            user_id: "u-admin".into(),
            employee_id: None,
            role: Role::Admin,
        }
    }

    fn rec(n: u128, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> TimeRecord {
        TimeRecord {
            id: RecordId::from(id(100 + n)),
            employee_id: emp(),
            version: 1,
            start,
            end,
            source: if end.is_some() {
                RecordSource::Manual
            } else {
                RecordSource::CheckIn
            },
            note: None,
            voided: false,
            kind: VersionKind::Manual,
            created_by: "u-hr".into(),
            changed_by: "u-hr".into(),
            changed_at: start,
            reason: None,
            request_id: None,
        }
    }

    fn lock(n: u128, scope: LockScope, from: NaiveDate, to: NaiveDate) -> PeriodLock {
        PeriodLock {
            id: LockId::from(id(200 + n)),
            scope,
            from,
            to,
            locked_by: "u-hr".into(),
            locked_at: utc(2026, 11, 1, 0, 0, 0),
            reason: None,
            reopened: None,
        }
    }

    fn now() -> DateTime<Utc> {
        local(BERLIN, 2026, 11, 20, 12, 0)
    }

    #[expect(non_snake_case, reason = "was a constant before the ids got a private field")]
    fn NEW() -> RecordId {
        RecordId::from(Uuid::from_u128(999))
    }

    fn codes(r: Result<(), Rejection>) -> Vec<&'static str> {
        r.err().map(|e| e.codes()).unwrap_or_default()
    }

    #[test]
    fn reasons_and_notes_with_invisible_or_control_characters_are_invalid_text() {
        let mut problems = Vec::new();
        reason_problems("\u{200B}", &mut problems);
        assert_eq!(problems, vec![AttendanceError::InvalidText]);
        let mut problems = Vec::new();
        reason_problems("ok \u{202E}desrever", &mut problems);
        assert_eq!(problems, vec![AttendanceError::InvalidText]);
        let mut problems = Vec::new();
        note_problems(Some("bell \u{7}"), &mut problems);
        assert_eq!(problems, vec![AttendanceError::InvalidText]);
        let mut problems = Vec::new();
        reason_problems("line one\nline two\tend", &mut problems);
        note_problems(Some("   "), &mut problems);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn every_code_is_in_the_report_order_once() {
        let mut sorted = AttendanceError::ORDER.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), AttendanceError::ORDER.len());
        let all = [
            AttendanceError::EndBeforeStart,
            AttendanceError::RecordTooLong,
            AttendanceError::RecordInFuture,
            AttendanceError::OutsideEmployment,
            AttendanceError::PeriodLocked {
                lock_id: LockId::from(id(1)),
            },
            AttendanceError::OverlappingRecord {
                record_id: RecordId::from(id(1)),
            },
            AttendanceError::AlreadyCheckedIn,
            AttendanceError::NotCheckedIn,
            AttendanceError::OpenRecordTooLong,
            AttendanceError::CannotDecideOwnRequest,
            AttendanceError::RequestAlreadyDecided,
            AttendanceError::RequestOutdated,
            AttendanceError::RequestAlreadyPending,
            AttendanceError::NotOwnRecord,
            AttendanceError::CannotCorrectOwnRecord,
            AttendanceError::Forbidden,
            AttendanceError::ReasonRequired,
            AttendanceError::ReasonTooLong,
            AttendanceError::NoteTooLong,
            AttendanceError::NoChange,
            AttendanceError::RecordVoided,
            AttendanceError::StaleVersion,
            AttendanceError::InvalidLockRange,
            AttendanceError::LockNotActive,
            AttendanceError::InvalidRange,
            AttendanceError::RangeTooLong,
            AttendanceError::InvalidText,
        ];
        assert_eq!(all.len(), AttendanceError::ORDER.len());
        for e in &all {
            assert!(
                AttendanceError::ORDER.contains(&e.code()),
                "{e:?} not in ORDER"
            );
            assert!(
                e.code().chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{} is snake_case",
                e.code()
            );
        }
    }

    #[test]
    fn visibility_follows_the_role_matrix() {
        struct Case {
            name: &'static str,
            actor: Actor,
            manages: bool,
            expected: bool,
        }
        let cases = [
            Case {
                name: "admin sees all",
                actor: admin(),
                manages: false,
                expected: true,
            },
            Case {
                name: "hr sees all",
                actor: hr(),
                manages: false,
                expected: true,
            },
            Case {
                name: "a manager sees their chain",
                actor: manager(),
                manages: true,
                expected: true,
            },
            Case {
                name: "a manager does not see outside their chain",
                actor: manager(),
                manages: false,
                expected: false,
            },
            Case {
                name: "a manager sees themself",
                actor: Actor {
                    role: Role::Manager,
                    ..employee()
                },
                manages: false,
                expected: true,
            },
            Case {
                name: "an employee sees their own",
                actor: employee(),
                manages: false,
                expected: true,
            },
            Case {
                name: "an employee does not see another's",
                actor: Actor {
                    employee_id: Some(other_emp()),
                    ..employee()
                },
                manages: false,
                expected: false,
            },
            Case {
                name: "an employee account without a record sees nothing",
                actor: Actor {
                    employee_id: None,
                    ..employee()
                },
                manages: false,
                expected: false,
            },
        ];
        for c in cases {
            assert_eq!(
                may_read(&c.actor, emp(), c.manages),
                c.expected,
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn interval_rules_report_their_codes_at_the_boundaries() {
        struct Case {
            name: &'static str,
            start: DateTime<Utc>,
            end: Option<DateTime<Utc>>,
            employment: Employment,
            expected: Vec<&'static str>,
        }
        let n = now();
        let base = employment();
        let tz_ny = Employment {
            time_zone: chrono_tz::America::New_York,
            hire_date: d(2026, 11, 16),
            ..base
        };
        let cases = vec![
            Case {
                name: "a normal day is fine",
                start: local(BERLIN, 2026, 11, 19, 8, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 16, 30)),
                employment: base,
                expected: vec![],
            },
            Case {
                name: "end before start",
                start: local(BERLIN, 2026, 11, 19, 16, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 8, 0)),
                employment: base,
                expected: vec!["end_before_start"],
            },
            Case {
                name: "zero length is refused",
                start: local(BERLIN, 2026, 11, 19, 8, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 8, 0)),
                employment: base,
                expected: vec!["end_before_start"],
            },
            Case {
                name: "one second is fine",
                start: local(BERLIN, 2026, 11, 19, 8, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 8, 0) + Duration::seconds(1)),
                employment: base,
                expected: vec![],
            },
            Case {
                name: "exactly 24 h is allowed",
                start: local(BERLIN, 2026, 11, 18, 8, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 8, 0)),
                employment: base,
                expected: vec![],
            },
            Case {
                name: "24 h and one second is too long",
                start: local(BERLIN, 2026, 11, 18, 8, 0),
                end: Some(local(BERLIN, 2026, 11, 19, 8, 0) + Duration::seconds(1)),
                employment: base,
                expected: vec!["record_too_long"],
            },
            Case {
                name: "an open record started 24 h and a second ago is too long",
                start: n - Duration::hours(24) - Duration::seconds(1),
                end: None,
                employment: base,
                expected: vec!["record_too_long"],
            },
            Case {
                name: "ending at now plus the tolerance is allowed",
                start: n - Duration::hours(1),
                end: Some(n + Duration::minutes(2)),
                employment: base,
                expected: vec![],
            },
            Case {
                name: "ending a second beyond the tolerance is in the future",
                start: n - Duration::hours(1),
                end: Some(n + Duration::minutes(2) + Duration::seconds(1)),
                employment: base,
                expected: vec!["record_in_future"],
            },
            Case {
                name: "starting beyond the tolerance is in the future",
                start: n + Duration::minutes(3),
                end: None,
                employment: base,
                expected: vec!["record_in_future"],
            },
            Case {
                name: "on the hire date is fine",
                start: local(BERLIN, 2026, 3, 1, 0, 0),
                end: Some(local(BERLIN, 2026, 3, 1, 8, 0)),
                employment: base,
                expected: vec![],
            },
            Case {
                name: "the evening before the hire date is outside",
                start: local(BERLIN, 2026, 2, 28, 23, 0),
                end: Some(local(BERLIN, 2026, 3, 1, 1, 0)),
                employment: base,
                expected: vec!["outside_employment"],
            },
            Case {
                name: "a night shift on the termination day ending at midnight is fine",
                start: local(BERLIN, 2026, 11, 10, 22, 0),
                end: Some(local(BERLIN, 2026, 11, 11, 0, 0)),
                employment: Employment {
                    termination_date: Some(d(2026, 11, 10)),
                    ..base
                },
                expected: vec![],
            },
            Case {
                name: "a minute into the day after termination is outside",
                start: local(BERLIN, 2026, 11, 10, 22, 0),
                end: Some(local(BERLIN, 2026, 11, 11, 0, 1)),
                employment: Employment {
                    termination_date: Some(d(2026, 11, 10)),
                    ..base
                },
                expected: vec!["outside_employment"],
            },
            Case {
                name: "New York: the local date decides, not the UTC date",
                // 2026-11-15 20:00 EST is 2026-11-16 01:00 UTC: the UTC date is the
                // hire date, the local date is the day before.
                start: utc(2026, 11, 16, 1, 0, 0),
                end: Some(utc(2026, 11, 16, 3, 0, 0)),
                employment: tz_ny,
                expected: vec!["outside_employment"],
            },
            Case {
                name: "New York: the same hours a day later are on the hire date",
                start: utc(2026, 11, 17, 1, 0, 0),
                end: Some(utc(2026, 11, 17, 3, 0, 0)),
                employment: tz_ny,
                expected: vec![],
            },
            Case {
                name: "several problems are reported together in order",
                start: n + Duration::hours(1),
                end: Some(n + Duration::hours(30)),
                employment: Employment {
                    termination_date: Some(d(2026, 11, 20)),
                    ..base
                },
                expected: vec!["record_too_long", "record_in_future", "outside_employment"],
            },
        ];
        for c in cases {
            let facts = WriteFacts {
                now: n,
                employment: &c.employment,
                limits: Limits::default(),
                records: &[],
                locks: &[],
            };
            let iv = Interval {
                start: c.start,
                end: c.end,
            };
            assert_eq!(
                codes(check_interval(NEW(), &iv, None, &facts)),
                c.expected,
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn overlaps_with_live_records_are_refused_and_touching_is_not_an_overlap() {
        let n = now();
        let day = |h, m| local(BERLIN, 2026, 11, 19, h, m);
        let closed = rec(1, day(8, 0), Some(day(12, 0)));
        let open = rec(2, local(BERLIN, 2026, 11, 20, 8, 0), None);
        let mut voided = rec(3, day(13, 0), Some(day(15, 0)));
        voided.voided = true;
        let mut someone_else = rec(4, day(16, 0), Some(day(18, 0)));
        someone_else.employee_id = other_emp();
        let records = vec![closed.clone(), open.clone(), voided, someone_else];
        struct Case {
            name: &'static str,
            id: RecordId,
            iv: Interval,
            expected: Option<RecordId>,
        }
        let cases = [
            Case {
                name: "inside a closed record",
                id: NEW(),
                iv: Interval::closed(day(9, 0), day(10, 0)),
                expected: Some(closed.id),
            },
            Case {
                name: "touching the end of a closed record",
                id: NEW(),
                iv: Interval::closed(day(12, 0), day(13, 0)),
                expected: None,
            },
            Case {
                name: "touching the start of a closed record",
                id: NEW(),
                iv: Interval::closed(day(6, 0), day(8, 0)),
                expected: None,
            },
            Case {
                name: "one minute into a closed record",
                id: NEW(),
                iv: Interval::closed(day(6, 0), day(8, 1)),
                expected: Some(closed.id),
            },
            Case {
                name: "a voided record does not count",
                id: NEW(),
                iv: Interval::closed(day(13, 30), day(14, 0)),
                expected: None,
            },
            Case {
                name: "another employee's record does not count",
                id: NEW(),
                iv: Interval::closed(day(16, 30), day(17, 0)),
                expected: None,
            },
            Case {
                name: "an open record counts up to now",
                id: NEW(),
                iv: Interval::closed(n - Duration::hours(1), n - Duration::minutes(30)),
                expected: Some(open.id),
            },
            Case {
                name: "an open record also covers the tolerance after now",
                id: NEW(),
                iv: Interval::closed(n + Duration::seconds(30), n + Duration::minutes(1)),
                expected: Some(open.id),
            },
            Case {
                name: "touching the start of an open record",
                id: NEW(),
                iv: Interval::closed(local(BERLIN, 2026, 11, 20, 7, 0), open.start),
                expected: None,
            },
            Case {
                name: "a record does not overlap its own earlier version",
                id: closed.id,
                iv: Interval::closed(day(8, 0), day(12, 30)),
                expected: None,
            },
            Case {
                name: "a new open interval overlaps a later open record",
                id: NEW(),
                iv: Interval::open(n - Duration::hours(5)),
                expected: Some(open.id),
            },
        ];
        let emp = employment();
        for c in cases {
            let facts = WriteFacts {
                now: n,
                employment: &emp,
                limits: Limits::default(),
                records: &records,
                locks: &[],
            };
            let got = check_interval(c.id, &c.iv, None, &facts);
            let expected = c
                .expected
                .map(|record_id| Rejection::one(AttendanceError::OverlappingRecord { record_id }));
            assert_eq!(got.err(), expected, "{}", c.name);
        }
    }

    #[test]
    fn locks_refuse_writes_touching_them_for_the_right_employees() {
        let n = now();
        let october = |scope| lock(1, scope, d(2026, 10, 1), d(2026, 10, 31));
        let mut reopened = october(LockScope::Everyone);
        reopened.reopened = Some(Reopening {
            by: "u-admin".into(),
            at: n,
            reason: "late sick note".into(),
        });
        struct Case {
            name: &'static str,
            locks: Vec<PeriodLock>,
            old: Option<Interval>,
            new: Option<Interval>,
            locked: bool,
        }
        let oct = |day, h| local(BERLIN, 2026, 10, day, h, 0);
        let nov = |day, h| local(BERLIN, 2026, 11, day, h, 0);
        let cases = vec![
            Case {
                name: "a lock for everyone refuses a write inside it",
                locks: vec![october(LockScope::Everyone)],
                old: None,
                new: Some(Interval::closed(oct(15, 8), oct(15, 16))),
                locked: true,
            },
            Case {
                name: "a lock for this employee refuses",
                locks: vec![october(LockScope::Employee(emp()))],
                old: None,
                new: Some(Interval::closed(oct(15, 8), oct(15, 16))),
                locked: true,
            },
            Case {
                name: "a lock for another employee does not",
                locks: vec![october(LockScope::Employee(other_emp()))],
                old: None,
                new: Some(Interval::closed(oct(15, 8), oct(15, 16))),
                locked: false,
            },
            Case {
                name: "a reopened lock does not",
                locks: vec![reopened],
                old: None,
                new: Some(Interval::closed(oct(15, 8), oct(15, 16))),
                locked: false,
            },
            Case {
                name: "moving a record out of a locked period is refused (old interval)",
                locks: vec![october(LockScope::Everyone)],
                old: Some(Interval::closed(oct(31, 8), oct(31, 16))),
                new: Some(Interval::closed(nov(2, 8), nov(2, 16))),
                locked: true,
            },
            Case {
                name: "moving a record into a locked period is refused (new interval)",
                locks: vec![october(LockScope::Everyone)],
                old: Some(Interval::closed(nov(2, 8), nov(2, 16))),
                new: Some(Interval::closed(oct(31, 8), oct(31, 16))),
                locked: true,
            },
            Case {
                name: "a night shift from the last locked day into an open day is refused",
                locks: vec![october(LockScope::Everyone)],
                old: None,
                new: Some(Interval::closed(oct(31, 22), nov(1, 6))),
                locked: true,
            },
            Case {
                name: "a shift starting at midnight after the lock is fine",
                locks: vec![october(LockScope::Everyone)],
                old: None,
                new: Some(Interval::closed(nov(1, 0), nov(1, 6))),
                locked: false,
            },
            Case {
                name: "a shift ending at midnight before the lock is fine",
                locks: vec![lock(
                    2,
                    LockScope::Everyone,
                    d(2026, 11, 1),
                    d(2026, 11, 30),
                )],
                old: None,
                new: Some(Interval::closed(oct(31, 22), nov(1, 0))),
                locked: false,
            },
            Case {
                name: "voiding a record in a locked period is refused",
                locks: vec![october(LockScope::Everyone)],
                old: Some(Interval::closed(oct(15, 8), oct(15, 16))),
                new: None,
                locked: true,
            },
            Case {
                name: "an open record counts up to now for the lock check",
                locks: vec![lock(
                    2,
                    LockScope::Everyone,
                    d(2026, 11, 20),
                    d(2026, 11, 20),
                )],
                old: None,
                new: Some(Interval::open(nov(19, 22))),
                locked: true,
            },
        ];
        let emp = employment();
        for c in cases {
            let facts = WriteFacts {
                now: n,
                employment: &emp,
                limits: Limits::default(),
                records: &[],
                locks: &c.locks,
            };
            let got = check_locks(c.old.as_ref(), c.new.as_ref(), &facts);
            assert_eq!(got.is_err(), c.locked, "{}", c.name);
        }
    }

    #[test]
    fn a_lock_is_in_the_employee_time_zone() {
        // 2026-10-31 20:00 in New York is 2026-11-01 00:00 UTC: locked October for
        // the New Yorker, although the UTC date is in November.
        let ny = Employment {
            time_zone: chrono_tz::America::New_York,
            ..employment()
        };
        let locks = [lock(
            1,
            LockScope::Everyone,
            d(2026, 10, 1),
            d(2026, 10, 31),
        )];
        let iv = Interval::closed(utc(2026, 11, 1, 0, 0, 0), utc(2026, 11, 1, 2, 0, 0));
        assert!(lock_touched(&iv, &ny, &locks, now()).is_some());
        assert!(lock_touched(&iv, &employment(), &locks, now()).is_none());
    }

    fn facts<'a>(
        n: DateTime<Utc>,
        emp: &'a Employment,
        records: &'a [TimeRecord],
        locks: &'a [PeriodLock],
    ) -> WriteFacts<'a> {
        WriteFacts {
            now: n,
            employment: emp,
            limits: Limits::default(),
            records,
            locks,
        }
    }

    #[test]
    fn check_in_and_check_out_keep_one_open_record_per_employee() {
        let emp = employment();
        let n = now();
        let rid = RecordId::from(id(500));
        let opened = check_in(
            rid,
            &employee(),
            Some("  ".into()),
            &facts(n, &emp, &[], &[]),
        )
        .unwrap();
        assert_eq!(
            (
                opened.version,
                opened.start,
                opened.end,
                opened.source,
                opened.note.clone()
            ),
            (1, n, None, RecordSource::CheckIn, None)
        );
        let records = [opened.clone()];
        let again = check_in(
            RecordId::from(id(501)),
            &employee(),
            None,
            &facts(n, &emp, &records, &[]),
        );
        assert_eq!(again.unwrap_err().code(), "already_checked_in");

        let later = n + Duration::hours(8);
        let closed = check_out(&employee(), &facts(later, &emp, &records, &[])).unwrap();
        assert_eq!(
            (closed.id, closed.version, closed.end),
            (rid, 2, Some(later))
        );
        assert_eq!(closed.kind, VersionKind::CheckOut);
        assert_eq!(records[0], opened, "the open version is untouched");

        let after = [closed];
        let none_open = check_out(&employee(), &facts(later, &emp, &after, &[]));
        assert_eq!(none_open.unwrap_err().code(), "not_checked_in");
        let none_at_all = check_out(&employee(), &facts(later, &emp, &[], &[]));
        assert_eq!(none_at_all.unwrap_err().code(), "not_checked_in");
    }

    #[test]
    fn check_out_refuses_records_open_longer_than_the_limit() {
        struct Case {
            name: &'static str,
            open_for: Duration,
            expected: Option<&'static str>,
        }
        let cases = [
            Case {
                name: "8 h closes",
                open_for: Duration::hours(8),
                expected: None,
            },
            Case {
                name: "exactly 24 h closes",
                open_for: Duration::hours(24),
                expected: None,
            },
            Case {
                name: "24 h and a second needs a correction",
                open_for: Duration::hours(24) + Duration::seconds(1),
                expected: Some("open_record_too_long"),
            },
            Case {
                name: "the clock went back: end before start",
                open_for: Duration::seconds(-5),
                expected: Some("end_before_start"),
            },
        ];
        let emp = employment();
        for c in cases {
            let n = now();
            let records = [rec(1, n - c.open_for, None)];
            let got = check_out(&employee(), &facts(n, &emp, &records, &[]));
            assert_eq!(got.err().map(|e| e.code()), c.expected, "{}", c.name);
        }
    }

    #[test]
    fn check_in_is_refused_after_termination_and_in_a_locked_period() {
        let n = now();
        let terminated = Employment {
            termination_date: Some(d(2026, 11, 19)),
            ..employment()
        };
        let got = check_in(NEW(), &employee(), None, &facts(n, &terminated, &[], &[]));
        assert_eq!(got.unwrap_err().code(), "outside_employment");
        let emp = employment();
        let locks = [lock(
            1,
            LockScope::Employee(emp.employee_id),
            d(2026, 11, 1),
            d(2026, 11, 30),
        )];
        let got = check_in(NEW(), &employee(), None, &facts(n, &emp, &[], &locks));
        assert_eq!(got.unwrap_err().code(), "period_locked");
    }

    #[test]
    fn night_shifts_across_daylight_saving_changes_count_their_real_hours() {
        struct Case {
            name: &'static str,
            check_in: DateTime<Utc>,
            check_out: DateTime<Utc>,
            hours: i64,
            local_date: NaiveDate,
        }
        let cases = [
            Case {
                name: "spring change: 22:00-06:00 is 7 h",
                check_in: local(BERLIN, 2026, 3, 28, 22, 0),
                check_out: local(BERLIN, 2026, 3, 29, 6, 0),
                hours: 7,
                local_date: d(2026, 3, 28),
            },
            Case {
                name: "autumn change: 22:00-06:00 is 9 h",
                check_in: local(BERLIN, 2026, 10, 24, 22, 0),
                check_out: local(BERLIN, 2026, 10, 25, 6, 0),
                hours: 9,
                local_date: d(2026, 10, 24),
            },
            Case {
                name: "ordinary night: 22:00-06:00 is 8 h",
                check_in: local(BERLIN, 2026, 6, 5, 22, 0),
                check_out: local(BERLIN, 2026, 6, 6, 6, 0),
                hours: 8,
                local_date: d(2026, 6, 5),
            },
        ];
        let emp = employment();
        for c in cases {
            let opened =
                check_in(NEW(), &employee(), None, &facts(c.check_in, &emp, &[], &[])).unwrap();
            let records = [opened];
            let closed = check_out(&employee(), &facts(c.check_out, &emp, &records, &[])).unwrap();
            assert_eq!(
                closed.elapsed(c.check_out),
                Duration::hours(c.hours),
                "{}",
                c.name
            );
            assert_eq!(
                closed.local_date(BERLIN),
                c.local_date,
                "{}: belongs to its start day",
                c.name
            );
        }
    }

    #[test]
    fn manual_records_need_the_right_role_a_reason_and_a_valid_interval() {
        let n = now();
        let emp = employment();
        let day = |h| local(BERLIN, 2026, 11, 19, h, 0);
        let input = |reason: &str| ManualRecord {
            start: day(8),
            end: day(16),
            note: Some("site visit".into()),
            reason: reason.into(),
        };
        struct Case {
            name: &'static str,
            actor: Actor,
            manages: bool,
            input: ManualRecord,
            expected: Vec<&'static str>,
        }
        let cases = vec![
            Case {
                name: "HR with a reason",
                actor: hr(),
                manages: false,
                input: input("forgot the badge"),
                expected: vec![],
            },
            Case {
                name: "the employee's manager",
                actor: manager(),
                manages: true,
                input: input("forgot the badge"),
                expected: vec![],
            },
            Case {
                name: "a manager outside the chain",
                actor: manager(),
                manages: false,
                input: input("forgot the badge"),
                expected: vec!["forbidden"],
            },
            Case {
                name: "the employee themself",
                actor: employee(),
                manages: false,
                input: input("forgot the badge"),
                expected: vec!["cannot_correct_own_record"],
            },
            Case {
                name: "a blank reason and a future end together",
                actor: admin(),
                manages: false,
                input: ManualRecord {
                    end: n + Duration::hours(1),
                    start: n - Duration::hours(1),
                    note: None,
                    reason: "   ".into(),
                },
                expected: vec!["reason_required", "record_in_future"],
            },
            Case {
                name: "a reason and a note too long",
                actor: hr(),
                manages: false,
                input: ManualRecord {
                    note: Some("n".repeat(NOTE_MAX + 1)),
                    ..input(&"r".repeat(REASON_MAX + 1))
                },
                expected: vec!["reason_too_long", "note_too_long"],
            },
        ];
        for c in cases {
            let got = create_manual(NEW(), c.input, &c.actor, c.manages, &facts(n, &emp, &[], &[]));
            match got {
                Ok(r) => {
                    assert!(
                        c.expected.is_empty(),
                        "{}: expected {:?}",
                        c.name,
                        c.expected
                    );
                    assert_eq!(
                        (r.version, r.source, r.kind, r.reason.as_deref()),
                        (
                            1,
                            RecordSource::Manual,
                            VersionKind::Manual,
                            Some("forgot the badge")
                        ),
                        "{}",
                        c.name
                    );
                    assert_eq!(r.created_by, c.actor.user_id, "{}", c.name);
                }
                Err(e) => assert_eq!(e.codes(), c.expected, "{}", c.name),
            }
        }
    }

    #[test]
    fn a_correction_produces_the_next_version_and_keeps_the_earlier_one() {
        let n = now();
        let emp = employment();
        let day = |h| local(BERLIN, 2026, 11, 19, h, 0);
        let current = rec(1, day(8), Some(day(16)));
        let before = current.clone();
        let records = [current.clone()];
        let fix = Correction {
            change: Change::Retime {
                start: None,
                end: Some(day(17)),
            },
            reason: "stayed for the release".into(),
            expected_version: Some(1),
        };
        let next = correct(&current, fix, &hr(), false, &facts(n, &emp, &records, &[])).unwrap();
        assert_eq!(current, before, "the earlier version is intact");
        assert_eq!(
            (next.id, next.version, next.start, next.end, next.kind),
            (
                current.id,
                2,
                day(8),
                Some(day(17)),
                VersionKind::Correction
            )
        );
        assert_eq!(
            (
                next.changed_by.as_str(),
                next.changed_at,
                next.reason.as_deref()
            ),
            ("u-hr", n, Some("stayed for the release"))
        );
        assert_eq!(next.created_by, current.created_by);

        let void = Correction {
            change: Change::Void,
            reason: "duplicate".into(),
            expected_version: Some(2),
        };
        let voided = correct(&next, void, &hr(), false, &facts(n, &emp, &records, &[])).unwrap();
        assert_eq!(
            (voided.version, voided.voided, voided.kind),
            (3, true, VersionKind::Void)
        );
        assert_eq!((voided.start, voided.end), (next.start, next.end));
    }

    #[test]
    fn corrections_are_refused_with_their_codes() {
        let n = now();
        let emp = employment();
        let day = |h| local(BERLIN, 2026, 11, 19, h, 0);
        let current = rec(1, day(8), Some(day(16)));
        let neighbour = rec(2, day(17), Some(day(19)));
        let mut voided = current.clone();
        voided.voided = true;
        let retime = |start, end| Correction {
            change: Change::Retime { start, end },
            reason: "fix".into(),
            expected_version: None,
        };
        struct Case {
            name: &'static str,
            current: TimeRecord,
            correction: Correction,
            actor: Actor,
            locks: Vec<PeriodLock>,
            expected: &'static str,
        }
        let nov = vec![lock(
            1,
            LockScope::Everyone,
            d(2026, 11, 1),
            d(2026, 11, 30),
        )];
        let cases = vec![
            Case {
                name: "overlapping the neighbour",
                current: current.clone(),
                correction: retime(None, Some(day(18))),
                actor: hr(),
                locks: vec![],
                expected: "overlapping_record",
            },
            Case {
                name: "a correction that changes nothing",
                current: current.clone(),
                correction: retime(Some(day(8)), Some(day(16))),
                actor: hr(),
                locks: vec![],
                expected: "no_change",
            },
            Case {
                name: "a correction without a reason",
                current: current.clone(),
                correction: Correction {
                    reason: "".into(),
                    ..retime(None, Some(day(15)))
                },
                actor: hr(),
                locks: vec![],
                expected: "reason_required",
            },
            Case {
                name: "a stale version",
                current: current.clone(),
                correction: Correction {
                    expected_version: Some(7),
                    ..retime(None, Some(day(15)))
                },
                actor: hr(),
                locks: vec![],
                expected: "stale_version",
            },
            Case {
                name: "a voided record",
                current: voided,
                correction: retime(None, Some(day(15))),
                actor: hr(),
                locks: vec![],
                expected: "record_voided",
            },
            Case {
                name: "in a locked period",
                current: current.clone(),
                correction: retime(None, Some(day(15))),
                actor: hr(),
                locks: nov.clone(),
                expected: "period_locked",
            },
            Case {
                name: "voiding in a locked period",
                current: current.clone(),
                correction: Correction {
                    change: Change::Void,
                    ..retime(None, None)
                },
                actor: hr(),
                locks: nov,
                expected: "period_locked",
            },
            Case {
                name: "an employee corrects their own record",
                current: current.clone(),
                correction: retime(None, Some(day(15))),
                actor: employee(),
                locks: vec![],
                expected: "cannot_correct_own_record",
            },
            Case {
                name: "a manager outside the chain",
                current: current.clone(),
                correction: retime(None, Some(day(15))),
                actor: manager(),
                locks: vec![],
                expected: "forbidden",
            },
        ];
        for c in cases {
            let records = [c.current.clone(), neighbour.clone()];
            let got = correct(
                &c.current,
                c.correction,
                &c.actor,
                false,
                &facts(n, &emp, &records, &c.locks),
            );
            assert_eq!(got.err().map(|e| e.code()), Some(c.expected), "{}", c.name);
        }
    }

    #[test]
    fn an_open_record_too_long_for_check_out_is_closed_by_a_correction() {
        let emp = employment();
        let start = local(BERLIN, 2026, 11, 18, 8, 0);
        let n = now(); // two days later
        let open = rec(1, start, None);
        let records = [open.clone()];
        assert_eq!(
            check_out(&employee(), &facts(n, &emp, &records, &[]))
                .unwrap_err()
                .code(),
            "open_record_too_long"
        );
        let fix = Correction {
            change: Change::Retime {
                start: None,
                end: Some(local(BERLIN, 2026, 11, 18, 17, 0)),
            },
            reason: "forgot to check out".into(),
            expected_version: None,
        };
        let closed = correct(&open, fix, &manager(), true, &facts(n, &emp, &records, &[])).unwrap();
        assert_eq!((closed.version, closed.elapsed(n)), (2, Duration::hours(9)));
    }

    fn request(record: &TimeRecord, end: DateTime<Utc>) -> CorrectionRequest {
        let emp = employment();
        let records = [record.clone()];
        request_correction(
            RequestId::from(id(300)),
            record,
            Proposal {
                start: None,
                end: Some(end),
                reason: "forgot to check out".into(),
            },
            &employee(),
            false,
            &facts(now(), &emp, &records, &[]),
        )
        .unwrap()
    }

    #[test]
    fn an_approved_request_becomes_the_next_version_and_a_rejected_one_changes_nothing() {
        let emp = employment();
        let n = now();
        let open = rec(1, local(BERLIN, 2026, 11, 18, 8, 0), None);
        let end = local(BERLIN, 2026, 11, 18, 16, 0);
        let req = request(&open, end);
        assert_eq!((req.state, req.record_version), (RequestState::Pending, 1));
        let records = [open.clone()];

        let approved = decide_request(
            &req,
            &open,
            Decision::Approve { comment: None },
            &manager(),
            true,
            &facts(n, &emp, &records, &[]),
        )
        .unwrap();
        assert_eq!(approved.request.state, RequestState::Approved);
        assert_eq!(approved.request.decided_by.as_deref(), Some("u-mgr"));
        let v2 = approved.new_version.unwrap();
        assert_eq!(
            (v2.version, v2.end, v2.kind),
            (2, Some(end), VersionKind::ApprovedRequest)
        );
        assert_eq!(
            (v2.request_id, v2.reason.as_deref()),
            (Some(req.id), Some("forgot to check out"))
        );

        // The same change as a direct correction gives the same record fields.
        let direct = correct(
            &open,
            Correction {
                change: Change::Retime {
                    start: None,
                    end: Some(end),
                },
                reason: "forgot to check out".into(),
                expected_version: None,
            },
            &manager(),
            true,
            &facts(n, &emp, &records, &[]),
        )
        .unwrap();
        assert_eq!(
            (direct.start, direct.end, direct.version),
            (v2.start, v2.end, v2.version)
        );

        let rejected = decide_request(
            &req,
            &open,
            Decision::Reject {
                reason: "the gate log says 18:00".into(),
            },
            &hr(),
            false,
            &facts(n, &emp, &records, &[]),
        )
        .unwrap();
        assert_eq!(rejected.request.state, RequestState::Rejected);
        assert!(rejected.new_version.is_none());
    }

    #[test]
    fn correction_request_decisions_follow_the_state_machine_and_the_four_eyes_rule() {
        let emp = employment();
        let n = now();
        let open = rec(1, local(BERLIN, 2026, 11, 18, 8, 0), None);
        let req = request(&open, local(BERLIN, 2026, 11, 18, 16, 0));
        let mut decided = req.clone();
        decided.state = RequestState::Approved;
        let mut changed = open.clone();
        changed.version = 2;
        let approve = Decision::Approve { comment: None };
        struct Case {
            name: &'static str,
            request: CorrectionRequest,
            record: TimeRecord,
            decision: Decision,
            decider: Actor,
            manages: bool,
            locks: Vec<PeriodLock>,
            expected: &'static str,
        }
        let cases = vec![
            Case {
                name: "the requester cannot decide",
                request: req.clone(),
                record: open.clone(),
                decision: approve.clone(),
                decider: employee(),
                manages: false,
                locks: vec![],
                expected: "cannot_decide_own_request",
            },
            Case {
                name: "not even as HR with the same employee record",
                request: req.clone(),
                record: open.clone(),
                decision: approve.clone(),
                decider: Actor {
                    user_id: "u-other".into(),
                    employee_id: Some(emp.employee_id),
                    role: Role::Hr,
                },
                manages: false,
                locks: vec![],
                expected: "cannot_decide_own_request",
            },
            Case {
                name: "a manager outside the chain",
                request: req.clone(),
                record: open.clone(),
                decision: approve.clone(),
                decider: manager(),
                manages: false,
                locks: vec![],
                expected: "forbidden",
            },
            Case {
                name: "another employee",
                request: req.clone(),
                record: open.clone(),
                decision: approve.clone(),
                decider: Actor {
                    user_id: "u-peer".into(),
                    employee_id: Some(other_emp()),
                    role: Role::Employee,
                },
                manages: false,
                locks: vec![],
                expected: "forbidden",
            },
            Case {
                name: "a decided request is final",
                request: decided,
                record: open.clone(),
                decision: Decision::Reject {
                    reason: "no".into(),
                },
                decider: hr(),
                manages: false,
                locks: vec![],
                expected: "request_already_decided",
            },
            Case {
                name: "a rejection needs a reason",
                request: req.clone(),
                record: open.clone(),
                decision: Decision::Reject { reason: " ".into() },
                decider: hr(),
                manages: false,
                locks: vec![],
                expected: "reason_required",
            },
            Case {
                name: "the record changed since the request",
                request: req.clone(),
                record: changed,
                decision: approve.clone(),
                decider: hr(),
                manages: false,
                locks: vec![],
                expected: "request_outdated",
            },
            Case {
                name: "the period was locked since the request",
                request: req.clone(),
                record: open.clone(),
                decision: approve.clone(),
                decider: hr(),
                manages: false,
                locks: vec![lock(
                    1,
                    LockScope::Everyone,
                    d(2026, 11, 1),
                    d(2026, 11, 30),
                )],
                expected: "period_locked",
            },
        ];
        for c in cases {
            let records = [c.record.clone()];
            let got = decide_request(
                &c.request,
                &c.record,
                c.decision,
                &c.decider,
                c.manages,
                &facts(n, &emp, &records, &c.locks),
            );
            assert_eq!(got.err().map(|e| e.code()), Some(c.expected), "{}", c.name);
        }
    }

    #[test]
    fn correction_requests_are_for_own_live_records_one_pending_at_a_time() {
        let emp = employment();
        let n = now();
        let record = rec(
            1,
            local(BERLIN, 2026, 11, 18, 8, 0),
            Some(local(BERLIN, 2026, 11, 18, 16, 0)),
        );
        let mut voided = record.clone();
        voided.voided = true;
        let proposal = |end| Proposal {
            start: None,
            end: Some(end),
            reason: "left later".into(),
        };
        struct Case {
            name: &'static str,
            record: TimeRecord,
            proposal: Proposal,
            requester: Actor,
            pending: bool,
            expected: Option<&'static str>,
        }
        let cases = vec![
            Case {
                name: "own record",
                record: record.clone(),
                proposal: proposal(local(BERLIN, 2026, 11, 18, 17, 0)),
                requester: employee(),
                pending: false,
                expected: None,
            },
            Case {
                name: "someone else's record",
                record: record.clone(),
                proposal: proposal(local(BERLIN, 2026, 11, 18, 17, 0)),
                requester: manager(),
                pending: false,
                expected: Some("not_own_record"),
            },
            Case {
                name: "a voided record",
                record: voided,
                proposal: proposal(local(BERLIN, 2026, 11, 18, 17, 0)),
                requester: employee(),
                pending: false,
                expected: Some("record_voided"),
            },
            Case {
                name: "one already pending",
                record: record.clone(),
                proposal: proposal(local(BERLIN, 2026, 11, 18, 17, 0)),
                requester: employee(),
                pending: true,
                expected: Some("request_already_pending"),
            },
            Case {
                name: "a proposal that changes nothing",
                record: record.clone(),
                proposal: proposal(local(BERLIN, 2026, 11, 18, 16, 0)),
                requester: employee(),
                pending: false,
                expected: Some("no_change"),
            },
            Case {
                name: "a proposal into the future",
                record: record.clone(),
                proposal: Proposal {
                    start: Some(n + Duration::hours(1)),
                    end: Some(n + Duration::hours(2)),
                    reason: "x".into(),
                },
                requester: employee(),
                pending: false,
                expected: Some("record_in_future"),
            },
        ];
        for c in cases {
            let records = [c.record.clone()];
            let got = request_correction(
                RequestId::from(id(301)),
                &c.record,
                c.proposal,
                &c.requester,
                c.pending,
                &facts(n, &emp, &records, &[]),
            );
            assert_eq!(got.err().map(|e| e.code()), c.expected, "{}", c.name);
        }
    }

    #[test]
    fn locks_are_made_by_hr_and_reopened_once_by_an_admin_with_a_reason() {
        let n = now();
        let made = new_lock(
            LockId::from(id(1)),
            LockScope::Everyone,
            d(2026, 10, 1),
            d(2026, 10, 31),
            None,
            &hr(),
            n,
        )
        .unwrap();
        assert!(made.is_active());
        let bad = new_lock(
            LockId::from(id(2)),
            LockScope::Everyone,
            d(2026, 10, 31),
            d(2026, 10, 1),
            None,
            &hr(),
            n,
        );
        assert_eq!(bad.unwrap_err().code(), "invalid_lock_range");
        let by_manager = new_lock(
            LockId::from(id(3)),
            LockScope::Everyone,
            d(2026, 10, 1),
            d(2026, 10, 31),
            None,
            &manager(),
            n,
        );
        assert_eq!(by_manager.unwrap_err().code(), "forbidden");

        assert_eq!(
            reopen_lock(&made, "late note", &hr(), n)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert_eq!(
            reopen_lock(&made, " ", &admin(), n).unwrap_err().code(),
            "reason_required"
        );
        let reopened = reopen_lock(&made, "late sick note", &admin(), n).unwrap();
        assert!(!reopened.is_active());
        assert!(made.is_active(), "the original is a separate value");
        assert_eq!(
            reopen_lock(&reopened, "again", &admin(), n)
                .unwrap_err()
                .code(),
            "lock_not_active"
        );
    }

    #[test]
    fn a_reopened_lock_allows_the_write_it_refused() {
        let emp = employment();
        let n = now();
        let day = |h| local(BERLIN, 2026, 10, 15, h, 0);
        let input = || ManualRecord {
            start: day(8),
            end: day(16),
            note: None,
            reason: "forgot".into(),
        };
        let locked = [lock(
            1,
            LockScope::Everyone,
            d(2026, 10, 1),
            d(2026, 10, 31),
        )];
        let refused = create_manual(NEW(), input(), &hr(), false, &facts(n, &emp, &[], &locked));
        assert_eq!(
            refused.unwrap_err().primary(),
            &AttendanceError::PeriodLocked {
                lock_id: locked[0].id
            }
        );
        let reopened = [reopen_lock(&locked[0], "payroll rerun", &admin(), n).unwrap()];
        assert!(create_manual(NEW(), input(), &hr(), false, &facts(n, &emp, &[], &reopened)).is_ok());
    }
}
