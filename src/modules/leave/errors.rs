//! The leave rules' errors, one stable snake_case code per variant (the HTTP error code).

use chrono::NaiveDate;

use super::domain::{HalfDays, LeaveYear};

/// Why a leave rule refused something.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeaveError {
    // ---- policy, calendar and leave-year configuration (422) ----
    /// A leave type code is not 1 to 32 characters of `a-z`, `0-9`, `_`, starting with a letter.
    #[error(
        "the leave type code must be 1 to 32 characters of a-z, 0-9 and _, starting with a letter"
    )]
    InvalidLeaveTypeCode,
    /// A yearly allowance below zero.
    #[error("the yearly allowance must not be negative")]
    NegativeAllowance,
    /// A yearly allowance above 366 days.
    #[error("the yearly allowance must be at most 366 days")]
    AllowanceTooLarge,
    /// Carry-over, pro-rata or a negative limit on a type without a balance.
    #[error("{0} needs a yearly allowance")]
    RequiresAllowance(&'static str),
    /// A carry-over cap below zero.
    #[error("the carry-over cap must not be negative")]
    NegativeCarryOverCap,
    /// A negative balance limit below zero.
    #[error("the negative balance limit must not be negative")]
    NegativeBalanceLimit,
    /// A maximum of consecutive days of zero.
    #[error("the maximum of consecutive days must be at least 1")]
    InvalidMaxConsecutiveDays,
    /// A month and day that is not a date in every year (e.g. 30 February, 29 February).
    #[error("{0} must be a month and day that exists in every year")]
    InvalidMonthDay(&'static str),
    /// A window for past dates of zero days.
    #[error("the window for past dates must be at least 1 day")]
    InvalidPastWindow,
    /// A calendar without any working weekday.
    #[error("a work calendar needs at least one working weekday")]
    NoWorkingWeekdays,
    /// Two holidays on one date in one calendar.
    #[error("the calendar already has a holiday on {0}")]
    DuplicateHoliday(NaiveDate),
    /// A holiday name that is empty or longer than 100 characters.
    #[error("a holiday name must be 1 to 100 characters")]
    InvalidHolidayName,

    // ---- the request itself (422) ----
    /// The range ends before it starts, or its half days leave nothing (pm to am of one day).
    #[error("the date range ends before it starts")]
    InvalidRange,
    /// A range longer than [`super::rules::MAX_RANGE_DAYS`] calendar days.
    #[error("a request may span at most 731 calendar days")]
    RangeTooLong,
    /// `start_part` is `am` on a multi-day request, or `end_part` is `pm`.
    #[error(
        "start_part must be full or pm and end_part full or am (a one-day request may be am or pm)"
    )]
    InvalidDayPart,
    /// The range holds no day that counts for this type.
    #[error("the range holds no working day")]
    NoWorkingDays,
    /// A half day on a type that allows full days only.
    #[error("this leave type does not allow half days")]
    HalfDaysNotAllowed,
    /// The start is closer than the type's minimum notice.
    #[error("this leave type needs {required} days of notice; the request gives {given}")]
    InsufficientNotice {
        /// Days of notice the type needs.
        required: u32,
        /// Days between today and the start.
        given: i64,
    },
    /// The request (with adjoining requests of the type) is longer than the type allows.
    #[error("this leave type allows at most {max_days} consecutive days")]
    MaxConsecutiveDaysExceeded {
        /// The type's maximum, in days.
        max_days: u32,
        /// The consecutive run this request would make.
        requested: HalfDays,
    },
    /// Past dates are not allowed for this type, or not for this caller.
    #[error("this leave type does not allow past dates for this caller")]
    PastDatesNotAllowed,
    /// The start lies further back than the type's window for past dates.
    #[error("the start date may be no earlier than {earliest}")]
    PastDateTooFar {
        /// Earliest start accepted today.
        earliest: NaiveDate,
    },
    /// A date before the hire date or after the termination date.
    #[error("the dates lie outside the employment")]
    OutsideEmployment,
    /// The employee is terminated.
    #[error("the employee is terminated")]
    EmployeeTerminated,
    /// Not enough balance in one leave year (pending requests included).
    #[error("not enough balance in leave year {leave_year}")]
    InsufficientBalance {
        /// The leave year that lacks days.
        leave_year: LeaveYear,
        /// Units the request takes from that year.
        requested: HalfDays,
        /// Units available in that year before the request (after expiry of carried days).
        available: HalfDays,
    },
    /// Overlaps a pending or approved request of the same employee (409).
    #[error("the request overlaps another pending or approved request")]
    OverlappingRequest,

    // ---- decisions and cancellation ----
    /// Nobody approves or rejects their own request (403).
    #[error("nobody may decide their own request")]
    CannotDecideOwnRequest,
    /// The caller is not an approver at this step of the type's route (403).
    #[error("the caller may not decide this request at this step")]
    NotAllowedToDecide,
    /// The caller may not cancel this request (403).
    #[error("the caller may not cancel this request")]
    NotAllowedToCancel,
    /// The employee may not cancel approved leave that has started (403).
    #[error("approved leave that has started can only be cancelled by HR or the manager")]
    LeaveStarted,
    /// Approved leave that is over cannot be cancelled; correct it with an adjustment (409).
    #[error("the leave is over; correct the balance with an adjustment")]
    LeaveAlreadyTaken,
    /// Rejected and cancelled requests are final (409).
    #[error("the request is final")]
    RequestFinal,
    /// Approve or reject on a request that is not waiting for a decision (409).
    #[error("the request is not waiting for a decision")]
    RequestNotPending,
    /// A rejection without a reason (422).
    #[error("a rejection needs a reason of 1 to 2000 characters")]
    ReasonRequired,
    /// A note or reason with control or invisible characters, or without a
    /// visible one (422).
    #[error("the text contains control or invisible characters, or no visible character")]
    InvalidText,
}

