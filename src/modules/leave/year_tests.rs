//! A realistic leave year walked through the rules alone, every balance asserted
//! exactly (issue 12, "Done when"). A tiny in-memory stand-in for the module's actor
//! keeps the requests and the append-only ledger.

use chrono::NaiveDate;

use super::balance::{
    balance, consumption_entries, due_entries, reversal_entries, Balance, BalanceInputs,
    Employment, LedgerEntry,
};
use super::calendar::WorkCalendar;
use super::domain::{DayPart, HalfDays, LeaveYear, LeaveYearStart, RequestStatus, Role};
use super::errors::LeaveError;
use super::policy::LeavePolicy;
use super::rules::tests::{calendar, d};
use super::rules::{
    cancel, check_request, decide, initial_status, Actor, Decision, ExistingRequest, RequestFacts,
    RequestSpan,
};

struct Request {
    employee: usize,
    policy: usize,
    inner: ExistingRequest,
}

struct Office {
    calendar: WorkCalendar,
    policies: Vec<LeavePolicy>,
    employees: Vec<Employment>,
    /// Index of each employee's current manager.
    managers: Vec<Option<usize>>,
    requests: Vec<Request>,
    /// Ledger per (employee, policy).
    ledger: Vec<(usize, usize, LedgerEntry)>,
    today: NaiveDate,
}

const ANNUAL: usize = 0;
const SICK: usize = 1;
const ADA: usize = 0;
const BEN: usize = 1;
const MAX: usize = 2;
const HR: usize = 3;

impl Office {
    fn new() -> Self {
        let hired = |y, m, day| Employment {
            hire_date: d(y, m, day),
            termination_date: None,
            terminated: false,
        };
        Office {
            calendar: calendar(),
            policies: vec![LeavePolicy::annual(), LeavePolicy::sick()],
            employees: vec![
                hired(2019, 3, 1),
                hired(2026, 7, 1),
                hired(2015, 1, 1),
                hired(2018, 1, 1),
            ],
            managers: vec![Some(MAX), Some(MAX), None, None],
            requests: vec![],
            ledger: vec![],
            today: d(2026, 1, 5),
        }
    }

    fn ledger_of(&self, e: usize, p: usize) -> Vec<LedgerEntry> {
        self.ledger
            .iter()
            .filter(|(ee, pp, _)| *ee == e && *pp == p)
            .map(|x| x.2)
            .collect()
    }

    fn existing_of(&self, e: usize) -> Vec<ExistingRequest> {
        self.requests
            .iter()
            .filter(|r| r.employee == e)
            .map(|r| r.inner.clone())
            .collect()
    }

    fn balance(&self, e: usize, year: i32, as_of: NaiveDate) -> Balance {
        let ledger = self.ledger_of(e, ANNUAL);
        let existing = self.existing_of(e);
        let pending = super::balance::pending_days(&existing, "annual");
        let inputs = BalanceInputs {
            policy: &self.policies[ANNUAL],
            employment: &self.employees[e],
            year_start: LeaveYearStart::default(),
            ledger: &ledger,
            pending: &pending,
            accounting_from: LeaveYear(2026),
        };
        balance(&inputs, LeaveYear(year), as_of)
    }

    /// `available` of the annual balance today, in half days.
    fn available(&self, e: usize, year: i32) -> i32 {
        self.balance(e, year, self.today)
            .available
            .map_or(i32::MIN, HalfDays::units)
    }

