//! The cluster's state and every change the API can ask for. Changes are checked at request
//! time (like Proxmox's parameter checks) and take effect when their task is due.

use super::http::SimError;
use super::model::{Guest, SimNode, SimSnapshot};
use super::tasks::{Effect, LogPlan, Task, human, task_type};
use crate::pve::{GuestKind, PowerAction};
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

/// Finished tasks kept for `/nodes/{node}/tasks` and status lookups.
const TASK_HISTORY: usize = 5000;

pub(crate) struct SimState {
    pub nodes: Vec<SimNode>,
    pub guests: BTreeMap<u32, Guest>,
    pub pools: BTreeSet<String>,
    pub tasks: HashMap<String, Task>,
    /// (due in µs, sequence) → UPID, so due tasks complete in order.
    pending: BTreeMap<(u64, u64), String>,
    /// UPIDs in start order.
    pub history: VecDeque<String>,
    pub task_secs: f64,
    pub agent_delay: f64,
    next_pid: u32,
    seq: u64,
}

/// A request's user, recorded in the UPID.
pub(crate) type User<'a> = &'a str;

impl SimState {
    pub(crate) fn new(nodes: Vec<SimNode>, task_secs: f64, agent_delay: f64, seed: u64) -> Self {
        SimState {
            nodes,
            guests: BTreeMap::new(),
            pools: BTreeSet::new(),
            tasks: HashMap::new(),
            pending: BTreeMap::new(),
            history: VecDeque::new(),
            task_secs: task_secs.max(0.0),
            agent_delay: agent_delay.max(0.0),
            next_pid: 0x10_0000 + (seed % 0x1_0000) as u32,
            seq: 0,
        }
    }

    /// Complete every task due by `now`, in order, applying its effect.
    pub(crate) fn advance(&mut self, now: f64) {
        let limit = micros(now);
        while let Some(entry) = self.pending.first_entry() {
            if entry.key().0 > limit {
                break;
            }
            let upid = entry.remove();
            self.complete(&upid);
        }
    }

    fn complete(&mut self, upid: &str) {
        let Some(task) = self.tasks.get(upid) else {
            return;
        };
        let (due, failure, effect) = (task.due, task.failure.clone(), task.effect.clone());
        let result = match (failure, &effect) {
            (Some(f), _) => Err(f),
            (None, Some(effect)) => {
                let r = self.apply(effect, due);
                self.release(effect);
                r
            }
            (None, None) => Ok(()),
        };
        if let Some(task) = self.tasks.get_mut(upid) {
            task.exitstatus = Some(match result {
                Ok(()) => "OK".into(),
                Err(e) => e,
            });
        }
    }

    /// Unlock the guests a task held.
    fn release(&mut self, effect: &Effect) {
        if let Some(g) = self.guests.get_mut(&effect.vmid()) {
            g.busy = false;
            g.lock = None;
        }
        if let Effect::Clone { source, .. } = effect
            && let Some(src) = self.guests.get_mut(source)
            && !src.template
        {
            src.busy = false;
        }
    }

    /// A change that needs no task (`PUT …/config`).
    pub(super) fn apply_now(&mut self, effect: &Effect) -> Result<(), SimError> {
        self.apply(effect, 0.0).map_err(|e| SimError::new(500, e))
    }

