//! Leave module (issue 12), **rules layer only so far**: leave types' policies,
//! work calendars, counting a request in half days per leave year, overlap at
//! half-day granularity, entitlements without a job, the balance as a pure
//! function of the ledger and the open requests, carry-over and its expiry,
//! request validation, the decision state machine and cancellation with exact
//! reversals. Unit-tested without a database; definitions and choices in
//! `docs/leave-rules.md`. The module is not mounted yet: its actor, tables,
//! routes, events and its subscription to employee terminations come next.
//!
//! - Owns: no tables yet.
//! - Emits: nothing yet (`LEAVE_REQUESTED`, `LEAVE_APPROVED`, `LEAVE_REJECTED`,
//!   `LEAVE_CANCELLED`, `LEAVE_BALANCE_ADJUSTED` once mounted).
//! - Consumes: nothing yet (`EMPLOYEE_TERMINATED` once mounted).
//! - Actor messages: none yet.

pub mod balance;
pub mod calendar;
pub mod domain;
pub mod errors;
pub mod policy;
pub mod rules;
#[cfg(test)]
mod year_tests;
