//! Per-guest answers: lists per node, status, config, snapshots, interfaces, RRD history.

use super::http::{Reply, SimError};
use super::metrics;
use super::model::Guest;
use super::state::SimState;
use crate::pve::GuestKind;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

const RUNNING_MACHINE: &str = "pc-i440fx-9.0+pve0";
const RUNNING_QEMU: &str = "9.0.2";

fn pid(g: &Guest) -> u64 {
    1000 + (g.seed ^ g.started as u64) % 4_000_000
}

/// The fields shared by `GET /nodes/{node}/{kind}` rows and `status/current`.
fn status_fields(g: &Guest, now: f64, current: bool) -> Map<String, Value> {
    let m = metrics::guest(g, now);
    let mut v = Map::new();
    match (g.kind, current) {
        // Container lists send the VMID as a string, as real servers do.
        (GuestKind::Lxc, false) => v.insert("vmid".into(), g.vmid.to_string().into()),
        _ => v.insert("vmid".into(), g.vmid.into()),
    };
    v.insert("name".into(), g.name.clone().into());
    v.insert("status".into(), if g.running { "running" } else { "stopped" }.into());
    v.insert("cpu".into(), m.cpu.into());
    v.insert("cpus".into(), g.cores.into());
    v.insert("mem".into(), m.mem.into());
    v.insert("maxmem".into(), g.maxmem().into());
    v.insert("maxdisk".into(), g.maxdisk().into());
    v.insert("diskread".into(), m.diskread.into());
    v.insert("diskwrite".into(), m.diskwrite.into());
    v.insert("netin".into(), m.netin.into());
    v.insert("netout".into(), m.netout.into());
    v.insert("uptime".into(), m.uptime.into());
    if g.running {
        v.insert("pid".into(), pid(g).into());
    }
    match g.kind {
        GuestKind::Qemu => {
            v.insert("qmpstatus".into(), if g.running { "running" } else { "stopped" }.into());
            if g.running {
                v.insert("running-machine".into(), RUNNING_MACHINE.into());
                v.insert("running-qemu".into(), RUNNING_QEMU.into());
            }
        }
        GuestKind::Lxc => {
            v.insert("type".into(), "lxc".into());
            v.insert("disk".into(), m.disk.into());
            v.insert("swap".into(), m.swap.into());
            v.insert("maxswap".into(), (512u64 * 1024 * 1024).into());
        }
    }
    if !g.tags.is_empty() {
        v.insert("tags".into(), g.tags.clone().into());
    }
    if let Some(lock) = g.lock {
        v.insert("lock".into(), lock.into());
    }
    // Only templates carry the key.
    if g.template {
        v.insert("template".into(), 1.into());
    }
    if current {
        v.insert("ha".into(), json!({"managed": 0}));
        if g.kind == GuestKind::Qemu {
            v.insert("agent".into(), u8::from(g.agent).into());
        }
    }
    v
}

pub(crate) fn list(st: &SimState, node: usize, kind: GuestKind, now: f64) -> Reply {
    let rows: Vec<Value> = st
        .guests
        .values()
        .filter(|g| g.node == node && g.kind == kind)
        .map(|g| Value::Object(status_fields(g, now, false)))
        .collect();
    Reply::data(&rows)
}

pub(crate) fn status(g: &Guest, now: f64) -> Reply {
    Reply::data(&status_fields(g, now, true))
}

