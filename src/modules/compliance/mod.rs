//! Compliance module (issue 14), **rules layer only so far**: working-time law
//! (Directive 2003/88/EC with the `eu`, `de`, `uk` and `fr` rule packs) as
//! plain functions over an employee's worked intervals and leave days, in
//! their time zone, unit-tested without a database. The module is not mounted
//! yet: its actor, its projection of attendance and leave events (an
//! in-process subscription), its tables, routes and events come next. The rule
//! definitions, their legal sources and the choices made are in
//! `docs/compliance-rules.md`.
//!
//! - Owns: no tables yet.
//! - Emits: nothing yet (`COMPLIANCE_VIOLATION`, `COMPLIANCE_ALERT`,
//!   `COMPLIANCE_CHECK_COMPLETED` once mounted).
//! - Consumes: nothing yet (`ATTENDANCE_*`, `LEAVE_*`, `EMPLOYEE_*` once mounted).
//! - Actor messages: none yet.

pub mod model;
pub mod pack;
pub mod rules;