impl LeaveError {
    /// The stable snake_case code (the HTTP error code).
    pub fn code(&self) -> &'static str {
        use LeaveError::*;
        match self {
            InvalidLeaveTypeCode => "invalid_leave_type_code",
            NegativeAllowance => "negative_allowance",
            AllowanceTooLarge => "allowance_too_large",
            RequiresAllowance(_) => "requires_allowance",
            NegativeCarryOverCap => "negative_carry_over_cap",
            NegativeBalanceLimit => "negative_balance_limit",
            InvalidMaxConsecutiveDays => "invalid_max_consecutive_days",
            InvalidMonthDay(_) => "invalid_month_day",
            InvalidPastWindow => "invalid_past_window",
            NoWorkingWeekdays => "no_working_weekdays",
            DuplicateHoliday(_) => "duplicate_holiday",
            InvalidHolidayName => "invalid_holiday_name",
            InvalidRange => "invalid_range",
            InvalidDayPart => "invalid_day_part",
            RangeTooLong => "range_too_long",
            NoWorkingDays => "no_working_days",
            HalfDaysNotAllowed => "half_days_not_allowed",
            InsufficientNotice { .. } => "insufficient_notice",
            MaxConsecutiveDaysExceeded { .. } => "max_consecutive_days_exceeded",
            PastDatesNotAllowed => "past_dates_not_allowed",
            PastDateTooFar { .. } => "past_date_too_far",
            OutsideEmployment => "outside_employment",
            EmployeeTerminated => "employee_terminated",
            InsufficientBalance { .. } => "insufficient_balance",
            OverlappingRequest => "overlapping_request",
            CannotDecideOwnRequest => "cannot_decide_own_request",
            NotAllowedToDecide => "not_allowed_to_decide",
            NotAllowedToCancel => "not_allowed_to_cancel",
            LeaveStarted => "leave_started",
            LeaveAlreadyTaken => "leave_already_taken",
            RequestFinal => "request_final",
            RequestNotPending => "request_not_pending",
            ReasonRequired => "reason_required",
            InvalidText => "invalid_text",
        }
    }

    /// The HTTP status the code maps to.
    pub fn http_status(&self) -> u16 {
        use LeaveError::*;
        match self {
            OverlappingRequest | LeaveAlreadyTaken | RequestFinal | RequestNotPending => 409,
            CannotDecideOwnRequest | NotAllowedToDecide | NotAllowedToCancel | LeaveStarted => 403,
            _ => 422,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_and_statuses_follow_the_issue() {
        let cases = [
            (LeaveError::InvalidRange, "invalid_range", 422),
            (LeaveError::NoWorkingDays, "no_working_days", 422),
            (LeaveError::OverlappingRequest, "overlapping_request", 409),
            (
                LeaveError::CannotDecideOwnRequest,
                "cannot_decide_own_request",
                403,
            ),
            (LeaveError::RequestFinal, "request_final", 409),
            (
                LeaveError::InsufficientNotice {
                    required: 1,
                    given: 0,
                },
                "insufficient_notice",
                422,
            ),
        ];
        for (err, code, status) in cases {
            assert_eq!(err.code(), code, "{err:?}");
            assert_eq!(err.http_status(), status, "{err:?}");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
    }
}

/// What can go wrong in the leave module (the rules' refusals and the rest).
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// A rule refused.
    #[error(transparent)]
    Rule(#[from] LeaveError),
    /// Fields are invalid.
    #[error("invalid leave data")]
    Validation(Vec<crate::error::FieldError>),
    /// No such leave type.
    #[error("leave type not found")]
    TypeNotFound,
    /// A type with this code exists.
    #[error("leave type code taken")]
    TypeCodeTaken,
    /// The caller may not do this.
    #[error("forbidden")]
    Forbidden(&'static str),
    /// A request or adjustment names a type that does not exist or is inactive.
    #[error("unknown leave type")]
    UnknownType,
    /// No such calendar.
    #[error("calendar not found")]
    CalendarNotFound,
    /// An assignment names a calendar that does not exist.
    #[error("unknown calendar")]
    UnknownCalendar,
    /// The default calendar cannot stop being the default by itself.
    #[error("default calendar required")]
    DefaultCalendarRequired,
    /// A note is too long.
    #[error("note too long")]
    NoteTooLong,
    /// A cancellation reason is too long.
    #[error("reason too long")]
    ReasonTooLong,
    /// No such request (or not visible).
    #[error("leave request not found")]
    RequestNotFound,
    /// No such employee (or not visible).
    #[error("employee not found")]
    EmployeeNotFound,
    /// Self-service without a linked employee record.
    #[error("account not linked to an employee")]
    NotLinked,
    /// An adjustment of a type without a balance.
    #[error("type without balance")]
    NoBalance,
    /// An adjustment of a year before the first accounted one.
    #[error("year not accounted")]
    YearNotAccounted(i32),
    /// An adjustment of zero days.
    #[error("zero adjustment")]
    ZeroAdjustment,
    /// Database or other internal failure.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<diesel::result::Error> for ModuleError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            // Leave type codes are the only natural key a caller chooses.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                ModuleError::TypeCodeTaken
            }
            other => ModuleError::Internal(anyhow::Error::new(other).context("leave query failed")),
        }
    }
}

