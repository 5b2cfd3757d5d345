//! Turning the database's double-booking guards into clear conflicts, and the per-device
//! lock PostgreSQL takes so concurrent bookers queue instead of racing.

use crate::store::StoreError;

/// What a refusal by the database's guards means, or `None` for any other error.
pub(super) fn refusal(e: &sqlx::Error) -> Option<&'static str> {
    let sqlx::Error::Database(db) = e else { return None };
    let msg = db.message();
    let code = db.code().unwrap_or_default();
    if msg.contains("booking overlaps maintenance") || db.constraint() == Some("bookings_maintenance") {
        Some("the device is in maintenance then")
    } else if msg.contains("booking slot out of capacity") || db.constraint() == Some("bookings_capacity") {
        Some("the device has no free slot then")
    } else if msg.contains("booking conflict") || code == "23P01" {
        Some("another booking holds the device then")
    } else if code == "40P01" || code == "40001" {
        Some("another booking was written at the same moment; try again")
    } else {
        None
    }
}

pub(super) fn map(e: sqlx::Error) -> StoreError {
    match refusal(&e) {
        Some(why) => StoreError::Conflict(why.to_string()),
        None => e.into(),
    }
}

/// Lock one device row for the rest of the transaction (PostgreSQL). SQLite's `BEGIN
/// IMMEDIATE` already makes the writer alone.
pub(super) const LOCK_DEVICE_PG: &str = "SELECT id FROM devices WHERE id = $1 FOR UPDATE";
