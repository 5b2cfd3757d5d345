pub mod account;
pub mod admin;
pub mod classes;
pub mod gate;
pub mod inventory;
