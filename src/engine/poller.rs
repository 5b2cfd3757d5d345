//! One poller per cluster across every process on the database: a lease row decides who
//! polls. Each cycle asks Proxmox for `/cluster/resources` once, diffs against what the
//! store holds and writes only the changes in one transaction. Between cycles the lease
//! holder follows running tasks, discovers IPs through the guest agent and probes SSH/RDP.

use super::Services;
use super::guests::client_for;
use crate::domain::inventory::agent_asks::AgentAsks;
use crate::domain::inventory::diff::{Loss, diff, suspicious_loss};
use crate::domain::inventory::label::{Interner, Label};
use crate::domain::inventory::schedule::{lease_check, lease_ttl, next_delay};
use crate::domain::inventory::{Guest, GuestType, reach};
use crate::domain::time;
use crate::pve::{Client, Resource, TaskOutcome, Upid};
use crate::store::StoreError;
use crate::store::pve::{ClusterAccess, GuestNetwork, Iso, Node, PollWrite};
use futures::StreamExt;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tokio::sync::watch;
use uuid::Uuid;

/// How this process names itself in lease rows.
pub fn owner_id() -> String {
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_else(|_| "host".into());
    format!("{host}:{}:{}", std::process::id(), &Uuid::now_v7().simple().to_string()[24..])
}

/// Keep one poll loop per known cluster; start loops for new clusters, stop them for removed
/// ones. Ends when `stop` turns true.
pub async fn supervise(svc: Services, owner: String, mut stop: watch::Receiver<bool>) {
    let mut running: HashMap<Uuid, tokio::task::JoinHandle<()>> = HashMap::new();
    loop {
        match svc.store.cluster_access_all().await {
            Ok(clusters) => {
                let ids: HashSet<Uuid> = clusters.iter().map(|c| c.cluster.id).collect();
                running.retain(|id, h| {
                    let keep = ids.contains(id) && !h.is_finished();
                    if !keep {
                        h.abort();
                    }
                    keep
                });
                for c in clusters {
                    running.entry(c.cluster.id).or_insert_with(|| {
                        tokio::spawn(run_cluster(svc.clone(), c.cluster.id, owner.clone(), stop.clone()))
                    });
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot list clusters"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(10)) => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
    }
    for (id, h) in running {
        h.abort();
        let _ = svc.store.release_lease(id, &owner).await;
    }
}

/// One cluster's poller: its client, its copy of the inventory and its schedule. The
/// supervisor runs one per cluster in a loop ([`run_cluster`]); tests drive one by hand
/// ([`ClusterPoller::poll_once`]).
pub struct ClusterPoller {
    svc: Services,
    cluster_id: Uuid,
    owner: String,
    cache: Option<HashMap<u32, Guest>>,
    /// The client, and the digest of the settings it was built from.
    client: Option<([u8; 32], Client)>,
    cycles: u64,
    last_runtime: Duration,
    failures: u32,
    /// Which guests to ask for their addresses, and when.
    agent_asks: AgentAsks,
    class_jobs: super::classes::jobs::Schedule,
}

const TASK_CHECK: Duration = Duration::from_secs(1);

fn interval_of(access: &ClusterAccess) -> Duration {
    Duration::from_secs(access.cluster.poll_interval_secs.max(1) as u64)
}

fn chrono_of(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::seconds(20))
}

async fn run_cluster(svc: Services, cluster_id: Uuid, owner: String, mut stop: watch::Receiver<bool>) {
    let mut p = ClusterPoller::new(svc, cluster_id, owner);
    let mut next_poll = Instant::now();
    loop {
        let access = match p.svc.store.cluster_access(cluster_id).await {
            Ok(a) => a,
            Err(StoreError::NotFound(_)) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cluster lookup failed");
                if sleep_or_stop(&mut stop, Duration::from_secs(5)).await {
                    return;
                }
                continue;
            }
        };
        let interval = interval_of(&access);
        // The lease is renewed every quarter interval (also during a cycle) and lasts 1.5
        // intervals: a killed holder is replaced within 1.75 intervals, while a holder that
        // backs off keeps its lease (a clean exit hands it back at once).
        let check = lease_check(interval);
        if !p.hold_lease(&access).await {
            p.cache = None;
            if sleep_or_stop(&mut stop, check).await {
                return;
            }
            continue;
        }
        let mut tasks_running = false;
        if Instant::now() >= next_poll {
            let result = p.renewing(&access, |p| Box::pin(p.poll_cycle(&access))).await;
            next_poll = Instant::now() + next_delay(interval, p.last_runtime, p.failures);
            if result.is_ok()
                && let Some((_, client)) = &p.client
            {
                super::classes::jobs::after_poll(&p.svc, cluster_id, client, &mut p.class_jobs).await;
            }
        }
        if let Some((_, client)) = &p.client {
            tasks_running = track_tasks(&p.svc, cluster_id, client).await;
        }
        let due = if tasks_running { TASK_CHECK } else { next_poll.saturating_duration_since(Instant::now()) };
        if sleep_or_stop(&mut stop, due.min(check).max(Duration::from_millis(100))).await {
            let _ = p.svc.store.release_lease(cluster_id, &p.owner).await;
            return;
        }
    }
}

/// Sleep, or return true early when asked to stop.
async fn sleep_or_stop(stop: &mut watch::Receiver<bool>, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        r = stop.changed() => r.is_err() || *stop.borrow(),
    }
}

