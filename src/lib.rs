//! labdeck: one console for teaching labs and small clouds. Layers, arrows pointing down:
//! cli → tui → engine → store → domain (see DESIGN.md).

pub mod admission;
pub mod cli;
mod cli_bookings;
mod cli_class;
mod cli_infra;
mod cli_keys;
mod cli_ops;
mod cli_secrets;
mod cli_serve;
pub mod cli_vm;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engine;
pub mod http;
pub mod logging;
pub mod mem;
pub mod paths;
pub mod pve;
pub mod ssh;
pub mod store;
pub mod tui;
