//! The engine's read models: the records a front door shows and the inputs it fills in,
//! named here so that `tui` and `http` depend on the engine and the domain only, never on
//! the store or the Proxmox client (`tests/layers.rs` keeps it so). The records are defined
//! beside the queries that fill them (they derive `sqlx::FromRow`); see
//! docs/adr/0002-modules-not-a-workspace.md for why they are re-exported, not moved.

/// Users, invitations, settings, the audit log and notifications.
pub mod admin {
    pub use crate::store::audit::{AuditQuery, AuditRecord};
    pub use crate::store::invitations::Invitation;
    pub use crate::store::notifications::Notification;
    pub use crate::store::profiles::PersonCard;
    pub use crate::store::settings::Setting;
}

/// SSH keys that sign people in to `labdeck serve --ssh`.
pub mod ssh {
    pub use crate::store::ssh_keys::SshKey;
}

/// Clusters, tasks and ISO images as polled into the database.
pub mod inventory {
    pub use crate::store::pve::{Cluster, ClusterInput, Iso, Node, PollHealth, Task};
}

/// The device calendar and its bookings.
pub mod bookings {
    pub use crate::store::bookings::{
        BookingRow, Calendar, ConflictRow, DOMAIN, DeviceInput, DeviceRow, FavoriteRow, GroupDetail, HealthRow,
        MaintenanceRow, OwnershipRow, PendingGroup, TopologyDetail, TopologyLink, TopologyNode, TopologyRow, link_text,
    };
}

/// Classes and their VMs.
pub mod classes {
    pub use crate::store::classes::{Class, ClassVm, DeployProgress, TemplateRow, TokenInfo};
}

/// Visitor chats, threads and the tutoring records behind them.
pub mod support {
    pub use crate::store::support::{
        AssignmentRow, CHAT, CannedReply, InvoiceRow, RecordEdit, RecordRow, ThreadFilter, ThreadMessage, ThreadRow,
        TutoringContext, TutoringItem, VisitorMessage, VisitorSession,
    };
}

/// Infrastructure records (seeds 001 and 002).
pub mod infra {
    pub use crate::store::infra::{DOMAIN, Detail, Membership};
}
