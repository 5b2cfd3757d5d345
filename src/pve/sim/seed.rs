//! The initial cluster: deterministic for a seed, lab-flavoured names and tags, a mix of QEMU
//! and LXC guests, templates, running and stopped guests, some with a "baseline" snapshot.

use super::SimOptions;
use super::model::{Guest, SimNode, SimSnapshot};
use super::rng::Rng;
use super::state::SimState;
use crate::pve::{GuestKind, PveError};
use std::collections::HashMap;

const GIB: u64 = 1024 * 1024 * 1024;

struct Role {
    prefix: &'static str,
    kind: GuestKind,
    ostypes: &'static [&'static str],
    tags: &'static [&'static str],
    memory_mb: &'static [u64],
    disk_gb: &'static [u64],
}

const ROLES: &[Role] = &[
    Role {
        prefix: "web",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["prod;web", "lab;linux;web"],
        memory_mb: &[2048, 4096],
        disk_gb: &[32],
    },
    Role {
        prefix: "db",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["db;prod", "db;lab"],
        memory_mb: &[4096, 8192, 16384],
        disk_gb: &[64, 128],
    },
    Role {
        prefix: "lab",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["lab;linux", "class-net101;student", "class-sec201;student"],
        memory_mb: &[1024, 2048],
        disk_gb: &[16, 32],
    },
    Role {
        prefix: "student-vm",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["lab;linux;student", "class-os110;student"],
        memory_mb: &[2048],
        disk_gb: &[32],
    },
    Role {
        prefix: "k8s-node",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["k8s;lab"],
        memory_mb: &[4096, 8192],
        disk_gb: &[64],
    },
    Role {
        prefix: "dns",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["infra"],
        memory_mb: &[1024],
        disk_gb: &[16],
    },
    Role {
        prefix: "jump",
        kind: GuestKind::Qemu,
        ostypes: &["l26"],
        tags: &["infra;ssh"],
        memory_mb: &[1024],
        disk_gb: &[16],
    },
    Role {
        prefix: "win-desktop",
        kind: GuestKind::Qemu,
        ostypes: &["win11", "win10"],
        tags: &["lab;windows", "class-win150;student"],
        memory_mb: &[8192],
        disk_gb: &[64, 128],
    },
    Role {
        prefix: "ad",
        kind: GuestKind::Qemu,
        ostypes: &["win11"],
        tags: &["infra;windows"],
        memory_mb: &[8192],
        disk_gb: &[64],
    },
    Role {
        prefix: "ct-web",
        kind: GuestKind::Lxc,
        ostypes: &["debian", "ubuntu"],
        tags: &["web;ct"],
        memory_mb: &[512, 1024],
        disk_gb: &[8],
    },
    Role {
        prefix: "ct-proxy",
        kind: GuestKind::Lxc,
        ostypes: &["alpine", "debian"],
        tags: &["infra;ct"],
        memory_mb: &[256, 512],
        disk_gb: &[4, 8],
    },
    Role {
        prefix: "ct-git",
        kind: GuestKind::Lxc,
        ostypes: &["debian"],
        tags: &["infra;dev"],
        memory_mb: &[1024, 2048],
        disk_gb: &[16],
    },
    Role {
        prefix: "ct-lab",
        kind: GuestKind::Lxc,
        ostypes: &["ubuntu", "debian"],
        tags: &["lab;ct;student"],
        memory_mb: &[512],
        disk_gb: &[8],
    },
];

const TEMPLATES: &[(&str, GuestKind, &str, u64, u64)] = &[
    ("tpl-debian-12", GuestKind::Qemu, "l26", 2048, 32),
    ("tpl-ubuntu-24.04", GuestKind::Qemu, "l26", 2048, 32),
    ("tpl-win11", GuestKind::Qemu, "win11", 8192, 64),
    ("tpl-rocky-9", GuestKind::Qemu, "l26", 2048, 32),
    ("tpl-alpine-3.20", GuestKind::Qemu, "l26", 512, 8),
    ("tpl-ct-debian-12", GuestKind::Lxc, "debian", 512, 8),
];

/// Every 25th guest is a template.
const TEMPLATE_EVERY: usize = 25;

