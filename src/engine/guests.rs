//! Acting on guests through Proxmox: power, snapshots, clone, template, delete; the live
//! detail of one guest; task logs. Every action is checked by role, skipped when it makes no
//! sense, recorded as a task and audited.

use super::admin::authorize;
use super::inventory::{BulkLine, BulkOutcome, GuestDetail, GuestRef, IoRates};
use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::inventory::label::{Interner, Label};
use crate::domain::inventory::ops::GuestOp;
use crate::domain::inventory::{Guest, GuestStatus, GuestType};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::pve::{Client, CloneRequest, Credentials, Endpoint, GuestKind, PowerAction, Trust, Upid};
use crate::store::pve::{ClusterAccess, NewTask};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// A client for a stored cluster: its token, pinned to its certificate.
pub fn client_for(access: &ClusterAccess) -> Result<Client, AppError> {
    let c = &access.cluster;
    let (Some(id), Some(secret)) = (&c.token_id, &access.token_secret) else {
        return Err(AppError::Invalid(format!("cluster {} has no API token; edit it in Admin › clusters", c.name)));
    };
    let trust = match (&access.ca_pem, &c.fingerprint) {
        (Some(pem), _) => Trust::CaPem(pem.clone()),
        (None, Some(fp)) => Trust::Fingerprint(fp.clone()),
        (None, None) => {
            return Err(AppError::Invalid(format!(
                "cluster {} has no trusted certificate; trust its fingerprint in Admin › clusters",
                c.name
            )));
        }
    };
    let endpoint = Endpoint {
        base_url: format!("https://{}:{}", c.host, c.port),
        credentials: Credentials::Token { id: id.clone(), secret: secret.clone() },
        trust,
        timeout: Duration::from_secs(10),
    };
    Client::new(endpoint).map_err(|e| AppError::Invalid(format!("cluster {}: {e}", c.name)))
}

pub fn kind(t: GuestType) -> GuestKind {
    match t {
        GuestType::Qemu => GuestKind::Qemu,
        GuestType::Lxc => GuestKind::Lxc,
    }
}

/// Run `op` on each target; one report line per guest.
pub async fn act(svc: &Services, actor: &Actor, targets: &[GuestRef], op: &GuestOp) -> Result<Vec<BulkLine>, AppError> {
    let (resource, perm) = op.permission();
    authorize(svc, actor, resource, perm, op.action_name()).await?;
    let mut by_cluster: BTreeMap<Uuid, Vec<u32>> = BTreeMap::new();
    for (c, v) in targets {
        by_cluster.entry(*c).or_default().push(*v);
    }
    let mut lines = Vec::new();
    for (cluster_id, vmids) in by_cluster {
        let access = svc.store.cluster_access(cluster_id).await?;
        let client = client_for(&access)?;
        let mut guests = std::collections::HashMap::new();
        for &vmid in &vmids {
            if let Some(g) = svc.store.guest(cluster_id, vmid).await? {
                guests.insert(vmid, g);
            }
        }
        // Whether Proxmox itself was asked about guests the inventory lacks, and its answer.
        let mut asked: Option<Result<(), String>> = None;
        if vmids.iter().any(|v| !guests.contains_key(v)) {
            // Not polled yet (a script on a fresh database, say): ask Proxmox directly.
            let answer = client.cluster_resources().await;
            asked = Some(answer.as_ref().map(|_| ()).map_err(|e| e.to_string()));
            if let Ok(resources) = answer {
                let name = Label::from(access.cluster.name.as_str());
                let mut nodes = Interner::default();
                for r in &resources {
                    if let Some(g) = super::pve_map::guest(cluster_id, &name, r, &mut nodes) {
                        guests.entry(g.vmid).or_insert(g);
                    }
                }
            }
        }
        for vmid in vmids {
            let line = |name: &str, outcome| BulkLine {
                cluster: access.cluster.name.clone(),
                vmid,
                name: name.to_string(),
                outcome,
            };
            let Some(g) = guests.get(&vmid) else {
                let why = match &asked {
                    Some(Err(e)) => format!("not in the inventory, and Proxmox could not be asked ({e})"),
                    _ => format!(
                        "no guest {vmid} on {}: neither the inventory nor Proxmox knows it",
                        access.cluster.name
                    ),
                };
                lines.push(line("?", BulkOutcome::Failed(why)));
                continue;
            };
            if let Some(reason) = op.skip_reason(g) {
                lines.push(line(&g.name, BulkOutcome::Skipped(reason.into())));
                continue;
            }
            let entry = Entry::by(actor, &svc.source, op.action_name(), "guest")
                .entity(format!("{}:{vmid}", access.cluster.key));
            let outcome = match submit(&client, g, op).await {
                Ok(upid) => {
                    let task = NewTask {
                        cluster_id,
                        upid: &upid,
                        node: &g.node,
                        task_type: op.action_name(),
                        vmid: Some(vmid),
                        by: Some(actor.user_id).filter(|u| !u.is_nil()),
                    };
                    svc.store.record_task(&task, entry).await?;
                    BulkOutcome::Submitted(upid)
                }
                Err(e) => {
                    svc.store.audit(entry.outcome(Outcome::Failure).message(e.to_string())).await?;
                    BulkOutcome::Failed(e.to_string())
                }
            };
            lines.push(line(&g.name, outcome));
        }
    }
    Ok(lines)
}

