//! Seed 003's admin roles (Viewer, Approver, Admin) with `approval_limits`, mapped onto our
//! RBAC: approving is `booking:update` (approvers and admins hold `booking:manage`); the
//! limits (`user_profiles.approval_limits`, JSON) cap what one approver may approve alone.

use super::Interval;
use crate::domain::Role;
use crate::domain::rbac::{Action, Actor, Resource};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalLimits {
    /// The longest booking this approver may approve, in hours.
    #[serde(default)]
    pub max_hours: Option<i64>,
    /// The most devices in one group this approver may approve.
    #[serde(default)]
    pub max_devices: Option<usize>,
}

impl ApprovalLimits {
    /// Parse the stored JSON; anything unreadable means "no limits recorded".
    pub fn from_json(raw: Option<&str>) -> ApprovalLimits {
        raw.and_then(|r| serde_json::from_str(r).ok()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalError {
    #[error("permission denied: {0} may not approve bookings")]
    NotApprover(Role),
    #[error("you may not decide on your own booking; ask another approver")]
    OwnBooking,
    #[error("this booking lasts {hours} h, over your approval limit of {limit} h")]
    TooLong { hours: i64, limit: i64 },
    #[error("this group has {devices} devices, over your approval limit of {limit}")]
    TooMany { devices: usize, limit: usize },
    #[error("a rejection needs a comment: tell the booker why")]
    NoReason,
}

/// The comment a decision keeps: optional on an approval; a rejection must say why (the
/// booker reads it), so an empty or blank one is refused. Returns the trimmed comment.
pub fn decision_comment(approve: bool, comment: &str) -> Result<Option<String>, ApprovalError> {
    let c = comment.trim();
    match (approve, c.is_empty()) {
        (false, true) => Err(ApprovalError::NoReason),
        (_, true) => Ok(None),
        (_, false) => Ok(Some(c.to_string())),
    }
}

/// May `actor` approve a booking of `owner` over `at` in a group of `devices` devices?
/// Admins have no limits; rejecting needs only the permission.
pub fn may_approve(
    actor: &Actor,
    limits: &ApprovalLimits,
    owner: uuid::Uuid,
    at: Interval,
    devices: usize,
) -> Result<(), ApprovalError> {
    if !actor.can(Resource::Booking, Action::Update) {
        return Err(ApprovalError::NotApprover(actor.role));
    }
    if owner == actor.user_id && actor.role != Role::Admin {
        return Err(ApprovalError::OwnBooking);
    }
    if actor.role == Role::Admin {
        return Ok(());
    }
    let hours = (at.duration().num_minutes() + 59) / 60;
    if let Some(limit) = limits.max_hours.filter(|&l| hours > l) {
        return Err(ApprovalError::TooLong { hours, limit });
    }
    if let Some(limit) = limits.max_devices.filter(|&l| devices > l) {
        return Err(ApprovalError::TooMany { devices, limit });
    }
    Ok(())
}

/// Whether a new booking by this actor needs an approver: only those who may approve others'
/// bookings book without one.
pub fn needs_approval(actor: &Actor) -> bool {
    !actor.can(Resource::Booking, Action::Update)
}

/// One user who may approve bookings, with their limits (admins have none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    pub username: String,
    pub admin: bool,
    pub limits: ApprovalLimits,
}

impl ApprovalLimits {
    /// "up to 8 h and 3 devices", or `None` without limits.
    pub fn describe(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(h) = self.max_hours {
            parts.push(format!("{h} h"));
        }
        if let Some(d) = self.max_devices {
            parts.push(format!("{d} device{}", if d == 1 { "" } else { "s" }));
        }
        (!parts.is_empty()).then(|| format!("up to {}", parts.join(" and ")))
    }

    /// Whether a booking of `hours` over `devices` is within these limits.
    pub fn allows(&self, hours: i64, devices: usize) -> bool {
        self.max_hours.is_none_or(|l| hours <= l) && self.max_devices.is_none_or(|l| devices <= l)
    }
}

/// Whole hours a booking lasts, rounded up (as the limits count them).
pub fn hours(at: Interval) -> i64 {
    (at.duration().num_minutes() + 59) / 60
}

/// What a booker is told before saving a booking that needs approval, when some approvers'
/// limits are below it: who may approve it alone. `None` when every approver can.
pub fn limit_note(approvers: &[Approver], at: Interval, devices: usize) -> Option<String> {
    let h = hours(at);
    let (can, cannot): (Vec<&Approver>, Vec<&Approver>) =
        approvers.iter().partition(|a| a.admin || a.limits.allows(h, devices));
    if cannot.is_empty() {
        return None;
    }
    let limits: Vec<String> =
        cannot.iter().map(|a| format!("{} {}", a.username, a.limits.describe().unwrap_or_default())).collect();
    let who: Vec<&str> = can.iter().map(|a| a.username.as_str()).collect();
    let by = if who.is_empty() {
        "no approver can approve it".to_string()
    } else {
        format!("only {} can approve it", who.join(", "))
    };
    Some(format!("{h} h × {devices} device(s) is over the approval limits of {}: {by}", limits.join(", ")))
}
