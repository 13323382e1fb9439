//! Rule packs as data: every threshold of every rule with its legal reference.
//! `eu` (Directive 2003/88/EC) is the default; `de`, `uk` and `fr` are presets.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::domain::ComplianceError;

/// A duration threshold, reached strictly (`> at`) or inclusively (`>= at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Threshold {
    /// The boundary.
    pub at: Duration,
    /// Whether exactly `at` already reaches the threshold.
    pub inclusive: bool,
}

impl Threshold {
    /// `> at`.
    pub const fn over(at: Duration) -> Threshold {
        Threshold {
            at,
            inclusive: false,
        }
    }

    /// `>= at`.
    pub const fn from(at: Duration) -> Threshold {
        Threshold {
            at,
            inclusive: true,
        }
    }

    /// Whether `d` reaches the threshold.
    pub fn reached(&self, d: Duration) -> bool {
        if self.inclusive {
            d >= self.at
        } else {
            d > self.at
        }
    }
}

/// Which pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PackCode {
    /// Directive 2003/88/EC minimums.
    Eu,
    /// Germany: Arbeitszeitgesetz, Bundesurlaubsgesetz.
    De,
    /// United Kingdom: Working Time Regulations 1998.
    Uk,
    /// France: Code du travail.
    Fr,
}

/// Daily rest (Art. 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyRestRule {
    /// Minimum consecutive rest in every 24 hours (exactly the minimum complies).
    pub min: Duration,
    /// Legal reference.
    pub reference: &'static str,
}

/// One tier of the break rule: once worked time reaches `when`, qualifying breaks
/// must total at least `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakTier {
    /// Worked time of the day that triggers the tier.
    pub when: Threshold,
    /// Required total of qualifying breaks.
    pub total: Duration,
    /// Legal reference.
    pub reference: &'static str,
}

/// Breaks (Art. 4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakRule {
    /// Tiers, ascending; the highest reached applies.
    pub tiers: Vec<BreakTier>,
    /// A gap counts as a break only from this length (ArbZG §4: 15 min; uk/fr: the
    /// whole break uninterrupted, so the full duration).
    pub min_block: Duration,
    /// Longest run of work without a qualifying break (ArbZG §4 sentence 3: 6 h).
    pub max_continuous: Option<(Duration, &'static str)>,
}

/// Which periods weekly rest is counted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestPeriod {
    /// Each ISO week (Monday 00:00 local).
    Week,
    /// Each 14-day period of two ISO weeks, counted from the Monday `anchor`.
    Fortnight {
        /// A Monday starting one of the fortnights.
        anchor: NaiveDate,
    },
}

/// Weekly rest (Arts. 5, 16(a)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyRestRule {
    /// Uninterrupted rest required per 7-day period (eu: 24 h + 11 h = 35 h).
    pub min_week: Duration,
    /// Periods counted over.
    pub period: RestPeriod,
    /// Per 14 days: two separate rests of at least this long ...
    pub fortnight_each: Duration,
    /// ... or one of at least this long.
    pub fortnight_single: Duration,
    /// Legal reference.
    pub reference: &'static str,
}

/// One average (or weekly) working-time limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AverageLimit {
    /// Check name in the finding's identity (`avg_17w`, `week_48h`).
    pub check: &'static str,
    /// Limit of the average per 7 days.
    pub per_week: Duration,
    /// Reference period in weeks (1 = each single week).
    pub weeks: u32,
    /// Rolling (every run of `weeks` consecutive ISO weeks) or fixed periods.
    pub rolling: bool,
    /// A Monday starting one of the fixed periods (ignored when rolling).
    pub fixed_anchor: NaiveDate,
    /// Alert when a running period's average so far exceeds this.
    pub alert_per_week: Option<Duration>,
    /// Whether a written opt-out lifts this limit.
    pub opt_out_applies: bool,
    /// Whether a worker employed for less than the reference period is
    /// measured over the weeks employed (uk, WTR reg. 4(4)) rather than over
    /// the whole period with the weeks before the hire at zero hours.
    pub clip_to_employment: bool,
    /// Legal reference.
    pub reference: &'static str,
}