type Cycle<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>>;

impl ClusterPoller {
    pub fn new(svc: Services, cluster_id: Uuid, owner: String) -> ClusterPoller {
        ClusterPoller {
            svc,
            cluster_id,
            owner,
            cache: None,
            client: None,
            cycles: 0,
            last_runtime: Duration::ZERO,
            failures: 0,
            agent_asks: AgentAsks::default(),
            class_jobs: Default::default(),
        }
    }

    /// Take or renew the lease; false when another process holds it (or the cluster is off).
    async fn hold_lease(&self, access: &ClusterAccess) -> bool {
        let ttl = chrono_of(lease_ttl(interval_of(access)));
        access.cluster.is_active
            && self.svc.store.acquire_lease(self.cluster_id, &self.owner, ttl).await.unwrap_or(false)
    }

    /// Run `cycle` while renewing the lease every quarter interval, so a slow cycle (a
    /// hanging Proxmox, up to the client's timeout) never lets the lease lapse.
    async fn renewing<'a>(
        &'a mut self,
        access: &ClusterAccess,
        cycle: impl FnOnce(&'a mut Self) -> Cycle<'a>,
    ) -> Result<(), String> {
        let (store, owner, id) = (self.svc.store.clone(), self.owner.clone(), self.cluster_id);
        let interval = interval_of(access);
        let ttl = chrono_of(lease_ttl(interval));
        let mut fut = cycle(self);
        loop {
            tokio::select! {
                r = &mut fut => return r,
                _ = tokio::time::sleep(lease_check(interval)) => {
                    let _ = store.acquire_lease(id, &owner, ttl).await;
                }
            }
        }
    }

    /// One cycle by hand (tests, scripts): take the lease, poll, discover IPs. An error when
    /// another process holds the lease or Proxmox failed (recorded like the loop does).
    pub async fn poll_once(&mut self) -> Result<(), String> {
        let access = self.svc.store.cluster_access(self.cluster_id).await.map_err(|e| e.to_string())?;
        if !self.hold_lease(&access).await {
            return Err("another process holds this cluster's poll lease".into());
        }
        self.poll_cycle(&access).await
    }

    /// A cycle, its error recorded with the retry time, then IP discovery when it worked.
    async fn poll_cycle(&mut self, access: &ClusterAccess) -> Result<(), String> {
        let interval = interval_of(access);
        let started = Instant::now();
        let result = self.cycle(access).await;
        // A cycle's response body and decoded rows are freed now; give the pages back.
        crate::mem::release_freed();
        self.last_runtime = started.elapsed();
        match &result {
            Ok(()) => self.failures = 0,
            Err(e) => {
                self.failures += 1;
                let at = time::now() + chrono_of(next_delay(interval, self.last_runtime, self.failures));
                tracing::warn!(cluster = %access.cluster.name, error = %e, "poll failed");
                let _ = self.svc.store.record_poll_error(self.cluster_id, &self.owner, e, at).await;
            }
        }
        if result.is_ok() {
            self.discover(access).await;
        }
        result
    }

