//! Plausible, cheap metrics: derived from each guest's seed and a 10-second time bucket (the
//! pvestatd cadence), so nothing is stored and every request sees consistent numbers.

use super::model::{Guest, SimNode};
use super::rng::noise;
use crate::pve::GuestKind;

const GIB: u64 = 1024 * 1024 * 1024;

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct GuestMetrics {
    pub cpu: f64,
    pub mem: u64,
    pub disk: u64,
    pub netin: u64,
    pub netout: u64,
    pub diskread: u64,
    pub diskwrite: u64,
    pub uptime: u64,
    pub swap: u64,
}

fn bucket(now: f64) -> u64 {
    (now / 10.0).max(0.0) as u64
}

pub(crate) fn guest(g: &Guest, now: f64) -> GuestMetrics {
    if !g.running || g.template {
        return GuestMetrics::default();
    }
    let s = g.seed;
    let b = bucket(now);
    let uptime = (now - g.started).max(0.0);
    // A lightly loaded lab: mostly idle guests, a few busy ones; booting guests are busy.
    let level = 0.003 + 0.35 * noise(s, 1).powi(3);
    let mut cpu = (level * (0.5 + noise(s, b))).min(1.0);
    if uptime < 60.0 {
        cpu = cpu.max(0.5 + 0.4 * noise(s, b ^ 7));
    }
    let ramp = (uptime / 60.0).clamp(0.2, 1.0);
    let frac = match g.kind {
        GuestKind::Qemu => 0.3 + 0.5 * noise(s, 2),
        GuestKind::Lxc => 0.05 + 0.4 * noise(s, 2),
    } + 0.05 * (noise(s, b.wrapping_add(3)) - 0.5);
    let mem = (g.maxmem() as f64 * (frac * ramp).clamp(0.01, 0.99)) as u64;
    let disk = match g.kind {
        // QEMU cannot see inside the disk without the agent: Proxmox reports 0.
        GuestKind::Qemu => 0,
        GuestKind::Lxc => (g.maxdisk() as f64 * (0.1 + 0.5 * noise(s, 4))) as u64,
    };
    let rate_in = 500.0 + 200_000.0 * noise(s, 5).powi(2);
    let rate_out = rate_in * (0.2 + 0.6 * noise(s, 6));
    let rate_read = 2_000.0 + 400_000.0 * noise(s, 7).powi(2);
    let rate_write = rate_read * (0.3 + noise(s, 8));
    GuestMetrics {
        cpu,
        mem,
        disk,
        netin: (rate_in * uptime) as u64,
        netout: (rate_out * uptime) as u64,
        diskread: (rate_read * uptime) as u64,
        diskwrite: (rate_write * uptime) as u64,
        uptime: uptime as u64,
        swap: 0,
    }
}

/// Per-node sums of what its running guests use.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct NodeLoad {
    pub cpu_cores: f64,
    pub mem: u64,
    pub thin_used: u64,
}

impl NodeLoad {
    pub(crate) fn add(&mut self, g: &Guest, m: &GuestMetrics) {
        self.cpu_cores += m.cpu * f64::from(g.cores);
        self.mem += m.mem;
        // Thin provisioning: a disk uses part of its size.
        self.thin_used += g.maxdisk() / if g.base.is_some() { 20 } else { 3 };
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeMetrics {
    pub cpu: f64,
    pub mem: u64,
    pub uptime: u64,
    pub rootfs_used: u64,
    pub thin_used: u64,
}

pub(crate) fn node(n: &SimNode, load: &NodeLoad, now: f64) -> NodeMetrics {
    let base = 0.01 + 0.02 * noise(n.seed, bucket(now));
    let cpu = (base + load.cpu_cores / f64::from(n.maxcpu.max(1))).min(1.0);
    let mem = (3 * GIB + load.mem).min(n.maxmem / 100 * 97);
    NodeMetrics {
        cpu,
        mem,
        uptime: (now - n.boot).max(0.0) as u64,
        rootfs_used: n.maxdisk / 100 * 9 + (noise(n.seed, 11) * 2.0 * GIB as f64) as u64,
        thin_used: load.thin_used.min(n.thin_size / 100 * 95),
    }
}

/// The guest as it was at `t`. Like pvestatd, minutes while it was off hold zeros (not
/// gaps), so a VM started a moment ago shows an hour of 0 % CPU; templates have no samples.
pub(crate) fn rrd_sample(g: &Guest, now: f64, t: f64) -> Option<GuestMetrics> {
    if g.template {
        return None;
    }
    if !g.running || t < g.started {
        return Some(GuestMetrics::default());
    }
    Some(guest(g, t.min(now)))
}
