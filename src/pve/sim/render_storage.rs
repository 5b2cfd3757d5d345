//! Storages: `local` (directory: ISOs, container templates, backups) and `local-lvm` (thin
//! pool: guest disks) on every node.

use super::http::{Reply, SimError};
use super::metrics;
use super::render::{STORAGES, node_loads};
use super::state::SimState;
use crate::pve::GuestKind;
use serde_json::{Value, json};

const GIB: u64 = 1024 * 1024 * 1024;

const ISOS: [(&str, u64); 5] = [
    ("debian-12.7.0-amd64-netinst.iso", 661_651_456),
    ("ubuntu-24.04.1-live-server-amd64.iso", 2_773_874_688),
    ("alpine-virt-3.20.3-x86_64.iso", 65_011_712),
    ("Win11_24H2_English_x64.iso", 5_819_484_160),
    ("virtio-win-0.1.262.iso", 709_625_856),
];

const CT_TEMPLATES: [(&str, u64); 3] = [
    ("debian-12-standard_12.7-1_amd64.tar.zst", 126_255_430),
    ("ubuntu-24.04-standard_24.04-2_amd64.tar.zst", 141_787_021),
    ("alpine-3.20-default_20240908_amd64.tar.xz", 3_190_052),
];

pub(crate) fn storages(st: &SimState, node: usize, now: f64, content: Option<&str>) -> Reply {
    let n = &st.nodes[node];
    let m = metrics::node(n, &node_loads(st, now)[node], now);
    let rows: Vec<Value> = STORAGES
        .iter()
        .filter(|(_, _, c)| content.is_none_or(|want| c.split(',').any(|c| c == want)))
        .map(|(storage, plugin, c)| {
            let (used, total) = match *storage {
                "local" => (m.rootfs_used, n.maxdisk),
                _ => (m.thin_used, n.thin_size),
            };
            json!({
                "storage": storage, "type": plugin, "content": c,
                "active": 1, "enabled": 1, "shared": 0,
                "total": total, "used": used, "avail": total - used,
                "used_fraction": used as f64 / total as f64,
            })
        })
        .collect();
    Reply::data(&rows)
}

pub(crate) fn content(st: &SimState, node: usize, storage: &str, content: Option<&str>) -> Result<Reply, SimError> {
    let n = &st.nodes[node];
    let ctime = (n.boot - 86_400.0 * 30.0) as i64;
    let want = |c: &str| content.is_none_or(|w| w == c);
    let mut rows = Vec::new();
    match storage {
        "local" => {
            if want("iso") {
                for (i, (file, size)) in ISOS.iter().enumerate() {
                    rows.push(json!({"volid": format!("local:iso/{file}"), "format": "iso",
                                     "size": size, "ctime": ctime + i as i64 * 86_400}));
                }
            }
            if want("vztmpl") {
                for (file, size) in CT_TEMPLATES {
                    let format = file.rsplit('.').next().map_or("tzst", |ext| match ext {
                        "zst" => "tzst",
                        _ => "txz",
                    });
                    rows.push(json!({"volid": format!("local:vztmpl/{file}"), "format": format,
                                     "size": size, "ctime": ctime}));
                }
            }
            if want("backup") {
                // A nightly backup of the node's first few guests.
                for g in st.guests.values().filter(|g| g.node == node && !g.template).take(3) {
                    let kind = match g.kind {
                        GuestKind::Qemu => "qemu",
                        GuestKind::Lxc => "lxc",
                    };
                    let ext = match g.kind {
                        GuestKind::Qemu => "vma.zst",
                        GuestKind::Lxc => "tar.zst",
                    };
                    rows.push(json!({
                        "volid": format!("local:backup/vzdump-{kind}-{}-2024_11_02-02_00_03.{ext}", g.vmid),
                        "format": ext, "size": g.maxdisk() / 7, "ctime": ctime + 86_400 * 20,
                        "vmid": g.vmid, "notes": format!("{} nightly", g.name), "protected": 0,
                    }));
                }
            }
        }
        "local-lvm" => {
            for g in st.guests.values().filter(|g| g.node == node) {
                let c = match g.kind {
                    GuestKind::Qemu => "images",
                    GuestKind::Lxc => "rootdir",
                };
                if !want(c) {
                    continue;
                }
                let volume = g.disk_volume();
                let mut v = json!({
                    "volid": format!("local-lvm:{volume}"), "format": "raw",
                    "size": g.disk_gb * GIB, "vmid": g.vmid, "ctime": g.ctime,
                });
                if let Some(base) = g.base {
                    v["parent"] = format!("base-{base}-disk-0@__base__").into();
                }
                rows.push(v);
            }
        }
        other => {
            return Err(SimError::new(500, format!("storage '{other}' does not exist")));
        }
    }
    Ok(Reply::data(&rows))
}
