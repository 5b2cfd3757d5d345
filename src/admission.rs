//! Admission control shared by the servers (`serve --http`, `serve --ssh`): connection
//! caps in all and per client address, and token buckets (a burst, then a steady rate)
//! keyed by address or session. A refusal of a bucket says how long to wait.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

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

/// Visitor chats started from one address, over HTTP or SSH: five, then one a minute.
pub const VISITOR_STARTS: Rate = Rate::new(5.0, 1.0 / 60.0);
/// Messages one visitor chat may send: ten, then one a second.
pub const VISITOR_MESSAGES: Rate = Rate::new(10.0, 1.0);

#[derive(Default)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

pub struct Caps {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<Open>,
}

impl Caps {
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Caps> {
        Arc::new(Caps { max_total: max_total.max(1), max_per_ip: max_per_ip.max(1), open: Mutex::default() })
    }

    /// Count one more connection from `ip`, or refuse it when a cap is reached.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admission> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let from_ip = open.per_ip.get(&ip).copied().unwrap_or(0);
        if open.total >= self.max_total || from_ip >= self.max_per_ip {
            return None;
        }
        open.total += 1;
        open.per_ip.insert(ip, from_ip + 1);
        Some(Admission { caps: self.clone(), ip })
    }
}

/// One admitted connection; dropping it (the connection closed) frees its place.
pub struct Admission {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
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
    use std::time::Duration;

    #[test]
    fn caps_count_per_address_and_in_all_and_free_on_close() {
        let caps = Caps::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let a1 = caps.admit(a).unwrap();
        let _a2 = caps.admit(a).unwrap();
        assert!(caps.admit(a).is_none(), "a third from one address");
        let _b1 = caps.admit(b).unwrap();
        assert!(caps.admit(b).is_none(), "a fourth in all");
        drop(a1);
        assert!(caps.admit(a).is_some(), "a closed connection frees its place");
    }

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
