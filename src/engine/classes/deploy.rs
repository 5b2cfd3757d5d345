//! Deployment plans: what Proxmox calls it takes to bring a class pool to its size, or to
//! publish the teacher's VM to every student VM. The plan is written to the database first
//! (class_deploy_steps), then a runner works through it (runner.rs).

use super::{entry, manage};
use crate::domain::classes::vmid::{self, BASE_SLOT, TEACHER_SLOT, free_student_vmids, short_name, vm_name};
use crate::domain::rbac::Actor;
use crate::engine::{AppError, Services};
use crate::store::classes::{Class, ClassVm, NewStep, Step, StepKind};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

fn step(vmid: i64, node: &str, kind: StepKind, params: serde_json::Value) -> NewStep {
    NewStep { vmid, node: node.to_string(), kind, params }
}

/// Clone from a source, give it the class's CPU, memory and disk, take the baseline
/// snapshot (so a revert keeps that hardware), register the row.
fn create_chain(
    out: &mut Vec<NewStep>,
    class: &Class,
    src: (i64, &str),
    vmid: i64,
    node: &str,
    name: &str,
    register: serde_json::Value,
) {
    let clone = json!({"source_vmid": src.0, "source_node": src.1, "name": name, "full": false});
    out.push(step(vmid, node, StepKind::Clone, clone));
    out.push(step(vmid, node, StepKind::Configure, json!({"cores": class.cpu_cores, "memory": class.memory_mb})));
    out.push(step(vmid, node, StepKind::ResizeDisk, json!({"gb": class.disk_size_gb})));
    out.push(step(vmid, node, StepKind::Snapshot, json!({"name": super::vm_ops::BASELINE})));
    out.push(step(vmid, node, StepKind::Register, register));
}

fn delete_chain(out: &mut Vec<NewStep>, vm: &ClassVm, keep_row: bool) {
    out.push(step(vm.vmid, &vm.node, StepKind::Stop, json!({})));
    out.push(step(
        vm.vmid,
        &vm.node,
        StepKind::Delete,
        json!({"class_vm_id": vm.id, "expect_name": vm.vm_name, "keep_row": keep_row}),
    ));
}

/// The steps that bring the pool (teacher VM + `size` student VMs) to its size. Growing
/// fills the lowest free student slots; shrinking removes unassigned VMs, highest first,
/// and refuses to take a VM from a student.
pub fn scale_plan(class: &Class, vms: &[ClassVm], busy: &BTreeSet<i64>, size: i64) -> Result<Vec<NewStep>, String> {
    let prefix = class.vmid_prefix.ok_or("the class has no VMID range")?;
    let node = class.node().ok_or("set a node (or a template) on the class first")?;
    let short = short_name(&class.name);
    let live: Vec<&ClassVm> = vms.iter().filter(|v| v.status != "deleting").collect();
    let students: Vec<&&ClassVm> = live.iter().filter(|v| v.role == "student").collect();
    let mut out = Vec::new();
    let template = || -> Result<(i64, &str), String> {
        match (class.template_vmid, class.template_node.as_deref()) {
            (Some(v), Some(n)) => Ok((v, n)),
            _ => Err("choose a template for the class first".into()),
        }
    };
    let teacher_vmid = vmid::vmid(prefix, TEACHER_SLOT);
    if size > 0 && !live.iter().any(|v| v.role == "teacher") && !busy.contains(&teacher_vmid) {
        let name = vm_name(&short, TEACHER_SLOT);
        let reg = json!({"role": "teacher", "name": name, "user": class.owner_id});
        create_chain(&mut out, class, template()?, teacher_vmid, node, &name, reg);
    }
    let have = students.len() as i64;
    if size > have {
        let taken: BTreeSet<i64> = vms.iter().map(|v| v.vmid).chain(busy.iter().copied()).collect();
        let in_flight =
            busy.iter().filter(|v| vmid::belongs(prefix, **v) && **v % 100 >= vmid::FIRST_STUDENT_SLOT).count() as i64;
        let need = (size - have - in_flight).max(0) as usize;
        for v in free_student_vmids(prefix, &taken, need) {
            let name = vm_name(&short, v % 100);
            create_chain(&mut out, class, template()?, v, node, &name, json!({"role": "student", "name": name}));
        }
    } else if size < have {
        let mut free: Vec<&&&ClassVm> = students.iter().filter(|v| v.user_id.is_none()).collect();
        free.sort_by_key(|v| std::cmp::Reverse(v.vmid));
        let drop = (have - size) as usize;
        if free.len() < drop {
            return Err(format!(
                "{} of the VMs to remove are assigned to students; remove those students first",
                drop - free.len()
            ));
        }
        for vm in free.into_iter().take(drop) {
            delete_chain(&mut out, vm, false);
        }
    }
    Ok(out)
}

