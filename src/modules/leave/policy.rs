//! Leave type policies: what a type allows, its validation, and the shipped defaults.

use serde::{Deserialize, Serialize};

use super::domain::{HalfDays, MonthDay};
use super::errors::LeaveError;

/// Largest yearly allowance accepted (a whole leave year of days).
pub const MAX_ALLOWANCE: HalfDays = HalfDays::days(366);

/// Who may request dates before today.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "who")]
pub enum PastDates {
    /// Nobody: every request starts today or later.
    Nobody,
    /// HR and admin only (corrections, backfilling).
    HrOnly {
        /// How many days back the start may lie; `None` without limit.
        window_days: Option<u32>,
    },
    /// Anyone who may file the request (sick leave reported on return).
    Anyone {
        /// How many days back the start may lie; `None` without limit.
        window_days: Option<u32>,
    },
}

/// Who approves a request of the type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApprovalRoute {
    /// Approved on filing.
    None,
    /// The employee's current manager (or HR/admin).
    Manager,
    /// HR or admin.
    Hr,
    /// The manager, then HR (HR/admin may also decide at the manager's step).
    ManagerThenHr,
}

/// Carry-over of unused days into the next leave year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarryOver {
    /// Most units carried into the next leave year.
    pub cap: HalfDays,
    /// Last day (month and day inside the next leave year) on which carried days may be
    /// used; `None`: they never expire.
    pub expires: Option<MonthDay>,
}

/// A leave type's policy (the rule-relevant part of a leave type).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeavePolicy {
    /// Stable code, e.g. `annual`.
    pub code: String,
    /// Paid leave (for payroll; no rule depends on it).
    pub paid: bool,
    /// Yearly allowance; `None` for a type without a balance (no balance check).
    pub allowance: Option<HalfDays>,
    /// Whether requests may start or end with a half day.
    pub half_days_allowed: bool,
    /// Whether weekends and holidays inside a range count as leave days.
    pub counts_non_working_days: bool,
    /// Largest run of consecutive leave days of this type; `None` without limit.
    pub max_consecutive_days: Option<u32>,
    /// Calendar days between today and the start, at least.
    pub min_notice_days: u32,
    /// Who may request past dates.
    pub past_dates: PastDates,
    /// How far below zero `available` may go (default 0).
    pub negative_limit: HalfDays,
    /// Carry-over into the next leave year; `None`: unused days lapse at year end.
    pub carry_over: Option<CarryOver>,
    /// Pro-rata grant for employees hired or leaving during the year.
    pub pro_rata: bool,
    /// Who approves.
    pub approval: ApprovalRoute,
    /// A request of this type may be filed over pending or approved leave of types
    /// with a balance, which gives those days back (sickness during annual leave:
    /// the worker keeps the annual leave, CJEU C-277/08 Pereda, C-78/11 ANGED).
    #[serde(default)]
    pub interrupts_leave: bool,
}

