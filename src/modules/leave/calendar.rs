//! Work calendars: working weekdays and public holidays, and which half days of a
//! local date count as leave.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::domain::{Half, HalfDays};
use super::errors::LeaveError;

/// Which part of a date a public holiday takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayPart {
    /// The whole day is a holiday.
    #[default]
    Full,
    /// The morning is a holiday; the afternoon is worked.
    Am,
    /// The afternoon is a holiday; the morning is worked (e.g. 24 December in many firms).
    Pm,
}

/// A public holiday of a calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// Local date.
    pub date: NaiveDate,
    /// Name, 1 to 100 characters.
    pub name: String,
    /// Whole day, or the half that is off.
    pub part: HolidayPart,
}

/// A work calendar: the working weekdays and the public holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkCalendar {
    /// Indexed by `Weekday::num_days_from_monday`.
    working: [bool; 7],
    holidays: BTreeMap<NaiveDate, Holiday>,
}

impl Default for WorkCalendar {
    /// Monday to Friday, no holidays.
    fn default() -> Self {
        WorkCalendar {
            working: [true, true, true, true, true, false, false],
            holidays: BTreeMap::new(),
        }
    }
}

impl WorkCalendar {
    /// A calendar from its working weekdays (at least one) and holidays (one per date,
    /// names 1 to 100 characters after trimming).
    pub fn new(working_weekdays: &[Weekday], holidays: Vec<Holiday>) -> Result<Self, LeaveError> {
        let mut working = [false; 7];
        for w in working_weekdays {
            working[w.num_days_from_monday() as usize] = true;
        }
        if !working.contains(&true) {
            return Err(LeaveError::NoWorkingWeekdays);
        }
        let mut map = BTreeMap::new();
        for mut h in holidays {
            let name = h.name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(LeaveError::InvalidHolidayName);
            }
            h.name = name.to_owned();
            if map.contains_key(&h.date) {
                return Err(LeaveError::DuplicateHoliday(h.date));
            }
            map.insert(h.date, h);
        }
        Ok(WorkCalendar {
            working,
            holidays: map,
        })
    }

    /// Whether `weekday` is a working weekday.
    pub fn is_working_weekday(&self, weekday: Weekday) -> bool {
        self.working[weekday.num_days_from_monday() as usize]
    }

    /// How many weekdays are working days (1 to 7): the week the Directive's four
    /// weeks of annual leave are counted in.
    pub fn working_days_per_week(&self) -> u8 {
        self.working.iter().filter(|w| **w).count() as u8
    }

    /// The holiday on `date`, if any.
    pub fn holiday(&self, date: NaiveDate) -> Option<&Holiday> {
        self.holidays.get(&date)
    }

    /// Whether the half `half` of `date` is worked: a working weekday that is not a
    /// holiday in that half.
    pub fn is_worked(&self, date: NaiveDate, half: Half) -> bool {
        if !self.is_working_weekday(date.weekday()) {
            return false;
        }
        match self.holiday(date).map(|h| h.part) {
            None => true,
            Some(HolidayPart::Full) => false,
            Some(HolidayPart::Am) => half == Half::Pm,
            Some(HolidayPart::Pm) => half == Half::Am,
        }
    }

    /// Whether a half day counts as leave: a worked half always; any half when the
    /// leave type counts non-working days (weekends and holidays alike).
    pub fn counts(&self, date: NaiveDate, half: Half, counts_non_working_days: bool) -> bool {
        counts_non_working_days || self.is_worked(date, half)
    }

    /// The weight of a whole date for leave: 2 units for a working day, 1 for a half-day
    /// holiday, 0 for a non-working day or full holiday (2 for any date when the type
    /// counts non-working days).
    pub fn weight(&self, date: NaiveDate, counts_non_working_days: bool) -> HalfDays {
        HalfDays(
            [Half::Am, Half::Pm]
                .into_iter()
                .filter(|h| self.counts(date, *h, counts_non_working_days))
                .count() as i32,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn holiday(date: NaiveDate, part: HolidayPart) -> Holiday {
        Holiday {
            date,
            name: "Holiday".into(),
            part,
        }
    }

    fn calendar() -> WorkCalendar {
        WorkCalendar::new(
            &[
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            vec![
                holiday(d(2026, 12, 25), HolidayPart::Full),
                holiday(d(2026, 12, 24), HolidayPart::Pm),
                holiday(d(2026, 12, 31), HolidayPart::Am),
            ],
        )
        .unwrap()
    }

    #[test]
    fn each_date_weighs_what_the_calendar_says() {
        struct Case {
            name: &'static str,
            date: NaiveDate,
            counts_non_working: bool,
            weight: i32,
        }
        let cases = [
            Case {
                name: "a working Wednesday counts a whole day",
                date: d(2026, 12, 23),
                counts_non_working: false,
                weight: 2,
            },
            Case {
                name: "a Saturday counts nothing",
                date: d(2026, 12, 26),
                counts_non_working: false,
                weight: 0,
            },
            Case {
                name: "a full holiday counts nothing",
                date: d(2026, 12, 25),
                counts_non_working: false,
                weight: 0,
            },
            Case {
                name: "a half-day holiday counts half a day",
                date: d(2026, 12, 24),
                counts_non_working: false,
                weight: 1,
            },
            Case {
                name: "a Saturday counts for a type counting non-working days",
                date: d(2026, 12, 26),
                counts_non_working: true,
                weight: 2,
            },
            Case {
                name: "a holiday counts for a type counting non-working days",
                date: d(2026, 12, 25),
                counts_non_working: true,
                weight: 2,
            },
        ];
        let cal = calendar();
        for c in cases {
            assert_eq!(
                cal.weight(c.date, c.counts_non_working),
                HalfDays(c.weight),
                "{}",
                c.name
            );
        }
    }

    #[test]
    fn a_half_day_holiday_leaves_the_other_half_worked() {
        let cal = calendar();
        assert!(cal.is_worked(d(2026, 12, 24), Half::Am));
        assert!(!cal.is_worked(d(2026, 12, 24), Half::Pm));
        assert!(!cal.is_worked(d(2026, 12, 31), Half::Am));
        assert!(cal.is_worked(d(2026, 12, 31), Half::Pm));
    }

    #[test]
    fn nonsense_calendars_are_refused() {
        assert_eq!(
            WorkCalendar::new(&[], vec![]).unwrap_err().code(),
            "no_working_weekdays"
        );
        let twice = vec![
            holiday(d(2026, 1, 1), HolidayPart::Full),
            holiday(d(2026, 1, 1), HolidayPart::Pm),
        ];
        assert_eq!(
            WorkCalendar::new(&[Weekday::Mon], twice)
                .unwrap_err()
                .code(),
            "duplicate_holiday"
        );
        let mut blank = holiday(d(2026, 1, 1), HolidayPart::Full);
        blank.name = "  ".into();
        assert_eq!(
            WorkCalendar::new(&[Weekday::Mon], vec![blank])
                .unwrap_err()
                .code(),
            "invalid_holiday_name"
        );
    }
}
