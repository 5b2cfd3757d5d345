use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AuditRecord {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub actor_role: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub outcome: String,
    pub message: Option<String>,
    /// Whole ids, names and old → new values of the change (JSON), for the entry's detail.
    pub details: Option<sqlx::types::Json<serde_json::Value>>,
    pub source: String,
}

/// Filter for the audit view: free text matched against actor, action, entity and message.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub text: String,
    pub outcome: Option<String>,
    pub limit: i64,
}

impl Store {
    /// Write an audit entry on its own (for events with no other state change, such as a
    /// failed sign-in or a refused action).
    pub async fn audit(&self, entry: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            tx.audit(&entry).await?;
            tx.bump("audit").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Newest first. Reading the audit log is itself a permission.
    pub async fn query_audit(&self, actor: &Actor, q: &AuditQuery) -> Result<Vec<AuditRecord>, StoreError> {
        actor.require(Resource::Audit, Action::Read)?;
        let pattern = format!("%{}%", q.text.trim().to_lowercase());
        let limit = if q.limit <= 0 { 500 } else { q.limit.min(10_000) };
        let rows = on_pool!(self, p => sqlx::query_as(
            "SELECT id, at, actor_name, actor_role, action, entity_type, entity_id, outcome, message, details, source FROM audit_log \
             WHERE (lower(actor_name) LIKE $1 OR lower(action) LIKE $1 OR lower(entity_type) LIKE $1 \
                    OR lower(coalesce(entity_id, '')) LIKE $1 OR lower(coalesce(message, '')) LIKE $1) \
               AND ($2 IS NULL OR outcome = $2) \
             ORDER BY at DESC, id DESC LIMIT $3",
        ).bind(pattern).bind(q.outcome.as_deref()).bind(limit).fetch_all(p).await?);
        Ok(rows)
    }
}
