//! The only place that spawns tasks. Front doors (TUI, CLI, later SSH and HTTP) send
//! [`Command`]s and receive [`Event`]s; use cases run here against the store, with RBAC
//! decided by the domain layer before anything is written.

pub mod accounts;
pub mod admin;
mod auth;
pub mod bookings;
pub mod classes;
pub mod clusters;
pub mod command;
pub mod demo_sim;
mod error;
pub mod guard;
pub(crate) mod guests;
mod hub;
pub mod infra;
pub mod inventory;
pub mod poller;
mod push;
pub mod pve_map;
pub mod read;
pub mod records;
mod runtime;
mod session;
pub mod ssh_keys;
pub mod support;
pub mod topology;
pub mod visitor;

pub use auth::Hasher;
pub use command::{AccountOp, AdminOp, Command, Event, InventoryOp, Op, Reply, RequestId, Secret};
pub use error::{AppError, ErrorKind};
pub use guests::act as guests_act;
pub use guests::detail as guest_detail;
pub use hub::Hub;
pub use runtime::{Engine, EngineHandle, EngineOptions};

use crate::domain::audit::Source;
use crate::store::Store;

/// What every use case needs: the store, the password hasher, and where requests come from.
#[derive(Clone)]
pub struct Services {
    pub store: Store,
    pub hasher: Hasher,
    pub source: Source,
}

impl Services {
    pub fn new(store: Store, source: Source) -> Services {
        Services { store, hasher: Hasher::new(2), source }
    }

    /// Which database this runs on ("sqlite" or "postgres"), for the status bar.
    pub fn backend_name(&self) -> &'static str {
        self.store.backend().as_str()
    }
}
