//! Cluster-wide answers: version, resources, nodes, node status, tasks. Field names and types
//! follow the API schema; booleans are 0/1 like Proxmox sends them.

use super::faults::Shape;
use super::http::Reply;
use super::metrics::{self, GuestMetrics, NodeLoad};
use super::model::Guest;
use super::state::SimState;
use super::tasks::Task;
use serde::{Serialize, Serializer};
use serde_json::json;
use std::collections::HashMap;

pub(crate) const PVE_VERSION: &str = "8.2.4";
pub(crate) const PVE_RELEASE: &str = "8.2";
pub(crate) const REPOID: &str = "faa83925c9641325";

pub(crate) fn version() -> Reply {
    Reply::data(&json!({
        "version": PVE_VERSION,
        "release": PVE_RELEASE,
        "repoid": REPOID,
        "console": "html5",
    }))
}

/// `qemu/100` without allocating a String per row.
struct GuestId<'a>(&'a Guest);

impl Serialize for GuestId<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}/{}", self.0.kind.as_str(), self.0.vmid))
    }
}

#[derive(Serialize)]
struct GuestRow<'a> {
    id: GuestId<'a>,
    #[serde(rename = "type")]
    kind: &'static str,
    vmid: u32,
    name: &'a str,
    node: &'a str,
    status: &'static str,
    template: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    maxcpu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maxmem: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    maxdisk: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cpu: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mem: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    disk: Option<u64>,
    /// Host memory used by the guest (QEMU, PVE 8.2+).
    #[serde(skip_serializing_if = "Option::is_none")]
    memhost: Option<u64>,
    /// HA state of an HA-managed guest (no field for the others, like Proxmox).
    #[serde(skip_serializing_if = "Option::is_none")]
    hastate: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diskread: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    diskwrite: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    netin: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    netout: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uptime: Option<u64>,
    #[serde(skip_serializing_if = "str::is_empty")]
    tags: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pool: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<&'static str>,
}

fn guest_row<'a>(g: &'a Guest, node: &'a str, online: bool, m: &GuestMetrics) -> GuestRow<'a> {
    // Guests of an unreachable node: identity only, status unknown, no metrics.
    let some = |v| online.then_some(v);
    GuestRow {
        id: GuestId(g),
        kind: g.kind.as_str(),
        vmid: g.vmid,
        name: &g.name,
        node,
        status: match (online, g.running) {
            (false, _) => "unknown",
            (true, true) => "running",
            (true, false) => "stopped",
        },
        template: u8::from(g.template),
        maxcpu: online.then_some(g.cores),
        maxmem: some(g.maxmem()),
        maxdisk: some(g.maxdisk()),
        cpu: online.then_some(m.cpu),
        mem: some(m.mem),
        disk: some(m.disk),
        memhost: (online && g.running && g.kind == crate::pve::GuestKind::Qemu).then(|| m.mem + m.mem / 16),
        hastate: g.ha_managed().then_some(if g.running { "started" } else { "stopped" }),
        diskread: some(m.diskread),
        diskwrite: some(m.diskwrite),
        netin: some(m.netin),
        netout: some(m.netout),
        uptime: some(m.uptime),
        tags: &g.tags,
        pool: g.pool.as_deref(),
        lock: g.lock,
    }
}

fn push_row<T: Serialize>(buf: &mut Vec<u8>, first: &mut bool, row: &T) {
    if !*first {
        buf.push(b',');
    }
    *first = false;
    // Writing plain structs into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *buf, row);
}

/// The storages every node has, as (id, plugin type, content).
pub(crate) const STORAGES: [(&str, &str, &str); 2] =
    [("local", "dir", "iso,vztmpl,backup"), ("local-lvm", "lvmthin", "images,rootdir")];

