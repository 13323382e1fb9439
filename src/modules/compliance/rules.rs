//! Compliance rules as plain functions over plain data: working-time law
//! (Directive 2003/88/EC and the national packs) evaluated on an employee's
//! worked intervals and leave days, in their time zone. No database, no clock:
//! `as_of` (the instant up to which records are complete) is a parameter.
//!
//! Evaluation is scoped: [`affected_scopes`] says which anchors a changed record
//! can touch, [`evaluate`] recomputes exactly the findings of those scopes, and
//! [`in_scope`] tells which stored findings a re-evaluation replaces.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::domain::*;
use super::pack::*;

/// A rule and the local dates it is re-evaluated for: day rules (`daily_rest`,
/// `break`, `daily_max`) take findings whose window starts in `first..=last`;
/// period rules take every period overlapping `first..=last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RuleScope {
    /// Rule.
    pub rule: RuleId,
    /// First local date.
    pub first: NaiveDate,
    /// Last local date (inclusive).
    pub last: NaiveDate,
}

/// A changed record, for [`affected_scopes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A worked interval added, removed, or one version of a corrected one (call
    /// once for the old and once for the new version).
    Interval(WorkInterval),
    /// A leave day added or cancelled.
    Leave(NaiveDate),
    /// The opt-out state changed on these local dates.
    OptOut {
        /// First date whose state changed.
        first: NaiveDate,
        /// Last date whose state changed.
        last: NaiveDate,
    },
    /// The annual entitlement of a year changed.
    Entitlement(i32),
}

/// The worked intervals next to a change: the end of the last one before it and
/// the start of the first one after it (weekly rest depends on the whole gap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Neighbours {
    /// End of the last worked interval ending at or before the change's start.
    pub prev_end: Option<DateTime<Utc>>,
    /// Start of the first worked interval starting at or after the change's end.
    pub next_start: Option<DateTime<Utc>>,
}

/// A working day: a run of worked intervals separated by gaps shorter than the
/// pack's `day_gap` (6 h, at most the daily rest), and starting less than 24 hours
/// after the run's first start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingDay {
    /// First instant worked.
    pub start: DateTime<Utc>,
    /// Last instant worked.
    pub end: DateTime<Utc>,
    /// Time worked (gaps excluded).
    pub worked: Duration,
    /// Index range of its intervals in the merged list.
    pub intervals: (usize, usize),
}

// ---------------------------------------------------------------------------
// Time helpers

/// The UTC instant of a local date and time; a local time skipped by a DST change
/// moves forward to the first valid local time, an ambiguous one takes the earlier.
pub fn at_local(tz: Tz, date: NaiveDate, t: NaiveTime) -> DateTime<Utc> {
    let mut ndt = date.and_time(t);
    for _ in 0..8 {
        if let Some(x) = tz.from_local_datetime(&ndt).earliest() {
            return x.with_timezone(&Utc);
        }
        ndt += Duration::minutes(30);
    }
    Utc.from_utc_datetime(&date.and_time(t))
}

/// Local midnight starting `date`.
pub fn local_midnight(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    at_local(tz, date, NaiveTime::MIN)
}

/// The local date of an instant.
pub fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The Monday of the ISO week of `d`.
pub fn monday_of(d: NaiveDate) -> NaiveDate {
    d - Days::new(u64::from(d.weekday().num_days_from_monday()))
}

fn add_days(d: NaiveDate, n: i64) -> NaiveDate {
    d.checked_add_signed(Duration::days(n)).unwrap_or(d)
}

/// Sorts, drops empty intervals and merges overlapping or touching ones: what the
/// rules measure is time worked, not records.
pub fn merge(intervals: &[WorkInterval]) -> Vec<WorkInterval> {
    let mut v: Vec<WorkInterval> = intervals
        .iter()
        .copied()
        .filter(|i| i.end > i.start)
        .collect();
    v.sort();
    let mut out: Vec<WorkInterval> = Vec::with_capacity(v.len());
    for iv in v {
        match out.last_mut() {
            Some(last) if iv.start <= last.end => last.end = last.end.max(iv.end),
            _ => out.push(iv),
        }
    }
    out
}

/// Time worked inside `[from, to)` (binary search on merged intervals).
pub fn worked_between(merged: &[WorkInterval], from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
    let lo = merged.partition_point(|iv| iv.end <= from);
    let mut sum = Duration::zero();
    for iv in &merged[lo..] {
        if iv.start >= to {
            break;
        }
        sum += iv.end.min(to) - iv.start.max(from);
    }
    sum
}

/// Splits merged intervals into working days at gaps of at least `gap` (see
/// [`WorkingDay`]); the 24-hour cap
/// (the "individual working day" of ArbZG §3) keeps a chain of short rests from
/// becoming one endless day.
pub fn working_days(merged: &[WorkInterval], gap: Duration) -> Vec<WorkingDay> {
    let mut days: Vec<WorkingDay> = Vec::new();
    for (i, iv) in merged.iter().enumerate() {
        match days.last_mut() {
            Some(d) if iv.start - d.end < gap && iv.start < d.start + Duration::hours(24) => {
                d.end = iv.end;
                d.worked += iv.duration();
                d.intervals.1 = i + 1;
            }
            _ => days.push(WorkingDay {
                start: iv.start,
                end: iv.end,
                worked: iv.duration(),
                intervals: (i, i + 1),
            }),
        }
    }
    days
}

// ---------------------------------------------------------------------------
// Scopes

/// The rule scopes a changed record can affect, so an event re-evaluates only
/// those: day rules within a day of the change; weekly rest over the whole gap the
/// change sits in; period rules over the periods containing the change.
pub fn affected_scopes(tz: Tz, change: Change, around: Neighbours) -> Vec<RuleScope> {
    let scope = |rule, first, last| RuleScope { rule, first, last };
    match change {
        Change::Interval(iv) => {
            let day_first = local_date(tz, iv.start - Duration::hours(24));
            let day_last = local_date(tz, iv.end + Duration::hours(24));
            let first = local_date(tz, iv.start);
            let last = local_date(tz, iv.end);
            let rest_first = local_date(tz, around.prev_end.unwrap_or(iv.start).min(iv.start));
            let rest_last = local_date(tz, around.next_start.unwrap_or(iv.end).max(iv.end));
            vec![
                scope(RuleId::DailyRest, day_first, day_last),
                scope(RuleId::Break, day_first, day_last),
                scope(RuleId::DailyMax, day_first, day_last),
                scope(RuleId::WeeklyRest, rest_first, rest_last),
                scope(RuleId::WeeklyAverage, first, last),
                scope(RuleId::NightWork, first, last),
            ]
        }
        Change::Leave(d) => vec![
            scope(RuleId::WeeklyAverage, d, d),
            scope(RuleId::AnnualLeave, d, d),
        ],
        Change::OptOut { first, last } => vec![scope(RuleId::WeeklyAverage, first, last)],
        Change::Entitlement(year) => {
            let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
            vec![scope(RuleId::AnnualLeave, first, first)]
        }
    }
}

/// Every rule over `first..=last` (a periodic or on-demand check).
pub fn all_scopes(first: NaiveDate, last: NaiveDate) -> Vec<RuleScope> {
    RuleId::ALL
        .iter()
        .map(|&rule| RuleScope { rule, first, last })
        .collect()
}

/// The worked intervals next to `iv` in sorted, merged intervals.
pub fn neighbours(merged: &[WorkInterval], iv: WorkInterval) -> Neighbours {
    let before = merged.partition_point(|x| x.end <= iv.start);
    let after = merged.partition_point(|x| x.start < iv.end);
    Neighbours {
        prev_end: before.checked_sub(1).map(|i| merged[i].end),
        next_start: merged.get(after).map(|x| x.start),
    }
}

/// Whether a stored finding belongs to a scope (so a re-evaluation of the scope
/// replaces it: kept if found again, resolved if not).
pub fn in_scope(scope: &RuleScope, f: &Finding) -> bool {
    let Window::Dates { first, last } = f.window;
    window_in_scope(scope, f.rule, first, last)
}

/// [`in_scope`] for a stored finding known by its rule and window.
pub fn window_in_scope(scope: &RuleScope, rule: RuleId, first: NaiveDate, last: NaiveDate) -> bool {
    if rule != scope.rule {
        return false;
    }
    match rule {
        RuleId::DailyRest | RuleId::Break | RuleId::DailyMax => {
            first >= scope.first && first <= scope.last
        }
        _ => first <= scope.last && last >= scope.first,
    }
}

/// The instants of records an evaluation of `scopes` reads: the caller loads the
/// intervals overlapping it, plus the one before and the one after.
pub fn data_range(
    pack: &RulePack,
    tz: Tz,
    scopes: &[RuleScope],
) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    let longest_weeks = pack
        .weekly_average
        .limits
        .iter()
        .map(|l| l.weeks)
        .chain([pack.night_work.weeks, 2])
        .max()
        .unwrap_or(2);
    let span = i64::from(longest_weeks) * 7;
    scopes
        .iter()
        .map(|s| {
            let (before, after) = match s.rule {
                RuleId::DailyRest | RuleId::Break | RuleId::DailyMax => (2, 3),
                RuleId::AnnualLeave => (0, 1),
                // The 7- or 14-day periods touching the scope, whole (the gaps
                // reaching out of them come from the intervals just outside,
                // which the caller loads too).
                RuleId::WeeklyRest => (14, 15),
                RuleId::WeeklyAverage | RuleId::NightWork => (span + 7, span + 7),
            };
            (
                local_midnight(tz, add_days(s.first, -before)),
                local_midnight(tz, add_days(s.last, after)),
            )
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)))
}

// ---------------------------------------------------------------------------
// Evaluation

/// Evaluates the given scopes and returns their findings (violations and alerts),
/// sorted by rule, window and check. `as_of`: records are complete up to it;
/// periods ending after it are running. Intervals after `as_of` are planned ones.
pub fn evaluate(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    scopes: &[RuleScope],
    as_of: DateTime<Utc>,
) -> Vec<Finding> {
    let merged = merge(input.intervals);
    let days = working_days(&merged, pack.day_gap.min(pack.daily_rest.min));
    let mut out = Vec::new();
    for s in scopes {
        let found = match s.rule {
            RuleId::DailyRest => daily_rest(input, pack, &merged, &days, s),
            RuleId::Break => breaks(input, pack, &merged, &days, s),
            RuleId::DailyMax => daily_max(input, pack, &merged, &days, s),
            RuleId::WeeklyRest => weekly_rest(input, pack, &merged, s),
            RuleId::WeeklyAverage => weekly_average(input, pack, &merged, s, as_of),
            RuleId::NightWork => night_work(input, pack, &merged, &days, s, as_of),
            RuleId::AnnualLeave => annual_leave(input, pack, s, as_of),
        };
        out.extend(found);
    }
    out.sort_by(|a, b| {
        (a.rule, a.window.key(), a.check, a.severity).cmp(&(
            b.rule,
            b.window.key(),
            b.check,
            b.severity,
        ))
    });
    out.dedup_by(|a, b| a.identity() == b.identity());
    out
}

/// What-if: the findings that `planned` intervals would add to the existing
/// record (new identities only), evaluated around the planned intervals. A plan
/// for coming weeks is judged as of the end of its last week (its periods as
/// completed), not as of `now`, when the weekly and night limits would not look
/// at it yet.
pub fn what_if(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    planned: &[WorkInterval],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let plan_end = planned
        .iter()
        .map(|iv| local_midnight(input.tz, add_days(monday_of(local_date(input.tz, iv.end)), 7)))
        .max();
    let as_of = plan_end.map_or(now, |e| e.max(now));
    let existing = merge(input.intervals);
    let mut scopes: Vec<RuleScope> = planned
        .iter()
        .flat_map(|iv| affected_scopes(input.tz, Change::Interval(*iv), neighbours(&existing, *iv)))
        .collect();
    scopes.sort_by_key(|s| (s.rule, s.first, s.last));
    scopes.dedup();
    let before: HashSet<String> = evaluate(input, pack, &scopes, as_of)
        .iter()
        .map(Finding::identity)
        .collect();
    let mut all = input.intervals.to_vec();
    all.extend_from_slice(planned);
    let with = EmployeeInput {
        intervals: &all,
        ..input.clone()
    };
    evaluate(&with, pack, &scopes, as_of)
        .into_iter()
        .filter(|f| !before.contains(&f.identity()))
        .collect()
}