/// Publish the teacher's VM: it is copied to the base VM (a template), and every student VM
/// is recreated from it as a linked clone with a fresh baseline. Assignments stay. Order
/// across VMs: student VMs are deleted, then the old base (linked clones pin it), then the
/// new base is made, then the student VMs are cloned from it.
pub fn publish_plan(class: &Class, vms: &[ClassVm]) -> Result<Vec<NewStep>, String> {
    let prefix = class.vmid_prefix.ok_or("the class has no VMID range")?;
    let teacher = vms
        .iter()
        .find(|v| v.role == "teacher" && v.status != "deleting")
        .ok_or("deploy the class first: it has no teacher VM")?;
    let short = short_name(&class.name);
    let base_vmid = vmid::vmid(prefix, BASE_SLOT);
    let base_name = vm_name(&short, BASE_SLOT);
    let node = teacher.node.as_str();
    let students: Vec<&ClassVm> = vms.iter().filter(|v| v.role == "student" && v.status != "deleting").collect();
    let mut out = Vec::new();
    // The old base VM goes once no student VM is a linked clone of it any more.
    let student_vmids: Vec<i64> = students.iter().map(|v| v.vmid).collect();
    if let Some(base) = vms.iter().find(|v| v.role == "base") {
        let mut chain = Vec::new();
        delete_chain(&mut chain, base, false);
        for s in &mut chain {
            s.params["wait_deleted"] = json!(student_vmids);
        }
        out.extend(chain);
    }
    let full = json!({"source_vmid": teacher.vmid, "source_node": teacher.node, "name": base_name, "full": true});
    out.push(step(base_vmid, node, StepKind::Clone, full));
    out.push(step(base_vmid, node, StepKind::ConvertTemplate, json!({})));
    out.push(step(base_vmid, node, StepKind::Register, json!({"role": "base", "name": base_name})));
    for vm in students {
        delete_chain(&mut out, vm, true);
        let mut chain = Vec::new();
        create_chain(
            &mut chain,
            class,
            (base_vmid, node),
            vm.vmid,
            &vm.node,
            &vm.vm_name,
            json!({"class_vm_id": vm.id}),
        );
        // The new student VMs are clones of the new base VM: they wait for it.
        for s in &mut chain {
            s.params["after"] = json!(base_vmid);
        }
        out.extend(chain);
    }
    Ok(out)
}

/// Stamp every step with who asked for it, so the runner's audit entries name them.
fn requested_by(steps: &mut [NewStep], actor: &Actor) {
    for s in steps {
        s.params["by"] = json!({"id": actor.user_id, "name": actor.username, "role": actor.role.as_str()});
    }
}

/// Who planned a step: (user id, username, role), when a person did.
pub(super) fn requester(step: &Step) -> Option<(Uuid, String, String)> {
    let by = step.param("by")?;
    let id = by.get("id")?.as_str()?.parse().ok()?;
    Some((id, by.get("name")?.as_str()?.to_string(), by.get("role")?.as_str()?.to_string()))
}

