//! Reading rules: summaries per local day and per ISO week in the employee's
//! time zone, and hours split by local date.
//!
//! Two attributions, on purpose:
//! - **Summaries** ([`day_summaries`], [`week_summaries`]) put a whole record on
//!   the local date its start lies on: a night shift 22:00–06:00 belongs to the
//!   evening's day and that day's week, so a shift is never cut in two.
//! - **Hours per date** ([`hours_by_date`]) cut each record at local midnights:
//!   a 22:00–06:00 shift gives 2 h to the first date and 6 h to the next, for
//!   reports that ask how many hours fell on each calendar date.
//!
//! Both count real elapsed time (a 22:00–06:00 night in `Europe/Berlin` is 7 h
//! at the spring change and 9 h at the autumn one), skip voided records, and
//! count an open record up to `now`, flagging its day.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::calendar::{self, IsoWeek};
use super::record::TimeRecord;
use super::rules::AttendanceError;

/// Longest range a summary or hours report may span, in days (inclusive).
pub const MAX_RANGE_DAYS: i64 = 366;

/// Checks a query range `from..=to`: `invalid_range` when `from > to`,
/// `range_too_long` beyond [`MAX_RANGE_DAYS`] dates.
///
/// Source: hrms choice (bounded reads for issue 13 §6; the summary benchmark's p99).
pub fn check_range(from: NaiveDate, to: NaiveDate) -> Result<(), AttendanceError> {
    if from > to {
        return Err(AttendanceError::InvalidRange);
    }
    if (to - from).num_days() + 1 > MAX_RANGE_DAYS {
        return Err(AttendanceError::RangeTooLong);
    }
    Ok(())
}

/// One local day of an employee's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaySummary {
    /// The local date.
    pub date: NaiveDate,
    /// Sum of the real elapsed time of the records starting on this date (open
    /// ones up to now), including the parts after midnight.
    pub worked: Duration,
    /// Sum of the gaps between consecutive records starting on this date.
    pub breaks: Duration,
    /// Number of live records starting on this date.
    pub records: u32,
    /// Start of the first record.
    pub first_start: Option<DateTime<Utc>>,
    /// End of the last record; `None` if there is none or it is still open.
    pub last_end: Option<DateTime<Utc>>,
    /// A record starting on this date is still open (counted up to now).
    pub open_record: bool,
    /// That open record has been open longer than the longest allowed record:
    /// the check-out is missing and it needs a correction.
    pub missing_check_out: bool,
}

impl DaySummary {
    fn empty(date: NaiveDate) -> Self {
        DaySummary {
            date,
            worked: Duration::zero(),
            breaks: Duration::zero(),
            records: 0,
            first_start: None,
            last_end: None,
            open_record: false,
            missing_check_out: false,
        }
    }
}

/// Live records grouped by the local date of their start, each group by start.
fn by_start_date(records: &[TimeRecord], tz: Tz) -> BTreeMap<NaiveDate, Vec<&TimeRecord>> {
    let mut days: BTreeMap<NaiveDate, Vec<&TimeRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| r.is_live()) {
        days.entry(r.local_date(tz)).or_default().push(r);
    }
    for day in days.values_mut() {
        day.sort_by_key(|r| r.start);
    }
    days
}

fn summarize(
    date: NaiveDate,
    day: &[&TimeRecord],
    now: DateTime<Utc>,
    max_record: Duration,
) -> DaySummary {
    let mut s = DaySummary::empty(date);
    let mut previous_end: Option<DateTime<Utc>> = None;
    for r in day {
        s.records += 1;
        s.worked += r.elapsed(now);
        s.first_start.get_or_insert(r.start);
        if let Some(prev) = previous_end {
            // Records of one employee never overlap, so a gap is never negative;
            // `max` only guards against inconsistent data.
            s.breaks += (r.start - prev).max(Duration::zero());
        }
        let end = r.end.unwrap_or(now.max(r.start));
        previous_end = Some(end);
        s.last_end = r.end;
        if r.is_open() {
            s.open_record = true;
            if now - r.start > max_record {
                s.missing_check_out = true;
            }
        }
    }
    s
}

/// One [`DaySummary`] for every local date in `from..=to` (empty days included),
/// in the employee's time zone `tz`. A record belongs to the date its start lies
/// on. `records`: the employee's records starting in
/// [`calendar::range_bounds`]`(from, to, tz)`; others are ignored.
/// `max_record` decides `missing_check_out`.
///
/// Source: issue 13 §6 ("a summary per local day ... a record that crosses
/// midnight belongs to the day it started on").
pub fn day_summaries(
    records: &[TimeRecord],
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    max_record: Duration,
) -> Vec<DaySummary> {
    let days = by_start_date(records, tz);
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|date| match days.get(&date) {
            Some(day) => summarize(date, day, now, max_record),
            None => DaySummary::empty(date),
        })
        .collect()
}

