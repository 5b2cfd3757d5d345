//! Classes in the engine: one command type ([`Cmd`]) and one reply type ([`Out`]) carried by
//! `Command::Classes` / `Reply::Classes`; use cases in manage.rs, VM actions in vm_ops.rs,
//! deployment plans in deploy.rs and their runner in runner.rs, scheduled jobs in jobs.rs.

pub mod deploy;
pub mod form;
pub mod jobs;
pub mod manage;
pub mod runner;
pub mod vm_ops;

use super::runtime::{Reply, Secret};
use super::{AppError, Services};
use crate::domain::audit::Entry;
use crate::domain::classes::policy::VmAction;
use crate::domain::rbac::Actor;
use crate::store::classes::{Class, ClassVm, DeployProgress, TokenInfo};
pub use form::ClassForm;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Cmd {
    /// The classes the actor sees.
    Load {
        actor: Actor,
    },
    Detail {
        actor: Actor,
        class_id: Uuid,
    },
    Create {
        actor: Actor,
        form: Box<ClassForm>,
    },
    Edit {
        actor: Actor,
        class_id: Uuid,
        form: Box<ClassForm>,
    },
    Archive {
        actor: Actor,
        class_id: Uuid,
    },
    CoOwner {
        actor: Actor,
        class_id: Uuid,
        username: String,
        add: bool,
    },
    IssueCode {
        actor: Actor,
        class_id: Uuid,
        days: Option<i64>,
    },
    DisableCodes {
        actor: Actor,
        class_id: Uuid,
    },
    Join {
        actor: Actor,
        code: Secret,
    },
    Enroll {
        actor: Actor,
        class_id: Uuid,
        username: String,
    },
    Unenroll {
        actor: Actor,
        class_id: Uuid,
        username: String,
    },
    Move {
        actor: Actor,
        from: Uuid,
        to: Uuid,
        username: String,
    },
    Act {
        actor: Actor,
        vm_ids: Vec<Uuid>,
        action: VmAction,
    },
    ResetUsage {
        actor: Actor,
        class_id: Uuid,
        vm_ids: Vec<Uuid>,
    },
    /// Deploy to the pool size, or scale to a new one.
    Scale {
        actor: Actor,
        class_id: Uuid,
        size: Option<i64>,
    },
    Publish {
        actor: Actor,
        class_id: Uuid,
    },
    Retry {
        actor: Actor,
        class_id: Uuid,
    },
    Cancel {
        actor: Actor,
        class_id: Uuid,
    },
}

impl Cmd {
    pub fn is_load(&self) -> bool {
        matches!(self, Cmd::Load { .. } | Cmd::Detail { .. })
    }
}

/// What the Classes screen shows of one class.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub class: Class,
    pub vms: Vec<ClassVm>,
    /// (username, display name, waiting for a VM)
    pub roster: Vec<(String, Option<String>, bool)>,
    pub tokens: Vec<TokenInfo>,
    pub co_owners: Vec<String>,
    pub progress: Vec<DeployProgress>,
}

#[derive(Debug, Clone)]
pub enum Out {
    List { classes: Vec<Class> },
    Detail(Box<Detail>),
}

pub(crate) fn entry(svc: &Services, actor: &Actor, action: &str, entity: &str) -> Entry {
    Entry::by(actor, &svc.source, action, entity)
}

pub async fn execute(svc: &Services, cmd: Cmd) -> Result<Reply, AppError> {
    use Cmd as C;
    let done = |m: String| Ok(Reply::Done(m));
    match cmd {
        C::Load { actor } => {
            let classes = svc.store.list_classes(&actor).await?;
            Ok(Reply::Classes(Out::List { classes }))
        }
        C::Detail { actor, class_id } => {
            Ok(Reply::Classes(Out::Detail(Box::new(manage::detail(svc, &actor, class_id).await?))))
        }
        C::Create { actor, form } => {
            manage::create(svc, &actor, &form).await?;
            done(format!("Class {} created; deploy it with d.", form.name.trim()))
        }
        C::Edit { actor, class_id, form } => {
            manage::edit(svc, &actor, class_id, &form).await?;
            done(format!("Saved {}.", form.name.trim()))
        }
        C::Archive { actor, class_id } => done(manage::archive(svc, &actor, class_id).await?),
        C::CoOwner { actor, class_id, username, add } => {
            done(manage::co_owner(svc, &actor, class_id, &username, add).await?)
        }
        C::IssueCode { actor, class_id, days } => {
            let (message, secret) = manage::issue_code(svc, &actor, class_id, days).await?;
            Ok(Reply::Secret { message, secret })
        }
        C::DisableCodes { actor, class_id } => done(manage::disable_codes(svc, &actor, class_id).await?),
        C::Join { actor, code } => done(manage::join(svc, &actor, &code.0).await?),
        C::Enroll { actor, class_id, username } => done(manage::enroll(svc, &actor, class_id, &username).await?),
        C::Unenroll { actor, class_id, username } => done(manage::unenroll(svc, &actor, class_id, &username).await?),
        C::Move { actor, from, to, username } => done(manage::move_student(svc, &actor, from, to, &username).await?),
        C::Act { actor, vm_ids, action } => {
            let lines = vm_ops::act(svc, &actor, &vm_ids, action).await?;
            let n = vm_ids.len();
            Ok(Reply::Bulk { title: format!("{} {n} VM{}", action.verb(), if n == 1 { "" } else { "s" }), lines })
        }
        C::ResetUsage { actor, class_id, vm_ids } => done(vm_ops::reset_usage(svc, &actor, class_id, &vm_ids).await?),
        C::Scale { actor, class_id, size } => done(deploy::scale(svc, &actor, class_id, size).await?),
        C::Publish { actor, class_id } => done(deploy::publish(svc, &actor, class_id).await?),
        C::Retry { actor, class_id } => done(deploy::retry(svc, &actor, class_id).await?),
        C::Cancel { actor, class_id } => done(deploy::cancel(svc, &actor, class_id).await?),
    }
}
