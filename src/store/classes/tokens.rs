//! Join codes of a class. Only a keyed tag is stored (no hint, no prefix of the code); the
//! code itself goes back to the teacher once and never into a log or the audit trail.
//! (`token_hint` is kept empty: the column predates the tags.)

use crate::domain::audit::Entry;
use crate::domain::classes::token::{self, TokenState};
use crate::domain::time;
use crate::store::secrets;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct TokenInfo {
    pub id: Uuid,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub state: TokenState,
    pub uses: i64,
}

type TokenRow = (Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>, DateTime<Utc>, i64);

impl Store {
    /// Issue a new code for a class, disabling the ones before it (regenerate = issue again).
    pub async fn issue_join_token(
        &self,
        class_id: Uuid,
        code: &str,
        expires_at: Option<DateTime<Utc>>,
        by: Option<Uuid>,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        let tag = secrets::keyring(true)?.tag(&token::normalize(code));
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let replaced = sqlx::query("UPDATE class_join_tokens SET disabled_at = $2 WHERE class_id = $1 AND disabled_at IS NULL")
                .bind(class_id).bind(now).execute(&mut *tx).await?.rows_affected();
            sqlx::query("INSERT INTO class_join_tokens (id, class_id, token_hash, token_hint, expires_at, created_by, created_at) VALUES ($1, $2, $3, '', $4, $5, $6)")
                .bind(id).bind(class_id).bind(&tag).bind(expires_at).bind(by).bind(now)
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(class_id).details(json!({"token_id": id, "expires_at": expires_at, "replaced": replaced}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    /// Disable every code of a class: nobody can join until a new one is issued.
    pub async fn disable_join_tokens(&self, class_id: Uuid, audit: Entry) -> Result<u64, StoreError> {
        let now = time::now();
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE class_join_tokens SET disabled_at = $2 WHERE class_id = $1 AND disabled_at IS NULL")
                .bind(class_id).bind(now).execute(&mut *tx).await?.rows_affected();
            tx.audit(&audit.entity(class_id).details(json!({"disabled": n}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// A class's codes, newest first, with how many students joined with each.
    pub async fn join_tokens(&self, class_id: Uuid) -> Result<Vec<TokenInfo>, StoreError> {
        let now = time::now();
        let rows: Vec<TokenRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, t.expires_at, t.disabled_at, t.created_at, \
             (SELECT count(*) FROM class_enrollments e WHERE e.token_id = t.id) \
             FROM class_join_tokens t WHERE t.class_id = $1 ORDER BY t.created_at DESC",
        ).bind(class_id).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, expires_at, disabled_at, created_at, uses)| TokenInfo {
                id,
                expires_at,
                created_at,
                state: TokenState::of(expires_at, disabled_at.is_some(), now),
                uses,
            })
            .collect())
    }
}
