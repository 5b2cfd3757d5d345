//! When to poll next: interval + 2 × the last cycle's runtime (Proxmox's own web UI waits the
//! same way), doubling on consecutive errors up to five minutes.

use std::time::Duration;

pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

pub fn next_delay(interval: Duration, last_runtime: Duration, consecutive_failures: u32) -> Duration {
    let base = interval + last_runtime * 2;
    if consecutive_failures == 0 {
        return base;
    }
    let factor = 2u32.saturating_pow(consecutive_failures.min(10));
    (base * factor).min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_stretches_the_interval_and_errors_back_off() {
        let s = Duration::from_secs;
        assert_eq!(next_delay(s(5), Duration::from_millis(250), 0), Duration::from_millis(5500));
        assert_eq!(next_delay(s(5), s(0), 1), s(10));
        assert_eq!(next_delay(s(5), s(0), 3), s(40));
        assert_eq!(next_delay(s(5), s(0), 30), MAX_BACKOFF);
    }
}
