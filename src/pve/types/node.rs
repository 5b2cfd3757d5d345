//! Cluster nodes and the API version.

use super::lenient;
use serde::{Deserialize, Serialize};

/// `GET /version`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Version {
    /// Full pve-manager version: `7.2-3` (PVE ≤ 7) or `9.1.4`.
    #[serde(deserialize_with = "lenient::string")]
    pub version: String,
    /// `x.y`.
    #[serde(deserialize_with = "lenient::string")]
    pub release: String,
    #[serde(deserialize_with = "lenient::string")]
    pub repoid: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub console: Option<String>,
}

impl Version {
    /// Major release number (`7` for "7.2").
    pub fn major(&self) -> Option<u32> {
        self.release.split('.').next()?.parse().ok()
    }
}

/// One row of `GET /nodes`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeSummary {
    #[serde(deserialize_with = "lenient::string")]
    pub node: String,
    /// `online`, `offline` or `unknown`.
    #[serde(deserialize_with = "lenient::string")]
    pub status: String,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub cpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub maxcpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub mem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub maxmem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub disk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub maxdisk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub uptime: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub level: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub ssl_fingerprint: Option<String>,
}

impl NodeSummary {
    pub fn is_online(&self) -> bool {
        self.status == "online"
    }
}

/// `GET /nodes/{node}/status`. Only some fields are stable across versions; the rest are
/// optional.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeStatus {
    #[serde(deserialize_with = "lenient::f64")]
    pub cpu: f64,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub wait: Option<f64>,
    /// 1, 5 and 15 minute load averages (sent as strings).
    #[serde(deserialize_with = "lenient::f64_list")]
    pub loadavg: Vec<f64>,
    #[serde(deserialize_with = "lenient::string")]
    pub pveversion: String,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub kversion: Option<String>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub uptime: Option<u64>,
    pub memory: MemoryUsage,
    pub swap: Option<MemoryUsage>,
    pub rootfs: Option<DiskUsage>,
    pub cpuinfo: CpuInfo,
    #[serde(rename = "boot-info")]
    pub boot_info: Option<BootInfo>,
    #[serde(rename = "current-kernel")]
    pub current_kernel: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MemoryUsage {
    #[serde(deserialize_with = "lenient::u64")]
    pub total: u64,
    #[serde(deserialize_with = "lenient::u64")]
    pub used: u64,
    #[serde(deserialize_with = "lenient::u64")]
    pub free: u64,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub available: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DiskUsage {
    #[serde(deserialize_with = "lenient::u64")]
    pub total: u64,
    #[serde(deserialize_with = "lenient::u64")]
    pub used: u64,
    #[serde(deserialize_with = "lenient::u64")]
    pub free: u64,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub avail: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CpuInfo {
    #[serde(deserialize_with = "lenient::opt_string")]
    pub model: Option<String>,
    #[serde(deserialize_with = "lenient::opt_u32")]
    pub sockets: Option<u32>,
    #[serde(deserialize_with = "lenient::opt_u32")]
    pub cores: Option<u32>,
    #[serde(deserialize_with = "lenient::opt_u32")]
    pub cpus: Option<u32>,
    /// Sent as a string like "3400.000".
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub mhz: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct BootInfo {
    /// `efi` or `legacy-bios`.
    #[serde(deserialize_with = "lenient::string")]
    pub mode: String,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub secureboot: Option<bool>,
}
