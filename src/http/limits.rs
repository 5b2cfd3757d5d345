//! Token buckets keyed by client address or chat session: a burst, then a steady rate.
//! A refusal says how long to wait, for the 429's Retry-After.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How much one key may do: `burst` at once, then `per_sec` a second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub burst: f64,
    pub per_sec: f64,
}

impl Rate {
    pub const fn new(burst: f64, per_sec: f64) -> Rate {
        Rate { burst, per_sec }
    }
}

/// The limits a server enforces. The defaults suit one public chat page.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Every request from one address.
    pub per_ip: Rate,
    /// Chats started from one address.
    pub starts_per_ip: Rate,
    /// Messages sent in one chat.
    pub per_session: Rate,
    /// Request bodies, in bytes.
    pub max_body: usize,
    /// Longest long-poll a visitor may ask for.
    pub max_wait: Duration,
    /// A connection must deliver a request's complete headers within this long of being
    /// opened or of its previous answer; this is also how long an idle kept-alive
    /// connection stays open.
    pub header_timeout: Duration,
    /// A request's body must arrive completely within this long.
    pub body_timeout: Duration,
    /// Open connections in all; further ones are closed at once.
    pub max_connections: usize,
    /// Open connections from one address; further ones are closed at once.
    pub max_connections_per_ip: usize,
    /// Origins (`https://example.org`) whose pages may start chats, besides the server's
    /// own; a request that names another origin is refused.
    pub allowed_origins: Vec<String>,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_ip: Rate::new(120.0, 20.0),
            starts_per_ip: Rate::new(5.0, 1.0 / 60.0),
            per_session: Rate::new(10.0, 1.0),
            max_body: 16 * 1024,
            max_wait: Duration::from_secs(25),
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_ip: 32,
            allowed_origins: Vec::new(),
        }
    }
}

/// Buckets for many keys; idle ones are dropped when the map grows.
pub struct Buckets<K> {
    rate: Rate,
    map: Mutex<HashMap<K, (f64, Instant)>>,
}

const PRUNE_AT: usize = 10_000;

impl<K: Hash + Eq + Clone> Buckets<K> {
    pub fn new(rate: Rate) -> Buckets<K> {
        Buckets { rate, map: Mutex::new(HashMap::new()) }
    }

    /// Take one token for `key`, or say how many whole seconds until one is there.
    pub fn take(&self, key: &K, now: Instant) -> Result<(), u64> {
        let Rate { burst, per_sec } = self.rate;
        let mut map = self.map.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= PRUNE_AT {
            // A bucket refilled to the brim holds no information.
            map.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst);
        }
        let (tokens, at) = map.entry(key.clone()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_sec).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            let wait = if per_sec > 0.0 { (1.0 - *tokens) / per_sec } else { 3600.0 };
            Err(wait.ceil().max(1.0) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate() {
        let b = Buckets::new(Rate::new(3.0, 1.0));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(b.take(&"ip", t0), Ok(()));
        }
        assert_eq!(b.take(&"ip", t0), Err(1));
        assert_eq!(b.take(&"other", t0), Ok(()), "keys are independent");
        assert_eq!(b.take(&"ip", t0 + Duration::from_millis(1100)), Ok(()));
        let slow = Buckets::new(Rate::new(1.0, 1.0 / 60.0));
        assert_eq!(slow.take(&1, t0), Ok(()));
        assert_eq!(slow.take(&1, t0), Err(60));
    }
}
