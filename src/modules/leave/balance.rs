//! Entitlements, the append-only balance ledger and the balance: pure functions of
//! the ledger, the open requests and the employment dates. The API's balance and the
//! balance a request is checked against are both [`balance`].

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use super::domain::{CountedDay, HalfDays, LeaveYear, LeaveYearStart};
use super::policy::LeavePolicy;

/// The employment facts the rules need (from the employee module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    /// First day of employment (inclusive).
    pub hire_date: NaiveDate,
    /// Last day of employment (inclusive), once known.
    pub termination_date: Option<NaiveDate>,
    /// The employee's status is `terminated`.
    pub terminated: bool,
}

impl Employment {
    /// Whether `date` lies inside the employment (both ends inclusive).
    pub fn covers(&self, date: NaiveDate) -> bool {
        date >= self.hire_date && self.termination_date.is_none_or(|t| date <= t)
    }
}

/// The kind of a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// The yearly grant (pro-rata where the type says so).
    Grant,
    /// Days carried in from the previous leave year (negative: a debt carried).
    CarryOver,
    /// Carried-over days that expired unused (negative).
    Expiry,
    /// An HR adjustment, either sign (the reason is kept by the module).
    Adjustment,
    /// One date of an approved request (negative).
    Consumption,
    /// One date given back by a cancellation (positive).
    Reversal,
}

/// One append-only ledger entry of one employee and leave type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// What caused it.
    pub kind: EntryKind,
    /// The leave year whose balance it changes.
    pub leave_year: LeaveYear,
    /// The signed change to the balance, in half days.
    pub units: HalfDays,
    /// The date it takes effect (for consumption and reversal: the leave date itself).
    pub effective_date: NaiveDate,
}

/// Consumption entries for the days of an approved request: one per date, so that
/// `taken` and `booked` split exactly at any date.
pub fn consumption_entries(days: &[CountedDay]) -> Vec<LedgerEntry> {
    days.iter()
        .map(|d| LedgerEntry {
            kind: EntryKind::Consumption,
            leave_year: d.leave_year,
            units: -d.units(),
            effective_date: d.date,
        })
        .collect()
}

/// Reversal entries giving back exactly these days (the inverse of their consumption).
pub fn reversal_entries(days: &[CountedDay]) -> Vec<LedgerEntry> {
    days.iter()
        .map(|d| LedgerEntry {
            kind: EntryKind::Reversal,
            leave_year: d.leave_year,
            units: d.units(),
            effective_date: d.date,
        })
        .collect()
}

/// The grant of `year` computed from the policy and the employment: the full allowance
/// for a whole year, else, with pro-rata, allowance × employed calendar days ÷ days of
/// the leave year, rounded to the nearest half day (a quarter day up), so that someone
/// hired on 1 July gets half the allowance, as HR counts it by months; without
/// pro-rata the full allowance for any year with at least one employed day; 0 for a
/// year without employment or a type without allowance. (Directive 2003/88/EC Art. 7:
/// the four weeks accrue with employment; the compliance check of the minimum rounds
/// down to a half day, so this rounding never makes a shortfall.)
pub fn computed_grant(
    policy: &LeavePolicy,
    employment: &Employment,
    year_start: LeaveYearStart,
    year: LeaveYear,
) -> HalfDays {
    let Some(allowance) = policy.allowance else {
        return HalfDays::ZERO;
    };
    let first = year_start.first_day(year);
    let last = year_start.last_day(year);
    let from = first.max(employment.hire_date);
    let to = employment.termination_date.map_or(last, |t| t.min(last));
    if to < from {
        return HalfDays::ZERO;
    }
    if !policy.pro_rata {
        return allowance;
    }
    let employed = (to - from).num_days() + 1;
    let year_days = (last - first).num_days() + 1;
    let a = i64::from(allowance.units().max(0));
    let units = (2 * a * employed + year_days) / (2 * year_days);
    HalfDays(i32::try_from(units).unwrap_or(i32::MAX))
}

