//! Types and rules with no I/O: roles and permissions, password and token rules,
//! login throttling, text sanitising. Everything above this layer calls in here to decide.

pub mod audit;
pub mod bookings;
pub mod classes;
pub mod inventory;
pub mod invitation;
pub mod password;
pub mod rbac;
pub mod role;
pub mod sanitize;
pub mod settings;
pub mod support;
pub mod throttle;
pub mod time;
pub mod user;

pub use rbac::{Action, Actor, Denied, Resource};
pub use role::Role;