async fn submit(client: &Client, g: &Guest, op: &GuestOp) -> Result<String, AppError> {
    let (node, k, vmid) = (&*g.node, kind(g.guest_type), g.vmid);
    let fail = |e: crate::pve::PveError| AppError::Invalid(e.to_string());
    let upid: Upid = match op {
        GuestOp::Start => client.power(node, k, vmid, PowerAction::Start).await.map_err(fail)?,
        GuestOp::Stop => client.power(node, k, vmid, PowerAction::Stop).await.map_err(fail)?,
        GuestOp::Shutdown => client.power(node, k, vmid, PowerAction::Shutdown).await.map_err(fail)?,
        GuestOp::Reboot => client.power(node, k, vmid, PowerAction::Reboot).await.map_err(fail)?,
        GuestOp::Snapshot(name) => {
            client.snapshot_create(node, k, vmid, name, Some("taken from labdeck")).await.map_err(fail)?
        }
        GuestOp::Rollback(name) => client.snapshot_rollback(node, k, vmid, name).await.map_err(fail)?,
        GuestOp::DeleteSnapshot(name) => client.snapshot_delete(node, k, vmid, name).await.map_err(fail)?,
        GuestOp::Clone { name, newid, full } => {
            let newid = match newid {
                Some(id) => *id,
                None => client.next_id().await.map_err(fail)?,
            };
            let req = CloneRequest {
                newid,
                name: Some(name.clone()),
                target: None,
                full: *full,
                pool: None,
                description: None,
            };
            client.clone_guest(node, vmid, &req).await.map_err(fail)?
        }
        GuestOp::Template => match client.convert_to_template(node, k, vmid).await.map_err(fail)? {
            Some(upid) => upid,
            None => return Ok(String::from("done")),
        },
        GuestOp::Delete => {
            // VMIDs are reused: make sure the guest at this vmid is still the one shown.
            let live = client.guest_config(node, k, vmid).await.map_err(fail)?;
            if live.name().is_some_and(|n| *n != *g.name) {
                return Err(AppError::Invalid(format!(
                    "vmid {vmid} now belongs to another guest; refresh and try again"
                )));
            }
            client.delete_guest(node, k, vmid).await.map_err(fail)?
        }
    };
    Ok(upid.to_string())
}

