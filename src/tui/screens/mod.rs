pub mod account;
pub mod admin;
pub mod gate;
pub mod inventory;
pub mod support;