pub(crate) fn config(g: &Guest) -> Reply {
    let mut c = Map::new();
    let disk = format!("local-lvm:{},size={}G", g.disk_volume(), g.disk_gb);
    let mac = g.mac();
    match g.kind {
        GuestKind::Qemu => {
            c.insert("name".into(), g.name.clone().into());
            c.insert("ostype".into(), g.ostype.into());
            c.insert("cores".into(), g.cores.into());
            c.insert("sockets".into(), 1.into());
            c.insert("memory".into(), g.memory_mb.to_string().into());
            c.insert("cpu".into(), "x86-64-v2-AES".into());
            c.insert("scsihw".into(), "virtio-scsi-single".into());
            c.insert("scsi0".into(), format!("{disk},iothread=1").into());
            c.insert("ide2".into(), "none,media=cdrom".into());
            c.insert("boot".into(), "order=scsi0;ide2;net0".into());
            c.insert("net0".into(), format!("virtio={mac},bridge=vmbr0,firewall=1").into());
            c.insert("smbios1".into(), format!("uuid={}", uuid_like(g.seed)).into());
            c.insert("vmgenid".into(), uuid_like(g.seed.rotate_left(13)).into());
            c.insert("meta".into(), format!("creation-qemu={RUNNING_QEMU},ctime={}", g.ctime).into());
            if g.agent {
                c.insert("agent".into(), "1".into());
            }
        }
        GuestKind::Lxc => {
            c.insert("hostname".into(), g.name.clone().into());
            c.insert("ostype".into(), g.ostype.into());
            c.insert("arch".into(), "amd64".into());
            c.insert("cores".into(), g.cores.into());
            c.insert("memory".into(), g.memory_mb.into());
            c.insert("swap".into(), 512.into());
            c.insert("rootfs".into(), disk.into());
            c.insert("net0".into(), format!("name=eth0,bridge=vmbr0,firewall=1,hwaddr={mac},ip=dhcp,type=veth").into());
            c.insert("unprivileged".into(), 1.into());
            c.insert("features".into(), "nesting=1".into());
        }
    }
    if !g.tags.is_empty() {
        c.insert("tags".into(), g.tags.clone().into());
    }
    if !g.description.is_empty() {
        c.insert("description".into(), g.description.clone().into());
    }
    if let Some(lock) = g.lock {
        c.insert("lock".into(), lock.into());
    }
    if g.template {
        c.insert("template".into(), 1.into());
    }
    if let Some(parent) = &g.parent {
        c.insert("parent".into(), parent.clone().into());
    }
    let digest = Sha256::digest(format!("{}:{}:{:?}", g.vmid, g.revision, c).as_bytes());
    let hex: String = digest.iter().take(20).map(|b| format!("{b:02x}")).collect();
    c.insert("digest".into(), hex.into());
    Reply::data(&c)
}