pub(crate) fn build(opts: &SimOptions, now: f64) -> Result<SimState, PveError> {
    let node_count = opts.nodes.max(1);
    let mut rng = Rng::new(opts.seed);
    let nodes: Vec<SimNode> = (0..node_count)
        .map(|i| SimNode {
            name: format!("pve{}", i + 1),
            online: true,
            maxcpu: [32, 48, 64][i % 3],
            maxmem: [128, 256, 192][i % 3] * GIB,
            maxdisk: [98, 120, 110][i % 3] * GIB,
            thin_size: [1800, 3600, 2700][i % 3] * GIB,
            boot: now - 86_400.0 * (20.0 + 40.0 * rng.unit()),
            seed: rng.next_u64(),
        })
        .collect();
    let mut state = SimState::new(nodes, opts.task_secs, opts.agent_delay_secs, opts.seed);
    let mut counters: HashMap<&str, u32> = HashMap::new();
    for i in 0..opts.guests {
        let vmid = 100 + i as u32;
        let mut r = Rng::new(opts.seed ^ u64::from(vmid).wrapping_mul(0x2545_F491_4F6C_DD1D));
        let node = r.below(node_count as u64) as usize;
        let g = if i % TEMPLATE_EVERY == 0 {
            let (base, kind, ostype, memory_mb, disk_gb) = TEMPLATES[(i / TEMPLATE_EVERY) % TEMPLATES.len()];
            let n = counters.entry(base).or_insert(0);
            *n += 1;
            let name = if *n == 1 { base.to_string() } else { format!("{base}-v{n}") };
            let mut g = guest(vmid, kind, name, node, &mut r, now);
            g.template = true;
            g.ostype = ostype;
            g.memory_mb = memory_mb;
            g.disk_gb = disk_gb;
            g.tags = "template".into();
            g.description = "Golden image, updated monthly".into();
            g
        } else {
            let lxc = r.chance(0.25);
            let candidates: Vec<&Role> = ROLES.iter().filter(|role| (role.kind == GuestKind::Lxc) == lxc).collect();
            let role = *r.pick(&candidates);
            let n = counters.entry(role.prefix).or_insert(0);
            *n += 1;
            let mut g = guest(vmid, role.kind, format!("{}-{:02}", role.prefix, n), node, &mut r, now);
            g.ostype = *r.pick(role.ostypes);
            g.tags = r.pick(role.tags).to_string();
            g.memory_mb = *r.pick(role.memory_mb);
            g.disk_gb = *r.pick(role.disk_gb);
            g.cores = *r.pick(&[1, 2, 2, 4, 4, 8]);
            g.running = r.chance(0.6);
            g.agent = g.kind == GuestKind::Qemu && (g.is_windows() || r.chance(0.9));
            if r.chance(0.2) {
                add_baseline(&mut g, &mut r);
            }
            g
        };
        state.guests.insert(vmid, g);
    }
    for (vmid, name, node_name) in &opts.extra_guests {
        let node = state.node_index(node_name).ok_or_else(|| {
            PveError::InvalidEndpoint(format!(
                "extra guest {vmid}: no node '{node_name}' (nodes are pve1..pve{node_count})"
            ))
        })?;
        if *vmid < 100 {
            return Err(PveError::InvalidEndpoint(format!("extra guest {vmid}: VMIDs start at 100")));
        }
        let mut r = Rng::new(opts.seed ^ u64::from(*vmid));
        let mut g = guest(*vmid, GuestKind::Qemu, name.clone(), node, &mut r, now);
        g.template = name.starts_with("tpl-") || name.starts_with("template");
        g.tags = if g.template { "template" } else { "lab" }.into();
        g.agent = true;
        // Class VMs are reverted to "baseline" (deployed ones get it at deploy time): the
        // seeded ones have it from the start, or revert fails on every one of them.
        if !g.template {
            push_baseline(&mut g);
        }
        state.guests.insert(*vmid, g);
    }
    Ok(state)
}

fn guest(vmid: u32, kind: GuestKind, name: String, node: usize, r: &mut Rng, now: f64) -> Guest {
    let ctime = now - 86_400.0 * (1.0 + 400.0 * r.unit());
    Guest {
        vmid,
        kind,
        name,
        node,
        running: false,
        started: now - 60.0 - (86_400.0 * 30.0) * r.unit() * r.unit(),
        template: false,
        tags: String::new(),
        pool: None,
        cores: 2,
        memory_mb: 2048,
        disk_gb: 32,
        lock: None,
        ostype: match kind {
            GuestKind::Qemu => "l26",
            GuestKind::Lxc => "debian",
        },
        agent: kind == GuestKind::Qemu,
        description: String::new(),
        snapshots: Vec::new(),
        parent: None,
        busy: false,
        base: None,
        ctime: ctime as i64,
        seed: r.next_u64(),
        revision: 0,
    }
}

/// Labs reset students' machines to a known state; some also keep a pre-upgrade point.
fn add_baseline(g: &mut Guest, r: &mut Rng) {
    let t = push_baseline(g);
    if r.chance(0.25) {
        g.snapshots.push(SimSnapshot {
            name: "before-upgrade".into(),
            description: String::new(),
            snaptime: t + 86_400 * 7,
            parent: Some("baseline".into()),
            vmstate: false,
        });
        g.parent = Some("before-upgrade".into());
    }
}

/// The "baseline" snapshot a day after creation, as the current state's parent; its time.
fn push_baseline(g: &mut Guest) -> i64 {
    let t = g.ctime + 86_400;
    g.snapshots.push(SimSnapshot {
        name: "baseline".into(),
        description: "Clean state for the lab".into(),
        snaptime: t,
        parent: None,
        vmstate: false,
    });
    g.parent = Some("baseline".into());
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_mix() {
        let opts = SimOptions { guests: 200, ..Default::default() };
        let a = build(&opts, 1e9).unwrap();
        let b = build(&opts, 1e9).unwrap();
        assert_eq!(a.guests.len(), 200);
        let names = |s: &SimState| s.guests.values().map(|g| g.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), names(&b));
        assert!(a.guests.values().any(|g| g.template));
        assert!(a.guests.values().any(|g| g.kind == GuestKind::Lxc));
        assert!(a.guests.values().any(|g| g.running));
        assert!(a.guests.values().any(|g| !g.snapshots.is_empty()));
        assert_eq!(a.nodes.len(), 3);
    }

    #[test]
    fn extra_guests_replace_and_check_nodes() {
        let opts = SimOptions {
            guests: 5,
            extra_guests: vec![(4100, "class-vm-4100".into(), "pve2".into()), (9000, "tpl-lab".into(), "pve1".into())],
            ..Default::default()
        };
        let s = build(&opts, 1e9).unwrap();
        assert_eq!(s.guests[&4100].node, 1);
        assert!(s.guests[&9000].template);
        assert!(s.guests[&4100].snapshots.iter().any(|x| x.name == "baseline"), "class VMs can be reverted");
        assert!(s.guests[&9000].snapshots.is_empty(), "templates have no baseline");
        let bad = SimOptions { extra_guests: vec![(4100, "x".into(), "pve9".into())], ..Default::default() };
        assert!(build(&bad, 1e9).is_err());
    }
}