    fn apply(&mut self, effect: &Effect, at: f64) -> Result<(), String> {
        let vmid = effect.vmid();
        if let Effect::Delete { vmid } = effect {
            self.guests.remove(vmid);
            return Ok(());
        }
        let Some(g) = self.guests.get_mut(&vmid) else {
            return Err(format!("Configuration file for {vmid} does not exist"));
        };
        g.revision += 1;
        match effect {
            Effect::Power { action, .. } => match action {
                PowerAction::Start => {
                    g.running = true;
                    g.started = at;
                }
                PowerAction::Stop | PowerAction::Shutdown => g.running = false,
                PowerAction::Reboot => g.started = at,
            },
            Effect::Clone { .. } => {}
            Effect::Template { .. } => {
                g.template = true;
                g.running = false;
            }
            Effect::Delete { .. } => {}
            Effect::Config { cores, memory, .. } => {
                g.cores = cores.unwrap_or(g.cores);
                g.memory_mb = memory.unwrap_or(g.memory_mb);
            }
            Effect::Resize { gb, .. } => g.disk_gb = g.disk_gb.max(*gb),
            Effect::SnapshotCreate { name, description, vmstate, .. } => {
                g.snapshots.push(SimSnapshot {
                    name: name.clone(),
                    description: description.clone(),
                    snaptime: at as i64,
                    parent: g.parent.clone(),
                    vmstate: *vmstate,
                });
                g.parent = Some(name.clone());
            }
            Effect::SnapshotRollback { name, start, .. } => {
                let vmstate = g
                    .snapshots
                    .iter()
                    .find(|s| &s.name == name)
                    .map(|s| s.vmstate)
                    .ok_or_else(|| format!("snapshot '{name}' does not exist"))?;
                g.parent = Some(name.clone());
                // Without saved RAM the guest comes back powered off.
                g.running = vmstate || *start;
                if g.running {
                    g.started = at;
                }
            }
            Effect::SnapshotDelete { name, .. } => {
                let Some(pos) = g.snapshots.iter().position(|s| &s.name == name) else {
                    return Err(format!("snapshot '{name}' does not exist"));
                };
                let removed = g.snapshots.remove(pos);
                for s in &mut g.snapshots {
                    if s.parent.as_deref() == Some(name) {
                        s.parent = removed.parent.clone();
                    }
                }
                if g.parent.as_deref() == Some(name) {
                    g.parent = removed.parent;
                }
            }
        }
        Ok(())
    }

    // ---- lookups ----

    /// The node's index; unknown names fail like a failed host lookup, offline nodes like an
    /// unreachable proxy target (595).
    pub(crate) fn node(&self, name: &str) -> Result<usize, SimError> {
        let Some(i) = self.nodes.iter().position(|n| n.name == name) else {
            return Err(SimError::new(
                500,
                format!(
                    "hostname lookup '{name}' failed - failed to get address info for: {name}: Name or service not known"
                ),
            ));
        };
        if !self.nodes[i].online {
            return Err(SimError::new(595, "No route to host"));
        }
        Ok(i)
    }

