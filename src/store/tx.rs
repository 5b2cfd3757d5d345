//! Writing transactions. SQLite writers take the lock up front (`BEGIN IMMEDIATE`): a
//! deferred transaction that upgrades to a writer fails at once with SQLITE_BUSY, whatever
//! the busy timeout. Every write records its audit entry and bumps its domain's revision in
//! the same transaction, so a change and its audit land together or not at all.

use crate::domain::audit::Entry;
use crate::domain::time;
use sqlx::types::Json;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};
use uuid::Uuid;

pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(&self) -> impl Future<Output = Result<Transaction<'static, Self::Db>, sqlx::Error>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = Sqlite;
    async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

impl BeginWrite for PgPool {
    type Db = Postgres;
    async fn begin_write(&self) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        self.begin().await
    }
}

/// What every writing transaction can do besides its own statements.
pub(crate) trait TxExt {
    /// Append an audit entry.
    fn audit(&mut self, e: &Entry) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
    /// Bump a domain's revision so open consoles re-query it.
    fn bump(&mut self, domain: &str) -> impl Future<Output = Result<(), sqlx::Error>> + Send;
}

const INSERT_AUDIT: &str = "INSERT INTO audit_log (id, at, actor_id, actor_name, actor_role, action, entity_type, entity_id, outcome, message, details, source, ip_address, user_agent) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
const BUMP: &str =
    "INSERT INTO revisions (domain, rev) VALUES ($1, 1) ON CONFLICT (domain) DO UPDATE SET rev = revisions.rev + 1";
/// PostgreSQL also tells listening consoles at commit (LISTEN/NOTIFY; see engine/push.rs).
const BUMP_AND_NOTIFY: &str = "WITH b AS (INSERT INTO revisions (domain, rev) VALUES ($1, 1) \
     ON CONFLICT (domain) DO UPDATE SET rev = revisions.rev + 1 RETURNING domain) \
     SELECT pg_notify('labdeck_changes', domain) FROM b";
/// The channel PostgreSQL notifies on when a domain's revision moves.
pub const CHANGES_CHANNEL: &str = "labdeck_changes";

macro_rules! impl_tx_ext {
    ($($db:ty => $bump:expr),+) => {$(
        impl TxExt for Transaction<'static, $db> {
            async fn audit(&mut self, e: &Entry) -> Result<(), sqlx::Error> {
                let user_agent = match &e.source {
                    crate::domain::audit::Source::Http { user_agent, .. } => user_agent.clone(),
                    // The column says what the client is; for SSH, the key it signed in with.
                    crate::domain::audit::Source::Ssh { key_fingerprint, .. } => key_fingerprint.as_ref().map(|f| format!("key {f}")),
                    _ => None,
                };
                sqlx::query(INSERT_AUDIT)
                    .bind(Uuid::now_v7())
                    .bind(time::now())
                    .bind(e.actor_id)
                    .bind(&e.actor_name)
                    .bind(&e.actor_role)
                    .bind(&e.action)
                    .bind(&e.entity_type)
                    .bind(&e.entity_id)
                    .bind(e.outcome.as_str())
                    .bind(&e.message)
                    .bind(e.details.as_ref().map(Json))
                    .bind(e.source.label())
                    .bind(e.source.addr())
                    .bind(user_agent)
                    .execute(&mut **self)
                    .await?;
                Ok(())
            }
            async fn bump(&mut self, domain: &str) -> Result<(), sqlx::Error> {
                sqlx::query($bump).bind(domain).execute(&mut **self).await?;
                Ok(())
            }
        }
    )+};
}
impl_tx_ext!(Sqlite => BUMP, Postgres => BUMP_AND_NOTIFY);
