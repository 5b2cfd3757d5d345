//! From Proxmox's `/cluster/resources` rows to the inventory's nodes and guests.

use crate::domain::inventory::label::{Interner, Label};
use crate::domain::inventory::{Guest, GuestIo, GuestStatus, GuestType, HaState};
use crate::domain::sanitize;
use crate::pve::{Resource, ResourceType};
use crate::store::pve::Node;
use uuid::Uuid;

pub fn node(cluster_id: Uuid, r: &Resource) -> Option<Node> {
    if r.kind != ResourceType::Node {
        return None;
    }
    let name = r.node.clone().or_else(|| r.id.strip_prefix("node/").map(str::to_string))?;
    // Proxmox says online / offline / unknown; anything else is unknown, not an error.
    let status = match r.status.as_deref() {
        Some("online") => "online",
        Some("offline") => "offline",
        _ => "unknown",
    };
    let i = |v: Option<u64>| v.map(|x| i64::try_from(x).unwrap_or(i64::MAX));
    Some(Node {
        cluster_id,
        name: sanitize::line(&name),
        status: status.into(),
        cpu: r.cpu,
        maxcpu: r.maxcpu,
        mem: i(r.mem),
        maxmem: i(r.maxmem),
        uptime: i(r.uptime),
        last_seen_at: None,
    })
}

/// A guest row; node names are shared between guests (`names` interns them).
pub fn guest(cluster_id: Uuid, cluster: &Label, r: &Resource, names: &mut Interner) -> Option<Guest> {
    let guest_type = match r.kind {
        ResourceType::Qemu => GuestType::Qemu,
        ResourceType::Lxc => GuestType::Lxc,
        _ => return None,
    };
    let vmid = r.vmid()?;
    // Node names, tags, locks and pools repeat across guests: one shared string each.
    let mut clean = |s: &Option<String>| -> Option<Label> {
        // A lone space (Proxmox sends `tags: " "` for cleared tags) is no value at all.
        let s = s.as_deref().map(|s| sanitize::line(s.trim())).filter(|s| !s.is_empty())?;
        Some(names.get(&s))
    };
    let node = clean(&r.node).unwrap_or_else(|| "?".into());
    Some(Guest {
        cluster_id,
        cluster: cluster.clone(),
        vmid,
        guest_type,
        node,
        name: r.name.as_deref().map(sanitize::line).unwrap_or_default().into(),
        status: GuestStatus::parse(r.status_str()),
        template: r.is_template(),
        tags: clean(&r.tags).unwrap_or_else(|| "".into()),
        lock: clean(&r.lock),
        pool: clean(&r.pool),
        cpu: r.cpu.unwrap_or(0.0) as f32,
        maxcpu: r.maxcpu.unwrap_or(0.0).clamp(0.0, u16::MAX as f64) as u16,
        mem: r.mem.unwrap_or(0),
        maxmem: r.maxmem.unwrap_or(0),
        maxdisk: r.maxdisk.unwrap_or(0),
        uptime: u32::try_from(r.uptime.unwrap_or(0)).unwrap_or(u32::MAX),
        ip: None,
        ssh: false,
        rdp: false,
        ha: r.hastate.as_deref().map(str::trim).filter(|h| !h.is_empty()).map(HaState::parse),
        stale: false,
        io: Some(Box::new(GuestIo {
            disk: r.disk.unwrap_or(0),
            netin: r.netin.unwrap_or(0),
            netout: r.netout.unwrap_or(0),
            memhost: r.memhost,
            diskread: r.diskread.unwrap_or(0),
            diskwrite: r.diskwrite.unwrap_or(0),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_cluster_resources_map_to_nodes_and_guests() {
        let body = r#"{"data":[
            {"id":"node/pve1","type":"node","node":"pve1","status":"online","cpu":0.05,"maxcpu":8,"mem":1024,"maxmem":4096,"uptime":99},
            {"id":"node/pve2","type":"node","node":"pve2","status":"unknown"},
            {"id":"qemu/100","type":"qemu","vmid":"100","node":"pve1","name":"web\u001b[31m","status":"running","template":0,"tags":"lab;linux","cpu":0.5,"maxcpu":"2","mem":10,"maxmem":20},
            {"id":"lxc/101","type":"lxc","vmid":101,"node":"pve2","status":"whatever","template":1,"tags":" ","hastate":"started","memhost":77,"diskread":5,"diskwrite":6},
            {"id":"storage/pve1/local","type":"storage","node":"pve1","storage":"local"},
            {"id":"sdn/pve1/zone","type":"sdn"}
        ]}"#;
        let resources: Vec<Resource> = crate::pve::decode::decode_data("/cluster/resources", body.as_bytes()).unwrap();
        let id = Uuid::nil();
        let nodes: Vec<Node> = resources.iter().filter_map(|r| node(id, r)).collect();
        assert_eq!(
            nodes.iter().map(|n| (n.name.as_str(), n.status.as_str())).collect::<Vec<_>>(),
            [("pve1", "online"), ("pve2", "unknown")]
        );
        let mut names = Interner::default();
        let cluster: Label = "east".into();
        let guests: Vec<Guest> = resources.iter().filter_map(|r| guest(id, &cluster, r, &mut names)).collect();
        assert_eq!(guests.len(), 2);
        assert_eq!(&*guests[0].name, "web[31m", "escape sequences from Proxmox never reach the terminal");
        assert_eq!((guests[0].vmid, guests[0].maxcpu, guests[0].status), (100, 2, GuestStatus::Running));
        assert_eq!(
            (guests[1].guest_type, guests[1].template, guests[1].status),
            (GuestType::Lxc, true, GuestStatus::Unknown)
        );
        assert_eq!(&*guests[1].tags, "", "a lone space is no tags");
        assert_eq!(guests[1].ha, Some(HaState::Started));
        let io = guests[1].io.as_deref().unwrap();
        assert_eq!((io.memhost, io.diskread, io.diskwrite), (Some(77), 5, 6));
        assert_eq!(guests[0].ha, None);
    }
}