/// Average weekly working time (Arts. 6, 16(b), 22).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeeklyAverageRule {
    /// Limits (e.g. fr: 48 h in a week and 44 h over 12 weeks).
    pub limits: Vec<AverageLimit>,
    /// Hours credited for a paid annual or sick leave day on a working day.
    pub contractual_daily: Duration,
    /// Working weekdays for crediting leave (Monday = 0).
    pub working_weekdays: [bool; 7],
}

/// Night work (Arts. 2(3), 2(4), 8, 16(c)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NightWorkRule {
    /// Local start of night time.
    pub night_start: NaiveTime,
    /// Local end of night time (before the start: across midnight).
    pub night_end: NaiveTime,
    /// Night time worked in a working day that makes it a night-work day.
    pub night_day: Threshold,
    /// A worker is a night worker in a period when night-work days make at least
    /// `share_num / share_den` of their working days.
    pub share_num: u32,
    /// See `share_num`.
    pub share_den: u32,
    /// Limit of the average per 24 hours.
    pub per_day: Duration,
    /// Reference period in weeks (rolling).
    pub weeks: u32,
    /// Legal reference.
    pub reference: &'static str,
    /// A night worker's weekly average limit over the same period, where national law
    /// has one (C. trav. L3122-7: 40 h over 12 weeks), with its reference.
    pub per_week: Option<(Duration, &'static str)>,
}

/// Paid annual leave (Art. 7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualLeaveRule {
    /// Minimum entitlement in tenths of a week of the employee's working days (40 = 4 weeks).
    pub min_week_tenths: u32,
    /// Cap in days, if the statute has one (WTR reg. 13A(3): 28 days).
    pub max_days: Option<u32>,
    /// Date of the year (month, day) of the unused-leave check.
    pub check_month_day: (u32, u32),
    /// Alert when more than this percentage of the entitlement is unused at the check date.
    pub unused_alert_percent: u32,
    /// Legal reference.
    pub reference: &'static str,
}

/// Daily maximum working time of a working day (national law).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyMaxRule {
    /// Worked time of one working day above which it is a violation.
    pub max: Duration,
    /// Also count the work in the 24 hours from the working day's start (de:
    /// the Werktag of ArbZG §3 is the 24 hours from the start of work, so a
    /// late shift and the next early one, or a split shift, add up).
    pub within_24h: bool,
    /// Legal reference.
    pub reference: &'static str,
}

/// A rule pack: every threshold as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulePack {
    /// Which pack.
    pub code: PackCode,
    /// Daily rest.
    pub daily_rest: DailyRestRule,
    /// Breaks.
    pub breaks: BreakRule,
    /// Weekly rest.
    pub weekly_rest: WeeklyRestRule,
    /// Weekly limits.
    pub weekly_average: WeeklyAverageRule,
    /// Night work.
    pub night_work: NightWorkRule,
    /// Annual leave.
    pub annual_leave: AnnualLeaveRule,
    /// Daily maximum, where the pack has one.
    pub daily_max: Option<DailyMaxRule>,
    /// A gap at least this long (and at most the daily rest) ends a working day, so
    /// the short rest between a late and an early shift is neither a break nor part
    /// of one long day.
    pub day_gap: Duration,
}

const fn h(n: i64) -> Duration {
    Duration::hours(n)
}

const fn m(n: i64) -> Duration {
    Duration::minutes(n)
}

fn time(hh: u32, mm: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN)
}

fn monday_2024() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or(NaiveDate::MIN)
}

const MON_FRI: [bool; 7] = [true, true, true, true, true, false, false];

impl RulePack {
    /// The pack for a code.
    pub fn preset(code: PackCode) -> RulePack {
        match code {
            PackCode::Eu => RulePack::eu(),
            PackCode::De => RulePack::de(),
            PackCode::Uk => RulePack::uk(),
            PackCode::Fr => RulePack::fr(),
        }
    }