#[expect(
    clippy::too_many_arguments,
    reason = "one constructor for every field of a finding"
)]
fn finding(
    input: &EmployeeInput<'_>,
    rule: RuleId,
    check: &'static str,
    reference: &'static str,
    window: Window,
    span: Option<WorkInterval>,
    measured: Quantity,
    limit: Quantity,
    severity: Severity,
) -> Finding {
    Finding {
        employee: input.employee,
        rule,
        reference,
        window,
        span,
        measured,
        limit,
        severity,
        check,
    }
}

/// `daily_rest` (Directive Art. 3; ArbZG §5(1); WTR reg. 10(1); C. trav. L3131-1):
/// for the start `s` of every working day, the longest rest inside `[s, s + 24 h)`
/// (gaps between work, and the time after the last work up to `s + 24 h`) must be
/// at least the minimum (exactly 11 h complies). One violation per local date on
/// which the short rest begins, measuring the shortest such rest.
pub fn daily_rest(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    days: &[WorkingDay],
    scope: &RuleScope,
) -> Vec<Finding> {
    let min = pack.daily_rest.min;
    // The 24-hour periods begin with each working day (not with each interval
    // after a break, which would report one short rest twice).
    let day_starts: HashSet<DateTime<Utc>> = days.iter().map(|d| d.start).collect();
    let day = Duration::hours(24);
    let from = local_midnight(input.tz, scope.first) - day;
    let to = local_midnight(input.tz, add_days(scope.last, 1));
    let lo = merged.partition_point(|iv| iv.start < from);
    let mut by_date: BTreeMap<NaiveDate, (Duration, WorkInterval)> = BTreeMap::new();
    for i in lo..merged.len() {
        let s = merged[i].start;
        if s >= to {
            break;
        }
        if !day_starts.contains(&s) {
            continue;
        }
        let window_end = s + day;
        let mut longest = Duration::zero();
        let mut rest = WorkInterval { start: s, end: s };
        for j in i..merged.len() {
            let gap_start = merged[j].end;
            if gap_start >= window_end {
                break;
            }
            let gap_end = merged
                .get(j + 1)
                .map_or(window_end, |n| n.start.min(window_end));
            if gap_end - gap_start > longest {
                longest = gap_end - gap_start;
                rest = WorkInterval {
                    start: gap_start,
                    end: gap_end,
                };
            }
            if gap_end >= window_end {
                break;
            }
        }
        if longest >= min {
            continue;
        }
        let date = local_date(input.tz, rest.start);
        if date < scope.first || date > scope.last {
            continue;
        }
        let e = by_date.entry(date).or_insert((longest, rest));
        if longest < e.0 {
            *e = (longest, rest);
        }
    }
    by_date
        .into_iter()
        .map(|(date, (measured, rest))| {
            finding(
                input,
                RuleId::DailyRest,
                "daily_rest",
                pack.daily_rest.reference,
                Window::day(date),
                Some(rest),
                Quantity::of(measured),
                Quantity::of(min),
                Severity::Violation,
            )
        })
        .collect()
}

fn days_in_scope<'d>(
    input: &EmployeeInput<'_>,
    days: &'d [WorkingDay],
    scope: &RuleScope,
) -> impl Iterator<Item = (NaiveDate, &'d WorkingDay)> {
    let from = local_midnight(input.tz, scope.first) - Duration::hours(24);
    let lo = days.partition_point(|d| d.start < from);
    let tz = input.tz;
    let (first, last) = (scope.first, scope.last);
    days[lo..]
        .iter()
        .map(move |d| (local_date(tz, d.start), d))
        .skip_while(move |(date, _)| *date < first)
        .take_while(move |(date, _)| *date <= last)
}

/// `break` (Directive Art. 4; ArbZG §4; WTR reg. 12; C. trav. L3121-16): in a
/// working day whose worked time reaches the highest applicable tier (eu: more
/// than 6 h; de: more than 6 h / more than 9 h; uk: more than 6 h; fr: 6 h or
/// more), the gaps of at least `min_block` inside the day must total the tier's
/// break. de also: no more than 6 h elapsed without such a break.
pub fn breaks(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    days: &[WorkingDay],
    scope: &RuleScope,
) -> Vec<Finding> {
    let rule = &pack.breaks;
    let mut out = Vec::new();
    for (date, d) in days_in_scope(input, days, scope) {
        let ivs = &merged[d.intervals.0..d.intervals.1];
        let qualifying: Vec<WorkInterval> = ivs
            .windows(2)
            .map(|w| WorkInterval {
                start: w[0].end,
                end: w[1].start,
            })
            .filter(|g| g.duration() >= rule.min_block)
            .collect();
        let taken: Duration = qualifying.iter().map(WorkInterval::duration).sum();
        let span = Some(WorkInterval {
            start: d.start,
            end: d.end,
        });
        if let Some(tier) = rule
            .tiers
            .iter()
            .rev()
            .find(|t| t.when.reached(d.worked))
            .filter(|t| taken < t.total)
        {
            out.push(finding(
                input,
                RuleId::Break,
                "break",
                tier.reference,
                Window::day(date),
                span,
                Quantity::of(taken),
                Quantity::of(tier.total),
                Severity::Violation,
            ));
        }
        if let Some((max, reference)) = rule.max_continuous {
            // Elapsed time between qualifying breaks (a shorter pause is no Ruhepause).
            let mut stretch_start = d.start;
            let mut longest = Duration::zero();
            for g in &qualifying {
                longest = longest.max(g.start - stretch_start);
                stretch_start = g.end;
            }
            longest = longest.max(d.end - stretch_start);
            if longest > max {
                out.push(finding(
                    input,
                    RuleId::Break,
                    "continuous",
                    reference,
                    Window::day(date),
                    span,
                    Quantity::of(longest),
                    Quantity::of(max),
                    Severity::Violation,
                ));
            }
        }
    }
    out
}

/// `daily_max` (ArbZG §3: 10 h, the 8 h average being the `weekly_average` limit of
/// the de pack; C. trav. L3121-18: 10 h): worked time of a working day above the
/// maximum (exactly the maximum complies); where the pack says so (de), the time
/// worked in the 24 hours from the working day's start counts when it is more.
/// Packs without one (eu, uk) find nothing.
pub fn daily_max(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    days: &[WorkingDay],
    scope: &RuleScope,
) -> Vec<Finding> {
    let Some(rule) = &pack.daily_max else {
        return Vec::new();
    };
    days_in_scope(input, days, scope)
        .filter_map(|(date, d)| {
            let (worked, end) = if rule.within_24h {
                let until = d.start + Duration::hours(24);
                let in_24h = worked_between(merged, d.start, until);
                if in_24h > d.worked {
                    let last = merged
                        .iter()
                        .filter(|iv| iv.start < until && iv.end > d.start)
                        .map(|iv| iv.end.min(until))
                        .max()
                        .unwrap_or(d.end);
                    (in_24h, last)
                } else {
                    (d.worked, d.end)
                }
            } else {
                (d.worked, d.end)
            };
            (worked > rule.max).then(|| {
                finding(
                    input,
                    RuleId::DailyMax,
                    "daily_max",
                    rule.reference,
                    Window::day(date),
                    Some(WorkInterval { start: d.start, end }),
                    Quantity::of(worked),
                    Quantity::of(rule.max),
                    Severity::Violation,
                )
            })
        })
        .collect()
}

/// A rest gap; `end: None` = still open (nothing recorded or planned after it).
#[derive(Debug, Clone, Copy)]
struct Gap {
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

impl Gap {
    fn long_enough(&self, need: Duration) -> bool {
        self.end.is_none_or(|e| e - self.start >= need)
    }

    /// Qualifies for period `[ps, pe)` if it is `need` long in all and at least
    /// `need - joined` of it lies inside the period: the weekly rest proper must
    /// be granted within the period (C-306/16), while the daily rest joined to
    /// it (`joined`, Art. 5: "plus the 11 hours' daily rest") may lie outside.
    fn qualifies(&self, ps: DateTime<Utc>, pe: DateTime<Utc>, need: Duration, joined: Duration) -> bool {
        self.long_enough(need) && self.inside(ps, pe) >= need - joined
    }

    /// What the rest counts for the period (and a report shows): its part
    /// inside the period plus at most `joined` outside it, never more than
    /// the whole rest. It qualifies for `need` exactly when this reaches it.
    fn credited(&self, ps: DateTime<Utc>, pe: DateTime<Utc>, joined: Duration) -> Duration {
        let most = self.inside(ps, pe) + joined;
        self.end.map_or(most, |e| (e - self.start).min(most))
    }

