//! What the simulated cluster is made of: nodes, guests and their snapshots.

use crate::pve::GuestKind;

#[derive(Debug, Clone)]
pub(crate) struct SimNode {
    pub name: String,
    pub online: bool,
    pub maxcpu: u32,
    pub maxmem: u64,
    /// Root filesystem size (also the `local` storage).
    pub maxdisk: u64,
    /// Thin pool size (`local-lvm`).
    pub thin_size: u64,
    /// Unix seconds.
    pub boot: f64,
    pub seed: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct SimSnapshot {
    pub name: String,
    pub description: String,
    pub snaptime: i64,
    pub parent: Option<String>,
    pub vmstate: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Guest {
    pub vmid: u32,
    pub kind: GuestKind,
    pub name: String,
    pub node: usize,
    pub running: bool,
    /// Unix seconds of the last start (meaningful while running).
    pub started: f64,
    pub template: bool,
    pub tags: String,
    pub pool: Option<String>,
    pub cores: u32,
    pub memory_mb: u64,
    pub disk_gb: u64,
    /// Config lock (`clone`, `snapshot`, `rollback`…), shown in lists like Proxmox does.
    pub lock: Option<&'static str>,
    pub ostype: &'static str,
    pub agent: bool,
    pub description: String,
    pub snapshots: Vec<SimSnapshot>,
    /// The snapshot the current state derives from.
    pub parent: Option<String>,
    /// Set while a task holds the guest's lock file.
    pub busy: bool,
    /// Template this guest is a linked clone of (its disk names show it).
    pub base: Option<u32>,
    pub ctime: i64,
    /// Drives the plausible metrics.
    pub seed: u64,
    /// Bumped on each config change, feeds the config digest.
    pub revision: u32,
}

impl Guest {
    pub(crate) fn maxmem(&self) -> u64 {
        self.memory_mb * 1024 * 1024
    }

    /// Production and infrastructure guests are HA resources in the simulated cluster.
    pub(crate) fn ha_managed(&self) -> bool {
        !self.template && (self.tags.contains("prod") || self.tags.contains("infra"))
    }

    pub(crate) fn maxdisk(&self) -> u64 {
        self.disk_gb * 1024 * 1024 * 1024
    }

    pub(crate) fn is_windows(&self) -> bool {
        self.ostype.starts_with('w')
    }

    /// "VM 100" or "CT 100", the way Proxmox words its messages.
    pub(crate) fn label(&self) -> String {
        match self.kind {
            GuestKind::Qemu => format!("VM {}", self.vmid),
            GuestKind::Lxc => format!("CT {}", self.vmid),
        }
    }

    /// Proxmox's own MAC prefix BC:24:11, then the VMID.
    pub(crate) fn mac(&self) -> String {
        let v = self.vmid;
        format!("BC:24:11:{:02X}:{:02X}:{:02X}", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }

    /// The simulator's address plan: 127.b.c.h, unique per VMID. Loopback on purpose: the
    /// poller probes guests' SSH and RDP ports, and simulated guests must never send it to
    /// a real network (nothing listens there, so probes fail at once).
    pub(crate) fn ipv4(&self) -> String {
        let n = self.vmid.saturating_sub(100);
        let host = n % 250 + 2;
        let net = n / 250;
        format!("127.{}.{}.{host}", 100 + ((net >> 8) & 0x7f), net & 0xff)
    }

    pub(crate) fn disk_volume(&self) -> String {
        match (self.template, self.base) {
            (true, _) => format!("base-{}-disk-0", self.vmid),
            (false, Some(base)) => format!("base-{base}-disk-0/vm-{}-disk-0", self.vmid),
            (false, None) => format!("vm-{}-disk-0", self.vmid),
        }
    }
}