    /// Directive 2003/88/EC minimums (the default pack).
    pub fn eu() -> RulePack {
        RulePack {
            code: PackCode::Eu,
            daily_rest: DailyRestRule {
                min: h(11),
                reference: "Directive 2003/88/EC Art. 3",
            },
            breaks: BreakRule {
                tiers: vec![BreakTier {
                    when: Threshold::over(h(6)),
                    total: m(15),
                    reference: "Directive 2003/88/EC Art. 4",
                }],
                min_block: m(15),
                max_continuous: None,
            },
            weekly_rest: WeeklyRestRule {
                min_week: h(35),
                period: RestPeriod::Week,
                fortnight_each: h(35),
                fortnight_single: h(59),
                reference: "Directive 2003/88/EC Arts. 5, 16(a); CJEU C-477/21, C-306/16",
            },
            weekly_average: WeeklyAverageRule {
                limits: vec![AverageLimit {
                    check: "avg_17w",
                    per_week: h(48),
                    weeks: 17,
                    rolling: true,
                    fixed_anchor: monday_2024(),
                    alert_per_week: Some(h(44)),
                    opt_out_applies: true,
                    clip_to_employment: false,
                    reference: "Directive 2003/88/EC Arts. 6(b), 16(b), 22",
                }],
                contractual_daily: h(8),
                working_weekdays: MON_FRI,
            },
            night_work: NightWorkRule {
                night_start: time(23, 0),
                night_end: time(6, 0),
                night_day: Threshold::from(h(3)),
                share_num: 1,
                share_den: 3,
                per_day: h(8),
                weeks: 17,
                reference: "Directive 2003/88/EC Arts. 2(3), 2(4), 8(a), 16(c)",
                per_week: None,
            },
            annual_leave: AnnualLeaveRule {
                min_week_tenths: 40,
                max_days: None,
                check_month_day: (10, 1),
                unused_alert_percent: 50,
                reference: "Directive 2003/88/EC Art. 7; CJEU C-684/16",
            },
            daily_max: None,
            day_gap: h(6),
        }
    }

    /// Germany: Arbeitszeitgesetz (ArbZG) and Bundesurlaubsgesetz (BUrlG).
    pub fn de() -> RulePack {
        let eu = RulePack::eu();
        RulePack {
            code: PackCode::De,
            daily_rest: DailyRestRule {
                min: h(11),
                reference: "ArbZG §5(1)",
            },
            breaks: BreakRule {
                tiers: vec![
                    BreakTier {
                        when: Threshold::over(h(6)),
                        total: m(30),
                        reference: "ArbZG §4 sentence 1 (more than 6 up to 9 hours: 30 min)",
                    },
                    BreakTier {
                        when: Threshold::over(h(9)),
                        total: m(45),
                        reference: "ArbZG §4 sentence 1 (more than 9 hours: 45 min)",
                    },
                ],
                min_block: m(15),
                max_continuous: Some((
                    h(6),
                    "ArbZG §4 sentence 3 (no more than 6 hours in a row without a break)",
                )),
            },
            weekly_rest: WeeklyRestRule {
                reference:
                    "Directive 2003/88/EC Art. 5 (ArbZG §§9, 11(4): Sunday rest plus §5 rest)",
                ..eu.weekly_rest
            },
            weekly_average: WeeklyAverageRule {
                limits: vec![AverageLimit {
                    check: "avg_24w",
                    // 8 h on each of 6 Werktage (Mon-Sat) = 48 h per week on average.
                    per_week: h(48),
                    weeks: 24,
                    rolling: true,
                    fixed_anchor: monday_2024(),
                    alert_per_week: Some(h(44)),
                    opt_out_applies: false,
                    clip_to_employment: false,
                    reference: "ArbZG §3 sentence 2 (8 h per Werktag on average over 24 weeks)",
                }],
                ..eu.weekly_average
            },
            night_work: NightWorkRule {
                night_day: Threshold::over(h(2)),
                weeks: 4,
                reference: "ArbZG §2(3)-(5), §6(2) (8 h per Werktag on average over 4 weeks)",
                ..eu.night_work
            },
            annual_leave: AnnualLeaveRule {
                // 24 Werktage of a 6-day week = 4 weeks.
                reference: "BUrlG §3(1) (24 Werktage); Directive 2003/88/EC Art. 7; CJEU C-684/16",
                ..eu.annual_leave
            },
            daily_max: Some(DailyMaxRule {
                max: h(10),
                within_24h: true,
                reference: "ArbZG §3 (8 h, up to 10 h if averaged; the Werktag: 24 h from the start of work)",
            }),
            day_gap: h(6),
        }
    }