/// Carried-over days that will expire unused, and the last day they may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiring {
    /// Units not yet covered by approved or pending leave dated up to `date`.
    pub units: HalfDays,
    /// Last day carried-over days may be used (they are gone the day after).
    pub date: NaiveDate,
}

/// The balance of one employee, leave type and leave year, as of a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The leave year.
    pub leave_year: LeaveYear,
    /// The grant (the recorded grant entries, else the computed grant).
    pub entitled: HalfDays,
    /// Carried in from the previous year (0 until this year has started).
    pub carried_over: HalfDays,
    /// Sum of HR adjustments (signed).
    pub adjusted: HalfDays,
    /// Carried-over days that expired unused (once the expiry date has passed).
    pub expired: HalfDays,
    /// Approved leave dated before `as_of`.
    pub taken: HalfDays,
    /// Approved leave dated on or after `as_of`.
    pub booked: HalfDays,
    /// Leave of requests waiting for a decision (reserved).
    pub pending: HalfDays,
    /// entitled + carried_over + adjusted − expired − taken − booked − pending;
    /// `None` for a type without allowance.
    pub available: Option<HalfDays>,
    /// Carried-over days still to expire unused, with their last day.
    pub expiring: Option<Expiring>,
    /// `available` less `expiring`: what remains whatever the dates; requests are checked
    /// against this (`None` for a type without allowance).
    pub available_after_expiry: Option<HalfDays>,
}

/// What the balance of one employee and type is computed from.
#[derive(Debug, Clone, Copy)]
pub struct BalanceInputs<'a> {
    /// The type's policy.
    pub policy: &'a LeavePolicy,
    /// The employment dates.
    pub employment: &'a Employment,
    /// First day of every leave year.
    pub year_start: LeaveYearStart,
    /// All ledger entries of this employee and type.
    pub ledger: &'a [LedgerEntry],
    /// The counted days of this employee's pending requests of this type.
    pub pending: &'a [CountedDay],
    /// The first leave year the ledger accounts for (the module's go-live year): earlier
    /// years grant and carry nothing, so history before go-live is not invented; an
    /// opening balance from the old system is an adjustment in this year.
    pub accounting_from: LeaveYear,
}

/// One year's raw figures.
struct YearFigures {
    entitled: HalfDays,
    adjusted: HalfDays,
    /// Net approved leave per date (consumption less reversal), positive.
    consumed: BTreeMap<NaiveDate, HalfDays>,
    pending: BTreeMap<NaiveDate, HalfDays>,
}

impl YearFigures {
    fn consumed_total(&self) -> HalfDays {
        self.consumed.values().copied().sum()
    }

    fn pending_total(&self) -> HalfDays {
        self.pending.values().copied().sum()
    }

    /// Approved and pending leave dated up to `date` inclusive: what uses carried days.
    fn used_up_to(&self, date: NaiveDate) -> HalfDays {
        self.consumed
            .range(..=date)
            .map(|(_, u)| *u)
            .sum::<HalfDays>()
            + self
                .pending
                .range(..=date)
                .map(|(_, u)| *u)
                .sum::<HalfDays>()
    }
}

