//! sqlx repositories over SQLite or PostgreSQL. One code path serves both backends: each
//! repository function is written once and expanded for each pool by [`on_pool!`]; the SQL
//! uses only what both dialects accept (`$n` parameters, `ON CONFLICT`, `RETURNING`).
//! See docs/adr/0001-one-store-two-backends.md.

pub mod audit;
pub mod bookings;
pub mod classes;
mod connect;
mod error;
pub mod invitations;
pub mod notifications;
pub mod pve;
pub mod rbac;
pub mod revisions;
mod schema;
pub mod seed;
pub mod settings;
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
