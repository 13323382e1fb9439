//! Leave rules as plain functions over plain data: counting a request in half days per
//! leave year, overlap, request validation, decisions and cancellation. No database,
//! no clock: today is a parameter (the employee's local date).

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::balance::{balance, BalanceInputs, Employment, LedgerEntry};
use super::calendar::WorkCalendar;
use super::domain::{
    CountedDay, DayPart, Half, HalfDays, LeaveDays, LeaveYear, LeaveYearStart, RequestStatus, Role,
    RoleExt, Slot,
};
use super::errors::LeaveError;
use super::policy::{ApprovalRoute, LeavePolicy, PastDates};

/// Longest accepted range, in calendar days (two years; guards the day-by-day count).
pub const MAX_RANGE_DAYS: i64 = 731;

/// How far the consecutive-days check looks past a gap of non-counting days.
const MAX_GAP_DAYS: u64 = 400;

/// A validated request range: dates and the parts of the first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestSpan {
    /// First date (local).
    pub start_date: NaiveDate,
    /// Last date (local, inclusive).
    pub end_date: NaiveDate,
    /// Part of the first day: `full` or `pm` (one-day requests: the day's part).
    pub start_part: DayPart,
    /// Part of the last day: `full` or `am` (one-day requests: the day's part).
    pub end_part: DayPart,
}

impl RequestSpan {
    /// Parses a range (issue 12 §4): the end may not precede the start (`invalid_range`);
    /// a multi-day request starts `full`|`pm` and ends `full`|`am` (`invalid_day_part`);
    /// a one-day request takes the halves both parts allow (`am`+`full` is the morning,
    /// `pm`+`am` is nothing: `invalid_range`). At most [`MAX_RANGE_DAYS`] days.
    pub fn new(
        start_date: NaiveDate,
        end_date: NaiveDate,
        start_part: DayPart,
        end_part: DayPart,
    ) -> Result<Self, LeaveError> {
        if end_date < start_date {
            return Err(LeaveError::InvalidRange);
        }
        if (end_date - start_date).num_days() >= MAX_RANGE_DAYS {
            return Err(LeaveError::RangeTooLong);
        }
        if start_date == end_date {
            let am = start_part.covers(Half::Am) && end_part.covers(Half::Am);
            let pm = start_part.covers(Half::Pm) && end_part.covers(Half::Pm);
            let part = match (am, pm) {
                (true, true) => DayPart::Full,
                (true, false) => DayPart::Am,
                (false, true) => DayPart::Pm,
                (false, false) => return Err(LeaveError::InvalidRange),
            };
            return Ok(RequestSpan {
                start_date,
                end_date,
                start_part: part,
                end_part: part,
            });
        }
        if start_part == DayPart::Am || end_part == DayPart::Pm {
            return Err(LeaveError::InvalidDayPart);
        }
        Ok(RequestSpan {
            start_date,
            end_date,
            start_part,
            end_part,
        })
    }

    /// Whether the request starts or ends with a half day.
    pub fn has_half_day(&self) -> bool {
        self.start_part != DayPart::Full || self.end_part != DayPart::Full
    }

    /// Whether the request asks for `half` of `date` (inside the range).
    fn asks(&self, date: NaiveDate, half: Half) -> bool {
        (date != self.start_date || self.start_part.covers(half))
            && (date != self.end_date || self.end_part.covers(half))
    }
}

/// Counts a request: every asked half day of the range that counts for the type (a
/// worked half; any half when the type counts non-working days), per date, with its
/// leave year. A half-day request on a half-day holiday counts 1 unit when it asks for
/// the worked half and 0 when it asks for the holiday half; a full day there counts 1.
pub fn count_request(
    span: &RequestSpan,
    calendar: &WorkCalendar,
    counts_non_working_days: bool,
    year_start: LeaveYearStart,
) -> LeaveDays {
    let mut days = Vec::new();
    for date in span
        .start_date
        .iter_days()
        .take_while(|d| *d <= span.end_date)
    {
        let am =
            span.asks(date, Half::Am) && calendar.counts(date, Half::Am, counts_non_working_days);
        let pm =
            span.asks(date, Half::Pm) && calendar.counts(date, Half::Pm, counts_non_working_days);
        if am || pm {
            days.push(CountedDay {
                date,
                leave_year: year_start.year_of(date),
                am,
                pm,
            });
        }
    }
    LeaveDays { days }
}

/// An existing request of the same employee, as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingRequest {
    /// Its leave type code.
    pub leave_type: String,
    /// Its status.
    pub status: RequestStatus,
    /// The days it still holds: all its counted days while pending or approved; after a
    /// cancellation the days it kept ([`Cancellation::retained`]); nothing once rejected.
    pub held_days: LeaveDays,
    /// Its type has a balance, so a request of a type that interrupts leave (sickness)
    /// may take its days while it is pending or approved ([`interrupted`]).
    #[serde(default)]
    pub interruptible: bool,
}

impl ExistingRequest {
    /// The slots it blocks: held days of any request that is not rejected.
    /// Whether a request of a type that interrupts leave takes its days (it is live and
    /// its type has a balance).
    fn yields_to_interruption(&self) -> bool {
        self.interruptible
            && matches!(
                self.status,
                RequestStatus::Pending | RequestStatus::PendingHr | RequestStatus::Approved
            )
    }

    fn blocking_slots(&self) -> impl Iterator<Item = Slot> + '_ {
        let blocks = self.status != RequestStatus::Rejected;
        self.held_days.slots().filter(move |_| blocks)
    }
}

/// Whether `candidate` shares a half-day slot with a pending, approved or partly
/// cancelled request (issue 12 §4: a morning and an afternoon on one date do not
/// overlap; a full day and a half day do).
pub fn overlaps(candidate: &LeaveDays, existing: &[ExistingRequest]) -> bool {
    let taken: BTreeSet<Slot> = existing.iter().flat_map(|r| r.blocking_slots()).collect();
    candidate.slots().any(|s| taken.contains(&s))
}

fn step_back(slot: Slot) -> Option<Slot> {
    match slot.1 {
        Half::Pm => Some((slot.0, Half::Am)),
        Half::Am => slot.0.pred_opt().map(|d| (d, Half::Pm)),
    }
}

fn step_forward(slot: Slot) -> Option<Slot> {
    match slot.1 {
        Half::Am => Some((slot.0, Half::Pm)),
        Half::Pm => slot.0.succ_opt().map(|d| (d, Half::Am)),
    }
}

/// The length of the run of consecutive leave of one type that `candidate` would make
/// with the held days of `same_type` requests: two slots are consecutive when no
/// counting half day lies between them (a weekend or holiday does not break a run).
pub fn consecutive_run(
    candidate: &LeaveDays,
    same_type: &[&ExistingRequest],
    calendar: &WorkCalendar,
    counts_non_working_days: bool,
) -> HalfDays {
    let held: BTreeSet<Slot> = same_type.iter().flat_map(|r| r.blocking_slots()).collect();
    let counts = |s: Slot| calendar.counts(s.0, s.1, counts_non_working_days);
    let limit_slots = MAX_GAP_DAYS * 2;
    let mut run = candidate.total().units();
    let walk = |start: Slot, step: fn(Slot) -> Option<Slot>| -> i32 {
        let mut n = 0;
        let mut cur = start;
        'outer: loop {
            // The next counting slot in this direction.
            let mut s = cur;
            let mut i = 0;
            loop {
                match step(s) {
                    Some(next) if i < limit_slots => {
                        s = next;
                        i += 1;
                        if counts(s) {
                            break;
                        }
                    }
                    _ => break 'outer,
                }
            }
            if held.contains(&s) {
                n += 1;
                cur = s;
            } else {
                break;
            }
        }
        n
    };
    if let (Some(first), Some(last)) = (candidate.slots().next(), candidate.slots().last()) {
        run += walk(first, step_back) + walk(last, step_forward);
    }
    HalfDays(run)
}