    fn client(&mut self, access: &ClusterAccess) -> Result<Client, String> {
        // Rebuild when anything the client is made of changed: address, token id or
        // secret (a new secret has the same length as the old one), or trust.
        let digest = access.digest();
        if let Some((d, c)) = &self.client
            && *d == digest
        {
            return Ok(c.clone());
        }
        let c = client_for(access).map_err(|e| e.to_string())?;
        self.client = Some((digest, c.clone()));
        Ok(c)
    }

    async fn cycle(&mut self, access: &ClusterAccess) -> Result<(), String> {
        let client = self.client(access)?;
        let cache = match self.cache.take() {
            Some(c) => c,
            None => self.svc.store.cluster_guests(self.cluster_id).await.map_err(|e| e.to_string())?,
        };
        let names = Label::from(access.cluster.name.as_str());
        let mut rows = Split::new(self.cluster_id, &names, &cache);
        if let Err(e) = client.cluster_resources_each(|r| rows.add(&r)).await {
            self.cache = Some(cache);
            return Err(e.to_string());
        }
        let Split { nodes, guests, .. } = rows;
        let online: HashSet<&str> = nodes.iter().filter(|n| n.status == "online").map(|n| n.name.as_str()).collect();
        // An answer that lost most guests is only believed once the token is known to see
        // guests at all (Proxmox answers a token without VM.Audit with 200 and `[]`).
        let (trust, warning) = match suspicious_loss(&cache, &guests) {
            None => (true, None),
            Some(loss) => explain_loss(&client, loss).await,
        };
        let changes = diff(&cache, guests, &online, trust);
        let next = time::now() + chrono_of(next_delay(interval_of(access), self.last_runtime, 0));
        let write = PollWrite {
            cluster_id: self.cluster_id,
            owner: &self.owner,
            nodes: &nodes,
            upserts: &changes.upserts,
            removed: &changes.removed,
            duration_ms: self.last_runtime.as_millis() as i64,
            next_poll_at: next,
            warning: warning.as_deref(),
        };
        let held = self.svc.store.write_poll(&write).await.map_err(|e| e.to_string())?;
        if !held {
            return Err("lost the poll lease to another console".into());
        }
        let mut cache = cache;
        for vmid in &changes.removed {
            cache.remove(vmid);
        }
        for g in changes.upserts {
            cache.insert(g.vmid, g);
        }
        if !changes.removed.is_empty() {
            self.agent_asks.retain(|vmid| cache.contains_key(&vmid));
        }
        self.cache = Some(cache);
        self.cycles += 1;
        if self.cycles % 60 == 1 {
            self.refresh_isos(&client, &online).await;
        }
        Ok(())
    }

    async fn refresh_isos(&self, client: &Client, online: &HashSet<&str>) {
        let mut isos = Vec::new();
        for node in online {
            let Ok(storages) = client.storages(node).await else {
                continue;
            };
            for s in storages.iter().filter(|s| s.holds("iso")) {
                if let Ok(vols) = client.storage_content(node, &s.storage, Some("iso")).await {
                    isos.extend(vols.into_iter().map(|v| Iso {
                        cluster_id: self.cluster_id,
                        name: v.file_name().to_string(),
                        size_bytes: v.size.map(|b| b as i64),
                        node: node.to_string(),
                        storage: s.storage.clone(),
                        volid: v.volid,
                    }));
                }
            }
        }
        if let Err(e) = self.svc.store.replace_isos(self.cluster_id, &isos).await {
            tracing::warn!(error = %e, "storing ISO list failed");
        }
    }

