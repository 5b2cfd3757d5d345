use super::tx::{BeginWrite, TxExt};
use super::users::NewUser;
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::invitation::InvitationState;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::user::User;
use crate::domain::{Role, time};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: Uuid,
    pub email: Option<String>,
    pub handle: Option<String>,
    pub role: Role,
    pub invited_by: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub state: InvitationState,
}

#[derive(Debug, Clone)]
pub struct NewInvitation {
    pub email: Option<String>,
    pub handle: Option<String>,
    pub role: Role,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub invited_by: Uuid,
}

type InvitationRow = (
    Uuid,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    DateTime<Utc>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

impl Store {
    pub async fn create_invitation(&self, new: &NewInvitation, audit: Entry) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO invitations (id, email, handle, role, invited_by, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(&new.email)
            .bind(&new.handle)
            .bind(new.role.as_str())
            .bind(new.invited_by)
            .bind(&new.token_hash)
            .bind(new.expires_at)
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
            let to = new.email.clone().or(new.handle.clone()).unwrap_or_default();
            tx.audit(&audit.entity(id).details(serde_json::json!({"to": to, "role": new.role, "expires_at": new.expires_at}))).await?;
            tx.bump("invitations").await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn list_invitations(&self, actor: &Actor) -> Result<Vec<Invitation>, StoreError> {
        actor.require(Resource::Invitation, Action::Read)?;
        let now = time::now();
        let rows: Vec<InvitationRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT i.id, i.email, i.handle, i.role, u.username, i.expires_at, i.created_at, i.accepted_at, i.revoked_at \
             FROM invitations i LEFT JOIN users u ON u.id = i.invited_by ORDER BY i.created_at DESC",
        ).fetch_all(p).await?);
        rows.into_iter()
            .map(|(id, email, handle, role, invited_by, expires_at, created_at, accepted_at, revoked_at)| {
                Ok(Invitation {
                    id,
                    email,
                    handle,
                    role: role.parse().map_err(|_| StoreError::Corrupt(format!("invitation role '{role}'")))?,
                    invited_by,
                    expires_at,
                    created_at,
                    state: InvitationState::of(expires_at, accepted_at.is_some(), revoked_at.is_some(), now),
                })
            })
            .collect()
    }

    pub async fn revoke_invitation(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query("UPDATE invitations SET revoked_at = $2 WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL")
                .bind(id)
                .bind(time::now())
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("pending invitation".into()));
            }
            tx.audit(&audit.entity(id)).await?;
            tx.bump("invitations").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Accept an invitation: claim the token and create the account in one transaction, so
    /// a token is used at most once and a failed account creation leaves it unused.
    pub async fn accept_invitation(
        &self,
        token_hash: &str,
        make_user: impl FnOnce(Role) -> NewUser,
        audit: Entry,
    ) -> Result<User, StoreError> {
        let now = time::now();
        let user_id = Uuid::now_v7();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<(Uuid, String)> = sqlx::query_as(
                "UPDATE invitations SET accepted_at = $2, accepted_user_id = NULL \
                 WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2 RETURNING id, role",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            let Some((invitation_id, role)) = row else {
                return Err(StoreError::NotFound("a valid invitation for that code (it may be used, revoked or expired)".into()));
            };
            let role: Role = role.parse().map_err(|_| StoreError::Corrupt(format!("invitation role '{role}'")))?;
            let new = make_user(role);
            sqlx::query(
                "INSERT INTO users (id, username, email, display_name, password_hash, role, status, must_change_password, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'active', false, $7, $7)",
            )
            .bind(user_id)
            .bind(&new.username)
            .bind(&new.email)
            .bind(&new.display_name)
            .bind(&new.password_hash)
            .bind(role.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query("UPDATE invitations SET accepted_user_id = $2 WHERE id = $1").bind(invitation_id).bind(user_id).execute(&mut *tx).await?;
            tx.audit(&audit.entity(invitation_id).details(serde_json::json!({"username": new.username, "role": role}))).await?;
            tx.bump("invitations").await?;
            tx.bump("users").await?;
            tx.commit().await?;
        });
        self.user_by_id(user_id).await?.ok_or_else(|| StoreError::NotFound("user".into()))
    }
}
