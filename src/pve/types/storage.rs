//! Storages and their volumes (ISOs, container templates, disks, backups).

use super::lenient;
use serde::{Deserialize, Serialize};

/// One row of `GET /nodes/{node}/storage`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct StorageSummary {
    #[serde(deserialize_with = "lenient::string")]
    pub storage: String,
    /// Plugin type: `dir`, `lvmthin`, `zfspool`, `nfs`, `pbs`…
    #[serde(rename = "type", deserialize_with = "lenient::string")]
    pub kind: String,
    /// Comma-separated content types: `iso,vztmpl,backup`, `images,rootdir`.
    #[serde(deserialize_with = "lenient::string")]
    pub content: String,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub active: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub enabled: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub shared: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub total: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub used: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub avail: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_f64")]
    pub used_fraction: Option<f64>,
}

impl StorageSummary {
    pub fn contents(&self) -> Vec<&str> {
        self.content.split(',').map(str::trim).filter(|c| !c.is_empty()).collect()
    }
    pub fn holds(&self, content: &str) -> bool {
        self.contents().contains(&content)
    }
}

/// One row of `GET /nodes/{node}/storage/{storage}/content`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Volume {
    /// `local:iso/debian-12.iso`, `local-lvm:vm-100-disk-0`.
    #[serde(deserialize_with = "lenient::string")]
    pub volid: String,
    /// `iso`, `raw`, `qcow2`, `tzst`, `pbs-vm`…
    #[serde(deserialize_with = "lenient::string")]
    pub format: String,
    /// Bytes (required by the schema, but decoded leniently).
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub size: Option<u64>,
    /// Not in the schema, but real servers send it (`iso`, `images`, `backup`…).
    #[serde(deserialize_with = "lenient::opt_string")]
    pub content: Option<String>,
    #[serde(deserialize_with = "lenient::opt_i64")]
    pub ctime: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_u32")]
    pub vmid: Option<u32>,
    #[serde(deserialize_with = "lenient::opt_u64")]
    pub used: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub notes: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub parent: Option<String>,
    #[serde(deserialize_with = "lenient::opt_bool")]
    pub protected: Option<bool>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub encrypted: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string")]
    pub subtype: Option<String>,
}

impl Volume {
    /// The file name part: `debian-12.iso` for `local:iso/debian-12.iso`.
    pub fn file_name(&self) -> &str {
        let after_storage = self.volid.split_once(':').map_or(&*self.volid, |(_, v)| v);
        after_storage.rsplit('/').next().unwrap_or(after_storage)
    }

    pub fn is_iso(&self) -> bool {
        self.content.as_deref() == Some("iso") || self.format == "iso"
    }
}
