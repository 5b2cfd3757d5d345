//! One row of `GET /cluster/resources`: every field the API schema lists, decoded leniently.

use super::GuestKind;
use super::lenient;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceType {
    Node,
    Storage,
    Pool,
    Qemu,
    Lxc,
    Openvz,
    Sdn,
    Network,
    /// A type newer than this client; kept so one new kind does not break the poller.
    #[default]
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Resource {
    /// `qemu/100`, `node/pve1`, `storage/pve1/local`, `pool/lab`… (some captures omit it).
    #[serde(deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ResourceType,
    #[serde(rename = "cgroup-mode", deserialize_with = "lenient::opt_i64", skip_serializing_if = "Option::is_none")]
    pub cgroup_mode: Option<i64>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Fraction of `maxcpu` in use (0.0..=1.0).
    #[serde(deserialize_with = "lenient::opt_f64", skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub disk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub diskread: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub diskwrite: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub hastate: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub lock: Option<String>,
    #[serde(deserialize_with = "lenient::opt_f64", skip_serializing_if = "Option::is_none")]
    pub maxcpu: Option<f64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub maxdisk: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub maxmem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub mem: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub memhost: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub netin: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub netout: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub network: Option<String>,
    #[serde(
        rename = "network-type",
        deserialize_with = "lenient::opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub network_type: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub plugintype: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub pool: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub sdn: Option<String>,
    #[serde(deserialize_with = "lenient::opt_bool", skip_serializing_if = "Option::is_none")]
    pub shared: Option<bool>,
    /// `running`, `stopped`, `online`, `unknown`, `available`… depending on the type.
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    #[serde(deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub tags: Option<String>,
    #[serde(deserialize_with = "lenient::bool")]
    pub template: bool,
    #[serde(deserialize_with = "lenient::opt_u64", skip_serializing_if = "Option::is_none")]
    pub uptime: Option<u64>,
    #[serde(deserialize_with = "lenient::opt_u32", skip_serializing_if = "Option::is_none")]
    pub vmid: Option<u32>,
    #[serde(rename = "zone-type", deserialize_with = "lenient::opt_string", skip_serializing_if = "Option::is_none")]
    pub zone_type: Option<String>,
}

impl Resource {
    /// The VMID, from the field or else from an id like `qemu/100`.
    pub fn vmid(&self) -> Option<u32> {
        self.vmid.or_else(|| if self.is_guest() { self.id.rsplit('/').next()?.parse().ok() } else { None })
    }

    pub fn is_guest(&self) -> bool {
        matches!(self.kind, ResourceType::Qemu | ResourceType::Lxc | ResourceType::Openvz)
    }

    pub fn is_template(&self) -> bool {
        self.template
    }

    pub fn guest_kind(&self) -> Option<GuestKind> {
        match self.kind {
            ResourceType::Qemu => Some(GuestKind::Qemu),
            ResourceType::Lxc => Some(GuestKind::Lxc),
            _ => None,
        }
    }

    /// Tags as a list; Proxmox separates them by `;`, `,` or spaces.
    pub fn tags(&self) -> Vec<String> {
        split_tags(self.tags.as_deref().unwrap_or(""))
    }

    /// The status, `unknown` when absent (nodes whose metrics are missing).
    pub fn status_str(&self) -> &str {
        self.status.as_deref().unwrap_or("unknown")
    }
}

pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split([';', ',', ' ']).map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_odd_rows() {
        let rows: Vec<Resource> = serde_json::from_str(
            r#"[
            {"type":"node","node":"pve2","status":"unknown","local":0,"level":"c"},
            {"type":"lxc","vmid":"104","template":true,"tags":"a;b, c d","id":"lxc/104"},
            {"type":"qemu","id":"qemu/100","template":"1","maxcpu":"2","shared":1},
            {"type":"network","network-type":"zone","network":"lab","id":"network/pve1/zone/lab"},
            {"type":"quantum","id":"quantum/1"}
        ]"#,
        )
        .unwrap();
        assert_eq!(rows[0].kind, ResourceType::Node);
        assert_eq!(rows[0].cpu, None);
        assert_eq!(rows[0].status_str(), "unknown");
        assert_eq!(rows[1].vmid(), Some(104));
        assert!(rows[1].is_template());
        assert_eq!(rows[1].tags(), ["a", "b", "c", "d"]);
        assert_eq!(rows[2].vmid(), Some(100));
        assert!(rows[2].is_template());
        assert_eq!(rows[2].maxcpu, Some(2.0));
        assert_eq!(rows[3].network_type.as_deref(), Some("zone"));
        assert_eq!(rows[4].kind, ResourceType::Unknown);
        assert!(!rows[4].is_guest());
    }
}
