//! The one shape every front door speaks to the engine: a [`Command`] `{ id, actor, op }` in,
//! an [`Event`] out that names the request it answers. Ops are typed per domain
//! ([`AccountOp`], [`AdminOp`], [`InventoryOp`], and the bookings, support and classes ops
//! beside their use cases). Loads say which kind of data they read ([`Op::load_kind`]): a
//! console keeps one load in flight per kind, and a newer one supersedes the older.

use super::accounts::{AccountForm, Session};
use super::inventory::{BulkLine, GuestBatch, GuestDetail, GuestRef, Overview};
use crate::domain::Role;
use crate::domain::inventory::ops::GuestOp;
use crate::domain::rbac::{Actor, Grant};
use crate::domain::user::{User, UserStatus};
use crate::store::audit::{AuditQuery, AuditRecord};
use crate::store::invitations::Invitation;
use crate::store::pve::ClusterInput;
use crate::store::settings::Setting;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Which request an answer belongs to. The front door numbers its requests (from 1, rising);
/// [`RequestId::NONE`] marks an answer that answers no request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct RequestId(pub u64);

impl RequestId {
    pub const NONE: RequestId = RequestId(0);
}

/// A password in flight: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// One request. `actor` is `None` only before sign-in (setup, sign-in, first admin,
/// accepting an invitation); every other op is refused without one.
#[derive(Debug, Clone)]
pub struct Command {
    pub id: RequestId,
    pub actor: Option<Actor>,
    pub op: Op,
}

impl Command {
    /// A request on behalf of `actor`; the front door gives it its id when it sends it.
    pub fn new(actor: &Actor, op: impl Into<Op>) -> Command {
        Command { id: RequestId::NONE, actor: Some(actor.clone()), op: op.into() }
    }

    /// A request made before anyone signed in.
    pub fn anonymous(op: impl Into<Op>) -> Command {
        Command { id: RequestId::NONE, actor: None, op: op.into() }
    }
}

#[derive(Debug, Clone)]
pub enum Op {
    Account(AccountOp),
    Admin(AdminOp),
    Inventory(InventoryOp),
    Bookings(super::bookings::Op),
    Support(super::support::Op),
    Classes(super::classes::Op),
    Infra(super::infra::Op),
    /// A visitor's chat (no actor: the token names the chat).
    Visitor(super::visitor::VisitorOp),
    /// A screen that shows live data (the visitor queue) is open, or closed: the engine then
    /// looks for database changes more often. No reply.
    WatchClosely(bool),
}

macro_rules! into_op {
    ($($t:ty => $v:ident),+) => {$(
        impl From<$t> for Op {
            fn from(op: $t) -> Op { Op::$v(op) }
        }
    )+};
}
into_op!(
    AccountOp => Account,
    AdminOp => Admin,
    InventoryOp => Inventory,
    super::bookings::Op => Bookings,
    super::support::Op => Support,
    super::classes::Op => Classes,
    super::infra::Op => Infra,
    super::visitor::VisitorOp => Visitor
);

/// Signing in and out, and what belongs to the signed-in user alone.
#[derive(Debug, Clone)]
pub enum AccountOp {
    CheckSetup,
    SignIn {
        username: String,
        password: Secret,
    },
    CreateFirstAdmin {
        form: AccountForm,
        password: Secret,
    },
    AcceptInvitation {
        token: Secret,
        form: AccountForm,
        password: Secret,
    },
    SignOut,
    ChangePassword {
        current: Secret,
        new: Secret,
    },
    LoadUnread,
    LoadNotifications,
    MarkRead {
        id: Option<Uuid>,
    },
    /// My profile (the Me tab), and saving it as typed.
    LoadProfile,
    SaveProfile {
        profile: crate::domain::profile::Profile,
    },
    /// My SSH keys (for `labdeck serve --ssh`); add one from its public key line.
    LoadSshKeys,
    AddSshKey {
        key: String,
    },
    RemoveSshKey {
        fingerprint: String,
    },
}

/// Users, roles, invitations, settings and the audit log.
#[derive(Debug, Clone)]
pub enum AdminOp {
    LoadUsers,
    LoadInvitations,
    LoadSettings,
    LoadAudit { query: AuditQuery },
    LoadRoles,
    CreateUser { form: AccountForm, role: Role },
    SetRole { user: Uuid, role: Role },
    SetStatus { user: Uuid, status: UserStatus },
    ResetPassword { user: Uuid, username: String },
    Invite { to: String, role: Role, days: Option<i64> },
    RevokeInvitation { id: Uuid },
    PutSetting { key: String, raw: String },
    SetRoleGrant { role: Role, grant: Grant, granted: bool },
}

/// Guests, tasks, ISO images and the clusters they come from.
#[derive(Debug, Clone)]
pub enum InventoryOp {
    LoadGuests { since: Option<DateTime<Utc>> },
    LoadOverview,
    LoadTasks,
    LoadIsos,
    GuestDetail { cluster_id: Uuid, vmid: u32 },
    GuestAction { targets: Vec<GuestRef>, op: GuestOp },
    TaskLog { cluster_id: Uuid, upid: String },
    ProbeCluster { id: Option<Uuid>, input: ClusterInput },
    SaveCluster { id: Option<Uuid>, input: ClusterInput },
    TestCluster { id: Uuid },
    RemoveCluster { id: Uuid },
}

