//! Guests (QEMU VMs and LXC containers): kinds, actions, status, configuration, snapshots.

use super::lenient;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestKind {
    Qemu,
    Lxc,
}

impl GuestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GuestKind::Qemu => "qemu",
            GuestKind::Lxc => "lxc",
        }
    }

    /// Task type prefix: `qm…` for VMs, `vz…` for containers.
    pub fn task_prefix(self) -> &'static str {
        match self {
            GuestKind::Qemu => "qm",
            GuestKind::Lxc => "vz",
        }
    }
}

impl fmt::Display for GuestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for GuestKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "qemu" => Ok(GuestKind::Qemu),
            "lxc" => Ok(GuestKind::Lxc),
            other => Err(format!("unknown guest type '{other}'")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PowerAction {
    Start,
    Stop,
    Shutdown,
    Reboot,
}

impl PowerAction {
    pub const ALL: [PowerAction; 4] =
        [PowerAction::Start, PowerAction::Stop, PowerAction::Shutdown, PowerAction::Reboot];

    pub fn as_str(self) -> &'static str {
        match self {
            PowerAction::Start => "start",
            PowerAction::Stop => "stop",
            PowerAction::Shutdown => "shutdown",
            PowerAction::Reboot => "reboot",
        }
    }
}

impl fmt::Display for PowerAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parameters of `POST /nodes/{node}/qemu/{vmid}/clone`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CloneRequest {
    pub newid: u32,
    pub name: Option<String>,
    /// Target node (the source must be on shared storage for another node).
    pub target: Option<String>,
    /// Full copy; templates default to linked clones when false.
    pub full: bool,
    pub pool: Option<String>,
    pub description: Option<String>,
}

/// `GET /nodes/{node}/{qemu|lxc}/{vmid}/status/current`, also one row of
/// `GET /nodes/{node}/{qemu|lxc}`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GuestStatus {
    #[serde(deserialize_with = "lenient::u32")]
    pub vmid: u32,
    /// `running`, `stopped` (or `unknown` in cluster views).
    #[serde(deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub qmpstatus: Option<String>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub cpus: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub mem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub maxmem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub disk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub maxdisk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub swap: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub maxswap: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub diskread: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub diskwrite: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub netin: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub netout: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub uptime: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub pid: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub lock: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub tags: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub template: bool,
    /// QEMU only: the guest agent is enabled in the config.
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub agent: Option<bool>,
    #[serde(rename = "running-machine", deserialize_with = "lenient::opt_string")]
    pub running_machine: Option<String>,
    #[serde(rename = "running-qemu", deserialize_with = "lenient::opt_string")]
    pub running_qemu: Option<String>,
    #[serde(deserialize_with = "ha_status")]
    pub ha: Option<HaStatus>,
}

impl GuestStatus {
    pub fn is_running(&self) -> bool {
        self.status == "running"
    }
    pub fn tags(&self) -> Vec<String> {
        super::resource::split_tags(self.tags.as_deref().unwrap_or(""))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HaStatus {
    #[serde(deserialize_with = "lenient::bool")]
    pub managed: bool,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub state: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub group: Option<String>,
}

fn ha_status<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<HaStatus>, D::Error> {
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).ok())
}

/// `GET /nodes/{node}/{qemu|lxc}/{vmid}/config`: free-form keys, read through accessors.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GuestConfig(pub BTreeMap<String, serde_json::Value>);

impl GuestConfig {
    pub fn get(&self, key: &str) -> Option<&serde_json::Value> {
        self.0.get(key)
    }