/// Everything a request is checked against.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The type's policy.
    pub policy: &'a LeavePolicy,
    /// The employee's work calendar.
    pub calendar: &'a WorkCalendar,
    /// First day of every leave year.
    pub year_start: LeaveYearStart,
    /// Today, in the employee's time zone.
    pub today: NaiveDate,
    /// Filed by HR or admin (not the employee themselves).
    pub filed_by_hr: bool,
    /// The employment dates and status.
    pub employment: &'a Employment,
    /// The employee's other requests, every type and status (rejected ones are ignored).
    pub existing: &'a [ExistingRequest],
    /// The ledger of this employee and type.
    pub ledger: &'a [LedgerEntry],
    /// First leave year the ledger accounts for ([`BalanceInputs::accounting_from`]).
    pub accounting_from: LeaveYear,
}

/// The outcome of checking a request: its count and every problem found, in a fixed
/// order (the first is the answer's error; a preview shows them all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The counted days (per leave year: `count.per_year()`).
    pub count: LeaveDays,
    /// Problems, in check order; empty when the request is acceptable.
    pub problems: Vec<LeaveError>,
}

impl Evaluation {
    /// The request's verdict: its count, or the first problem.
    pub fn verdict(self) -> Result<LeaveDays, LeaveError> {
        match self.problems.into_iter().next() {
            Some(e) => Err(e),
            None => Ok(self.count),
        }
    }
}

/// Checks a request against its type and the facts (issue 12 §4). Its dates for the
/// employment, past-date and notice checks are its first and last counted days.
/// Structural errors
/// (`invalid_range` etc. come from [`RequestSpan::new`]; `no_working_days` here) are the
/// `Err`; the rest are collected in this order: `employee_terminated`,
/// `outside_employment`, `half_days_not_allowed`, `past_dates_not_allowed` /
/// `past_date_too_far`, `insufficient_notice`, `max_consecutive_days_exceeded`,
/// `overlapping_request`, `insufficient_balance`.
pub fn evaluate_request(
    span: &RequestSpan,
    facts: &RequestFacts<'_>,
) -> Result<Evaluation, LeaveError> {
    let policy = facts.policy;
    let count = count_request(
        span,
        facts.calendar,
        policy.counts_non_working_days,
        facts.year_start,
    );
    if count.days.is_empty() {
        return Err(LeaveError::NoWorkingDays);
    }
    // The request's dates are its counted days: a weekend at either edge of the range
    // decides nothing (first and last exist: the count is not empty).
    let first = count.first_date().unwrap_or(span.start_date);
    let last = count.last_date().unwrap_or(span.end_date);
    let mut problems = Vec::new();
    let emp = facts.employment;
    if emp.terminated {
        problems.push(LeaveError::EmployeeTerminated);
    }
    if !emp.covers(first) || !emp.covers(last) {
        problems.push(LeaveError::OutsideEmployment);
    }
    if span.has_half_day() && !policy.half_days_allowed {
        problems.push(LeaveError::HalfDaysNotAllowed);
    }
    if let Some(e) = past_date_problem(first, facts) {
        problems.push(e);
    }
    if first >= facts.today {
        let given = (first - facts.today).num_days();
        if given < i64::from(policy.min_notice_days) {
            problems.push(LeaveError::InsufficientNotice {
                required: policy.min_notice_days,
                given,
            });
        }
    }
    if let Some(max_days) = policy.max_consecutive_days {
        let same: Vec<&ExistingRequest> = facts
            .existing
            .iter()
            .filter(|r| r.leave_type == policy.code)
            .collect();
        let run = consecutive_run(
            &count,
            &same,
            facts.calendar,
            policy.counts_non_working_days,
        );
        if run.units()
            > i32::try_from(max_days)
                .unwrap_or(i32::MAX)
                .saturating_mul(2)
        {
            problems.push(LeaveError::MaxConsecutiveDaysExceeded {
                max_days,
                requested: run,
            });
        }
    }
    // Sickness during annual leave is no overlap: the annual request gives the days
    // back ([`interrupted`]); anything else held still blocks.
    let blocking: Vec<ExistingRequest> = facts
        .existing
        .iter()
        .filter(|r| !(policy.interrupts_leave && r.yields_to_interruption()))
        .cloned()
        .collect();
    if overlaps(&count, &blocking) {
        problems.push(LeaveError::OverlappingRequest);
    }
    if let Some(e) = balance_problem(&count, facts) {
        problems.push(e);
    }
    Ok(Evaluation { count, problems })
}

/// [`evaluate_request`] reduced to its verdict: the count or the first problem.
pub fn check_request(
    span: &RequestSpan,
    facts: &RequestFacts<'_>,
) -> Result<LeaveDays, LeaveError> {
    evaluate_request(span, facts)?.verdict()
}

fn past_date_problem(start: NaiveDate, facts: &RequestFacts<'_>) -> Option<LeaveError> {
    if start >= facts.today {
        return None;
    }
    let window = match facts.policy.past_dates {
        PastDates::Nobody => return Some(LeaveError::PastDatesNotAllowed),
        PastDates::HrOnly { .. } if !facts.filed_by_hr => {
            return Some(LeaveError::PastDatesNotAllowed)
        }
        PastDates::HrOnly { window_days } | PastDates::Anyone { window_days } => window_days?,
    };
    let earliest = facts
        .today
        .checked_sub_days(Days::new(u64::from(window)))
        .unwrap_or(NaiveDate::MIN);
    (start < earliest).then_some(LeaveError::PastDateTooFar { earliest })
}

/// Each leave year the request touches, and every later year up to today's (whose
/// carry-over it changes), must keep `available_after_expiry` at or above minus the
/// type's negative limit with the request reserved. Types without allowance pass.
fn balance_problem(count: &LeaveDays, facts: &RequestFacts<'_>) -> Option<LeaveError> {
    facts.policy.allowance?;
    let per_year = count.per_year();
    let first = *per_year.keys().next()?;
    let last = (*per_year.keys().last()?).max(facts.year_start.year_of(facts.today));
    let pending = super::balance::pending_days(facts.existing, &facts.policy.code);
    let before = BalanceInputs {
        policy: facts.policy,
        employment: facts.employment,
        year_start: facts.year_start,
        ledger: facts.ledger,
        pending: &pending,
        accounting_from: facts.accounting_from,
    };
    let available_before: Vec<(LeaveYear, HalfDays)> = years(first, last)
        .map(|y| {
            let b = balance(&before, y, facts.today);
            (y, b.available_after_expiry.unwrap_or(HalfDays::ZERO))
        })
        .collect();
    let mut with_request = pending.clone();
    with_request.extend(count.days.iter().copied());
    let after = BalanceInputs {
        pending: &with_request,
        ..before
    };
    let floor = -facts.policy.negative_limit;
    for (y, avail) in available_before {
        let b = balance(&after, y, facts.today);
        if b.available_after_expiry.unwrap_or(HalfDays::ZERO) < floor {
            return Some(LeaveError::InsufficientBalance {
                leave_year: y,
                requested: per_year.get(&y).copied().unwrap_or_default(),
                available: avail,
            });
        }
    }
    None
}

fn years(first: LeaveYear, last: LeaveYear) -> impl Iterator<Item = LeaveYear> {
    (first.0..=last.0).map(LeaveYear)
}

/// The status a new request starts in: approved for route `none`, else pending.
pub fn initial_status(route: ApprovalRoute) -> RequestStatus {
    match route {
        ApprovalRoute::None => RequestStatus::Approved,
        _ => RequestStatus::Pending,
    }
}

