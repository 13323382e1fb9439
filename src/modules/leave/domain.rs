//! Plain leave domain types: half-day units, day parts, leave years, request statuses.

use std::collections::BTreeMap;
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::errors::LeaveError;

/// A quantity of leave in half days (1 day = 2 units); integers so sums never drift.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct HalfDays(pub i32);

impl HalfDays {
    /// Zero units.
    pub const ZERO: HalfDays = HalfDays(0);

    /// Whole days as units.
    pub const fn days(d: i32) -> Self {
        HalfDays(d * 2)
    }

    /// The raw number of half days.
    pub const fn units(self) -> i32 {
        self.0
    }

    /// The larger of `self` and zero.
    pub fn at_least_zero(self) -> Self {
        HalfDays(self.0.max(0))
    }

    /// The quantity in days (the API's form: `1.5`).
    pub fn as_days(self) -> f64 {
        f64::from(self.0) / 2.0
    }

    /// Days given as a number that is a multiple of 0.5 (within ±100,000 days).
    pub fn from_days(days: f64) -> Option<Self> {
        let units = days * 2.0;
        (units.is_finite() && units.fract() == 0.0 && units.abs() <= 200_000.0)
            .then_some(HalfDays(units as i32))
    }
}

impl fmt::Display for HalfDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Days with at most one decimal: 3 units is "1.5".
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        if a.is_multiple_of(2) {
            write!(f, "{sign}{}", a / 2)
        } else {
            write!(f, "{sign}{}.5", a / 2)
        }
    }
}

impl Add for HalfDays {
    type Output = HalfDays;
    fn add(self, o: HalfDays) -> HalfDays {
        HalfDays(self.0 + o.0)
    }
}

impl Sub for HalfDays {
    type Output = HalfDays;
    fn sub(self, o: HalfDays) -> HalfDays {
        HalfDays(self.0 - o.0)
    }
}

impl Neg for HalfDays {
    type Output = HalfDays;
    fn neg(self) -> HalfDays {
        HalfDays(-self.0)
    }
}

impl AddAssign for HalfDays {
    fn add_assign(&mut self, o: HalfDays) {
        self.0 += o.0;
    }
}

impl SubAssign for HalfDays {
    fn sub_assign(&mut self, o: HalfDays) {
        self.0 -= o.0;
    }
}

impl Sum for HalfDays {
    fn sum<I: Iterator<Item = HalfDays>>(iter: I) -> HalfDays {
        HalfDays(iter.map(|h| h.0).sum())
    }
}

/// One half of a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Half {
    /// Morning.
    Am,
    /// Afternoon.
    Pm,
}

/// A half-day slot: the unit the overlap check works in.
pub type Slot = (NaiveDate, Half);

/// Which part of a day a request's first or last day covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayPart {
    /// The whole day.
    #[default]
    Full,
    /// The morning only.
    Am,
    /// The afternoon only.
    Pm,
}

impl DayPart {
    /// Whether this part covers `half`.
    pub fn covers(self, half: Half) -> bool {
        matches!(
            (self, half),
            (DayPart::Full, _) | (DayPart::Am, Half::Am) | (DayPart::Pm, Half::Pm)
        )
    }
}

/// A leave year, named by the calendar year in which it starts (2026 = the year from
/// the leave-year start day in 2026 to the day before it in 2027).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaveYear(pub i32);

impl LeaveYear {
    /// The following leave year.
    pub fn next(self) -> LeaveYear {
        LeaveYear(self.0 + 1)
    }

    /// The preceding leave year.
    pub fn prev(self) -> LeaveYear {
        LeaveYear(self.0 - 1)
    }
}

impl fmt::Display for LeaveYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A month and day that exists in every year (so never 29 February).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct MonthDay {
    /// 1 to 12.
    pub month: u32,
    /// 1 to the month's length in a common year.
    pub day: u32,
}

impl MonthDay {
    /// Checks that the month and day exist in every year; `what` names the field.
    pub fn new(month: u32, day: u32, what: &'static str) -> Result<Self, LeaveError> {
        // 2001 is a common year: 29 February is refused, as it would vanish three years in four.
        NaiveDate::from_ymd_opt(2001, month, day)
            .map(|_| MonthDay { month, day })
            .ok_or(LeaveError::InvalidMonthDay(what))
    }