impl Op {
    /// For a load (an op that only reads), which kind of data it reads. Two loads of one kind
    /// answer the same question; the console keeps only the newer one's answer.
    pub fn load_kind(&self) -> Option<&'static str> {
        use AccountOp as Ac;
        use AdminOp as Ad;
        use InventoryOp as I;
        match self {
            Op::Account(Ac::LoadUnread) => Some("account.unread"),
            Op::Account(Ac::LoadNotifications) => Some("account.notifications"),
            Op::Account(Ac::LoadProfile) => Some("account.profile"),
            Op::Account(Ac::LoadSshKeys) => Some("account.ssh_keys"),
            Op::Admin(Ad::LoadUsers) => Some("admin.users"),
            Op::Admin(Ad::LoadInvitations) => Some("admin.invitations"),
            Op::Admin(Ad::LoadSettings) => Some("admin.settings"),
            Op::Admin(Ad::LoadAudit { .. }) => Some("admin.audit"),
            Op::Admin(Ad::LoadRoles) => Some("admin.roles"),
            Op::Inventory(I::LoadGuests { .. }) => Some("inventory.guests"),
            Op::Inventory(I::LoadOverview) => Some("inventory.overview"),
            Op::Inventory(I::LoadTasks) => Some("inventory.tasks"),
            Op::Inventory(I::LoadIsos) => Some("inventory.isos"),
            Op::Inventory(I::GuestDetail { .. }) => Some("inventory.detail"),
            Op::Inventory(I::TaskLog { .. }) => Some("inventory.task_log"),
            Op::Bookings(op) => op.load_kind(),
            Op::Support(op) => op.load_kind(),
            Op::Classes(op) => op.load_kind(),
            Op::Infra(op) => op.load_kind(),
            _ => None,
        }
    }

    /// A short name for what was asked, for the log when it fails.
    pub fn origin(&self) -> &'static str {
        match self {
            Op::Account(AccountOp::CheckSetup) => "setup",
            Op::Account(AccountOp::SignIn { .. }) => "sign_in",
            Op::Account(AccountOp::CreateFirstAdmin { .. }) => "first_admin",
            Op::Account(AccountOp::AcceptInvitation { .. }) => "accept_invitation",
            Op::Account(AccountOp::SignOut) => "sign_out",
            Op::Account(AccountOp::ChangePassword { .. }) => "change_password",
            Op::WatchClosely(_) => "watch",
            Op::Visitor(_) => "visitor_chat",
            other => other.load_kind().unwrap_or("action"),
        }
    }
}

#[derive(Debug, Clone)]
pub enum Reply {
    /// Whether the first admin must be created, and the organisation's name if one is set.
    Setup {
        needs_first_admin: bool,
        org: Option<String>,
    },
    SignedIn(Box<Session>),
    SignedOut,
    Users(Vec<User>),
    Invitations(Vec<Invitation>),
    Settings(Vec<Setting>),
    Audit(Vec<AuditRecord>),
    Roles(Vec<(Role, Grant)>),
    Unread(i64),
    Notifications(Vec<crate::store::notifications::Notification>),
    Profile(Box<crate::domain::profile::Profile>),
    Guests(Box<GuestBatch>),
    Overview(Box<Overview>),
    Tasks(Vec<crate::store::pve::Task>),
    Isos(Vec<crate::store::pve::Iso>),
    GuestDetail(Box<GuestDetail>),
    /// A bulk action's per-guest report.
    Bulk {
        title: String,
        lines: Vec<BulkLine>,
    },
    /// A cluster's certificate, to be trusted before it is saved. `previous` is the pinned
    /// fingerprint when editing a cluster whose certificate changed.
    TrustPrompt {
        id: Option<Uuid>,
        input: ClusterInput,
        previous: Option<String>,
    },
    /// Lines of text to show in a report overlay (a task log, say).
    Report {
        title: String,
        lines: Vec<String>,
    },
    /// A change went through; the message is for a toast.
    Done(String),
    /// A change went through and produced a secret to show exactly once.
    Secret {
        message: String,
        secret: String,
    },
    Bookings(super::bookings::Out),
    Support(super::support::Out),
    Classes(super::classes::Out),
    Infra(super::infra::Out),
    Visitor(Box<super::visitor::VisitorOut>),
    SshKeys(Vec<crate::store::ssh_keys::SshKey>),
}

#[derive(Debug, Clone)]
pub enum Event {
    /// The answer (or, for a long answer, one part of it) to request `id`.
    Reply {
        id: RequestId,
        reply: Reply,
    },
    /// Request `id` failed (or its handler panicked); the message is fit to show.
    Failed {
        id: RequestId,
        origin: &'static str,
        message: String,
    },
    /// Request `id` was refused because the session is over (the account was locked,
    /// removed or given another role): the console signs out and shows the message.
    SessionEnded {
        id: RequestId,
        message: String,
    },
    /// These domains changed in the database (by this console or another).
    Changed(Vec<String>),
    /// The database cannot be reached; the console keeps its last data and says so.
    StoreDown(String),
    StoreUp,
}