/// Who acts on a request, as facts about them and the request's employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    /// The caller's role.
    pub role: Role,
    /// The caller's account is linked to the request's employee.
    pub is_requester: bool,
    /// The caller is the employee's current (direct) manager, at the time of acting.
    pub is_current_manager: bool,
}

/// A decision on a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Approve (this step).
    Approve,
    /// Reject (final).
    Reject,
}

/// The state machine of decisions (issue 12 §5). Checks in order: own request (403
/// `cannot_decide_own_request`, admins included), final status (409 `request_final`),
/// not waiting (409 `request_not_pending`), the approver of this step (403
/// `not_allowed_to_decide`). Approvers: `manager` route: the current manager or HR/admin;
/// `hr`: HR/admin; `manager_then_hr`: the current manager approves to `pending_hr`,
/// HR/admin approve at either step to `approved`, only HR/admin decide at `pending_hr`.
/// Reject is allowed to whoever may approve at that step.
pub fn decide(
    status: RequestStatus,
    route: ApprovalRoute,
    actor: &Actor,
    decision: Decision,
) -> Result<RequestStatus, LeaveError> {
    if actor.is_requester {
        return Err(LeaveError::CannotDecideOwnRequest);
    }
    if status.is_final() {
        return Err(LeaveError::RequestFinal);
    }
    if status == RequestStatus::Approved {
        return Err(LeaveError::RequestNotPending);
    }
    let hr = actor.role.is_hr();
    let manager = actor.is_current_manager;
    let allowed = match (route, status) {
        (_, RequestStatus::PendingHr) => hr,
        (ApprovalRoute::Manager | ApprovalRoute::ManagerThenHr, _) => manager || hr,
        // `none` only meets a pending request filed before the route changed: HR decides.
        (ApprovalRoute::Hr | ApprovalRoute::None, _) => hr,
    };
    if !allowed {
        return Err(LeaveError::NotAllowedToDecide);
    }
    Ok(match decision {
        Decision::Reject => RequestStatus::Rejected,
        Decision::Approve
            if route == ApprovalRoute::ManagerThenHr && status == RequestStatus::Pending && !hr =>
        {
            RequestStatus::PendingHr
        }
        Decision::Approve => RequestStatus::Approved,
    })
}

/// Trims a rejection reason and requires 1 to 2000 characters (`reason_required`).
pub fn rejection_reason(raw: &str) -> Result<String, LeaveError> {
    let r = raw.trim();
    if r.is_empty() || r.chars().count() > 2000 {
        return Err(LeaveError::ReasonRequired);
    }
    if !crate::shared::text::is_displayable_text(r) {
        return Err(LeaveError::InvalidText);
    }
    Ok(r.to_owned())
}

/// What a cancellation does to a request's days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    /// Days given back: write [`super::balance::reversal_entries`] of them when the
    /// request was approved (a pending request consumed nothing: empty).
    pub given_back: LeaveDays,
    /// Days the request keeps (already taken): its new `held_days`.
    pub retained: LeaveDays,
}

/// Cancels a pending or approved request (issue 12 §5). The employee cancels their own
/// pending request, or an approved one whose first counted day is after today; HR/admin
/// and the current manager cancel any pending or approved one of someone else, and one that has started
/// gives back only its days from `today` on (today included). Approved leave that is over
/// is refused (`leave_already_taken`: correct it with an adjustment).
pub fn cancel(
    status: RequestStatus,
    held_days: &LeaveDays,
    actor: &Actor,
    today: NaiveDate,
) -> Result<Cancellation, LeaveError> {
    if status.is_final() {
        return Err(LeaveError::RequestFinal);
    }
    // On their own request everyone is the employee: an HR user does not cancel their
    // own started leave.
    let authority = !actor.is_requester && (actor.role.is_hr() || actor.is_current_manager);
    if !(actor.is_requester || authority) {
        return Err(LeaveError::NotAllowedToCancel);
    }
    if status.is_pending() {
        return Ok(Cancellation {
            given_back: LeaveDays::default(),
            retained: LeaveDays::default(),
        });
    }
    let started = held_days.first_date().is_some_and(|d| d <= today);
    if started && !authority {
        return Err(LeaveError::LeaveStarted);
    }
    if held_days.last_date().is_some_and(|d| d < today) {
        return Err(LeaveError::LeaveAlreadyTaken);
    }
    let (retained, given_back) = held_days.split_at(today);
    Ok(Cancellation {
        given_back,
        retained,
    })
}

/// What happens to a request when its employee is terminated (issue 12 §6): pending
/// ones are cancelled; approved ones holding days from today or after the last day of
/// employment are cancelled, giving back those days; others are kept (`None`).
pub fn on_termination(
    status: RequestStatus,
    held_days: &LeaveDays,
    termination_date: NaiveDate,
    today: NaiveDate,
) -> Option<Cancellation> {
    match status {
        RequestStatus::Pending | RequestStatus::PendingHr => Some(Cancellation {
            given_back: LeaveDays::default(),
            retained: LeaveDays::default(),
        }),
        RequestStatus::Approved => {
            let after_end = termination_date.succ_opt().unwrap_or(termination_date);
            let (retained, given_back) = held_days.split_at(today.min(after_end));
            (!given_back.days.is_empty()).then_some(Cancellation {
                given_back,
                retained,
            })
        }
        RequestStatus::Rejected | RequestStatus::Cancelled => None,
    }
}

/// The requests a request of a type that interrupts leave (`count`, e.g. sickness)
/// takes days from: every live request of a type with a balance holding some of its
/// half days, as (index in `existing`, the days it keeps, the days it gives back).
/// The leave interrupted is not lost: the days go back to its balance (CJEU C-277/08
/// Pereda, C-78/11 ANGED: a worker sick during annual leave takes that leave later).
pub fn interrupted(count: &LeaveDays, existing: &[ExistingRequest]) -> Vec<(usize, LeaveDays, LeaveDays)> {
    let taken: BTreeSet<Slot> = count.slots().collect();
    existing
        .iter()
        .enumerate()
        .filter(|(_, r)| r.yields_to_interruption() && r.held_days.slots().any(|s| taken.contains(&s)))
        .map(|(i, r)| (i, r.held_days.keeping(|s| !taken.contains(&s)), r.held_days.keeping(|s| taken.contains(&s))))
        .collect()
}

/// What a change of the employee's calendar does to a live request: the days it
/// holds from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recount {
    /// The days it holds after the recount (and counts: for a live request the two are one).
    pub held: LeaveDays,
    /// Half days it no longer holds (a holiday added, a weekday no longer worked).
    pub given_back: LeaveDays,
    /// Half days it holds now that it did not (a holiday removed, a weekday now worked).
    pub added: LeaveDays,
}

