//! Signing in and the ways an account comes to exist.

use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::user::{self, User};
use crate::domain::{Role, invitation, password, sanitize, throttle, time};
use crate::store::StoreError;
use crate::store::users::NewUser;

pub const BAD_CREDENTIALS: &str = "Invalid username or password.";

#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub user: User,
}

/// Sign in. Unknown users and wrong passwords get the same message after the same work;
/// failures are throttled per username and per source, and every attempt is audited —
/// except tries refused while blocked, which are counted and audited as one row per block.
///
/// The throttle check and the failure count are one locked step taken before the password
/// is checked ([`crate::store::Store::begin_attempt`]); a right password gives the count
/// back. So however many attempts run in parallel, at most `FREE_ATTEMPTS + 1` of them per
/// key reach password verification before the block.
pub async fn sign_in(svc: &Services, username: &str, plain: String) -> Result<Session, AppError> {
    use crate::store::throttle::Attempt;
    let store = &svc.store;
    let shown_name = sanitize::line(username).chars().take(64).collect::<String>();
    let name = user::normalize_username(username).unwrap_or_else(|_| shown_name.to_lowercase());
    let keys = [throttle::user_key(&name), throttle::source_key(&svc.source.throttle_key())];
    let attempt = || Entry::anonymous(&shown_name, &svc.source, "sign_in", "user");
    match store.begin_attempt(&keys, time::now()).await? {
        Attempt::Blocked { wait, first } => {
            if first {
                let entry = attempt().outcome(Outcome::Denied);
                store
                    .audit(entry.message("throttled; further tries during this block are counted, not logged"))
                    .await?;
            }
            return Err(AppError::Auth(format!("Too many failed attempts. Try again in {wait} s.")));
        }
        Attempt::Allowed { refused_meanwhile } if refused_meanwhile > 0 => {
            let entry = attempt().outcome(Outcome::Denied);
            store.audit(entry.message(format!("{refused_meanwhile} tries refused while throttled"))).await?;
        }
        Attempt::Allowed { .. } => {}
    }
    let found = store.credentials(&name).await?;
    let verified = match &found {
        Some((_, hash)) => svc.hasher.verify(plain, hash.clone()).await,
        None => {
            svc.hasher.verify_dummy(plain).await;
            false
        }
    };
    let Some((user, _)) = found.filter(|_| verified) else {
        store.audit(attempt().outcome(Outcome::Failure).message("bad credentials")).await?;
        return Err(AppError::Auth(BAD_CREDENTIALS.into()));
    };
    store.clear_failures(&keys[0]).await?;
    store.release_attempt(&keys[1]).await?;
    if user.status != user::UserStatus::Active {
        let entry = Entry::anonymous(&user.username, &svc.source, "sign_in", "user").entity(user.id);
        store.audit(entry.outcome(Outcome::Denied).message(format!("account {}", user.status.as_str()))).await?;
        return Err(AppError::Auth(format!(
            "This account is {}. Ask an administrator to unlock it.",
            user.status.as_str()
        )));
    }
    let actor = store.load_actor(user.id).await?;
    store.record_sign_in(user.id, Entry::by(&actor, &svc.source, "sign_in", "user")).await?;
    Ok(Session { actor, user })
}

/// The organisation's name if one is set (none, or unreadable, is fine).
pub async fn org_setting(svc: &Services) -> Option<String> {
    svc.store.setting("org.name").await.ok().flatten().and_then(|v| v.as_str().map(String::from))
}

/// The name screens show for the organisation: its setting, else "labdeck".
pub async fn org_name(svc: &Services) -> String {
    org_setting(svc).await.unwrap_or_else(|| "labdeck".into())
}

/// The fields a person types to get an account.
#[derive(Debug, Clone, Default)]
pub struct AccountForm {
    pub username: String,
    pub email: String,
    pub display_name: String,
}

impl AccountForm {
    fn validate(&self) -> Result<(String, Option<String>, String), AppError> {
        Ok((
            user::normalize_username(&self.username)?,
            user::normalize_email(&self.email)?,
            user::normalize_display_name(&self.display_name)?,
        ))
    }
}

