//! What can be done to a guest, who may do it, and when it makes no sense (skipped, with
//! the reason, rather than sent to Proxmox to fail).

use super::{Guest, GuestStatus};
use crate::domain::rbac::{Action, Resource};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestOp {
    Start,
    Stop,
    Shutdown,
    Reboot,
    Snapshot(String),
    Rollback(String),
    DeleteSnapshot(String),
    Clone { name: String, newid: Option<u32>, full: bool },
    Template,
    Delete,
}

impl GuestOp {
    pub fn verb(&self) -> &'static str {
        match self {
            GuestOp::Start => "start",
            GuestOp::Stop => "stop",
            GuestOp::Shutdown => "shut down",
            GuestOp::Reboot => "reboot",
            GuestOp::Snapshot(_) => "snapshot",
            GuestOp::Rollback(_) => "roll back",
            GuestOp::DeleteSnapshot(_) => "delete the snapshot of",
            GuestOp::Clone { .. } => "clone",
            GuestOp::Template => "convert to a template",
            GuestOp::Delete => "delete",
        }
    }

    /// The audit action name.
    pub fn action_name(&self) -> &'static str {
        match self {
            GuestOp::Start => "guest_start",
            GuestOp::Stop => "guest_stop",
            GuestOp::Shutdown => "guest_shutdown",
            GuestOp::Reboot => "guest_reboot",
            GuestOp::Snapshot(_) => "guest_snapshot",
            GuestOp::Rollback(_) => "guest_rollback",
            GuestOp::DeleteSnapshot(_) => "guest_delete_snapshot",
            GuestOp::Clone { .. } => "guest_clone",
            GuestOp::Template => "guest_template",
            GuestOp::Delete => "guest_delete",
        }
    }

    /// Destroying or reverting loses data: these always ask for confirmation.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            GuestOp::Stop | GuestOp::Rollback(_) | GuestOp::DeleteSnapshot(_) | GuestOp::Template | GuestOp::Delete
        )
    }

    pub fn permission(&self) -> (Resource, Action) {
        match self {
            GuestOp::Delete => (Resource::Guest, Action::Delete),
            GuestOp::Clone { .. } => (Resource::Guest, Action::Create),
            GuestOp::Template | GuestOp::DeleteSnapshot(_) => (Resource::Guest, Action::Update),
            _ => (Resource::Guest, Action::Execute),
        }
    }

    /// Why this operation does not apply to `g` now, if it does not.
    pub fn skip_reason(&self, g: &Guest) -> Option<&'static str> {
        let running = g.status == GuestStatus::Running;
        if g.status == GuestStatus::Unknown {
            return Some("its node is unreachable");
        }
        if g.lock.is_some() && !matches!(self, GuestOp::Clone { .. }) {
            return Some("it is locked by a running task");
        }
        match self {
            _ if g.template && !matches!(self, GuestOp::Clone { .. } | GuestOp::Delete) => Some("it is a template"),
            GuestOp::Start if running => Some("already running"),
            GuestOp::Stop | GuestOp::Shutdown | GuestOp::Reboot if !running => Some("not running"),
            GuestOp::Template | GuestOp::Delete if running => Some("stop it first"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::inventory::tests_support::guest;

    #[test]
    fn ops_that_make_no_sense_are_skipped_with_a_reason() {
        let mut g = guest(100, "a", "pve1");
        assert_eq!(GuestOp::Stop.skip_reason(&g), Some("not running"));
        assert_eq!(GuestOp::Start.skip_reason(&g), None);
        g.status = GuestStatus::Running;
        assert_eq!(GuestOp::Start.skip_reason(&g), Some("already running"));
        assert_eq!(GuestOp::Delete.skip_reason(&g), Some("stop it first"));
        g.template = true;
        g.status = GuestStatus::Stopped;
        assert_eq!(GuestOp::Start.skip_reason(&g), Some("it is a template"));
        assert_eq!(GuestOp::Clone { name: "x".into(), newid: None, full: false }.skip_reason(&g), None);
        g.lock = Some("clone".into());
        assert_eq!(GuestOp::Delete.skip_reason(&g), Some("it is locked by a running task"));
        g.status = GuestStatus::Unknown;
        assert_eq!(GuestOp::Start.skip_reason(&g), Some("its node is unreachable"));
    }

    #[test]
    fn permissions_follow_the_weight_of_the_action() {
        assert_eq!(GuestOp::Delete.permission(), (Resource::Guest, Action::Delete));
        assert_eq!(GuestOp::Start.permission(), (Resource::Guest, Action::Execute));
        assert!(GuestOp::Delete.is_destructive() && !GuestOp::Start.is_destructive());
    }
}
