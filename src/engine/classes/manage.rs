//! Class use cases: create, edit, archive, co-owners, join codes, enrollment, joining.
//! Checked in the domain (role grants, ownership) before the store writes and audits.

use super::form::{self, ClassForm};
use super::{Detail, entry};
use crate::domain::audit::Outcome;
use crate::domain::classes::token;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::{sanitize, time};
use crate::engine::admin::authorize;
use crate::engine::{AppError, Services};
use crate::store::classes::{Class, DeployProgress, JoinOutcome};
use uuid::Uuid;

pub async fn detail(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<Detail, AppError> {
    let class = svc.store.class(actor, class_id).await?;
    let vms = svc.store.class_vms(actor, class_id).await?;
    let staff = class.teaches || crate::domain::classes::Scope::of(actor) == crate::domain::classes::Scope::All;
    let (roster, tokens, co_owners, progress) = if staff {
        (
            svc.store.class_roster(class_id).await?,
            svc.store.join_tokens(class_id).await?,
            svc.store.co_owners(class_id).await?,
            DeployProgress::of(&svc.store.plan(class_id).await?),
        )
    } else {
        (vec![], vec![], vec![], vec![])
    };
    Ok(Detail { class, vms, roster, tokens, co_owners, progress })
}

/// Find the template a form names (a VMID or a name): a registered one, else a Proxmox
/// template the poller has seen, registered now.
async fn resolve_template(svc: &Services, actor: &Actor, text: &str) -> Result<Option<Uuid>, AppError> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let known = svc.store.class_templates().await?;
    // The class form's picker names a template by its id.
    if let Ok(id) = Uuid::parse_str(t) {
        return known
            .iter()
            .find(|k| k.0 == id)
            .map(|k| Some(k.0))
            .ok_or_else(|| AppError::Invalid("Template: that template is gone (archived); pick another.".into()));
    }
    let vmid = t.parse::<i64>().ok();
    if let Some((id, ..)) = known.iter().find(|k| Some(k.2) == vmid || k.1.eq_ignore_ascii_case(t)) {
        return Ok(Some(*id));
    }
    if let Some(vmid) = vmid.and_then(|v| u32::try_from(v).ok()) {
        for c in svc.store.cluster_access_all().await? {
            if let Some(g) = svc.store.guest(c.cluster.id, vmid).await?
                && g.template
            {
                let e = entry(svc, actor, "register_template", "template");
                let id = svc
                    .store
                    .ensure_template(c.cluster.id, vmid.into(), &g.name, &g.node, Some(actor.user_id), e)
                    .await?;
                return Ok(Some(id));
            }
        }
    }
    Err(AppError::Invalid(format!("Template: no Proxmox template '{t}' (give its VMID; see Inventory › templates).")))
}

pub async fn create(svc: &Services, actor: &Actor, f: &ClassForm) -> Result<Uuid, AppError> {
    authorize(svc, actor, Resource::Class, Action::Create, "create_class").await?;
    let template = resolve_template(svc, actor, &f.template).await?;
    let mut input = form::parse(f, template)?;
    if f.max_hours.trim().is_empty() {
        input.max_usage_hours = default_max_hours(svc).await?;
    }
    let e = entry(svc, actor, "create_class", "class").detail("name", input.name.as_str());
    Ok(svc.store.create_class(actor.user_id, actor.tenant_id, &input, e).await?)
}

/// The usage budget a new class gets when its form leaves Max hours empty: the setting
/// `classes.default_max_usage_hours` (its built-in default when unset; 0 = unlimited).
async fn default_max_hours(svc: &Services) -> Result<Option<i64>, AppError> {
    const KEY: &str = "classes.default_max_usage_hours";
    let stored = svc.store.setting(KEY).await?;
    let value = stored.or_else(|| crate::domain::settings::known(KEY).map(|k| (k.default)()));
    Ok(value.and_then(|v| v.as_i64()).filter(|h| *h > 0))
}

pub async fn edit(svc: &Services, actor: &Actor, class_id: Uuid, f: &ClassForm) -> Result<(), AppError> {
    managed(svc, actor, class_id, "edit_class").await?;
    let template = resolve_template(svc, actor, &f.template).await?;
    let input = form::parse(f, template)?;
    Ok(svc.store.update_class(class_id, &input, entry(svc, actor, "edit_class", "class")).await?)
}

