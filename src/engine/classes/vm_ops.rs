//! Power and revert on class VMs, for students (their own VM, within the class hours and
//! their remaining usage, with the reason when refused) and for teachers (any VM of a class
//! they teach). Every action and every refusal is audited.

use super::entry;
use crate::domain::audit::Outcome;
use crate::domain::classes::policy::{self, VmAction, VmFacts};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::engine::admin::authorize;
use crate::engine::guests::client_for;
use crate::engine::inventory::{BulkLine, BulkOutcome};
use crate::engine::{AppError, Services};
use crate::pve::{Client, GuestKind, PowerAction, Upid};
use crate::store::classes::{Class, ClassVm};
use crate::store::pve::NewTask;
use std::collections::HashMap;
use uuid::Uuid;

pub const BASELINE: &str = "baseline";

pub fn facts(class: &Class, vm: &ClassVm) -> VmFacts {
    VmFacts {
        hours: class.hours(),
        zone: class.zone(),
        usage: vm.usage(),
        archived: class.archived_at.is_some(),
        running: vm.running(),
        lock: vm.lock.clone(),
        deleting: vm.status == "deleting",
    }
}

/// Act on class VMs; one report line each.
pub async fn act(svc: &Services, actor: &Actor, vm_ids: &[Uuid], action: VmAction) -> Result<Vec<BulkLine>, AppError> {
    authorize(svc, actor, Resource::Guest, Action::Execute, action.as_str()).await?;
    let mut lines = Vec::new();
    let mut classes: HashMap<Uuid, Class> = HashMap::new();
    let mut clients: HashMap<Uuid, (String, Client)> = HashMap::new();
    for id in vm_ids {
        let vm = match svc.store.class_vm(actor, *id).await {
            Ok(vm) => vm,
            Err(e) => {
                lines.push(BulkLine {
                    cluster: String::new(),
                    vmid: 0,
                    name: "?".into(),
                    outcome: BulkOutcome::Failed(e.to_string()),
                });
                continue;
            }
        };
        let class = match classes.get(&vm.class_id) {
            Some(c) => c.clone(),
            None => {
                let c = svc.store.class(actor, vm.class_id).await?;
                classes.insert(c.id, c.clone());
                c
            }
        };
        let line = |cluster: &str, outcome| BulkLine {
            cluster: cluster.into(),
            vmid: vm.vmid as u32,
            name: vm.vm_name.clone(),
            outcome,
        };
        let teacher = class.teaches || actor.role == crate::domain::Role::Admin;
        let own = vm.user_id == Some(actor.user_id);
        let f = facts(&class, &vm);
        let decision = if teacher {
            policy::teacher_may(action, &f)
        } else if own {
            policy::student_may(action, &f, time::now())
        } else {
            let e = entry(svc, actor, action.as_str(), "class_vm")
                .entity(vm.id)
                .outcome(Outcome::Denied)
                .message("not their VM");
            svc.store.audit(e).await?;
            lines.push(line("", BulkOutcome::Failed("not your VM".into())));
            continue;
        };
        if let Err(refusal) = decision {
            let e = entry(svc, actor, action.as_str(), "class_vm")
                .entity(vm.id)
                .outcome(Outcome::Denied)
                .message(refusal.to_string());
            svc.store.audit(e).await?;
            lines.push(line("", BulkOutcome::Skipped(refusal.to_string())));
            continue;
        }
        if let std::collections::hash_map::Entry::Vacant(slot) = clients.entry(vm.cluster_id) {
            let access = svc.store.cluster_access(vm.cluster_id).await?;
            slot.insert((access.cluster.name.clone(), client_for(&access)?));
        }
        let Some((cluster, client)) = clients.get(&vm.cluster_id) else { continue };
        let outcome = match submit(client, &vm.node, vm.vmid as u32, action).await {
            Ok(upid) => {
                let task = NewTask {
                    cluster_id: vm.cluster_id,
                    upid: upid.as_str(),
                    node: &vm.node,
                    task_type: action.as_str(),
                    vmid: Some(vm.vmid as u32),
                    by: Some(actor.user_id).filter(|u| !u.is_nil()),
                };
                let e = entry(svc, actor, action.as_str(), "class_vm")
                    .entity(vm.id)
                    .detail("class_id", vm.class_id.to_string());
                svc.store.record_task(&task, e).await?;
                BulkOutcome::Submitted(upid.to_string())
            }
            Err(e) => {
                let fail = entry(svc, actor, action.as_str(), "class_vm")
                    .entity(vm.id)
                    .outcome(Outcome::Failure)
                    .message(e.to_string());
                svc.store.audit(fail).await?;
                BulkOutcome::Failed(e.to_string())
            }
        };
        lines.push(line(cluster, outcome));
    }
    Ok(lines)
}

async fn submit(client: &Client, node: &str, vmid: u32, action: VmAction) -> Result<Upid, crate::pve::PveError> {
    let k = GuestKind::Qemu;
    match action {
        VmAction::Start => client.power(node, k, vmid, PowerAction::Start).await,
        VmAction::Stop => client.power(node, k, vmid, PowerAction::Stop).await,
        VmAction::Shutdown => client.power(node, k, vmid, PowerAction::Shutdown).await,
        VmAction::Revert => client.snapshot_rollback(node, k, vmid, BASELINE).await,
    }
}

/// A VM handed back by a student goes back to its baseline before the next one gets it.
/// Best effort: a failure is audited and the teacher can revert it by hand.
pub async fn reset_freed_vm(svc: &Services, actor: &Actor, class: &Class, vmid: i64) {
    let Some(cluster_id) = class.cluster_id else { return };
    let result = async {
        let access = svc.store.cluster_access(cluster_id).await?;
        let client = client_for(&access)?;
        let node = svc.store.guest(cluster_id, vmid as u32).await?.map(|g| g.node.to_string());
        let node = node.or_else(|| class.node().map(str::to_string)).unwrap_or_default();
        client
            .snapshot_rollback(&node, GuestKind::Qemu, vmid as u32, BASELINE)
            .await
            .map_err(|e| AppError::Invalid(e.to_string()))
    }
    .await;
    let e = entry(svc, actor, "revert_freed_vm", "class_vm").entity(format!("{}:{vmid}", class.id));
    let e = match result {
        Ok(upid) => e.details(serde_json::json!({"upid": upid.to_string()})),
        Err(err) => e.outcome(Outcome::Failure).message(err.to_string()),
    };
    let _ = svc.store.audit(e).await;
}

/// Reset the usage hours of some VMs of a class the actor teaches.
pub async fn reset_usage(svc: &Services, actor: &Actor, class_id: Uuid, vm_ids: &[Uuid]) -> Result<String, AppError> {
    let class = super::manage::managed(svc, actor, class_id, "reset_usage").await?;
    let n = svc.store.reset_class_usage(class_id, vm_ids, entry(svc, actor, "reset_usage", "class")).await?;
    Ok(format!("Usage reset on {n} VM{} of {}.", if n == 1 { "" } else { "s" }, class.name))
}
