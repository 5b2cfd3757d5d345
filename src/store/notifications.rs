use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::rbac::Actor;
use crate::domain::time;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Inside a write transaction: notify `user` of a change made in that same transaction
/// (the change and its notification land together or not at all). The caller bumps the
/// "notifications" revision. Title and body come from `domain::notice` (sanitised there).
macro_rules! insert_notification {
    ($tx:expr, $user:expr, $kind:expr, $title:expr, $body:expr, $entity_type:expr, $entity_id:expr, $now:expr) => {
        async {
            sqlx::query(
                "INSERT INTO notifications (id, user_id, title, body, kind, entity_type, entity_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(uuid::Uuid::now_v7())
            .bind($user)
            .bind($title)
            .bind($body)
            .bind($kind)
            .bind($entity_type)
            .bind($entity_id.to_string())
            .bind($now)
            .execute(&mut *$tx)
            .await
            .map(|_| ())
        }
    };
}
pub(crate) use insert_notification;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Notification {
    pub id: Uuid,
    pub title: String,
    pub body: Option<String>,
    pub kind: String,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    /// Notify a user. Callers sanitise title and body (they come from many places).
    pub async fn notify(&self, user_id: Uuid, kind: &str, title: &str, body: Option<&str>) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO notifications (id, user_id, title, body, kind, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(user_id)
                .bind(title)
                .bind(body)
                .bind(kind)
                .bind(time::now())
                .execute(&mut *tx)
                .await?;
            tx.bump("notifications").await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// A user's own notifications, newest first: everyone may read their own, nobody others'.
    pub async fn my_notifications(&self, actor: &Actor, limit: i64) -> Result<Vec<Notification>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, title, body, kind, read_at, created_at FROM notifications WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2",
        ).bind(actor.user_id).bind(limit).fetch_all(p).await?))
    }

    pub async fn unread_count(&self, actor: &Actor) -> Result<i64, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT count(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
        ).bind(actor.user_id).fetch_one(p).await?))
    }

    /// Mark one (or, with `None`, all) of the actor's notifications read.
    pub async fn mark_read(&self, actor: &Actor, id: Option<Uuid>) -> Result<u64, StoreError> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query(
                "UPDATE notifications SET read_at = $3 WHERE user_id = $1 AND read_at IS NULL AND ($2 IS NULL OR id = $2)",
            )
            .bind(actor.user_id)
            .bind(id)
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
            tx.bump("notifications").await?;
            tx.commit().await?;
            done.rows_affected()
        });
        Ok(n)
    }
}
