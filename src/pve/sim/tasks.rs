//! Tasks: each state change gets a UPID at once, runs for a while, logs progress, and applies
//! its effect when it is due. Nothing runs in the background: the state is advanced to "now"
//! on every request.

use crate::pve::{GuestKind, PowerAction};

#[derive(Debug, Clone)]
pub(crate) enum Effect {
    Power {
        vmid: u32,
        action: PowerAction,
    },
    Clone {
        source: u32,
        newid: u32,
    },
    Template {
        vmid: u32,
    },
    Delete {
        vmid: u32,
    },
    SnapshotCreate {
        vmid: u32,
        name: String,
        description: String,
        vmstate: bool,
    },
    SnapshotRollback {
        vmid: u32,
        name: String,
        /// Start the guest afterwards (`start=1`).
        start: bool,
    },
    SnapshotDelete {
        vmid: u32,
        name: String,
    },
    Config {
        vmid: u32,
        cores: Option<u32>,
        memory: Option<u64>,
    },
    Resize {
        vmid: u32,
        gb: u64,
    },
}

impl Effect {
    /// The guest whose lock the task holds.
    pub(crate) fn vmid(&self) -> u32 {
        match self {
            Effect::Power { vmid, .. }
            | Effect::Template { vmid }
            | Effect::Delete { vmid }
            | Effect::SnapshotCreate { vmid, .. }
            | Effect::SnapshotRollback { vmid, .. }
            | Effect::SnapshotDelete { vmid, .. }
            | Effect::Config { vmid, .. }
            | Effect::Resize { vmid, .. } => *vmid,
            Effect::Clone { newid, .. } => *newid,
        }
    }
}

/// How the log grows while the task runs.
#[derive(Debug, Clone)]
pub(crate) enum LogPlan {
    /// Lines revealed in proportion to progress.
    Lines(Vec<String>),
    /// A disk copy: header lines, then "transferred …" every 10 %.
    Copy { head: Vec<String>, bytes: u64 },
}

#[derive(Debug, Clone)]
pub(crate) struct Task {
    pub upid: String,
    pub node: usize,
    pub node_name: String,
    pub task_type: String,
    pub id: String,
    pub user: String,
    pub pid: u32,
    pub pstart: u64,
    pub start: f64,
    pub due: f64,
    pub effect: Option<Effect>,
    /// Known at request time (already running, lock timeout…); the effect is skipped.
    pub failure: Option<String>,
    pub log: LogPlan,
    /// Set when finished: "OK" or the error text.
    pub exitstatus: Option<String>,
}

impl Task {
    pub(crate) fn is_running(&self) -> bool {
        self.exitstatus.is_none()
    }

    pub(crate) fn starttime(&self) -> i64 {
        self.start as i64
    }

    pub(crate) fn endtime(&self) -> Option<i64> {
        self.exitstatus.as_ref().map(|_| self.due as i64)
    }

    /// The log as it stands at `now`.
    pub(crate) fn log_lines(&self, now: f64) -> Vec<String> {
        let span = (self.due - self.start).max(1e-6);
        let progress = if self.is_running() { ((now - self.start) / span).clamp(0.0, 1.0) } else { 1.0 };
        let failed_early = !self.is_running() && self.exitstatus.as_deref() != Some("OK");
        let mut out = Vec::new();
        match &self.log {
            LogPlan::Lines(lines) => {
                let shown = if failed_early && self.failure.is_some() {
                    0
                } else {
                    (lines.len() as f64 * progress).ceil() as usize
                };
                out.extend(lines.iter().take(shown).cloned());
            }
            LogPlan::Copy { head, bytes } => {
                if !(failed_early && self.failure.is_some()) {
                    out.extend(head.iter().cloned());
                    let steps = (progress * 10.0).floor() as u64;
                    for step in 0..=steps.min(10) {
                        let done = bytes * step / 10;
                        out.push(format!(
                            "transferred {} of {} ({:.2}%)",
                            human(done),
                            human(*bytes),
                            step as f64 * 10.0
                        ));
                    }
                }
            }
        }
        match self.exitstatus.as_deref() {
            None => {}
            Some("OK") => out.push("TASK OK".into()),
            Some(e) => out.push(format!("TASK ERROR: {e}")),
        }
        out
    }
}

/// Proxmox's "32.0 GiB" style.
pub(crate) fn human(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = bytes as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Task type names as Proxmox files them: `qmstart`, `vzdelsnapshot`…
pub(crate) fn task_type(kind: GuestKind, what: &str) -> String {
    format!("{}{what}", kind.task_prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(log: LogPlan) -> Task {
        Task {
            upid: "UPID:pve1:00000001:00000001:00000001:qmclone:100:root@pam:".into(),
            node: 0,
            node_name: "pve1".into(),
            task_type: "qmclone".into(),
            id: "100".into(),
            user: "root@pam".into(),
            pid: 1,
            pstart: 1,
            start: 100.0,
            due: 110.0,
            effect: None,
            failure: None,
            log,
            exitstatus: None,
        }
    }

    #[test]
    fn copy_progress_grows_then_finishes() {
        let mut t = task(LogPlan::Copy { head: vec!["create full clone of drive scsi0".into()], bytes: 32 << 30 });
        let early = t.log_lines(101.0);
        let later = t.log_lines(106.0);
        assert!(later.len() > early.len());
        assert!(later.last().unwrap().contains("(60.00%)"), "{later:?}");
        t.exitstatus = Some("OK".into());
        let done = t.log_lines(200.0);
        assert!(done.iter().any(|l| l.contains("32.0 GiB of 32.0 GiB (100.00%)")));
        assert_eq!(done.last().unwrap(), "TASK OK");
    }

    #[test]
    fn early_failures_log_only_the_error() {
        let mut t = task(LogPlan::Lines(vec!["a".into()]));
        t.failure = Some("VM 100 already running".into());
        t.exitstatus = t.failure.clone();
        assert_eq!(t.log_lines(200.0), ["TASK ERROR: VM 100 already running"]);
    }
}