impl BalanceInputs<'_> {
    /// The recorded grant of `year` if one was written, else the computed one (so the
    /// number is the same before and after the grant job ran, and a policy change does
    /// not rewrite years already granted).
    pub fn grant(&self, year: LeaveYear) -> HalfDays {
        if year < self.accounting_from {
            return HalfDays::ZERO;
        }
        let mut recorded = self
            .ledger
            .iter()
            .filter(|e| e.kind == EntryKind::Grant && e.leave_year == year)
            .peekable();
        if recorded.peek().is_some() {
            recorded.map(|e| e.units).sum()
        } else {
            computed_grant(self.policy, self.employment, self.year_start, year)
        }
    }

    fn figures(&self, year: LeaveYear) -> YearFigures {
        let mut adjusted = HalfDays::ZERO;
        let mut consumed: BTreeMap<NaiveDate, HalfDays> = BTreeMap::new();
        for e in self.ledger.iter().filter(|e| e.leave_year == year) {
            match e.kind {
                EntryKind::Adjustment => adjusted += e.units,
                EntryKind::Consumption | EntryKind::Reversal => {
                    *consumed.entry(e.effective_date).or_default() -= e.units;
                }
                // Grants are read by `grant`; carry-over and expiry are always computed.
                EntryKind::Grant | EntryKind::CarryOver | EntryKind::Expiry => {}
            }
        }
        let mut pending: BTreeMap<NaiveDate, HalfDays> = BTreeMap::new();
        for d in self.pending.iter().filter(|d| d.leave_year == year) {
            *pending.entry(d.date).or_default() += d.units();
        }
        YearFigures {
            entitled: self.grant(year),
            adjusted,
            consumed,
            pending,
        }
    }

    /// The last day carried-over days into `year` may be used, if they expire.
    pub fn expiry_date(&self, year: LeaveYear) -> Option<NaiveDate> {
        let c = self.policy.carry_over?;
        Some(self.year_start.date_in(year, c.expires?))
    }

    /// Units of `carried` (into `year`) that expire unused, once the expiry date is past.
    fn expired_of(&self, year: LeaveYear, carried: HalfDays, f: &YearFigures) -> HalfDays {
        match self.expiry_date(year) {
            Some(e) if carried > HalfDays::ZERO => carried - carried.min(f.used_up_to(e)),
            _ => HalfDays::ZERO,
        }
    }

    fn first_year(&self) -> LeaveYear {
        let hired = self.year_start.year_of(self.employment.hire_date);
        self.ledger
            .iter()
            .map(|e| e.leave_year)
            .chain(self.pending.iter().map(|d| d.leave_year))
            .min()
            .map_or(hired, |y| y.min(hired))
            .max(self.accounting_from)
    }

    /// What the balance at the end of `year` carries into the next year: a positive
    /// remainder up to the cap (0 without carry-over), a negative remainder in full.
    fn carry_out(&self, year: LeaveYear, carried_in: HalfDays) -> HalfDays {
        if self.policy.allowance.is_none() {
            return HalfDays::ZERO;
        }
        let f = self.figures(year);
        let remaining = f.entitled + carried_in + f.adjusted
            - self.expired_of(year, carried_in, &f)
            - f.consumed_total()
            - f.pending_total();
        if remaining < HalfDays::ZERO {
            remaining
        } else {
            self.policy
                .carry_over
                .map_or(HalfDays::ZERO, |c| remaining.min(c.cap.at_least_zero()))
        }
    }

    /// Units carried into `year` from the end of the previous year, computed from the
    /// ledger (never from recorded carry-over entries), whether or not a job ran.
    pub fn carried_into(&self, year: LeaveYear) -> HalfDays {
        let mut carry = HalfDays::ZERO;
        let mut y = self.first_year();
        while y < year {
            carry = self.carry_out(y, carry);
            y = y.next();
        }
        carry
    }
}

/// The balance of `year` as of `as_of` (Directive 2003/88/EC Art. 7 for the grant;
/// issue 12 §3 for the fields). Carried-over days count from the first day of `year`
/// and are used first by leave dated up to their expiry date; what is left of them
/// expires the day after it. Pending requests reserve their days.
pub fn balance(inputs: &BalanceInputs<'_>, year: LeaveYear, as_of: NaiveDate) -> Balance {
    let f = inputs.figures(year);
    let started = as_of >= inputs.year_start.first_day(year);
    let carried = if started {
        inputs.carried_into(year)
    } else {
        HalfDays::ZERO
    };
    let (expired, expiring) = match inputs.expiry_date(year) {
        Some(date) if carried > HalfDays::ZERO => {
            let unused = carried - carried.min(f.used_up_to(date));
            if as_of > date {
                (unused, None)
            } else if unused > HalfDays::ZERO {
                (
                    HalfDays::ZERO,
                    Some(Expiring {
                        units: unused,
                        date,
                    }),
                )
            } else {
                (HalfDays::ZERO, None)
            }
        }
        _ => (HalfDays::ZERO, None),
    };
    let taken: HalfDays = f.consumed.range(..as_of).map(|(_, u)| *u).sum();
    let booked = f.consumed_total() - taken;
    let pending = f.pending_total();
    let tracked = inputs.policy.allowance.is_some();
    let available =
        tracked.then(|| f.entitled + carried + f.adjusted - expired - taken - booked - pending);
    Balance {
        leave_year: year,
        entitled: f.entitled,
        carried_over: carried,
        adjusted: f.adjusted,
        expired,
        taken,
        booked,
        pending,
        available,
        expiring,
        available_after_expiry: available.map(|a| a - expiring.map_or(HalfDays::ZERO, |e| e.units)),
    }
}