    /// A value as text, whatever its JSON type (`cores: 2` and `cpulimit: "4"` alike).
    pub fn get_str(&self, key: &str) -> Option<String> {
        match self.0.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(if *b { "1" } else { "0" }.into()),
            _ => None,
        }
    }

    fn get_u64(&self, key: &str) -> Option<u64> {
        let s = self.get_str(key)?;
        let s = s.trim();
        s.parse().ok().or_else(|| s.parse::<f64>().ok().map(|f| f as u64))
    }

    /// QEMU `name`, LXC `hostname`.
    pub fn name(&self) -> Option<String> {
        self.get_str("name").or_else(|| self.get_str("hostname"))
    }

    pub fn cores(&self) -> Option<u32> {
        self.get_u64("cores").and_then(|c| u32::try_from(c).ok())
    }

    /// Memory in MiB; QEMU may write it as `current=4096` (PVE 8+).
    pub fn memory_mb(&self) -> Option<u64> {
        let raw = self.get_str("memory")?;
        let value = raw.split(',').find_map(|p| p.strip_prefix("current=")).unwrap_or(&raw);
        value.trim().parse().ok()
    }

    /// MAC addresses of `net0`, `net1`…, in interface order, upper case.
    pub fn macs(&self) -> Vec<String> {
        let mut nets: Vec<(u32, &str)> = self
            .0
            .iter()
            .filter_map(|(k, v)| {
                let n = k.strip_prefix("net")?.parse().ok()?;
                Some((n, v.as_str()?))
            })
            .collect();
        nets.sort_by_key(|(n, _)| *n);
        nets.into_iter().filter_map(|(_, v)| mac_of(v)).collect()
    }

    pub fn lock(&self) -> Option<String> {
        self.get_str("lock")
    }

    pub fn ostype(&self) -> Option<String> {
        self.get_str("ostype")
    }

    /// `agent: 1`, `"1"` or `"enabled=1,fstrim_cloned_disks=1"`.
    pub fn agent_enabled(&self) -> bool {
        let Some(raw) = self.get_str("agent") else {
            return false;
        };
        let first = raw.split(',').next().unwrap_or("");
        let value = first.strip_prefix("enabled=").unwrap_or(first);
        matches!(value.trim(), "1" | "true" | "yes" | "on")
    }

    pub fn tags(&self) -> Vec<String> {
        super::resource::split_tags(&self.get_str("tags").unwrap_or_default())
    }

    pub fn description(&self) -> Option<String> {
        self.get_str("description")
    }

    /// The boot disk's key and size in GiB: the first disk of `boot: order=…` (or the old
    /// `bootdisk`), else the first of scsi0, virtio0, sata0, ide0, or LXC's rootfs. CD-ROMs
    /// (`media=cdrom`) are not disks.
    pub fn boot_disk(&self) -> Option<(String, f64)> {
        let order = self.get_str("boot").and_then(|b| {
            b.split(',').find_map(|p| p.strip_prefix("order=")).map(|o| o.split(';').map(str::to_string).collect())
        });
        let candidates: Vec<String> = order
            .or_else(|| self.get_str("bootdisk").map(|d| vec![d]))
            .unwrap_or_default()
            .into_iter()
            .chain(["scsi0", "virtio0", "sata0", "ide0", "rootfs"].map(String::from))
            .collect();
        candidates.into_iter().find_map(|key| {
            let raw = self.get_str(&key)?;
            if raw.split(',').any(|p| p == "media=cdrom") {
                return None;
            }
            let size = raw.split(',').find_map(|p| p.strip_prefix("size="))?;
            Some((key, size_gib(size)?))
        })
    }

    pub fn is_template(&self) -> bool {
        matches!(self.get_str("template").as_deref(), Some("1" | "true"))
    }

    /// The settings worth showing in a detail pane, in a stable order: identity, CPU and
    /// memory, agent, network cards, disks, then tags, lock and description.
    pub fn summary(&self) -> Vec<(String, String)> {
        const HEAD: [&str; 10] =
            ["name", "hostname", "ostype", "arch", "sockets", "cores", "memory", "swap", "balloon", "agent"];
        const TAIL: [&str; 5] = ["onboot", "tags", "lock", "template", "description"];
        let is_disk = |k: &str| {
            k == "rootfs"
                || ["scsi", "virtio", "sata", "ide", "mp", "efidisk", "tpmstate"]
                    .iter()
                    .any(|p| k.strip_prefix(p).is_some_and(|n| n.parse::<u32>().is_ok()))
        };
        let is_net = |k: &str| k.strip_prefix("net").is_some_and(|n| n.parse::<u32>().is_ok());
        let mut out = Vec::new();
        let mut push = |k: &str| {
            if let Some(v) = self.get_str(k) {
                out.push((k.to_string(), v));
            }
        };
        HEAD.iter().for_each(|k| push(k));
        self.0.keys().filter(|k| is_net(k)).for_each(|k| push(k));
        self.0.keys().filter(|k| is_disk(k)).for_each(|k| push(k));
        TAIL.iter().for_each(|k| push(k));
        out
    }
}

