//! sqlx repositories over SQLite or PostgreSQL. One code path serves both backends: each
//! repository function is written once and expanded for each pool by [`on_pool!`]; the SQL
//! uses only what both dialects accept (`$n` parameters, `ON CONFLICT`, `RETURNING`).
//! See docs/adr/0001-one-store-two-backends.md.

pub mod audit;
pub mod bookings;
pub mod classes;
mod connect;
mod error;
pub mod infra;
pub mod invitations;
pub mod notifications;
pub mod profiles;
pub mod pve;
mod pve_secrets;
pub mod rbac;
pub mod revisions;
mod schema;
pub mod secrets;
pub mod seed;
pub mod settings;
pub mod ssh_keys;
pub mod support;
pub mod testing;
pub mod throttle;
mod tx;
pub mod users;

pub use connect::{ConnectOptions, redact_url};
pub use error::StoreError;
pub use schema::{MigrationStatus, SchemaReport};
pub use tx::CHANGES_CHANNEL;

use sqlx::{PgPool, SqlitePool};

/// Expand `$body` once per backend with `$p` bound to the concrete pool. Exported for the
/// tests and benchmarks that run raw SQL on either backend.
#[macro_export]
macro_rules! on_pool {
    ($store:expr, $p:ident => $body:expr) => {
        match $store {
            $crate::store::Store::Sqlite($p) => $body,
            $crate::store::Store::Postgres($p) => $body,
        }
    };
}
pub(crate) use crate::on_pool;

/// See [`Store::file_stamp`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp([(u64, Option<std::time::SystemTime>); 2]);

#[derive(Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

impl Store {
    /// Size and modification time of the SQLite database and its write-ahead log: a cheap
    /// sign that some connection, in any process, has written. `None` on PostgreSQL, in
    /// memory, or when the files cannot be read (the caller then queries).
    pub fn file_stamp(&self) -> Option<FileStamp> {
        let Store::Sqlite(pool) = self else { return None };
        let db = pool.connect_options().get_filename().to_path_buf();
        let of = |path: &std::path::Path| std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
        let mut wal = db.clone().into_os_string();
        wal.push("-wal");
        Some(FileStamp([of(&db)?, of(std::path::Path::new(&wal)).unwrap_or((0, None))]))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Store({})", self.backend().as_str())
    }
}