/// The carry-over at the end of `year`, as a pure computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryOverOutcome {
    /// The year the days come from.
    pub from_year: LeaveYear,
    /// Units carried into the next year (negative: a debt).
    pub units: HalfDays,
    /// Last day the carried days may be used, if they expire.
    pub expires_on: Option<NaiveDate>,
}

/// What the end of `year` carries into `year + 1`, and until when.
pub fn carry_over(inputs: &BalanceInputs<'_>, year: LeaveYear) -> CarryOverOutcome {
    let units = inputs.carried_into(year.next());
    CarryOverOutcome {
        from_year: year,
        units,
        expires_on: (units > HalfDays::ZERO)
            .then(|| inputs.expiry_date(year.next()))
            .flatten(),
    }
}

/// The system entries (grant, carry-over, expiry) the ledger of `year` lacks as of
/// `as_of`, so that the recorded entries add up to the computed numbers. Idempotent:
/// once they are written it returns nothing; a later change (a late reversal in the
/// previous year) yields only the difference.
pub fn due_entries(
    inputs: &BalanceInputs<'_>,
    year: LeaveYear,
    as_of: NaiveDate,
) -> Vec<LedgerEntry> {
    let mut out = Vec::new();
    let first = inputs.year_start.first_day(year);
    let recorded = |kind| -> HalfDays {
        inputs
            .ledger
            .iter()
            .filter(|e| e.kind == kind && e.leave_year == year)
            .map(|e| e.units)
            .sum()
    };
    let has_grant = inputs
        .ledger
        .iter()
        .any(|e| e.kind == EntryKind::Grant && e.leave_year == year);
    let grant = inputs.grant(year);
    if !has_grant && grant != HalfDays::ZERO {
        out.push(LedgerEntry {
            kind: EntryKind::Grant,
            leave_year: year,
            units: grant,
            effective_date: first.max(inputs.employment.hire_date),
        });
    }
    if as_of >= first {
        let b = balance(inputs, year, as_of);
        let carry = b.carried_over - recorded(EntryKind::CarryOver);
        if carry != HalfDays::ZERO {
            out.push(LedgerEntry {
                kind: EntryKind::CarryOver,
                leave_year: year,
                units: carry,
                effective_date: first,
            });
        }
        if let Some(date) = inputs.expiry_date(year).filter(|d| as_of > *d) {
            let expiry = -b.expired - recorded(EntryKind::Expiry);
            if expiry != HalfDays::ZERO {
                out.push(LedgerEntry {
                    kind: EntryKind::Expiry,
                    leave_year: year,
                    units: expiry,
                    effective_date: date.checked_add_days(Days::new(1)).unwrap_or(date),
                });
            }
        }
    }
    out
}

/// The grant correction for `year` after the employment dates changed (hire date
/// corrected, termination): computed grant less recorded grants, if they differ.
pub fn grant_correction(
    inputs: &BalanceInputs<'_>,
    year: LeaveYear,
    today: NaiveDate,
) -> Option<LedgerEntry> {
    let recorded: HalfDays = inputs
        .ledger
        .iter()
        .filter(|e| e.kind == EntryKind::Grant && e.leave_year == year)
        .map(|e| e.units)
        .sum();
    if year < inputs.accounting_from {
        return None;
    }
    let delta =
        computed_grant(inputs.policy, inputs.employment, inputs.year_start, year) - recorded;
    (delta != HalfDays::ZERO).then_some(LedgerEntry {
        kind: EntryKind::Grant,
        leave_year: year,
        units: delta,
        effective_date: today,
    })
}