    pub(crate) fn node_index(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    fn missing_config(&self, node: usize, kind: GuestKind, vmid: u32) -> SimError {
        let dir = match kind {
            GuestKind::Qemu => "qemu-server",
            GuestKind::Lxc => "lxc",
        };
        SimError::new(
            500,
            format!("Configuration file 'nodes/{}/{dir}/{vmid}.conf' does not exist", self.nodes[node].name),
        )
    }

    /// The guest, if it lives on that node and is of that kind.
    pub(crate) fn guest(&self, node: usize, kind: GuestKind, vmid: u32) -> Result<&Guest, SimError> {
        match self.guests.get(&vmid) {
            Some(g) if g.node == node && g.kind == kind => Ok(g),
            _ => Err(self.missing_config(node, kind, vmid)),
        }
    }

    /// Why a change cannot take the guest's lock now, if it cannot.
    pub(super) fn lock_conflict(g: &Guest) -> Option<String> {
        // The config lock names what is going on, so it wins over the lock-file timeout.
        if let Some(lock) = g.lock {
            return Some(format!("{} is locked ({lock})", g.label()));
        }
        if g.busy {
            let path = match g.kind {
                GuestKind::Qemu => format!("/var/lock/qemu-server/lock-{}.conf", g.vmid),
                GuestKind::Lxc => format!("/run/lock/lxc/pve-config-{}.lock", g.vmid),
            };
            return Some(format!("can't lock file '{path}' - got timeout"));
        }
        None
    }

    /// Lowest free VMID ≥ 100, or check that `requested` is free.
    pub(crate) fn next_id(&self, requested: Option<u32>) -> Result<u32, SimError> {
        if let Some(v) = requested {
            if self.guests.contains_key(&v) {
                return Err(SimError::param("vmid", format!("VM {v} already exists")));
            }
            return Ok(v);
        }
        let mut candidate = 100u32;
        for &vmid in self.guests.range(100..).map(|(k, _)| k) {
            if vmid != candidate {
                break;
            }
            candidate += 1;
        }
        Ok(candidate)
    }

    // ---- tasks ----

    #[allow(clippy::too_many_arguments)]
    pub(super) fn spawn(
        &mut self,
        node: usize,
        task_type: String,
        id: String,
        user: User,
        now: f64,
        duration: f64,
        effect: Option<Effect>,
        failure: Option<String>,
        log: LogPlan,
    ) -> String {
        let duration = if failure.is_some() { (self.task_secs * 0.3).max(0.01) } else { duration.max(0.01) };
        self.next_pid = self.next_pid.wrapping_add(1);
        let pstart = (now - self.nodes[node].boot).max(0.0) as u64 * 100;
        let node_name = self.nodes[node].name.clone();
        let upid = format!(
            "UPID:{node_name}:{:08X}:{:08X}:{:08X}:{task_type}:{id}:{user}:",
            self.next_pid, pstart as u32, now as u32
        );
        if failure.is_none()
            && let Some(effect) = &effect
            && let Some(g) = self.guests.get_mut(&effect.vmid())
        {
            g.busy = true;
        }
        let due = now + duration;
        self.pending.insert((micros(due), self.seq), upid.clone());
        self.seq += 1;
        self.tasks.insert(
            upid.clone(),
            Task {
                upid: upid.clone(),
                node,
                node_name,
                task_type,
                id,
                user: user.to_string(),
                pid: self.next_pid,
                pstart,
                start: now,
                due,
                effect,
                failure,
                log,
                exitstatus: None,
            },
        );
        self.history.push_back(upid.clone());
        self.prune_history();
        upid
    }

    fn prune_history(&mut self) {
        while self.history.len() > TASK_HISTORY {
            let Some(oldest) = self.history.front() else {
                break;
            };
            if self.tasks.get(oldest).is_some_and(Task::is_running) {
                break;
            }
            if let Some(old) = self.history.pop_front() {
                self.tasks.remove(&old);
            }
        }
    }

    // ---- changes ----

    pub(crate) fn power(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        action: PowerAction,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let g = self.guest(node, kind, vmid)?;
        if g.template && action == PowerAction::Start {
            return Err(SimError::new(500, "you can't start a vm if it's a template"));
        }
        let label = g.label();
        let failure = Self::lock_conflict(g).or_else(|| match action {
            PowerAction::Start if g.running => Some(format!("{label} already running")),
            PowerAction::Shutdown | PowerAction::Reboot if !g.running => Some(format!("{label} not running")),
            _ => None,
        });
        let factor = match action {
            PowerAction::Start => 1.0,
            PowerAction::Stop => 0.5,
            PowerAction::Shutdown => 1.5,
            PowerAction::Reboot => 2.0,
        };
        let lines = match (action, kind) {
            (PowerAction::Start, GuestKind::Qemu) => vec![],
            (PowerAction::Shutdown, _) | (PowerAction::Reboot, _) => {
                vec![format!("requesting shutdown of {label}")]
            }
            _ => vec![],
        };
        Ok(self.spawn(
            node,
            task_type(kind, action.as_str()),
            vmid.to_string(),
            user,
            now,
            self.task_secs * factor,
            Some(Effect::Power { vmid, action }),
            failure,
            LogPlan::Lines(lines),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn clone_guest(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        params: &HashMap<String, String>,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let src = self.guest(node, kind, vmid)?.clone();
        let newid: u32 = match params.get("newid") {
            None => return Err(SimError::missing("newid")),
            Some(v) => v
                .trim()
                .parse()
                .map_err(|_| SimError::param("newid", format!("type check ('integer') failed - got '{v}'")))?,
        };
        if newid < 100 {
            return Err(SimError::param("newid", format!("value must have a minimum value of 100 (got {newid})")));
        }
        if self.guests.contains_key(&newid) {
            return Err(SimError::param("newid", format!("VM {newid} already exists")));
        }
        let target = match params.get("target").filter(|t| !t.is_empty()) {
            None => node,
            Some(t) => match self.node_index(t) {
                None => {
                    return Err(SimError::param("target", format!("no such cluster node '{t}'")));
                }
                Some(i) if !self.nodes[i].online => {
                    return Err(SimError::new(500, format!("target node '{t}' is offline")));
                }
                Some(i) => i,
            },
        };
        let name_key = match kind {
            GuestKind::Qemu => "name",
            GuestKind::Lxc => "hostname",
        };
        let name = params
            .get(name_key)
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("Copy-of-VM-{}", src.name));
        let full = !src.template || super::http::flag(params, "full");
        let pool = params.get("pool").filter(|p| !p.is_empty()).cloned();
        if let Some(p) = &pool {
            // Pools are created on demand here; real clusters need them to exist.
            self.pools.insert(p.clone());
        }
        let failure = if src.template { None } else { Self::lock_conflict(&src) };
        if failure.is_none() {
            let mut g = src.clone();
            g.vmid = newid;
            g.name = name;
            g.node = target;
            g.running = false;
            g.template = false;
            g.pool = pool;
            g.lock = Some("clone");
            g.busy = false;
            g.snapshots.clear();
            g.parent = None;
            g.base = if full { None } else { Some(src.vmid) };
            g.ctime = now as i64;
            g.seed = src.seed.rotate_left(17) ^ u64::from(newid);
            g.revision = 0;
            if let Some(d) = params.get("description") {
                g.description = d.clone();
            }
            self.guests.insert(newid, g);
            if !src.template
                && let Some(s) = self.guests.get_mut(&vmid)
            {
                s.busy = true;
            }
        }
        let drive = match kind {
            GuestKind::Qemu => "drive scsi0",
            GuestKind::Lxc => "mountpoint rootfs",
        };
        let new_disk = format!("vm-{newid}-disk-0");
        let (log, factor) = if full {
            (
                LogPlan::Copy {
                    head: vec![
                        format!("create full clone of {drive} (local-lvm:{})", src.disk_volume()),
                        format!("  Logical volume \"{new_disk}\" created."),
                    ],
                    bytes: src.maxdisk(),
                },
                4.0,
            )
        } else {
            (
                LogPlan::Lines(vec![
                    format!("create linked clone of {drive} (local-lvm:{})", src.disk_volume()),
                    format!("  Logical volume \"{new_disk}\" created."),
                ]),
                2.0,
            )
        };
        // Clone tasks are filed under the source VMID.
        Ok(self.spawn(
            node,
            task_type(kind, "clone"),
            vmid.to_string(),
            user,
            now,
            self.task_secs * factor,
            Some(Effect::Clone { source: vmid, newid }),
            failure,
            log,
        ))
    }

    /// QEMU: a task. LXC: converted at once (Proxmox answers null).
    pub(crate) fn template(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        user: User,
        now: f64,
    ) -> Result<Option<String>, SimError> {
        let g = self.guest(node, kind, vmid)?;
        if g.running {
            return Err(SimError::new(
                500,
                match kind {
                    GuestKind::Qemu => "you can't convert a VM to template if VM is running",
                    GuestKind::Lxc => "you can't convert a CT to template if the CT is running",
                },
            ));
        }
        if g.template {
            return Err(SimError::new(500, format!("{} is already a template", g.label())));
        }
        let failure = Self::lock_conflict(g);
        if kind == GuestKind::Lxc {
            if let Some(f) = failure {
                return Err(SimError::new(500, f));
            }
            if let Some(g) = self.guests.get_mut(&vmid) {
                g.template = true;
                g.revision += 1;
            }
            return Ok(None);
        }
        let disk = g.disk_volume();
        let lines = vec![
            format!("  Renamed \"{disk}\" to \"base-{vmid}-disk-0\" in volume group \"pve\""),
            format!("  Logical volume pve/base-{vmid}-disk-0 changed."),
        ];
        Ok(Some(self.spawn(
            node,
            task_type(kind, "template"),
            vmid.to_string(),
            user,
            now,
            self.task_secs,
            Some(Effect::Template { vmid }),
            failure,
            LogPlan::Lines(lines),
        )))
    }

    pub(crate) fn delete(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let g = self.guest(node, kind, vmid)?;
        if g.running {
            return Err(SimError::new(500, format!("{} is running - destroy failed", g.label())));
        }
        let in_use = g.template && self.guests.values().any(|o| o.base == Some(vmid));
        let failure = Self::lock_conflict(g).or_else(|| {
            in_use.then(|| {
                format!(
                    "volume deletion failed: base volume 'local-lvm:base-{vmid}-disk-0' is still in use by linked cloned"
                )
            })
        });
        let lines = vec![format!(
            "  Logical volume \"{}\" successfully removed.",
            g.disk_volume().rsplit('/').next().unwrap_or_default()
        )];
        Ok(self.spawn(
            node,
            task_type(kind, "destroy"),
            vmid.to_string(),
            user,
            now,
            self.task_secs,
            Some(Effect::Delete { vmid }),
            failure,
            LogPlan::Lines(lines),
        ))
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn snapshot_create(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        params: &HashMap<String, String>,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let g = self.guest(node, kind, vmid)?;
        let name = params.get("snapname").ok_or_else(|| SimError::missing("snapname"))?;
        if !valid_config_id(name) {
            return Err(SimError::param("snapname", format!("invalid format - invalid configuration ID '{name}'")));
        }
        if name == "current" || name == "vzdump" {
            return Err(SimError::new(500, format!("snapshot name '{name}' is reserved")));
        }
        if g.template {
            return Err(SimError::new(500, "you can't take a snapshot of a template"));
        }
        let failure = Self::lock_conflict(g).or_else(|| {
            g.snapshots.iter().any(|s| &s.name == name).then(|| format!("snapshot name '{name}' already used"))
        });
        let vmstate = kind == GuestKind::Qemu && g.running && super::http::flag(params, "vmstate");
        let disk = g.disk_volume();
        let disk = disk.rsplit('/').next().unwrap_or_default().to_string();
        let mut lines = Vec::new();
        if vmstate {
            lines.push("saving VM state and RAM using storage 'local-lvm'".to_string());
            lines.push(format!("completed saving the VM state in 2s, saved {}", human(g.maxmem() / 3)));
        }
        lines.push(format!("snapshotting 'drive-scsi0' (local-lvm:{disk})"));
        lines.push(format!("  Logical volume \"snap_{disk}_{name}\" created."));
        let effect = Effect::SnapshotCreate {
            vmid,
            name: name.clone(),
            description: params.get("description").cloned().unwrap_or_default(),
            vmstate,
        };
        let upid = self.spawn(
            node,
            task_type(kind, "snapshot"),
            vmid.to_string(),
            user,
            now,
            self.task_secs * if vmstate { 2.0 } else { 1.0 },
            Some(effect),
            failure.clone(),
            LogPlan::Lines(lines),
        );
        self.set_lock(vmid, failure.is_none(), "snapshot");
        Ok(upid)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn snapshot_rollback(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        name: &str,
        start: bool,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let g = self.guest(node, kind, vmid)?;
        let Some(snap) = g.snapshots.iter().find(|s| s.name == name) else {
            return Err(SimError::new(500, format!("snapshot '{name}' does not exist")));
        };
        let failure = Self::lock_conflict(g);
        let disk = g.disk_volume();
        let disk = disk.rsplit('/').next().unwrap_or_default().to_string();
        let mut lines = vec![
            format!("  Logical volume \"{disk}\" successfully removed."),
            format!("  Logical volume \"{disk}\" created."),
        ];
        if snap.vmstate {
            lines.push("resuming VM state from snapshot".into());
        }
        let upid = self.spawn(
            node,
            task_type(kind, "rollback"),
            vmid.to_string(),
            user,
            now,
            self.task_secs,
            Some(Effect::SnapshotRollback { vmid, name: name.to_string(), start }),
            failure.clone(),
            LogPlan::Lines(lines),
        );
        self.set_lock(vmid, failure.is_none(), "rollback");
        Ok(upid)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn snapshot_delete(
        &mut self,
        node: usize,
        kind: GuestKind,
        vmid: u32,
        name: &str,
        user: User,
        now: f64,
    ) -> Result<String, SimError> {
        let g = self.guest(node, kind, vmid)?;
        if !g.snapshots.iter().any(|s| s.name == name) {
            return Err(SimError::new(500, format!("snapshot '{name}' does not exist")));
        }
        let failure = Self::lock_conflict(g);
        let disk = g.disk_volume();
        let disk = disk.rsplit('/').next().unwrap_or_default().to_string();
        let lines = vec![format!("  Logical volume \"snap_{disk}_{name}\" successfully removed.")];
        let upid = self.spawn(
            node,
            task_type(kind, "delsnapshot"),
            vmid.to_string(),
            user,
            now,
            self.task_secs * 0.8,
            Some(Effect::SnapshotDelete { vmid, name: name.to_string() }),
            failure.clone(),
            LogPlan::Lines(lines),
        );
        self.set_lock(vmid, failure.is_none(), "snapshot-delete");
        Ok(upid)
    }

    fn set_lock(&mut self, vmid: u32, apply: bool, lock: &'static str) {
        if apply && let Some(g) = self.guests.get_mut(&vmid) {
            g.lock = Some(lock);
        }
    }
}

fn micros(t: f64) -> u64 {
    (t.max(0.0) * 1e6) as u64
}

/// Proxmox's `pve-configid`: a letter, then letters, digits, `-` or `_` (2–40 chars).
fn valid_config_id(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && (2..=40).contains(&s.len())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pve::sim::seed;

    fn state() -> SimState {
        let opts = crate::pve::sim::SimOptions { guests: 10, task_secs: 1.0, ..Default::default() };
        seed::build(&opts, 1_000_000.0).unwrap()
    }

    fn stopped_vm(s: &SimState) -> (usize, u32) {
        let g = s.guests.values().find(|g| g.kind == GuestKind::Qemu && !g.template && !g.running).unwrap();
        (g.node, g.vmid)
    }

    #[test]
    fn start_applies_when_due_and_twice_fails() {
        let mut s = state();
        let (node, vmid) = stopped_vm(&s);
        let t0 = 1_000_000.0;
        let upid = s.power(node, GuestKind::Qemu, vmid, PowerAction::Start, "root@pam", t0).unwrap();
        s.advance(t0 + 0.5);
        assert!(!s.guests[&vmid].running);
        assert!(s.tasks[&upid].is_running());
        // A second change while the first holds the lock fails with a lock timeout.
        let second = s.power(node, GuestKind::Qemu, vmid, PowerAction::Stop, "root@pam", t0 + 0.5).unwrap();
        s.advance(t0 + 1.1);
        assert!(s.guests[&vmid].running);
        assert_eq!(s.tasks[&upid].exitstatus.as_deref(), Some("OK"));
        assert!(s.tasks[&second].exitstatus.as_deref().unwrap().contains("got timeout"));
        let again = s.power(node, GuestKind::Qemu, vmid, PowerAction::Start, "root@pam", t0 + 2.0).unwrap();
        s.advance(t0 + 3.0);
        assert_eq!(s.tasks[&again].exitstatus.as_deref(), Some(format!("VM {vmid} already running").as_str()));
    }

    #[test]
    fn nextid_finds_the_lowest_gap() {
        let mut s = state();
        assert_eq!(s.next_id(None).unwrap(), 110);
        s.guests.remove(&103);
        assert_eq!(s.next_id(None).unwrap(), 103);
        assert_eq!(s.next_id(Some(500)).unwrap(), 500);
        assert_eq!(s.next_id(Some(104)).unwrap_err().status, 400);
    }

    #[test]
    fn snapshot_tree_survives_deletes() {
        let mut s = state();
        let (node, vmid) = stopped_vm(&s);
        let t = 1_000_000.0;
        let p = |n: &str| HashMap::from([("snapname".to_string(), n.to_string())]);
        s.snapshot_create(node, GuestKind::Qemu, vmid, &p("aa"), "u", t).unwrap();
        s.advance(t + 2.0);
        s.snapshot_create(node, GuestKind::Qemu, vmid, &p("bb"), "u", t + 2.0).unwrap();
        s.advance(t + 4.0);
        let aa_parent = s.guests[&vmid].snapshots.iter().find(|x| x.name == "aa").unwrap().parent.clone();
        s.snapshot_delete(node, GuestKind::Qemu, vmid, "aa", "u", t + 4.0).unwrap();
        s.advance(t + 6.0);
        let g = &s.guests[&vmid];
        let bb = g.snapshots.iter().find(|x| x.name == "bb").unwrap();
        assert_eq!(bb.parent, aa_parent);
        assert!(g.snapshots.iter().all(|x| x.name != "aa"));
        assert_eq!(g.parent.as_deref(), Some("bb"));
        assert!(g.lock.is_none());
        assert!(!valid_config_id("1abc"));
        assert!(valid_config_id("baseline"));
    }
}