pub async fn archive(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<String, AppError> {
    let class = managed(svc, actor, class_id, "archive_class").await?;
    svc.store.archive_class(class_id, entry(svc, actor, "archive_class", "class")).await?;
    Ok(format!("Archived {} (its VMs stay until you scale the pool to 0).", class.name))
}

/// The class, if the actor may change it; a refusal is audited.
pub async fn managed(svc: &Services, actor: &Actor, class_id: Uuid, what: &str) -> Result<Class, AppError> {
    match svc.store.class_to_manage(actor, class_id).await {
        Ok(c) => Ok(c),
        Err(e) => {
            let denied =
                entry(svc, actor, what, "class").entity(class_id).outcome(Outcome::Denied).message(e.to_string());
            svc.store.audit(denied).await?;
            Err(e.into())
        }
    }
}

pub async fn co_owner(
    svc: &Services,
    actor: &Actor,
    class_id: Uuid,
    username: &str,
    add: bool,
) -> Result<String, AppError> {
    let what = if add { "add_co_owner" } else { "remove_co_owner" };
    let class = managed(svc, actor, class_id, what).await?;
    let username = sanitize::line(username).trim().to_string();
    if add {
        svc.store.add_co_owner(class_id, &username, actor.user_id, entry(svc, actor, what, "class")).await?;
        Ok(format!("{username} now co-owns {}.", class.name))
    } else {
        svc.store.remove_co_owner(class_id, &username, entry(svc, actor, what, "class")).await?;
        Ok(format!("{username} no longer co-owns {}.", class.name))
    }
}

/// A new join code (the old ones stop working). Returned once; only its hash is kept.
pub async fn issue_code(
    svc: &Services,
    actor: &Actor,
    class_id: Uuid,
    days: Option<i64>,
) -> Result<(String, String), AppError> {
    let class = managed(svc, actor, class_id, "issue_join_code").await?;
    if class.archived_at.is_some() {
        return Err(AppError::Invalid("The class is archived.".into()));
    }
    let code = token::new_code();
    let expires = token::expiry(time::now(), days);
    let e = entry(svc, actor, "issue_join_code", "class");
    svc.store.issue_join_token(class_id, &code, expires, Some(actor.user_id), e).await?;
    let until =
        expires.map(|e| format!("valid until {}", e.format("%Y-%m-%d %H:%M UTC"))).unwrap_or("never expires".into());
    let message = format!("Join code for {} ({until}). Send your students: {}", class.name, token::join_command(&code));
    Ok((message, code))
}

pub async fn disable_codes(svc: &Services, actor: &Actor, class_id: Uuid) -> Result<String, AppError> {
    let class = managed(svc, actor, class_id, "disable_join_codes").await?;
    let n = svc.store.disable_join_tokens(class_id, entry(svc, actor, "disable_join_codes", "class")).await?;
    Ok(format!("{n} join code{} of {} disabled.", if n == 1 { "" } else { "s" }, class.name))
}

/// A student joins with a code. Anything that is not a plausible code is refused before the
/// database is asked; the code itself never reaches a log.
pub async fn join(svc: &Services, actor: &Actor, code: &str) -> Result<String, AppError> {
    authorize(svc, actor, Resource::Class, Action::Read, "join_class").await?;
    if !token::plausible(code) {
        return Err(AppError::Invalid("That is not a join code (it looks like ABCDE-FGHJK).".into()));
    }
    let e = entry(svc, actor, "join_class", "class");
    let out = svc.store.join_class(actor.user_id, code, e).await?;
    Ok(describe(&out, "You"))
}

fn describe(out: &JoinOutcome, who: &str) -> String {
    match out {
        JoinOutcome::Seated { class_name, vmid, vm_name, .. } => {
            format!("{who} joined {class_name}: VM {vm_name} ({vmid}).")
        }
        JoinOutcome::Waiting { class_name, position, .. } => {
            format!("{who} joined {class_name}; the pool is full, so {who} wait (#{position}) until a VM is free.")
        }
    }
}

pub async fn enroll(svc: &Services, actor: &Actor, class_id: Uuid, username: &str) -> Result<String, AppError> {
    managed(svc, actor, class_id, "enroll").await?;
    let username = sanitize::line(username).trim().to_string();
    let out = svc.store.enroll(class_id, &username, actor.user_id, entry(svc, actor, "enroll", "class")).await?;
    Ok(describe(&out, &username).replace(&format!("{username} wait "), &format!("{username} waits ")))
}

/// Remove a student; the freed VM goes back to its baseline and to the next waiting student.
pub async fn unenroll(svc: &Services, actor: &Actor, class_id: Uuid, username: &str) -> Result<String, AppError> {
    let class = managed(svc, actor, class_id, "unenroll").await?;
    let freed = svc.store.unenroll(class_id, username, entry(svc, actor, "unenroll", "class")).await?;
    if let Some(vmid) = freed {
        super::vm_ops::reset_freed_vm(svc, actor, &class, vmid).await;
        svc.store.serve_waitlist(class_id, entry(svc, actor, "serve_waitlist", "class")).await?;
    }
    Ok(format!("{username} removed from {}.", class.name))
}

/// Move a student to another class the actor also teaches.
pub async fn move_student(
    svc: &Services,
    actor: &Actor,
    from: Uuid,
    to: Uuid,
    username: &str,
) -> Result<String, AppError> {
    let target = managed(svc, actor, to, "move_student").await?;
    managed(svc, actor, from, "move_student").await?;
    // Enroll first: a refusal there leaves the student where they were.
    let out = svc.store.enroll(to, username, actor.user_id, entry(svc, actor, "move_student", "class")).await?;
    unenroll(svc, actor, from, username).await?;
    Ok(format!("Moved to {}. {}", target.name, describe(&out, username)))
}