/// One ISO week of an employee's attendance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekSummary {
    /// The ISO week (week-based year and number).
    pub week: IsoWeek,
    /// Sum of its days' worked time.
    pub worked: Duration,
    /// Sum of its days' breaks (gaps across midnight are not breaks).
    pub breaks: Duration,
    /// Number of records starting in the week.
    pub records: u32,
    /// Its seven days, Monday first.
    pub days: Vec<DaySummary>,
    /// Dates with an open record.
    pub open_record_days: Vec<NaiveDate>,
    /// Dates with a missing check-out.
    pub missing_check_out_days: Vec<NaiveDate>,
}

/// One [`WeekSummary`] for every ISO week sharing a date with `from..=to`, each
/// complete (Monday to Sunday, also where `from`/`to` fall mid-week). A record
/// belongs to the week of the local date its start lies on, so a Sunday night
/// shift counts in the week of that Sunday. `records`: those starting in
/// [`calendar::range_bounds`] of the first Monday and the last Sunday.
///
/// Source: issue 13 §6 ("a summary ... per ISO week in the employee's time zone").
pub fn week_summaries(
    records: &[TimeRecord],
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    max_record: Duration,
) -> Vec<WeekSummary> {
    let days = by_start_date(records, tz);
    calendar::iso_weeks_covering(from, to)
        .into_iter()
        .map(|week| {
            let days: Vec<DaySummary> = week
                .days()
                .into_iter()
                .map(|date| match days.get(&date) {
                    Some(day) => summarize(date, day, now, max_record),
                    None => DaySummary::empty(date),
                })
                .collect();
            WeekSummary {
                week,
                worked: days.iter().map(|d| d.worked).sum(),
                breaks: days.iter().map(|d| d.breaks).sum(),
                records: days.iter().map(|d| d.records).sum(),
                open_record_days: days
                    .iter()
                    .filter(|d| d.open_record)
                    .map(|d| d.date)
                    .collect(),
                missing_check_out_days: days
                    .iter()
                    .filter(|d| d.missing_check_out)
                    .map(|d| d.date)
                    .collect(),
                days,
            }
        })
        .collect()
}

/// Hours that fell on one local date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateHours {
    /// The local date.
    pub date: NaiveDate,
    /// Real elapsed time between this date's local midnights.
    pub worked: Duration,
    /// Part of it comes from a record still open (counted up to now).
    pub includes_open_record: bool,
}

