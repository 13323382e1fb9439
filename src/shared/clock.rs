//! The one clock of the domain: every module takes "now" from here, at the
//! precision both backends store, so a response shows the timestamps a later
//! read does.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, Utc};

/// Now, at the precision both backends store (PostgreSQL keeps microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// [`now`] as the naive UTC value the tables hold.
pub fn now_naive() -> NaiveDateTime {
    now().naive_utc()
}

/// Today's date in UTC (validation windows such as "at most a year ahead").
pub fn today() -> NaiveDate {
    now().date_naive()
}