    /// United Kingdom: Working Time Regulations 1998 (SI 1998/1833).
    pub fn uk() -> RulePack {
        let eu = RulePack::eu();
        RulePack {
            code: PackCode::Uk,
            daily_rest: DailyRestRule {
                min: h(11),
                reference: "WTR 1998 reg. 10(1)",
            },
            breaks: BreakRule {
                tiers: vec![BreakTier {
                    when: Threshold::over(h(6)),
                    total: m(20),
                    reference: "WTR 1998 reg. 12(1), (3)",
                }],
                min_block: m(20),
                max_continuous: None,
            },
            // reg. 11(7): the weekly rest does not include the daily rest of
            // reg. 10(1) (unless objectively justified, which data cannot show).
            weekly_rest: WeeklyRestRule {
                reference: "WTR 1998 reg. 11(1), (2), (7) (24 h, plus the 11 h of reg. 10(1))",
                ..eu.weekly_rest
            },
            weekly_average: WeeklyAverageRule {
                limits: vec![AverageLimit {
                    check: "avg_17w",
                    alert_per_week: Some(h(44)),
                    // reg. 4(4): less than 17 weeks employed, the weeks employed.
                    clip_to_employment: true,
                    reference: "WTR 1998 reg. 4(1), (3)(b), (4), 5 (opt-out)",
                    ..eu.weekly_average.limits[0].clone()
                }],
                ..eu.weekly_average
            },
            night_work: NightWorkRule {
                reference: "WTR 1998 reg. 2(1) (night time, night worker), 6(1), (3), (5)",
                ..eu.night_work
            },
            annual_leave: AnnualLeaveRule {
                min_week_tenths: 56,
                max_days: Some(28),
                reference: "WTR 1998 reg. 13(1) (4 weeks), 13A (1.6 weeks, at most 28 days)",
                ..eu.annual_leave
            },
            daily_max: None,
            day_gap: h(6),
        }
    }

    /// France: Code du travail.
    pub fn fr() -> RulePack {
        let eu = RulePack::eu();
        RulePack {
            code: PackCode::Fr,
            daily_rest: DailyRestRule {
                min: h(11),
                reference: "Code du travail L3131-1",
            },
            breaks: BreakRule {
                tiers: vec![BreakTier {
                    when: Threshold::from(h(6)),
                    total: m(20),
                    reference:
                        "Code du travail L3121-16 (20 consecutive minutes once the day reaches 6 h)",
                }],
                min_block: m(20),
                max_continuous: None,
            },
            weekly_rest: WeeklyRestRule {
                reference: "Code du travail L3132-2 (24 h + the 11 h of L3131-1)",
                ..eu.weekly_rest
            },
            weekly_average: WeeklyAverageRule {
                limits: vec![
                    AverageLimit {
                        check: "week_48h",
                        per_week: h(48),
                        weeks: 1,
                        rolling: true,
                        fixed_anchor: monday_2024(),
                        alert_per_week: None,
                        opt_out_applies: false,
                        clip_to_employment: false,
                        reference: "Code du travail L3121-20 (48 h in one week)",
                    },
                    AverageLimit {
                        check: "avg_12w",
                        per_week: h(44),
                        weeks: 12,
                        rolling: true,
                        fixed_anchor: monday_2024(),
                        alert_per_week: Some(h(42)),
                        opt_out_applies: false,
                        clip_to_employment: false,
                        reference: "Code du travail L3121-22 (44 h over any 12 consecutive weeks)",
                    },
                ],
                ..eu.weekly_average
            },
            night_work: NightWorkRule {
                night_start: time(21, 0),
                night_end: time(6, 0),
                weeks: 12,
                reference: "Code du travail L3122-2, L3122-5, L3122-6; Directive 2003/88/EC Art. 8",
                per_week: Some((h(40), "Code du travail L3122-7 (40 h over 12 weeks)")),
                ..eu.night_work
            },
            annual_leave: AnnualLeaveRule {
                // 30 jours ouvrables of a 6-day week = 5 weeks.
                min_week_tenths: 50,
                reference: "Code du travail L3141-3 (2.5 jours ouvrables per month, 30 a year)",
                ..eu.annual_leave
            },
            daily_max: Some(DailyMaxRule {
                max: h(10),
                within_24h: false,
                reference: "Code du travail L3121-18",
            }),
            day_gap: h(6),
        }
    }

