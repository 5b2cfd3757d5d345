//! What a poll cycle must write: guests that are new or changed, and guests that vanished.
//! Guests on nodes that are not online are never removed: they become "unknown".

use super::{Guest, GuestStatus};
use std::collections::{HashMap, HashSet};

#[derive(Debug, Default, PartialEq)]
pub struct Changes {
    pub upserts: Vec<Guest>,
    pub removed: Vec<u32>,
}

/// `previous`: what the store holds for this cluster; `current`: what Proxmox listed now;
/// `online`: the nodes Proxmox reports online.
pub fn diff(previous: &HashMap<u32, Guest>, mut current: Vec<Guest>, online: &HashSet<&str>) -> Changes {
    let mut changes = Changes::default();
    let mut seen = HashSet::with_capacity(current.len());
    for g in current.iter_mut() {
        if !online.contains(&*g.node) {
            g.status = GuestStatus::Unknown;
        }
    }
    for g in current {
        seen.insert(g.vmid);
        if previous.get(&g.vmid) != Some(&g) {
            changes.upserts.push(g);
        }
    }
    for (vmid, old) in previous {
        if seen.contains(vmid) {
            continue;
        }
        if online.contains(&*old.node) {
            changes.removed.push(*vmid);
        } else if old.status != GuestStatus::Unknown {
            let mut unknown = old.clone();
            unknown.status = GuestStatus::Unknown;
            changes.upserts.push(unknown);
        }
    }
    changes.removed.sort_unstable();
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::tests_support::guest;

    #[test]
    fn only_changes_are_written_and_offline_nodes_keep_their_guests() {
        let a = guest(100, "a", "pve1");
        let b = guest(101, "b", "pve2");
        let c = guest(102, "c", "pve1");
        let prev: HashMap<u32, Guest> = [a.clone(), b.clone(), c.clone()].into_iter().map(|g| (g.vmid, g)).collect();
        let online: HashSet<&str> = ["pve1"].into();
        let mut a2 = a.clone();
        a2.cpu = 0.5;
        // c vanished from an online node; b's node is offline and its guest is not listed.
        let ch = diff(&prev, vec![a2.clone(), guest(103, "d", "pve1")], &online);
        assert_eq!(ch.removed, vec![102]);
        let vmids: Vec<u32> = ch.upserts.iter().map(|g| g.vmid).collect();
        assert!(vmids.contains(&100) && vmids.contains(&103) && vmids.contains(&101));
        assert_eq!(ch.upserts.iter().find(|g| g.vmid == 101).unwrap().status, GuestStatus::Unknown);
        // Nothing changed: nothing to write.
        let prev2: HashMap<u32, Guest> = [a.clone()].into_iter().map(|g| (g.vmid, g)).collect();
        assert_eq!(diff(&prev2, vec![a], &online), Changes::default());
    }
}