    fn inside(&self, ps: DateTime<Utc>, pe: DateTime<Utc>) -> Duration {
        let e = self.end.map_or(pe, |e| e.min(pe));
        (e - self.start.max(ps)).max(Duration::zero())
    }

}

/// The gaps between work touching `[ps, pe)`. The time before the first record
/// is rest, before the hire too: an employee hired on a Wednesday who works to
/// Sunday had that week's rest before starting (the employer cannot owe rest
/// for days before the hire).
fn gaps_touching(merged: &[WorkInterval], ps: DateTime<Utc>, pe: DateTime<Utc>) -> Vec<Gap> {
    let lo = merged.partition_point(|iv| iv.end <= ps);
    let mut gaps = Vec::new();
    // The gap running into the period (before the first interval overlapping it).
    match lo.checked_sub(1) {
        Some(p) => gaps.push(Gap {
            start: merged[p].end,
            end: merged.get(lo).map(|n| n.start),
        }),
        None => gaps.push(Gap {
            start: DateTime::<Utc>::MIN_UTC,
            end: merged.first().map(|n| n.start),
        }),
    }
    for k in lo..merged.len() {
        if merged[k].end >= pe {
            break;
        }
        gaps.push(Gap {
            start: merged[k].end,
            end: merged.get(k + 1).map(|n| n.start),
        });
    }
    gaps
}

fn period_starts(
    scope: &RuleScope,
    period_days: i64,
    anchor: NaiveDate,
) -> impl Iterator<Item = NaiveDate> {
    // First period start at or before the scope's first date, aligned to the anchor.
    let offset = (scope.first - anchor).num_days().rem_euclid(period_days);
    let first = add_days(scope.first, -offset);
    let last = scope.last;
    (0..)
        .map(move |k| add_days(first, k * period_days))
        .take_while(move |d| *d <= last)
}

/// `weekly_rest` (Directive Arts. 5, 16(a), C-477/21, C-306/16; WTR reg. 11;
/// C. trav. L3132-2): in each ISO week (Monday 00:00 local), an uninterrupted rest
/// of at least `min_week` (eu 35 h = 24 h + 11 h) of which the 24 h lie inside the
/// week (the 11 h of daily rest joined to them may fall outside it): a rest that
/// only starts on the week's last evening does not give that week its rest.
/// Fortnight option: two such rests of `fortnight_each`, or one of `fortnight_single`
/// (eu 59 h, of which 48 h inside the fortnight). A rest still open at the end of
/// the record counts as long enough; its part inside the period is what it has.
pub fn weekly_rest(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    scope: &RuleScope,
) -> Vec<Finding> {
    let rule = &pack.weekly_rest;
    let Some(first_work) = merged.first() else {
        return Vec::new();
    };
    let (period_days, anchor) = match rule.period {
        RestPeriod::Week => (7, monday_of(scope.first)),
        RestPeriod::Fortnight { anchor } => (14, anchor),
    };
    let mut out = Vec::new();
    for p in period_starts(scope, period_days, anchor) {
        let ps = local_midnight(input.tz, p);
        let pe = local_midnight(input.tz, add_days(p, period_days));
        let employed = input
            .employed_from
            .is_none_or(|f| f < add_days(p, period_days))
            && input.employed_to.is_none_or(|t| t >= p);
        // A period before any record, or with no work in it, has nothing to breach.
        if !employed || pe <= first_work.start || worked_between(merged, ps, pe).is_zero() {
            continue;
        }
        let gaps = gaps_touching(merged, ps, pe);
        // The daily rest a pack joins to the weekly one (35 h = 24 h + 11 h).
        let joined = (rule.min_week - Duration::hours(24)).max(Duration::zero());
        let ok = match rule.period {
            RestPeriod::Week => gaps.iter().any(|g| g.qualifies(ps, pe, rule.min_week, joined)),
            RestPeriod::Fortnight { .. } => {
                gaps.iter()
                    .filter(|g| g.qualifies(ps, pe, rule.fortnight_each, joined))
                    .count()
                    >= 2
                    || gaps
                        .iter()
                        .any(|g| g.qualifies(ps, pe, rule.fortnight_single, joined))
            }
        };
        if ok {
            continue;
        }
        let measured = gaps
            .iter()
            .map(|g| g.credited(ps, pe, joined))
            .max()
            .unwrap_or_else(Duration::zero);
        let (check, limit) = match rule.period {
            RestPeriod::Week => ("week", rule.min_week),
            RestPeriod::Fortnight { .. } => ("fortnight", rule.fortnight_each),
        };
        out.push(finding(
            input,
            RuleId::WeeklyRest,
            check,
            rule.reference,
            Window::Dates {
                first: p,
                last: add_days(p, period_days - 1),
            },
            None,
            Quantity::of(measured),
            Quantity::of(limit),
            Severity::Violation,
        ));
    }
    out
}

/// Hours counted for one ISO week: time worked inside it plus, for each paid annual
/// or sick leave day on a working weekday, the contractual daily hours (half for a
/// half day): Art. 16(b) makes those periods neutral. Other leave counts zero.
pub fn week_hours(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    monday: NaiveDate,
) -> Duration {
    let ws = local_midnight(input.tz, monday);
    let we = local_midnight(input.tz, add_days(monday, 7));
    let daily = input
        .contractual_daily
        .unwrap_or(pack.weekly_average.contractual_daily);
    let sunday = add_days(monday, 6);
    let lo = input.leave.partition_point(|l| l.date < monday);
    let credit: Duration = input.leave[lo..]
        .iter()
        .take_while(|l| l.date <= sunday)
        .filter(|l| matches!(l.kind, LeaveKind::PaidAnnual | LeaveKind::Sick))
        .filter(|l| {
            pack.weekly_average.working_weekdays[l.date.weekday().num_days_from_monday() as usize]
        })
        .map(|l| daily * i32::from(l.half_days.min(2)) / 2)
        .sum();
    worked_between(merged, ws, we) + credit
}

/// The (nominal start, effective first Monday, effective end Monday) of the
/// periods of `weeks` weeks touching the scope, clipped to employment.
fn periods(
    input: &EmployeeInput<'_>,
    scope: &RuleScope,
    weeks: u32,
    rolling: bool,
    anchor: NaiveDate,
) -> Vec<(NaiveDate, NaiveDate, NaiveDate)> {
    let len = i64::from(weeks) * 7;
    let starts: Vec<NaiveDate> = if rolling {
        // Every run of `weeks` ISO weeks that contains a week of the scope.
        let first = add_days(monday_of(scope.first), -(len - 7));
        (0..)
            .map(|k| add_days(first, k * 7))
            .take_while(|d| *d <= scope.last)
            .collect()
    } else {
        let s = RuleScope {
            first: add_days(monday_of(scope.first), 0),
            ..*scope
        };
        period_starts(&s, len, monday_of(anchor)).collect()
    };
    starts
        .into_iter()
        .filter_map(|p| {
            let mut first = p;
            let mut end = add_days(p, len);
            if let Some(f) = input.employed_from {
                first = first.max(monday_of(f));
            }
            if let Some(t) = input.employed_to {
                end = end.min(add_days(monday_of(t), 7));
            }
            (first < end).then_some((p, first, end))
        })
        .collect()
}

/// Whether an opt-out was in force on a day of the ISO week of `monday`.
fn opted_week(input: &EmployeeInput<'_>, monday: NaiveDate) -> bool {
    let sunday = add_days(monday, 6);
    input
        .opt_outs
        .iter()
        .any(|o| o.from <= sunday && o.until.is_none_or(|u| u >= monday))
}

fn opted_out(input: &EmployeeInput<'_>, first: NaiveDate, last: NaiveDate) -> bool {
    input
        .opt_outs
        .iter()
        .any(|o| o.covers(first) && o.until.is_none_or(|u| u >= last))
}

/// `weekly_average` (Directive Arts. 6(b), 16(b), 22; ArbZG §3; WTR reg. 4, 5;
/// C. trav. L3121-20, L3121-22): for each limit, hours per period (worked time plus
/// leave credit, see [`week_hours`]) over its reference period of ISO weeks (rolling:
/// every run of consecutive weeks; or fixed periods from an anchor Monday), clipped
/// to employment. A completed period whose total exceeds limit × weeks is a
/// violation. The running period (rolling: the one ending with the week of
/// `as_of`; fixed: the one containing it) is a violation once its total already
/// exceeds limit × weeks (it can no longer end under the limit), else an alert when
/// its average so far exceeds the alert threshold: over the weeks already over, or
/// with the week under way where that is higher. Weeks before the hire (or after
/// the termination) count as zero hours, unless the limit measures only the weeks
/// employed (uk, WTR reg. 4(4)). A valid opt-out for the whole period (limits that
/// allow one) lifts the limit: no finding.
pub fn weekly_average(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    scope: &RuleScope,
    as_of: DateTime<Utc>,
) -> Vec<Finding> {
    let today = local_date(input.tz, as_of);
    let this_week = monday_of(today);
    let mut cache: BTreeMap<NaiveDate, Duration> = BTreeMap::new();
    let mut out = Vec::new();
    for limit in &pack.weekly_average.limits {
        for (nominal, first, end) in
            periods(input, scope, limit.weeks, limit.rolling, limit.fixed_anchor)
        {
            let nominal_end = add_days(nominal, i64::from(limit.weeks) * 7);
            let completed = today >= end;
            let running = !completed
                && first <= today
                && if limit.rolling {
                    nominal_end == add_days(this_week, 7)
                } else {
                    true
                };
            if !completed && !running {
                continue;
            }
            // Coverage counts from the first day employed (an opt-out signed on
            // a mid-week hire date covers the hire week).
            let employed_first = input.employed_from.map_or(first, |f| f.max(first));
            let opted = limit.opt_out_applies && opted_out(input, employed_first, add_days(end, -1).min(today));
            if opted {
                // Lifted by a written opt-out: no finding (the hours are still
                // recorded and shown in the working-time view).
                continue;
            }
            // Weeks outside the employment count as zero hours: a worker
            // employed for less than the reference period is still measured
            // over the whole period (a heavy first week is not a breach of an
            // average), except where the pack measures the weeks employed
            // (uk, WTR reg. 4(4)).
            let weeks_total = if limit.clip_to_employment {
                (end - first).num_days() / 7
            } else {
                i64::from(limit.weeks)
            };
            // A week in which a written opt-out was in force counts at most the
            // limit: its long hours were lawful, and do not make the weeks around
            // it (before the signature, after the withdrawal) a breach.
            let mut per_week = Vec::new();
            let mut w = first;
            while w < end {
                let hours = *cache
                    .entry(w)
                    .or_insert_with(|| week_hours(input, pack, merged, w));
                let lifted = limit.opt_out_applies && opted_week(input, w);
                per_week.push(if lifted { hours.min(limit.per_week) } else { hours });
                w = add_days(w, 7);
            }
            let total: Duration = per_week.iter().copied().sum();
            let last = add_days(end, -1);
            let window = Window::Dates { first, last };
            let over = total > limit.per_week * weeks_total as i32;
            if over {
                out.push(finding(
                    input,
                    RuleId::WeeklyAverage,
                    limit.check,
                    limit.reference,
                    window,
                    None,
                    Quantity::of(total / weeks_total as i32),
                    Quantity::of(limit.per_week),
                    Severity::Violation,
                ));
            } else if let Some(alert) = limit.alert_per_week.filter(|_| running) {
                // The average so far: over the weeks of the period already over,
                // or with the week under way where that is higher (a heavy week
                // is seen before it ends; the empty rest of the current week does
                // not dilute the weeks before it).
                let employed_weeks = ((end - first).num_days() / 7).max(1);
                let completed = ((this_week - first).num_days() / 7).clamp(0, employed_weeks);
                let week = |k: i64| per_week.get(k as usize).copied().unwrap_or_else(Duration::zero);
                let done: Duration = (0..completed).map(week).sum();
                let mut average = if completed > 0 { done / completed as i32 } else { Duration::zero() };
                if completed < employed_weeks {
                    let with_current = done + week(completed);
                    average = average.max(with_current / (completed + 1) as i32);
                }
                if average > alert {
                    out.push(finding(
                        input,
                        RuleId::WeeklyAverage,
                        limit.check,
                        limit.reference,
                        window,
                        None,
                        Quantity::of(average),
                        Quantity::of(alert),
                        Severity::Warning,
                    ));
                }
            }
        }
    }
    out
}

/// Night time worked inside `iv` (night from `night_start` to `night_end` local,
/// across midnight when the end is earlier; real elapsed time across DST changes).
pub fn night_time(tz: Tz, rule: &NightWorkRule, iv: WorkInterval) -> Duration {
    let wraps = rule.night_end <= rule.night_start;
    let ls = iv.start.with_timezone(&tz).naive_local();
    let le = iv.end.with_timezone(&tz).naive_local();
    // A day shift (one local date, no clock change inside, clear of the night
    // window) has none: the common case, without converting night bounds.
    if ls.date() == le.date() && le - ls == iv.end - iv.start {
        let (s, e) = (ls.time(), le.time());
        let clear = if wraps {
            s >= rule.night_end && e <= rule.night_start
        } else {
            s >= rule.night_end || e <= rule.night_start
        };
        if clear {
            return Duration::zero();
        }
    }
    let mut d = add_days(ls.date(), -1);
    let last = le.date();
    let mut sum = Duration::zero();
    while d <= last {
        let ns = at_local(tz, d, rule.night_start);
        let ne = at_local(tz, if wraps { add_days(d, 1) } else { d }, rule.night_end);
        let overlap = iv.end.min(ne) - iv.start.max(ns);
        if overlap > Duration::zero() {
            sum += overlap;
        }
        d = add_days(d, 1);
    }
    sum
}

/// `night_work` (Directive Arts. 2(3), 2(4), 8(a), 16(c); ArbZG §§2, 6(2);
/// WTR reg. 2, 6; C. trav. L3122-2, L3122-5, L3122-6): in each completed rolling
/// period of `weeks` ISO weeks (clipped to employment), a worker is a night worker
/// when the working days with at least 3 h (de: more than 2 h) of night time make at
/// least the pack's share (default 1/3) of their working days; a night worker's time
/// worked must not exceed 8 h per 24 h on average, the divisor being the period's
/// days minus one weekly rest day per week (Art. 16(c)); fr also at most 40 h a
/// week on average over the period (L3122-7).
pub fn night_work(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    merged: &[WorkInterval],
    days: &[WorkingDay],
    scope: &RuleScope,
    as_of: DateTime<Utc>,
) -> Vec<Finding> {
    let rule = &pack.night_work;
    let today = local_date(input.tz, as_of);
    let mut night_of: Vec<Option<bool>> = vec![None; days.len()];
    let mut out = Vec::new();
    for (_, first, end) in periods(input, scope, rule.weeks, true, NaiveDate::MIN) {
        if today < end {
            continue;
        }
        let ps = local_midnight(input.tz, first);
        let pe = local_midnight(input.tz, end);
        let lo = days.partition_point(|d| d.start < ps);
        let hi = days.partition_point(|d| d.start < pe);
        let period_days = &days[lo..hi];
        // Each working day is classified once, however many rolling periods hold it.
        let mut night_days = 0u64;
        for (k, d) in period_days.iter().enumerate() {
            let is_night = *night_of[lo + k].get_or_insert_with(|| {
                let night: Duration = merged[d.intervals.0..d.intervals.1]
                    .iter()
                    .map(|iv| night_time(input.tz, rule, *iv))
                    .sum();
                rule.night_day.reached(night)
            });
            night_days += u64::from(is_night);
        }
        let working = period_days.len() as u64;
        if night_days == 0
            || night_days * u64::from(rule.share_den) < working * u64::from(rule.share_num)
        {
            continue;
        }
        let weeks = (end - first).num_days() / 7;
        let divisor = (weeks * 6) as i32;
        let total = worked_between(merged, ps, pe);
        let window = Window::Dates {
            first,
            last: add_days(end, -1),
        };
        if let Some((per_week, reference)) = rule
            .per_week
            .filter(|(per_week, _)| total > *per_week * weeks as i32)
        {
            out.push(finding(
                input,
                RuleId::NightWork,
                "night_weekly",
                reference,
                window,
                None,
                Quantity::of(total / weeks as i32),
                Quantity::of(per_week),
                Severity::Violation,
            ));
        }
        if total > rule.per_day * divisor {
            out.push(finding(
                input,
                RuleId::NightWork,
                "night_average",
                rule.reference,
                window,
                None,
                Quantity::of(total / divisor),
                Quantity::of(rule.per_day),
                Severity::Violation,
            ));
        }
    }
    out
}

/// The statutory minimum of paid annual leave in half days for a year: weeks ×
/// working days per week (capped where the statute caps it), pro rata to the days
/// employed in the year, rounded down to a half day (only a certain shortfall is a
/// violation).
pub fn minimum_half_days(
    rule: &AnnualLeaveRule,
    ent: &AnnualEntitlement,
    employed_days: i64,
    year_days: i64,
) -> i64 {
    let wd = i64::from(ent.working_days_per_week.clamp(1, 7));
    // half days = 2 * tenths/10 * wd * employed/year
    let num = 2 * i64::from(rule.min_week_tenths) * wd * employed_days;
    let den = 10 * year_days.max(1);
    let mut min = num / den;
    if let Some(cap) = rule.max_days {
        min = min.min(2 * i64::from(cap) * employed_days / year_days.max(1));
    }
    min
}

/// `annual_leave` (Directive Art. 7, CJEU C-684/16; BUrlG §3; WTR reg. 13, 13A;
/// C. trav. L3141-3): a year's entitlement below the statutory minimum (see
/// [`minimum_half_days`]) is a violation; from the pack's check date on, an
/// entitlement of which more than the alert percentage is not yet taken or booked
/// (approved paid annual leave of the year) is an alert, the employer's cue to
/// tell the employee in time.
pub fn annual_leave(
    input: &EmployeeInput<'_>,
    pack: &RulePack,
    scope: &RuleScope,
    as_of: DateTime<Utc>,
) -> Vec<Finding> {
    let rule = &pack.annual_leave;
    let today = local_date(input.tz, as_of);
    let mut out = Vec::new();
    for ent in input.entitlements {
        let (Some(jan1), Some(dec31)) = (
            NaiveDate::from_ymd_opt(ent.year, 1, 1),
            NaiveDate::from_ymd_opt(ent.year, 12, 31),
        ) else {
            continue;
        };
        if dec31 < scope.first || jan1 > scope.last {
            continue;
        }
        let from = input.employed_from.map_or(jan1, |f| f.max(jan1));
        let to = input.employed_to.map_or(dec31, |t| t.min(dec31));
        if from > to {
            continue;
        }
        let employed = (to - from).num_days() + 1;
        let year_days = (dec31 - jan1).num_days() + 1;
        let window = Window::Dates {
            first: jan1,
            last: dec31,
        };
        let entitled = i64::from(ent.entitled_half_days);
        let min = minimum_half_days(rule, ent, employed, year_days);
        if entitled < min {
            out.push(finding(
                input,
                RuleId::AnnualLeave,
                "entitlement",
                rule.reference,
                window,
                None,
                Quantity::HalfDays(entitled),
                Quantity::HalfDays(min),
                Severity::Violation,
            ));
        }
        // A 29 February check date falls on 1 March in common years.
        let (month, day) = rule.check_month_day;
        let Some(check) = NaiveDate::from_ymd_opt(ent.year, month, day)
            .or_else(|| NaiveDate::from_ymd_opt(ent.year, month, day - 1)?.succ_opt())
        else {
            continue;
        };
        if today < check || check < from || check > to || entitled == 0 {
            continue;
        }
        let used: i64 = input
            .leave
            .iter()
            .filter(|l| l.kind == LeaveKind::PaidAnnual && l.date >= jan1 && l.date <= dec31)
            .map(|l| i64::from(l.half_days.min(2)))
            .sum();
        let unused = (entitled - used).max(0);
        let pct = i64::from(rule.unused_alert_percent);
        if unused * 100 > entitled * pct {
            out.push(finding(
                input,
                RuleId::AnnualLeave,
                "unused_share",
                rule.reference,
                window,
                None,
                Quantity::HalfDays(unused),
                Quantity::HalfDays(entitled * pct / 100),
                Severity::Warning,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::{Berlin, London, Paris};

    const TZ: Tz = Berlin;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(hh: u32, mm: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hh, mm, 0).unwrap()
    }

    /// Local Berlin instant.
    fn at(date: NaiveDate, hh: u32, mm: u32) -> DateTime<Utc> {
        at_local(TZ, date, t(hh, mm))
    }

    /// A worked interval from a local date and time, for `minutes`.
    fn iv(date: NaiveDate, hh: u32, mm: u32, minutes: i64) -> WorkInterval {
        let start = at(date, hh, mm);
        WorkInterval {
            start,
            end: start + Duration::minutes(minutes),
        }
    }

    /// A worked interval between two local wall-clock times (end on `end_date`).
    fn span(date: NaiveDate, s: (u32, u32), end_date: NaiveDate, e: (u32, u32)) -> WorkInterval {
        WorkInterval {
            start: at(date, s.0, s.1),
            end: at(end_date, e.0, e.1),
        }
    }

    fn input<'a>(ivs: &'a [WorkInterval]) -> EmployeeInput<'a> {
        EmployeeInput {
            employee: uuid::Uuid::nil(),
            tz: TZ,
            employed_from: None,
            employed_to: None,
            intervals: ivs,
            leave: &[],
            opt_outs: &[],
            entitlements: &[],
            contractual_daily: None,
        }
    }

    fn far() -> DateTime<Utc> {
        at(d(2030, 1, 1), 0, 0)
    }

    fn run(
        rule: RuleId,
        pack: &RulePack,
        inp: &EmployeeInput<'_>,
        as_of: DateTime<Utc>,
    ) -> Vec<Finding> {
        evaluate(
            inp,
            pack,
            &[RuleScope {
                rule,
                first: d(2020, 1, 1),
                last: d(2029, 12, 31),
            }],
            as_of,
        )
    }

    fn secs(q: Quantity) -> i64 {
        match q {
            Quantity::Seconds(s) => s,
            Quantity::HalfDays(h) => h,
        }
    }

    /// Mon 2026-03-02: an office day 09:00-12:30, 13:00-17:30 (8 h worked, 30 min break).
    fn office_week(monday: NaiveDate, days: i64) -> Vec<WorkInterval> {
        (0..days)
            .flat_map(|k| {
                let day = add_days(monday, k);
                [iv(day, 9, 0, 210), iv(day, 13, 0, 270)]
            })
            .collect()
    }

    const MON: (i32, u32, u32) = (2026, 3, 2);

    fn mon() -> NaiveDate {
        d(MON.0, MON.1, MON.2)
    }

    // -- daily_rest ---------------------------------------------------------

    #[test]
    fn daily_rest_table() {
        struct Case {
            name: &'static str,
            ivs: Vec<WorkInterval>,
            expected: Vec<(NaiveDate, i64)>,
        }
        let m = mon();
        let tue = add_days(m, 1);
        let cases = vec![
            Case {
                name: "a normal office week",
                ivs: office_week(m, 5),
                expected: vec![],
            },
            Case {
                name: "exactly 11 h of rest complies",
                ivs: vec![span(m, (8, 0), m, (20, 0)), span(tue, (7, 0), tue, (15, 0))],
                expected: vec![],
            },
            Case {
                name: "10 h 59 of rest is a violation",
                ivs: vec![span(m, (8, 0), m, (20, 1)), span(tue, (7, 0), tue, (15, 0))],
                expected: vec![(m, 10 * 3600 + 59 * 60)],
            },
            Case {
                name: "a late shift followed by an early one leaves 8 h",
                ivs: vec![
                    span(m, (14, 0), m, (22, 0)),
                    span(tue, (6, 0), tue, (14, 0)),
                ],
                expected: vec![(m, 8 * 3600)],
            },
            Case {
                name: "night shifts across midnight with 16 h between them comply",
                ivs: vec![
                    span(m, (22, 0), tue, (6, 0)),
                    span(tue, (22, 0), add_days(m, 2), (6, 0)),
                ],
                expected: vec![],
            },
            Case {
                name: "a 16 h shift leaves only 8 h of rest in its 24 hours",
                ivs: vec![
                    span(m, (6, 0), m, (22, 0)),
                    span(add_days(m, 3), (6, 0), add_days(m, 3), (10, 0)),
                ],
                expected: vec![(m, 8 * 3600)],
            },
            Case {
                name: "a split shift spanning 13 h complies",
                ivs: vec![
                    span(m, (6, 0), m, (10, 0)),
                    span(m, (16, 0), m, (19, 0)),
                    span(tue, (7, 0), tue, (10, 0)),
                ],
                expected: vec![],
            },
            Case {
                name: "a split shift spanning 14 h leaves only 10 h in the 24 hours from its start",
                ivs: vec![
                    span(m, (6, 0), m, (10, 0)),
                    span(m, (16, 0), m, (20, 0)),
                    span(tue, (7, 0), tue, (10, 0)),
                ],
                expected: vec![(m, 10 * 3600)],
            },
            Case {
                name: "eleven wall-clock hours across the spring DST change are ten real hours",
                ivs: vec![
                    span(d(2026, 3, 28), (12, 0), d(2026, 3, 28), (20, 0)),
                    span(d(2026, 3, 29), (7, 0), d(2026, 3, 29), (12, 0)),
                ],
                expected: vec![(d(2026, 3, 28), 10 * 3600)],
            },
            Case {
                name: "ten wall-clock hours across the autumn DST change are eleven real hours",
                ivs: vec![
                    span(d(2026, 10, 24), (13, 0), d(2026, 10, 24), (21, 0)),
                    span(d(2026, 10, 25), (7, 0), d(2026, 10, 25), (12, 0)),
                ],
                expected: vec![],
            },
            Case {
                name: "overlapping records are merged before measuring",
                ivs: vec![
                    span(m, (8, 0), m, (16, 0)),
                    span(m, (15, 0), m, (20, 0)),
                    span(tue, (7, 0), tue, (15, 0)),
                ],
                expected: vec![],
            },
        ];
        for c in cases {
            let inp = input(&c.ivs);
            let got: Vec<(NaiveDate, i64)> = run(RuleId::DailyRest, &RulePack::eu(), &inp, far())
                .into_iter()
                .map(|f| match f.window {
                    Window::Dates { first, .. } => (first, secs(f.measured)),
                })
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn daily_rest_reports_one_violation_per_short_rest_not_per_window() {
        let m = mon();
        // Two windows (starting 06:00 and 12:00) both see only the 22:00-06:00 rest.
        let ivs = vec![
            span(m, (6, 0), m, (10, 0)),
            span(m, (12, 0), m, (22, 0)),
            span(add_days(m, 1), (6, 0), add_days(m, 1), (10, 0)),
        ];
        let f = run(RuleId::DailyRest, &RulePack::eu(), &input(&ivs), far());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].reference, "Directive 2003/88/EC Art. 3");
        assert_eq!(
            f[0].identity(),
            format!(
                "{}/daily_rest/daily_rest/2026-03-02/violation",
                uuid::Uuid::nil()
            )
        );
    }

    // -- break --------------------------------------------------------------

    #[test]
    fn break_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            ivs: Vec<WorkInterval>,
            expected: Vec<(&'static str, i64, i64)>,
        }
        let m = mon();
        let tue = add_days(m, 1);
        let mn = |x: i64| x * 60;
        let cases = vec![
            Case {
                name: "eu: a normal office week",
                pack: RulePack::eu(),
                ivs: office_week(m, 5),
                expected: vec![],
            },
            Case {
                name: "eu: exactly 6 h without a break complies",
                pack: RulePack::eu(),
                ivs: vec![iv(m, 8, 0, 360)],
                expected: vec![],
            },
            Case {
                name: "eu: 6 h 01 without a break",
                pack: RulePack::eu(),
                ivs: vec![iv(m, 8, 0, 361)],
                expected: vec![("break", 0, mn(15))],
            },
            Case {
                name: "eu: a 15 min break suffices",
                pack: RulePack::eu(),
                ivs: vec![iv(m, 8, 0, 240), iv(m, 12, 15, 225)],
                expected: vec![],
            },
            Case {
                name: "eu: a 10 min pause is no break",
                pack: RulePack::eu(),
                ivs: vec![iv(m, 8, 0, 240), iv(m, 12, 10, 230)],
                expected: vec![("break", 0, mn(15))],
            },
            Case {
                name: "eu: a night shift across midnight without a break",
                pack: RulePack::eu(),
                ivs: vec![span(m, (22, 0), tue, (6, 0))],
                expected: vec![("break", 0, mn(15))],
            },
            Case {
                name: "eu: a night shift split at midnight is one working day",
                pack: RulePack::eu(),
                ivs: vec![
                    span(m, (22, 0), tue, (0, 0)),
                    span(tue, (0, 0), tue, (2, 0)),
                    span(tue, (2, 30), tue, (6, 0)),
                ],
                expected: vec![],
            },
            Case {
                name: "eu: 22:00-04:00 across the autumn DST change is 7 real hours",
                pack: RulePack::eu(),
                ivs: vec![span(d(2026, 10, 24), (22, 0), d(2026, 10, 25), (4, 0))],
                expected: vec![("break", 0, mn(15))],
            },
            Case {
                name: "eu: 22:00-05:00 across the spring DST change is 6 real hours",
                pack: RulePack::eu(),
                ivs: vec![span(d(2026, 3, 28), (22, 0), d(2026, 3, 29), (5, 0))],
                expected: vec![],
            },
            Case {
                name: "de: 8 h with 30 min complies",
                pack: RulePack::de(),
                ivs: vec![iv(m, 8, 0, 240), iv(m, 12, 30, 240)],
                expected: vec![],
            },
            Case {
                name: "de: 8 h with 20 min is short of 30",
                pack: RulePack::de(),
                ivs: vec![iv(m, 8, 0, 240), iv(m, 12, 20, 240)],
                expected: vec![("break", mn(20), mn(30))],
            },
            Case {
                name: "de: exactly 6 h without a break complies",
                pack: RulePack::de(),
                ivs: vec![iv(m, 8, 0, 360)],
                expected: vec![],
            },
            Case {
                name: "de: exactly 9 h with 30 min complies",
                pack: RulePack::de(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 30, 240)],
                expected: vec![],
            },
            Case {
                name: "de: 9 h 30 with 30 min is short of 45",
                pack: RulePack::de(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 30, 270)],
                expected: vec![("break", mn(30), mn(45))],
            },
            Case {
                name: "de: three 15 min blocks make 45",
                pack: RulePack::de(),
                ivs: vec![
                    iv(m, 8, 0, 180),
                    iv(m, 11, 15, 165),
                    iv(m, 14, 15, 165),
                    iv(m, 17, 15, 45),
                ],
                expected: vec![],
            },
            Case {
                name: "de: three 10 min pauses are no break",
                pack: RulePack::de(),
                ivs: vec![
                    iv(m, 8, 0, 120),
                    iv(m, 10, 10, 120),
                    iv(m, 12, 20, 120),
                    iv(m, 14, 30, 60),
                ],
                expected: vec![("break", 0, mn(30)), ("continuous", mn(450), mn(360))],
            },
            Case {
                name: "de: 6 h 30 in a row before the break",
                pack: RulePack::de(),
                ivs: vec![iv(m, 7, 0, 390), iv(m, 14, 0, 60)],
                expected: vec![("continuous", mn(390), mn(360))],
            },
            Case {
                name: "uk: 20 min uninterrupted complies",
                pack: RulePack::uk(),
                ivs: vec![iv(m, 8, 0, 240), iv(m, 12, 20, 220)],
                expected: vec![],
            },
            Case {
                name: "uk: two 15 min breaks are not 20 uninterrupted",
                pack: RulePack::uk(),
                ivs: vec![iv(m, 8, 0, 180), iv(m, 11, 15, 105), iv(m, 13, 15, 165)],
                expected: vec![("break", 0, mn(20))],
            },
            Case {
                name: "uk: exactly 6 h without a break complies",
                pack: RulePack::uk(),
                ivs: vec![iv(m, 8, 0, 360)],
                expected: vec![],
            },
            Case {
                name: "fr: exactly 6 h without a break is a violation",
                pack: RulePack::fr(),
                ivs: vec![iv(m, 8, 0, 360)],
                expected: vec![("break", 0, mn(20))],
            },
            Case {
                name: "fr: 5 h 59 without a break complies",
                pack: RulePack::fr(),
                ivs: vec![iv(m, 8, 0, 359)],
                expected: vec![],
            },
            Case {
                name: "fr: 20 min at 6 h complies",
                pack: RulePack::fr(),
                ivs: vec![iv(m, 8, 0, 180), iv(m, 11, 20, 180)],
                expected: vec![],
            },
        ];
        for c in cases {
            let got: Vec<(&str, i64, i64)> = run(RuleId::Break, &c.pack, &input(&c.ivs), far())
                .into_iter()
                .map(|f| (f.check, secs(f.measured), secs(f.limit)))
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    // -- daily_max ----------------------------------------------------------

    #[test]
    fn daily_max_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            ivs: Vec<WorkInterval>,
            expected: Vec<i64>,
        }
        let m = mon();
        let cases = vec![
            Case {
                name: "fr: exactly 10 h complies",
                pack: RulePack::fr(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 30, 300)],
                expected: vec![],
            },
            Case {
                name: "fr: 10 h 30 is over",
                pack: RulePack::fr(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 30, 330)],
                expected: vec![630 * 60],
            },
            Case {
                name: "de: exactly 10 h complies",
                pack: RulePack::de(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 45, 300)],
                expected: vec![],
            },
            Case {
                name: "de: 10 h 15 is over",
                pack: RulePack::de(),
                ivs: vec![iv(m, 7, 0, 300), iv(m, 12, 45, 315)],
                expected: vec![615 * 60],
            },
            Case {
                name: "eu: no daily maximum",
                pack: RulePack::eu(),
                ivs: vec![iv(m, 6, 0, 360), iv(m, 12, 30, 360)],
                expected: vec![],
            },
            Case {
                name: "uk: no daily maximum",
                pack: RulePack::uk(),
                ivs: vec![iv(m, 6, 0, 360), iv(m, 12, 30, 360)],
                expected: vec![],
            },
            Case {
                name: "fr: a normal office week",
                pack: RulePack::fr(),
                ivs: office_week(m, 5),
                expected: vec![],
            },
            Case {
                name: "fr: a late shift then an early one are two days of 8 h",
                pack: RulePack::fr(),
                ivs: vec![
                    span(m, (14, 0), m, (22, 0)),
                    span(add_days(m, 1), (6, 0), add_days(m, 1), (14, 0)),
                ],
                expected: vec![],
            },
            Case {
                name: "de: a late shift then an early one are 16 h in the Werktag (24 h from 14:00)",
                pack: RulePack::de(),
                ivs: vec![
                    span(m, (14, 0), m, (22, 0)),
                    span(add_days(m, 1), (6, 0), add_days(m, 1), (14, 0)),
                ],
                expected: vec![16 * 3600],
            },
            Case {
                name: "de: a split shift with a 6 h gap (two working days) is 11 h in the Werktag",
                pack: RulePack::de(),
                ivs: vec![iv(m, 6, 0, 360), iv(m, 18, 0, 300)],
                expected: vec![11 * 3600],
            },
            Case {
                name: "de: 8 h days at the same time every day stay 8 h (the next day starts 24 h later)",
                pack: RulePack::de(),
                ivs: office_week(m, 5),
                expected: vec![],
            },
            Case {
                name: "de: a split shift with a 4 h gap is one day of 11 h",
                pack: RulePack::de(),
                ivs: vec![iv(m, 6, 0, 300), iv(m, 15, 0, 360)],
                expected: vec![660 * 60],
            },
        ];
        for c in cases {
            let got: Vec<i64> = run(RuleId::DailyMax, &c.pack, &input(&c.ivs), far())
                .into_iter()
                .map(|f| secs(f.measured))
                .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    // -- weekly_rest --------------------------------------------------------

    #[test]
    fn the_week_of_a_mid_week_hire_has_its_rest_before_the_hire() {
        let m = mon();
        // Hired on Wednesday, works Wednesday to Sunday, then the next week Monday to Friday.
        let mut ivs = streak(add_days(m, 2), 5);
        ivs.extend(streak(add_days(m, 7), 5));
        let mut inp = input(&ivs);
        inp.employed_from = Some(add_days(m, 2));
        let got = run(RuleId::WeeklyRest, &RulePack::eu(), &inp, far());
        assert!(got.is_empty(), "{got:#?}");
        // Hired on Monday and working all seven days of the week: no rest in it.
        let ivs = streak(m, 7);
        let mut inp = input(&ivs);
        inp.employed_from = Some(m);
        let got = run(RuleId::WeeklyRest, &RulePack::eu(), &inp, far());
        assert_eq!(got.len(), 1, "{got:#?}");
    }

    /// Days worked 09:00-17:00 from `first` for `n` days.
    fn streak(first: NaiveDate, n: i64) -> Vec<WorkInterval> {
        (0..n).map(|k| iv(add_days(first, k), 9, 0, 480)).collect()
    }

    #[test]
    fn weekly_rest_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            ivs: Vec<WorkInterval>,
            expected: Vec<(NaiveDate, i64)>,
        }
        let m = mon();
        let prev = add_days(m, -7);
        let next = add_days(m, 7);
        let uk14 = {
            let mut p = RulePack::uk();
            p.weekly_rest.period = RestPeriod::Fortnight { anchor: m };
            p
        };
        let with = |mut a: Vec<WorkInterval>, b: Vec<WorkInterval>| {
            a.extend(b);
            a
        };
        let cases = vec![
            Case {
                name: "a normal office week",
                pack: RulePack::eu(),
                ivs: with(
                    office_week(prev, 5),
                    with(office_week(m, 5), office_week(next, 5)),
                ),
                expected: vec![],
            },
            Case {
                name: "six days with Sunday off: Saturday 17:00 to Monday 09:00 is 40 h",
                pack: RulePack::eu(),
                ivs: with(streak(prev, 6), with(streak(m, 6), streak(next, 6))),
                expected: vec![],
            },
            Case {
                name: "seven working days in a row filling the week: a rest from its last evening is not inside it",
                pack: RulePack::eu(),
                ivs: with(
                    streak(prev, 5),
                    with(streak(m, 7), streak(add_days(next, 1), 5)),
                ),
                // Best credit: the rest into Monday 09:00, 9 h inside + 11 h.
                expected: vec![(m, 20 * 3600)],
            },
            Case {
                name: "seven working days in a row across two weeks (Wednesday to Tuesday) comply",
                pack: RulePack::eu(),
                ivs: with(
                    streak(prev, 5),
                    with(streak(add_days(m, 2), 7), streak(add_days(next, 3), 3)),
                ),
                expected: vec![],
            },
            Case {
                name: "eight working days in a row leave the first week without rest",
                pack: RulePack::eu(),
                ivs: with(
                    streak(add_days(prev, 1), 4),
                    with(streak(m, 8), streak(add_days(next, 3), 3)),
                ),
                expected: vec![(m, 20 * 3600)],
            },
            Case {
                name: "twelve days in a row between rests at the start of one week and the end of the next comply",
                pack: RulePack::eu(),
                ivs: with(
                    streak(prev, 5),
                    (0..12)
                        .map(|k| iv(add_days(m, 1 + k), 11, 0, 360))
                        .collect(),
                ),
                expected: vec![],
            },
            Case {
                name: "exactly 35 h of rest complies",
                pack: RulePack::eu(),
                ivs: with(
                    streak(m, 5),
                    vec![
                        span(add_days(m, 5), (9, 0), add_days(m, 5), (22, 0)),
                        span(add_days(m, 7), (9, 0), add_days(m, 7), (12, 0)),
                    ],
                ),
                expected: vec![],
            },
            Case {
                name: "34 h of rest is short of 24 h + 11 h",
                pack: RulePack::eu(),
                ivs: with(
                    streak(m, 5),
                    vec![
                        span(add_days(m, 5), (9, 0), add_days(m, 5), (22, 0)),
                        span(add_days(m, 7), (8, 0), add_days(m, 7), (12, 0)),
                    ],
                ),
                expected: vec![(m, 34 * 3600)],
            },
            Case {
                name: "uk: the same 34 h is short too (reg. 11(7): the 24 h do not include the 11 h daily rest)",
                pack: RulePack::uk(),
                ivs: with(
                    streak(m, 5),
                    vec![
                        span(add_days(m, 5), (9, 0), add_days(m, 5), (22, 0)),
                        span(add_days(m, 7), (8, 0), add_days(m, 7), (12, 0)),
                    ],
                ),
                expected: vec![(m, 34 * 3600)],
            },
            Case {
                name: "uk: 35 h of rest complies",
                pack: RulePack::uk(),
                ivs: with(
                    streak(m, 5),
                    vec![
                        span(add_days(m, 5), (9, 0), add_days(m, 5), (21, 0)),
                        span(add_days(m, 7), (8, 0), add_days(m, 7), (12, 0)),
                    ],
                ),
                expected: vec![],
            },
            Case {
                name: "uk fortnight: no day off in week one but 48 h in week two complies",
                pack: uk14.clone(),
                ivs: with(streak(m, 12), streak(add_days(m, 14), 5)),
                expected: vec![],
            },
            Case {
                name: "uk fortnight: 13 days in a row fail both ways",
                pack: uk14,
                ivs: with(streak(m, 13), streak(add_days(m, 14), 5)),
                // The rest from Saturday 17:00 to Monday 09:00: 31 h inside the
                // fortnight and 9 h of joined daily rest, 40 h, one rest of 35 h
                // where two are needed (or one of 59 h).
                expected: vec![(m, 40 * 3600)],
            },
            Case {
                name: "a week with no work at all needs no rest of its own",
                pack: RulePack::eu(),
                ivs: with(office_week(prev, 5), office_week(next, 5)),
                expected: vec![],
            },
        ];
        for c in cases {
            let got: Vec<(NaiveDate, i64)> = evaluate(
                &input(&c.ivs),
                &c.pack,
                &[RuleScope {
                    rule: RuleId::WeeklyRest,
                    first: m,
                    last: add_days(m, 6),
                }],
                far(),
            )
            .into_iter()
            .map(|f| match f.window {
                Window::Dates { first, .. } => (first, secs(f.measured)),
            })
            .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    // -- weekly_average -----------------------------------------------------

    /// A week of `hours` worked, spread over Monday to Friday from 07:00.
    fn week_of(monday: NaiveDate, hours: i64) -> Vec<WorkInterval> {
        (0..5)
            .map(|k| iv(add_days(monday, k), 7, 0, hours * 12))
            .collect()
    }

    fn weeks(first: NaiveDate, hours: &[i64]) -> Vec<WorkInterval> {
        hours
            .iter()
            .enumerate()
            .flat_map(|(k, h)| week_of(add_days(first, 7 * k as i64), *h))
            .collect()
    }

    fn leave_weeks(first: NaiveDate, n: i64, kind: LeaveKind) -> Vec<LeaveDay> {
        (0..n * 7)
            .map(|k| LeaveDay {
                date: add_days(first, k),
                kind,
                half_days: 2,
            })
            .collect()
    }

    #[test]
    fn weekly_average_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            hours: Vec<i64>,
            leave: Vec<LeaveDay>,
            opt_outs: Vec<OptOut>,
            as_of: DateTime<Utc>,
            /// (first date, check, severity, measured seconds)
            expected: Vec<(NaiveDate, &'static str, Severity, i64)>,
        }
        let w0 = d(2026, 1, 5);
        let wk = |n: i64| add_days(w0, 7 * n);
        let after = at(wk(20), 0, 0);
        let mut one_heavy = vec![40; 17];
        one_heavy[8] = 70;
        let mut many_heavy = vec![40; 17];
        for h in many_heavy.iter_mut().take(13).skip(3) {
            *h = 60;
        }
        let mut leave_49 = vec![49; 17];
        let mut leave_52 = vec![52; 17];
        for k in 5..8 {
            leave_49[k] = 0;
            leave_52[k] = 0;
        }
        let fixed = |alert: bool| {
            let mut p = RulePack::eu();
            p.weekly_average.limits[0].rolling = false;
            p.weekly_average.limits[0].fixed_anchor = w0;
            if !alert {
                p.weekly_average.limits[0].alert_per_week = None;
            }
            p
        };
        let v = Severity::Violation;
        let cases = vec![
            Case {
                name: "a normal office history",
                pack: RulePack::eu(),
                hours: vec![40; 17],
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "exactly 48 h on average complies",
                pack: fixed(false),
                hours: vec![48; 17],
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "17 weeks with one heavy week comply",
                pack: fixed(false),
                hours: one_heavy.clone(),
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "17 weeks with ten 60 h weeks exceed 48 on average",
                pack: fixed(false),
                hours: many_heavy.clone(),
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                expected: vec![(w0, "avg_17w", v, (600 + 7 * 40) * 3600 / 17)],
            },
            Case {
                name: "a running period above 44 h so far is an alert",
                pack: fixed(true),
                hours: vec![46; 8],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(7), 6), 20, 0),
                expected: vec![(w0, "avg_17w", Severity::Warning, 46 * 3600)],
            },
            Case {
                name: "rolling: the running 17 weeks ending this week above 44 h so far is an alert",
                pack: RulePack::eu(),
                hours: vec![46; 8],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(7), 6), 20, 0),
                expected: vec![(w0, "avg_17w", Severity::Warning, 46 * 3600)],
            },
            Case {
                name: "the running average is that of the weeks so far, not diluted by the empty rest of this week",
                pack: RulePack::eu(),
                hours: vec![50; 3],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(3), 2), 10, 0),
                expected: vec![(w0, "avg_17w", Severity::Warning, 50 * 3600)],
            },
            Case {
                name: "a heavy week under way raises the running average before it ends",
                pack: RulePack::eu(),
                hours: vec![40, 40, 62],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(2), 6), 20, 0),
                expected: vec![(w0, "avg_17w", Severity::Warning, 142 * 3600 / 3)],
            },
            Case {
                name: "a running average of 44 h exactly is no alert",
                pack: RulePack::eu(),
                hours: vec![44; 3],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(3), 2), 10, 0),
                expected: vec![],
            },
            Case {
                name: "a running period that can no longer end under the limit is a violation",
                pack: fixed(true),
                hours: vec![70; 12],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(add_days(wk(11), 6), 20, 0),
                expected: vec![(w0, "avg_17w", v, 840 * 3600 / 17)],
            },
            Case {
                name: "three weeks of annual leave credited at 8 h keep 49 h weeks under the limit",
                pack: fixed(false),
                hours: leave_49,
                leave: leave_weeks(wk(5), 3, LeaveKind::PaidAnnual),
                opt_outs: vec![],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "annual leave does not dilute the average: 52 h weeks around it still exceed",
                pack: fixed(false),
                hours: leave_52.clone(),
                leave: leave_weeks(wk(5), 3, LeaveKind::PaidAnnual),
                opt_outs: vec![],
                as_of: after,
                expected: vec![(w0, "avg_17w", v, (14 * 52 + 3 * 40) * 3600 / 17)],
            },
            Case {
                name: "sick leave is credited like annual leave",
                pack: fixed(false),
                hours: leave_52.clone(),
                leave: leave_weeks(wk(5), 3, LeaveKind::Sick),
                opt_outs: vec![],
                as_of: after,
                expected: vec![(w0, "avg_17w", v, (14 * 52 + 3 * 40) * 3600 / 17)],
            },
            Case {
                name: "unpaid leave counts as zero hours",
                pack: fixed(false),
                hours: leave_52,
                leave: leave_weeks(wk(5), 3, LeaveKind::Other),
                opt_outs: vec![],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "uk: an employee opted out for the whole period gets no finding",
                pack: {
                    let mut p = RulePack::uk();
                    p.weekly_average.limits[0].rolling = false;
                    p.weekly_average.limits[0].fixed_anchor = w0;
                    p.weekly_average.limits[0].alert_per_week = None;
                    p
                },
                hours: many_heavy.clone(),
                leave: vec![],
                opt_outs: vec![OptOut {
                    from: d(2025, 12, 1),
                    until: None,
                }],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "uk: the weeks an opt-out was in force count at most 48 h, so a withdrawal late in the period keeps it lawful",
                pack: {
                    let mut p = RulePack::uk();
                    p.weekly_average.limits[0].rolling = false;
                    p.weekly_average.limits[0].fixed_anchor = w0;
                    p.weekly_average.limits[0].alert_per_week = None;
                    p
                },
                hours: many_heavy.clone(),
                leave: vec![],
                opt_outs: vec![OptOut {
                    from: d(2025, 12, 1),
                    until: Some(wk(10)),
                }],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "uk: the weeks after a withdrawal are measured again: eight 60 h weeks after it breach the average",
                pack: {
                    let mut p = RulePack::uk();
                    p.weekly_average.limits[0].rolling = false;
                    p.weekly_average.limits[0].fixed_anchor = w0;
                    p.weekly_average.limits[0].alert_per_week = None;
                    p
                },
                hours: vec![40, 40, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 40, 40, 40, 40],
                leave: vec![],
                opt_outs: vec![OptOut {
                    from: d(2025, 12, 1),
                    until: Some(wk(4)),
                }],
                as_of: after,
                expected: vec![(w0, "avg_17w", v, (120 + 2 * 48 + 8 * 60 + 4 * 40) * 3600 / 17)],
            },
            Case {
                name: "eu: an opt-out signed during heavy weeks spares the rolling periods that straddle the signature",
                pack: RulePack::eu(),
                hours: vec![40, 40, 40, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60],
                leave: vec![],
                opt_outs: vec![OptOut {
                    from: add_days(wk(4), 2),
                    until: None,
                }],
                as_of: after,
                expected: vec![],
            },
            Case {
                name: "eu: without the opt-out the same history breaches the average",
                pack: RulePack::eu(),
                hours: vec![40, 40, 40, 40, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60, 60],
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                // Every period holding more than 816 h: three clipped to the
                // hire (ending in weeks 14, 15, 16), those from weeks 1 to 3,
                // and the running one as an alert (48.75 h over its 16 weeks so far).
                expected: vec![
                    (w0, "avg_17w", v, (160 + 11 * 60) * 3600 / 17),
                    (w0, "avg_17w", v, (160 + 12 * 60) * 3600 / 17),
                    (w0, "avg_17w", v, (160 + 13 * 60) * 3600 / 17),
                    (wk(1), "avg_17w", v, (120 + 13 * 60) * 3600 / 17),
                    (wk(2), "avg_17w", v, (80 + 13 * 60) * 3600 / 17),
                    (wk(3), "avg_17w", v, (40 + 13 * 60) * 3600 / 17),
                    (wk(4), "avg_17w", Severity::Warning, 13 * 60 * 3600 / 16),
                ],
            },
            Case {
                name: "fr: the opt-out does not lift French limits",
                pack: {
                    let mut p = RulePack::fr();
                    p.weekly_average.limits.retain(|l| l.check == "week_48h");
                    p
                },
                hours: vec![40, 49, 48],
                leave: vec![],
                opt_outs: vec![OptOut {
                    from: d(2025, 12, 1),
                    until: None,
                }],
                as_of: after,
                expected: vec![(wk(1), "week_48h", v, 49 * 3600)],
            },
            Case {
                name: "fr: 45 h weeks exceed 44 h over 12 weeks but never 48 in one week",
                pack: {
                    let mut p = RulePack::fr();
                    for l in &mut p.weekly_average.limits {
                        l.rolling = false;
                        l.fixed_anchor = w0;
                        l.alert_per_week = None;
                    }
                    p
                },
                hours: vec![45; 12],
                leave: vec![],
                opt_outs: vec![],
                as_of: after,
                expected: vec![(w0, "avg_12w", v, 45 * 3600)],
            },
            Case {
                name: "de: 24 weeks of 50 h exceed 8 h per Werktag on average",
                pack: {
                    let mut p = RulePack::de();
                    p.weekly_average.limits[0].rolling = false;
                    p.weekly_average.limits[0].fixed_anchor = w0;
                    p
                },
                hours: vec![50; 24],
                leave: vec![],
                opt_outs: vec![],
                as_of: at(wk(30), 0, 0),
                expected: vec![(w0, "avg_24w", v, 50 * 3600)],
            },
        ];
        for c in cases {
            let ivs = weeks(w0, &c.hours);
            let mut inp = input(&ivs);
            inp.employed_from = Some(w0);
            inp.leave = &c.leave;
            inp.opt_outs = &c.opt_outs;
            let got: Vec<(NaiveDate, &str, Severity, i64)> = evaluate(
                &inp,
                &c.pack,
                &[RuleScope {
                    rule: RuleId::WeeklyAverage,
                    first: w0,
                    last: add_days(w0, 17 * 7 - 1),
                }],
                c.as_of,
            )
            .into_iter()
            .filter(|f| !(f.check == "avg_12w" && c.name.starts_with("fr: the opt")))
            .map(|f| match f.window {
                Window::Dates { first, .. } => (first, f.check, f.severity, secs(f.measured)),
            })
            .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    #[test]
    fn a_heavy_first_week_of_a_new_hire_is_no_breach_of_an_average_except_over_uk_weeks_employed() {
        let w0 = d(2026, 1, 5);
        let ivs = weeks(w0, &[60, 40, 40]);
        let mut inp = input(&ivs);
        inp.employed_from = Some(w0);
        let as_of = at(add_days(w0, 30 * 7), 0, 0);
        let scopes = [RuleScope {
            rule: RuleId::WeeklyAverage,
            first: w0,
            last: add_days(w0, 3 * 7 - 1),
        }];
        let eu = evaluate(&inp, &RulePack::eu(), &scopes, as_of);
        assert!(eu.is_empty(), "weeks before the hire count zero: {eu:#?}");
        // uk (reg. 4(4)): less than 17 weeks employed, the weeks employed.
        let uk = evaluate(&inp, &RulePack::uk(), &scopes, as_of);
        let measured: Vec<i64> = uk
            .iter()
            .filter(|f| f.severity == Severity::Violation)
            .map(|f| secs(f.measured))
            .collect();
        assert_eq!(measured, vec![60 * 3600, 50 * 3600], "{uk:#?}");
        // An opt-out signed on a mid-week hire date covers the hire week.
        let opt = [OptOut {
            from: add_days(w0, 2),
            until: None,
        }];
        inp.employed_from = Some(add_days(w0, 2));
        inp.opt_outs = &opt;
        let uk = evaluate(&inp, &RulePack::uk(), &scopes, as_of);
        assert!(uk.is_empty(), "opted out from the first day: {uk:#?}");
    }

    #[test]
    fn rolling_reference_periods_flag_every_17_week_run_over_the_limit_and_only_those() {
        let w0 = d(2026, 1, 5);
        let mut hours = vec![40; 30];
        for h in hours.iter_mut().take(15).skip(5) {
            *h = 60;
        }
        let ivs = weeks(w0, &hours);
        let mut inp = input(&ivs);
        inp.employed_from = Some(w0);
        let f = evaluate(
            &inp,
            &RulePack::eu(),
            &all_scopes(w0, add_days(w0, 30 * 7 - 1)),
            at(add_days(w0, 40 * 7), 0, 0),
        );
        let avg: Vec<&Finding> = f
            .iter()
            .filter(|f| f.rule == RuleId::WeeklyAverage)
            .collect();
        assert!(!avg.is_empty());
        for x in &avg {
            let Window::Dates { first, last } = x.window;
            let weeks = ((last - first).num_days() + 1) / 7;
            assert!(weeks <= 17, "{x:?}");
            assert!(secs(x.measured) > 48 * 3600, "{x:?}");
        }
        // The run of weeks 1..=17 holds all ten heavy weeks: 600 + 7 * 40 = 880 h.
        assert!(avg.iter().any(|x| x.window
            == Window::Dates {
                first: add_days(w0, 7),
                last: add_days(w0, 18 * 7 - 1)
            }));
        // A run holding at most 5 heavy weeks stays under (5 * 60 + 12 * 40 = 780 h).
        assert!(!avg.iter().any(
            |x| matches!(x.window, Window::Dates { first, .. } if first == add_days(w0, 10 * 7))
        ));
    }

    // -- night_work ---------------------------------------------------------

    #[test]
    fn night_time_counts_real_hours_across_dst() {
        let rule = RulePack::eu().night_work;
        struct Case {
            name: &'static str,
            iv: WorkInterval,
            expected: i64,
        }
        let cases = [
            Case {
                name: "22:00-06:00 holds 7 h of night",
                iv: span(mon(), (22, 0), add_days(mon(), 1), (6, 0)),
                expected: 7,
            },
            Case {
                name: "the autumn change adds an hour",
                iv: span(d(2026, 10, 24), (22, 0), d(2026, 10, 25), (6, 0)),
                expected: 8,
            },
            Case {
                name: "the spring change takes one",
                iv: span(d(2026, 3, 28), (22, 0), d(2026, 3, 29), (6, 0)),
                expected: 6,
            },
            Case {
                name: "an office day holds none",
                iv: iv(mon(), 9, 0, 480),
                expected: 0,
            },
            Case {
                name: "04:00-08:00 holds 2 h",
                iv: iv(mon(), 4, 0, 240),
                expected: 2,
            },
            Case {
                name: "06:00-14:00 starts as the night ends: none",
                iv: iv(mon(), 6, 0, 480),
                expected: 0,
            },
            Case {
                name: "15:00-23:00 ends as the night starts: none",
                iv: iv(mon(), 15, 0, 480),
                expected: 0,
            },
            Case {
                name: "05:00-13:00 holds 1 h",
                iv: iv(mon(), 5, 0, 480),
                expected: 1,
            },
            Case {
                name: "16:00-00:00 holds 1 h",
                iv: span(mon(), (16, 0), add_days(mon(), 1), (0, 0)),
                expected: 1,
            },
        ];
        for c in cases {
            assert_eq!(
                night_time(TZ, &rule, c.iv),
                Duration::hours(c.expected),
                "{}",
                c.name
            );
        }
        // A night that does not cross midnight (00:00-07:00).
        let mut early = rule;
        early.night_start = t(0, 0);
        early.night_end = t(7, 0);
        for (iv, expected) in [
            (iv(mon(), 8, 0, 480), 0),
            (iv(mon(), 15, 0, 540), 0),
            (iv(mon(), 3, 0, 300), 4),
            (span(mon(), (22, 0), add_days(mon(), 1), (2, 0)), 2),
        ] {
            assert_eq!(night_time(TZ, &early, iv), Duration::hours(expected), "{iv:?}");
        }
    }

    #[test]
    fn night_work_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            shift: (u32, i64),
            days_per_week: i64,
            expected: usize,
        }
        let cases = [
            Case {
                name: "five 8 h night shifts a week comply",
                pack: RulePack::eu(),
                shift: (22, 480),
                days_per_week: 5,
                expected: 0,
            },
            Case {
                name: "six 10 h night shifts a week exceed 8 h per 24 h",
                pack: RulePack::eu(),
                shift: (20, 600),
                days_per_week: 6,
                expected: 1,
            },
            Case {
                name: "six 10 h day shifts: not a night worker",
                pack: RulePack::eu(),
                shift: (7, 600),
                days_per_week: 6,
                expected: 0,
            },
            Case {
                name: "de: six 10 h nights over 4 weeks exceed 8 h per Werktag",
                pack: RulePack::de(),
                shift: (20, 600),
                days_per_week: 6,
                expected: 1,
            },
            Case {
                name: "de: five 8 h nights over 4 weeks comply",
                pack: RulePack::de(),
                shift: (22, 480),
                days_per_week: 5,
                expected: 0,
            },
        ];
        let w0 = d(2026, 1, 5);
        for c in cases {
            let ivs: Vec<WorkInterval> = (0..20)
                .flat_map(|w| (0..c.days_per_week).map(move |k| add_days(w0, 7 * w + k)))
                .map(|day| iv(day, c.shift.0, 0, c.shift.1))
                .collect();
            let mut inp = input(&ivs);
            inp.employed_from = Some(w0);
            let f = evaluate(
                &inp,
                &c.pack,
                &[RuleScope {
                    rule: RuleId::NightWork,
                    first: w0,
                    last: add_days(w0, 20 * 7 - 1),
                }],
                at(add_days(w0, 30 * 7), 0, 0),
            );
            // The first full reference period (eu 17 weeks, de 4 weeks) from the hire week.
            let window = Window::Dates {
                first: w0,
                last: add_days(w0, i64::from(c.pack.night_work.weeks) * 7 - 1),
            };
            let n = f.iter().filter(|x| x.window == window).count();
            assert_eq!(n, c.expected, "{}: {f:?}", c.name);
        }
    }

    // -- annual_leave -------------------------------------------------------

    #[test]
    fn annual_leave_table() {
        struct Case {
            name: &'static str,
            pack: RulePack,
            entitled_half_days: u32,
            wdpw: u8,
            employed_from: Option<NaiveDate>,
            taken_half_days: i64,
            as_of: NaiveDate,
            expected: Vec<(&'static str, i64, i64)>,
        }
        let cases = vec![
            Case {
                name: "20 days for a 5-day week comply",
                pack: RulePack::eu(),
                entitled_half_days: 40,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 30,
                as_of: d(2026, 12, 31),
                expected: vec![],
            },
            Case {
                name: "19.5 days for a 5-day week are short",
                pack: RulePack::eu(),
                entitled_half_days: 39,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 30,
                as_of: d(2026, 6, 1),
                expected: vec![("entitlement", 39, 40)],
            },
            Case {
                name: "16 days for a 4-day week comply",
                pack: RulePack::eu(),
                entitled_half_days: 32,
                wdpw: 4,
                employed_from: None,
                taken_half_days: 30,
                as_of: d(2026, 6, 1),
                expected: vec![],
            },
            Case {
                name: "hired on 1 July: 10 days comply",
                pack: RulePack::eu(),
                entitled_half_days: 20,
                wdpw: 5,
                employed_from: Some(d(2026, 7, 1)),
                taken_half_days: 20,
                as_of: d(2026, 12, 31),
                expected: vec![],
            },
            Case {
                name: "hired on 1 July: 9.5 days are short",
                pack: RulePack::eu(),
                entitled_half_days: 19,
                wdpw: 5,
                employed_from: Some(d(2026, 7, 1)),
                taken_half_days: 19,
                as_of: d(2026, 12, 31),
                expected: vec![("entitlement", 19, 20)],
            },
            Case {
                name: "uk: 5.6 weeks, 28 days for a 5-day week",
                pack: RulePack::uk(),
                entitled_half_days: 54,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 54,
                as_of: d(2026, 12, 31),
                expected: vec![("entitlement", 54, 56)],
            },
            Case {
                name: "uk: capped at 28 days for a 6-day week",
                pack: RulePack::uk(),
                entitled_half_days: 56,
                wdpw: 6,
                employed_from: None,
                taken_half_days: 56,
                as_of: d(2026, 12, 31),
                expected: vec![],
            },
            Case {
                name: "fr: 5 weeks, 25 days for a 5-day week",
                pack: RulePack::fr(),
                entitled_half_days: 48,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 48,
                as_of: d(2026, 12, 31),
                expected: vec![("entitlement", 48, 50)],
            },
            Case {
                name: "more than half unused on 1 October is an alert",
                pack: RulePack::eu(),
                entitled_half_days: 40,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 10,
                as_of: d(2026, 10, 1),
                expected: vec![("unused_share", 30, 20)],
            },
            Case {
                name: "before the check date there is no alert",
                pack: RulePack::eu(),
                entitled_half_days: 40,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 10,
                as_of: d(2026, 9, 30),
                expected: vec![],
            },
            Case {
                name: "a 29 February check date falls on 1 March in 2026",
                pack: {
                    let mut p = RulePack::eu();
                    p.annual_leave.check_month_day = (2, 29);
                    p
                },
                entitled_half_days: 40,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 0,
                as_of: d(2026, 3, 1),
                expected: vec![("unused_share", 40, 20)],
            },
            Case {
                name: "exactly half unused is no alert",
                pack: RulePack::eu(),
                entitled_half_days: 40,
                wdpw: 5,
                employed_from: None,
                taken_half_days: 20,
                as_of: d(2026, 10, 1),
                expected: vec![],
            },
        ];
        for c in cases {
            let leave: Vec<LeaveDay> = (0..c.taken_half_days)
                .map(|k| LeaveDay {
                    date: add_days(d(2026, 7, 6), k),
                    kind: LeaveKind::PaidAnnual,
                    half_days: 1,
                })
                .collect();
            let ents = [AnnualEntitlement {
                year: 2026,
                entitled_half_days: c.entitled_half_days,
                working_days_per_week: c.wdpw,
            }];
            let mut inp = input(&[]);
            inp.leave = &leave;
            inp.entitlements = &ents;
            inp.employed_from = c.employed_from;
            let got: Vec<(&str, i64, i64)> =
                run(RuleId::AnnualLeave, &c.pack, &inp, at(c.as_of, 12, 0))
                    .into_iter()
                    .map(|f| (f.check, secs(f.measured), secs(f.limit)))
                    .collect();
            assert_eq!(got, c.expected, "{}", c.name);
        }
    }

    // -- scopes, what-if, identity -----------------------------------------

    /// A messy year: office weeks, late/early pairs, long days, night shifts.
    fn messy_year() -> Vec<WorkInterval> {
        let w0 = d(2026, 1, 5);
        let mut v = Vec::new();
        for w in 0..52 {
            let m = add_days(w0, 7 * w);
            match w % 4 {
                0 => v.extend(office_week(m, 5)),
                1 => {
                    v.push(span(m, (14, 0), m, (22, 0)));
                    v.push(span(add_days(m, 1), (6, 0), add_days(m, 1), (17, 0)));
                    v.extend(streak(add_days(m, 2), 6));
                }
                2 => v.extend((0..6).map(|k| iv(add_days(m, k), 20, 0, 600))),
                _ => v.extend((0..5).map(|k| iv(add_days(m, k), 7, 0, 420))),
            }
        }
        v
    }

    #[test]
    fn the_data_range_of_a_scope_holds_everything_its_evaluation_reads() {
        // A messy year with four weeks off in June (a long rest), evaluated
        // per scope on what a loader returns for its data range (the
        // intervals overlapping it and the one on either side), must give
        // exactly what the whole history gives.
        let mut all: Vec<WorkInterval> = messy_year()
            .into_iter()
            .filter(|iv| !(iv.start >= at(d(2026, 6, 1), 0, 0) && iv.start < at(d(2026, 6, 29), 0, 0)))
            .collect();
        all.sort_by_key(|iv| iv.start);
        let as_of = at(d(2027, 3, 1), 0, 0);
        let mut fortnight = RulePack::eu();
        fortnight.weekly_rest.period = RestPeriod::Fortnight { anchor: d(2024, 1, 1) };
        let packs = [RulePack::eu(), RulePack::de(), RulePack::uk(), RulePack::fr(), fortnight];
        let scopes = [
            (d(2026, 3, 10), d(2026, 3, 12)),
            (d(2026, 5, 29), d(2026, 6, 29)),
            (d(2026, 6, 10), d(2026, 6, 10)),
            (d(2026, 1, 20), d(2026, 1, 26)),
            (d(2026, 11, 2), d(2026, 11, 4)),
        ];
        let key = |f: &Finding| (f.identity(), secs(f.measured));
        for pack in &packs {
            for rule in RuleId::ALL.into_iter().filter(|r| *r != RuleId::AnnualLeave) {
                for (first, last) in scopes {
                    let scope = [RuleScope { rule, first, last }];
                    let (from, to) = data_range(pack, TZ, &scope).unwrap();
                    let mut loaded: Vec<WorkInterval> =
                        all.iter().filter(|iv| iv.start < to && iv.end > from).copied().collect();
                    if let Some(b) = all.iter().filter(|iv| iv.end <= from).max_by_key(|iv| iv.start) {
                        loaded.insert(0, *b);
                    }
                    loaded.extend(all.iter().find(|iv| iv.start >= to).copied());
                    let mut whole = input(&all);
                    whole.employed_from = Some(d(2026, 1, 5));
                    let part = EmployeeInput { intervals: &loaded, ..whole.clone() };
                    let expected: Vec<_> = evaluate(&whole, pack, &scope, as_of).iter().map(key).collect();
                    let got: Vec<_> = evaluate(&part, pack, &scope, as_of).iter().map(key).collect();
                    assert_eq!(got, expected, "{:?} {rule:?} {first}..{last}", pack.code);
                }
            }
        }
    }

    #[test]
    fn evaluating_only_the_affected_scopes_gives_what_a_full_check_gives_there() {
        let base = messy_year();
        let mut inp = input(&base);
        inp.employed_from = Some(d(2026, 1, 5));
        let pack = RulePack::de();
        let as_of = at(d(2027, 3, 1), 0, 0);
        let changes = [
            iv(d(2026, 3, 14), 10, 0, 600),
            iv(d(2026, 6, 21), 1, 0, 120),
            iv(d(2026, 1, 24), 8, 0, 300),
        ];
        for change in changes {
            let merged = merge(&base);
            let scopes = affected_scopes(TZ, Change::Interval(change), neighbours(&merged, change));
            let mut after = base.clone();
            after.push(change);
            let changed = EmployeeInput {
                intervals: &after,
                ..inp.clone()
            };
            let full = evaluate(
                &changed,
                &pack,
                &all_scopes(d(2025, 12, 1), d(2027, 2, 1)),
                as_of,
            );
            let scoped = evaluate(&changed, &pack, &scopes, as_of);
            for s in &scopes {
                let a: Vec<String> = full
                    .iter()
                    .filter(|f| in_scope(s, f))
                    .map(Finding::identity)
                    .collect();
                let b: Vec<String> = scoped
                    .iter()
                    .filter(|f| in_scope(s, f))
                    .map(Finding::identity)
                    .collect();
                assert_eq!(a, b, "{change:?} {s:?}");
            }
            // Outside the scopes nothing changed.
            let before = evaluate(
                &inp,
                &pack,
                &all_scopes(d(2025, 12, 1), d(2027, 2, 1)),
                as_of,
            );
            let outside = |v: &[Finding]| -> Vec<String> {
                v.iter()
                    .filter(|f| !scopes.iter().any(|s| in_scope(s, f)))
                    .map(Finding::identity)
                    .collect()
            };
            assert_eq!(outside(&before), outside(&full), "{change:?}");
        }
    }

    #[test]
    fn a_changed_leave_day_re_evaluates_only_its_periods_and_gives_what_a_full_check_gives() {
        let w0 = d(2026, 1, 5);
        let mut hours = vec![50; 30];
        hours[10] = 0;
        let ivs = weeks(w0, &hours);
        let before_leave: Vec<LeaveDay> = vec![];
        let after_leave = leave_weeks(add_days(w0, 70), 1, LeaveKind::PaidAnnual);
        let mut inp = input(&ivs);
        inp.employed_from = Some(w0);
        let as_of = at(add_days(w0, 40 * 7), 0, 0);
        let pack = RulePack::eu();
        let all = all_scopes(w0, add_days(w0, 30 * 7));
        let old = evaluate(
            &EmployeeInput {
                leave: &before_leave,
                ..inp.clone()
            },
            &pack,
            &all,
            as_of,
        );
        let with = EmployeeInput {
            leave: &after_leave,
            ..inp.clone()
        };
        let new = evaluate(&with, &pack, &all, as_of);
        let scopes = affected_scopes(TZ, Change::Leave(add_days(w0, 72)), Neighbours::default());
        let scoped = evaluate(&with, &pack, &scopes, as_of);
        for s in &scopes {
            let a: Vec<String> = new
                .iter()
                .filter(|f| in_scope(s, f))
                .map(Finding::identity)
                .collect();
            let b: Vec<String> = scoped
                .iter()
                .filter(|f| in_scope(s, f))
                .map(Finding::identity)
                .collect();
            assert_eq!(a, b, "{s:?}");
        }
        let outside = |v: &[Finding]| -> Vec<String> {
            v.iter()
                .filter(|f| !scopes.iter().any(|s| in_scope(s, f)))
                .map(Finding::identity)
                .collect()
        };
        assert_eq!(outside(&old), outside(&new));
        assert_ne!(
            old, new,
            "crediting the leave week changes some 17-week averages"
        );
    }

    #[test]
    fn what_if_returns_only_what_planned_shifts_add() {
        let m = mon();
        // Existing: an office week plus one existing short rest on Tuesday night.
        let mut existing = office_week(m, 3);
        existing.push(span(add_days(m, 3), (9, 0), add_days(m, 3), (23, 0)));
        existing.push(span(add_days(m, 4), (7, 0), add_days(m, 4), (12, 0)));
        let inp = input(&existing);
        let planned = [
            span(add_days(m, 5), (14, 0), add_days(m, 5), (22, 0)),
            span(add_days(m, 6), (6, 0), add_days(m, 6), (14, 0)),
        ];
        let f = what_if(&inp, &RulePack::eu(), &planned, at(m, 0, 0));
        let rules: Vec<(RuleId, String)> = f.iter().map(|f| (f.rule, f.window.key())).collect();
        assert_eq!(
            rules,
            vec![
                (RuleId::DailyRest, "2026-03-07".to_owned()),
                (RuleId::Break, "2026-03-07".to_owned()),
                (RuleId::Break, "2026-03-08".to_owned()),
                // Seven days worked, the longest rest 26 h (Friday to Saturday).
                (RuleId::WeeklyRest, "2026-03-02..2026-03-08".to_owned()),
            ]
        );
        // The existing Thursday short rest is not repeated.
        assert!(!f.iter().any(|f| f.window == Window::day(add_days(m, 3))));
    }

    #[test]
    fn what_if_judges_a_plan_for_a_coming_week_as_if_that_week_were_over() {
        let m = mon();
        let inp = input(&[]);
        // fr: 50 h planned in one week, two weeks after `now`.
        let planned: Vec<WorkInterval> = (0..5).map(|k| iv(add_days(m, 14 + k), 7, 0, 600)).collect();
        let f = what_if(&inp, &RulePack::fr(), &planned, at(m, 0, 0));
        let week: Vec<(&str, i64)> = f
            .iter()
            .filter(|f| f.rule == RuleId::WeeklyAverage)
            .map(|f| (f.check, secs(f.measured)))
            .collect();
        assert_eq!(week, vec![("week_48h", 50 * 3600)], "{f:#?}");
        // eu: the same plan is no breach of a 17-week average.
        let f = what_if(&inp, &RulePack::eu(), &planned, at(m, 0, 0));
        assert!(!f.iter().any(|f| f.rule == RuleId::WeeklyAverage && f.severity == Severity::Violation), "{f:#?}");
    }

    #[test]
    fn the_same_history_evaluated_twice_gives_the_same_identities() {
        let base = messy_year();
        let inp = input(&base);
        let as_of = at(d(2027, 3, 1), 0, 0);
        let a: Vec<String> = evaluate(
            &inp,
            &RulePack::eu(),
            &all_scopes(d(2026, 1, 1), d(2026, 12, 31)),
            as_of,
        )
        .iter()
        .map(Finding::identity)
        .collect();
        let mut shuffled = base.clone();
        shuffled.reverse();
        let inp2 = input(&shuffled);
        let b: Vec<String> = evaluate(
            &inp2,
            &RulePack::eu(),
            &all_scopes(d(2026, 1, 1), d(2026, 12, 31)),
            as_of,
        )
        .iter()
        .map(Finding::identity)
        .collect();
        assert_eq!(a, b);
        let unique: HashSet<&String> = a.iter().collect();
        assert_eq!(unique.len(), a.len());
    }

    #[test]
    fn local_weeks_follow_the_employee_time_zone() {
        // Sunday 23:30 in Paris is already Monday in no zone west of it, but Monday 00:30 in Berlin is
        // still Sunday 23:30 in London: the same instant falls in different ISO weeks.
        let instant = at_local(Berlin, d(2026, 3, 9), t(0, 30));
        assert_eq!(monday_of(local_date(Berlin, instant)), d(2026, 3, 9));
        assert_eq!(monday_of(local_date(London, instant)), d(2026, 3, 2));
        assert_eq!(monday_of(local_date(Paris, instant)), d(2026, 3, 9));
    }
}
