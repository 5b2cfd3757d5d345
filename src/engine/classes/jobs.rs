//! Scheduled class jobs, run by the process that holds a cluster's poller lease (so exactly
//! one process runs them per cluster), right after a poll has refreshed guest states:
//! resume open deployment plans; count usage while VMs run; shut VMs down outside the hours
//! or when their usage is spent; shut idle VMs down from rrddata CPU averages; power VMs on
//! before the hours begin; seat waiting students. All state lives in the database
//! (checkpoints, plan steps, last power-on), so a restart loses nothing.

use super::vm_ops::facts;
use crate::domain::audit::{Entry, Outcome, Source};
use crate::domain::classes::policy::{self, in_power_on_lead};
use crate::domain::classes::usage::{Usage, accrue};
use crate::domain::rbac::Actor;
use crate::domain::time;
use crate::engine::Services;
use crate::pve::{Client, GuestKind, PowerAction};
use crate::store::classes::{Class, ClassVm, JobVm};
use crate::store::pve::NewTask;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How often the jobs run per cluster, and how often idle VMs are looked for (rrddata calls).
const EVERY: Duration = Duration::from_secs(60);
const IDLE_EVERY: Duration = Duration::from_secs(300);
/// Unobserved running time billed at most (a few missed ticks; never a whole outage).
const MAX_GAP: chrono::Duration = chrono::Duration::minutes(3);

/// When a cluster's jobs last ran, and when its idle VMs were last looked for. Kept by the
/// cluster's poller: it lives exactly as long as the lease it depends on.
#[derive(Debug, Default)]
pub struct Schedule {
    ran: Option<Instant>,
    idle: Option<Instant>,
}

fn entry(action: &str) -> Entry {
    Entry::by(&Actor::system("classes"), &Source::Engine, action, "class_vm")
}

/// Called by the cluster's poller after each cycle; does nothing until `EVERY` has passed.
pub async fn after_poll(svc: &Services, cluster_id: Uuid, client: &Client, schedule: &mut Schedule) {
    let now = Instant::now();
    if schedule.ran.is_some_and(|t| now.duration_since(t) < EVERY) {
        return;
    }
    schedule.ran = Some(now);
    let idle_due = schedule.idle.is_none_or(|t| now.duration_since(t) >= IDLE_EVERY);
    if idle_due {
        schedule.idle = Some(now);
    }
    if let Err(e) = run(svc, cluster_id, client, idle_due).await {
        tracing::warn!(cluster = %cluster_id, error = %e, "class jobs failed");
    }
}

pub async fn run(
    svc: &Services,
    cluster_id: Uuid,
    client: &Client,
    idle_due: bool,
) -> Result<(), crate::store::StoreError> {
    for class_id in svc.store.classes_with_open_steps(cluster_id).await? {
        super::runner::spawn(svc, class_id);
    }
    let classes: HashMap<Uuid, Class> =
        svc.store.classes_for_jobs(cluster_id).await?.into_iter().map(|c| (c.id, c)).collect();
    if classes.is_empty() {
        return Ok(());
    }
    let vms = svc.store.job_vms(cluster_id).await?;
    let vms = count_usage(svc, vms).await?;
    let now = time::now();
    for vm in vms.iter().filter(|v| v.role == "student") {
        let Some(class) = classes.get(&vm.class_id) else { continue };
        let view = as_class_vm(vm, class);
        let f = facts(class, &view);
        // VMs powered on ahead of the hours are not shut down for being early.
        let leading = class
            .hours()
            .zip(class.power_on_lead_minutes)
            .is_some_and(|(h, l)| in_power_on_lead(h, class.zone(), l, now));
        let reason = match policy::must_shut_down(&f, now) {
            Some(r) if leading && r.starts_with("outside") => None,
            Some(r) => Some(r.to_string()),
            None if idle_due && class.auto_shutdown_enabled && f.running == Some(true) && f.lock.is_none() => {
                idle_reason(client, vm, class).await
            }
            None => None,
        };
        if let Some(reason) = reason {
            power(svc, client, vm, PowerAction::Shutdown, "auto_shutdown", &reason).await;
        }
    }
    for class in classes.values() {
        power_on_before_hours(svc, client, class, &vms, now).await?;
        if class.free_seats > 0 && (class.waiting > 0 || class.enrolled > class.seats - class.free_seats) {
            svc.store.serve_waitlist(class.id, entry("serve_waitlist")).await?;
        }
    }
    Ok(())
}

