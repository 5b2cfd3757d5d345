use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::types::Json;

#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    pub key: String,
    pub value: Value,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<String>,
}

type SettingRow = (String, Json<Value>, DateTime<Utc>, Option<String>);

impl Store {
    pub async fn list_settings(&self, actor: &Actor) -> Result<Vec<Setting>, StoreError> {
        actor.require(Resource::Setting, Action::Read)?;
        let rows: Vec<SettingRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT s.key, s.value, s.updated_at, u.username FROM settings s LEFT JOIN users u ON u.id = s.updated_by ORDER BY s.key",
        ).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(key, value, updated_at, updated_by)| Setting { key, value: value.0, updated_at, updated_by })
            .collect())
    }

    /// A setting's value without an actor: settings steer the program itself.
    pub async fn setting(&self, key: &str) -> Result<Option<Value>, StoreError> {
        let row: Option<(Json<Value>,)> = on_pool!(self, p => sqlx::query_as("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(p).await?);
        Ok(row.map(|r| r.0.0))
    }

    pub async fn put_setting(
        &self,
        key: &str,
        value: &Value,
        by: Option<uuid::Uuid>,
        audit: Entry,
    ) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            // The audit entry says what it was (the built-in default when never set) and what
            // it became.
            let before: Option<Json<Value>> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
            let before = before.map(|v| v.0).or_else(|| crate::domain::settings::known(key).map(|k| (k.default)())).unwrap_or(Value::Null);
            sqlx::query(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            )
            .bind(key)
            .bind(Json(value))
            .bind(time::now())
            .bind(by)
            .execute(&mut *tx)
            .await?;
            tx.audit(&audit.entity(key).details(serde_json::json!({ "value": value })).change(before, value.clone())).await?;
            tx.bump("settings").await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
