use super::accounts::{self, AccountForm, Session};
use super::inventory::{self, BulkLine, GuestBatch, GuestDetail, GuestRef, Overview};
use super::{AppError, Services, admin};
use crate::domain::Role;
use crate::domain::audit::Entry;
use crate::domain::inventory::ops::GuestOp;
use crate::domain::rbac::{Actor, Grant};
use crate::domain::user::{User, UserStatus};
use crate::store::audit::{AuditQuery, AuditRecord};
use crate::store::invitations::Invitation;
use crate::store::pve::ClusterInput;
use crate::store::settings::Setting;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;
use uuid::Uuid;

/// A password in flight: never printed by `Debug`.
#[derive(Clone)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone)]
pub enum Command {
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
    SignOut {
        actor: Actor,
    },
    ChangePassword {
        actor: Actor,
        current: Secret,
        new: Secret,
    },
    LoadUsers {
        actor: Actor,
    },
    LoadInvitations {
        actor: Actor,
    },
    LoadSettings {
        actor: Actor,
    },
    LoadAudit {
        actor: Actor,
        query: AuditQuery,
    },
    LoadRoles {
        actor: Actor,
    },
    LoadUnread {
        actor: Actor,
    },
    LoadNotifications {
        actor: Actor,
    },
    MarkRead {
        actor: Actor,
        id: Option<Uuid>,
    },
    CreateUser {
        actor: Actor,
        form: AccountForm,
        role: Role,
    },
    SetRole {
        actor: Actor,
        user: Uuid,
        role: Role,
    },
    SetStatus {
        actor: Actor,
        user: Uuid,
        status: UserStatus,
    },
    ResetPassword {
        actor: Actor,
        user: Uuid,
        username: String,
    },
    Invite {
        actor: Actor,
        to: String,
        role: Role,
        days: Option<i64>,
    },
    RevokeInvitation {
        actor: Actor,
        id: Uuid,
    },
    PutSetting {
        actor: Actor,
        key: String,
        raw: String,
    },
    SetRoleGrant {
        actor: Actor,
        role: Role,
        grant: Grant,
        granted: bool,
    },
    LoadGuests {
        actor: Actor,
        since: Option<DateTime<Utc>>,
    },
    LoadOverview {
        actor: Actor,
    },
    LoadTasks {
        actor: Actor,
    },
    LoadIsos {
        actor: Actor,
    },
    GuestDetail {
        actor: Actor,
        cluster_id: Uuid,
        vmid: u32,
    },
    GuestAction {
        actor: Actor,
        targets: Vec<GuestRef>,
        op: GuestOp,
    },
    TaskLog {
        actor: Actor,
        cluster_id: Uuid,
        upid: String,
    },
    ProbeCluster {
        actor: Actor,
        id: Option<Uuid>,
        input: ClusterInput,
    },
    SaveCluster {
        actor: Actor,
        id: Option<Uuid>,
        input: ClusterInput,
    },
    TestCluster {
        actor: Actor,
        id: Uuid,
    },
    RemoveCluster {
        actor: Actor,
        id: Uuid,
    },
    Bookings(super::bookings::Cmd),
    Support(super::support::Cmd),
    /// A screen that shows live data (the visitor queue) is open, or closed: the engine then
    /// looks for database changes more often. No reply.
    WatchClosely(bool),
    Classes(super::classes::Cmd),
}

