//! The business modules. Each has the same shape (routes, handlers, model, rules,
//! repository, actor, events, errors), owns its tables, and never touches another
//! module's tables.
//!
//! A module is mounted in one place: its folder declares a [`ModuleEntry`]
//! (`pub const MODULE`), and the `modules!` list below names it once. Start-up
//! walks that list: for each enabled module it calls `mount`, which starts the
//! module's actor and hands back what the application needs from it (its
//! routes); its OpenAPI fragment comes from the entry, so the served document
//! describes exactly what is mounted. What one module offers the others (actor
//! recipients of its public messages) it puts into the shared [`Handles`]; a
//! module that needs another's handle is listed after it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use actix_web::web;
use futures::future::LocalBoxFuture;

use crate::auth::TokenService;
use crate::config::{ModuleSettings, ModulesSettings, Settings};
use crate::db::Db;
use crate::metrics::Metrics;
use crate::outbox::Outbox;

/// Declares the modules, in mount order: one line per module.
macro_rules! modules {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*
        /// Every module of the binary, in mount order (a module that uses another's
        /// handle comes after it).
        pub const MODULES: &[&ModuleEntry] = &[$(&$name::MODULE),*];
    };
}

modules! {
    user,
    employee,
    leave,
    attendance,
    compliance,
}

/// What a module declares about itself, before anything is started.
pub struct ModuleEntry {
    /// Short name, as in the settings (`<NAME>_MODULE_ENABLED`) and the start-up log.
    pub name: &'static str,
    /// The module's switches.
    pub settings: fn(&ModulesSettings) -> &ModuleSettings,
    /// The module's part of the OpenAPI document (paths, tags, schemas).
    pub api: fn() -> utoipa::openapi::OpenApi,
    /// Starts the module (its actor, anything it must do before serving) and
    /// returns what the application mounts.
    pub mount: for<'a> fn(&'a ModuleDeps) -> LocalBoxFuture<'a, anyhow::Result<Module>>,
}

impl ModuleEntry {
    /// Whether the settings mount this module.
    pub fn enabled(&self, settings: &Settings) -> bool {
        (self.settings)(&settings.modules).enabled
    }
}

/// What every module may use to start.
#[derive(Clone)]
pub struct ModuleDeps {
    /// Settings in force.
    pub settings: Arc<Settings>,
    /// The database pool.
    pub db: Db,
    /// The outbox the module writes its events through.
    pub outbox: Outbox,
    /// Metrics registry.
    pub metrics: Metrics,
    /// Issues and verifies access tokens.
    pub tokens: Arc<TokenService>,
    /// Threads for a module actor's `SyncArbiter` (blocking database work).
    pub threads: usize,
    /// What mounted modules offer each other.
    pub handles: Handles,
}

/// Registers a module's routes and app data on each HTTP worker.
pub type RouteConfig = Arc<dyn Fn(&mut web::ServiceConfig) + Send + Sync>;

/// A mounted module.
pub struct Module {
    /// Its entry's name.
    pub name: &'static str,
    /// Its routes (and the app data its handlers extract).
    pub routes: RouteConfig,
    /// Background work to start once every enabled module is mounted, so that
    /// the events it writes find every module's subscriptions registered.
    pub background: Option<Box<dyn FnOnce()>>,
}

/// Typed handles modules offer each other (for example the employee module's
/// `Recipient<GetEmployeeFacts>`), one value per type. Cheap to clone.
#[derive(Clone, Default)]
pub struct Handles(Arc<RwLock<HashMap<TypeId, Box<dyn Any + Send + Sync>>>>);

impl Handles {
    /// Offers `value` to the modules mounted after this one.
    pub fn provide<T: Clone + Send + Sync + 'static>(&self, value: T) {
        if let Ok(mut map) = self.0.write() {
            map.insert(TypeId::of::<T>(), Box::new(value));
        }
    }

    /// The handle of type `T`, when a mounted module offers one.
    pub fn get<T: Clone + Send + Sync + 'static>(&self) -> Option<T> {
        let map = self.0.read().ok()?;
        map.get(&TypeId::of::<T>())?.downcast_ref::<T>().cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_give_back_what_was_provided_by_type() {
        let handles = Handles::default();
        assert_eq!(handles.get::<u32>(), None);
        handles.provide(7_u32);
        handles.provide("seven");
        assert_eq!(handles.get::<u32>(), Some(7));
        assert_eq!(handles.get::<&'static str>(), Some("seven"));
        assert_eq!(handles.get::<u64>(), None);
    }

    #[test]
    fn module_names_are_unique_and_match_their_settings() {
        let names: std::collections::BTreeSet<_> = MODULES.iter().map(|m| m.name).collect();
        assert_eq!(names.len(), MODULES.len());
    }
}
