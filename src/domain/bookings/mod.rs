//! Seed 003's device scheduler rules, with no I/O: half-open intervals, capacity slots,
//! maintenance, the latest end an extension may reach, free-slot search, weekly recurrence,
//! approval limits, and the iCalendar/CSV writers used by the screen and the CLI.

pub mod approval;
pub mod csv;
pub mod health;
pub mod ical;
pub mod recurrence;
pub mod slots;
pub mod topology;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The longest single booking. Bounding it lets a conflict check scan only the bookings that
/// start within this span before the window, so its cost does not grow with history.
pub const MAX_BOOKING: Duration = Duration::days(31);
/// The shortest booking: anything shorter is a typo.
pub const MIN_BOOKING: Duration = Duration::minutes(5);

/// A half-open time range `[start, end)` in UTC: 10:00–11:00 and 11:00–12:00 do not overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Interval {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("a booking must end after it starts")]
    Empty,
    #[error("a booking lasts at least {} minutes", MIN_BOOKING.num_minutes())]
    TooShort,
    #[error("a booking lasts at most {} days", MAX_BOOKING.num_days())]
    TooLong,
    #[error("pick at least one device")]
    NoDevices,
    #[error("{0}")]
    Invalid(String),
}

impl Interval {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Interval, RuleError> {
        if end <= start {
            return Err(RuleError::Empty);
        }
        Ok(Interval { start, end })
    }

    /// Check it is a bookable length.
    pub fn bookable(self) -> Result<Interval, RuleError> {
        let len = self.end - self.start;
        if len < MIN_BOOKING {
            Err(RuleError::TooShort)
        } else if len > MAX_BOOKING {
            Err(RuleError::TooLong)
        } else {
            Ok(self)
        }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        self.start <= t && t < self.end
    }

    pub fn duration(&self) -> Duration {
        self.end - self.start
    }
}

string_enum!(BookingStatus { Pending => "pending", Approved => "approved", Rejected => "rejected", Cancelled => "cancelled" });
string_enum!(DeviceStatus { Available => "available", Maintenance => "maintenance", Offline => "offline", Faulty => "faulty" });
string_enum!(Health { Healthy => "healthy", Warning => "warning", Critical => "critical", Unknown => "unknown" });
string_enum!(ReviewStatus { Submitted => "submitted", Approved => "approved", Rejected => "rejected" });

impl BookingStatus {
    /// Pending and approved bookings hold their slot; the others are history.
    pub fn is_active(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Approved)
    }
}

/// A booking that already ended is history: it can no longer be cancelled.
pub fn may_cancel(at: Interval, now: DateTime<Utc>) -> Result<(), RuleError> {
    if at.end <= now {
        Err(RuleError::Invalid("this booking already ended; it stays as history and cannot be cancelled".into()))
    } else {
        Ok(())
    }
}

impl DeviceStatus {
    /// Only an available device takes new bookings.
    pub fn bookable(self) -> bool {
        self == DeviceStatus::Available
    }
}

/// An active booking of one device, as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub slot: i64,
    pub at: Interval,
}

/// Why a device cannot take a booking in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Blocker {
    /// Every slot is held by an overlapping booking (the first of them is named).
    Full {
        by: Interval,
    },
    Maintenance(Interval),
    Unavailable(DeviceStatus),
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hm = |t: DateTime<Utc>| t.format("%Y-%m-%d %H:%M");
        match self {
            Blocker::Full { by } => write!(f, "booked {}–{} UTC", hm(by.start), by.end.format("%H:%M")),
            Blocker::Maintenance(m) => write!(f, "maintenance {}–{} UTC", hm(m.start), hm(m.end)),
            Blocker::Unavailable(s) => write!(f, "device is {s}"),
        }
    }
}

/// The lowest capacity slot free over `want`, or what blocks it. `held` are the device's
/// active bookings (any order), `maintenance` its uncancelled windows.
pub fn place(
    want: Interval,
    capacity: i64,
    status: DeviceStatus,
    held: &[Held],
    maintenance: &[Interval],
) -> Result<i64, Blocker> {
    if !status.bookable() {
        return Err(Blocker::Unavailable(status));
    }
    if let Some(m) = maintenance.iter().find(|m| m.overlaps(&want)) {
        return Err(Blocker::Maintenance(*m));
    }
    let mut first = None;
    for slot in 0..capacity.max(1) {
        match held.iter().filter(|h| h.slot == slot && h.at.overlaps(&want)).min_by_key(|h| h.at.start) {
            None => return Ok(slot),
            Some(h) => {
                first.get_or_insert(h.at);
            }
        }
    }
    Err(Blocker::Full { by: first.unwrap_or(want) })
}

/// The latest end a booking on `slot` may be extended to: the start of the next booking on
/// its slot or the next maintenance window, capped by [`MAX_BOOKING`]. Never before its end.
pub fn latest_end(booking: Interval, slot: i64, held: &[Held], maintenance: &[Interval]) -> DateTime<Utc> {
    let cap = booking.start + MAX_BOOKING;
    let next_booking = held.iter().filter(|h| h.slot == slot && h.at.start >= booking.end).map(|h| h.at.start);
    let next_maintenance = maintenance.iter().filter(|m| m.start >= booking.end).map(|m| m.start);
    next_booking.chain(next_maintenance).fold(cap, |a, b| a.min(b)).max(booking.end)
}

/// What one device looks like to the free-slot search.
#[derive(Debug, Clone, Default)]
pub struct DeviceLoad {
    pub capacity: i64,
    pub held: Vec<Held>,
    pub maintenance: Vec<Interval>,
}

/// The earliest start in `[from, until)`, on a `step` grid, at which every device can take a
/// booking of `length`. Candidates are the grid points and the ends of blocking intervals, so
/// the search jumps over busy stretches instead of walking them.
pub fn find_free(
    devices: &[DeviceLoad],
    length: Duration,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    step: Duration,
) -> Option<Interval> {
    if devices.is_empty() || length <= Duration::zero() || step <= Duration::zero() {
        return None;
    }
    let align = |t: DateTime<Utc>| {
        let since = t - from;
        let steps = (since.num_seconds() + step.num_seconds() - 1).div_euclid(step.num_seconds());
        from + Duration::seconds(steps * step.num_seconds())
    };
    let mut t = from;
    while t + length <= until {
        let want = Interval { start: t, end: t + length };
        let mut next = None::<DateTime<Utc>>;
        for d in devices {
            match place(want, d.capacity, DeviceStatus::Available, &d.held, &d.maintenance) {
                Ok(_) => {}
                Err(Blocker::Maintenance(m)) => next = Some(next.map_or(m.end, |n| n.max(m.end))),
                Err(_) => {
                    // The earliest moment a slot of this device frees up.
                    let free_at = (0..d.capacity.max(1))
                        .filter_map(|s| {
                            d.held.iter().filter(|h| h.slot == s && h.at.overlaps(&want)).map(|h| h.at.end).max()
                        })
                        .min()
                        .unwrap_or(t + step);
                    next = Some(next.map_or(free_at, |n| n.max(free_at)));
                }
            }
        }
        match next {
            None => return Some(want),
            Some(n) => t = align(n.max(t + Duration::seconds(1))),
        }
    }
    None
}

#[cfg(test)]
mod tests;
