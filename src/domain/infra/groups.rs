//! User groups form a forest: a group's parent chain never comes back to it.

use std::collections::HashMap;
use uuid::Uuid;

/// Would making `parent` the parent of `group` close a loop? `parents` maps each group to
/// its current parent. Walks at most as many steps as there are groups (a stored loop, were
/// one ever written, cannot hang it).
pub fn would_cycle(parents: &HashMap<Uuid, Option<Uuid>>, group: Uuid, parent: Uuid) -> bool {
    let mut at = Some(parent);
    for _ in 0..=parents.len() {
        match at {
            None => return false,
            Some(g) if g == group => return true,
            Some(g) => at = parents.get(&g).copied().flatten(),
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loops_are_found_at_any_depth() {
        let [a, b, c, d] = [0, 1, 2, 3].map(|_| Uuid::now_v7());
        let parents: HashMap<Uuid, Option<Uuid>> = [(a, None), (b, Some(a)), (c, Some(b)), (d, None)].into();
        assert!(would_cycle(&parents, a, c), "a under its grandchild");
        assert!(would_cycle(&parents, a, a), "a under itself");
        assert!(!would_cycle(&parents, c, d));
        assert!(!would_cycle(&parents, d, c));
    }
}