    /// Addresses from the guest agent (or the host, for containers) of the guests
    /// [`AgentAsks`] finds due, then short SSH/RDP probes; bounded in number per cycle and
    /// in concurrency.
    async fn discover(&mut self, access: &ClusterAccess) {
        let Ok(client) = self.client(access) else {
            return;
        };
        let Some(cache) = &self.cache else { return };
        // Containers answer from the host (`/lxc/{vmid}/interfaces`), VMs through their agent.
        let due: Vec<(u32, GuestType, Label)> = self
            .agent_asks
            .due(cache.values(), Instant::now())
            .into_iter()
            .map(|g| (g.vmid, g.guest_type, g.node.clone()))
            .collect();
        if due.is_empty() {
            return;
        }
        let found: Vec<GuestNetwork> = futures::stream::iter(due)
            .map(|(vmid, kind, node)| {
                let client = client.clone();
                async move {
                    let answer = match kind {
                        GuestType::Qemu => client.agent_interfaces(&node, vmid).await,
                        GuestType::Lxc => client.lxc_interfaces(&node, vmid).await,
                    };
                    let found = match answer {
                        Ok(ifaces) => ifaces.iter().find_map(|i| i.first_ipv4().map(|ip| (ip, i.mac()))),
                        Err(_) => None,
                    };
                    let (ip, mac) = found.map(|(ip, mac)| (Some(ip), mac)).unwrap_or((None, None));
                    GuestNetwork { vmid, ip, mac, probed: None }
                }
            })
            .buffer_unordered(4)
            .collect()
            .await;
        for r in &found {
            self.agent_asks.answered(r.vmid, r.ip.is_some());
        }
        // Only addresses inside the networks an admin allowed (loopback without the setting),
        // at most BUDGET guests a cycle.
        let networks = match self.svc.store.setting(reach::SETTING).await {
            Ok(Some(v)) => reach::Networks::parse(&v).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "probing loopback only");
                reach::Networks::loopback()
            }),
            _ => reach::Networks::loopback(),
        };
        let mut budget = reach::BUDGET;
        let probed: Vec<GuestNetwork> = futures::stream::iter(found)
            .map(|mut r| {
                let allowed = r.ip.as_deref().and_then(|a| a.parse().ok()).filter(|a| networks.contains(*a));
                let go = allowed.is_some() && budget > 0;
                budget -= usize::from(go);
                async move {
                    if let Some(addr) = allowed.filter(|_| go) {
                        let (ssh, rdp) = tokio::join!(probe(addr, 22), probe(addr, 3389));
                        r.probed = Some((ssh, rdp));
                    }
                    r
                }
            })
            .buffer_unordered(16)
            .collect()
            .await;
        if let Err(e) = self.svc.store.set_guest_networks(self.cluster_id, &probed).await {
            tracing::warn!(error = %e, "storing the guests' networks failed");
        }
        for GuestNetwork { vmid, ip, mac: _, probed } in probed {
            if let Some(g) = self.cache.as_mut().and_then(|c| c.get_mut(&vmid)) {
                if let Some(ip) = ip.and_then(|ip| ip.parse().ok()) {
                    g.ip = Some(ip);
                }
                if let Some((ssh, rdp)) = probed {
                    g.ssh = ssh;
                    g.rdp = rdp;
                }
            }
        }
    }
}

/// The privileges a token needs for the inventory, named as Proxmox names them.
pub const NEEDED_PRIVILEGES: &str = "VM.Audit on /vms (and Sys.Audit on /nodes for node state)";

/// Whether to believe an answer that lost most guests, and what to tell an admin if not.
async fn explain_loss(client: &Client, loss: Loss) -> (bool, Option<String>) {
    let Loss { listed, known } = loss;
    match client.privileges("/vms").await {
        Ok(privs) if privs.iter().any(|p| p == "VM.Audit") => (true, None),
        Ok(_) => (
            false,
            Some(format!(
                "Proxmox listed {listed} of {known} known guests: the API token lacks VM.Audit. Give the token \
                 {NEEDED_PRIVILEGES} (Datacenter › Permissions; a privilege-separated token needs its own). \
                 The missing guests are kept, marked stale."
            )),
        ),
        Err(e) => (
            false,
            Some(format!(
                "Proxmox listed {listed} of {known} known guests and the token's privileges could not be read ({e}): \
                 check that the token has {NEEDED_PRIVILEGES}. The missing guests are kept, marked stale."
            )),
        ),
    }
}

