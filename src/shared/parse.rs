//! Field parsers shared by the modules' query and body validation: each
//! pushes a [`FieldError`] naming the field and returns `None` on bad input,
//! so a handler reports every problem of a request at once.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};

use crate::error::FieldError;
use crate::shared::{EmployeeId, Page};

/// Parses a calendar date `YYYY-MM-DD`.
pub fn parse_date(
    field: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "invalid_date",
                "must be a date YYYY-MM-DD",
            ));
            None
        }
    }
}

/// Parses an RFC 3339 instant (any offset) into UTC.
pub fn parse_instant(
    field: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(raw.trim()) {
        // Microseconds, as stored: the rules judge what the database keeps.
        Ok(t) => Some(t.with_timezone(&Utc).trunc_subsecs(6)),
        Err(_) => {
            errors.push(FieldError::new(
                field,
                "invalid_instant",
                "must be an RFC 3339 date-time with an offset",
            ));
            None
        }
    }
}

/// Parses an employee id field.
pub fn parse_employee(
    field: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<EmployeeId> {
    match raw.trim().parse() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.push(FieldError::new(field, "invalid_id", "must be a UUID"));
            None
        }
    }
}

/// The optional `employee_id` and the page of a list query, reporting every
/// problem at once (the locks and correction-request lists).
pub fn employee_and_page(
    employee_id: Option<&str>,
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<(Option<EmployeeId>, Page), Vec<FieldError>> {
    let mut errors = Vec::new();
    let employee = employee_id.and_then(|e| parse_employee("employee_id", e, &mut errors));
    match Page::parse(limit, offset) {
        Ok(page) if errors.is_empty() => Ok((employee, page)),
        Ok(_) => Err(errors),
        Err(e) => {
            errors.extend(e);
            Err(errors)
        }
    }
}