/// `GET /cluster/resources[?type=vm|node|storage|sdn]`: one pass over the guests, written
/// straight into one buffer (100k rows must stay well under a second).
pub(crate) fn cluster_resources(st: &SimState, now: f64, filter: Option<&str>, shape: Shape) -> Reply {
    let want = |t: &str| filter.is_none_or(|f| f == t);
    let gone = |node: usize| shape.vanished_node && node + 1 == st.nodes.len();
    let mut buf = Vec::with_capacity(64 + st.guests.len() * 360 + st.nodes.len() * 600);
    buf.extend_from_slice(b"{\"data\":[");
    let mut first = true;
    let mut loads = vec![NodeLoad::default(); st.nodes.len()];
    for g in st.guests.values() {
        let node = &st.nodes[g.node];
        let m = if node.online { metrics::guest(g, now) } else { GuestMetrics::default() };
        loads[g.node].add(g, &m);
        if want("vm") && !shape.no_privilege && !gone(g.node) {
            push_row(&mut buf, &mut first, &guest_row(g, &node.name, node.online, &m));
        }
    }
    for (i, n) in st.nodes.iter().enumerate() {
        if gone(i) {
            continue;
        }
        let nm = metrics::node(n, &loads[i], now);
        if want("node") && !shape.no_node_rows {
            let row = if n.online {
                json!({
                    "id": format!("node/{}", n.name), "type": "node", "node": n.name,
                    "status": "online", "level": "", "cgroup-mode": 2,
                    "maxcpu": n.maxcpu, "maxmem": n.maxmem, "maxdisk": n.maxdisk,
                    "cpu": nm.cpu, "mem": nm.mem, "disk": nm.rootfs_used, "uptime": nm.uptime,
                })
            } else {
                json!({"id": format!("node/{}", n.name), "type": "node", "node": n.name,
                       "status": "unknown", "level": ""})
            };
            push_row(&mut buf, &mut first, &row);
        }
        if want("storage") {
            for (storage, plugin, content) in STORAGES {
                let (used, size) = match storage {
                    "local" => (nm.rootfs_used, n.maxdisk),
                    _ => (nm.thin_used, n.thin_size),
                };
                let mut row = json!({
                    "id": format!("storage/{}/{storage}", n.name), "type": "storage",
                    "storage": storage, "node": n.name, "plugintype": plugin,
                    "content": content, "shared": 0,
                    "status": if n.online { "available" } else { "unknown" },
                });
                if n.online {
                    row["disk"] = used.into();
                    row["maxdisk"] = size.into();
                }
                push_row(&mut buf, &mut first, &row);
            }
        }
    }
    if filter.is_none() {
        for pool in &st.pools {
            push_row(&mut buf, &mut first, &json!({"id": format!("pool/{pool}"), "type": "pool", "pool": pool}));
        }
    }
    buf.extend_from_slice(b"]}");
    Reply::raw(buf)
}

pub(crate) fn node_loads(st: &SimState, now: f64) -> Vec<NodeLoad> {
    let mut loads = vec![NodeLoad::default(); st.nodes.len()];
    for g in st.guests.values() {
        let m = if st.nodes[g.node].online { metrics::guest(g, now) } else { GuestMetrics::default() };
        loads[g.node].add(g, &m);
    }
    loads
}

/// `GET /nodes`.
pub(crate) fn nodes(st: &SimState, now: f64, fingerprint: &str, shape: Shape) -> Reply {
    let loads = node_loads(st, now);
    let keep = if shape.vanished_node { st.nodes.len().saturating_sub(1) } else { st.nodes.len() };
    let rows: Vec<serde_json::Value> = st
        .nodes
        .iter()
        .take(keep)
        .zip(&loads)
        .map(|(n, load)| {
            if !n.online {
                return json!({"node": n.name, "status": "offline", "level": ""});
            }
            let m = metrics::node(n, load, now);
            json!({
                "node": n.name, "status": "online", "level": "",
                "cpu": m.cpu, "maxcpu": n.maxcpu, "mem": m.mem, "maxmem": n.maxmem,
                "uptime": m.uptime, "ssl_fingerprint": fingerprint,
            })
        })
        .collect();
    Reply::data(&rows)
}

/// `GET /access/permissions[?path=…]`: the token's privileges (all of them, as the demo's
/// `root@pam` token; without the VM ones under the no-privilege fault).
pub(crate) fn permissions(path: Option<&str>, shape: Shape) -> Reply {
    const SYS: [&str; 4] = ["Sys.Audit", "Sys.Modify", "Datastore.Audit", "Datastore.AllocateSpace"];
    const VM: [&str; 7] = [
        "VM.Audit",
        "VM.PowerMgmt",
        "VM.Snapshot",
        "VM.Snapshot.Rollback",
        "VM.Clone",
        "VM.Allocate",
        "VM.Config.Disk",
    ];
    let mut privs = serde_json::Map::new();
    for p in SYS.iter().chain(if shape.no_privilege { &[][..] } else { &VM[..] }) {
        privs.insert((*p).into(), 1.into());
    }
    let mut out = serde_json::Map::new();
    for p in path.map_or_else(|| vec!["/", "/vms", "/nodes", "/storage"], |p| vec![p]) {
        out.insert(p.into(), serde_json::Value::Object(privs.clone()));
    }
    Reply::data(&out)
}