    /// Checks the pack's thresholds: night time at least 7 h including 00:00–05:00
    /// (Art. 2(3)), non-zero reference periods and shares.
    pub fn validate(&self) -> Result<(), ComplianceError> {
        let n = &self.night_work;
        let five = time(5, 0);
        let (len, covers) = if n.night_start > n.night_end {
            let len = (time(23, 59) - n.night_start)
                + Duration::minutes(1)
                + (n.night_end - NaiveTime::MIN);
            (len, n.night_end >= five)
        } else {
            (
                n.night_end - n.night_start,
                n.night_start == NaiveTime::MIN && n.night_end >= five,
            )
        };
        if len < h(7) || !covers {
            return Err(ComplianceError::InvalidNightPeriod);
        }
        if n.weeks == 0 || n.share_den == 0 || n.share_num > n.share_den {
            return Err(ComplianceError::InvalidThreshold("night_work"));
        }
        if self.weekly_average.limits.iter().any(|l| l.weeks == 0) {
            return Err(ComplianceError::InvalidThreshold("weekly_average.weeks"));
        }
        if self.daily_rest.min <= Duration::zero() || self.daily_rest.min > h(24) {
            return Err(ComplianceError::InvalidThreshold("daily_rest.min"));
        }
        if self.day_gap <= Duration::zero() {
            return Err(ComplianceError::InvalidThreshold("day_gap"));
        }
        if self.annual_leave.unused_alert_percent > 100 {
            return Err(ComplianceError::InvalidThreshold(
                "annual_leave.unused_alert_percent",
            ));
        }
        Ok(())
    }
}

