use super::tx::BeginWrite;
use super::{Store, StoreError, on_pool};
use crate::domain::throttle::{self, State};
use chrono::{DateTime, Utc};

impl Store {
    pub async fn throttle_state(&self, key: &str) -> Result<Option<State>, StoreError> {
        let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT failures, first_failure, blocked_until FROM login_throttle WHERE key = $1",
        ).bind(key).fetch_optional(p).await?);
        Ok(row.map(|(failures, first_failure, blocked_until)| State { failures, first_failure, blocked_until }))
    }

    /// Count one more failure for `key` (read and write in one locked transaction).
    pub async fn record_failure(&self, key: &str, now: DateTime<Utc>) -> Result<State, StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<(i64, DateTime<Utc>, Option<DateTime<Utc>>)> = sqlx::query_as(match self {
                Store::Postgres(_) => "SELECT failures, first_failure, blocked_until FROM login_throttle WHERE key = $1 FOR UPDATE",
                Store::Sqlite(_) => "SELECT failures, first_failure, blocked_until FROM login_throttle WHERE key = $1",
            })
            .bind(key)
            .fetch_optional(&mut *tx)
            .await?;
            let prev = row.map(|(failures, first_failure, blocked_until)| State { failures, first_failure, blocked_until });
            let next = throttle::after_failure(key, prev.as_ref(), now);
            sqlx::query(
                "INSERT INTO login_throttle (key, failures, first_failure, blocked_until) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, first_failure = excluded.first_failure, blocked_until = excluded.blocked_until",
            )
            .bind(key)
            .bind(next.failures)
            .bind(next.first_failure)
            .bind(next.blocked_until)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(next)
        })
    }

    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(p).await?;
        });
        Ok(())
    }
}
