//! Works through a class's persisted plan: one chain per VM (its steps in order), several
//! VMs at once. Each step is claimed in the database first, its task id recorded before the
//! wait, so a console that dies mid-deployment leaves nothing forgotten: the next runner (the
//! cluster's poller resumes open plans) follows the recorded task or redoes the step, and
//! checks what already exists before creating anything twice.

use super::vm_ops::BASELINE;
use crate::domain::audit::{Entry, Outcome, Source};
use crate::domain::rbac::Actor;
use crate::domain::time;
use crate::engine::guests::client_for;
use crate::engine::{AppError, Services};
use crate::pve::{Client, CloneRequest, GuestKind, PowerAction, PveError, TaskOutcome, Upid};
use crate::store::classes::{NewClassVm, Step, StepKind};
use crate::store::pve::NewTask;
use futures::StreamExt;
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// VMs deployed at once (Proxmox serialises per-VM work itself; this bounds our load).
pub const PARALLEL: usize = 8;
/// A running step untouched this long belongs to a runner that died.
const STALE: chrono::Duration = chrono::Duration::seconds(90);
const HEARTBEAT: Duration = Duration::from_secs(20);
const TASK_POLL: Duration = Duration::from_millis(500);

/// What a run cost, for the benchmark: API calls, and time spent waiting on Proxmox tasks
/// against time spent in chains.
#[derive(Debug, Default)]
pub struct RunStats {
    pub api_calls: AtomicU64,
    pub task_wait_ms: AtomicU64,
    pub chain_ms: AtomicU64,
    pub steps: AtomicU64,
}

impl RunStats {
    fn call(&self) {
        self.api_calls.fetch_add(1, Ordering::Relaxed);
    }
}

/// Plans being worked on by this process (another process is kept out by the step claims).
static ACTIVE: LazyLock<Mutex<HashSet<Uuid>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

struct Active(Uuid);
impl Drop for Active {
    fn drop(&mut self) {
        if let Ok(mut a) = ACTIVE.lock() {
            a.remove(&self.0);
        }
    }
}

/// Start working on a class's plan unless this process already is.
pub fn spawn(svc: &Services, class_id: Uuid) {
    let svc = svc.clone();
    tokio::spawn(async move {
        if let Err(e) = run(&svc, class_id, &RunStats::default()).await {
            tracing::warn!(class = %class_id, error = %e, "class deployment stopped");
        }
    });
}

fn engine_entry(action: &str) -> Entry {
    Entry::by(&Actor::system("classes"), &Source::Engine, action, "class")
}

/// An entry for work a person asked for: the plan's steps carry who planned them
/// (`deploy::requested_by`), and the engine's actions on their behalf are audited as theirs.
fn step_entry(step: &Step, action: &str) -> Entry {
    let mut e = engine_entry(action);
    if let Some((id, name, role)) = super::deploy::requester(step) {
        e.actor_id = Some(id);
        e.actor_name = name;
        e.actor_role = Some(role);
    }
    e
}