impl LeavePolicy {
    /// Checks a policy for nonsense (each failure is a 422 with its code).
    pub fn validate(&self) -> Result<(), LeaveError> {
        let code_ok = (1..=32).contains(&self.code.len())
            && self.code.starts_with(|c: char| c.is_ascii_lowercase())
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(LeaveError::InvalidLeaveTypeCode);
        }
        match self.allowance {
            Some(a) if a < HalfDays::ZERO => return Err(LeaveError::NegativeAllowance),
            Some(a) if a > MAX_ALLOWANCE => return Err(LeaveError::AllowanceTooLarge),
            Some(_) => {}
            None => {
                if self.carry_over.is_some() {
                    return Err(LeaveError::RequiresAllowance("carry-over"));
                }
                if self.pro_rata {
                    return Err(LeaveError::RequiresAllowance("pro-rata"));
                }
                if self.negative_limit != HalfDays::ZERO {
                    return Err(LeaveError::RequiresAllowance("a negative balance limit"));
                }
            }
        }
        if let Some(c) = self.carry_over {
            if c.cap < HalfDays::ZERO {
                return Err(LeaveError::NegativeCarryOverCap);
            }
            // A deserialized expiry has not been through `MonthDay::new`.
            if let Some(md) = c.expires {
                MonthDay::new(md.month, md.day, "the carry-over expiry")?;
            }
        }
        if self.negative_limit < HalfDays::ZERO {
            return Err(LeaveError::NegativeBalanceLimit);
        }
        if self.max_consecutive_days == Some(0) {
            return Err(LeaveError::InvalidMaxConsecutiveDays);
        }
        if let PastDates::HrOnly {
            window_days: Some(0),
        }
        | PastDates::Anyone {
            window_days: Some(0),
        } = self.past_dates
        {
            return Err(LeaveError::InvalidPastWindow);
        }
        Ok(())
    }

    /// Shipped `annual`: 20 days (four weeks of a five-day week, the minimum of
    /// Directive 2003/88/EC Art. 7), half days, pro-rata, 5 days carried to 31 March,
    /// no notice minimum, past dates by HR only, manager approval.
    pub fn annual() -> Self {
        LeavePolicy {
            code: "annual".into(),
            paid: true,
            allowance: Some(HalfDays::days(20)),
            half_days_allowed: true,
            counts_non_working_days: false,
            max_consecutive_days: None,
            min_notice_days: 0,
            past_dates: PastDates::HrOnly { window_days: None },
            negative_limit: HalfDays::ZERO,
            carry_over: Some(CarryOver {
                cap: HalfDays::days(5),
                expires: Some(MonthDay { month: 3, day: 31 }),
            }),
            pro_rata: true,
            approval: ApprovalRoute::Manager,
            interrupts_leave: false,
        }
    }

    /// Shipped `sick`: no balance, paid, past dates for anyone within 30 days (reported
    /// on return), working days only, half days; auto-approved, because sickness is
    /// reported, not asked for (the manager is notified; no approver may refuse it).
    /// It interrupts annual leave: sick days inside approved annual leave go back to
    /// the annual balance.
    pub fn sick() -> Self {
        LeavePolicy {
            code: "sick".into(),
            paid: true,
            allowance: None,
            half_days_allowed: true,
            counts_non_working_days: false,
            max_consecutive_days: None,
            min_notice_days: 0,
            past_dates: PastDates::Anyone {
                window_days: Some(30),
            },
            negative_limit: HalfDays::ZERO,
            carry_over: None,
            pro_rata: false,
            approval: ApprovalRoute::None,
            interrupts_leave: true,
        }
    }

    /// Shipped `unpaid`: no balance, working days only, half days, manager approval.
    pub fn unpaid() -> Self {
        LeavePolicy {
            code: "unpaid".into(),
            paid: false,
            allowance: None,
            half_days_allowed: true,
            counts_non_working_days: false,
            max_consecutive_days: None,
            min_notice_days: 0,
            past_dates: PastDates::HrOnly { window_days: None },
            negative_limit: HalfDays::ZERO,
            carry_over: None,
            pro_rata: false,
            approval: ApprovalRoute::Manager,
            interrupts_leave: false,
        }
    }

    /// The shipped defaults: `annual`, `sick`, `unpaid`.
    pub fn defaults() -> Vec<LeavePolicy> {
        vec![Self::annual(), Self::sick(), Self::unpaid()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_defaults_are_valid_and_annual_meets_the_eu_minimum() {
        for p in LeavePolicy::defaults() {
            assert_eq!(p.validate(), Ok(()), "{}", p.code);
        }
        let a = LeavePolicy::annual();
        assert_eq!(a.allowance, Some(HalfDays(40)));
        assert_eq!(
            a.carry_over.map(|c| c.cap),
            Some(HalfDays::days(5)),
            "five days carried"
        );
        assert_eq!(LeavePolicy::sick().allowance, None);
        assert_eq!(LeavePolicy::sick().approval, ApprovalRoute::None);
        assert_eq!(LeavePolicy::unpaid().approval, ApprovalRoute::Manager);
    }

    #[test]
    fn nonsense_policies_are_refused_with_their_code() {
        struct Case {
            name: &'static str,
            change: fn(&mut LeavePolicy),
            code: &'static str,
        }
        let cases = [
            Case {
                name: "negative allowance",
                change: |p| p.allowance = Some(HalfDays(-2)),
                code: "negative_allowance",
            },
            Case {
                name: "allowance over a year",
                change: |p| p.allowance = Some(HalfDays::days(367)),
                code: "allowance_too_large",
            },
            Case {
                name: "carry-over cap without allowance",
                change: |p| {
                    p.allowance = None;
                    p.pro_rata = false;
                },
                code: "requires_allowance",
            },
            Case {
                name: "pro-rata without allowance",
                change: |p| {
                    p.allowance = None;
                    p.carry_over = None;
                },
                code: "requires_allowance",
            },
            Case {
                name: "negative limit without allowance",
                change: |p| {
                    p.allowance = None;
                    p.carry_over = None;
                    p.pro_rata = false;
                    p.negative_limit = HalfDays(2);
                },
                code: "requires_allowance",
            },
            Case {
                name: "negative carry-over cap",
                change: |p| {
                    p.carry_over = Some(CarryOver {
                        cap: HalfDays(-1),
                        expires: None,
                    })
                },
                code: "negative_carry_over_cap",
            },
            Case {
                name: "an expiry on 29 February",
                change: |p| {
                    p.carry_over = Some(CarryOver {
                        cap: HalfDays(2),
                        expires: Some(MonthDay { month: 2, day: 29 }),
                    })
                },
                code: "invalid_month_day",
            },
            Case {
                name: "negative balance limit below zero",
                change: |p| p.negative_limit = HalfDays(-1),
                code: "negative_balance_limit",
            },
            Case {
                name: "zero consecutive days",
                change: |p| p.max_consecutive_days = Some(0),
                code: "invalid_max_consecutive_days",
            },
            Case {
                name: "a zero-day past window",
                change: |p| {
                    p.past_dates = PastDates::Anyone {
                        window_days: Some(0),
                    }
                },
                code: "invalid_past_window",
            },
            Case {
                name: "an upper-case code",
                change: |p| p.code = "Annual".into(),
                code: "invalid_leave_type_code",
            },
            Case {
                name: "an empty code",
                change: |p| p.code = String::new(),
                code: "invalid_leave_type_code",
            },
        ];
        for c in cases {
            let mut p = LeavePolicy::annual();
            (c.change)(&mut p);
            assert_eq!(
                p.validate().map_err(|e| e.code()),
                Err(c.code),
                "{}",
                c.name
            );
        }
    }
}
