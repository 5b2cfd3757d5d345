//! SSH keys: adding, listing and removing them (yourself, or anyone's as an admin), and
//! signing in with one (the SSH server asks here once the client proved it holds the key).

use super::accounts::Session;
use super::admin::authorize;
use super::{AppError, Services};
use crate::domain::audit::{Entry, Outcome};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::sanitize;
use crate::domain::user::{self, UserStatus};
use crate::store::ssh_keys::{NewSshKey, SshKey};
use russh::keys::{HashAlg, PublicKey};
use uuid::Uuid;

/// Key types the server accepts (what the SSH library verifies without RSA support).
const ACCEPTED: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
];

/// The longest public key line taken (an ed25519 line is ~100 bytes, ECDSA-521 ~270).
const MAX_LINE: usize = 8 * 1024;

/// The fingerprint `ssh-keygen -l` prints for a key (`SHA256:…`).
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// Parse one OpenSSH public key line (`ssh-ed25519 AAAA… comment`), as in
/// `~/.ssh/id_ed25519.pub` or an `authorized_keys` line without options.
pub fn parse(text: &str) -> Result<NewSshKey, AppError> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or("");
    if line.is_empty() {
        return Err(AppError::Invalid("No public key given: paste one line like 'ssh-ed25519 AAAA… you@host'.".into()));
    }
    if line.len() > MAX_LINE {
        return Err(AppError::Invalid(format!("That is not a public key (longer than {MAX_LINE} bytes).")));
    }
    if line.contains("PRIVATE KEY") {
        return Err(AppError::Invalid(
            "That is a private key: give the public one (the .pub file), and keep the private key secret.".into(),
        ));
    }
    let key = PublicKey::from_openssh(line).map_err(|e| {
        AppError::Invalid(format!(
            "That is not an OpenSSH public key ({e}); give a line like 'ssh-ed25519 AAAA… you@host'."
        ))
    })?;
    let algorithm = key.algorithm().as_str().to_string();
    if !ACCEPTED.contains(&algorithm.as_str()) {
        return Err(AppError::Invalid(format!(
            "{algorithm} keys are not accepted; use an Ed25519 or ECDSA key (ssh-keygen -t ed25519)."
        )));
    }
    let comment = sanitize::line(key.comment().as_str_lossy()).chars().take(200).collect::<String>().trim().to_string();
    let mut bare = key.clone();
    bare.set_comment("");
    let public_key = bare.to_openssh().map_err(|e| AppError::Invalid(format!("Cannot encode the key: {e}")))?;
    Ok(NewSshKey { fingerprint: fingerprint(&key), algorithm, public_key: public_key.trim().to_string(), comment })
}

/// Whose keys a request is about: the actor's own, or (by username) another account's,
/// which takes `user:update` to change and `user:read` to list.
async fn target(
    svc: &Services,
    actor: &Actor,
    username: Option<&str>,
    action: Action,
    what: &str,
) -> Result<(Uuid, String), AppError> {
    let name = match username {
        Some(n) => user::normalize_username(n)?,
        None => return Ok((actor.user_id, actor.username.clone())),
    };
    if name == actor.username && !actor.is_system() {
        return Ok((actor.user_id, name));
    }
    authorize(svc, actor, Resource::User, action, what).await?;
    Ok((svc.store.user_id_by_name(&name).await?, name))
}

pub async fn add(svc: &Services, actor: &Actor, username: Option<&str>, text: &str) -> Result<SshKey, AppError> {
    let (user, name) = target(svc, actor, username, Action::Update, "add_ssh_key").await?;
    let key = parse(text)?;
    let entry = Entry::by(actor, &svc.source, "add_ssh_key", "ssh_key").message(format!("for {name}"));
    let by = (!actor.is_system()).then_some(actor.user_id);
    Ok(svc.store.add_ssh_key(user, &key, by, entry).await?)
}

pub async fn list(svc: &Services, actor: &Actor, username: Option<&str>) -> Result<Vec<SshKey>, AppError> {
    let (user, _) = target(svc, actor, username, Action::Read, "list_ssh_keys").await?;
    Ok(svc.store.ssh_keys_of(actor, user).await?)
}

pub async fn remove(svc: &Services, actor: &Actor, username: Option<&str>, which: &str) -> Result<SshKey, AppError> {
    let (user, name) = target(svc, actor, username, Action::Update, "remove_ssh_key").await?;
    let entry = Entry::by(actor, &svc.source, "remove_ssh_key", "ssh_key").message(format!("from {name}"));
    Ok(svc.store.remove_ssh_key(user, which, entry).await?)
}

/// Whether `username` has this key (asked before the client proves it holds the key, so
/// a client learns nothing it could not learn by trying to sign in).
pub async fn offered(svc: &Services, username: &str, key: &PublicKey) -> Result<bool, AppError> {
    let Ok(name) = user::normalize_username(username) else { return Ok(false) };
    let owner = svc.store.ssh_key_owner(&fingerprint(key)).await?;
    Ok(owner.is_some_and(|(_, u)| u.username == name))
}

/// Sign in with a key the client proved it holds. An unknown key, another account's key and
/// a locked account are refused alike to the client, and each refusal is audited.
pub async fn sign_in(svc: &Services, username: &str, key: &PublicKey) -> Result<Session, AppError> {
    let refused = || AppError::Auth("This key does not sign in to that account.".into());
    let shown = sanitize::line(username).chars().take(64).collect::<String>();
    let print = fingerprint(key);
    let attempt = |name: &str| Entry::anonymous(name, &svc.source, "sign_in", "user");
    let owner = svc.store.ssh_key_owner(&print).await?;
    let name = user::normalize_username(username).unwrap_or_default();
    let Some((key, user)) = owner.filter(|(_, u)| u.username == name) else {
        svc.store.audit(attempt(&shown).outcome(Outcome::Failure).message(format!("unknown SSH key {print}"))).await?;
        return Err(refused());
    };
    if user.status != UserStatus::Active {
        let entry = attempt(&user.username).entity(user.id).outcome(Outcome::Denied);
        svc.store.audit(entry.message(format!("account {} (SSH key {print})", user.status.as_str()))).await?;
        return Err(AppError::Auth(format!("This account is {}.", user.status.as_str())));
    }
    let actor = svc.store.load_actor(user.id).await?;
    let entry = Entry::by(&actor, &svc.source, "sign_in", "user").message(format!("SSH key {print}"));
    svc.store.record_key_sign_in(key.id, user.id, entry).await?;
    Ok(Session { actor, user })
}