/// The pending days of one type among an employee's requests (the balance's `pending`).
pub fn pending_days<'a>(
    requests: impl IntoIterator<Item = &'a super::rules::ExistingRequest>,
    leave_type: &str,
) -> Vec<CountedDay> {
    requests
        .into_iter()
        .filter(|r| r.status.is_pending() && r.leave_type == leave_type)
        .flat_map(|r| r.held_days.days.iter().copied())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::domain::DayPart;
    use super::super::rules::tests::{calendar, d};
    use super::super::rules::{count_request, RequestSpan};
    use super::*;

    fn days(s: NaiveDate, e: NaiveDate) -> Vec<CountedDay> {
        let span = RequestSpan::new(s, e, DayPart::Full, DayPart::Full).unwrap();
        count_request(&span, &calendar(), false, LeaveYearStart::default()).days
    }

    fn emp(hire: NaiveDate, end: Option<NaiveDate>) -> Employment {
        Employment {
            hire_date: hire,
            termination_date: end,
            terminated: false,
        }
    }

    fn inputs<'a>(
        policy: &'a LeavePolicy,
        employment: &'a Employment,
        ledger: &'a [LedgerEntry],
        pending: &'a [CountedDay],
    ) -> BalanceInputs<'a> {
        BalanceInputs {
            policy,
            employment,
            year_start: LeaveYearStart::default(),
            ledger,
            pending,
            accounting_from: LeaveYear(2026),
        }
    }

    #[test]
    fn grants_are_pro_rata_and_rounded_to_the_nearest_half_day() {
        struct Case {
            name: &'static str,
            employment: Employment,
            year: i32,
            pro_rata: bool,
            units: i32,
        }
        let cases = [
            Case {
                name: "a whole year earns the whole allowance",
                employment: emp(d(2020, 1, 1), None),
                year: 2026,
                pro_rata: true,
                units: 40,
            },
            Case {
                name: "hired on 1 July: 184 of 365 days, 20.16 units, half the allowance",
                employment: emp(d(2026, 7, 1), None),
                year: 2026,
                pro_rata: true,
                units: 20,
            },
            Case {
                name: "hired on 1 October: 92 of 365 days, 10.08 units, a quarter",
                employment: emp(d(2026, 10, 1), None),
                year: 2026,
                pro_rata: true,
                units: 10,
            },
            Case {
                name: "hired on 1 June: 214 of 365 days, 23.45 units round to 23",
                employment: emp(d(2026, 6, 1), None),
                year: 2026,
                pro_rata: true,
                units: 23,
            },
            Case {
                name: "hired on 1 May: 245 of 365 days, 26.85 units round to 27",
                employment: emp(d(2026, 5, 1), None),
                year: 2026,
                pro_rata: true,
                units: 27,
            },
            Case {
                name: "leaving on 31 March: 90 of 365 days, 9.86 units round to 10",
                employment: emp(d(2020, 1, 1), Some(d(2026, 3, 31))),
                year: 2026,
                pro_rata: true,
                units: 10,
            },
            Case {
                name: "a leap year divides by 366: 1 July is 184 of 366 days, 20.11 units",
                employment: emp(d(2028, 7, 1), None),
                year: 2028,
                pro_rata: true,
                units: 20,
            },
            Case {
                name: "a leap year divides by 366: 2 January is 365 of 366 days, 39.89 units",
                employment: emp(d(2028, 1, 2), None),
                year: 2028,
                pro_rata: true,
                units: 40,
            },
            Case {
                name: "one day of employment is 0.11 units: nothing",
                employment: emp(d(2026, 12, 31), None),
                year: 2026,
                pro_rata: true,
                units: 0,
            },
            Case {
                name: "five days are 0.55 units: half a day",
                employment: emp(d(2026, 12, 27), None),
                year: 2026,
                pro_rata: true,
                units: 1,
            },
            Case {
                name: "hired and leaving in the same year inside its bounds earns the whole",
                employment: emp(d(2026, 1, 1), Some(d(2026, 12, 31))),
                year: 2026,
                pro_rata: true,
                units: 40,
            },
            Case {
                name: "a year before the hire earns nothing",
                employment: emp(d(2027, 2, 1), None),
                year: 2026,
                pro_rata: true,
                units: 0,
            },
            Case {
                name: "a year after the termination earns nothing",
                employment: emp(d(2020, 1, 1), Some(d(2026, 3, 31))),
                year: 2027,
                pro_rata: true,
                units: 0,
            },
            Case {
                name: "without pro-rata a partial year earns the whole allowance",
                employment: emp(d(2026, 12, 1), None),
                year: 2026,
                pro_rata: false,
                units: 40,
            },
        ];
        for c in cases {
            let mut p = LeavePolicy::annual();
            p.pro_rata = c.pro_rata;
            let got = computed_grant(
                &p,
                &c.employment,
                LeaveYearStart::default(),
                LeaveYear(c.year),
            );
            assert_eq!(got, HalfDays(c.units), "{}", c.name);
        }
        let unpaid = LeavePolicy::unpaid();
        let e = emp(d(2020, 1, 1), None);
        assert_eq!(
            computed_grant(&unpaid, &e, LeaveYearStart::default(), LeaveYear(2026)),
            HalfDays::ZERO
        );
    }

    #[test]
    fn a_balance_splits_taken_booked_and_pending_at_as_of() {
        let p = LeavePolicy::annual();
        let e = emp(d(2020, 1, 1), None);
        let mut ledger = consumption_entries(&days(d(2026, 3, 2), d(2026, 3, 6)));
        ledger.extend(consumption_entries(&days(d(2026, 8, 3), d(2026, 8, 7))));
        ledger.push(LedgerEntry {
            kind: EntryKind::Adjustment,
            leave_year: LeaveYear(2026),
            units: HalfDays(3),
            effective_date: d(2026, 2, 1),
        });
        let pending = days(d(2026, 9, 7), d(2026, 9, 8));
        let i = inputs(&p, &e, &ledger, &pending);
        // As of Wednesday 4 March: Monday and Tuesday are taken, the rest booked.
        let b = balance(&i, LeaveYear(2026), d(2026, 3, 4));
        assert_eq!(
            b,
            Balance {
                leave_year: LeaveYear(2026),
                entitled: HalfDays(40),
                carried_over: HalfDays::ZERO,
                adjusted: HalfDays(3),
                expired: HalfDays::ZERO,
                taken: HalfDays(4),
                booked: HalfDays(16),
                pending: HalfDays(4),
                available: Some(HalfDays(19)),
                expiring: None,
                available_after_expiry: Some(HalfDays(19)),
            }
        );
        // Next year is known today: the grant only.
        let next = balance(&i, LeaveYear(2027), d(2026, 3, 4));
        assert_eq!(next.entitled, HalfDays(40));
        assert_eq!(next.carried_over, HalfDays::ZERO);
        assert_eq!(next.available, Some(HalfDays(40)));
        // A type without allowance reports usage but no availability.
        let u = LeavePolicy::unpaid();
        let ub = balance(
            &inputs(&u, &e, &ledger, &[]),
            LeaveYear(2026),
            d(2026, 12, 31),
        );
        assert_eq!((ub.taken, ub.available), (HalfDays(20), None));
    }

    #[test]
    fn carried_days_are_used_first_and_the_rest_expires_after_its_date() {
        let p = LeavePolicy::annual();
        let e = emp(d(2020, 1, 1), None);
        // 2026: 12 of 20 days used, 8 left, 5 carried (the cap).
        let mut ledger = consumption_entries(&days(d(2026, 3, 2), d(2026, 3, 17)));
        // 2027: 3 days in February use carried days; 2 more in May do not.
        ledger.extend(consumption_entries(&days(d(2027, 2, 1), d(2027, 2, 3))));
        ledger.extend(consumption_entries(&days(d(2027, 5, 3), d(2027, 5, 4))));
        let i = inputs(&p, &e, &ledger, &[]);
        struct Case {
            name: &'static str,
            as_of: NaiveDate,
            carried: i32,
            expired: i32,
            expiring: Option<(i32, NaiveDate)>,
            available: i32,
        }
        let cases = [
            Case {
                name: "before the year starts nothing is carried yet",
                as_of: d(2026, 12, 31),
                carried: 0,
                expired: 0,
                expiring: None,
                available: 40 - 10,
            },
            Case {
                name: "after the year end the capped remainder is carried and expiring",
                as_of: d(2027, 1, 4),
                carried: 10,
                expired: 0,
                expiring: Some((4, d(2027, 3, 31))),
                available: 50 - 10,
            },
            Case {
                name: "on the expiry date the carried days are still there",
                as_of: d(2027, 3, 31),
                carried: 10,
                expired: 0,
                expiring: Some((4, d(2027, 3, 31))),
                available: 40,
            },
            Case {
                name: "the day after, the unused carried days have expired",
                as_of: d(2027, 4, 1),
                carried: 10,
                expired: 4,
                expiring: None,
                available: 36,
            },
        ];
        for c in cases {
            let b = balance(&i, LeaveYear(2027), c.as_of);
            assert_eq!(b.carried_over, HalfDays(c.carried), "{}", c.name);
            assert_eq!(b.expired, HalfDays(c.expired), "{}", c.name);
            assert_eq!(
                b.expiring.map(|x| (x.units.units(), x.date)),
                c.expiring,
                "{}",
                c.name
            );
            assert_eq!(b.available, Some(HalfDays(c.available)), "{}", c.name);
        }
        let out = carry_over(&i, LeaveYear(2026));
        assert_eq!(out.units, HalfDays(10));
        assert_eq!(out.expires_on, Some(d(2027, 3, 31)));
    }

    #[test]
    fn system_entries_give_the_same_numbers_whether_or_not_the_job_ran() {
        let p = LeavePolicy::annual();
        let e = emp(d(2020, 1, 1), None);
        // 2026: 17 of 20 days used, 3 carried; none used before 31 March 2027.
        let mut ledger = consumption_entries(&days(d(2026, 3, 2), d(2026, 3, 24)));
        let as_of = d(2027, 4, 1);
        let before: Vec<Balance> = [2026, 2027]
            .map(|y| balance(&inputs(&p, &e, &ledger, &[]), LeaveYear(y), as_of))
            .to_vec();
        for y in [2026, 2027] {
            let due = due_entries(&inputs(&p, &e, &ledger, &[]), LeaveYear(y), as_of);
            ledger.extend(due);
        }
        let kinds: Vec<(EntryKind, i32, i32)> = ledger
            .iter()
            .filter(|x| x.kind != EntryKind::Consumption)
            .map(|x| (x.kind, x.leave_year.0, x.units.units()))
            .collect();
        assert_eq!(
            kinds,
            [
                (EntryKind::Grant, 2026, 40),
                (EntryKind::Grant, 2027, 40),
                (EntryKind::CarryOver, 2027, 6),
                (EntryKind::Expiry, 2027, -6),
            ]
        );
        let after: Vec<Balance> = [2026, 2027]
            .map(|y| balance(&inputs(&p, &e, &ledger, &[]), LeaveYear(y), as_of))
            .to_vec();
        assert_eq!(before, after);
        for y in [2026, 2027] {
            assert!(due_entries(&inputs(&p, &e, &ledger, &[]), LeaveYear(y), as_of).is_empty());
        }
        // The recorded ledger adds up to the balance.
        let sum: i32 = ledger
            .iter()
            .filter(|x| x.leave_year == LeaveYear(2027))
            .map(|x| x.units.units())
            .sum();
        assert_eq!(Some(HalfDays(sum)), after[1].available);
        // A late reversal in 2026 carries one more day; the job writes only the difference.
        ledger.extend(reversal_entries(&days(d(2026, 3, 24), d(2026, 3, 24))));
        let due = due_entries(&inputs(&p, &e, &ledger, &[]), LeaveYear(2027), as_of);
        let got: Vec<(EntryKind, i32)> = due.iter().map(|x| (x.kind, x.units.units())).collect();
        assert_eq!(got, [(EntryKind::CarryOver, 2), (EntryKind::Expiry, -2)]);
    }

    #[test]
    fn an_april_leave_year_carries_into_the_next_april_and_expires_inside_it() {
        let mut p = LeavePolicy::annual();
        p.carry_over = Some(super::super::policy::CarryOver {
            cap: HalfDays::days(5),
            expires: Some(super::super::domain::MonthDay { month: 6, day: 30 }),
        });
        let e = emp(d(2020, 1, 1), None);
        let april = LeaveYearStart::new(4, 1).unwrap();
        // Leave year 2026 runs 1 April 2026 to 31 March 2027; 3 days used in March 2027.
        let span =
            RequestSpan::new(d(2027, 3, 1), d(2027, 3, 3), DayPart::Full, DayPart::Full).unwrap();
        let used = count_request(&span, &calendar(), false, april).days;
        assert!(used.iter().all(|x| x.leave_year == LeaveYear(2026)));
        let ledger = consumption_entries(&used);
        let i = BalanceInputs {
            year_start: april,
            ..inputs(&p, &e, &ledger, &[])
        };
        let out = carry_over(&i, LeaveYear(2026));
        assert_eq!(
            (out.units, out.expires_on),
            (HalfDays(10), Some(d(2027, 6, 30)))
        );
        assert_eq!(
            balance(&i, LeaveYear(2027), d(2027, 3, 31)).carried_over,
            HalfDays::ZERO
        );
        let b = balance(&i, LeaveYear(2027), d(2027, 7, 1));
        assert_eq!(
            (b.carried_over, b.expired, b.available),
            (HalfDays(10), HalfDays(10), Some(HalfDays(40)))
        );
    }

    #[test]
    fn a_negative_year_end_is_carried_as_a_debt() {
        let mut p = LeavePolicy::annual();
        p.negative_limit = HalfDays::days(5);
        let e = emp(d(2020, 1, 1), None);
        // 22 working days taken of 20.
        let ledger = consumption_entries(&days(d(2026, 3, 2), d(2026, 3, 31)));
        let i = inputs(&p, &e, &ledger, &[]);
        assert_eq!(
            balance(&i, LeaveYear(2026), d(2026, 12, 31)).available,
            Some(HalfDays(-4))
        );
        let b = balance(&i, LeaveYear(2027), d(2027, 1, 4));
        assert_eq!((b.carried_over, b.expiring), (HalfDays(-4), None));
        assert_eq!(b.available, Some(HalfDays(36)));
    }

    #[test]
    fn a_grant_correction_follows_a_termination() {
        let p = LeavePolicy::annual();
        let e = emp(d(2020, 1, 1), None);
        let mut ledger = Vec::new();
        ledger.extend(due_entries(
            &inputs(&p, &e, &ledger, &[]),
            LeaveYear(2026),
            d(2026, 1, 1),
        ));
        assert_eq!(ledger.len(), 1);
        let ended = emp(d(2020, 1, 1), Some(d(2026, 3, 31)));
        let fix = grant_correction(
            &inputs(&p, &ended, &ledger, &[]),
            LeaveYear(2026),
            d(2026, 3, 1),
        );
        assert_eq!(fix.map(|x| x.units), Some(HalfDays(10 - 40)));
        ledger.extend(fix);
        assert_eq!(
            balance(
                &inputs(&p, &ended, &ledger, &[]),
                LeaveYear(2026),
                d(2026, 3, 1)
            )
            .entitled,
            HalfDays(10)
        );
    }
}