    /// This month and day in calendar year `year` (always exists once validated).
    pub fn in_year(self, year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, self.month, self.day)
            .or_else(|| NaiveDate::from_ymd_opt(year, self.month, 28))
            .unwrap_or(NaiveDate::MIN)
    }
}

/// The first day of every leave year (default 1 January: the leave year is the calendar year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LeaveYearStart(MonthDay);

impl Default for LeaveYearStart {
    fn default() -> Self {
        LeaveYearStart(MonthDay { month: 1, day: 1 })
    }
}

impl LeaveYearStart {
    /// A leave year starting on `month`/`day` (e.g. 4/1 for a UK-style April year).
    pub fn new(month: u32, day: u32) -> Result<Self, LeaveError> {
        MonthDay::new(month, day, "the leave year start").map(LeaveYearStart)
    }

    /// The leave year `date` falls in.
    pub fn year_of(self, date: NaiveDate) -> LeaveYear {
        if date >= self.0.in_year(date.year()) {
            LeaveYear(date.year())
        } else {
            LeaveYear(date.year() - 1)
        }
    }

    /// First day of `year`.
    pub fn first_day(self, year: LeaveYear) -> NaiveDate {
        self.0.in_year(year.0)
    }

    /// Last day of `year` (inclusive).
    pub fn last_day(self, year: LeaveYear) -> NaiveDate {
        self.0
            .in_year(year.0 + 1)
            .pred_opt()
            .unwrap_or(NaiveDate::MAX)
    }

    /// The date in leave year `year` with the given month and day (e.g. the carry-over
    /// expiry, 31 March, of the leave year that starts 1 April falls in the next calendar year).
    pub fn date_in(self, year: LeaveYear, md: MonthDay) -> NaiveDate {
        let same = md.in_year(year.0);
        if same >= self.first_day(year) {
            same
        } else {
            md.in_year(year.0 + 1)
        }
    }
}

/// One date of a request and the halves of it that count as leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CountedDay {
    /// Local date.
    pub date: NaiveDate,
    /// The leave year the date falls in.
    pub leave_year: LeaveYear,
    /// The morning counts.
    pub am: bool,
    /// The afternoon counts.
    pub pm: bool,
}

impl CountedDay {
    /// 0, 1 or 2 half days.
    pub fn units(&self) -> HalfDays {
        HalfDays(i32::from(self.am) + i32::from(self.pm))
    }

    /// The half-day slots this day occupies.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        [(self.am, Half::Am), (self.pm, Half::Pm)]
            .into_iter()
            .filter(|(on, _)| *on)
            .map(|(_, h)| (self.date, h))
    }
}

/// The counted days of a request (only days that count), in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveDays {
    /// Days with at least one counted half, ascending.
    pub days: Vec<CountedDay>,
}

impl LeaveDays {
    /// Total units.
    pub fn total(&self) -> HalfDays {
        self.days.iter().map(CountedDay::units).sum()
    }

    /// Units per leave year (the answer to "how many days, per leave year").
    pub fn per_year(&self) -> BTreeMap<LeaveYear, HalfDays> {
        let mut m = BTreeMap::new();
        for d in &self.days {
            *m.entry(d.leave_year).or_insert(HalfDays::ZERO) += d.units();
        }
        m
    }

    /// Every half-day slot occupied.
    pub fn slots(&self) -> impl Iterator<Item = Slot> + '_ {
        self.days.iter().flat_map(CountedDay::slots)
    }

    /// The half days for which `keep` holds (days left without one dropped).
    pub fn keeping(&self, keep: impl Fn(Slot) -> bool) -> LeaveDays {
        LeaveDays {
            days: self
                .days
                .iter()
                .filter_map(|d| {
                    let mut d = *d;
                    d.am &= keep((d.date, Half::Am));
                    d.pm &= keep((d.date, Half::Pm));
                    (d.am || d.pm).then_some(d)
                })
                .collect(),
        }
    }

    /// First counted date.
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.days.first().map(|d| d.date)
    }

    /// Last counted date.
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.days.last().map(|d| d.date)
    }

    /// The days before `date` and the days from `date` on.
    pub fn split_at(&self, date: NaiveDate) -> (LeaveDays, LeaveDays) {
        let (before, from): (Vec<_>, Vec<_>) = self.days.iter().partition(|d| d.date < date);
        (LeaveDays { days: before }, LeaveDays { days: from })
    }
}

