use super::accounts;
use super::command::{AccountOp, AdminOp, Command, Event, InventoryOp, Op, Reply};
use super::hub::{Fanout, Hub};
use super::inventory::{self, GuestBatch};
use super::{AppError, Services, admin};
use crate::domain::audit::Entry;
use crate::domain::rbac::Actor;
use crate::domain::user::UserStatus;
use crate::store::pve::ClusterInput;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// The front door's side of the engine.
#[derive(Clone)]
pub struct EngineHandle {
    commands: mpsc::UnboundedSender<Command>,
    /// The engine this front door alone owns (`Engine::start`); `None` for one attached to a
    /// shared [`Hub`], whose owner stops it.
    own: Option<std::sync::Arc<Hub>>,
}

impl EngineHandle {
    pub(super) fn new(commands: mpsc::UnboundedSender<Command>) -> EngineHandle {
        EngineHandle { commands, own: None }
    }

    pub fn send(&self, cmd: Command) {
        // If the engine is gone the program is shutting down; nothing to report to.
        let _ = self.commands.send(cmd);
    }

    /// Stop the pollers and give them a moment to hand their leases back, so another
    /// console takes over at once instead of after the lease expires.
    pub async fn shutdown(&self) {
        if let Some(hub) = &self.own {
            hub.stop_pollers().await;
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
    /// Start an engine for one front door. Its tasks stop when the handle and the event
    /// receiver are dropped. (Many front doors share one engine through a [`Hub`].)
    pub fn start(services: Services, opts: EngineOptions) -> (EngineHandle, mpsc::UnboundedReceiver<Event>) {
        let (tx, events) = mpsc::unbounded_channel();
        let hub = Hub::start_inner(services.clone(), opts, Some(tx.clone()));
        let handle = hub.attach_to(services, tx);
        (EngineHandle { own: Some(std::sync::Arc::new(hub)), ..handle }, events)
    }
}

/// How often to look while a console shows the live visitor queue: a visitor's message is
/// on the rep's screen within 500 ms on SQLite (PostgreSQL pushes anyway).
const LIVE_EVERY: Duration = Duration::from_millis(250);
/// The longest a SQLite console goes without reading the revisions, files unchanged or not.
const SURE_EVERY: Duration = Duration::from_secs(5);

/// Poll the per-domain revision counters and report what changed. On PostgreSQL one indexed
/// query per interval, and a NOTIFY (`poke`) triggers it at once; on SQLite a stat of the
/// database files per interval, and the query when they changed (or every [`SURE_EVERY`]).
/// While `live` the interval is at most [`LIVE_EVERY`].
pub(super) async fn watch_revisions(
    svc: Services,
    events: Fanout,
    every: Duration,
    poke: std::sync::Arc<tokio::sync::Notify>,
    live: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    sessions: std::sync::Arc<super::session::Sessions>,
) {
    let mut known: Option<BTreeMap<String, i64>> = None;
    let mut down = false;
    let mut first = true;
    // SQLite: the database files' size and time, and when the revisions were last read.
    let mut stamp = None;
    let mut read_at = std::time::Instant::now();
    loop {
        if !std::mem::take(&mut first) {
            let pause = if live.load(std::sync::atomic::Ordering::Relaxed) > 0 { every.min(LIVE_EVERY) } else { every };
            let poked = tokio::select! {
                () = tokio::time::sleep(pause) => false,
                () = poke.notified() => true,
            };
            // On SQLite a look first stats the database files: a query costs far more than
            // the stat that says nobody wrote. A read still comes every `SURE_EVERY`, for a
            // write that changed neither size nor time (within the clock's resolution).
            let now_stamp = svc.store.file_stamp();
            if !poked && now_stamp.is_some() && now_stamp == stamp && read_at.elapsed() < SURE_EVERY {
                continue;
            }
            stamp = now_stamp;
        } else {
            stamp = svc.store.file_stamp();
        }
        if events.is_closed() {
            return;
        }
        read_at = std::time::Instant::now();
        match svc.store.revisions().await {
            Ok(now) => {
                sessions.saw(&now);
                if down {
                    down = false;
                    events.send(Event::StoreUp);
                }
                if let Some(prev) = &known {
                    let changed: Vec<String> =
                        now.iter().filter(|(d, r)| prev.get(*d) != Some(r)).map(|(d, _)| d.clone()).collect();
                    if !changed.is_empty() {
                        events.send(Event::Changed(changed));
                    }
                }
                known = Some(now);
            }
            Err(e) if !down => {
                down = true;
                tracing::error!(error = %e, "database unreachable");
                events.send(Event::StoreDown(e.to_string()));
            }
            Err(_) => {}
        }
    }
}

/// Run one command. Most answer once; a long answer (changed guests) may send parts of
/// itself on `events` first, under the same request id.
pub(super) async fn execute(
    svc: &Services,
    sessions: &super::session::Sessions,
    cmd: Command,
    events: &mpsc::UnboundedSender<Event>,
) -> Result<Reply, AppError> {
    let Command { id, actor, op } = cmd;
    // Who acts is checked again for every command (signing out always goes through).
    let actor = match actor {
        Some(claimed) if !matches!(op, Op::Account(AccountOp::SignOut)) => {
            Some(sessions.verify(svc, &claimed, op.load_kind().is_none()).await?)
        }
        other => other,
    };
    let signed_in = || actor.clone().ok_or_else(|| AppError::Auth("Sign in first.".into()));
    match op {
        Op::Account(op) => {
            let reply = account(svc, actor.as_ref(), op).await?;
            if let Reply::SignedIn(session) = &reply {
                sessions.forget(session.user.id);
            }
            Ok(reply)
        }
        Op::Admin(op) => administer(svc, &signed_in()?, op).await,
        Op::Inventory(op) => {
            let part = |b: GuestBatch| drop(events.send(Event::Reply { id, reply: Reply::Guests(Box::new(b)) }));
            inventory_op(svc, &signed_in()?, op, part).await
        }
        Op::Bookings(op) => Ok(match super::bookings::run(svc, &signed_in()?, op).await? {
            super::bookings::Out::Done(message) => Reply::Done(message),
            out => Reply::Bookings(out),
        }),
        Op::Support(op) => super::support::execute(svc, &signed_in()?, op).await,
        Op::Classes(op) => super::classes::execute(svc, &signed_in()?, op).await,
        Op::Infra(op) => Ok(match super::infra::run(svc, &signed_in()?, op).await? {
            super::infra::Out::Done(message) => Reply::Done(message),
            out => Reply::Infra(out),
        }),
        Op::Visitor(op) => super::visitor::execute(svc, op).await,
        // Taken by the command loop before it gets here.
        Op::WatchClosely(_) => Err(AppError::Invalid("WatchClosely has no reply".into())),
    }
}

async fn account(svc: &Services, actor: Option<&Actor>, op: AccountOp) -> Result<Reply, AppError> {
    use AccountOp as A;
    let signed_in = || actor.ok_or_else(|| AppError::Auth("Sign in first.".into()));
    Ok(match op {
        A::CheckSetup => Reply::Setup {
            needs_first_admin: svc.store.count_users().await? == 0,
            // The sign-in screen shows the organisation's name; none set (or unreadable) is fine.
            org: accounts::org_setting(svc).await,
        },
        A::SignIn { username, password } => {
            Reply::SignedIn(Box::new(accounts::sign_in(svc, &username, password.0).await?))
        }
        A::CreateFirstAdmin { form, password } => {
            Reply::SignedIn(Box::new(accounts::create_first_admin(svc, &form, password.0).await?))
        }
        A::AcceptInvitation { token, form, password } => {
            Reply::SignedIn(Box::new(accounts::accept_invitation(svc, &token.0, &form, password.0).await?))
        }
        A::SignOut => {
            let actor = signed_in()?;
            svc.store.audit(Entry::by(actor, &svc.source, "sign_out", "user").entity(actor.user_id)).await?;
            Reply::SignedOut
        }
        A::ChangePassword { current, new } => {
            accounts::change_password(svc, signed_in()?, current.0, new.0).await?;
            Reply::Done("Password changed.".into())
        }
        A::LoadUnread => Reply::Unread(svc.store.unread_count(signed_in()?).await?),
        A::LoadNotifications => Reply::Notifications(svc.store.my_notifications(signed_in()?, 500).await?),
        A::LoadProfile => Reply::Profile(Box::new(svc.store.my_profile(signed_in()?).await?)),
        A::SaveProfile { profile } => {
            accounts::save_profile(svc, signed_in()?, &profile).await?;
            Reply::Done("Profile saved.".into())
        }
        A::LoadSshKeys => Reply::SshKeys(super::ssh_keys::list(svc, signed_in()?, None).await?),
        A::AddSshKey { key } => {
            let key = super::ssh_keys::add(svc, signed_in()?, None, &key).await?;
            Reply::Done(format!("Key {} added: sign in with ssh as {}.", key.fingerprint, signed_in()?.username))
        }
        A::RemoveSshKey { fingerprint } => {
            let key = super::ssh_keys::remove(svc, signed_in()?, None, &fingerprint).await?;
            Reply::Done(format!("Key {} removed.", key.fingerprint))
        }
        A::MarkRead { id } => {
            let n = svc.store.mark_read(signed_in()?, id).await?;
            Reply::Done(format!("{n} notification{} marked read.", if n == 1 { "" } else { "s" }))
        }
    })
}

async fn administer(svc: &Services, actor: &Actor, op: AdminOp) -> Result<Reply, AppError> {
    use AdminOp as A;
    Ok(match op {
        A::LoadUsers => Reply::Users(admin::users(svc, actor).await?),
        A::LoadInvitations => Reply::Invitations(admin::invitations(svc, actor).await?),
        A::LoadSettings => Reply::Settings(admin::settings(svc, actor).await?),
        A::LoadAudit { query } => Reply::Audit(admin::audit(svc, actor, &query).await?),
        A::LoadRoles => Reply::Roles(admin::role_grants(svc, actor).await?),
        A::CreateUser { form, role } => {
            let (user, password) = accounts::create_user(svc, actor, &form, role, None).await?;
            let message = format!("Created {} ({}).", user.username, user.role);
            match password {
                Some(secret) => Reply::Secret { message: format!("{message} Temporary password:"), secret },
                None => Reply::Done(message),
            }
        }
        A::SetRole { user, role } => {
            admin::set_role(svc, actor, user, role).await?;
            Reply::Done(format!("Role changed to {role}."))
        }
        A::SetStatus { user, status } => {
            admin::set_status(svc, actor, user, status).await?;
            Reply::Done(format!("Account {}.", if status == UserStatus::Active { "unlocked" } else { "locked" }))
        }
        A::ResetPassword { user, username } => {
            let secret = admin::reset_password(svc, actor, user).await?;
            Reply::Secret { message: format!("New temporary password for {username}:"), secret }
        }
        A::Invite { to, role, days } => {
            let (_, token) = admin::invite(svc, actor, &to, role, days).await?;
            Reply::Secret {
                message: format!("Invitation for {} as {role}. Send them: labdeck accept <code>. Code:", to.trim()),
                secret: token,
            }
        }
        A::RevokeInvitation { id } => {
            admin::revoke_invitation(svc, actor, id).await?;
            Reply::Done("Invitation revoked.".into())
        }
        A::PutSetting { key, raw } => {
            admin::put_setting(svc, actor, &key, &raw).await?;
            Reply::Done(format!("Saved {key}."))
        }
        A::SetRoleGrant { role, grant, granted } => {
            admin::set_role_grant(svc, actor, role, grant, granted).await?;
            Reply::Done(format!("{} {}:{} for {role}.", if granted { "Granted" } else { "Revoked" }, grant.0, grant.1))
        }
    })
}

/// `part` sends the first parts of a long answer (changed guests) ahead of the last.
async fn inventory_op(
    svc: &Services,
    actor: &Actor,
    op: InventoryOp,
    part: impl FnMut(GuestBatch) + Send,
) -> Result<Reply, AppError> {
    use InventoryOp as I;
    Ok(match op {
        I::LoadGuests { since } => Reply::Guests(Box::new(inventory::guests(svc, actor, since, part).await?)),
        I::LoadOverview => Reply::Overview(Box::new(inventory::overview(svc, actor).await?)),
        I::LoadTasks => Reply::Tasks(inventory::tasks(svc, actor).await?),
        I::LoadIsos => Reply::Isos(inventory::isos(svc, actor).await?),
        I::GuestDetail { cluster_id, vmid } => {
            Reply::GuestDetail(Box::new(super::guests::detail(svc, actor, cluster_id, vmid).await?))
        }
        I::GuestAction { targets, op } => {
            let lines = super::guests::act(svc, actor, &targets, &op).await?;
            let n = targets.len();
            Reply::Bulk { title: format!("{} {n} guest{}", op.verb(), if n == 1 { "" } else { "s" }), lines }
        }
        I::TaskLog { cluster_id, upid } => {
            let lines = super::guests::task_log(svc, actor, cluster_id, &upid).await?;
            Reply::Report { title: format!("task {upid}"), lines }
        }
        I::ProbeCluster { id, input } => {
            let input = super::clusters::validate(input)?;
            let fingerprint = super::clusters::probe(svc, actor, &input.host, input.port).await?;
            let previous = match id {
                Some(id) => svc.store.cluster_access(id).await?.cluster.fingerprint,
                None => None,
            };
            if previous.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(&fingerprint)) {
                Reply::Done(super::clusters::save(svc, actor, id, ClusterInput { fingerprint, ..input }).await?)
            } else {
                Reply::TrustPrompt { id, input: ClusterInput { fingerprint, ..input }, previous }
            }
        }
        I::SaveCluster { id, input } => Reply::Done(super::clusters::save(svc, actor, id, input).await?),
        I::TestCluster { id } => Reply::Done(super::clusters::test(svc, actor, id).await?),
        I::RemoveCluster { id } => Reply::Done(super::clusters::remove(svc, actor, id).await?),
    })
}
