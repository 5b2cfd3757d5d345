//! When to poll next: interval + 2 × the last cycle's runtime (Proxmox's own web UI waits the
//! same way), doubling on consecutive errors up to a cap; and how long a poll lease lasts.
//!
//! Failover and recovery follow from these numbers alone (issue 15, item 13):
//! - a lease lives [`lease_ttl`] = 1.5 × the interval and its holder renews it every
//!   [`lease_check`] = ¼ interval (also while a cycle runs), so a holder that is killed is
//!   replaced within ttl + one check = 1.75 × the interval;
//! - a failing cluster is retried at most [`MAX_BACKOFF`] apart (never sooner than its
//!   interval), so it shows healthy again ≤ 30 s after it is back.

use std::time::Duration;

/// The longest wait between retries of a failing cluster (unless its interval is longer).
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub fn next_delay(interval: Duration, last_runtime: Duration, consecutive_failures: u32) -> Duration {
    let base = interval + last_runtime * 2;
    if consecutive_failures == 0 {
        return base;
    }
    let factor = 2u32.saturating_pow(consecutive_failures.min(10));
    (base * factor).min(MAX_BACKOFF.max(base))
}

/// How long a poll lease lasts after each renewal: 1.5 poll intervals.
pub fn lease_ttl(interval: Duration) -> Duration {
    interval.max(Duration::from_secs(1)) * 3 / 2
}

/// How often the holder renews its lease and the others look for an expired one: a quarter
/// of the interval (at least 250 ms), so takeover after a crash is ≤ 1.75 intervals.
pub fn lease_check(interval: Duration) -> Duration {
    (interval / 4).max(Duration::from_millis(250))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_stretches_the_interval_and_errors_back_off() {
        let s = Duration::from_secs;
        assert_eq!(next_delay(s(5), Duration::from_millis(250), 0), Duration::from_millis(5500));
        assert_eq!(next_delay(s(5), s(0), 1), s(10));
        assert_eq!(next_delay(s(5), s(0), 2), s(20));
        assert_eq!(next_delay(s(5), s(0), 3), MAX_BACKOFF);
        assert_eq!(next_delay(s(5), s(0), 30), MAX_BACKOFF);
    }

    #[test]
    fn a_failing_cluster_is_retried_within_30_seconds_or_its_interval() {
        let s = Duration::from_secs;
        // Five failures at 2 s and at 10 s: the next try is ≤ 30 s away (was 64 s and 300 s).
        assert!(next_delay(s(2), s(0), 5) <= s(30));
        assert_eq!(next_delay(s(10), Duration::from_millis(500), 5), s(30));
        // A cluster polled hourly is never retried more often than hourly.
        assert_eq!(next_delay(s(3600), s(0), 5), s(3600));
    }

    #[test]
    fn a_dead_holder_is_replaced_within_two_intervals() {
        for secs in [1, 2, 10, 60, 3600] {
            let interval = Duration::from_secs(secs);
            let ttl = lease_ttl(interval);
            let check = lease_check(interval);
            assert!(ttl > interval, "a lease outlives one interval ({secs} s)");
            assert!(ttl >= check * 3, "the holder gets several chances to renew ({secs} s)");
            assert!(ttl + check <= interval * 2, "takeover ≤ 2 intervals ({secs} s)");
        }
    }
}