/// Recounts a pending or approved request on `calendar` (the employee's calendar
/// changed: a public holiday added or removed, other working weekdays, another
/// calendar assigned). Dates before `from` (today) are history and keep what they
/// held; from `from` on, the request holds what [`count_request`] gives on the new
/// calendar, except half days `taken` already holds for another request of the
/// employee (no recount makes two requests overlap). `None` when nothing changes.
pub fn recount(
    span: &RequestSpan,
    held: &LeaveDays,
    calendar: &WorkCalendar,
    counts_non_working_days: bool,
    year_start: LeaveYearStart,
    from: NaiveDate,
    taken: &BTreeSet<Slot>,
) -> Option<Recount> {
    let (kept, old) = held.split_at(from);
    let old_slots: BTreeSet<Slot> = old.slots().collect();
    let (_, fresh) = count_request(span, calendar, counts_non_working_days, year_start).split_at(from);
    // A slot the request held stays its own; a new one only when no other request holds it.
    let new = fresh.keeping(|s| old_slots.contains(&s) || !taken.contains(&s));
    let new_slots: BTreeSet<Slot> = new.slots().collect();
    if new_slots == old_slots {
        return None;
    }
    Some(Recount {
        given_back: old.keeping(|s| !new_slots.contains(&s)),
        added: new.keeping(|s| !old_slots.contains(&s)),
        held: LeaveDays {
            days: kept.days.into_iter().chain(new.days).collect(),
        },
    })
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::balance::{consumption_entries, EntryKind};
    use super::super::calendar::{Holiday, HolidayPart};
    use super::*;
    use chrono::Weekday;

    pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    pub(crate) fn calendar() -> WorkCalendar {
        let h = |date, name: &str, part| Holiday {
            date,
            name: name.into(),
            part,
        };
        WorkCalendar::new(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            vec![
                h(d(2026, 4, 3), "Good Friday", HolidayPart::Full),
                h(d(2026, 4, 6), "Easter Monday", HolidayPart::Full),
                h(d(2026, 5, 1), "Labour Day", HolidayPart::Full),
                h(d(2026, 12, 24), "Christmas Eve", HolidayPart::Pm),
                h(d(2026, 12, 25), "Christmas Day", HolidayPart::Full),
                h(d(2027, 1, 1), "New Year's Day", HolidayPart::Full),
            ],
        )
        .unwrap()
    }

    fn span(s: NaiveDate, e: NaiveDate, sp: DayPart, ep: DayPart) -> RequestSpan {
        RequestSpan::new(s, e, sp, ep).unwrap()
    }

    fn full(s: NaiveDate, e: NaiveDate) -> RequestSpan {
        span(s, e, DayPart::Full, DayPart::Full)
    }

    fn counted(s: &RequestSpan) -> LeaveDays {
        count_request(s, &calendar(), false, LeaveYearStart::default())
    }

    #[test]
    fn ranges_and_day_parts_are_parsed_strictly() {
        use DayPart::*;
        struct Case {
            name: &'static str,
            start: NaiveDate,
            end: NaiveDate,
            parts: (DayPart, DayPart),
            expected: Result<(DayPart, DayPart), &'static str>,
        }
        let cases = [
            Case {
                name: "a range ending before it starts",
                start: d(2026, 3, 3),
                end: d(2026, 3, 2),
                parts: (Full, Full),
                expected: Err("invalid_range"),
            },
            Case {
                name: "a multi-day request starting in the morning only",
                start: d(2026, 3, 2),
                end: d(2026, 3, 3),
                parts: (Am, Full),
                expected: Err("invalid_day_part"),
            },
            Case {
                name: "a multi-day request ending in the afternoon only",
                start: d(2026, 3, 2),
                end: d(2026, 3, 3),
                parts: (Full, Pm),
                expected: Err("invalid_day_part"),
            },
            Case {
                name: "a multi-day request from an afternoon to a morning",
                start: d(2026, 3, 2),
                end: d(2026, 3, 4),
                parts: (Pm, Am),
                expected: Ok((Pm, Am)),
            },
            Case {
                name: "a one-day morning given as start_part",
                start: d(2026, 3, 2),
                end: d(2026, 3, 2),
                parts: (Am, Full),
                expected: Ok((Am, Am)),
            },
            Case {
                name: "a one-day morning given as end_part",
                start: d(2026, 3, 2),
                end: d(2026, 3, 2),
                parts: (Full, Am),
                expected: Ok((Am, Am)),
            },
            Case {
                name: "a one-day afternoon",
                start: d(2026, 3, 2),
                end: d(2026, 3, 2),
                parts: (Pm, Full),
                expected: Ok((Pm, Pm)),
            },
            Case {
                name: "a one-day afternoon-to-morning holds nothing",
                start: d(2026, 3, 2),
                end: d(2026, 3, 2),
                parts: (Pm, Am),
                expected: Err("invalid_range"),
            },
            Case {
                name: "a range of more than two years",
                start: d(2026, 1, 1),
                end: d(2028, 1, 2),
                parts: (Full, Full),
                expected: Err("range_too_long"),
            },
        ];
        for c in cases {
            let got = RequestSpan::new(c.start, c.end, c.parts.0, c.parts.1)
                .map(|s| (s.start_part, s.end_part))
                .map_err(|e| e.code());
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn requests_count_working_half_days_per_leave_year() {
        use DayPart::*;
        struct Case {
            name: &'static str,
            span: RequestSpan,
            counts_non_working: bool,
            year_start: (u32, u32),
            per_year: Vec<(i32, i32)>,
        }
        let cases = [
            Case {
                name: "a plain week counts five days",
                span: full(d(2026, 3, 2), d(2026, 3, 6)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 10)],
            },
            Case {
                name: "a weekend inside the range counts nothing",
                span: full(d(2026, 3, 5), d(2026, 3, 10)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 8)],
            },
            Case {
                name: "a public holiday inside the range counts nothing",
                span: full(d(2026, 4, 27), d(2026, 5, 1)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 8)],
            },
            Case {
                name: "Easter: Thursday to Tuesday counts Thursday and Tuesday",
                span: full(d(2026, 4, 2), d(2026, 4, 7)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 4)],
            },
            Case {
                name: "an afternoon start and a morning end count half days",
                span: span(d(2026, 3, 2), d(2026, 3, 4), Pm, Am),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 4)],
            },
            Case {
                name: "a one-day morning counts half a day",
                span: span(d(2026, 3, 2), d(2026, 3, 2), Am, Am),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 1)],
            },
            Case {
                name: "a full day on a half-day holiday counts its worked half",
                span: full(d(2026, 12, 24), d(2026, 12, 24)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 1)],
            },
            Case {
                name: "the worked morning of a half-day holiday counts half a day",
                span: span(d(2026, 12, 24), d(2026, 12, 24), Am, Am),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 1)],
            },
            Case {
                name: "the holiday afternoon of a half-day holiday counts nothing",
                span: span(d(2026, 12, 24), d(2026, 12, 24), Pm, Pm),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![],
            },
            Case {
                name: "a range across the year end is split per leave year",
                span: full(d(2026, 12, 28), d(2027, 1, 5)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![(2026, 8), (2027, 4)],
            },
            Case {
                name: "a weekend counts for a type that counts non-working days",
                span: full(d(2026, 3, 7), d(2026, 3, 8)),
                counts_non_working: true,
                year_start: (1, 1),
                per_year: vec![(2026, 4)],
            },
            Case {
                name: "a weekend alone counts nothing for other types",
                span: full(d(2026, 3, 7), d(2026, 3, 8)),
                counts_non_working: false,
                year_start: (1, 1),
                per_year: vec![],
            },
            Case {
                name: "an April leave year splits at 1 April",
                span: full(d(2027, 3, 31), d(2027, 4, 1)),
                counts_non_working: false,
                year_start: (4, 1),
                per_year: vec![(2026, 2), (2027, 2)],
            },
        ];
        for c in cases {
            let ys = LeaveYearStart::new(c.year_start.0, c.year_start.1).unwrap();
            let got = count_request(&c.span, &calendar(), c.counts_non_working, ys);
            let per_year: Vec<(i32, i32)> = got
                .per_year()
                .into_iter()
                .map(|(y, u)| (y.0, u.units()))
                .collect();
            assert_eq!(per_year, c.per_year, "{}", c.name);
            assert_eq!(
                got.total().units(),
                c.per_year.iter().map(|p| p.1).sum::<i32>(),
                "{}",
                c.name
            );
        }
    }

    fn existing(ty: &str, status: RequestStatus, s: RequestSpan) -> ExistingRequest {
        ExistingRequest {
            leave_type: ty.into(),
            status,
            held_days: counted(&s),
            interruptible: ty == "annual",
        }
    }

    #[test]
    fn overlap_is_judged_per_half_day() {
        use DayPart::*;
        use RequestStatus::*;
        let mon = d(2026, 3, 2);
        let wed = d(2026, 3, 4);
        struct Case {
            name: &'static str,
            existing: ExistingRequest,
            candidate: RequestSpan,
            overlaps: bool,
        }
        let cases = [
            Case {
                name: "a morning and an afternoon on one date do not overlap",
                existing: existing("annual", Approved, span(mon, mon, Am, Am)),
                candidate: span(mon, mon, Pm, Pm),
                overlaps: false,
            },
            Case {
                name: "a full day and a morning overlap",
                existing: existing("annual", Pending, full(mon, mon)),
                candidate: span(mon, mon, Am, Am),
                overlaps: true,
            },
            Case {
                name: "an afternoon and a full day overlap",
                existing: existing("sick", Approved, span(mon, mon, Pm, Pm)),
                candidate: full(mon, mon),
                overlaps: true,
            },
            Case {
                name:
                    "a request ending on a morning and one starting that afternoon do not overlap",
                existing: existing("annual", PendingHr, span(mon, wed, Full, Am)),
                candidate: span(wed, d(2026, 3, 6), Pm, Full),
                overlaps: false,
            },
            Case {
                name: "a rejected request blocks nothing",
                existing: existing("annual", Rejected, full(mon, wed)),
                candidate: full(mon, mon),
                overlaps: false,
            },
            Case {
                name: "the taken days of a cancelled request still block",
                existing: existing("annual", Cancelled, full(mon, mon)),
                candidate: full(mon, wed),
                overlaps: true,
            },
        ];
        for c in cases {
            assert_eq!(
                overlaps(&counted(&c.candidate), &[c.existing]),
                c.overlaps,
                "{}",
                c.name
            );
        }
    }

    pub(crate) fn employment() -> Employment {
        Employment {
            hire_date: d(2020, 1, 1),
            termination_date: None,
            terminated: false,
        }
    }

    struct Setup {
        policy: LeavePolicy,
        employment: Employment,
        today: NaiveDate,
        by_hr: bool,
        existing: Vec<ExistingRequest>,
        ledger: Vec<LedgerEntry>,
    }

    impl Setup {
        fn new() -> Self {
            Setup {
                policy: LeavePolicy::annual(),
                employment: employment(),
                today: d(2026, 6, 1),
                by_hr: false,
                existing: vec![],
                ledger: vec![],
            }
        }

        fn check(&self, span: &RequestSpan) -> Result<i32, &'static str> {
            let cal = calendar();
            let facts = RequestFacts {
                policy: &self.policy,
                calendar: &cal,
                year_start: LeaveYearStart::default(),
                today: self.today,
                filed_by_hr: self.by_hr,
                employment: &self.employment,
                existing: &self.existing,
                ledger: &self.ledger,
                accounting_from: LeaveYear(2026),
            };
            check_request(span, &facts)
                .map(|c| c.total().units())
                .map_err(|e| e.code())
        }
    }

    #[test]
    fn requests_are_checked_against_the_policy_and_the_facts() {
        use DayPart::*;
        struct Case {
            name: &'static str,
            setup: fn(&mut Setup),
            span: RequestSpan,
            expected: Result<i32, &'static str>,
        }
        let week = full(d(2026, 6, 8), d(2026, 6, 12));
        let cases = [
            Case {
                name: "a plain week in the future is accepted",
                setup: |_| {},
                span: week,
                expected: Ok(10),
            },
            Case {
                name: "a weekend alone holds no working day",
                setup: |_| {},
                span: full(d(2026, 6, 6), d(2026, 6, 7)),
                expected: Err("no_working_days"),
            },
            Case {
                name: "a terminated employee is refused",
                setup: |s| {
                    s.employment.terminated = true;
                    s.employment.termination_date = Some(d(2026, 12, 31));
                },
                span: week,
                expected: Err("employee_terminated"),
            },
            Case {
                name: "dates before the hire date are refused",
                setup: |s| s.employment.hire_date = d(2026, 6, 10),
                span: week,
                expected: Err("outside_employment"),
            },
            Case {
                name: "dates after the last day of employment are refused",
                setup: |s| s.employment.termination_date = Some(d(2026, 6, 11)),
                span: week,
                expected: Err("outside_employment"),
            },
            Case {
                name: "a request ending on the last day of employment is accepted",
                setup: |s| s.employment.termination_date = Some(d(2026, 6, 12)),
                span: full(d(2026, 6, 11), d(2026, 6, 12)),
                expected: Ok(4),
            },
            Case {
                name: "a weekend before the hire date at the edge of the range decides nothing",
                setup: |s| s.employment.hire_date = d(2026, 6, 8),
                span: full(d(2026, 6, 6), d(2026, 6, 12)),
                expected: Ok(10),
            },
            Case {
                name: "a half day on a full-days-only type is refused",
                setup: |s| s.policy.half_days_allowed = false,
                span: span(d(2026, 6, 8), d(2026, 6, 8), Am, Am),
                expected: Err("half_days_not_allowed"),
            },
            Case {
                name: "a full day on a half-day holiday is no half-day request",
                setup: |s| {
                    s.policy.half_days_allowed = false;
                    s.today = d(2026, 12, 1);
                },
                span: full(d(2026, 12, 24), d(2026, 12, 24)),
                expected: Ok(1),
            },
            Case {
                name: "an employee may not file past dates on an HR-only type",
                setup: |_| {},
                span: full(d(2026, 5, 29), d(2026, 5, 29)),
                expected: Err("past_dates_not_allowed"),
            },
            Case {
                name: "HR may file past dates on an HR-only type",
                setup: |s| s.by_hr = true,
                span: full(d(2026, 5, 29), d(2026, 5, 29)),
                expected: Ok(2),
            },
            Case {
                name: "nobody files past dates when the type says nobody",
                setup: |s| {
                    s.by_hr = true;
                    s.policy.past_dates = PastDates::Nobody;
                },
                span: full(d(2026, 5, 29), d(2026, 5, 29)),
                expected: Err("past_dates_not_allowed"),
            },
            Case {
                name: "sick leave thirty days back is accepted",
                setup: |s| {
                    s.policy = LeavePolicy::sick();
                    s.today = d(2026, 6, 4);
                },
                span: full(d(2026, 5, 5), d(2026, 5, 5)),
                expected: Ok(2),
            },
            Case {
                name: "sick leave thirty-one days back is too far",
                setup: |s| {
                    s.policy = LeavePolicy::sick();
                    s.today = d(2026, 6, 4);
                },
                span: full(d(2026, 5, 4), d(2026, 5, 5)),
                expected: Err("past_date_too_far"),
            },
            Case {
                name: "a start one day short of the notice is refused",
                setup: |s| s.policy.min_notice_days = 8,
                span: week,
                expected: Err("insufficient_notice"),
            },
            Case {
                name: "a start exactly at the notice is accepted",
                setup: |s| s.policy.min_notice_days = 7,
                span: week,
                expected: Ok(10),
            },
            Case {
                name: "a request longer than the consecutive maximum is refused",
                setup: |s| s.policy.max_consecutive_days = Some(4),
                span: week,
                expected: Err("max_consecutive_days_exceeded"),
            },
            Case {
                name: "a request of exactly the consecutive maximum is accepted",
                setup: |s| s.policy.max_consecutive_days = Some(5),
                span: week,
                expected: Ok(10),
            },
            Case {
                name: "an adjoining request across a weekend extends the consecutive run",
                setup: |s| {
                    s.policy.max_consecutive_days = Some(5);
                    s.existing = vec![existing(
                        "annual",
                        RequestStatus::Approved,
                        full(d(2026, 6, 5), d(2026, 6, 5)),
                    )];
                },
                span: week,
                expected: Err("max_consecutive_days_exceeded"),
            },
            Case {
                name: "another type's adjoining request does not extend the run",
                setup: |s| {
                    s.policy.max_consecutive_days = Some(5);
                    s.existing = vec![existing(
                        "unpaid",
                        RequestStatus::Approved,
                        full(d(2026, 6, 5), d(2026, 6, 5)),
                    )];
                },
                span: week,
                expected: Ok(10),
            },
            Case {
                name: "an overlap with a pending request is refused",
                setup: |s| {
                    s.existing = vec![existing(
                        "unpaid",
                        RequestStatus::Pending,
                        span(d(2026, 6, 12), d(2026, 6, 12), Pm, Pm),
                    )]
                },
                span: week,
                expected: Err("overlapping_request"),
            },
            Case {
                name: "more than the balance is refused",
                setup: |s| {
                    s.ledger =
                        consumption_entries(&counted(&full(d(2026, 1, 5), d(2026, 1, 30))).days)
                },
                span: full(d(2026, 6, 8), d(2026, 6, 9)),
                expected: Err("insufficient_balance"),
            },
            Case {
                name: "the balance may go negative down to the type's limit",
                setup: |s| {
                    s.policy.negative_limit = HalfDays::days(3);
                    s.ledger =
                        consumption_entries(&counted(&full(d(2026, 1, 5), d(2026, 1, 30))).days)
                },
                span: full(d(2026, 6, 8), d(2026, 6, 9)),
                expected: Ok(4),
            },
            Case {
                name: "pending requests reserve their days",
                setup: |s| {
                    s.existing = vec![existing(
                        "annual",
                        RequestStatus::Pending,
                        full(d(2026, 7, 1), d(2026, 7, 24)),
                    )]
                },
                span: full(d(2026, 6, 8), d(2026, 6, 10)),
                expected: Err("insufficient_balance"),
            },
            Case {
                name: "a type without balance has no balance check",
                setup: |s| s.policy = LeavePolicy::unpaid(),
                span: full(d(2026, 6, 8), d(2026, 8, 28)),
                expected: Ok(120),
            },
        ];
        for c in cases {
            let mut s = Setup::new();
            (c.setup)(&mut s);
            assert_eq!(s.check(&c.span), c.expected, "{}", c.name);
        }
    }

    #[test]
    fn a_request_across_the_year_end_takes_each_year_from_its_own_balance() {
        let mut s = Setup::new();
        s.today = d(2026, 11, 2);
        // 19.5 of 20 days of 2026 used: the 2026 part (Dec 30-31) does not fit.
        let mut used = counted(&full(d(2026, 1, 5), d(2026, 1, 29))).days;
        used.push(CountedDay {
            date: d(2026, 2, 2),
            leave_year: LeaveYear(2026),
            am: true,
            pm: false,
        });
        s.ledger = consumption_entries(&used);
        let across = full(d(2026, 12, 30), d(2027, 1, 5));
        assert_eq!(s.check(&across), Err("insufficient_balance"));
        let cal = calendar();
        let facts = RequestFacts {
            policy: &s.policy,
            calendar: &cal,
            year_start: LeaveYearStart::default(),
            today: s.today,
            filed_by_hr: false,
            employment: &s.employment,
            existing: &s.existing,
            ledger: &s.ledger,
            accounting_from: LeaveYear(2026),
        };
        let err = check_request(&across, &facts).unwrap_err();
        assert_eq!(
            err,
            LeaveError::InsufficientBalance {
                leave_year: LeaveYear(2026),
                requested: HalfDays(4),
                available: HalfDays(1),
            }
        );
        // With two days left in 2026 the same dates fit: 4 units from 2026, 4 from 2027.
        s.ledger.retain(|e| e.effective_date != d(2026, 2, 2));
        s.ledger.retain(|e| e.effective_date != d(2026, 1, 29));
        assert_eq!(s.check(&across), Ok(8));
        assert!(s.ledger.iter().all(|e| e.kind == EntryKind::Consumption));
    }

    #[test]
    fn carried_days_only_cover_leave_dated_up_to_their_expiry() {
        // 2026: 10 of 20 days used, 5 carried into 2027 until 31 March.
        let mut s = Setup::new();
        s.today = d(2027, 1, 11);
        s.ledger = consumption_entries(&counted(&full(d(2026, 3, 2), d(2026, 3, 13))).days);
        struct Case {
            name: &'static str,
            span: RequestSpan,
            expected: Result<i32, &'static str>,
        }
        let cases = [
            Case {
                name: "21 days in February use the 5 carried days first and fit",
                span: full(d(2027, 2, 1), d(2027, 3, 1)),
                expected: Ok(42),
            },
            Case {
                name: "21 days in July cannot use days that expire on 31 March",
                span: full(d(2027, 7, 5), d(2027, 8, 2)),
                expected: Err("insufficient_balance"),
            },
            Case {
                name: "20 days in July fit the grant alone",
                span: full(d(2027, 7, 5), d(2027, 7, 30)),
                expected: Ok(40),
            },
        ];
        for c in cases {
            assert_eq!(s.check(&c.span), c.expected, "{}", c.name);
        }
    }

    #[test]
    fn a_preview_reports_every_problem_in_order() {
        let mut s = Setup::new();
        s.employment.terminated = true;
        s.policy.min_notice_days = 30;
        let cal = calendar();
        let facts = RequestFacts {
            policy: &s.policy,
            calendar: &cal,
            year_start: LeaveYearStart::default(),
            today: s.today,
            filed_by_hr: false,
            employment: &s.employment,
            existing: &s.existing,
            ledger: &s.ledger,
            accounting_from: LeaveYear(2026),
        };
        let ev = evaluate_request(&full(d(2026, 6, 8), d(2026, 6, 12)), &facts).unwrap();
        let codes: Vec<&str> = ev.problems.iter().map(LeaveError::code).collect();
        assert_eq!(codes, ["employee_terminated", "insufficient_notice"]);
        assert_eq!(ev.count.total(), HalfDays(10));
    }

    #[test]
    fn decisions_follow_the_route_and_the_step() {
        use ApprovalRoute as R;
        use Decision::*;
        use RequestStatus::*;
        let manager = Actor {
            role: Role::Manager,
            is_requester: false,
            is_current_manager: true,
        };
        let other_manager = Actor {
            is_current_manager: false,
            ..manager
        };
        let hr = Actor {
            role: Role::Hr,
            is_requester: false,
            is_current_manager: false,
        };
        let admin_self = Actor {
            role: Role::Admin,
            is_requester: true,
            is_current_manager: false,
        };
        let employee_self = Actor {
            role: Role::Employee,
            is_requester: true,
            is_current_manager: false,
        };
        struct Case {
            name: &'static str,
            status: RequestStatus,
            route: ApprovalRoute,
            actor: Actor,
            decision: Decision,
            expected: Result<RequestStatus, &'static str>,
        }
        let cases = [
            Case {
                name: "the current manager approves on the manager route",
                status: Pending,
                route: R::Manager,
                actor: manager,
                decision: Approve,
                expected: Ok(Approved),
            },
            Case {
                name: "a manager who is not the current manager may not approve",
                status: Pending,
                route: R::Manager,
                actor: other_manager,
                decision: Approve,
                expected: Err("not_allowed_to_decide"),
            },
            Case {
                name: "HR approves on the manager route",
                status: Pending,
                route: R::Manager,
                actor: hr,
                decision: Approve,
                expected: Ok(Approved),
            },
            Case {
                name: "the manager may not decide on the HR route",
                status: Pending,
                route: R::Hr,
                actor: manager,
                decision: Reject,
                expected: Err("not_allowed_to_decide"),
            },
            Case {
                name: "the manager's approval on a two-step route waits for HR",
                status: Pending,
                route: R::ManagerThenHr,
                actor: manager,
                decision: Approve,
                expected: Ok(PendingHr),
            },
            Case {
                name: "HR completes the second step",
                status: PendingHr,
                route: R::ManagerThenHr,
                actor: hr,
                decision: Approve,
                expected: Ok(Approved),
            },
            Case {
                name: "the manager may not take the HR step",
                status: PendingHr,
                route: R::ManagerThenHr,
                actor: manager,
                decision: Approve,
                expected: Err("not_allowed_to_decide"),
            },
            Case {
                name: "HR may reject at the second step",
                status: PendingHr,
                route: R::ManagerThenHr,
                actor: hr,
                decision: Reject,
                expected: Ok(Rejected),
            },
            Case {
                name: "the manager rejects at the first step",
                status: Pending,
                route: R::ManagerThenHr,
                actor: manager,
                decision: Reject,
                expected: Ok(Rejected),
            },
            Case {
                name: "an employee may not approve their own request",
                status: Pending,
                route: R::Manager,
                actor: employee_self,
                decision: Approve,
                expected: Err("cannot_decide_own_request"),
            },
            Case {
                name: "an admin may not reject their own request",
                status: Pending,
                route: R::Hr,
                actor: admin_self,
                decision: Reject,
                expected: Err("cannot_decide_own_request"),
            },
            Case {
                name: "a rejected request is final",
                status: Rejected,
                route: R::Manager,
                actor: hr,
                decision: Approve,
                expected: Err("request_final"),
            },
            Case {
                name: "a cancelled request is final",
                status: Cancelled,
                route: R::Manager,
                actor: manager,
                decision: Reject,
                expected: Err("request_final"),
            },
            Case {
                name: "an approved request cannot be approved again",
                status: Approved,
                route: R::Manager,
                actor: manager,
                decision: Approve,
                expected: Err("request_not_pending"),
            },
        ];
        for c in cases {
            assert_eq!(
                decide(c.status, c.route, &c.actor, c.decision).map_err(|e| e.code()),
                c.expected,
                "{}",
                c.name
            );
        }
        assert_eq!(initial_status(R::None), Approved);
        assert_eq!(initial_status(R::ManagerThenHr), Pending);
        assert_eq!(rejection_reason("  "), Err(LeaveError::ReasonRequired));
        assert_eq!(rejection_reason("\u{200B}"), Err(LeaveError::InvalidText));
        assert_eq!(rejection_reason(" team plan ").as_deref(), Ok("team plan"));
    }

    #[test]
    fn cancellation_follows_who_cancels_and_whether_the_leave_started() {
        use RequestStatus::*;
        let owner = Actor {
            role: Role::Employee,
            is_requester: true,
            is_current_manager: false,
        };
        let manager = Actor {
            role: Role::Manager,
            is_requester: false,
            is_current_manager: true,
        };
        let hr_self = Actor {
            role: Role::Hr,
            is_requester: true,
            is_current_manager: false,
        };
        let stranger = Actor {
            role: Role::Manager,
            is_requester: false,
            is_current_manager: false,
        };
        let days = counted(&full(d(2026, 6, 8), d(2026, 6, 12)));
        struct Case {
            name: &'static str,
            status: RequestStatus,
            actor: Actor,
            today: NaiveDate,
            expected: Result<(i32, i32), &'static str>,
        }
        let cases = [
            Case {
                name: "the employee cancels their pending request (nothing consumed)",
                status: Pending,
                actor: owner,
                today: d(2026, 6, 10),
                expected: Ok((0, 0)),
            },
            Case {
                name: "the employee cancels approved leave that has not started",
                status: Approved,
                actor: owner,
                today: d(2026, 6, 7),
                expected: Ok((10, 0)),
            },
            Case {
                name: "the employee may not cancel approved leave on its first day",
                status: Approved,
                actor: owner,
                today: d(2026, 6, 8),
                expected: Err("leave_started"),
            },
            Case {
                name: "the manager cancels started leave from today on",
                status: Approved,
                actor: manager,
                today: d(2026, 6, 10),
                expected: Ok((6, 4)),
            },
            Case {
                name: "an HR user cancels their own started leave only as an employee",
                status: Approved,
                actor: hr_self,
                today: d(2026, 6, 10),
                expected: Err("leave_started"),
            },
            Case {
                name: "leave that is over cannot be cancelled",
                status: Approved,
                actor: manager,
                today: d(2026, 6, 13),
                expected: Err("leave_already_taken"),
            },
            Case {
                name: "someone else's manager may not cancel",
                status: Pending,
                actor: stranger,
                today: d(2026, 6, 1),
                expected: Err("not_allowed_to_cancel"),
            },
            Case {
                name: "a rejected request cannot be cancelled",
                status: Rejected,
                actor: owner,
                today: d(2026, 6, 1),
                expected: Err("request_final"),
            },
        ];
        for c in cases {
            let got = cancel(c.status, &days, &c.actor, c.today)
                .map(|x| (x.given_back.total().units(), x.retained.total().units()))
                .map_err(|e| e.code());
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn cancelling_on_the_third_day_gives_back_the_rest_per_leave_year() {
        // Tue 29 Dec 2026 to Tue 5 Jan 2027: five counted days (29, 30, 31 Dec, 4, 5 Jan)
        // around New Year's Day (a holiday), a weekend and the year end.
        let held = counted(&full(d(2026, 12, 29), d(2027, 1, 5)));
        assert_eq!(held.total(), HalfDays::days(5));
        let hr = Actor {
            role: Role::Hr,
            is_requester: false,
            is_current_manager: false,
        };
        let c = cancel(RequestStatus::Approved, &held, &hr, d(2026, 12, 31)).unwrap();
        let back: Vec<(i32, i32)> = c
            .given_back
            .per_year()
            .into_iter()
            .map(|(y, u)| (y.0, u.units()))
            .collect();
        assert_eq!(back, [(2026, 2), (2027, 4)]);
        assert_eq!(c.retained.total(), HalfDays::days(2));
        // The reversal restores exactly what the consumption of those days took.
        let mut ledger = consumption_entries(&held.days);
        ledger.extend(super::super::balance::reversal_entries(&c.given_back.days));
        let mut per_year = std::collections::BTreeMap::new();
        for e in &ledger {
            *per_year.entry(e.leave_year.0).or_insert(0) += e.units.units();
        }
        assert_eq!(
            per_year.into_iter().collect::<Vec<_>>(),
            [(2026, -4), (2027, 0)]
        );
    }

    #[test]
    fn termination_cancels_pending_and_future_leave() {
        let held = counted(&full(d(2026, 6, 8), d(2026, 6, 19)));
        struct Case {
            name: &'static str,
            status: RequestStatus,
            termination: NaiveDate,
            today: NaiveDate,
            expected: Option<i32>,
        }
        let cases = [
            Case {
                name: "a pending request is cancelled",
                status: RequestStatus::Pending,
                termination: d(2026, 6, 30),
                today: d(2026, 6, 1),
                expected: Some(0),
            },
            Case {
                name: "future approved leave is given back from today",
                status: RequestStatus::Approved,
                termination: d(2026, 6, 30),
                today: d(2026, 6, 15),
                expected: Some(10),
            },
            Case {
                name: "a backdated termination gives back the days after the last day",
                status: RequestStatus::Approved,
                termination: d(2026, 6, 10),
                today: d(2026, 6, 22),
                expected: Some(14),
            },
            Case {
                name: "leave fully taken before the end is kept",
                status: RequestStatus::Approved,
                termination: d(2026, 6, 30),
                today: d(2026, 6, 22),
                expected: None,
            },
        ];
        for c in cases {
            let got = on_termination(c.status, &held, c.termination, c.today)
                .map(|x| x.given_back.total().units());
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn a_calendar_change_recounts_live_leave_from_today_without_overlaps() {
        use Weekday::*;
        let mon_fri = [Mon, Tue, Wed, Thu, Fri];
        // The holidays of `calendar()` changed: `add` added, `drop` removed.
        let cal = |weekdays: &[Weekday], add: &[(NaiveDate, HolidayPart)], drop: &[NaiveDate]| {
            let base = [
                (d(2026, 12, 24), HolidayPart::Pm),
                (d(2026, 12, 25), HolidayPart::Full),
                (d(2027, 1, 1), HolidayPart::Full),
            ];
            let holidays = base
                .iter()
                .filter(|(date, _)| !drop.contains(date) && !add.iter().any(|(a, _)| a == date))
                .chain(add)
                .map(|(date, part)| Holiday {
                    date: *date,
                    name: "holiday".into(),
                    part: *part,
                })
                .collect();
            WorkCalendar::new(weekdays, holidays).unwrap()
        };
        // Monday 21 to Thursday 31 December 2026 on the base calendar: 21-23 (6), the
        // morning of the 24th (1), the 25th a holiday, 28-31 (8): 15 half days.
        let request = full(d(2026, 12, 21), d(2026, 12, 31));
        let held = count_request(&request, &cal(&mon_fri, &[], &[]), false, LeaveYearStart::default());
        assert_eq!(held.total().units(), 15);
        let slot = |date, half| (date, half);
        struct Case {
            name: &'static str,
            calendar: WorkCalendar,
            from: NaiveDate,
            taken: Vec<Slot>,
            // (held, given back, added) in half days; None: nothing changes.
            expected: Option<(i32, i32, i32)>,
        }
        let cases = [
            Case {
                name: "a public holiday added inside the leave gives its day back",
                calendar: cal(&mon_fri, &[(d(2026, 12, 28), HolidayPart::Full)], &[]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: Some((13, 2, 0)),
            },
            Case {
                name: "a half-day holiday made a whole one gives back the worked morning",
                calendar: cal(&mon_fri, &[(d(2026, 12, 24), HolidayPart::Full)], &[]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: Some((14, 1, 0)),
            },
            Case {
                name: "a holiday removed counts its day again",
                calendar: cal(&mon_fri, &[], &[d(2026, 12, 25)]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: Some((17, 0, 2)),
            },
            Case {
                name: "a holiday added on a date already past is history",
                calendar: cal(&mon_fri, &[(d(2026, 12, 22), HolidayPart::Full)], &[]),
                from: d(2026, 12, 23),
                taken: vec![],
                expected: None,
            },
            Case {
                name: "the day of a removed holiday is not taken from another request holding it",
                calendar: cal(&mon_fri, &[], &[d(2026, 12, 25)]),
                from: d(2026, 12, 1),
                taken: vec![slot(d(2026, 12, 25), Half::Am)],
                expected: Some((16, 0, 1)),
            },
            Case {
                name: "a weekday no longer worked that the leave did not count changes nothing",
                calendar: cal(&[Mon, Tue, Wed, Thu], &[], &[]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: None,
            },
            Case {
                name: "Saturday made a working day counts the Saturday inside the leave",
                calendar: cal(&[Mon, Tue, Wed, Thu, Fri, Sat], &[], &[]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: Some((17, 0, 2)),
            },
            Case {
                name: "the same calendar changes nothing",
                calendar: cal(&mon_fri, &[], &[]),
                from: d(2026, 12, 1),
                taken: vec![],
                expected: None,
            },
        ];
        for c in cases {
            let taken: BTreeSet<Slot> = c.taken.into_iter().collect();
            let got = recount(&request, &held, &c.calendar, false, LeaveYearStart::default(), c.from, &taken);
            let units = got
                .as_ref()
                .map(|r| (r.held.total().units(), r.given_back.total().units(), r.added.total().units()));
            assert_eq!(units, c.expected, "{}", c.name);
            if let Some(r) = got {
                // What stays plus what was added, less what was given back, is the new count.
                assert_eq!(
                    r.held.total().units(),
                    held.total().units() + r.added.total().units() - r.given_back.total().units(),
                    "{}",
                    c.name
                );
                assert!(r.held.slots().all(|s| !taken.contains(&s)), "{}: an overlap", c.name);
                assert!(r.held.days.windows(2).all(|w| w[0].date < w[1].date), "{}: dates in order", c.name);
            }
        }
    }

    #[test]
    fn sickness_during_annual_leave_takes_the_days_back_and_blocks_nothing_else() {
        use DayPart::*;
        use RequestStatus::*;
        // Annual leave Monday 8 to Friday 12 June 2026; sick from Wednesday to Thursday noon.
        let week = full(d(2026, 6, 8), d(2026, 6, 12));
        let sick_span = span(d(2026, 6, 10), d(2026, 6, 11), Full, Am);
        let mut s = Setup::new();
        s.policy = LeavePolicy::sick();
        s.today = d(2026, 6, 15);
        struct Case {
            name: &'static str,
            existing: ExistingRequest,
            // The verdict, and (kept, given back) in half days of the interrupted request.
            expected: Result<Option<(i32, i32)>, &'static str>,
        }
        let cases = [
            Case {
                name: "approved annual leave gives back the sick days",
                existing: existing("annual", Approved, week),
                expected: Ok(Some((7, 3))),
            },
            Case {
                name: "pending annual leave gives them back too",
                existing: existing("annual", Pending, week),
                expected: Ok(Some((7, 3))),
            },
            Case {
                name: "annual leave waiting for HR as well",
                existing: existing("annual", PendingHr, week),
                expected: Ok(Some((7, 3))),
            },
            Case {
                name: "unpaid leave has no balance to give back to: an overlap",
                existing: existing("unpaid", Approved, week),
                expected: Err("overlapping_request"),
            },
            Case {
                name: "sick leave twice is an overlap",
                existing: existing("sick", Approved, week),
                expected: Err("overlapping_request"),
            },
            Case {
                name: "the kept days of cancelled annual leave are history: an overlap",
                existing: existing("annual", Cancelled, week),
                expected: Err("overlapping_request"),
            },
            Case {
                name: "rejected annual leave holds nothing",
                existing: existing("annual", Rejected, week),
                expected: Ok(None),
            },
        ];
        for c in cases {
            s.existing = vec![c.existing];
            let got = s.check(&sick_span).map(|units| {
                assert_eq!(units, 3, "{}: the sick request counts its own days", c.name);
                interrupted(&counted(&sick_span), &s.existing)
                    .first()
                    .map(|(i, kept, back)| {
                        assert_eq!(*i, 0);
                        (kept.total().units(), back.total().units())
                    })
            });
            assert_eq!(got, c.expected, "{}", c.name);
        }
        // The days kept and given back split the request exactly, half day by half day.
        let ex = vec![existing("annual", Approved, week)];
        let (_, kept, back) = &interrupted(&counted(&sick_span), &ex)[0];
        let slots = |l: &LeaveDays| l.slots().collect::<BTreeSet<_>>();
        assert_eq!(slots(back), slots(&counted(&sick_span)));
        assert!(slots(kept).is_disjoint(&slots(back)));
        assert_eq!(slots(kept).union(&slots(back)).count(), 10);
        let thursday = d(2026, 6, 11);
        assert!(kept.days.iter().any(|k| k.date == thursday && !k.am && k.pm), "Thursday afternoon stays annual leave");
        // An annual request does not interrupt anything.
        s.policy = LeavePolicy::annual();
        s.by_hr = true;
        s.existing = vec![existing("sick", Approved, sick_span)];
        assert_eq!(s.check(&week), Err("overlapping_request"));
    }
}