    fn file(
        &mut self,
        e: usize,
        p: usize,
        span: (NaiveDate, NaiveDate, DayPart, DayPart),
    ) -> Result<usize, LeaveError> {
        let span = RequestSpan::new(span.0, span.1, span.2, span.3)?;
        let ledger = self.ledger_of(e, p);
        let existing = self.existing_of(e);
        let facts = RequestFacts {
            policy: &self.policies[p],
            calendar: &self.calendar,
            year_start: LeaveYearStart::default(),
            today: self.today,
            filed_by_hr: false,
            employment: &self.employees[e],
            existing: &existing,
            ledger: &ledger,
            accounting_from: LeaveYear(2026),
        };
        let count = check_request(&span, &facts)?;
        let status = initial_status(self.policies[p].approval);
        if status == RequestStatus::Approved {
            for x in consumption_entries(&count.days) {
                self.ledger.push((e, p, x));
            }
        }
        self.requests.push(Request {
            employee: e,
            policy: p,
            inner: ExistingRequest {
                leave_type: self.policies[p].code.clone(),
                status,
                held_days: count,
                interruptible: self.policies[p].allowance.is_some(),
            },
        });
        Ok(self.requests.len() - 1)
    }

    fn actor(&self, who: usize, id: usize) -> Actor {
        let owner = self.requests[id].employee;
        Actor {
            role: if who == HR {
                Role::Hr
            } else if who == MAX {
                Role::Manager
            } else {
                Role::Employee
            },
            is_requester: who == owner,
            is_current_manager: self.managers[owner] == Some(who),
        }
    }

    fn decide(&mut self, who: usize, id: usize, decision: Decision) -> Result<(), LeaveError> {
        let actor = self.actor(who, id);
        let r = &self.requests[id];
        let route = self.policies[r.policy].approval;
        let next = decide(r.inner.status, route, &actor, decision)?;
        if next == RequestStatus::Approved {
            let entries = consumption_entries(&r.inner.held_days.days);
            let (e, p) = (r.employee, r.policy);
            self.ledger.extend(entries.into_iter().map(|x| (e, p, x)));
        }
        if next == RequestStatus::Rejected {
            self.requests[id].inner.held_days = Default::default();
        }
        self.requests[id].inner.status = next;
        Ok(())
    }

    fn cancel(&mut self, who: usize, id: usize) -> Result<(), LeaveError> {
        let actor = self.actor(who, id);
        let r = &self.requests[id];
        let c = cancel(r.inner.status, &r.inner.held_days, &actor, self.today)?;
        if r.inner.status == RequestStatus::Approved {
            let (e, p) = (r.employee, r.policy);
            let back = reversal_entries(&c.given_back.days);
            self.ledger.extend(back.into_iter().map(|x| (e, p, x)));
        }
        self.requests[id].inner.status = RequestStatus::Cancelled;
        self.requests[id].inner.held_days = c.retained;
        Ok(())
    }

    fn run_year_job(&mut self, e: usize, year: i32) {
        let ledger = self.ledger_of(e, ANNUAL);
        let inputs = BalanceInputs {
            policy: &self.policies[ANNUAL],
            employment: &self.employees[e],
            year_start: LeaveYearStart::default(),
            ledger: &ledger,
            pending: &[],
            accounting_from: LeaveYear(2026),
        };
        let due = due_entries(&inputs, LeaveYear(year), self.today);
        self.ledger.extend(due.into_iter().map(|x| (e, ANNUAL, x)));
    }
}

fn full(s: NaiveDate, e: NaiveDate) -> (NaiveDate, NaiveDate, DayPart, DayPart) {
    (s, e, DayPart::Full, DayPart::Full)
}

fn half(day: NaiveDate, part: DayPart) -> (NaiveDate, NaiveDate, DayPart, DayPart) {
    (day, day, part, part)
}

