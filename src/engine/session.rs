//! Every command re-checks who sends it. An account locked, deactivated, removed or given
//! another role while its console is open ends that console's session at its next action
//! ([`AppError::SessionEnded`], which a console turns into a sign-out with the message);
//! changed grants of the same role apply at once (the command runs with the fresh actor).
//!
//! Cheaply: a checked actor is kept with the `users` and `rbac` revisions it was read at. A
//! load reuses it while the revision watcher has seen no change to either (no query); a
//! change (an op that writes) reads the two counters first (one small query) and the
//! account again only when one of them moved.

use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::rbac::Actor;
use crate::domain::user::UserStatus;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use uuid::Uuid;

/// The revisions an actor's rights depend on.
type Revs = (i64, i64);

/// The actor as the account is now, or why its sessions end.
type Verdict = Result<Actor, String>;

fn revs_of(all: &BTreeMap<String, i64>) -> Revs {
    let of = |d: &str| all.get(d).copied().unwrap_or(0);
    (of("users"), of("rbac"))
}

#[derive(Default)]
pub struct Sessions {
    /// What the revision watcher read last (`None` until its first read).
    seen: Mutex<Option<Revs>>,
    /// Each user's last verdict (the actor, or why the session ended) and the revisions it
    /// was reached at.
    checked: Mutex<HashMap<Uuid, (Revs, Verdict)>>,
}

/// At most this many checked actors are kept (a console has one; a server many).
const KEEP: usize = 1024;

impl Sessions {
    /// The revision watcher read these counters.
    pub fn saw(&self, all: &BTreeMap<String, i64>) {
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(revs_of(all));
    }

    /// `user` just signed in: what was known of an earlier session of theirs is stale.
    pub fn forget(&self, user: Uuid) {
        self.checked.lock().unwrap_or_else(|e| e.into_inner()).remove(&user);
    }

    /// The actor `claimed` acts as now, or why its session ended. `writes` asks for the
    /// counters to be read from the database rather than taken from the watcher.
    pub async fn verify(&self, svc: &Services, claimed: &Actor, writes: bool) -> Result<Actor, AppError> {
        let seen = *self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let revs = match seen {
            Some(r) if !writes => r,
            _ => revs_of(&svc.store.revisions().await?),
        };
        let known = match self.checked.lock().unwrap_or_else(|e| e.into_inner()).get(&claimed.user_id) {
            Some((at, verdict)) if *at == revs => Some(verdict.clone()),
            _ => None,
        };
        let verdict = match known {
            Some(v) => v,
            None => {
                let v = check(svc, claimed).await?;
                let mut checked = self.checked.lock().unwrap_or_else(|e| e.into_inner());
                if checked.len() >= KEEP {
                    checked.clear();
                }
                checked.insert(claimed.user_id, (revs, v.clone()));
                v
            }
        };
        match verdict {
            Ok(actor) if actor.role == claimed.role => Ok(actor),
            Ok(actor) => end(svc, claimed, writes, role_changed(claimed, &actor)).await,
            Err(why) => end(svc, claimed, writes, why).await,
        }
    }
}

/// The account as it is now: the actor with its current role and grants, or why its
/// sessions end.
async fn check(svc: &Services, claimed: &Actor) -> Result<Verdict, AppError> {
    let Some(user) = svc.store.user_by_id(claimed.user_id).await? else {
        return Ok(Err("Your account no longer exists; you have been signed out.".into()));
    };
    if user.status != UserStatus::Active {
        let why = format!("Your account was {} by an administrator; you have been signed out.", user.status.as_str());
        return Ok(Err(why));
    }
    // The role is compared by the caller: the same verdict serves an old session (another
    // role) and the new one.
    Ok(Ok(svc.store.load_actor(claimed.user_id).await?))
}

fn role_changed(claimed: &Actor, now: &Actor) -> String {
    format!(
        "Your role changed from {} to {}; you have been signed out. Sign in again to continue as {}.",
        claimed.role, now.role, now.role
    )
}

/// The session is over: a refused change is audited (a load is not: it changes nothing).
async fn end(svc: &Services, claimed: &Actor, writes: bool, why: String) -> Result<Actor, AppError> {
    if writes {
        let entry = Entry::by(claimed, &svc.source, "session_ended", "user").entity(claimed.user_id);
        svc.store.audit(entry.outcome(Outcome::Denied).message(why.clone())).await?;
    }
    Err(AppError::SessionEnded(why))
}