/// `32G`, `512M`, `1T`, or bytes without a unit, as GiB.
fn size_gib(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, unit) = s.find(|c: char| c.is_ascii_alphabetic()).map_or((s, ""), |i| s.split_at(i));
    let n: f64 = num.parse().ok()?;
    let per_gib = match unit {
        "" => 1024.0 * 1024.0 * 1024.0,
        "K" => 1024.0 * 1024.0,
        "M" => 1024.0,
        "G" => 1.0,
        "T" => 1.0 / 1024.0,
        _ => return None,
    };
    Some(n / per_gib)
}

/// `virtio=AA:BB:…,bridge=vmbr0` (QEMU) or `name=eth0,hwaddr=AA:BB:…` (LXC).
fn mac_of(net: &str) -> Option<String> {
    net.split(',').find_map(|part| {
        let (key, value) = part.split_once('=')?;
        let is_mac = value.len() == 17 && value.split(':').count() == 6;
        (is_mac && (key == "hwaddr" || key == "macaddr" || !key.contains("addr"))).then(|| value.to_ascii_uppercase())
    })
}

/// One entry of `GET …/snapshot`; the entry named `current` is "You are here".
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    #[serde(deserialize_with = "lenient::string")]
    pub name: String,
    #[serde(deserialize_with = "lenient::string")]
    pub description: String,
    /// Absent or empty at the root.
    #[serde(deserialize_with = "lenient::opt_string")]
    pub parent: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub snaptime: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub vmstate: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub running: Option<bool>,
}

impl Snapshot {
    pub fn is_current(&self) -> bool {
        self.name == "current"
    }
    /// When it was taken, as `YYYY-MM-DD HH:MM` UTC (empty for `current`).
    pub fn when(&self) -> String {
        self.snaptime
            .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
            .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default()
    }

    /// The parent, with Proxmox's empty string meaning none.
    pub fn parent(&self) -> Option<&str> {
        self.parent.as_deref().filter(|p| !p.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boot_disk_follows_the_boot_order_and_skips_cdroms() {
        let cfg: GuestConfig = serde_json::from_str(
            r#"{"boot":"order=ide2;virtio1;net0","ide2":"local:iso/x.iso,media=cdrom,size=600M",
                "scsi0":"local-lvm:vm-1-disk-0,size=32G","virtio1":"local-lvm:vm-1-disk-1,size=512M"}"#,
        )
        .unwrap();
        assert_eq!(cfg.boot_disk(), Some(("virtio1".into(), 0.5)));
        let old: GuestConfig = serde_json::from_str(r#"{"scsi0":"local-lvm:vm-1-disk-0,iothread=1,size=1T"}"#).unwrap();
        assert_eq!(old.boot_disk(), Some(("scsi0".into(), 1024.0)));
        let ct: GuestConfig = serde_json::from_str(r#"{"rootfs":"local-lvm:vm-2-disk-0,size=8589934592"}"#).unwrap();
        assert_eq!(ct.boot_disk(), Some(("rootfs".into(), 8.0)));
    }

    #[test]
    fn config_accessors() {
        let cfg: GuestConfig = serde_json::from_str(
            r#"{"name":"w","cores":"6","memory":"current=10240","agent":"enabled=1,fstrim_cloned_disks=1",
                "net1":"e1000=aa:bb:cc:dd:ee:02,bridge=vmbr1","net0":"virtio=AA:BB:CC:DD:EE:01,bridge=vmbr0,firewall=1",
                "tags":"lab;win","lock":"clone"}"#,
        )
        .unwrap();
        assert_eq!(cfg.name().as_deref(), Some("w"));
        assert_eq!(cfg.cores(), Some(6));
        assert_eq!(cfg.memory_mb(), Some(10240));
        assert!(cfg.agent_enabled());
        assert_eq!(cfg.macs(), ["AA:BB:CC:DD:EE:01", "AA:BB:CC:DD:EE:02"]);
        assert_eq!(cfg.lock().as_deref(), Some("clone"));
        assert_eq!(cfg.boot_disk(), None);
        assert_eq!(cfg.tags(), ["lab", "win"]);
        let lxc: GuestConfig = serde_json::from_str(
            r#"{"hostname":"ct","memory":512,"net0":"name=eth0,bridge=vmbr0,hwaddr=5D:CF:BD:B2:C5:39,ip=dhcp","agent":"0"}"#,
        )
        .unwrap();
        assert_eq!(lxc.name().as_deref(), Some("ct"));
        assert_eq!(lxc.memory_mb(), Some(512));
        assert_eq!(lxc.macs(), ["5D:CF:BD:B2:C5:39"]);
        assert!(!lxc.agent_enabled());
    }
}