/// Status of a leave request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the first (or only) approver.
    Pending,
    /// Approved by the manager, waiting for HR (route `manager_then_hr`).
    PendingHr,
    /// Approved: its days are consumed in the ledger.
    Approved,
    /// Rejected (final).
    Rejected,
    /// Cancelled (final).
    Cancelled,
}

impl RequestStatus {
    /// Pending or approved: the request holds its days (balance, overlap).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestStatus::Pending | RequestStatus::PendingHr | RequestStatus::Approved
        )
    }

    /// Waiting for a decision: its days are reserved as `pending`.
    pub fn is_pending(self) -> bool {
        matches!(self, RequestStatus::Pending | RequestStatus::PendingHr)
    }

    /// Rejected or cancelled: no decision may follow.
    pub fn is_final(self) -> bool {
        matches!(self, RequestStatus::Rejected | RequestStatus::Cancelled)
    }
}

pub use crate::auth::Role;

/// What the rules ask of a role.
pub trait RoleExt {
    /// Admin or HR: the roles with authority over every employee's leave.
    fn is_hr(&self) -> bool;
}

impl RoleExt for Role {
    fn is_hr(&self) -> bool {
        matches!(self, Role::Admin | Role::Hr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn half_days_print_as_days_with_one_decimal() {
        for (units, shown) in [(0, "0"), (3, "1.5"), (40, "20"), (-1, "-0.5"), (-4, "-2")] {
            assert_eq!(HalfDays(units).to_string(), shown, "{units}");
        }
    }

    #[test]
    fn leave_years_follow_their_start_day() {
        struct Case {
            name: &'static str,
            start: (u32, u32),
            date: NaiveDate,
            year: i32,
            first: NaiveDate,
            last: NaiveDate,
        }
        let cases = [
            Case {
                name: "calendar year, first day",
                start: (1, 1),
                date: d(2026, 1, 1),
                year: 2026,
                first: d(2026, 1, 1),
                last: d(2026, 12, 31),
            },
            Case {
                name: "calendar year, last day",
                start: (1, 1),
                date: d(2026, 12, 31),
                year: 2026,
                first: d(2026, 1, 1),
                last: d(2026, 12, 31),
            },
            Case {
                name: "april year, day before start belongs to the previous year",
                start: (4, 1),
                date: d(2027, 3, 31),
                year: 2026,
                first: d(2026, 4, 1),
                last: d(2027, 3, 31),
            },
            Case {
                name: "april year, start day",
                start: (4, 1),
                date: d(2027, 4, 1),
                year: 2027,
                first: d(2027, 4, 1),
                last: d(2028, 3, 31),
            },
        ];
        for c in cases {
            let s = LeaveYearStart::new(c.start.0, c.start.1).unwrap();
            let y = s.year_of(c.date);
            assert_eq!(y, LeaveYear(c.year), "{}", c.name);
            assert_eq!(s.first_day(y), c.first, "{}", c.name);
            assert_eq!(s.last_day(y), c.last, "{}", c.name);
        }
    }

    #[test]
    fn a_month_day_must_exist_every_year() {
        assert_eq!(
            MonthDay::new(2, 29, "x").unwrap_err().code(),
            "invalid_month_day"
        );
        assert!(MonthDay::new(13, 1, "x").is_err());
        assert!(MonthDay::new(3, 31, "x").is_ok());
        assert!(LeaveYearStart::new(2, 30).is_err());
    }

    #[test]
    fn an_expiry_month_day_lands_inside_the_next_leave_year() {
        let april = LeaveYearStart::new(4, 1).unwrap();
        let june30 = MonthDay::new(6, 30, "x").unwrap();
        let march31 = MonthDay::new(3, 31, "x").unwrap();
        assert_eq!(april.date_in(LeaveYear(2027), june30), d(2027, 6, 30));
        assert_eq!(april.date_in(LeaveYear(2027), march31), d(2028, 3, 31));
        let jan = LeaveYearStart::default();
        assert_eq!(jan.date_in(LeaveYear(2027), march31), d(2027, 3, 31));
    }
}
