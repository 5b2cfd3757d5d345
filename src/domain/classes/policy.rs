//! What someone may do to a class VM right now, and the reason when not. Teachers (and
//! co-owners, admins) are bound by neither hours nor usage; students are, on their own VMs.

use super::hours::{AllowedHours, hhmm};
use super::usage::Usage;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VmAction {
    Start,
    Stop,
    Shutdown,
    Revert,
}

impl VmAction {
    pub fn as_str(self) -> &'static str {
        match self {
            VmAction::Start => "start",
            VmAction::Stop => "stop",
            VmAction::Shutdown => "shutdown",
            VmAction::Revert => "revert",
        }
    }
    pub fn verb(self) -> &'static str {
        match self {
            VmAction::Start => "Start",
            VmAction::Stop => "Stop",
            VmAction::Shutdown => "Shut down",
            VmAction::Revert => "Revert to baseline",
        }
    }
}

/// The facts a decision needs, gathered by the engine.
#[derive(Debug, Clone)]
pub struct VmFacts {
    pub hours: Option<AllowedHours>,
    pub zone: Tz,
    pub usage: Usage,
    pub archived: bool,
    /// None when the poller has not seen the guest yet.
    pub running: Option<bool>,
    pub lock: Option<String>,
    /// The class VM row is being deleted (scale down, publish).
    pub deleting: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the class is archived")]
    Archived,
    #[error("this VM is being replaced or removed by your teacher")]
    Deleting,
    #[error("the VM is busy ({0}); try again in a minute")]
    Locked(String),
    #[error("the VM is already running")]
    AlreadyRunning,
    #[error("the VM is not running")]
    NotRunning,
    #[error("outside the class hours ({window} {zone}); it opens at {opens}")]
    OutsideHours { window: String, zone: String, opens: String },
    #[error("usage limit reached ({used}); ask your teacher to reset it")]
    UsageExhausted { used: String },
}

/// Whether a student may do `action` on their VM at `now`.
pub fn student_may(action: VmAction, f: &VmFacts, now: DateTime<Utc>) -> Result<(), Refusal> {
    common(action, f)?;
    if matches!(action, VmAction::Start | VmAction::Revert) {
        if let Some(h) = f.hours
            && !h.is_open(f.zone, now)
        {
            let opens = h.next_open(f.zone, now).with_timezone(&f.zone);
            return Err(Refusal::OutsideHours {
                window: h.label(),
                zone: f.zone.name().to_string(),
                opens: format!("{} {}", opens.format("%a"), hhmm(h.start)),
            });
        }
        if action == VmAction::Start && f.usage.exhausted() {
            return Err(Refusal::UsageExhausted { used: f.usage.label() });
        }
    }
    Ok(())
}

/// Teachers: only the facts of the VM itself stand in the way.
pub fn teacher_may(action: VmAction, f: &VmFacts) -> Result<(), Refusal> {
    common(action, f)
}

fn common(action: VmAction, f: &VmFacts) -> Result<(), Refusal> {
    if f.archived {
        return Err(Refusal::Archived);
    }
    if f.deleting {
        return Err(Refusal::Deleting);
    }
    if let Some(lock) = &f.lock {
        return Err(Refusal::Locked(lock.clone()));
    }
    match (action, f.running) {
        (VmAction::Start, Some(true)) => Err(Refusal::AlreadyRunning),
        (VmAction::Stop | VmAction::Shutdown, Some(false)) => Err(Refusal::NotRunning),
        _ => Ok(()),
    }
}

/// Whether the engine must shut a running student VM down now: outside hours or out of usage.
pub fn must_shut_down(f: &VmFacts, now: DateTime<Utc>) -> Option<&'static str> {
    if f.running != Some(true) {
        return None;
    }
    if f.hours.is_some_and(|h| !h.is_open(f.zone, now)) {
        return Some("outside the class hours");
    }
    if f.usage.exhausted() {
        return Some("usage limit reached");
    }
    None
}

/// Idle: every CPU average of the last `minutes` (one point a minute from rrddata, as
/// fractions of the VM's CPUs) is below `percent`. Too few points means "not known to be idle".
pub fn is_idle(cpu_fractions: &[f64], minutes: usize, percent: f64) -> bool {
    if minutes == 0 || cpu_fractions.len() < minutes {
        return false;
    }
    cpu_fractions[cpu_fractions.len() - minutes..].iter().all(|c| c * 100.0 < percent)
}