/// VMIDs with unfinished steps, which a new plan must leave alone.
async fn busy_vmids(svc: &Services, class_id: Uuid) -> Result<BTreeSet<i64>, AppError> {
    let plan = svc.store.plan(class_id).await?;
    Ok(plan.iter().filter(|s| matches!(s.status.as_str(), "pending" | "running" | "failed")).map(|s| s.vmid).collect())
}

/// Deploy, or scale to `size` (and remember it as the pool size).
pub async fn scale(svc: &Services, actor: &Actor, class_id: Uuid, size: Option<i64>) -> Result<String, AppError> {
    let class = manage::managed(svc, actor, class_id, "deploy_class").await?;
    let size = size.unwrap_or(class.pool_size);
    if !(0..=vmid::MAX_POOL).contains(&size) {
        return Err(AppError::Invalid(format!("Pool size: 0 to {}.", vmid::MAX_POOL)));
    }
    if class.archived_at.is_some() && size > 0 {
        return Err(AppError::Invalid("The class is archived; it can only be scaled to 0.".into()));
    }
    let cluster = class.cluster_id.ok_or_else(|| AppError::Invalid("Choose a template for the class first.".into()))?;
    if size != class.pool_size {
        svc.store.set_pool_size(class_id, size, entry(svc, actor, "scale_class", "class")).await?;
    }
    let vms = svc.store.class_vms(actor, class_id).await?;
    let busy = busy_vmids(svc, class_id).await?;
    let mut steps = scale_plan(&class, &vms, &busy, size).map_err(AppError::Invalid)?;
    requested_by(&mut steps, actor);
    if steps.is_empty() {
        super::runner::spawn(svc, class_id);
        return Ok(format!("{} already has {size} student VMs.", class.name));
    }
    let vmids: BTreeSet<i64> = steps.iter().map(|s| s.vmid).collect();
    svc.store.plan_steps(class_id, cluster, &steps, entry(svc, actor, "deploy_class", "class")).await?;
    super::runner::spawn(svc, class_id);
    Ok(format!("{}: {} steps on {} VMs planned; progress shows in the class.", class.name, steps.len(), vmids.len()))
}

pub async fn publish(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<String, AppError> {
    let class = manage::managed(svc, actor, class_id, "publish_template").await?;
    let cluster = class.cluster_id.ok_or_else(|| AppError::Invalid("The class has no cluster.".into()))?;
    if !busy_vmids(svc, class_id).await?.is_empty() {
        return Err(AppError::Invalid("A deployment is still under way (or failed); finish or retry it first.".into()));
    }
    let vms = svc.store.class_vms(actor, class_id).await?;
    let mut steps = publish_plan(&class, &vms).map_err(AppError::Invalid)?;
    requested_by(&mut steps, actor);
    svc.store.plan_steps(class_id, cluster, &steps, entry(svc, actor, "publish_template", "class")).await?;
    super::runner::spawn(svc, class_id);
    Ok(format!("Publishing the teacher VM of {} to its student VMs.", class.name))
}

pub async fn retry(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<String, AppError> {
    let class = manage::managed(svc, actor, class_id, "retry_deploy").await?;
    let n = svc.store.retry_failed_steps(class_id, entry(svc, actor, "retry_deploy", "class")).await?;
    super::runner::spawn(svc, class_id);
    Ok(format!("Retrying {n} failed step{} of {}.", if n == 1 { "" } else { "s" }, class.name))
}

pub async fn cancel(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<String, AppError> {
    let class = manage::managed(svc, actor, class_id, "cancel_deploy").await?;
    let n = svc.store.cancel_open_steps(class_id, entry(svc, actor, "cancel_deploy", "class")).await?;
    Ok(format!("Cancelled {n} waiting step{} of {}.", if n == 1 { "" } else { "s" }, class.name))
}