fn uuid_like(seed: u64) -> String {
    let a = seed;
    let b = seed.rotate_left(29) ^ 0x5bd1_e995;
    format!(
        "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        (b >> 52) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

pub(crate) fn snapshots(g: &Guest) -> Reply {
    let mut snaps: Vec<&super::model::SimSnapshot> = g.snapshots.iter().collect();
    snaps.sort_by_key(|s| s.snaptime);
    let mut rows: Vec<Value> = snaps
        .into_iter()
        .map(|s| {
            let mut v = json!({"name": s.name, "description": s.description, "snaptime": s.snaptime});
            if let Some(p) = &s.parent {
                v["parent"] = p.clone().into();
            }
            if g.kind == GuestKind::Qemu {
                v["vmstate"] = u8::from(s.vmstate).into();
            }
            v
        })
        .collect();
    let mut current = json!({"name": "current", "description": "You are here!"});
    if let Some(p) = &g.parent {
        current["parent"] = p.clone().into();
    }
    rows.push(current);
    Reply::data(&rows)
}

fn stats(g: &Guest, now: f64) -> Value {
    let m = metrics::guest(g, now);
    json!({
        "rx-bytes": m.netin, "rx-packets": m.netin / 900, "rx-errs": 0, "rx-dropped": 0,
        "tx-bytes": m.netout, "tx-packets": m.netout / 900, "tx-errs": 0, "tx-dropped": 0,
    })
}

/// `…/agent/network-get-interfaces`: errors like Proxmox when the VM or its agent is not
/// up; Windows guests answer 200 with the agent's "Unsupported" error inside.
pub(crate) fn agent_interfaces(st: &SimState, g: &Guest, now: f64) -> Result<Reply, SimError> {
    if !g.running {
        return Err(SimError::new(500, format!("VM {} is not running", g.vmid)));
    }
    if !g.agent {
        return Err(SimError::new(500, "No QEMU guest agent configured"));
    }
    if now - g.started < st.agent_delay {
        return Err(SimError::new(500, "QEMU guest agent is not running"));
    }
    if g.is_windows() {
        return Ok(Reply::data(&json!({"result": {"error": {
            "class": "Unsupported",
            "desc": "this feature or command is not currently supported",
        }}})));
    }
    let mac = g.mac().to_ascii_lowercase();
    let ll =
        format!("fe80::be24:11ff:fe{:02x}:{:02x}{:02x}", (g.vmid >> 16) & 0xff, (g.vmid >> 8) & 0xff, g.vmid & 0xff);
    Ok(Reply::data(&json!({"result": [
        {
            "name": "lo",
            "hardware-address": "00:00:00:00:00:00",
            "ip-addresses": [
                {"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8},
                {"ip-address-type": "ipv6", "ip-address": "::1", "prefix": 128},
            ],
            "statistics": {"rx-bytes": 16324, "rx-packets": 162, "rx-errs": 0, "rx-dropped": 0,
                           "tx-bytes": 16324, "tx-packets": 162, "tx-errs": 0, "tx-dropped": 0},
        },
        {
            "name": "ens18",
            "hardware-address": mac,
            "ip-addresses": [
                {"ip-address-type": "ipv4", "ip-address": g.ipv4(), "prefix": 24},
                {"ip-address-type": "ipv6", "ip-address": ll, "prefix": 64},
            ],
            "statistics": stats(g, now),
        },
    ]})))
}

/// `GET /nodes/{node}/lxc/{vmid}/interfaces` of a running container.
pub(crate) fn lxc_interfaces(g: &Guest) -> Result<Reply, SimError> {
    if !g.running {
        return Err(SimError::new(500, format!("CT {} not running", g.vmid)));
    }
    let mac = g.mac().to_ascii_lowercase();
    let ip = g.ipv4();
    Ok(Reply::data(&json!([
        {
            "name": "lo", "hwaddr": "00:00:00:00:00:00", "hardware-address": "00:00:00:00:00:00",
            "inet": "127.0.0.1/8", "inet6": "::1/128",
            "ip-addresses": [
                {"ip-address": "127.0.0.1", "ip-address-type": "inet", "prefix": 8},
                {"ip-address": "::1", "ip-address-type": "inet6", "prefix": 128},
            ],
        },
        {
            "name": "eth0", "hwaddr": mac, "hardware-address": mac,
            "inet": format!("{ip}/24"),
            "ip-addresses": [{"ip-address": ip, "ip-address-type": "inet", "prefix": 24}],
        },
    ])))
}

/// 70 averaged samples like Proxmox's RRD: 1 min steps for an hour, 30 min for a day…
pub(crate) fn rrddata(g: &Guest, now: f64, timeframe: &str) -> Result<Reply, SimError> {
    let step: f64 = match timeframe {
        "hour" => 60.0,
        "day" => 1800.0,
        "week" => 10_800.0,
        "month" => 43_200.0,
        "year" => 604_800.0,
        other => {
            return Err(SimError::param(
                "timeframe",
                format!("value '{other}' does not have a value in the enumeration 'hour, day, week, month, year'"),
            ));
        }
    };
    let last = (now / step).floor() * step;
    let rows: Vec<Value> = (0..70)
        .rev()
        .map(|i| {
            let t = last - f64::from(i) * step;
            let mut v = json!({"time": t as i64, "maxcpu": g.cores, "maxmem": g.maxmem(),
                               "maxdisk": g.maxdisk()});
            if let Some(m) = metrics::rrd_sample(g, now, t) {
                let prev = metrics::rrd_sample(g, now, t - step).unwrap_or_default();
                let rate = |a: u64, b: u64| a.saturating_sub(b) as f64 / step;
                v["cpu"] = m.cpu.into();
                v["mem"] = m.mem.into();
                v["disk"] = m.disk.into();
                v["netin"] = rate(m.netin, prev.netin).into();
                v["netout"] = rate(m.netout, prev.netout).into();
                v["diskread"] = rate(m.diskread, prev.diskread).into();
                v["diskwrite"] = rate(m.diskwrite, prev.diskwrite).into();
            }
            v
        })
        .collect();
    Ok(Reply::data(&rows))
}