/// Power-on lead: true within `lead_minutes` before the window opens (not once it is open).
pub fn in_power_on_lead(h: AllowedHours, zone: Tz, lead_minutes: i64, now: DateTime<Utc>) -> bool {
    if h.is_open(zone, now) || lead_minutes <= 0 {
        return false;
    }
    let opens = h.next_open(zone, now);
    opens > now && opens - now <= chrono::Duration::minutes(lead_minutes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn facts() -> VmFacts {
        VmFacts {
            hours: AllowedHours::new(8 * 60, 20 * 60).ok(),
            zone: chrono_tz::Europe::Berlin,
            usage: Usage { used_secs: 3600, max_hours: Some(10) },
            archived: false,
            running: Some(false),
            lock: None,
            deleting: false,
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 12, h, m, 0).single().unwrap()
    }

    #[test]
    fn students_start_only_within_hours_and_usage() {
        let f = facts();
        assert_eq!(student_may(VmAction::Start, &f, at(9, 0)), Ok(()));
        let refused = student_may(VmAction::Start, &f, at(22, 0)).unwrap_err();
        assert_eq!(refused.to_string(), "outside the class hours (08:00-20:00 Europe/Berlin); it opens at Tue 08:00");
        let spent = VmFacts { usage: Usage { used_secs: 36_000, max_hours: Some(10) }, ..facts() };
        assert!(matches!(student_may(VmAction::Start, &spent, at(9, 0)), Err(Refusal::UsageExhausted { .. })));
        // Stopping is always allowed; reverting needs the hours but not usage.
        let running = VmFacts { running: Some(true), ..spent.clone() };
        assert_eq!(student_may(VmAction::Stop, &running, at(22, 0)), Ok(()));
        assert_eq!(student_may(VmAction::Revert, &spent, at(9, 0)), Ok(()));
        assert_eq!(teacher_may(VmAction::Start, &spent), Ok(()));
    }

    #[test]
    fn state_refusals_come_first() {
        let f = VmFacts { running: Some(true), ..facts() };
        assert_eq!(student_may(VmAction::Start, &f, at(9, 0)), Err(Refusal::AlreadyRunning));
        assert_eq!(student_may(VmAction::Stop, &facts(), at(9, 0)), Err(Refusal::NotRunning));
        let locked = VmFacts { lock: Some("clone".into()), ..facts() };
        assert_eq!(teacher_may(VmAction::Start, &locked), Err(Refusal::Locked("clone".into())));
        let archived = VmFacts { archived: true, ..facts() };
        assert_eq!(teacher_may(VmAction::Stop, &archived), Err(Refusal::Archived));
    }

    #[test]
    fn the_engine_shuts_down_outside_hours_and_when_spent() {
        let f = VmFacts { running: Some(true), ..facts() };
        assert_eq!(must_shut_down(&f, at(9, 0)), None);
        assert_eq!(must_shut_down(&f, at(19, 30)), Some("outside the class hours"));
        let spent = VmFacts { usage: Usage { used_secs: 36_000, max_hours: Some(10) }, ..f };
        assert_eq!(must_shut_down(&spent, at(9, 0)), Some("usage limit reached"));
        assert_eq!(must_shut_down(&facts(), at(22, 0)), None);
    }

    #[test]
    fn idle_needs_a_full_window_below_the_threshold() {
        assert!(is_idle(&[0.5, 0.01, 0.02, 0.01], 3, 5.0));
        assert!(!is_idle(&[0.01, 0.2, 0.01], 3, 5.0));
        assert!(!is_idle(&[0.01], 3, 5.0));
    }

    #[test]
    fn power_on_lead_is_the_minutes_before_opening() {
        let h = AllowedHours::new(8 * 60, 20 * 60).unwrap();
        let z = chrono_tz::Europe::Berlin;
        // 08:00 Berlin in January = 07:00 UTC.
        assert!(in_power_on_lead(h, z, 15, at(6, 50)));
        assert!(!in_power_on_lead(h, z, 15, at(6, 40)));
        assert!(!in_power_on_lead(h, z, 15, at(7, 5)));
    }
}
