//! Canned replies: titled bodies with `{variables}` a rep fills in with one key.

use super::CHAT;
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CannedReply {
    pub id: Uuid,
    pub title: String,
    pub body: String,
}

impl Store {
    pub async fn canned_replies(&self, actor: &Actor) -> Result<Vec<CannedReply>, StoreError> {
        actor.require(Resource::VisitorChat, Action::Read)?;
        Ok(
            on_pool!(self, p => sqlx::query_as("SELECT id, title, body FROM canned_replies ORDER BY title").fetch_all(p).await?),
        )
    }

    /// Create or replace (by title) a canned reply; title and body come sanitised.
    pub async fn save_canned(&self, actor: &Actor, title: &str, body: &str, audit: Entry) -> Result<Uuid, StoreError> {
        actor.require(Resource::VisitorChat, Action::Manage)?;
        let now = time::now();
        let id = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let id: Uuid = sqlx::query_scalar("INSERT INTO canned_replies (id, title, body, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5) \
                 ON CONFLICT (title) DO UPDATE SET body = $3, updated_at = $5 RETURNING id")
                .bind(Uuid::now_v7()).bind(title).bind(body).bind((!actor.is_system()).then_some(actor.user_id)).bind(now)
                .fetch_one(&mut *tx).await?;
            tx.audit(&audit.entity(id)).await?;
            tx.bump(CHAT).await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }
}
