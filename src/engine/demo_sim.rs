//! The demo's Proxmox: the built-in simulator on a free loopback port, with the demo
//! cluster pointed at it (token and pinned fingerprint), so the console polls something real.

use super::Services;
use crate::domain::audit::Entry;
use crate::domain::rbac::Actor;
use crate::pve::sim::{SimHandle, SimOptions, Simulator};
use crate::store::pve::ClusterInput;

/// The guests the demo expects: the campus instances' VMs, and for its classes the class VMs seeded in the 41xx range (named as
/// seeded, so ownership checks before a delete pass) and the templates classes deploy from (with their replicas).
fn class_guests() -> Vec<(u32, String, String)> {
    let name = |v: u32| match v {
        4100 => "lb101-base".to_string(),
        4101 => "lb101-teacher".to_string(),
        v => format!("lb101-student-{:02}", v - 4101),
    };
    let mut guests: Vec<(u32, String, String)> =
        (4100..=4105).map(|v| (v, name(v), if v % 2 == 0 { "pve1" } else { "pve2" }.to_string())).collect();
    guests.push((9000, "tpl-ubuntu-2404-base".into(), "pve1".into()));
    // The campus instances of the Infrastructure tab run here (see `store::seed::classes`).
    for (vmid, name, node) in crate::store::seed::INFRA_GUESTS {
        guests.push((vmid, name.into(), node.into()));
    }
    guests.push((9001, "tpl-debian-12-netlab".into(), "pve1".into()));
    // Their replicas on pve2 and the Linux class's own template derived from Ubuntu.
    guests.push((9100, "tpl-ubuntu-2404-base".into(), "pve2".into()));
    guests.push((9101, "tpl-debian-12-netlab".into(), "pve2".into()));
    guests.push((9010, "tpl-lb101-golden".into(), "pve1".into()));
    guests
}

/// A cluster record pointing at a running simulator: its loopback port, token and pinned
/// certificate (the demo, the tests and the benchmarks all add it this way).
pub fn cluster_input(sim: &SimHandle, key: &str, name: &str, poll_interval_secs: i64) -> ClusterInput {
    ClusterInput {
        key: key.into(),
        name: name.into(),
        host: "127.0.0.1".into(),
        port: sim.url.rsplit(':').next().and_then(|p| p.trim_end_matches('/').parse().ok()).unwrap_or(8006),
        token_id: sim.token_id.clone(),
        token_secret: Some(sim.token_secret.clone()),
        fingerprint: sim.fingerprint.clone(),
        poll_interval_secs,
    }
}

/// Start the simulator with `guests` generated guests (plus the class VMs).
pub async fn start(svc: &Services, guests: usize) -> anyhow::Result<SimHandle> {
    let opts = SimOptions { guests, extra_guests: class_guests(), ..SimOptions::default() };
    let (handle, server) = Simulator::bind(opts).await?;
    tokio::spawn(server);
    let clusters = svc.store.cluster_access_all().await?;
    let actor = Actor::system("demo");
    let input = |key: &str, name: &str| cluster_input(&handle, key, name, 3);
    let entry = Entry::by(&actor, &svc.source, "point_demo_cluster", "cluster");
    match clusters.iter().find(|c| c.cluster.key == "demo") {
        Some(c) => svc.store.save_cluster(Some(c.cluster.id), &input("demo", &c.cluster.name), entry).await?,
        None => svc.store.save_cluster(None, &input("demo", "demo"), entry).await?,
    };
    Ok(handle)
}
