//! When to ask a guest for its addresses (the QEMU guest agent, or the host for a
//! container). An answer can only tell something new after the guest (re)started or moved,
//! or while an agent may still be coming up after boot; otherwise addresses barely change,
//! so the slow re-check of every guest shares a small budget of calls per minute instead of
//! costing one call per guest every few minutes (1k guests made 192 agent calls a minute).

use super::{Guest, GuestStatus, Label};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Re-checks of guests nothing happened to, per minute, for the whole cluster.
pub const SLOW_PER_MINUTE: f64 = 3.0;
/// At most this many asks in one cycle (the first cycle of a big cluster sees every guest
/// as new: it takes a few cycles to ask them all).
pub const PER_CYCLE: usize = 32;
/// A guest without an address is asked again after 5 s, doubling each time; after this many
/// misses it only gets slow re-checks (no agent, or one that never reports).
const BOOT_MISSES: u32 = 7;

#[derive(Debug, Clone)]
struct Asked {
    at: Instant,
    misses: u32,
    node: Label,
    uptime: u32,
}

/// What was asked of each guest, in memory (a restart costs one round of asks).
#[derive(Debug, Default)]
pub struct AgentAsks {
    asked: HashMap<u32, Asked>,
    tokens: f64,
    filled_at: Option<Instant>,
}

impl AgentAsks {
    /// The guests to ask now, marked as asked: first those something happened to (never
    /// asked, restarted, moved to another node, still booting without an address), then, as
    /// the slow budget allows, the ones asked longest ago.
    pub fn due<'a>(&mut self, guests: impl Iterator<Item = &'a Guest>, now: Instant) -> Vec<&'a Guest> {
        let elapsed = self.filled_at.map_or(Duration::from_secs(60), |t| now.duration_since(t));
        self.filled_at = Some(now);
        self.tokens = (self.tokens + elapsed.as_secs_f64() * SLOW_PER_MINUTE / 60.0).min(SLOW_PER_MINUTE);
        let mut urgent = Vec::new();
        let mut slow = Vec::new();
        for g in guests.filter(|g| g.status == GuestStatus::Running && !g.template && !g.stale) {
            match self.asked.get(&g.vmid) {
                None => urgent.push(g),
                Some(a) if a.node != g.node || g.uptime < a.uptime => urgent.push(g),
                Some(a) if g.ip.is_none() && a.misses < BOOT_MISSES => {
                    if now.duration_since(a.at) >= Duration::from_secs(5 << a.misses.saturating_sub(1)) {
                        urgent.push(g);
                    }
                }
                Some(a) => slow.push((a.at, g)),
            }
        }
        urgent.truncate(PER_CYCLE);
        let room = (PER_CYCLE - urgent.len()).min(self.tokens.floor() as usize);
        if room > 0 {
            slow.sort_unstable_by_key(|(at, _)| *at);
            self.tokens -= room.min(slow.len()) as f64;
            urgent.extend(slow.into_iter().take(room).map(|(_, g)| g));
        }
        for g in &urgent {
            let misses = self.asked.get(&g.vmid).map_or(0, |a| a.misses);
            self.asked.insert(g.vmid, Asked { at: now, misses, node: g.node.clone(), uptime: g.uptime });
        }
        urgent
    }

    /// The answer to an ask: an address found ends the boot-time retries.
    pub fn answered(&mut self, vmid: u32, found: bool) {
        if let Some(a) = self.asked.get_mut(&vmid) {
            a.misses = if found { 0 } else { a.misses.saturating_add(1) };
        }
    }

    /// Guests gone from the cluster are forgotten.
    pub fn retain(&mut self, present: impl Fn(u32) -> bool) {
        self.asked.retain(|vmid, _| present(*vmid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::tests_support::guest;

    fn running(vmid: u32, node: &str, uptime: u32, ip: bool) -> Guest {
        let mut g = guest(vmid, "g", node);
        g.status = GuestStatus::Running;
        g.uptime = uptime;
        g.ip = ip.then(|| "10.0.0.5".parse().unwrap());
        g
    }

    fn vmids(v: &[&Guest]) -> Vec<u32> {
        v.iter().map(|g| g.vmid).collect()
    }

    #[test]
    fn a_quiet_cluster_of_1000_guests_costs_a_few_asks_a_minute() {
        let guests: Vec<Guest> = (0..1000).map(|i| running(100 + i, "pve1", 5000, true)).collect();
        let mut asks = AgentAsks::default();
        let t0 = Instant::now();
        let mut asked = 0;
        // Every guest is new at first: 32 a cycle until all were asked once.
        for cycle in 0..40 {
            let due = asks.due(guests.iter(), t0 + Duration::from_secs(10 * cycle));
            asked += due.len();
            for g in &due {
                asks.answered(g.vmid, true);
            }
        }
        assert!(asked >= 1000, "each guest asked once at first: {asked}");
        // Then an hour of 10 s cycles in which nothing happens.
        let mut quiet = 0;
        for cycle in 40..400 {
            quiet += asks.due(guests.iter(), t0 + Duration::from_secs(10 * cycle)).len();
        }
        assert!(quiet <= 3 * 60 + 3, "{quiet} asks in an hour");
        assert!(quiet >= 3 * 59, "the slow re-check still runs: {quiet}");
    }

    #[test]
    fn a_restart_or_a_move_is_asked_at_once() {
        let mut asks = AgentAsks::default();
        let t0 = Instant::now();
        let g = running(100, "pve1", 5000, true);
        assert_eq!(vmids(&asks.due([&g].into_iter(), t0)), [100]);
        asks.answered(100, true);
        asks.tokens = 0.0;
        let t1 = t0 + Duration::from_secs(10);
        assert!(asks.due([&g].into_iter(), t1).is_empty(), "nothing happened");
        let restarted = running(100, "pve1", 12, true);
        assert_eq!(vmids(&asks.due([&restarted].into_iter(), t1)), [100]);
        let moved = running(100, "pve2", 30, true);
        assert_eq!(vmids(&asks.due([&moved].into_iter(), t1)), [100]);
    }

    #[test]
    fn a_booting_guest_is_asked_again_soon_then_only_slowly() {
        let mut asks = AgentAsks::default();
        let t0 = Instant::now();
        let g = running(100, "pve1", 5, false);
        let mut at = Vec::new();
        for s in 0..2000u64 {
            let now = t0 + Duration::from_secs(s);
            asks.tokens = 0.0;
            if !asks.due([&g].into_iter(), now).is_empty() {
                at.push(s);
                asks.answered(100, false);
            }
        }
        assert_eq!(at, [0, 5, 15, 35, 75, 155, 315], "5 s doubling while it boots, then slow re-checks only");
    }
}
