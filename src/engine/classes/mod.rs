//! Classes in the engine: one op type ([`Op`]) and one reply type ([`Out`]) carried by
//! `Op::Classes` / `Reply::Classes`; use cases in manage.rs, VM actions in vm_ops.rs,
//! deployment plans in deploy.rs and their runner in runner.rs, scheduled jobs in jobs.rs.

pub mod deploy;
pub mod form;
pub mod jobs;
pub mod manage;
pub mod runner;
pub mod vm_ops;

use super::command::{Reply, Secret};
use super::{AppError, Services};
use crate::domain::audit::Entry;
use crate::domain::classes::policy::VmAction;
use crate::domain::rbac::Actor;
use crate::store::classes::{Class, ClassVm, DeployProgress, TemplateRow, TokenInfo};
pub use form::ClassForm;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub enum Op {
    /// The classes the actor sees.
    Load,
    /// The VM templates with their replicas (the templates view and the class form's picker).
    Templates,
    Detail {
        class_id: Uuid,
    },
    Create {
        form: Box<ClassForm>,
    },
    Edit {
        class_id: Uuid,
        form: Box<ClassForm>,
    },
    Archive {
        class_id: Uuid,
    },
    CoOwner {
        class_id: Uuid,
        username: String,
        add: bool,
    },
    IssueCode {
        class_id: Uuid,
        days: Option<i64>,
    },
    DisableCodes {
        class_id: Uuid,
    },
    Join {
        code: Secret,
    },
    Enroll {
        class_id: Uuid,
        username: String,
    },
    Unenroll {
        class_id: Uuid,
        username: String,
    },
    Move {
        from: Uuid,
        to: Uuid,
        username: String,
    },
    Act {
        vm_ids: Vec<Uuid>,
        action: VmAction,
    },
    ResetUsage {
        class_id: Uuid,
        vm_ids: Vec<Uuid>,
    },
    /// Deploy to the pool size, or scale to a new one.
    Scale {
        class_id: Uuid,
        size: Option<i64>,
    },
    Publish {
        class_id: Uuid,
    },
    Retry {
        class_id: Uuid,
    },
    Cancel {
        class_id: Uuid,
    },
}

impl Op {
    /// Which kind of data a load reads (see `engine::Op::load_kind`); `None` for changes.
    pub fn load_kind(&self) -> Option<&'static str> {
        match self {
            Op::Load => Some("classes.list"),
            Op::Templates => Some("classes.templates"),
            Op::Detail { .. } => Some("classes.detail"),
            _ => None,
        }
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
    Templates(Vec<TemplateRow>),
}

pub(crate) fn entry(svc: &Services, actor: &Actor, action: &str, entity: &str) -> Entry {
    Entry::by(actor, &svc.source, action, entity)
}

pub async fn execute(svc: &Services, actor: &Actor, op: Op) -> Result<Reply, AppError> {
    use Op as C;
    let done = |m: String| Ok(Reply::Done(m));
    match op {
        C::Load => {
            let classes = svc.store.list_classes(actor).await?;
            Ok(Reply::Classes(Out::List { classes }))
        }
        C::Templates => Ok(Reply::Classes(Out::Templates(svc.store.list_templates(actor).await?))),
        C::Detail { class_id } => {
            Ok(Reply::Classes(Out::Detail(Box::new(manage::detail(svc, actor, class_id).await?))))
        }
        C::Create { form } => {
            manage::create(svc, actor, &form).await?;
            done(format!("Class {} created; deploy it with d.", form.name.trim()))
        }
        C::Edit { class_id, form } => {
            manage::edit(svc, actor, class_id, &form).await?;
            done(format!("Saved {}.", form.name.trim()))
        }
        C::Archive { class_id } => done(manage::archive(svc, actor, class_id).await?),
        C::CoOwner { class_id, username, add } => done(manage::co_owner(svc, actor, class_id, &username, add).await?),
        C::IssueCode { class_id, days } => {
            let (message, secret) = manage::issue_code(svc, actor, class_id, days).await?;
            Ok(Reply::Secret { message, secret })
        }
        C::DisableCodes { class_id } => done(manage::disable_codes(svc, actor, class_id).await?),
        C::Join { code } => done(manage::join(svc, actor, &code.0).await?),
        C::Enroll { class_id, username } => done(manage::enroll(svc, actor, class_id, &username).await?),
        C::Unenroll { class_id, username } => done(manage::unenroll(svc, actor, class_id, &username).await?),
        C::Move { from, to, username } => done(manage::move_student(svc, actor, from, to, &username).await?),
        C::Act { vm_ids, action } => {
            let lines = vm_ops::act(svc, actor, &vm_ids, action).await?;
            let n = vm_ids.len();
            Ok(Reply::Bulk { title: format!("{} {n} VM{}", action.verb(), if n == 1 { "" } else { "s" }), lines })
        }
        C::ResetUsage { class_id, vm_ids } => done(vm_ops::reset_usage(svc, actor, class_id, &vm_ids).await?),
        C::Scale { class_id, size } => done(deploy::scale(svc, actor, class_id, size).await?),
        C::Publish { class_id } => done(deploy::publish(svc, actor, class_id).await?),
        C::Retry { class_id } => done(deploy::retry(svc, actor, class_id).await?),
        C::Cancel { class_id } => done(deploy::cancel(svc, actor, class_id).await?),
    }
}