impl Command {
    /// A short name for what was asked, so a failure can be reported against it.
    pub fn origin(&self) -> &'static str {
        match self {
            Command::CheckSetup => "setup",
            Command::SignIn { .. } => "sign_in",
            Command::CreateFirstAdmin { .. } => "first_admin",
            Command::AcceptInvitation { .. } => "accept_invitation",
            Command::SignOut { .. } => "sign_out",
            Command::ChangePassword { .. } => "change_password",
            Command::LoadUsers { .. }
            | Command::LoadInvitations { .. }
            | Command::LoadSettings { .. }
            | Command::LoadAudit { .. }
            | Command::LoadRoles { .. }
            | Command::LoadNotifications { .. }
            | Command::LoadOverview { .. }
            | Command::LoadTasks { .. }
            | Command::LoadIsos { .. }
            | Command::GuestDetail { .. }
            | Command::TaskLog { .. } => "load",
            Command::LoadUnread { .. } => "unread",
            Command::LoadGuests { .. } => "guests",
            Command::Bookings(c) if c.is_load() => "load",
            Command::Classes(c) if c.is_load() => "load",
            _ => "action",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Reply {
    Setup {
        needs_first_admin: bool,
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
}

#[derive(Debug, Clone)]
pub enum Event {
    Reply(Reply),
    Failed {
        origin: &'static str,
        message: String,
    },
    /// These domains changed in the database (by this console or another).
    Changed(Vec<String>),
    /// The database cannot be reached; the console keeps its last data and says so.
    StoreDown(String),
    StoreUp,
}

/// The front door's side of the engine.
#[derive(Clone)]
pub struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    stop: std::sync::Arc<tokio::sync::watch::Sender<bool>>,
    pollers: std::sync::Arc<tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>>,
}

impl EngineHandle {
    pub fn send(&self, cmd: Command) {
        // If the engine is gone the program is shutting down; nothing to report to.
        let _ = self.commands.send(cmd);
    }

    /// Stop the pollers and give them a moment to hand their leases back, so another
    /// console takes over at once instead of after the lease expires.
    pub async fn shutdown(&self) {
        let _ = self.stop.send(true);
        if let Some(h) = self.pollers.lock().await.take() {
            let _ = tokio::time::timeout(Duration::from_secs(2), h).await;
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct EngineOptions {
    /// How often to look for database changes made elsewhere.
    pub watch_every: Duration,
    /// Run the Proxmox pollers (a console does; a one-shot command does not).
    pub pollers: bool,
}

pub struct Engine;

impl Engine {
    /// Start the engine's tasks. They stop when the handle and the event receiver are dropped.
    pub fn start(services: Services, opts: EngineOptions) -> (EngineHandle, mpsc::UnboundedReceiver<Event>) {
        let watch_every = opts.watch_every;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let pollers = opts
            .pollers
            .then(|| tokio::spawn(super::poller::supervise(services.clone(), super::poller::owner_id(), stop_rx)));
        let (cmd_tx, mut cmd_rx) = mpsc::unbounded_channel::<Command>();
        let (ev_tx, ev_rx) = mpsc::unbounded_channel();
        let svc = services.clone();
        let events = ev_tx.clone();
        let poke = std::sync::Arc::new(tokio::sync::Notify::new());
        let live = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (poke2, live2) = (poke.clone(), live.clone());
        tokio::spawn(async move {
            while let Some(cmd) = cmd_rx.recv().await {
                if let Command::WatchClosely(on) = cmd {
                    if live2.swap(on, std::sync::atomic::Ordering::Relaxed) != on {
                        poke2.notify_one();
                    }
                    continue;
                }
                let svc = svc.clone();
                let events = events.clone();
                tokio::spawn(async move {
                    let origin = cmd.origin();
                    let event = match execute(&svc, cmd, &events).await {
                        Ok(reply) => Event::Reply(reply),
                        Err(e) => {
                            tracing::warn!(origin, error = %e, "command failed");
                            Event::Failed { origin, message: e.to_string() }
                        }
                    };
                    let _ = events.send(event);
                });
            }
        });
        let closed = {
            let ev = ev_tx.clone();
            async move { ev.closed().await }
        };
        tokio::spawn(super::push::listen(services.store.clone(), poke.clone(), closed));
        tokio::spawn(watch_revisions(services, ev_tx, watch_every, poke, live));
        let handle = EngineHandle {
            commands: cmd_tx,
            stop: std::sync::Arc::new(stop_tx),
            pollers: std::sync::Arc::new(tokio::sync::Mutex::new(pollers)),
        };
        (handle, ev_rx)
    }
}

/// How often to look while a console shows the live visitor queue: a visitor's message is
/// on the rep's screen within 500 ms on SQLite (PostgreSQL pushes anyway).
const LIVE_EVERY: Duration = Duration::from_millis(250);

/// Poll the per-domain revision counters and report what changed. One indexed query per
/// interval is all an idle console costs the database; on PostgreSQL a NOTIFY (`poke`)
/// triggers the same check at once; while `live` the interval is at most [`LIVE_EVERY`].
async fn watch_revisions(
    svc: Services,
    events: mpsc::UnboundedSender<Event>,
    every: Duration,
    poke: std::sync::Arc<tokio::sync::Notify>,
    live: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    let mut known: Option<BTreeMap<String, i64>> = None;
    let mut down = false;
    let mut first = true;
    loop {
        if !std::mem::take(&mut first) {
            let pause = if live.load(std::sync::atomic::Ordering::Relaxed) { every.min(LIVE_EVERY) } else { every };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = poke.notified() => {}
            }
        }
        if events.is_closed() {
            return;
        }
        match svc.store.revisions().await {
            Ok(now) => {
                if down {
                    down = false;
                    let _ = events.send(Event::StoreUp);
                }
                if let Some(prev) = &known {
                    let changed: Vec<String> =
                        now.iter().filter(|(d, r)| prev.get(*d) != Some(r)).map(|(d, _)| d.clone()).collect();
                    if !changed.is_empty() {
                        let _ = events.send(Event::Changed(changed));
                    }
                }
                known = Some(now);
            }
            Err(e) if !down => {
                down = true;
                tracing::error!(error = %e, "database unreachable");
                let _ = events.send(Event::StoreDown(e.to_string()));
            }
            Err(_) => {}
        }
    }
}

/// Run one command. Most answer once; a long answer (changed guests) may send parts of
/// itself on `events` first.
async fn execute(svc: &Services, cmd: Command, events: &mpsc::UnboundedSender<Event>) -> Result<Reply, AppError> {
    use Command as C;
    Ok(match cmd {
        C::CheckSetup => Reply::Setup { needs_first_admin: svc.store.count_users().await? == 0 },
        C::SignIn { username, password } => {
            Reply::SignedIn(Box::new(accounts::sign_in(svc, &username, password.0).await?))
        }
        C::CreateFirstAdmin { form, password } => {
            Reply::SignedIn(Box::new(accounts::create_first_admin(svc, &form, password.0).await?))
        }
        C::AcceptInvitation { token, form, password } => {
            Reply::SignedIn(Box::new(accounts::accept_invitation(svc, &token.0, &form, password.0).await?))
        }
        C::SignOut { actor } => {
            svc.store.audit(Entry::by(&actor, &svc.source, "sign_out", "user").entity(actor.user_id)).await?;
            Reply::SignedOut
        }
        C::ChangePassword { actor, current, new } => {
            accounts::change_password(svc, &actor, current.0, new.0).await?;
            Reply::Done("Password changed.".into())
        }
        C::LoadUsers { actor } => Reply::Users(admin::users(svc, &actor).await?),
        C::LoadInvitations { actor } => Reply::Invitations(admin::invitations(svc, &actor).await?),
        C::LoadSettings { actor } => Reply::Settings(admin::settings(svc, &actor).await?),
        C::LoadAudit { actor, query } => Reply::Audit(admin::audit(svc, &actor, &query).await?),
        C::LoadRoles { actor } => Reply::Roles(admin::role_grants(svc, &actor).await?),
        C::LoadUnread { actor } => Reply::Unread(svc.store.unread_count(&actor).await?),
        C::LoadNotifications { actor } => Reply::Notifications(svc.store.my_notifications(&actor, 500).await?),
        C::MarkRead { actor, id } => {
            let n = svc.store.mark_read(&actor, id).await?;
            Reply::Done(format!("{n} notification{} marked read.", if n == 1 { "" } else { "s" }))
        }
        C::CreateUser { actor, form, role } => {
            let (user, password) = accounts::create_user(svc, &actor, &form, role, None).await?;
            let message = format!("Created {} ({}).", user.username, user.role);
            match password {
                Some(secret) => Reply::Secret { message: format!("{message} Temporary password:"), secret },
                None => Reply::Done(message),
            }
        }
        C::SetRole { actor, user, role } => {
            admin::set_role(svc, &actor, user, role).await?;
            Reply::Done(format!("Role changed to {role}."))
        }
        C::SetStatus { actor, user, status } => {
            admin::set_status(svc, &actor, user, status).await?;
            Reply::Done(format!("Account {}.", if status == UserStatus::Active { "unlocked" } else { "locked" }))
        }
        C::ResetPassword { actor, user, username } => {
            let secret = admin::reset_password(svc, &actor, user).await?;
            Reply::Secret { message: format!("New temporary password for {username}:"), secret }
        }
        C::Invite { actor, to, role, days } => {
            let (_, token) = admin::invite(svc, &actor, &to, role, days).await?;
            Reply::Secret {
                message: format!("Invitation for {} as {role}. Send them: labdeck accept <code>. Code:", to.trim()),
                secret: token,
            }
        }
        C::RevokeInvitation { actor, id } => {
            admin::revoke_invitation(svc, &actor, id).await?;
            Reply::Done("Invitation revoked.".into())
        }
        C::PutSetting { actor, key, raw } => {
            admin::put_setting(svc, &actor, &key, &raw).await?;
            Reply::Done(format!("Saved {key}."))
        }
        C::LoadGuests { actor, since } => {
            let part = |b: GuestBatch| drop(events.send(Event::Reply(Reply::Guests(Box::new(b)))));
            Reply::Guests(Box::new(inventory::guests(svc, &actor, since, part).await?))
        }
        C::LoadOverview { actor } => Reply::Overview(Box::new(inventory::overview(svc, &actor).await?)),
        C::LoadTasks { actor } => Reply::Tasks(inventory::tasks(svc, &actor).await?),
        C::LoadIsos { actor } => Reply::Isos(inventory::isos(svc, &actor).await?),
        C::GuestDetail { actor, cluster_id, vmid } => {
            Reply::GuestDetail(Box::new(super::guests::detail(svc, &actor, cluster_id, vmid).await?))
        }
        C::GuestAction { actor, targets, op } => {
            let lines = super::guests::act(svc, &actor, &targets, &op).await?;
            let n = targets.len();
            Reply::Bulk { title: format!("{} {n} guest{}", op.verb(), if n == 1 { "" } else { "s" }), lines }
        }
        C::TaskLog { actor, cluster_id, upid } => {
            let lines = super::guests::task_log(svc, &actor, cluster_id, &upid).await?;
            Reply::Report { title: format!("task {upid}"), lines }
        }
        C::ProbeCluster { actor, id, input } => {
            let input = super::clusters::validate(input)?;
            let fingerprint = super::clusters::probe(svc, &actor, &input.host, input.port).await?;
            let previous = match id {
                Some(id) => svc.store.cluster_access(id).await?.cluster.fingerprint,
                None => None,
            };
            if previous.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(&fingerprint)) {
                Reply::Done(super::clusters::save(svc, &actor, id, ClusterInput { fingerprint, ..input }).await?)
            } else {
                Reply::TrustPrompt { id, input: ClusterInput { fingerprint, ..input }, previous }
            }
        }
        C::SaveCluster { actor, id, input } => Reply::Done(super::clusters::save(svc, &actor, id, input).await?),
        C::TestCluster { actor, id } => Reply::Done(super::clusters::test(svc, &actor, id).await?),
        C::RemoveCluster { actor, id } => Reply::Done(super::clusters::remove(svc, &actor, id).await?),
        C::Bookings(c) => match super::bookings::run(svc, c).await? {
            super::bookings::Out::Done(message) => Reply::Done(message),
            out => Reply::Bookings(out),
        },
        C::Support(cmd) => return super::support::execute(svc, cmd).await,
        // Taken by the command loop before it gets here.
        C::WatchClosely(_) => return Err(AppError::Invalid("WatchClosely has no reply".into())),
        C::Classes(cmd) => super::classes::execute(svc, cmd).await?,
        C::SetRoleGrant { actor, role, grant, granted } => {
            admin::set_role_grant(svc, &actor, role, grant, granted).await?;
            Reply::Done(format!("{} {}:{} for {role}.", if granted { "Granted" } else { "Revoked" }, grant.0, grant.1))
        }
    })
}