/// Add the running time since each VM's checkpoint; returns the VMs with usage updated.
async fn count_usage(svc: &Services, mut vms: Vec<JobVm>) -> Result<Vec<JobVm>, crate::store::StoreError> {
    let now = time::now();
    let mut ticks = Vec::new();
    for vm in vms.iter_mut().filter(|v| v.role != "base") {
        let running = vm.guest_status.as_deref() == Some("running");
        let (add, next) = accrue(running, vm.usage_counted_at, now, MAX_GAP);
        if add > 0 || next != vm.usage_counted_at {
            ticks.push((vm.id, vm.usage_counted_at, add, next));
            vm.usage_seconds += add;
            vm.usage_counted_at = next;
        }
    }
    svc.store.apply_usage(&ticks).await?;
    Ok(vms)
}

fn as_class_vm(vm: &JobVm, class: &Class) -> ClassVm {
    ClassVm {
        id: vm.id,
        class_id: vm.class_id,
        class_name: class.name.clone(),
        cluster_id: vm.cluster_id,
        vmid: vm.vmid,
        node: vm.node.clone(),
        vm_name: vm.vm_name.clone(),
        role: vm.role.clone(),
        status: "assigned".into(),
        user_id: vm.assigned_user_id,
        username: None,
        display_name: None,
        last_login_at: None,
        usage_seconds: vm.usage_seconds,
        max_usage_hours: class.max_usage_hours,
        assigned_at: None,
        guest_status: vm.guest_status.clone(),
        ip: None,
        ssh_available: None,
        rdp_available: None,
        lock: vm.lock.clone(),
        last_seen_at: None,
    }
}

/// The VM's CPU, one average a minute over the last hour, all below the class threshold for
/// its idle minutes. Asked from Proxmox each time: no counter to lose on restart. Only
/// minutes since the VM started count (Proxmox records zeros while a VM is off, which must
/// not make a VM started a minute ago look idle); a missing average counts as busy.
async fn idle_reason(client: &Client, vm: &JobVm, class: &Class) -> Option<String> {
    let started = time::now().timestamp() - vm.uptime?;
    let points = client.rrddata(&vm.node, GuestKind::Qemu, vm.vmid as u32, "hour").await.ok()?;
    let cpu: Vec<f64> = points.iter().filter(|p| p.time >= started).map(|p| p.cpu.unwrap_or(1.0)).collect();
    let minutes = class.auto_shutdown_idle_minutes.max(1) as usize;
    policy::is_idle(&cpu, minutes, class.auto_shutdown_cpu_percent)
        .then(|| format!("idle: CPU below {}% for {minutes} minutes", class.auto_shutdown_cpu_percent))
}

async fn power(svc: &Services, client: &Client, vm: &JobVm, action: PowerAction, what: &str, reason: &str) {
    let e = entry(what).entity(vm.id).message(reason.to_string());
    match client.power(&vm.node, GuestKind::Qemu, vm.vmid as u32, action).await {
        Ok(upid) => {
            let task = NewTask {
                cluster_id: vm.cluster_id,
                upid: upid.as_str(),
                node: &vm.node,
                task_type: what,
                vmid: Some(vm.vmid as u32),
                by: None,
            };
            let _ = svc.store.record_task(&task, e).await;
            if let Some(user) = vm.assigned_user_id {
                let title = format!(
                    "{} was {}",
                    vm.vm_name,
                    if action == PowerAction::Start { "started" } else { "shut down" }
                );
                let _ = svc.store.notify(user, "class", &title, Some(reason)).await;
            }
        }
        Err(err) => {
            let _ = svc.store.audit(e.outcome(Outcome::Failure).message(format!("{reason}: {err}"))).await;
        }
    }
}

/// Power the assigned student VMs on in the minutes before the hours begin, once per opening.
async fn power_on_before_hours(
    svc: &Services,
    client: &Client,
    class: &Class,
    vms: &[JobVm],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), crate::store::StoreError> {
    let (Some(hours), Some(lead)) = (class.hours(), class.power_on_lead_minutes) else { return Ok(()) };
    if !in_power_on_lead(hours, class.zone(), lead, now) {
        return Ok(());
    }
    let window_start = hours.next_open(class.zone(), now) - chrono::Duration::minutes(lead);
    let e = Entry::by(&Actor::system("classes"), &Source::Engine, "power_on_before_hours", "class");
    if !svc.store.mark_power_on(class.id, window_start, e).await? {
        return Ok(());
    }
    for vm in vms.iter().filter(|v| v.class_id == class.id && v.role == "student" && v.assigned_user_id.is_some()) {
        let spent = Usage { used_secs: vm.usage_seconds, max_hours: class.max_usage_hours }.exhausted();
        if vm.guest_status.as_deref() == Some("stopped") && !spent {
            power(svc, client, vm, PowerAction::Start, "power_on_before_hours", "the class hours begin soon").await;
        }
    }
    Ok(())
}
