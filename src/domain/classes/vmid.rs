//! VMIDs of a class: the class prefix followed by two digits (prefix 41 → 4100..4199).
//! Slot 00 is the base VM (the published template), 01 the teacher's VM, 02.. the students'.

use std::collections::BTreeSet;

pub const BASE_SLOT: i64 = 0;
pub const TEACHER_SLOT: i64 = 1;
pub const FIRST_STUDENT_SLOT: i64 = 2;
pub const MAX_POOL: i64 = 98;
/// Prefixes below this would collide with Proxmox's own low VMIDs (100, 101, …).
pub const MIN_PREFIX: i64 = 10;
pub const MAX_PREFIX: i64 = 9_999_999;

pub fn vmid(prefix: i64, slot: i64) -> i64 {
    prefix * 100 + slot
}

pub fn student_vmid(prefix: i64, seat: i64) -> i64 {
    vmid(prefix, FIRST_STUDENT_SLOT + seat)
}

/// The class prefix a vmid falls under.
pub fn prefix_of(vmid: i64) -> i64 {
    vmid / 100
}

pub fn belongs(prefix: i64, vmid: i64) -> bool {
    prefix_of(vmid) == prefix
}

/// The lowest prefix from `from` that no class uses and no existing guest occupies.
pub fn pick_prefix(used: &BTreeSet<i64>, occupied: &BTreeSet<i64>, from: i64) -> Option<i64> {
    (from.max(MIN_PREFIX)..=MAX_PREFIX).find(|p| !used.contains(p) && !occupied.contains(p))
}

/// The free student vmids needed to grow a pool to `size`, lowest first.
pub fn free_student_vmids(prefix: i64, taken: &BTreeSet<i64>, need: usize) -> Vec<i64> {
    (0..MAX_POOL).map(|s| student_vmid(prefix, s)).filter(|v| !taken.contains(v)).take(need).collect()
}

pub fn vm_name(short: &str, slot: i64) -> String {
    match slot {
        BASE_SLOT => format!("{short}-base"),
        TEACHER_SLOT => format!("{short}-teacher"),
        s => format!("{short}-student-{:02}", s - FIRST_STUDENT_SLOT + 1),
    }
}

/// A class's short name, the one rule for its VM names (deployments and the demo seed alike):
/// the first letter of each word and the digits of each word, lowercased ("Linux Basics 101"
/// → "lb101", so its VMs are lb101-base, lb101-teacher, lb101-student-01). DNS-safe.
pub fn short_name(class_name: &str) -> String {
    let mut out = String::new();
    for word in class_name.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()) {
        if let Some(first) = word.chars().next().filter(|c| c.is_ascii_alphabetic()) {
            out.push(first.to_ascii_lowercase());
        }
        out.extend(word.chars().filter(|c| c.is_ascii_digit()));
    }
    let out: String = out.chars().take(20).collect();
    if out.is_empty() { "class".into() } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_and_names() {
        assert_eq!(vmid(41, BASE_SLOT), 4100);
        assert_eq!(student_vmid(41, 0), 4102);
        assert!(belongs(41, 4199));
        assert!(!belongs(41, 4200));
        assert_eq!(vm_name("lb", 0), "lb-base");
        assert_eq!(vm_name("lb", 1), "lb-teacher");
        assert_eq!(vm_name("lb", 2), "lb-student-01");
        assert_eq!(short_name("Linux Basics 101!"), "lb101");
        assert_eq!(short_name("Networks Lab"), "nl");
        assert_eq!(short_name("IPv6 routing-2"), "i6r2");
        assert_eq!(short_name("¿?"), "class");
        assert_eq!(vm_name(&short_name("Linux Basics 101"), 6), "lb101-student-05");
    }

    #[test]
    fn prefixes_skip_used_and_occupied_ranges() {
        let used: BTreeSet<i64> = [41, 42].into();
        let occupied: BTreeSet<i64> = [1, 2, 43].into();
        assert_eq!(pick_prefix(&used, &occupied, 41), Some(44));
        assert_eq!(pick_prefix(&used, &occupied, 0), Some(MIN_PREFIX));
    }

    #[test]
    fn growing_a_pool_fills_gaps_first() {
        let taken: BTreeSet<i64> = [4102, 4104].into();
        assert_eq!(free_student_vmids(41, &taken, 3), vec![4103, 4105, 4106]);
        assert_eq!(free_student_vmids(41, &BTreeSet::new(), 200).len(), MAX_POOL as usize);
    }
}
