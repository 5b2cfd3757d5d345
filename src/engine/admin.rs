//! Administration use cases: users, invitations, settings, audit.

use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::rbac::{Action, Actor, Grant, Resource};
use crate::domain::user::{User, UserStatus};
use crate::domain::{Role, invitation, password, sanitize, settings, time, user};
use crate::store::audit::{AuditQuery, AuditRecord};
use crate::store::invitations::{Invitation, NewInvitation};
use crate::store::settings::Setting;
use uuid::Uuid;

/// Check a permission in the domain; a refusal is itself audited.
pub async fn authorize(
    svc: &Services,
    actor: &Actor,
    resource: Resource,
    action: Action,
    what: &str,
) -> Result<(), AppError> {
    if let Err(denied) = actor.require(resource, action) {
        let entry =
            Entry::by(actor, &svc.source, what, resource.as_str()).outcome(Outcome::Denied).message(denied.to_string());
        svc.store.audit(entry).await?;
        return Err(denied.into());
    }
    Ok(())
}

pub async fn users(svc: &Services, actor: &Actor) -> Result<Vec<User>, AppError> {
    Ok(svc.store.list_users(actor).await?)
}

/// The user an admin action is about (its name and old values go into the audit entry).
async fn target(svc: &Services, id: Uuid) -> Result<User, AppError> {
    svc.store.user_by_id(id).await?.ok_or_else(|| AppError::Invalid("that user no longer exists".into()))
}

pub async fn set_role(svc: &Services, actor: &Actor, id: Uuid, role: Role) -> Result<(), AppError> {
    authorize(svc, actor, Resource::User, Action::Update, "set_role").await?;
    if id == actor.user_id && role != Role::Admin && actor.role == Role::Admin {
        return Err(AppError::Invalid("You cannot demote yourself; ask another admin.".into()));
    }
    let user = target(svc, id).await?;
    let entry = Entry::by(actor, &svc.source, "set_role", "user")
        .details(serde_json::json!({ "role": role }))
        .named(user.username.as_str())
        .change(user.role.as_str(), role.as_str());
    Ok(svc.store.set_user_role(id, role, entry).await?)
}

pub async fn set_status(svc: &Services, actor: &Actor, id: Uuid, status: UserStatus) -> Result<(), AppError> {
    authorize(svc, actor, Resource::User, Action::Update, "set_status").await?;
    if id == actor.user_id && status != UserStatus::Active {
        return Err(AppError::Invalid("You cannot lock your own account.".into()));
    }
    let action = if status == UserStatus::Active { "unlock_user" } else { "lock_user" };
    let user = target(svc, id).await?;
    let entry = Entry::by(actor, &svc.source, action, "user")
        .named(user.username.as_str())
        .change(user.status.as_str(), status.as_str());
    Ok(svc.store.set_user_status(id, status, entry).await?)
}

/// Reset someone's password to a generated one, shown once; they must change it on sign-in.
pub async fn reset_password(svc: &Services, actor: &Actor, id: Uuid) -> Result<String, AppError> {
    authorize(svc, actor, Resource::User, Action::Update, "reset_password").await?;
    let plain = password::generate();
    let hash = svc.hasher.hash(plain.clone()).await;
    let user = target(svc, id).await?;
    let entry = Entry::by(actor, &svc.source, "reset_password", "user").named(user.username.as_str());
    svc.store.set_password_hash(id, &hash, true, entry).await?;
    Ok(plain)
}

/// Invite someone by email or handle. Returns the token: it is shown once and never stored.
pub async fn invite(
    svc: &Services,
    actor: &Actor,
    to: &str,
    role: Role,
    days: Option<i64>,
) -> Result<(Uuid, String), AppError> {
    authorize(svc, actor, Resource::Invitation, Action::Create, "invite").await?;
    let to = sanitize::line(to);
    let (email, handle) = if to.contains('@') {
        (user::normalize_email(&to)?, None)
    } else {
        (
            None,
            Some(
                user::normalize_username(&to)
                    .map_err(|_| AppError::Invalid(format!("'{to}' is neither an email address nor a valid handle")))?,
            ),
        )
    };
    let days = match days {
        Some(d) => d,
        None => svc
            .store
            .setting("auth.invitation_days")
            .await?
            .and_then(|v| v.as_i64())
            .unwrap_or(invitation::DEFAULT_VALID_DAYS),
    };
    let token = invitation::new_token();
    let new = NewInvitation {
        email,
        handle,
        role,
        token_hash: invitation::token_hash(&token),
        expires_at: invitation::expiry(time::now(), days),
        invited_by: actor.user_id,
    };
    let id = svc.store.create_invitation(&new, Entry::by(actor, &svc.source, "invite", "invitation")).await?;
    Ok((id, token))
}

pub async fn invitations(svc: &Services, actor: &Actor) -> Result<Vec<Invitation>, AppError> {
    Ok(svc.store.list_invitations(actor).await?)
}

pub async fn revoke_invitation(svc: &Services, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    authorize(svc, actor, Resource::Invitation, Action::Delete, "revoke_invitation").await?;
    Ok(svc.store.revoke_invitation(id, Entry::by(actor, &svc.source, "revoke_invitation", "invitation")).await?)
}

/// Settings as stored, plus every known key not yet stored, with its default.
pub async fn settings(svc: &Services, actor: &Actor) -> Result<Vec<Setting>, AppError> {
    let mut stored = svc.store.list_settings(actor).await?;
    for k in settings::KNOWN {
        if !stored.iter().any(|s| s.key == k.key) {
            stored.push(Setting { key: k.key.into(), value: (k.default)(), updated_at: time::now(), updated_by: None });
        }
    }
    stored.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(stored)
}

pub async fn put_setting(svc: &Services, actor: &Actor, key: &str, raw: &str) -> Result<(), AppError> {
    authorize(svc, actor, Resource::Setting, Action::Update, "put_setting").await?;
    let value = settings::parse_value(key.trim(), raw)?;
    let entry = Entry::by(actor, &svc.source, "put_setting", "setting");
    Ok(svc.store.put_setting(key.trim(), &value, Some(actor.user_id), entry).await?)
}

pub async fn audit(svc: &Services, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditRecord>, AppError> {
    Ok(svc.store.query_audit(actor, q).await?)
}

pub async fn role_grants(svc: &Services, actor: &Actor) -> Result<Vec<(Role, Grant)>, AppError> {
    Ok(svc.store.role_grants(actor).await?)
}

pub async fn set_role_grant(
    svc: &Services,
    actor: &Actor,
    role: Role,
    grant: Grant,
    granted: bool,
) -> Result<(), AppError> {
    authorize(svc, actor, Resource::User, Action::Manage, "set_role_grant").await?;
    if role == Role::Admin && !granted {
        return Err(AppError::Invalid("The admin role keeps every permission.".into()));
    }
    let entry = Entry::by(actor, &svc.source, if granted { "grant" } else { "revoke" }, "role_permission");
    Ok(svc.store.set_role_grant(role, grant, granted, entry).await?)
}