/// The detail pane: config, IPs, snapshots and an hour of CPU, each part fetched on its own
/// so one failing part does not hide the rest.
pub async fn detail(svc: &Services, actor: &Actor, cluster_id: Uuid, vmid: u32) -> Result<GuestDetail, AppError> {
    actor.require(Resource::Guest, Action::Read)?;
    let access = svc.store.cluster_access(cluster_id).await?;
    let g = svc.store.guest(cluster_id, vmid).await?;
    let g = g.as_ref().ok_or_else(|| AppError::Invalid("that guest is no longer in the inventory".into()))?;
    let client = client_for(&access)?;
    let (node, k) = (&*g.node, kind(g.guest_type));
    let mut d = GuestDetail { cluster_id, vmid, ..Default::default() };
    let mut agent_configured = None;
    match client.guest_config(node, k, vmid).await {
        Ok(cfg) => {
            d.config = cfg.summary();
            agent_configured = Some(cfg.agent_enabled());
        }
        Err(e) => d.problems.push(format!("config: {e}")),
    }
    match client.snapshots(node, k, vmid).await {
        Ok(snaps) => {
            d.snapshots = snaps.iter().filter(|s| !s.is_current()).map(|s| (s.name.clone(), s.when())).collect()
        }
        Err(e) => d.problems.push(format!("snapshots: {e}")),
    }
    // Where IPs come from, said apart: a container's host, a VM's agent, no agent at all, or
    // an agent that answered with an error inside its result.
    match (g.guest_type, g.status == GuestStatus::Running) {
        (_, false) => {}
        (GuestType::Lxc, true) => match client.lxc_interfaces(node, vmid).await {
            Ok(ifaces) => d.ips = ifaces.iter().flat_map(|i| i.addresses()).collect(),
            Err(e) => d.problems.push(format!("container interfaces: {e}")),
        },
        (GuestType::Qemu, true) if agent_configured == Some(false) => d
            .notes
            .push("no guest agent configured: IPs are not reported (enable it in Options › QEMU Guest Agent)".into()),
        (GuestType::Qemu, true) => match client.agent_interfaces(node, vmid).await {
            Ok(ifaces) => d.ips = ifaces.iter().flat_map(|i| i.addresses()).collect(),
            Err(crate::pve::PveError::AgentUnavailable(why)) => {
                d.problems.push(format!("guest agent configured but not answering: {why}"))
            }
            Err(e) => d.problems.push(format!("guest agent: {e}")),
        },
    }
    if d.ips.is_empty()
        && let Some(ip) = &g.ip
    {
        d.ips.push(format!("{ip} (cached)"));
    }
    match client.rrddata(node, k, vmid, "hour").await {
        Ok(points) => {
            d.cpu = points.iter().map(|p| (p.cpu.unwrap_or(0.0) * 100.0).round().clamp(0.0, 100.0) as u64).collect();
            // The newest complete sample's rates (bytes per second, as Proxmox averages them).
            d.rates = points.iter().rev().find(|p| p.diskread.is_some() || p.netin.is_some()).map(|p| IoRates {
                diskread: p.diskread.unwrap_or(0.0),
                diskwrite: p.diskwrite.unwrap_or(0.0),
                netin: p.netin.unwrap_or(0.0),
                netout: p.netout.unwrap_or(0.0),
            });
        }
        Err(e) => d.problems.push(format!("cpu history: {e}")),
    }
    Ok(d)
}

pub async fn task_log(svc: &Services, actor: &Actor, cluster_id: Uuid, upid: &str) -> Result<Vec<String>, AppError> {
    actor.require(Resource::Guest, Action::Read)?;
    let access = svc.store.cluster_access(cluster_id).await?;
    let client = client_for(&access)?;
    let upid = Upid::parse(upid).map_err(|e| AppError::Invalid(e.to_string()))?;
    let lines = client.task_log(&upid, 0).await.map_err(|e| AppError::Invalid(e.to_string()))?;
    Ok(lines.into_iter().map(|l| crate::domain::sanitize::line(&l.t)).collect())
}
