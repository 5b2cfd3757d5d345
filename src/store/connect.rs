use super::{Store, StoreError};
use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: String,
    /// PostgreSQL only: run in this schema (tests isolate themselves this way).
    pub search_path: Option<String>,
    pub max_connections: u32,
}

impl ConnectOptions {
    pub fn new(url: impl Into<String>) -> Self {
        ConnectOptions { url: url.into(), search_path: None, max_connections: 8 }
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db` for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..scheme_end + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

impl Store {
    pub async fn connect(opts: &ConnectOptions) -> Result<Store, StoreError> {
        let url = opts.url.trim();
        let unavailable = |reason: String| StoreError::Unavailable { target: redact_url(url), reason };
        if url.starts_with("sqlite:") {
            let so = SqliteConnectOptions::from_str(url)
                .map_err(|e| unavailable(e.to_string()))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true)
                // 256 KiB of page cache per connection (SQLite's default is 2 MiB): reads here
                // are scans the OS page cache serves as well, and a console keeps up to four
                // connections — at 2 MiB each that was a fifth of its memory budget.
                .pragma("cache_size", "-256");
            let path = so.get_filename().to_path_buf();
            if path.as_os_str() != ":memory:" && !path.as_os_str().is_empty() {
                prepare_dir(&path).map_err(unavailable)?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.clamp(1, 4))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(so)
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            Ok(Store::Sqlite(pool))
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let mut po = PgConnectOptions::from_str(url).map_err(|e| unavailable(e.to_string()))?;
            if let Some(schema) = &opts.search_path {
                po = po.options([("search_path", format!("{schema},public"))]);
            }
            // One direct connection first: a pool only says "timed out", this says why.
            match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect_with(&po)).await {
                Ok(Ok(conn)) => drop(conn),
                Ok(Err(e)) => return Err(unavailable(e.to_string())),
                Err(_) => return Err(unavailable("no answer within 5 s".into())),
            }
            let pool = PgPoolOptions::new()
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(po)
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            Ok(Store::Postgres(pool))
        } else {
            Err(unavailable("the URL must start with sqlite: or postgres://".into()))
        }
    }
}

/// Create the database's directory, and say plainly when it cannot be written.
fn prepare_dir(db: &Path) -> Result<(), String> {
    let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create directory {}: {e}", dir.display()))?;
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if meta.permissions().readonly() {
        return Err(format!("directory {} is read-only", dir.display()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(super::redact_url("postgres://bob:s3cret@db:5432/x"), "postgres://bob:***@db:5432/x");
        assert_eq!(super::redact_url("postgres://bob@db/x"), "postgres://bob@db/x");
        assert_eq!(super::redact_url("sqlite:///tmp/a.db"), "sqlite:///tmp/a.db");
    }
}
