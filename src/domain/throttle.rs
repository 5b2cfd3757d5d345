//! Login throttling. Failures are counted per username and per source; after a few free
//! attempts each further failure doubles a short block. The per-user block is capped at a
//! minute so that a stranger guessing can slow an account but never lock its owner out.

use chrono::{DateTime, Duration, Utc};

pub const FREE_ATTEMPTS: i64 = 5;
pub const WINDOW: Duration = Duration::minutes(15);
pub const MAX_USER_BLOCK_SECS: i64 = 60;
pub const MAX_SOURCE_BLOCK_SECS: i64 = 15 * 60;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub failures: i64,
    pub first_failure: DateTime<Utc>,
    pub blocked_until: Option<DateTime<Utc>>,
}

pub fn user_key(username: &str) -> String {
    format!("user:{}", username.trim().to_lowercase())
}

pub fn source_key(source: &str) -> String {
    format!("src:{source}")
}

fn cap_for(key: &str) -> i64 {
    if key.starts_with("user:") { MAX_USER_BLOCK_SECS } else { MAX_SOURCE_BLOCK_SECS }
}

/// Seconds still to wait, if blocked.
pub fn retry_after(state: Option<&State>, now: DateTime<Utc>) -> Option<i64> {
    let until = state?.blocked_until?;
    (until > now).then(|| (until - now).num_seconds().max(1))
}

/// The state after an attempt counted ahead of its password check turned out right: the
/// count it took is given back, and the block it may have started with it is lifted when
/// the count is back within the free attempts.
pub fn after_release(prev: &State) -> State {
    let failures = (prev.failures - 1).max(0);
    let blocked_until = if failures > FREE_ATTEMPTS { prev.blocked_until } else { None };
    State { failures, first_failure: prev.first_failure, blocked_until }
}

/// The state after one more failure at `now`.
pub fn after_failure(key: &str, prev: Option<&State>, now: DateTime<Utc>) -> State {
    let (failures, first) = match prev {
        Some(s) if now - s.first_failure < WINDOW => (s.failures + 1, s.first_failure),
        _ => (1, now),
    };
    let blocked_until = (failures > FREE_ATTEMPTS).then(|| {
        let exp = (failures - FREE_ATTEMPTS - 1).min(20) as u32;
        let secs = 2i64.saturating_pow(exp).min(cap_for(key));
        now + Duration::seconds(secs)
    });
    State { failures, first_failure: first, blocked_until }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_attempts_then_doubling_blocks_capped_per_user() {
        let t0 = Utc::now();
        let key = user_key("Ann");
        let mut s: Option<State> = None;
        for _ in 0..FREE_ATTEMPTS {
            s = Some(after_failure(&key, s.as_ref(), t0));
            assert_eq!(retry_after(s.as_ref(), t0), None);
        }
        s = Some(after_failure(&key, s.as_ref(), t0));
        assert_eq!(retry_after(s.as_ref(), t0), Some(1));
        s = Some(after_failure(&key, s.as_ref(), t0));
        assert_eq!(retry_after(s.as_ref(), t0), Some(2));
        for _ in 0..30 {
            s = Some(after_failure(&key, s.as_ref(), t0));
        }
        assert_eq!(retry_after(s.as_ref(), t0), Some(MAX_USER_BLOCK_SECS));
        assert_eq!(retry_after(s.as_ref(), t0 + Duration::seconds(61)), None);
    }

    #[test]
    fn a_released_attempt_gives_its_count_back() {
        let t0 = Utc::now();
        let key = source_key("ssh");
        let mut s = None;
        for _ in 0..=FREE_ATTEMPTS {
            s = Some(after_failure(&key, s.as_ref(), t0));
        }
        let counted = s.unwrap();
        assert!(retry_after(Some(&counted), t0).is_some(), "the sixth counted attempt blocks");
        let back = after_release(&counted);
        assert_eq!(back.failures, FREE_ATTEMPTS);
        assert_eq!(retry_after(Some(&back), t0), None, "a right password lifts the block it started");
        let many = State { failures: 9, first_failure: t0, blocked_until: Some(t0 + Duration::seconds(8)) };
        assert_eq!(after_release(&many).blocked_until, many.blocked_until, "earlier failures still block");
    }

    #[test]
    fn the_window_forgets_old_failures() {
        let t0 = Utc::now();
        let s = State { failures: 40, first_failure: t0, blocked_until: None };
        let next = after_failure("user:a", Some(&s), t0 + WINDOW + Duration::seconds(1));
        assert_eq!(next.failures, 1);
        assert_eq!(next.blocked_until, None);
    }

    #[test]
    fn sources_may_be_blocked_longer() {
        let t0 = Utc::now();
        let s = State { failures: 40, first_failure: t0, blocked_until: None };
        let next = after_failure(&source_key("10.0.0.1"), Some(&s), t0);
        assert_eq!(retry_after(Some(&next), t0), Some(MAX_SOURCE_BLOCK_SECS));
    }
}