/// The worked time on every local date of `from..=to` (zero dates included),
/// each record cut at the local midnights of `tz`; open records count up to
/// `now`. `records`: those overlapping [`calendar::range_bounds`]`(from, to, tz)`,
/// including ones that started the day before.
///
/// Source: issue 13 §6 ("its hours are split by local date where a report asks
/// for hours per date").
pub fn hours_by_date(
    records: &[TimeRecord],
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Vec<DateHours> {
    let mut out: BTreeMap<NaiveDate, DateHours> = from
        .iter_days()
        .take_while(|d| *d <= to)
        .map(|date| {
            (
                date,
                DateHours {
                    date,
                    worked: Duration::zero(),
                    includes_open_record: false,
                },
            )
        })
        .collect();
    for r in records.iter().filter(|r| r.is_live()) {
        let end = r.end.unwrap_or(now);
        for (date, piece) in calendar::split_by_local_date(r.start, end, tz) {
            if let Some(slot) = out.get_mut(&date) {
                slot.worked += piece;
                slot.includes_open_record |= r.is_open();
            }
        }
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::super::record::*;
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    const BERLIN: Tz = chrono_tz::Europe::Berlin;
    const NEW_YORK: Tz = chrono_tz::America::New_York;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn local(tz: Tz, y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, day, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn rec(n: u128, start: DateTime<Utc>, end: Option<DateTime<Utc>>) -> TimeRecord {
        TimeRecord {
            id: RecordId::from(Uuid::from_u128(n)),
            employee_id: EmployeeId::from(Uuid::from_u128(1)),
            version: 1,
            start,
            end,
            source: RecordSource::CheckIn,
            note: None,
            voided: false,
            kind: VersionKind::CheckIn,
            created_by: "u".into(),
            changed_by: "u".into(),
            changed_at: start,
            reason: None,
            request_id: None,
        }
    }

    fn max() -> Duration {
        Duration::hours(24)
    }

    fn mins(d: Duration) -> i64 {
        d.num_minutes()
    }

    #[test]
    fn day_summaries_put_a_record_on_the_day_it_started() {
        struct Case {
            name: &'static str,
            tz: Tz,
            records: Vec<TimeRecord>,
            now: DateTime<Utc>,
            from: NaiveDate,
            to: NaiveDate,
            // (date, worked min, breaks min, records, open, missing)
            expected: Vec<(NaiveDate, i64, i64, u32, bool, bool)>,
        }
        let b = |m, day, h, min| local(BERLIN, 2026, m, day, h, min);
        let late = b(12, 1, 12, 0);
        let cases = vec![
            Case {
                name: "a normal day with a lunch break",
                tz: BERLIN,
                records: vec![
                    rec(1, b(6, 1, 8, 0), Some(b(6, 1, 12, 0))),
                    rec(2, b(6, 1, 12, 45), Some(b(6, 1, 17, 0))),
                ],
                now: late,
                from: d(2026, 6, 1),
                to: d(2026, 6, 1),
                expected: vec![(d(2026, 6, 1), 495, 45, 2, false, false)],
            },
            Case {
                name: "a night shift across midnight belongs to its start day",
                tz: BERLIN,
                records: vec![rec(1, b(6, 1, 22, 0), Some(b(6, 2, 6, 0)))],
                now: late,
                from: d(2026, 6, 1),
                to: d(2026, 6, 2),
                expected: vec![
                    (d(2026, 6, 1), 480, 0, 1, false, false),
                    (d(2026, 6, 2), 0, 0, 0, false, false),
                ],
            },
            Case {
                name: "spring change night: 7 h on the Saturday",
                tz: BERLIN,
                records: vec![rec(1, b(3, 28, 22, 0), Some(b(3, 29, 6, 0)))],
                now: late,
                from: d(2026, 3, 28),
                to: d(2026, 3, 28),
                expected: vec![(d(2026, 3, 28), 420, 0, 1, false, false)],
            },
            Case {
                name: "autumn change night: 9 h on the Saturday",
                tz: BERLIN,
                records: vec![rec(1, b(10, 24, 22, 0), Some(b(10, 25, 6, 0)))],
                now: late,
                from: d(2026, 10, 24),
                to: d(2026, 10, 24),
                expected: vec![(d(2026, 10, 24), 540, 0, 1, false, false)],
            },
            Case {
                name: "New York evening: local date, not the UTC date",
                tz: NEW_YORK,
                // 2026-01-15 19:00-23:00 EST = 2026-01-16 00:00-04:00 UTC.
                records: vec![rec(
                    1,
                    local(NEW_YORK, 2026, 1, 15, 19, 0),
                    Some(local(NEW_YORK, 2026, 1, 15, 23, 0)),
                )],
                now: late,
                from: d(2026, 1, 15),
                to: d(2026, 1, 16),
                expected: vec![
                    (d(2026, 1, 15), 240, 0, 1, false, false),
                    (d(2026, 1, 16), 0, 0, 0, false, false),
                ],
            },
            Case {
                name: "an open record counts up to now and is flagged",
                tz: BERLIN,
                records: vec![
                    rec(1, b(12, 1, 7, 0), Some(b(12, 1, 9, 0))),
                    rec(2, b(12, 1, 9, 30), None),
                ],
                now: late,
                from: d(2026, 12, 1),
                to: d(2026, 12, 1),
                expected: vec![(d(2026, 12, 1), 120 + 150, 30, 2, true, false)],
            },
            Case {
                name: "an open record older than the limit is a missing check-out",
                tz: BERLIN,
                records: vec![rec(1, b(11, 29, 8, 0), None)],
                now: late,
                from: d(2026, 11, 29),
                to: d(2026, 11, 30),
                expected: vec![
                    (d(2026, 11, 29), 52 * 60, 0, 1, true, true),
                    (d(2026, 11, 30), 0, 0, 0, false, false),
                ],
            },
            Case {
                name: "voided records count nowhere",
                tz: BERLIN,
                records: vec![TimeRecord {
                    voided: true,
                    ..rec(1, b(6, 1, 8, 0), Some(b(6, 1, 12, 0)))
                }],
                now: late,
                from: d(2026, 6, 1),
                to: d(2026, 6, 1),
                expected: vec![(d(2026, 6, 1), 0, 0, 0, false, false)],
            },
            Case {
                name: "touching records make no break",
                tz: BERLIN,
                records: vec![
                    rec(2, b(6, 1, 12, 0), Some(b(6, 1, 14, 0))),
                    rec(1, b(6, 1, 8, 0), Some(b(6, 1, 12, 0))),
                ],
                now: late,
                from: d(2026, 6, 1),
                to: d(2026, 6, 1),
                expected: vec![(d(2026, 6, 1), 360, 0, 2, false, false)],
            },
        ];
        for c in cases {
            let got: Vec<_> = day_summaries(&c.records, c.tz, c.from, c.to, c.now, max())
                .into_iter()
                .map(|s| {
                    (
                        s.date,
                        mins(s.worked),
                        mins(s.breaks),
                        s.records,
                        s.open_record,
                        s.missing_check_out,
                    )
                })
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn a_day_summary_tells_first_start_and_last_end() {
        let b = |h| local(BERLIN, 2026, 6, 1, h, 0);
        let records = [rec(1, b(8), Some(b(12))), rec(2, b(13), Some(b(17)))];
        let s = &day_summaries(&records, BERLIN, d(2026, 6, 1), d(2026, 6, 1), b(20), max())[0];
        assert_eq!((s.first_start, s.last_end), (Some(b(8)), Some(b(17))));
    }

    #[test]
    fn week_summaries_use_iso_weeks_across_the_year_change() {
        struct Case {
            name: &'static str,
            tz: Tz,
            records: Vec<TimeRecord>,
            from: NaiveDate,
            to: NaiveDate,
            // (week, worked min, records, days with open record)
            expected: Vec<(&'static str, i64, u32, Vec<NaiveDate>)>,
        }
        let b = |y, m, day, h| local(BERLIN, y, m, day, h, 0);
        let now = b(2027, 1, 10, 12);
        let cases = vec![
            Case {
                name: "2026-W53 runs from Monday 28 December to Sunday 3 January",
                tz: BERLIN,
                records: vec![
                    rec(1, b(2026, 12, 28, 8), Some(b(2026, 12, 28, 16))),
                    rec(2, b(2027, 1, 2, 8), Some(b(2027, 1, 2, 12))),
                    rec(3, b(2027, 1, 4, 8), Some(b(2027, 1, 4, 9))),
                ],
                from: d(2026, 12, 31),
                to: d(2027, 1, 4),
                expected: vec![("2026-W53", 720, 2, vec![]), ("2027-W01", 60, 1, vec![])],
            },
            Case {
                name: "a Sunday night shift counts in the week of that Sunday",
                tz: BERLIN,
                records: vec![rec(1, b(2027, 1, 3, 22), Some(b(2027, 1, 4, 6)))],
                from: d(2027, 1, 3),
                to: d(2027, 1, 4),
                expected: vec![("2026-W53", 480, 1, vec![]), ("2027-W01", 0, 0, vec![])],
            },
            Case {
                name: "New York: Sunday evening local is Monday in UTC but still W53",
                tz: NEW_YORK,
                records: vec![rec(
                    1,
                    local(NEW_YORK, 2027, 1, 3, 20, 0),
                    Some(local(NEW_YORK, 2027, 1, 3, 23, 30)),
                )],
                from: d(2027, 1, 3),
                to: d(2027, 1, 4),
                expected: vec![("2026-W53", 210, 1, vec![]), ("2027-W01", 0, 0, vec![])],
            },
            Case {
                name: "2025-W01 starts on 30 December 2024",
                tz: BERLIN,
                records: vec![
                    rec(1, b(2024, 12, 29, 8), Some(b(2024, 12, 29, 10))),
                    rec(2, b(2024, 12, 30, 8), Some(b(2024, 12, 30, 10))),
                    rec(3, b(2025, 1, 5, 8), None),
                ],
                from: d(2024, 12, 29),
                to: d(2024, 12, 30),
                expected: vec![
                    ("2024-W52", 120, 1, vec![]),
                    (
                        "2025-W01",
                        120 + (now - b(2025, 1, 5, 8)).num_minutes(),
                        2,
                        vec![d(2025, 1, 5)],
                    ),
                ],
            },
        ];
        for c in cases {
            let got: Vec<_> = week_summaries(&c.records, c.tz, c.from, c.to, now, max())
                .into_iter()
                .map(|w| {
                    assert_eq!(w.days.len(), 7, "{}: seven days", c.name);
                    (
                        w.week.to_string(),
                        mins(w.worked),
                        w.records,
                        w.open_record_days,
                    )
                })
                .collect();
            let expected: Vec<_> = c
                .expected
                .into_iter()
                .map(|(w, m, n, open)| (w.to_string(), m, n, open))
                .collect();
            assert_eq!(got, expected, "{}", c.name);
        }
    }

    #[test]
    fn hours_by_date_split_records_at_local_midnight() {
        struct Case {
            name: &'static str,
            tz: Tz,
            records: Vec<TimeRecord>,
            from: NaiveDate,
            to: NaiveDate,
            expected: Vec<(NaiveDate, i64)>,
        }
        let b = |m, day, h| local(BERLIN, 2026, m, day, h, 0);
        let cases = vec![
            Case {
                name: "a night shift gives 2 h and 6 h",
                tz: BERLIN,
                records: vec![rec(1, b(6, 1, 22), Some(b(6, 2, 6)))],
                from: d(2026, 6, 1),
                to: d(2026, 6, 2),
                expected: vec![(d(2026, 6, 1), 120), (d(2026, 6, 2), 360)],
            },
            Case {
                name: "spring change: 2 h and 5 h",
                tz: BERLIN,
                records: vec![rec(1, b(3, 28, 22), Some(b(3, 29, 6)))],
                from: d(2026, 3, 28),
                to: d(2026, 3, 29),
                expected: vec![(d(2026, 3, 28), 120), (d(2026, 3, 29), 300)],
            },
            Case {
                name: "autumn change: 2 h and 7 h",
                tz: BERLIN,
                records: vec![rec(1, b(10, 24, 22), Some(b(10, 25, 6)))],
                from: d(2026, 10, 24),
                to: d(2026, 10, 25),
                expected: vec![(d(2026, 10, 24), 120), (d(2026, 10, 25), 420)],
            },
            Case {
                name: "only the dates asked for; the part before the range is left out",
                tz: BERLIN,
                records: vec![rec(1, b(6, 1, 22), Some(b(6, 2, 6)))],
                from: d(2026, 6, 2),
                to: d(2026, 6, 3),
                expected: vec![(d(2026, 6, 2), 360), (d(2026, 6, 3), 0)],
            },
            Case {
                name: "New York evening stays on its local date",
                tz: NEW_YORK,
                records: vec![rec(
                    1,
                    local(NEW_YORK, 2026, 1, 15, 19, 0),
                    Some(local(NEW_YORK, 2026, 1, 15, 23, 0)),
                )],
                from: d(2026, 1, 15),
                to: d(2026, 1, 16),
                expected: vec![(d(2026, 1, 15), 240), (d(2026, 1, 16), 0)],
            },
        ];
        let now = b(12, 1, 12);
        for c in cases {
            let got: Vec<_> = hours_by_date(&c.records, c.tz, c.from, c.to, now)
                .into_iter()
                .map(|h| (h.date, mins(h.worked)))
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn hours_by_date_count_an_open_record_up_to_now_and_flag_it() {
        let start = local(BERLIN, 2026, 6, 1, 22, 0);
        let now = local(BERLIN, 2026, 6, 2, 1, 0);
        let got = hours_by_date(
            &[rec(1, start, None)],
            BERLIN,
            d(2026, 6, 1),
            d(2026, 6, 2),
            now,
        );
        assert_eq!(
            got.iter()
                .map(|h| (mins(h.worked), h.includes_open_record))
                .collect::<Vec<_>>(),
            [(120, true), (60, true)]
        );
    }

    #[test]
    fn summary_ranges_are_checked() {
        struct Case {
            name: &'static str,
            from: NaiveDate,
            to: NaiveDate,
            expected: Option<&'static str>,
        }
        let cases = [
            Case {
                name: "one day",
                from: d(2026, 6, 1),
                to: d(2026, 6, 1),
                expected: None,
            },
            Case {
                name: "366 days",
                from: d(2026, 1, 1),
                to: d(2027, 1, 1),
                expected: None,
            },
            Case {
                name: "367 days",
                from: d(2026, 1, 1),
                to: d(2027, 1, 2),
                expected: Some("range_too_long"),
            },
            Case {
                name: "inverted",
                from: d(2026, 6, 2),
                to: d(2026, 6, 1),
                expected: Some("invalid_range"),
            },
        ];
        for c in cases {
            assert_eq!(
                check_range(c.from, c.to).err().map(|e| e.code()),
                c.expected,
                "{}",
                c.name
            );
        }
    }
}