#[test]
fn a_realistic_year_keeps_every_balance_exact() {
    let mut o = Office::new();

    // January: grants are known without any job; next year's too.
    assert_eq!(o.available(ADA, 2026), 40);
    assert_eq!(o.available(ADA, 2027), 40);
    // Ben starts on 1 July: 184 of 365 days of 20 days, 10.08 days, to the nearest
    // half day 10.
    assert_eq!(o.available(BEN, 2026), 20);

    // March: Easter week, Wed 1 to Wed 8 April, with Good Friday, Easter Monday and a
    // weekend inside: four days.
    o.today = d(2026, 3, 2);
    let easter = o
        .file(ADA, ANNUAL, full(d(2026, 4, 1), d(2026, 4, 8)))
        .unwrap();
    let b = o.balance(ADA, 2026, o.today);
    assert_eq!((b.pending, b.available), (HalfDays(8), Some(HalfDays(32))));
    // Only her current manager (Max) or HR decide: not Ben, not Ada herself.
    assert_eq!(
        o.decide(BEN, easter, Decision::Approve),
        Err(LeaveError::NotAllowedToDecide)
    );
    assert_eq!(
        o.decide(ADA, easter, Decision::Approve),
        Err(LeaveError::CannotDecideOwnRequest)
    );
    o.decide(MAX, easter, Decision::Approve).unwrap();
    let b = o.balance(ADA, 2026, o.today);
    assert_eq!(
        (b.taken, b.booked, b.pending, b.available),
        (HalfDays(0), HalfDays(8), HalfDays(0), Some(HalfDays(32)))
    );

    // April: a morning off on Monday 4 May; sick that afternoon (auto-approved, no
    // overlap); a full annual day on that date overlaps.
    o.today = d(2026, 4, 20);
    let morning = o
        .file(ADA, ANNUAL, half(d(2026, 5, 4), DayPart::Am))
        .unwrap();
    o.decide(MAX, morning, Decision::Approve).unwrap();
    o.today = d(2026, 5, 5);
    let sick = o.file(ADA, SICK, half(d(2026, 5, 4), DayPart::Pm)).unwrap();
    assert_eq!(o.requests[sick].inner.status, RequestStatus::Approved);
    o.today = d(2026, 4, 20);
    assert_eq!(
        o.file(ADA, ANNUAL, full(d(2026, 5, 4), d(2026, 5, 4))),
        Err(LeaveError::OverlappingRequest)
    );
    assert_eq!(o.available(ADA, 2026), 31);

    // Six weeks in June do not fit in 15.5 days; nothing changes.
    let before = o.ledger.len();
    assert!(matches!(
        o.file(ADA, ANNUAL, full(d(2026, 6, 1), d(2026, 7, 10))),
        Err(LeaveError::InsufficientBalance {
            leave_year: LeaveYear(2026),
            requested: HalfDays(60),
            available: HalfDays(31),
        })
    ));
    assert_eq!((o.ledger.len(), o.requests.len()), (before, 3));

    // Two weeks in August: pending, then rejected; the reservation is released.
    let two_weeks = o
        .file(ADA, ANNUAL, full(d(2026, 8, 3), d(2026, 8, 14)))
        .unwrap();
    assert_eq!(o.available(ADA, 2026), 11);
    o.decide(MAX, two_weeks, Decision::Reject).unwrap();
    assert_eq!(o.available(ADA, 2026), 31);
    assert_eq!(
        o.decide(MAX, two_weeks, Decision::Approve),
        Err(LeaveError::RequestFinal)
    );

    // One week in August, approved; on Wednesday HR cancels it: Mon and Tue stay taken.
    let week = o
        .file(ADA, ANNUAL, full(d(2026, 8, 3), d(2026, 8, 7)))
        .unwrap();
    o.decide(MAX, week, Decision::Approve).unwrap();
    assert_eq!(o.available(ADA, 2026), 21);
    o.today = d(2026, 8, 5);
    assert_eq!(o.cancel(ADA, week), Err(LeaveError::LeaveStarted));
    o.cancel(HR, week).unwrap();
    let b = o.balance(ADA, 2026, o.today);
    assert_eq!(
        (b.taken, b.booked, b.available),
        (HalfDays(8 + 1 + 4), HalfDays(0), Some(HalfDays(27)))
    );
    // The kept days still block: Monday cannot be booked again.
    o.today = d(2026, 7, 1);
    assert_eq!(
        o.file(ADA, ANNUAL, full(d(2026, 8, 3), d(2026, 8, 3))),
        Err(LeaveError::OverlappingRequest)
    );

    // Ben, hired in July, asks for 10.5 days in October: more than his 10.
    o.today = d(2026, 9, 1);
    assert!(matches!(
        o.file(
            BEN,
            ANNUAL,
            (d(2026, 10, 5), d(2026, 10, 19), DayPart::Full, DayPart::Am),
        ),
        Err(LeaveError::InsufficientBalance { .. })
    ));
    let ben = o
        .file(BEN, ANNUAL, full(d(2026, 10, 5), d(2026, 10, 16)))
        .unwrap();
    o.decide(HR, ben, Decision::Approve).unwrap();
    assert_eq!(o.available(BEN, 2026), 0);

    // November: Mon 28 Dec 2026 to Tue 5 Jan 2027 across the year end (New Year's Day a
    // holiday, a weekend): four days from 2026, two from 2027.
    o.today = d(2026, 11, 2);
    let newyear = o
        .file(ADA, ANNUAL, full(d(2026, 12, 28), d(2027, 1, 5)))
        .unwrap();
    assert_eq!(
        o.requests[newyear].inner.held_days.per_year(),
        [
            (LeaveYear(2026), HalfDays(8)),
            (LeaveYear(2027), HalfDays(4))
        ]
        .into_iter()
        .collect()
    );
    o.decide(MAX, newyear, Decision::Approve).unwrap();
    assert_eq!(o.available(ADA, 2026), 19);
    let next = o.balance(ADA, 2027, o.today);
    assert_eq!(
        (
            next.entitled,
            next.carried_over,
            next.booked,
            next.available
        ),
        (HalfDays(40), HalfDays(0), HalfDays(4), Some(HalfDays(36)))
    );

    // January 2027: 9.5 days were left; 5 are carried, expiring on 31 March unless
    // used, and 4 and 5 January already use two of them.
    o.today = d(2027, 1, 11);
    let b = o.balance(ADA, 2027, o.today);
    assert_eq!(
        (b.carried_over, b.taken, b.available),
        (HalfDays(10), HalfDays(4), Some(HalfDays(46)))
    );
    assert_eq!(
        b.expiring.map(|x| (x.units, x.date)),
        Some((HalfDays(6), d(2027, 3, 31)))
    );
    // Two days in February use carried days first.
    let feb = o
        .file(ADA, ANNUAL, full(d(2027, 2, 15), d(2027, 2, 16)))
        .unwrap();
    o.decide(MAX, feb, Decision::Approve).unwrap();
    let b = o.balance(ADA, 2027, o.today);
    assert_eq!(b.expiring.map(|x| x.units), Some(HalfDays(2)));
    assert_eq!(b.available, Some(HalfDays(42)));
    assert_eq!(b.available_after_expiry, Some(HalfDays(40)));

    // April: the one unused carried day has expired. The job's entries change
    // nothing, and running it twice writes nothing more.
    o.today = d(2027, 4, 1);
    let computed = o.balance(ADA, 2027, o.today);
    assert_eq!(
        (computed.expired, computed.taken, computed.available),
        (HalfDays(2), HalfDays(8), Some(HalfDays(40)))
    );
    for y in [2026, 2027] {
        o.run_year_job(ADA, y);
    }
    let written = o.ledger.len();
    o.run_year_job(ADA, 2027);
    assert_eq!(o.ledger.len(), written);
    assert_eq!(o.balance(ADA, 2027, o.today), computed);
    let sum: i32 = o
        .ledger_of(ADA, ANNUAL)
        .iter()
        .filter(|x| x.leave_year == LeaveYear(2027))
        .map(|x| x.units.units())
        .sum();
    assert_eq!(Some(HalfDays(sum)), computed.available);
    // 2026 as of its last day: 31 December still booked, 9.5 days left over.
    let last = o.balance(ADA, 2026, d(2026, 12, 31));
    assert_eq!(
        (last.entitled, last.taken, last.booked, last.available),
        (HalfDays(40), HalfDays(19), HalfDays(2), Some(HalfDays(19)))
    );
}
