//! Local dates, days and ISO weeks in an employee's time zone, and splitting an
//! interval at local midnights. Instants are UTC; a local day is the half-open
//! range of instants from its first local instant to the next day's first one,
//! so a day is 23 or 25 hours long across a daylight-saving change.

use std::fmt;

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The local calendar date of `instant` in `tz`.
pub fn local_date(instant: DateTime<Utc>, tz: Tz) -> NaiveDate {
    instant.with_timezone(&tz).date_naive()
}

/// The day after `date` (saturating at the last representable date).
pub fn next_day(date: NaiveDate) -> NaiveDate {
    date.checked_add_days(Days::new(1)).unwrap_or(date)
}

/// The first instant of the local date `date` in `tz`: local midnight, or, where
/// a daylight-saving gap swallows midnight (e.g. `America/Santiago`), the first
/// local time after the gap; where midnight occurs twice, the earlier one.
pub fn day_start(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    // Gaps are at most a few hours; scanning minutes finds the first valid local
    // time exactly (all modern offsets are whole minutes).
    for minutes in 0..=24 * 60 {
        let local = midnight + Duration::minutes(minutes);
        if local.date() != date {
            break;
        }
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earliest, _) => return earliest.with_timezone(&Utc),
            LocalResult::None => {}
        }
    }
    // A date the zone skipped entirely (Pacific/Apia, 2011-12-30) has no instant;
    // it starts (and ends) where the previous offset puts its midnight.
    let day_before = midnight
        .checked_sub_signed(Duration::days(1))
        .unwrap_or(midnight);
    let offset = chrono::Offset::fix(&tz.offset_from_utc_datetime(&day_before));
    let utc = midnight
        .checked_sub_signed(Duration::seconds(i64::from(offset.local_minus_utc())))
        .unwrap_or(midnight);
    Utc.from_utc_datetime(&utc)
}

/// The instants `[first, after)` of the local dates `from..=to` in `tz`, for
/// querying records: a record belongs to the range by its start when
/// `first <= start < after`, and has hours in it when it overlaps `[first, after)`.
pub fn range_bounds(from: NaiveDate, to: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    (day_start(from, tz), day_start(next_day(to), tz))
}

/// The first and last local dates the half-open interval `[start, end)` has time
/// on. The end is exclusive: a record ending exactly at local midnight has no
/// time on the next day. An empty or inverted interval covers its start date only.
pub fn dates_covered(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
    let first = local_date(start, tz);
    if end <= start {
        return (first, first);
    }
    // The last instant inside the interval; instants are stored in microseconds,
    // so one nanosecond before the end is always inside.
    let last = local_date(end - Duration::nanoseconds(1), tz);
    (first, last)
}

/// Splits `[start, end)` at local midnights in `tz`: the real elapsed time the
/// interval has on each local date, in date order; empty for an empty interval.
pub fn split_by_local_date(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: Tz,
) -> Vec<(NaiveDate, Duration)> {
    let mut pieces = Vec::new();
    let mut cursor = start;
    let mut date = local_date(start, tz);
    while cursor < end {
        let next = next_day(date);
        if next == date {
            // The end of the calendar: the rest belongs to the last date.
            pieces.push((date, end - cursor));
            break;
        }
        let boundary = day_start(next, tz);
        if boundary > cursor {
            let piece_end = boundary.min(end);
            pieces.push((date, piece_end - cursor));
            cursor = piece_end;
        }
        date = next;
    }
    pieces
}

/// An ISO 8601 week (Monday to Sunday); the year is the ISO week-based year, so
/// 2027-01-03 is in 2026-W53 and 2024-12-30 in 2025-W01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IsoWeek {
    /// ISO week-based year.
    pub year: i32,
    /// Week number, 1 to 52 or 53.
    pub week: u32,
}

impl IsoWeek {
    /// The ISO week containing `date`.
    pub fn of(date: NaiveDate) -> Self {
        let w = date.iso_week();
        IsoWeek {
            year: w.year(),
            week: w.week(),
        }
    }

    /// The week, if `year`/`week` name one (week 53 only in long years).
    pub fn new(year: i32, week: u32) -> Option<Self> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(IsoWeek::of)
    }

    /// Its Monday.
    pub fn monday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or(NaiveDate::MIN)
    }

    /// Its Sunday.
    pub fn sunday(self) -> NaiveDate {
        NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Sun).unwrap_or(NaiveDate::MIN)
    }

    /// Its seven dates, Monday first.
    pub fn days(self) -> Vec<NaiveDate> {
        self.monday().iter_days().take(7).collect()
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-W{:02}", self.year, self.week)
    }
}