/// Run the plan to its end (or until every remaining chain is blocked by a failure).
pub async fn run(svc: &Services, class_id: Uuid, stats: &RunStats) -> Result<(), AppError> {
    {
        let Ok(mut a) = ACTIVE.lock() else { return Ok(()) };
        if !a.insert(class_id) {
            return Ok(());
        }
    }
    let _active = Active(class_id);
    let class = svc.store.class(&Actor::system("classes"), class_id).await?;
    let cluster_id = class.cluster_id.ok_or_else(|| AppError::Invalid("the class has no cluster".into()))?;
    let access = svc.store.cluster_access(cluster_id).await?;
    let client = Arc::new(client_for(&access)?);
    let plan = svc.store.plan(class_id).await?;
    let mut vmids: Vec<i64> =
        plan.iter().filter(|s| s.status == "pending" || s.status == "running").map(|s| s.vmid).collect();
    vmids.dedup();
    let results: Vec<Result<(), String>> = futures::stream::iter(vmids)
        .map(|vmid| {
            let client = client.clone();
            async move { chain(svc, &client, class_id, cluster_id, vmid, stats).await }
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let failed = results.iter().filter(|r| r.is_err()).count();
    // Attributed to whoever planned the work (the last plan's requester).
    let attributed = |action: &str| match plan.iter().max_by_key(|s| s.seq) {
        Some(step) => step_entry(step, action),
        None => engine_entry(action),
    };
    let e = attributed("deploy_finished")
        .entity(class_id)
        .details(serde_json::json!({"class": class.name, "failed_vms": failed}));
    svc.store.audit(if failed > 0 { e.outcome(Outcome::Failure) } else { e }).await?;
    svc.store.serve_waitlist(class_id, attributed("serve_waitlist")).await?;
    Ok(())
}

/// One VM's steps in order.
async fn chain(
    svc: &Services,
    client: &Client,
    class_id: Uuid,
    cluster_id: Uuid,
    vmid: i64,
    stats: &RunStats,
) -> Result<(), String> {
    let started = Instant::now();
    let result = async {
        loop {
            let plan = svc.store.plan(class_id).await.map_err(|e| e.to_string())?;
            let done = |s: &Step| matches!(s.status.as_str(), "done" | "skipped" | "cancelled");
            let Some(step) = plan.iter().find(|s| s.vmid == vmid && !done(s)) else { return Ok(()) };
            if step.status == "failed" {
                return Err(step.error.clone().unwrap_or_default());
            }
            if let Some(wait) = step.param("wait_deleted").and_then(|v| v.as_array()) {
                let vmids: Vec<i64> = wait.iter().filter_map(|v| v.as_i64()).collect();
                let deletes: Vec<&Step> =
                    plan.iter().filter(|s| vmids.contains(&s.vmid) && s.step_kind == "delete").collect();
                if deletes.iter().any(|s| s.status == "failed") {
                    return Err("waiting on VMs whose removal failed".into());
                }
                if !deletes.iter().all(|s| done(s)) {
                    tokio::time::sleep(TASK_POLL).await;
                    continue;
                }
            }
            if let Some(after) = step.param("after").and_then(|v| v.as_i64()) {
                let dep: Vec<&Step> = plan.iter().filter(|s| s.vmid == after).collect();
                if dep.iter().any(|s| s.status == "failed") {
                    return Err(format!("waiting on VM {after}, whose steps failed"));
                }
                if !dep.iter().all(|s| done(s)) {
                    tokio::time::sleep(TASK_POLL).await;
                    continue;
                }
            }
            if !svc.store.claim_step(step.id, time::now() - STALE).await.map_err(|e| e.to_string())? {
                // Another runner holds it (or it is not its turn yet): look again shortly.
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            stats.steps.fetch_add(1, Ordering::Relaxed);
            match execute(svc, client, cluster_id, step, stats).await {
                Ok(()) => svc.store.finish_step(step.id, "done", None).await.map_err(|e| e.to_string())?,
                // Lock conflicts pass (another task on the VM): try again a few times.
                Err(e) if e.contains("lock") && step.attempts < 3 => {
                    let msg = crate::domain::sanitize::line(&e);
                    svc.store.finish_step(step.id, "pending", Some(&msg)).await.map_err(|e| e.to_string())?;
                    tokio::time::sleep(Duration::from_secs(1 + step.attempts as u64)).await;
                }
                Err(e) => {
                    let msg = crate::domain::sanitize::line(&e);
                    svc.store.finish_step(step.id, "failed", Some(&msg)).await.map_err(|e| e.to_string())?;
                    let entry =
                        step_entry(step, "deploy_step").entity(class_id).outcome(Outcome::Failure).message(msg.clone());
                    let _ =
                        svc.store.audit(entry.details(serde_json::json!({"vmid": vmid, "step": step.step_kind}))).await;
                    return Err(msg);
                }
            }
        }
    }
    .await;
    stats.chain_ms.fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    result
}

fn pve(e: PveError) -> String {
    e.to_string()
}

fn missing(e: &PveError) -> bool {
    e.to_string().contains("does not exist") || e.status() == Some(404)
}

async fn execute(
    svc: &Services,
    client: &Client,
    cluster_id: Uuid,
    step: &Step,
    stats: &RunStats,
) -> Result<(), String> {
    let kind = step.kind().ok_or_else(|| format!("unknown step '{}'", step.step_kind))?;
    let (node, vmid) = (step.node.as_str(), u32::try_from(step.vmid).map_err(|_| "bad vmid".to_string())?);
    let q = GuestKind::Qemu;
    // A resumed step whose task was already submitted: follow that task.
    if let Some(upid) = &step.upid
        && kind != StepKind::Register
    {
        let upid = Upid::parse(upid).map_err(pve)?;
        return wait(svc, client, step, &upid, stats).await;
    }
    let upid = match kind {
        StepKind::Clone => {
            let name = step.param_str("name").unwrap_or_default().to_string();
            stats.call();
            match client.guest_config(node, q, vmid).await {
                // Cloned by a runner that died before recording it: let that clone finish.
                Ok(cfg) if cfg.name().as_deref() == Some(name.as_str()) => {
                    return settle(client, node, vmid, stats).await;
                }
                Ok(cfg) => return Err(format!("VMID {vmid} is taken by '{}'", cfg.name().unwrap_or_default())),
                Err(e) if missing(&e) => {}
                Err(e) => return Err(pve(e)),
            }
            let source = step
                .param("source_vmid")
                .and_then(|v| v.as_u64())
                .and_then(|v| u32::try_from(v).ok())
                .ok_or("no source VMID")?;
            let source_node = step.param_str("source_node").unwrap_or(node);
            let req = CloneRequest {
                newid: vmid,
                name: Some(name),
                target: (source_node != node).then(|| node.to_string()),
                full: step.param("full").and_then(|v| v.as_bool()).unwrap_or(false),
                pool: None,
                description: Some("labdeck class VM".into()),
            };
            stats.call();
            client.clone_guest(source_node, source, &req).await.map_err(pve)?
        }
        StepKind::Configure => {
            let want = |key| step.param(key).and_then(|v| v.as_u64());
            stats.call();
            let cfg = client.guest_config(node, q, vmid).await.map_err(pve)?;
            let mut settings = Vec::new();
            if let Some(cores) = want("cores").filter(|c| cfg.cores() != u32::try_from(*c).ok()) {
                settings.push(("cores", cores.to_string()));
            }
            if let Some(memory) = want("memory").filter(|m| cfg.memory_mb() != Some(*m)) {
                settings.push(("memory", memory.to_string()));
            }
            if settings.is_empty() {
                return Ok(());
            }
            stats.call();
            match client.update_config(node, q, vmid, &settings).await.map_err(pve)? {
                Some(upid) => upid,
                None => return Ok(()),
            }
        }
        StepKind::ResizeDisk => {
            let gb = step.param("gb").and_then(|v| v.as_u64()).ok_or("no disk size")?;
            stats.call();
            let cfg = client.guest_config(node, q, vmid).await.map_err(pve)?;
            let (disk, size) = cfg.boot_disk().ok_or_else(|| format!("VM {vmid} has no disk to resize"))?;
            // Disks only grow: a template larger than the class's size keeps its size.
            if size >= gb as f64 {
                return Ok(());
            }
            stats.call();
            match client.resize_disk(node, q, vmid, &disk, &format!("{gb}G")).await.map_err(pve)? {
                Some(upid) => upid,
                None => return Ok(()),
            }
        }
        StepKind::Snapshot => {
            let name = step.param_str("name").unwrap_or(BASELINE);
            stats.call();
            if client.snapshots(node, q, vmid).await.map_err(pve)?.iter().any(|s| s.name == name) {
                return Ok(());
            }
            stats.call();
            client.snapshot_create(node, q, vmid, name, Some("labdeck class baseline")).await.map_err(pve)?
        }
        StepKind::Rollback => {
            stats.call();
            client.snapshot_rollback(node, q, vmid, step.param_str("name").unwrap_or(BASELINE)).await.map_err(pve)?
        }
        StepKind::Start | StepKind::Stop => {
            stats.call();
            let running = match client.guest_status(node, q, vmid).await {
                Ok(s) => s.is_running(),
                Err(e) if missing(&e) => return Ok(()),
                Err(e) => return Err(pve(e)),
            };
            if running == (kind == StepKind::Start) {
                return Ok(());
            }
            let action = if kind == StepKind::Start { PowerAction::Start } else { PowerAction::Stop };
            stats.call();
            client.power(node, q, vmid, action).await.map_err(pve)?
        }
        StepKind::ConvertTemplate => {
            stats.call();
            if client.guest_config(node, q, vmid).await.map_err(pve)?.is_template() {
                return Ok(());
            }
            stats.call();
            match client.convert_to_template(node, q, vmid).await.map_err(pve)? {
                Some(upid) => upid,
                None => return Ok(()),
            }
        }
        StepKind::Delete => {
            // VMIDs are reused: delete only what is still this class's VM, by row and by name.
            let expected = step.param_str("class_vm_id").and_then(|s| s.parse::<Uuid>().ok());
            let row = svc.store.class_vm_at(cluster_id, step.vmid).await.map_err(|e| e.to_string())?;
            if row.as_ref().map(|r| r.0) != expected || row.as_ref().map(|r| r.1) != Some(step.class_id) {
                return Err(format!("VMID {vmid} no longer belongs to this class; not deleted"));
            }
            let keep_row = step.param("keep_row").and_then(|v| v.as_bool()).unwrap_or(false);
            if let Some(id) = expected {
                svc.store
                    .mark_class_vm_deleting(id, step_entry(step, "class_vm_deleting"))
                    .await
                    .map_err(|e| e.to_string())?;
            }
            stats.call();
            match client.guest_config(node, q, vmid).await {
                Ok(cfg) if cfg.name().as_deref() != step.param_str("expect_name") => {
                    return Err(format!(
                        "VMID {vmid} is now '{}', not this class's VM; not deleted",
                        cfg.name().unwrap_or_default()
                    ));
                }
                Ok(_) => {}
                Err(e) if missing(&e) => return forget(svc, expected, keep_row, step).await,
                Err(e) => return Err(pve(e)),
            }
            // A start submitted just before may have landed since the stop step.
            settle(client, node, vmid, stats).await?;
            stats.call();
            if client.guest_status(node, q, vmid).await.map_err(pve)?.is_running() {
                stats.call();
                let upid = client.power(node, q, vmid, PowerAction::Stop).await.map_err(pve)?;
                wait(svc, client, step, &upid, stats).await?;
            }
            stats.call();
            let upid = client.delete_guest(node, q, vmid).await.map_err(pve)?;
            record(svc, cluster_id, step, &upid).await;
            wait(svc, client, step, &upid, stats).await?;
            return forget(svc, expected, keep_row, step).await;
        }
        StepKind::Register => return register(svc, cluster_id, step).await,
    };
    record(svc, cluster_id, step, &upid).await;
    wait(svc, client, step, &upid, stats).await
}

/// After a delete: the row is soft-deleted (scale down) or kept for the recreated VM (publish).
async fn forget(svc: &Services, id: Option<Uuid>, keep_row: bool, step: &Step) -> Result<(), String> {
    match (id, keep_row) {
        (Some(id), false) => {
            svc.store.mark_class_vm_deleted(id, step_entry(step, "class_vm_deleted")).await.map_err(|e| e.to_string())
        }
        _ => Ok(()),
    }
}

async fn register(svc: &Services, cluster_id: Uuid, step: &Step) -> Result<(), String> {
    if let Some(id) = step.param_str("class_vm_id").and_then(|s| s.parse::<Uuid>().ok()) {
        return svc
            .store
            .mark_class_vm_live(id, step_entry(step, "class_vm_recreated"))
            .await
            .map_err(|e| e.to_string());
    }
    let vm = NewClassVm {
        class_id: step.class_id,
        cluster_id,
        vmid: step.vmid,
        node: step.node.clone(),
        name: step.param_str("name").unwrap_or_default().to_string(),
        role: step.param_str("role").unwrap_or("student").to_string(),
        assigned_user_id: step.param_str("user").and_then(|s| s.parse().ok()),
    };
    svc.store.register_class_vm(&vm, step_entry(step, "register_class_vm")).await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Remember the task on the step (resume) and in the task list (Inventory shows it).
async fn record(svc: &Services, cluster_id: Uuid, step: &Step, upid: &Upid) {
    let _ = svc.store.step_started(step.id, upid.as_str()).await;
    let task = NewTask {
        cluster_id,
        upid: upid.as_str(),
        node: upid.node(),
        task_type: step.step_kind.as_str(),
        vmid: u32::try_from(step.vmid).ok(),
        by: super::deploy::requester(step).map(|r| r.0),
    };
    let _ = svc
        .store
        .record_task(
            &task,
            step_entry(step, &format!("class_{}", step.step_kind))
                .details(serde_json::json!({"class_id": step.class_id})),
        )
        .await;
}

/// Wait until nothing holds the VM's lock (a clone, a snapshot in progress).
async fn settle(client: &Client, node: &str, vmid: u32, stats: &RunStats) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        stats.call();
        let cfg = client.guest_config(node, GuestKind::Qemu, vmid).await.map_err(pve)?;
        if cfg.lock().is_none() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("VM {vmid} stayed locked ({})", cfg.lock().unwrap_or_default()));
        }
        tokio::time::sleep(TASK_POLL).await;
    }
}

/// Wait for a Proxmox task to end; its exit status decides.
async fn wait(svc: &Services, client: &Client, step: &Step, upid: &Upid, stats: &RunStats) -> Result<(), String> {
    let started = Instant::now();
    let mut beat = Instant::now();
    let result = loop {
        tokio::time::sleep(TASK_POLL).await;
        stats.call();
        match client.task_status(upid).await {
            Ok(s) => match s.outcome() {
                TaskOutcome::Running => {}
                TaskOutcome::Ok | TaskOutcome::Warnings(_) => break Ok(()),
                TaskOutcome::Failed(why) => break Err(format!("task failed: {why}")),
            },
            Err(e) if e.is_transient() => {}
            Err(e) => break Err(pve(e)),
        }
        if beat.elapsed() > HEARTBEAT {
            beat = Instant::now();
            let _ = svc.store.step_heartbeat(step.id).await;
        }
    };
    stats.task_wait_ms.fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
    result
}
