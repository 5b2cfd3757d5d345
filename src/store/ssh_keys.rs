//! SSH public keys that sign a person in to `labdeck serve --ssh` as their account.
//! Reads are scoped: a user sees their own keys; seeing anyone else's takes `user:read`.

use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::domain::user::User;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The revision domain key changes bump.
pub const DOMAIN: &str = "ssh_keys";

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SshKey {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub algorithm: String,
    pub comment: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// A parsed and checked key, ready to store (the engine parses; the store only keeps it).
#[derive(Debug, Clone)]
pub struct NewSshKey {
    pub fingerprint: String,
    pub algorithm: String,
    /// `algorithm base64`, without the comment.
    pub public_key: String,
    pub comment: String,
}

macro_rules! select_keys {
    ($tail:literal) => {
        concat!("SELECT id, user_id, fingerprint, algorithm, comment, created_at, last_used_at FROM ssh_keys ", $tail)
    };
}

impl Store {
    /// Add a key to `user`'s account. A key already on any account is refused: a key names
    /// one person.
    pub async fn add_ssh_key(
        &self,
        user: Uuid,
        key: &NewSshKey,
        by: Option<Uuid>,
        audit: Entry,
    ) -> Result<SshKey, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let taken: Option<Uuid> = sqlx::query_scalar("SELECT id FROM ssh_keys WHERE fingerprint = $1")
                .bind(&key.fingerprint).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                return Err(StoreError::Conflict(format!("the key {} is already registered", key.fingerprint)));
            }
            sqlx::query(
                "INSERT INTO ssh_keys (id, user_id, fingerprint, algorithm, public_key, comment, added_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id).bind(user).bind(&key.fingerprint).bind(&key.algorithm).bind(&key.public_key)
            .bind(&key.comment).bind(by).bind(now)
            .execute(&mut *tx).await?;
            let details = serde_json::json!({"user_id": user, "fingerprint": key.fingerprint, "algorithm": key.algorithm, "comment": key.comment});
            tx.audit(&audit.entity(id).details(details)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(SshKey {
            id,
            user_id: user,
            fingerprint: key.fingerprint.clone(),
            algorithm: key.algorithm.clone(),
            comment: key.comment.clone(),
            created_at: now,
            last_used_at: None,
        })
    }

    /// `user`'s keys, oldest first: their own, or anyone's for those who may read users.
    pub async fn ssh_keys_of(&self, actor: &Actor, user: Uuid) -> Result<Vec<SshKey>, StoreError> {
        if actor.user_id != user {
            actor.require(Resource::User, Action::Read)?;
        }
        Ok(
            on_pool!(self, p => sqlx::query_as(select_keys!("WHERE user_id = $1 ORDER BY created_at, id")).bind(user).fetch_all(p).await?),
        )
    }

    /// Remove one of `user`'s keys by its fingerprint (or a unique prefix of its id).
    pub async fn remove_ssh_key(&self, user: Uuid, which: &str, audit: Entry) -> Result<SshKey, StoreError> {
        let which = which.trim();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let keys: Vec<SshKey> = sqlx::query_as(select_keys!("WHERE user_id = $1 ORDER BY created_at, id"))
                .bind(user).fetch_all(&mut *tx).await?;
            let found: Vec<&SshKey> = keys
                .iter()
                .filter(|k| k.fingerprint == which || (which.len() >= 8 && k.id.to_string().starts_with(which)))
                .collect();
            let key = match found.as_slice() {
                [one] => (*one).clone(),
                [] => return Err(StoreError::NotFound(format!("SSH key {which}"))),
                _ => return Err(StoreError::Conflict(format!("'{which}' names more than one key; give the fingerprint"))),
            };
            sqlx::query("DELETE FROM ssh_keys WHERE id = $1").bind(key.id).execute(&mut *tx).await?;
            let details = serde_json::json!({"user_id": user, "fingerprint": key.fingerprint, "comment": key.comment});
            tx.audit(&audit.entity(key.id).details(details)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
            Ok(key)
        })
    }

    /// The account a key signs in to, for the SSH server's authentication only.
    pub async fn ssh_key_owner(&self, fingerprint: &str) -> Result<Option<(SshKey, User)>, StoreError> {
        let key: Option<SshKey> = on_pool!(self, p => sqlx::query_as(select_keys!("WHERE fingerprint = $1"))
            .bind(fingerprint).fetch_optional(p).await?);
        let Some(key) = key else { return Ok(None) };
        Ok(self.user_by_id(key.user_id).await?.map(|u| (key, u)))
    }

    /// A sign-in by key: the key's last use, the user's last login and the audit entry, at once.
    pub async fn record_key_sign_in(&self, key: Uuid, user: Uuid, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE ssh_keys SET last_used_at = $2 WHERE id = $1").bind(key).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1").bind(user).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(user)).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