/// First run: no users yet, so whoever can run labdeck on this database makes the first admin.
pub async fn create_first_admin(svc: &Services, form: &AccountForm, plain: String) -> Result<Session, AppError> {
    let (username, email, display_name) = form.validate()?;
    password::check_policy(&username, &plain)?;
    let new = NewUser {
        username: username.clone(),
        email,
        display_name,
        role: Role::Admin,
        password_hash: svc.hasher.hash(plain).await,
        must_change_password: false,
        tenant_id: None,
    };
    let entry = Entry::anonymous(&username, &svc.source, "create_first_admin", "user");
    let user = svc.store.create_user(&new, true, entry).await?;
    let actor = svc.store.load_actor(user.id).await?;
    Ok(Session { actor, user })
}

/// Create an account as `actor`. Without a password, one is generated and returned (shown
/// once) and must be changed at first sign-in.
pub async fn create_user(
    svc: &Services,
    actor: &Actor,
    form: &AccountForm,
    role: Role,
    plain: Option<String>,
) -> Result<(User, Option<String>), AppError> {
    super::admin::authorize(svc, actor, Resource::User, Action::Create, "create_user").await?;
    let (username, email, display_name) = form.validate()?;
    let generated = plain.is_none();
    let plain = plain.unwrap_or_else(password::generate);
    password::check_policy(&username, &plain)?;
    let new = NewUser {
        username,
        email,
        display_name,
        role,
        password_hash: svc.hasher.hash(plain.clone()).await,
        must_change_password: generated,
        tenant_id: actor.tenant_id,
    };
    let user = svc.store.create_user(&new, false, Entry::by(actor, &svc.source, "create_user", "user")).await?;
    Ok((user, generated.then_some(plain)))
}

pub async fn accept_invitation(
    svc: &Services,
    token: &str,
    form: &AccountForm,
    plain: String,
) -> Result<Session, AppError> {
    let (username, email, display_name) = form.validate()?;
    password::check_policy(&username, &plain)?;
    let hash = svc.hasher.hash(plain).await;
    let entry = Entry::anonymous(&username, &svc.source, "accept_invitation", "invitation");
    let user = svc
        .store
        .accept_invitation(
            &invitation::token_hash(token),
            |role| NewUser {
                username,
                email,
                display_name,
                role,
                password_hash: hash,
                must_change_password: false,
                tenant_id: None,
            },
            entry,
        )
        .await
        .map_err(|e| match e {
            // The store says "… not found"; a person typing a code needs to hear what to check.
            StoreError::NotFound(_) => AppError::Invalid(
                "no valid invitation has that code (mistyped, already used, revoked or expired?)".into(),
            ),
            other => other.into(),
        })?;
    let actor = svc.store.load_actor(user.id).await?;
    Ok(Session { actor, user })
}

/// Change one's own password: the current one must be right (and is throttled like sign-in).
pub async fn change_password(svc: &Services, actor: &Actor, current: String, new: String) -> Result<(), AppError> {
    password::check_policy(&actor.username, &new)?;
    let (_, hash) = svc
        .store
        .credentials(&actor.username)
        .await?
        .ok_or_else(|| AppError::Auth("your account no longer exists".into()))?;
    let key = throttle::user_key(&actor.username);
    if let crate::store::throttle::Attempt::Blocked { wait, .. } =
        svc.store.begin_attempt(std::slice::from_ref(&key), time::now()).await?
    {
        return Err(AppError::Auth(format!("Too many failed attempts. Try again in {wait} s.")));
    }
    if !svc.hasher.verify(current, hash).await {
        let entry = Entry::by(actor, &svc.source, "change_password", "user").entity(actor.user_id);
        svc.store.audit(entry.outcome(Outcome::Failure).message("wrong current password")).await?;
        return Err(AppError::Auth("The current password is wrong.".into()));
    }
    svc.store.release_attempt(&key).await?;
    let new_hash = svc.hasher.hash(new).await;
    let entry = Entry::by(actor, &svc.source, "change_password", "user");
    svc.store.set_password_hash(actor.user_id, &new_hash, false, entry).await?;
    Ok(())
}

/// Save my profile as typed: cleaned and checked (a real time zone), audited.
pub async fn save_profile(
    svc: &Services,
    actor: &Actor,
    typed: &crate::domain::profile::Profile,
) -> Result<(), AppError> {
    let clean = typed.clean()?;
    let e = Entry::by(actor, &svc.source, "save_profile", "user");
    Ok(svc.store.save_profile(actor, &clean, e).await?)
}
