//! The business modules. Each has the same shape (routes, handlers, model, rules,
//! repository, actor, events, errors), owns its tables, and never touches another
//! module's tables.

pub mod employee;
pub mod user;