/// The pack the settings select, with their overrides applied (0 or empty keeps
/// the pack's value), validated: a bad setting stops start-up with its name.
pub fn from_settings(s: &crate::config::ComplianceSettings) -> Result<RulePack, String> {
    let code = match s.rule_pack.trim() {
        "eu" => PackCode::Eu,
        "de" => PackCode::De,
        "uk" => PackCode::Uk,
        "fr" => PackCode::Fr,
        other => return Err(format!("rule_pack must be eu, de, uk or fr, not {other:?}")),
    };
    let mut p = RulePack::preset(code);
    if s.daily_rest_minutes > 0 {
        p.daily_rest.min = m(i64::from(s.daily_rest_minutes));
    }
    if s.break_minutes > 0 {
        let minutes = m(i64::from(s.break_minutes));
        if let Some(t) = p.breaks.tiers.first_mut() {
            // Where the pack wants the whole break uninterrupted (uk, fr) it
            // still does; elsewhere a break shorter than the smallest block
            // (15 minutes) must be able to count.
            p.breaks.min_block = if p.breaks.min_block == t.total {
                minutes
            } else {
                p.breaks.min_block.min(minutes)
            };
            t.total = minutes;
        }
    }
    // The overrides apply to the averaged limits (fr's 48 h in one week stays).
    for l in p.weekly_average.limits.iter_mut().filter(|l| l.weeks > 1) {
        if s.weekly_limit_hours > 0 {
            l.per_week = h(i64::from(s.weekly_limit_hours));
        }
        if s.weekly_alert_hours > 0 {
            l.alert_per_week = Some(h(i64::from(s.weekly_alert_hours)));
        }
        if s.reference_weeks > 0 {
            l.weeks = s.reference_weeks;
        }
        if s.reference_fixed {
            l.rolling = false;
        }
        if l.alert_per_week.is_some_and(|a| a > l.per_week) {
            return Err("weekly_alert_hours must not exceed the weekly limit".to_owned());
        }
    }
    if s.reference_weeks > 52 {
        return Err("reference_weeks must be at most 52 (Art. 19)".to_owned());
    }
    if s.weekly_rest_fortnight {
        p.weekly_rest.period = RestPeriod::Fortnight {
            anchor: monday_2024(),
        };
    }
    let clock = |name: &str, raw: &str| {
        NaiveTime::parse_from_str(raw.trim(), "%H:%M")
            .map_err(|_| format!("{name} must be a time HH:MM, not {raw:?}"))
    };
    if !s.night_start.trim().is_empty() {
        p.night_work.night_start = clock("night_start", &s.night_start)?;
    }
    if !s.night_end.trim().is_empty() {
        p.night_work.night_end = clock("night_end", &s.night_end)?;
    }
    let check_date = s.unused_leave_check_date.trim();
    if !check_date.is_empty() {
        // Validated against a leap year, so 02-29 is accepted (it falls on
        // 1 March in other years: see `annual_leave`).
        let d = NaiveDate::parse_from_str(&format!("2024-{check_date}"), "%Y-%m-%d")
            .map_err(|_| {
                format!("unused_leave_check_date must be a date of the year MM-DD, not {check_date:?}")
            })?;
        p.annual_leave.check_month_day = (d.month(), d.day());
    }
    if s.unused_leave_alert_percent > 0 {
        p.annual_leave.unused_alert_percent = s.unused_leave_alert_percent;
    }
    p.validate().map_err(|e| e.to_string())?;
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid() {
        for code in [PackCode::Eu, PackCode::De, PackCode::Uk, PackCode::Fr] {
            assert_eq!(RulePack::preset(code).validate(), Ok(()), "{code:?}");
        }
    }

    #[test]
    fn night_periods_shorter_than_seven_hours_or_missing_midnight_to_five_are_refused() {
        struct Case {
            name: &'static str,
            start: (u32, u32),
            end: (u32, u32),
            ok: bool,
        }
        let cases = [
            Case {
                name: "23-06 default",
                start: (23, 0),
                end: (6, 0),
                ok: true,
            },
            Case {
                name: "22-05 seven hours",
                start: (22, 0),
                end: (5, 0),
                ok: true,
            },
            Case {
                name: "00-07 seven hours from midnight",
                start: (0, 0),
                end: (7, 0),
                ok: true,
            },
            Case {
                name: "23-05 six hours",
                start: (23, 0),
                end: (5, 0),
                ok: false,
            },
            Case {
                name: "22-04 misses 04-05",
                start: (22, 0),
                end: (4, 0),
                ok: false,
            },
            Case {
                name: "01-09 misses 00-01",
                start: (1, 0),
                end: (9, 0),
                ok: false,
            },
        ];
        for c in cases {
            let mut p = RulePack::eu();
            p.night_work.night_start = time(c.start.0, c.start.1);
            p.night_work.night_end = time(c.end.0, c.end.1);
            assert_eq!(p.validate().is_ok(), c.ok, "{}", c.name);
        }
    }

    #[test]
    fn thresholds_tell_strict_from_inclusive() {
        assert!(!Threshold::over(h(6)).reached(h(6)));
        assert!(Threshold::over(h(6)).reached(h(6) + Duration::seconds(1)));
        assert!(Threshold::from(h(6)).reached(h(6)));
    }

    #[test]
    fn the_unused_leave_check_date_and_share_come_from_settings_and_bad_ones_are_refused() {
        let with = |date: &str, pct: u32| {
            from_settings(&crate::config::ComplianceSettings {
                unused_leave_check_date: date.to_owned(),
                unused_leave_alert_percent: pct,
                ..Default::default()
            })
        };
        let p = with("", 0).expect("defaults");
        assert_eq!(p.annual_leave.check_month_day, (10, 1));
        assert_eq!(p.annual_leave.unused_alert_percent, 50);
        let p = with("09-15", 25).expect("overrides");
        assert_eq!(p.annual_leave.check_month_day, (9, 15));
        assert_eq!(p.annual_leave.unused_alert_percent, 25);
        let p = with("02-29", 0).expect("leap day");
        assert_eq!(p.annual_leave.check_month_day, (2, 29));
        for bad in ["13-01", "02-30", "1 October", "10/01"] {
            assert!(with(bad, 0).is_err(), "{bad}");
        }
        assert!(with("", 101).is_err());
    }
}
