//! Tasks: status, outcome, log, and the per-node task list.

use super::lenient;
use crate::pve::Upid;
use serde::{Deserialize, Serialize};

/// `GET /nodes/{node}/tasks/{upid}/status`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub upid: Upid,
    #[serde(default, deserialize_with = "lenient::string")]
    pub node: String,
    /// `running` or `stopped`.
    #[serde(default, deserialize_with = "lenient::string")]
    pub status: String,
    /// When stopped: `OK`, `WARNINGS: n`, or the error text.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub exitstatus: Option<String>,
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub task_type: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub user: String,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub starttime: i64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub pid: u64,
    #[serde(default, deserialize_with = "lenient::u64")]
    pub pstart: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskOutcome {
    Running,
    Ok,
    /// Finished successfully with this many warnings.
    Warnings(u32),
    Failed(String),
}

impl TaskOutcome {
    /// How Proxmox words an exit status: `OK`, `WARNINGS: 2`, or anything else is the error.
    pub fn from_exitstatus(exit: &str) -> TaskOutcome {
        let exit = exit.trim();
        if exit == "OK" {
            return TaskOutcome::Ok;
        }
        if let Some(n) = exit.strip_prefix("WARNINGS:") {
            return TaskOutcome::Warnings(n.trim().parse().unwrap_or(1));
        }
        if exit.is_empty() {
            return TaskOutcome::Failed("unknown error".into());
        }
        TaskOutcome::Failed(exit.to_string())
    }

    pub fn is_finished(&self) -> bool {
        !matches!(self, TaskOutcome::Running)
    }

    pub fn is_success(&self) -> bool {
        matches!(self, TaskOutcome::Ok | TaskOutcome::Warnings(_))
    }
}

impl TaskStatus {
    pub fn outcome(&self) -> TaskOutcome {
        if self.status == "running" {
            return TaskOutcome::Running;
        }
        TaskOutcome::from_exitstatus(self.exitstatus.as_deref().unwrap_or(""))
    }
}

/// One line of `GET /nodes/{node}/tasks/{upid}/log`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskLogLine {
    #[serde(deserialize_with = "lenient::u64")]
    pub n: u64,
    #[serde(deserialize_with = "lenient::string")]
    pub t: String,
}

/// One row of `GET /nodes/{node}/tasks`; for finished tasks `status` holds the exit status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub upid: Upid,
    #[serde(default, deserialize_with = "lenient::string")]
    pub node: String,
    #[serde(rename = "type", default, deserialize_with = "lenient::string")]
    pub task_type: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub id: String,
    #[serde(default, deserialize_with = "lenient::string")]
    pub user: String,
    #[serde(default, deserialize_with = "lenient::i64")]
    pub starttime: i64,
    #[serde(default, deserialize_with = "lenient::opt_i64")]
    pub endtime: Option<i64>,
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub status: Option<String>,
}

impl TaskSummary {
    pub fn outcome(&self) -> TaskOutcome {
        match (&self.status, self.endtime) {
            (None, _) | (_, None) => TaskOutcome::Running,
            (Some(s), Some(_)) if s == "running" => TaskOutcome::Running,
            (Some(s), Some(_)) => TaskOutcome::from_exitstatus(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes() {
        assert_eq!(TaskOutcome::from_exitstatus("OK"), TaskOutcome::Ok);
        assert_eq!(TaskOutcome::from_exitstatus("WARNINGS: 3"), TaskOutcome::Warnings(3));
        assert_eq!(
            TaskOutcome::from_exitstatus("VM 100 already running"),
            TaskOutcome::Failed("VM 100 already running".into())
        );
        assert!(TaskOutcome::Warnings(1).is_success());
        assert!(!TaskOutcome::Running.is_finished());
    }
}
