//! Usage hours: time a student VM spends running, counted by the engine from persisted
//! checkpoints (`class_vms.usage_counted_at`), so a restart neither loses nor double-counts.

use chrono::{DateTime, Duration, Utc};

/// How much running time one accounting tick adds, and the checkpoint to store.
/// A gap longer than `max_gap` (the engine was down, the poller lost its lease) counts as
/// `max_gap` at most: time nobody observed is never billed to a student.
pub fn accrue(
    running: bool,
    counted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max_gap: Duration,
) -> (i64, Option<DateTime<Utc>>) {
    if !running {
        return (0, None);
    }
    let add = match counted_at {
        Some(prev) if prev < now => (now - prev).min(max_gap).num_seconds(),
        _ => 0,
    };
    (add, Some(now))
}

/// Used time against the class maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub used_secs: i64,
    pub max_hours: Option<i64>,
}

impl Usage {
    pub fn remaining_secs(&self) -> Option<i64> {
        self.max_hours.map(|h| (h * 3600 - self.used_secs).max(0))
    }

    pub fn exhausted(&self) -> bool {
        self.remaining_secs() == Some(0)
    }

    /// "11.4 / 40 h" or "11.4 h".
    pub fn label(&self) -> String {
        let used = self.used_secs as f64 / 3600.0;
        match self.max_hours {
            Some(max) => format!("{used:.1} / {max} h"),
            None => format!("{used:.1} h"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 29, 0, 0, 0).single().unwrap() + Duration::minutes(min)
    }

    #[test]
    fn running_time_accumulates_between_ticks() {
        let gap = Duration::minutes(5);
        let (add, at) = accrue(true, None, t(0), gap);
        assert_eq!((add, at), (0, Some(t(0))));
        let (add, at) = accrue(true, at, t(1), gap);
        assert_eq!((add, at), (60, Some(t(1))));
        // Stopped: nothing counts and the checkpoint is cleared, so the next start counts afresh.
        assert_eq!(accrue(false, at, t(30), gap), (0, None));
    }

    #[test]
    fn a_restart_counts_at_most_the_gap_and_never_twice() {
        let gap = Duration::minutes(2);
        // The engine was down 3 hours: only 2 minutes are billed.
        let (add, at) = accrue(true, Some(t(0)), t(180), gap);
        assert_eq!(add, 120);
        // The same tick replayed (two consoles, a retry) adds nothing.
        assert_eq!(accrue(true, at, t(180), gap).0, 0);
        // A clock going backwards adds nothing.
        assert_eq!(accrue(true, Some(t(10)), t(5), gap).0, 0);
    }

    #[test]
    fn usage_against_the_maximum() {
        let u = Usage { used_secs: 41_040, max_hours: Some(40) };
        assert_eq!(u.label(), "11.4 / 40 h");
        assert_eq!(u.remaining_secs(), Some(102_960));
        assert!(!u.exhausted());
        assert!(Usage { used_secs: 144_000, max_hours: Some(40) }.exhausted());
        assert!(!Usage { used_secs: 10, max_hours: None }.exhausted());
        assert_eq!(Usage { used_secs: 5400, max_hours: None }.label(), "1.5 h");
    }
}
