//! The guest inventory across clusters: records, the filter language, sorting, the poll
//! schedule. Pure: the engine feeds it what Proxmox said and what the store holds.

pub mod agent_asks;
pub mod diff;
pub mod filter;
pub mod label;
pub mod ops;
pub mod reach;
pub mod schedule;

use compact_str::CompactString;
pub use label::Label;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestType {
    Qemu,
    Lxc,
}

impl GuestType {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestType::Qemu => "qemu",
            GuestType::Lxc => "lxc",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "qemu" => Some(GuestType::Qemu),
            "lxc" => Some(GuestType::Lxc),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestStatus {
    Running,
    Paused,
    Suspended,
    Stopped,
    Unknown,
}

impl GuestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestStatus::Running => "running",
            GuestStatus::Paused => "paused",
            GuestStatus::Suspended => "suspended",
            GuestStatus::Stopped => "stopped",
            GuestStatus::Unknown => "unknown",
        }
    }
    /// Whatever Proxmox sends; anything we do not know is "unknown" (never an error).
    pub fn parse(s: &str) -> GuestStatus {
        match s {
            "running" => GuestStatus::Running,
            "paused" => GuestStatus::Paused,
            "suspended" | "prelaunch" => GuestStatus::Suspended,
            "stopped" => GuestStatus::Stopped,
            _ => GuestStatus::Unknown,
        }
    }
}

/// One guest as the inventory keeps it. Compact on purpose: 100k of these must fit in a
/// console's memory budget: strings many guests repeat are shared `Label`s, and the name is
/// kept inline when it is short (most are), so a guest makes no allocation of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Guest {
    pub cluster_id: Uuid,
    pub cluster: Label,
    pub vmid: u32,
    pub guest_type: GuestType,
    pub node: Label,
    pub name: CompactString,
    pub status: GuestStatus,
    pub template: bool,
    /// Tags, lock and pool repeat across guests: shared, not copied per guest.
    pub tags: Label,
    pub lock: Option<Label>,
    pub pool: Option<Label>,
    pub cpu: f32,
    pub maxcpu: u16,
    pub mem: u64,
    pub maxmem: u64,
    pub maxdisk: u64,
    /// Seconds (u32: 136 years, and 4 bytes less per guest).
    pub uptime: u32,
    pub ip: Option<std::net::IpAddr>,
    pub ssh: bool,
    pub rdp: bool,
    /// Proxmox HA state (`started`, `stopped`, `error`…) when the guest is HA-managed.
    pub ha: Option<HaState>,
    /// Missing from the latest answer, which looked incomplete (its node missing or not
    /// online, or a token that lost its privileges): kept as last seen, marked stale.
    pub stale: bool,
    /// Counters the poller keeps in the database but no screen shows: present in the
    /// poller's copy, `None` in the console's (8 bytes a guest instead of 24).
    pub io: Option<Box<GuestIo>>,
}

/// A guest's disk use and network counters, as `/cluster/resources` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct GuestIo {
    pub disk: u64,
    pub netin: u64,
    pub netout: u64,
    /// Host memory the guest uses (PVE 8.2+ `memhost`), when reported.
    pub memhost: Option<u64>,
    pub diskread: u64,
    pub diskwrite: u64,
}

/// Proxmox's HA state of an HA-managed guest, one byte (100k guests carry one each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HaState {
    Started,
    Stopped,
    Disabled,
    Ignored,
    Error,
    Fence,
    Freeze,
    Migrate,
    Recovery,
    Relocate,
    RequestStart,
    RequestStop,
    Queued,
    /// A state newer than this code.
    Other,
}

impl HaState {
    pub const ALL: [HaState; 14] = [
        HaState::Started,
        HaState::Stopped,
        HaState::Disabled,
        HaState::Ignored,
        HaState::Error,
        HaState::Fence,
        HaState::Freeze,
        HaState::Migrate,
        HaState::Recovery,
        HaState::Relocate,
        HaState::RequestStart,
        HaState::RequestStop,
        HaState::Queued,
        HaState::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            HaState::Started => "started",
            HaState::Stopped => "stopped",
            HaState::Disabled => "disabled",
            HaState::Ignored => "ignored",
            HaState::Error => "error",
            HaState::Fence => "fence",
            HaState::Freeze => "freeze",
            HaState::Migrate => "migrate",
            HaState::Recovery => "recovery",
            HaState::Relocate => "relocate",
            HaState::RequestStart => "request_start",
            HaState::RequestStop => "request_stop",
            HaState::Queued => "queued",
            HaState::Other => "other",
        }
    }
    /// Whatever Proxmox sends (`enabled` is the old name of `started`); never an error.
    pub fn parse(s: &str) -> HaState {
        let s = s.trim();
        if s == "enabled" {
            return HaState::Started;
        }
        HaState::ALL.into_iter().find(|h| h.as_str() == s).unwrap_or(HaState::Other)
    }
    /// States an admin should look at.
    pub fn is_trouble(self) -> bool {
        matches!(self, HaState::Error | HaState::Fence | HaState::Recovery)
    }
}