impl From<ModuleError> for crate::error::AppError {
    fn from(err: ModuleError) -> Self {
        use crate::error::AppError;
        match err {
            ModuleError::Rule(rule) => {
                let status = actix_web::http::StatusCode::from_u16(rule.http_status())
                    .unwrap_or(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
                AppError::new(status, rule.code(), rule.to_string())
            }
            ModuleError::Validation(details) => AppError::validation(details),
            ModuleError::TypeNotFound => {
                AppError::not_found("leave_type_not_found", "no leave type with this code")
            }
            ModuleError::TypeCodeTaken => AppError::conflict(
                "leave_type_exists",
                "a leave type with this code already exists",
            ),
            ModuleError::Forbidden(message) => crate::auth::forbidden(message),
            ModuleError::UnknownType => AppError::unprocessable(
                "unknown_leave_type",
                "no active leave type with this code",
            ),
            ModuleError::CalendarNotFound => {
                AppError::not_found("calendar_not_found", "no work calendar with this id")
            }
            ModuleError::UnknownCalendar => {
                AppError::unprocessable("unknown_calendar", "no work calendar with this id")
            }
            ModuleError::DefaultCalendarRequired => AppError::conflict(
                "default_calendar_required",
                "one calendar is always the default: make another calendar the default instead",
            ),
            ModuleError::NoteTooLong => AppError::unprocessable(
                "note_too_long",
                format!("the note must be at most {} characters", super::model::NOTE_MAX),
            ),
            ModuleError::ReasonTooLong => AppError::unprocessable(
                "reason_too_long",
                format!("the reason must be at most {} characters", super::model::NOTE_MAX),
            ),
            ModuleError::RequestNotFound => AppError::not_found(
                "leave_request_not_found",
                "no leave request with this id that you may see",
            ),
            ModuleError::EmployeeNotFound => {
                AppError::not_found("employee_not_found", "employee not found")
            }
            ModuleError::NotLinked => AppError::not_found(
                "employee_not_found",
                "your account is not linked to an employee record",
            ),
            ModuleError::NoBalance => AppError::unprocessable(
                "leave_type_without_balance",
                "this leave type has no allowance, so it has no balance to adjust",
            ),
            ModuleError::YearNotAccounted(first) => AppError::unprocessable(
                "year_not_accounted",
                format!("the ledger accounts for leave years from {first} on"),
            ),
            ModuleError::ZeroAdjustment => {
                AppError::unprocessable("zero_adjustment", "an adjustment must change the balance")
            }
            ModuleError::Internal(e) => AppError::internal(e),
        }
    }
}