/// The ISO weeks that share at least one date with `from..=to`, in order;
/// empty when `from > to`.
pub fn iso_weeks_covering(from: NaiveDate, to: NaiveDate) -> Vec<IsoWeek> {
    let mut weeks = Vec::new();
    if from > to {
        return weeks;
    }
    let mut monday = IsoWeek::of(from).monday();
    while monday <= to {
        weeks.push(IsoWeek::of(monday));
        match monday.checked_add_days(Days::new(7)) {
            Some(next) => monday = next,
            None => break,
        }
    }
    weeks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }

    #[test]
    fn local_dates_follow_the_employee_time_zone_not_utc() {
        struct Case {
            name: &'static str,
            instant: DateTime<Utc>,
            tz: Tz,
            expected: NaiveDate,
        }
        let cases = [
            Case {
                name: "New York evening is the next UTC day",
                instant: utc(2026, 1, 16, 1, 30),
                tz: chrono_tz::America::New_York,
                expected: d(2026, 1, 15),
            },
            Case {
                name: "Tokyo morning is the previous UTC day",
                instant: utc(2026, 1, 15, 23, 30),
                tz: chrono_tz::Asia::Tokyo,
                expected: d(2026, 1, 16),
            },
            Case {
                name: "Berlin just after midnight in summer",
                instant: utc(2026, 7, 1, 22, 30),
                tz: chrono_tz::Europe::Berlin,
                expected: d(2026, 7, 2),
            },
            Case {
                name: "UTC is UTC",
                instant: utc(2026, 7, 1, 23, 59),
                tz: chrono_tz::UTC,
                expected: d(2026, 7, 1),
            },
        ];
        for c in cases {
            assert_eq!(local_date(c.instant, c.tz), c.expected, "{}", c.name);
        }
    }

    #[test]
    fn local_days_are_23_or_25_hours_long_across_daylight_saving_changes() {
        struct Case {
            name: &'static str,
            date: NaiveDate,
            tz: Tz,
            start: DateTime<Utc>,
            hours: i64,
        }
        let berlin = chrono_tz::Europe::Berlin;
        let cases = [
            Case {
                name: "Berlin spring change (last Sunday of March)",
                date: d(2026, 3, 29),
                tz: berlin,
                start: utc(2026, 3, 28, 23, 0),
                hours: 23,
            },
            Case {
                name: "Berlin autumn change (last Sunday of October)",
                date: d(2026, 10, 25),
                tz: berlin,
                start: utc(2026, 10, 24, 22, 0),
                hours: 25,
            },
            Case {
                name: "ordinary Berlin day",
                date: d(2026, 6, 1),
                tz: berlin,
                start: utc(2026, 5, 31, 22, 0),
                hours: 24,
            },
            Case {
                name: "a date the zone skipped has no time (Apia, 2011-12-30)",
                date: d(2011, 12, 30),
                tz: chrono_tz::Pacific::Apia,
                start: utc(2011, 12, 30, 10, 0),
                hours: 0,
            },
            Case {
                name: "Santiago spring change swallows midnight",
                date: d(2026, 9, 6),
                tz: chrono_tz::America::Santiago,
                start: utc(2026, 9, 6, 4, 0),
                hours: 23,
            },
        ];
        for c in cases {
            let start = day_start(c.date, c.tz);
            assert_eq!(start, c.start, "{}: start", c.name);
            assert_eq!(
                day_start(next_day(c.date), c.tz) - start,
                Duration::hours(c.hours),
                "{}: length",
                c.name
            );
        }
    }

    #[test]
    fn an_interval_ending_at_local_midnight_has_no_time_on_the_next_day() {
        let tz = chrono_tz::Europe::Berlin;
        // 22:00 to 24:00 CEST on 2026-06-01.
        let (first, last) = dates_covered(utc(2026, 6, 1, 20, 0), utc(2026, 6, 1, 22, 0), tz);
        assert_eq!((first, last), (d(2026, 6, 1), d(2026, 6, 1)));
        let (first, last) = dates_covered(utc(2026, 6, 1, 20, 0), utc(2026, 6, 1, 22, 1), tz);
        assert_eq!((first, last), (d(2026, 6, 1), d(2026, 6, 2)));
    }

    #[test]
    fn splitting_at_local_midnight_counts_real_hours_per_date() {
        struct Case {
            name: &'static str,
            start: DateTime<Utc>,
            end: DateTime<Utc>,
            tz: Tz,
            expected: Vec<(NaiveDate, i64)>,
        }
        let berlin = chrono_tz::Europe::Berlin;
        let cases = [
            Case {
                name: "normal day",
                start: utc(2026, 6, 1, 6, 0),
                end: utc(2026, 6, 1, 14, 30),
                tz: berlin,
                expected: vec![(d(2026, 6, 1), 510)],
            },
            Case {
                name: "night shift 22:00-06:00 across midnight",
                start: utc(2026, 6, 1, 20, 0),
                end: utc(2026, 6, 2, 4, 0),
                tz: berlin,
                expected: vec![(d(2026, 6, 1), 120), (d(2026, 6, 2), 360)],
            },
            Case {
                name: "night shift 22:00-06:00 into the spring change is 7 h",
                start: utc(2026, 3, 28, 21, 0),
                end: utc(2026, 3, 29, 4, 0),
                tz: berlin,
                expected: vec![(d(2026, 3, 28), 120), (d(2026, 3, 29), 300)],
            },
            Case {
                name: "night shift 22:00-06:00 into the autumn change is 9 h",
                start: utc(2026, 10, 24, 20, 0),
                end: utc(2026, 10, 25, 5, 0),
                tz: berlin,
                expected: vec![(d(2026, 10, 24), 120), (d(2026, 10, 25), 420)],
            },
            Case {
                name: "a 24 h record spans two dates",
                start: utc(2026, 6, 1, 10, 0),
                end: utc(2026, 6, 2, 10, 0),
                tz: berlin,
                expected: vec![(d(2026, 6, 1), 720), (d(2026, 6, 2), 720)],
            },
            Case {
                name: "ending exactly at midnight adds no empty date",
                start: utc(2026, 6, 1, 20, 0),
                end: utc(2026, 6, 1, 22, 0),
                tz: berlin,
                expected: vec![(d(2026, 6, 1), 120)],
            },
            Case {
                name: "empty interval",
                start: utc(2026, 6, 1, 20, 0),
                end: utc(2026, 6, 1, 20, 0),
                tz: berlin,
                expected: vec![],
            },
        ];
        for c in cases {
            let got: Vec<(NaiveDate, i64)> = split_by_local_date(c.start, c.end, c.tz)
                .into_iter()
                .map(|(date, dur)| (date, dur.num_minutes()))
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn iso_weeks_cross_the_year_change() {
        struct Case {
            name: &'static str,
            date: NaiveDate,
            expected: &'static str,
        }
        let cases = [
            Case {
                name: "2026 has 53 weeks (1 January is a Thursday)",
                date: d(2026, 12, 31),
                expected: "2026-W53",
            },
            Case {
                name: "3 January 2027 is still 2026-W53",
                date: d(2027, 1, 3),
                expected: "2026-W53",
            },
            Case {
                name: "4 January 2027 starts 2027-W01",
                date: d(2027, 1, 4),
                expected: "2027-W01",
            },
            Case {
                name: "30 December 2024 is 2025-W01",
                date: d(2024, 12, 30),
                expected: "2025-W01",
            },
            Case {
                name: "1 January 2021 is 2020-W53",
                date: d(2021, 1, 1),
                expected: "2020-W53",
            },
        ];
        for c in cases {
            assert_eq!(IsoWeek::of(c.date).to_string(), c.expected, "{}", c.name);
        }
        let w53 = IsoWeek::new(2026, 53).unwrap();
        assert_eq!(
            (w53.monday(), w53.sunday()),
            (d(2026, 12, 28), d(2027, 1, 3))
        );
        assert_eq!(w53.days().len(), 7);
        assert!(IsoWeek::new(2027, 53).is_none(), "2027 has 52 weeks");
    }

    #[test]
    fn the_weeks_covering_a_range_include_partial_weeks_at_both_ends() {
        let weeks = iso_weeks_covering(d(2026, 12, 30), d(2027, 1, 5));
        let names: Vec<String> = weeks.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["2026-W53", "2027-W01"]);
        assert!(iso_weeks_covering(d(2027, 1, 5), d(2027, 1, 4)).is_empty());
    }
}