impl Guest {
    pub fn key(&self) -> (Uuid, u32) {
        (self.cluster_id, self.vmid)
    }
    pub fn tag_list(&self) -> impl Iterator<Item = &str> {
        self.tags.split([';', ',', ' ']).filter(|t| !t.is_empty())
    }
    /// Memory use as a fraction of its maximum, when both are known.
    pub fn mem_fraction(&self) -> Option<f64> {
        (self.maxmem > 0).then(|| self.mem as f64 / self.maxmem as f64)
    }

    /// Would a console show the two alike? Live figures compare at the precision the
    /// inventory shows them (CPU and memory in whole percent, uptime in its one unit), and
    /// the counters no screen lists (`io`) not at all: a poll cycle in which nothing visible
    /// moved then writes nothing and wakes no console.
    pub fn looks_same(&self, o: &Guest) -> bool {
        // Every field named, so a new one must be placed on one side or the other.
        let Guest {
            cluster_id,
            cluster,
            vmid,
            guest_type,
            node,
            name,
            status,
            template,
            tags,
            lock,
            pool,
            cpu,
            maxcpu,
            mem: _,
            maxmem,
            maxdisk,
            uptime,
            ip,
            ssh,
            rdp,
            ha,
            stale,
            io: _,
        } = self;
        let pct = |f: f64| (f * 100.0).round() as i64;
        let age = |secs: u32| crate::domain::time::age_unit(i64::from(secs));
        (cluster_id, cluster, vmid, guest_type, node, name, status, template, tags, lock, pool)
            == (
                &o.cluster_id,
                &o.cluster,
                &o.vmid,
                &o.guest_type,
                &o.node,
                &o.name,
                &o.status,
                &o.template,
                &o.tags,
                &o.lock,
                &o.pool,
            )
            && (maxcpu, maxmem, maxdisk, ip, ssh, rdp, ha, stale)
                == (&o.maxcpu, &o.maxmem, &o.maxdisk, &o.ip, &o.ssh, &o.rdp, &o.ha, &o.stale)
            && pct(f64::from(*cpu)) == pct(f64::from(o.cpu))
            && self.mem_fraction().map(pct) == o.mem_fraction().map(pct)
            && age(*uptime) == age(o.uptime)
    }
}

/// Human sizes for tables: 512M, 3.2G, 1.1T.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "K", "M", "G", "T"];
    let mut v = n as f64;
    let mut i = 0;
    while v >= 1024.0 && i < UNITS.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 || v >= 100.0 { format!("{v:.0}{}", UNITS[i]) } else { format!("{v:.1}{}", UNITS[i]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_never_fail_to_parse() {
        assert_eq!(GuestStatus::parse("running"), GuestStatus::Running);
        assert_eq!(GuestStatus::parse("whatever-next"), GuestStatus::Unknown);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(bytes(512), "512B");
        assert_eq!(bytes(2 * 1024 * 1024 * 1024), "2.0G");
        assert_eq!(bytes(300 * 1024 * 1024), "300M");
    }

    #[test]
    fn ha_states_parse_leniently() {
        assert_eq!(HaState::parse("started"), HaState::Started);
        assert_eq!(HaState::parse("enabled"), HaState::Started);
        assert_eq!(HaState::parse("request_stop"), HaState::RequestStop);
        assert_eq!(HaState::parse("quantum"), HaState::Other);
        assert_eq!(serde_json::to_string(&HaState::RequestStart).unwrap(), "\"request_start\"");
        assert!(HaState::parse("error").is_trouble() && !HaState::Started.is_trouble());
    }

    #[test]
    fn a_guest_stays_small() {
        assert!(std::mem::size_of::<Guest>() <= 152, "{}", std::mem::size_of::<Guest>());
    }
}

#[cfg(test)]
pub(crate) mod tests_support {
    use super::*;

    pub fn guest(vmid: u32, name: &str, node: &str) -> Guest {
        Guest {
            cluster_id: Uuid::nil(),
            cluster: "east".into(),
            vmid,
            guest_type: GuestType::Qemu,
            node: node.into(),
            name: name.into(),
            status: GuestStatus::Stopped,
            template: false,
            tags: "".into(),
            lock: None,
            pool: None,
            cpu: 0.0,
            maxcpu: 2,
            mem: 0,
            maxmem: 2 << 30,
            maxdisk: 32 << 30,
            uptime: 0,
            ip: None,
            ssh: false,
            rdp: false,
            ha: None,
            stale: false,
            io: None,
        }
    }
}
