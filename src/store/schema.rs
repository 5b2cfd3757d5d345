//! Migrations: applied at start, refused when the database is newer than this build.

use super::{Store, StoreError, on_pool};
use sqlx::migrate::{MigrateError, Migrator};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

#[derive(Debug, Clone)]
pub struct SchemaReport {
    pub backend: &'static str,
    pub migrations: Vec<MigrationStatus>,
    /// Versions in the database this build does not know (a newer labdeck wrote them).
    pub unknown: Vec<i64>,
}

impl Store {
    fn migrator(&self) -> &'static Migrator {
        match self {
            Store::Sqlite(_) => &SQLITE,
            Store::Postgres(_) => &POSTGRES,
        }
    }

    /// Apply pending migrations. Each migration runs in its own transaction.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        let report = self.schema_status().await?;
        let known = self.migrator().iter().map(|m| m.version).max().unwrap_or(0);
        if let Some(&found) = report.unknown.iter().max() {
            return Err(StoreError::SchemaTooNew { found, known });
        }
        if let Store::Postgres(p) = self {
            // Exclusion constraints on bookings need btree_gist; install it once, in public,
            // before any migration (concurrent installers may race: the loser finds it there).
            let sql = "CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public";
            if sqlx::query(sql).execute(p).await.is_err() {
                sqlx::query(sql).execute(p).await?;
            }
        }
        let result = on_pool!(self, p => self.migrator().run(p).await);
        result.map_err(|e| match e {
            MigrateError::VersionMissing(found) => StoreError::SchemaTooNew { found, known },
            other => StoreError::Migrate(other.to_string()),
        })
    }

    pub async fn schema_status(&self) -> Result<SchemaReport, StoreError> {
        let applied: Vec<(i64, bool)> = on_pool!(self, p => {
            let exists: bool = match self {
                Store::Sqlite(_) => sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                ).fetch_one(p).await? > 0,
                Store::Postgres(_) => sqlx::query_scalar::<_, i64>(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = '_sqlx_migrations' AND table_schema = current_schema()",
                ).fetch_one(p).await? > 0,
            };
            if exists {
                sqlx::query_as("SELECT version, success FROM _sqlx_migrations ORDER BY version").fetch_all(p).await?
            } else {
                Vec::new()
            }
        });
        let migrator = self.migrator();
        let migrations = migrator
            .iter()
            .map(|m| MigrationStatus {
                version: m.version,
                description: m.description.to_string(),
                applied: applied.iter().any(|(v, ok)| *v == m.version && *ok),
            })
            .collect();
        let unknown = applied.iter().map(|(v, _)| *v).filter(|v| !migrator.version_exists(*v)).collect();
        Ok(SchemaReport { backend: self.backend().as_str(), migrations, unknown })
    }
}
