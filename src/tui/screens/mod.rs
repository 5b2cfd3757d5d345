pub mod account;
pub mod admin;
pub mod bookings;
pub mod classes;
pub mod gate;
pub mod inventory;
pub mod support;
