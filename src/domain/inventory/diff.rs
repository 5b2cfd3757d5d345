//! What a poll cycle must write: guests that are new or changed, and guests that vanished.
//!
//! A listed guest keeps the status Proxmox gave it, whatever its node's row says (the node's
//! state is shown beside the guest, not instead of it). A guest missing from the answer is
//! removed only when its node is listed online and the answer is not suspiciously short;
//! otherwise it is kept as last seen and marked stale: what Proxmox left out is never guessed.

use super::Guest;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub upserts: Vec<Guest>,
    pub removed: Vec<u32>,
}

/// An answer that lost all or most of the guests known before (a token without `VM.Audit`
/// gets HTTP 200 and an empty list, not 403).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Loss {
    /// Guests in this answer.
    pub listed: usize,
    /// Guests known before.
    pub known: usize,
}

/// Does `current` lose all of `previous`, or more than half of it? Then the guests should be
/// kept (stale) until the loss is explained.
pub fn suspicious_loss(previous: &HashMap<u32, Guest>, current: &[Guest]) -> Option<Loss> {
    if previous.is_empty() {
        return None;
    }
    let listed: HashSet<u32> = current.iter().map(|g| g.vmid).collect();
    let lost = previous.keys().filter(|v| !listed.contains(v)).count();
    let suspicious = lost > 0 && (current.is_empty() || lost * 2 > previous.len());
    suspicious.then_some(Loss { listed: current.len(), known: previous.len() })
}

/// `previous`: what the store holds for this cluster; `current`: what Proxmox listed now;
/// `online`: the nodes Proxmox reports online in this answer; `trust_losses`: false when the
/// answer looks incomplete (see [`suspicious_loss`]): then no guest is removed.
pub fn diff(
    previous: &HashMap<u32, Guest>,
    current: Vec<Guest>,
    online: &HashSet<&str>,
    trust_losses: bool,
) -> Changes {
    let mut changes = Changes::default();
    let mut seen = HashSet::with_capacity(current.len());
    for mut g in current {
        seen.insert(g.vmid);
        g.stale = false;
        if !previous.get(&g.vmid).is_some_and(|old| old.looks_same(&g)) {
            changes.upserts.push(g);
        }
    }
    for (vmid, old) in previous {
        if seen.contains(vmid) {
            continue;
        }
        if trust_losses && online.contains(&*old.node) {
            changes.removed.push(*vmid);
        } else if !old.stale {
            let mut kept = old.clone();
            kept.stale = true;
            changes.upserts.push(kept);
        }
    }
    changes.removed.sort_unstable();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::GuestStatus;
    use crate::domain::inventory::tests_support::guest;

    fn by_vmid(gs: &[Guest]) -> HashMap<u32, Guest> {
        gs.iter().map(|g| (g.vmid, g.clone())).collect()
    }

    #[test]
    fn only_changes_are_written_and_guests_of_unlisted_nodes_are_kept_stale() {
        let a = guest(100, "a", "pve1");
        let b = guest(101, "b", "pve2");
        let c = guest(102, "c", "pve1");
        let d = guest(104, "d", "pve1");
        let prev = by_vmid(&[a.clone(), b.clone(), c.clone(), d.clone()]);
        let online: HashSet<&str> = ["pve1"].into();
        let mut a2 = a.clone();
        a2.cpu = 0.5;
        // c vanished from an online node; b's node is not online and its guest is not listed.
        let ch = diff(&prev, vec![a2.clone(), d.clone(), guest(103, "e", "pve1")], &online, true);
        assert_eq!(ch.removed, vec![102]);
        let vmids: Vec<u32> = ch.upserts.iter().map(|g| g.vmid).collect();
        assert!(vmids.contains(&100) && vmids.contains(&103) && vmids.contains(&101));
        let kept = ch.upserts.iter().find(|g| g.vmid == 101).unwrap();
        assert!(kept.stale, "kept as last seen, marked stale");
        assert_eq!(kept.status, b.status, "its last known status is not replaced by a guess");
        // Nothing changed: nothing to write.
        let prev2 = by_vmid(std::slice::from_ref(&a));
        assert_eq!(diff(&prev2, vec![a], &online, true), Changes::default());
    }

    #[test]
    fn a_cycle_where_nothing_visible_moved_writes_nothing() {
        let mut a = guest(100, "a", "pve1");
        (a.status, a.cpu, a.mem, a.maxmem, a.uptime) = (GuestStatus::Running, 0.101, 400 << 20, 1 << 30, 7300);
        let prev = by_vmid(std::slice::from_ref(&a));
        let online: HashSet<&str> = ["pve1"].into();
        // Ten seconds on: counters grew, CPU and memory moved under half a percent, uptime
        // still reads "2h".
        let mut b = a.clone();
        (b.cpu, b.mem, b.uptime) = (0.104, (400 << 20) + (3 << 20), 7310);
        b.io = Some(Box::new(crate::domain::inventory::GuestIo { netin: 1 << 20, ..Default::default() }));
        assert_eq!(diff(&prev, vec![b.clone()], &online, true), Changes::default());
        // What a person would see change is written: CPU 10 % → 12 %, memory 39 % → 41 %,
        // uptime 2h → 3h.
        for change in
            [|g: &mut Guest| g.cpu = 0.12, |g: &mut Guest| g.mem = 420 << 20, |g: &mut Guest| g.uptime = 3 * 3600]
        {
            let mut c = b.clone();
            change(&mut c);
            assert_eq!(diff(&prev, vec![c], &online, true).upserts.len(), 1);
        }
    }

    #[test]
    fn a_listed_guest_keeps_its_own_status_whatever_its_node_row_says() {
        let mut g = guest(100, "a", "pve9");
        g.status = GuestStatus::Running;
        let ch = diff(&HashMap::new(), vec![g], &HashSet::new(), true);
        assert_eq!(ch.upserts[0].status, GuestStatus::Running);
        assert!(!ch.upserts[0].stale);
    }

    #[test]
    fn losing_most_guests_is_suspicious_and_removes_nothing_untrusted() {
        let prev = by_vmid(&[guest(100, "a", "pve1"), guest(101, "b", "pve1"), guest(102, "c", "pve1")]);
        let online: HashSet<&str> = ["pve1"].into();
        assert_eq!(suspicious_loss(&prev, &[]), Some(Loss { listed: 0, known: 3 }));
        let one = [guest(100, "a", "pve1")];
        assert_eq!(suspicious_loss(&prev, &one), Some(Loss { listed: 1, known: 3 }));
        let two = [guest(100, "a", "pve1"), guest(101, "b", "pve1")];
        assert_eq!(suspicious_loss(&prev, &two), None, "one of three deleted is ordinary");
        assert_eq!(suspicious_loss(&HashMap::new(), &[]), None, "an empty cluster stays empty");
        let ch = diff(&prev, vec![], &online, false);
        assert!(ch.removed.is_empty());
        assert_eq!(ch.upserts.len(), 3);
        assert!(ch.upserts.iter().all(|g| g.stale));
        // Already stale: not written again.
        let stale = by_vmid(&ch.upserts);
        assert_eq!(diff(&stale, vec![], &online, false), Changes::default());
        // Once the loss is explained (the token can see guests), they go.
        assert_eq!(diff(&prev, vec![], &online, true).removed, vec![100, 101, 102]);
    }
}
