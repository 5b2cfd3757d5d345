use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::user::{User, UserStatus};
use crate::domain::{Role, time};
use chrono::{DateTime, Utc};
use uuid::Uuid;

macro_rules! select_users {
    // The hash is read only for sign-in; every other read gets '' in its place.
    ($hash:literal, $tail:literal) => {
        concat!(
            "SELECT id, username, email, display_name, role, status, tenant_id, time_zone, must_change_password, last_login_at, created_at, ",
            $hash,
            " AS password_hash FROM users ",
            $tail
        )
    };
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    username: String,
    email: Option<String>,
    display_name: String,
    role: String,
    status: String,
    tenant_id: Option<Uuid>,
    time_zone: String,
    must_change_password: bool,
    last_login_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
    password_hash: String,
}

impl TryFrom<UserRow> for User {
    type Error = StoreError;
    fn try_from(r: UserRow) -> Result<User, StoreError> {
        Ok(User {
            role: r.role.parse().map_err(|e: crate::domain::role::UnknownRole| StoreError::Corrupt(e.to_string()))?,
            status: UserStatus::parse(&r.status)
                .ok_or_else(|| StoreError::Corrupt(format!("user status '{}'", r.status)))?,
            id: r.id,
            username: r.username,
            email: r.email,
            display_name: r.display_name,
            tenant_id: r.tenant_id,
            time_zone: r.time_zone,
            must_change_password: r.must_change_password,
            last_login_at: r.last_login_at,
            created_at: r.created_at,
        })
    }
}

/// A validated new account, with its password already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub must_change_password: bool,
    pub tenant_id: Option<Uuid>,
}

impl Store {
    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(p).await?))
    }

    /// Create a user. With `only_if_empty`, fails unless this is the very first account (the
    /// check and the insert share one locked transaction, so two first-run screens cannot
    /// both create an admin).
    pub async fn create_user(&self, new: &NewUser, only_if_empty: bool, audit: Entry) -> Result<User, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            if only_if_empty {
                if let Store::Postgres(_) = self {
                    sqlx::query("LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE").execute(&mut *tx).await?;
                }
                let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&mut *tx).await?;
                if n > 0 {
                    return Err(StoreError::Conflict("an administrator already exists; sign in instead".into()));
                }
            }
            sqlx::query(
                "INSERT INTO users (id, username, email, display_name, password_hash, role, status, tenant_id, must_change_password, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $8, $9, $9)",
            )
            .bind(id)
            .bind(&new.username)
            .bind(&new.email)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(new.role.as_str())
            .bind(new.tenant_id)
            .bind(new.must_change_password)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            tx.audit(&audit.entity(id).details(serde_json::json!({"username": new.username, "role": new.role}))).await?;
            tx.bump("users").await?;
            tx.commit().await?;
        });
        self.user_by_id(id).await?.ok_or_else(|| StoreError::NotFound("user".into()))
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        let row: Option<UserRow> =
            on_pool!(self, p => sqlx::query_as(select_users!("''", "WHERE id = $1")).bind(id).fetch_optional(p).await?);
        row.map(User::try_from).transpose()
    }

    /// The account and its password hash, for sign-in only (never leaves the auth service).
    /// A user's id by username (collaborators, owners and students are typed by name).
    pub async fn user_id_by_name(&self, name: &str) -> Result<Uuid, StoreError> {
        let id: Option<Uuid> = on_pool!(self, p => sqlx::query_scalar("SELECT id FROM users WHERE username = $1")
            .bind(name).fetch_optional(p).await?);
        id.ok_or_else(|| StoreError::NotFound(format!("user {name}")))
    }

    pub async fn credentials(&self, username: &str) -> Result<Option<(User, String)>, StoreError> {
        let row: Option<UserRow> = on_pool!(self, p => {
            sqlx::query_as(select_users!("password_hash", "WHERE username = $1")).bind(username).fetch_optional(p).await?
        });
        row.map(|mut r| {
            let hash = std::mem::take(&mut r.password_hash);
            Ok((User::try_from(r)?, hash))
        })
        .transpose()
    }

    /// Every user, for those allowed to read users (checked here again, where data is read).
    pub async fn list_users(&self, actor: &Actor) -> Result<Vec<User>, StoreError> {
        actor.require(Resource::User, Action::Read)?;
        let rows: Vec<UserRow> =
            on_pool!(self, p => sqlx::query_as(select_users!("''", "ORDER BY username")).fetch_all(p).await?);
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn set_user_role(&self, id: Uuid, role: Role, audit: Entry) -> Result<(), StoreError> {
        self.update_user(id, "UPDATE users SET role = $2, updated_at = $3 WHERE id = $1", role.as_str(), audit).await
    }

    pub async fn set_user_status(&self, id: Uuid, status: UserStatus, audit: Entry) -> Result<(), StoreError> {
        self.update_user(id, "UPDATE users SET status = $2, updated_at = $3 WHERE id = $1", status.as_str(), audit)
            .await
    }

    pub async fn set_password_hash(
        &self,
        id: Uuid,
        hash: &str,
        must_change: bool,
        audit: Entry,
    ) -> Result<(), StoreError> {
        let sql = if must_change {
            "UPDATE users SET password_hash = $2, must_change_password = true, updated_at = $3 WHERE id = $1"
        } else {
            "UPDATE users SET password_hash = $2, must_change_password = false, updated_at = $3 WHERE id = $1"
        };
        self.update_user(id, sql, hash, audit).await
    }

    async fn update_user(&self, id: Uuid, sql: &'static str, value: &str, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query(sql).bind(id).bind(value).bind(time::now()).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("user".into()));
            }
            tx.audit(&audit.entity(id)).await?;
            tx.bump("users").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Record a successful sign-in: last login time, and the audit entry.
    pub async fn record_sign_in(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE users SET last_login_at = $2 WHERE id = $1").bind(id).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id)).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