/// Is a TCP port open? Short timeout: an unreachable lab network must not stall polling.
async fn probe(ip: std::net::IpAddr, port: u16) -> bool {
    let addr = std::net::SocketAddr::new(ip, port);
    matches!(tokio::time::timeout(Duration::from_millis(400), tokio::net::TcpStream::connect(addr)).await, Ok(Ok(_)))
}

/// Follow running tasks; true while some still run.
async fn track_tasks(svc: &Services, cluster_id: Uuid, client: &Client) -> bool {
    let Ok(upids) = svc.store.running_tasks(cluster_id).await else {
        return false;
    };
    let mut still = false;
    for raw in upids {
        let Ok(upid) = Upid::parse(&raw) else {
            let _ = svc.store.update_task(&raw, "unknown", Some("unreadable UPID"), None).await;
            continue;
        };
        match client.task_status(&upid).await {
            Ok(status) => match status.outcome() {
                TaskOutcome::Running => {
                    still = true;
                    let progress = client
                        .task_log(&upid, 0)
                        .await
                        .ok()
                        .and_then(|lines| lines.iter().rev().find_map(|l| percent(&l.t)));
                    let _ = svc.store.update_task(&raw, "running", None, progress).await;
                }
                TaskOutcome::Ok => {
                    let _ = svc.store.update_task(&raw, "stopped", Some("OK"), Some(1.0)).await;
                }
                TaskOutcome::Warnings(n) => {
                    let _ = svc.store.update_task(&raw, "stopped", Some(&format!("WARNINGS: {n}")), Some(1.0)).await;
                }
                TaskOutcome::Failed(msg) => {
                    let _ =
                        svc.store.update_task(&raw, "stopped", Some(&crate::domain::sanitize::line(&msg)), None).await;
                }
            },
            Err(e) => {
                tracing::debug!(error = %e, "task status");
                still = true;
            }
        }
    }
    still
}

/// "… 45% …" in a task log line → 0.45.
fn percent(line: &str) -> Option<f64> {
    let i = line.find('%')?;
    let digits: String = line[..i]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits.parse::<f64>().ok().map(|p| (p / 100.0).clamp(0.0, 1.0))
}

/// Nodes and guests out of `/cluster/resources` rows, taken one row at a time. Guests keep
/// the IP and probe results the store already has (those come from discovery, not from this
/// call).
pub struct Split<'a> {
    cluster_id: Uuid,
    cluster: &'a Label,
    cache: &'a HashMap<u32, Guest>,
    names: Interner,
    pub nodes: Vec<Node>,
    pub guests: Vec<Guest>,
}

impl<'a> Split<'a> {
    pub fn new(cluster_id: Uuid, cluster: &'a Label, cache: &'a HashMap<u32, Guest>) -> Split<'a> {
        let guests = Vec::with_capacity(cache.len());
        Split { cluster_id, cluster, cache, names: Interner::default(), nodes: Vec::new(), guests }
    }

    pub fn add(&mut self, r: &Resource) {
        if let Some(n) = super::pve_map::node(self.cluster_id, r) {
            self.nodes.push(n);
        } else if let Some(mut g) = super::pve_map::guest(self.cluster_id, self.cluster, r, &mut self.names) {
            if let Some(old) = self.cache.get(&g.vmid) {
                g.ip = old.ip;
                g.ssh = old.ssh;
                g.rdp = old.rdp;
            }
            self.guests.push(g);
        }
    }
}

/// [`Split`] over rows already decoded.
pub fn split(
    cluster_id: Uuid,
    cluster: &Label,
    resources: &[Resource],
    cache: &HashMap<u32, Guest>,
) -> (Vec<Node>, Vec<Guest>) {
    let mut s = Split::new(cluster_id, cluster, cache);
    resources.iter().for_each(|r| s.add(r));
    (s.nodes, s.guests)
}

#[cfg(test)]
mod tests {
    #[test]
    fn progress_is_read_from_log_lines() {
        assert_eq!(super::percent("transferred 1.0 GiB of 2.0 GiB (50.00%)"), Some(0.5));
        assert_eq!(super::percent("drive-scsi0: 45% done"), Some(0.45));
        assert_eq!(super::percent("no progress here"), None);
    }
}