/// `GET /nodes/{node}/status` (the node is online: offline ones answer 595 before this).
pub(crate) fn node_status(st: &SimState, node: usize, now: f64) -> Reply {
    let n = &st.nodes[node];
    let load = node_loads(st, now)[node];
    let m = metrics::node(n, &load, now);
    let cores = n.maxcpu / 2;
    let la = |k: f64| format!("{:.2}", m.cpu * f64::from(n.maxcpu) * k);
    Reply::data(&json!({
        "cpu": m.cpu,
        "loadavg": [la(1.0), la(0.9), la(0.8)],
        "memory": {"total": n.maxmem, "used": m.mem, "free": n.maxmem - m.mem,
                   "available": n.maxmem - m.mem},
        "rootfs": {"total": n.maxdisk, "used": m.rootfs_used,
                   "free": n.maxdisk - m.rootfs_used, "avail": n.maxdisk - m.rootfs_used},
        "cpuinfo": {"model": "AMD EPYC 7313P 16-Core Processor", "sockets": 1, "cores": cores,
                    "cpus": n.maxcpu, "mhz": "2999.998", "hvm": "1", "user_hz": 100},
        "pveversion": format!("pve-manager/{PVE_VERSION}/{REPOID}"),
        "boot-info": {"mode": "efi", "secureboot": 0},
        "current-kernel": {"sysname": "Linux", "release": "6.8.12-1-pve", "machine": "x86_64",
                           "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-1 (2024-08-05T16:17Z)"},
    }))
}

fn task_json(t: &Task, with_status: bool) -> serde_json::Value {
    let mut v = json!({
        "upid": t.upid, "node": t.node_name, "pid": t.pid, "pstart": t.pstart,
        "starttime": t.starttime(), "type": t.task_type, "id": t.id, "user": t.user,
    });
    if with_status {
        v["status"] = if t.is_running() { "running" } else { "stopped" }.into();
        if let Some(e) = &t.exitstatus {
            v["exitstatus"] = e.as_str().into();
        }
    } else if let (Some(e), Some(end)) = (&t.exitstatus, t.endtime()) {
        // Task lists carry the exit status in `status`.
        v["status"] = e.as_str().into();
        v["endtime"] = end.into();
    }
    v
}

pub(crate) fn task_status(t: &Task) -> Reply {
    Reply::data(&task_json(t, true))
}

/// `GET …/tasks/{upid}/log?start=&limit=`: lines numbered from 1.
pub(crate) fn task_log(t: &Task, now: f64, params: &HashMap<String, String>) -> Reply {
    let start: usize = params.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    let limit: usize = params.get("limit").and_then(|s| s.parse().ok()).unwrap_or(50);
    let lines: Vec<serde_json::Value> = t
        .log_lines(now)
        .into_iter()
        .enumerate()
        .skip(start)
        .take(limit)
        .map(|(i, line)| json!({"n": i + 1, "t": line}))
        .collect();
    Reply::data(&lines)
}

/// `GET /nodes/{node}/tasks`, newest first; `source` archive (default, finished), active, all.
pub(crate) fn node_tasks(st: &SimState, node: usize, params: &HashMap<String, String>) -> Reply {
    let limit: usize = params.get("limit").and_then(|s| s.parse().ok()).unwrap_or(50);
    let start: usize = params.get("start").and_then(|s| s.parse().ok()).unwrap_or(0);
    let source = params.get("source").map_or("archive", String::as_str);
    let vmid = params.get("vmid");
    let errors_only = super::http::flag(params, "errors");
    let rows: Vec<serde_json::Value> = st
        .history
        .iter()
        .rev()
        .filter_map(|upid| st.tasks.get(upid))
        .filter(|t| t.node == node)
        .filter(|t| match source {
            "active" => t.is_running(),
            "all" => true,
            _ => !t.is_running(),
        })
        .filter(|t| vmid.is_none_or(|v| &t.id == v))
        .filter(|t| !errors_only || t.exitstatus.as_deref().is_some_and(|e| e != "OK"))
        .skip(start)
        .take(limit)
        .map(|t| task_json(t, false))
        .collect();
    Reply::data(&rows)
}
