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

/// `postgres://user:secret@host/db?password=x` → `postgres://user:***@host/db?password=***`
/// for messages and logs: the password in the user part and every `password`-like query
/// parameter (`password`, `sslpassword`, any case) are hidden.
pub fn redact_url(url: &str) -> String {
    let mut out = url.to_string();
    for secret in secrets_in(url) {
        out = out.replace(&secret, "***");
    }
    out
}

/// Hide the URL's passwords wherever they appear in `text` (a driver's error may echo them).
pub fn redact_in(text: &str, url: &str) -> String {
    let mut out = text.to_string();
    for secret in secrets_in(url) {
        out = out.replace(&secret, "***");
    }
    out
}

/// The password strings a database URL carries, longest first (so a longer one is never left
/// half-hidden by a shorter one it contains).
fn secrets_in(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let (head, query) = url.split_once('?').unwrap_or((url, ""));
    if let (Some(scheme_end), Some(at)) = (head.find("://"), head.rfind('@'))
        && at > scheme_end
        && let Some((_, pass)) = head[scheme_end + 3..at].split_once(':')
        && !pass.is_empty()
    {
        found.push(pass.to_string());
    }
    for pair in query.split('&') {
        if let Some((k, v)) = pair.split_once('=')
            && k.to_ascii_lowercase().contains("password")
            && !v.is_empty()
        {
            found.push(v.to_string());
        }
    }
    // A driver may print the decoded form of a percent-encoded password.
    let decoded: Vec<String> = found.iter().map(|s| percent_decode(s)).filter(|d| !found.contains(d)).collect();
    found.extend(decoded);
    found.sort_by_key(|s| std::cmp::Reverse(s.len()));
    found
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Store {
    pub async fn connect(opts: &ConnectOptions) -> Result<Store, StoreError> {
        let url = opts.url.trim();
        let unavailable =
            |reason: String| StoreError::Unavailable { target: redact_url(url), reason: redact_in(&reason, url) };
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
            if path.as_os_str().is_empty() {
                return Err(unavailable(
                    "the URL names no database file; write sqlite:///path/to/labdeck.db (three slashes for an absolute path)"
                        .into(),
                ));
            }
            if path.as_os_str() != ":memory:" {
                prepare_dir(&path).map_err(unavailable)?;
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(opts.max_connections.clamp(1, 4))
                .acquire_timeout(Duration::from_secs(10))
                .after_release(|conn, _| Box::pin(out_of_transaction(conn)))
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

/// Keep a connection only if no transaction is left open on it. When SQLite ends a
/// transaction by itself (a full disk, an I/O error), sqlx's rollback on drop fails and the
/// connection would go back to the pool still counting a transaction: every later
/// `BEGIN IMMEDIATE` on it then fails ("attempted to call begin_with at non-zero
/// transaction depth"). The ping waits for that queued rollback; a connection still in a
/// transaction after it is closed, and the pool opens a fresh one.
async fn out_of_transaction(conn: &mut sqlx::SqliteConnection) -> Result<bool, sqlx::Error> {
    conn.ping().await?;
    if conn.is_in_transaction() {
        tracing::warn!("discarding a database connection left inside a failed transaction");
        return Ok(false);
    }
    Ok(true)
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
        assert_eq!(
            super::redact_url("postgres://bob@db/x?sslmode=disable&password=hunter2&PGPASSWORD=x2"),
            "postgres://bob@db/x?sslmode=disable&password=***&PGPASSWORD=***"
        );
        assert_eq!(super::redact_url("postgres://bob:p%40ss@db/x"), "postgres://bob:***@db/x");
        assert_eq!(
            super::redact_in(
                "password authentication failed: p@ss and hunter2",
                "postgres://bob:p%40ss@db/x?password=hunter2"
            ),
            "password authentication failed: *** and ***"
        );
    }

    #[tokio::test]
    async fn an_sqlite_url_without_a_file_is_refused_clearly() {
        for url in ["sqlite://", "sqlite:", " sqlite:// "] {
            let e = super::Store::connect(&super::ConnectOptions::new(url)).await.unwrap_err().to_string();
            assert!(e.contains("names no database file"), "{url}: {e}");
        }
    }

    #[tokio::test]
    async fn a_password_in_the_query_never_reaches_the_error() {
        let url = "postgres://nobody@127.0.0.1:1/x?password=s3cr3t-in-query&connect_timeout=1";
        let e = super::Store::connect(&super::ConnectOptions::new(url)).await.unwrap_err().to_string();
        assert!(!e.contains("s3cr3t-in-query"), "{e}");
        assert!(e.contains("password=***"), "{e}");
    }
}
