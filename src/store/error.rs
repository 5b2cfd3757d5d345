use crate::domain::Denied;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {target}: {reason}")]
    Unavailable { target: String, reason: String },
    #[error("the database is busy (another writer holds the lock); try again")]
    Busy,
    /// The server (PostgreSQL) or the file cannot be reached right now: a network cut, a
    /// restart, a pool that found no working connection in time.
    #[error("the database cannot be reached ({0}); nothing was saved, try again when it is back")]
    Unreachable(String),
    #[error("the disk holding the database is full; nothing was saved: free some space and try again")]
    DiskFull,
    #[error("the database cannot be written ({0}); nothing was saved")]
    WriteFailed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(
        "the database schema is newer than this labdeck (it has migration {found}, this build knows up to {known}); upgrade labdeck"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("migrating the database failed: {0}")]
    Migrate(String),
    /// The key that seals secrets is missing, wrong or unreadable.
    #[error(transparent)]
    SecretKey(#[from] super::secrets::KeyError),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::Database(db) => {
                if matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation) {
                    return StoreError::Conflict(conflict_message(db.message()));
                }
                if matches!(db.kind(), sqlx::error::ErrorKind::ForeignKeyViolation) {
                    return StoreError::Conflict(
                        "other records still refer to it; remove or archive those first".into(),
                    );
                }
                let postgres = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>().is_some();
                classify_code(&db.code().unwrap_or_default(), postgres).unwrap_or(StoreError::Db(e))
            }
            sqlx::Error::Io(io) => {
                if io.raw_os_error() == Some(libc::ENOSPC) {
                    StoreError::DiskFull
                } else {
                    StoreError::Unreachable(format!("connection lost: {}", io.kind()))
                }
            }
            sqlx::Error::Tls(_) => StoreError::Unreachable("the secure connection failed".into()),
            sqlx::Error::PoolTimedOut => {
                StoreError::Unreachable("no connection within the time limit: the server is down or overloaded".into())
            }
            sqlx::Error::PoolClosed => StoreError::Unreachable("the connection pool is closed".into()),
            sqlx::Error::WorkerCrashed => StoreError::Unreachable("the database worker stopped".into()),
            _ => StoreError::Db(e),
        }
    }
}

/// Database error codes that mean something a person can act on. SQLite's are numbers whose
/// low byte is the primary code (extended codes add flags above it); PostgreSQL's are
/// SQLSTATEs.
fn classify_code(code: &str, postgres: bool) -> Option<StoreError> {
    if !postgres && let Ok(n) = code.parse::<i64>() {
        return match n & 0xff {
            // SQLITE_BUSY, SQLITE_LOCKED.
            5 | 6 => Some(StoreError::Busy),
            // SQLITE_FULL.
            13 => Some(StoreError::DiskFull),
            // SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN.
            8 => Some(StoreError::WriteFailed("the file is read-only".into())),
            10 => Some(StoreError::WriteFailed("an I/O error on the database file".into())),
            14 => Some(StoreError::WriteFailed("the database file cannot be opened".into())),
            _ => None,
        };
    }
    match code {
        // lock_not_available, serialization_failure, deadlock_detected.
        "55P03" | "40001" | "40P01" => Some(StoreError::Busy),
        // disk_full, and insufficient_resources in general.
        "53100" => Some(StoreError::DiskFull),
        // admin_shutdown, crash_shutdown, cannot_connect_now.
        "57P01" | "57P02" | "57P03" => Some(StoreError::Unreachable("the server is shutting down or starting".into())),
        // Class 08: connection exceptions.
        c if c.starts_with("08") => Some(StoreError::Unreachable("the connection to the server failed".into())),
        _ => None,
    }
}

/// Turn "UNIQUE constraint failed: users.username" / "duplicate key … "users_username_key""
/// into "username already exists".
fn conflict_message(raw: &str) -> String {
    let column = if let Some(rest) = raw.strip_prefix("UNIQUE constraint failed: ") {
        rest.split(',').next().and_then(|c| c.trim().split('.').nth(1)).unwrap_or("value").to_string()
    } else if let Some(start) = raw.find('"') {
        let name = raw[start + 1..].split('"').next().unwrap_or("");
        name.trim_end_matches("_key").split('_').skip(1).collect::<Vec<_>>().join("_")
    } else {
        "value".into()
    };
    let column = if column.is_empty() { "value".into() } else { column };
    format!("{column} already exists")
}

#[cfg(test)]
mod tests {
    use super::{StoreError, classify_code};

    #[test]
    fn fault_codes_read_as_what_happened() {
        let lite = |c| classify_code(c, false);
        let pg = |c| classify_code(c, true);
        assert!(matches!(lite("5"), Some(StoreError::Busy)));
        assert!(matches!(lite("517"), Some(StoreError::Busy)), "SQLITE_BUSY_SNAPSHOT");
        assert!(matches!(lite("773"), Some(StoreError::Busy)), "SQLITE_BUSY_TIMEOUT");
        assert!(matches!(lite("13"), Some(StoreError::DiskFull)));
        // SQLITE_IOERR_SHORT_READ (522) starts with a 5 but is no lock.
        assert!(matches!(lite("522"), Some(StoreError::WriteFailed(_))));
        // PostgreSQL's all-digit SQLSTATEs are not SQLite numbers.
        assert!(matches!(pg("53100"), Some(StoreError::DiskFull)));
        assert!(matches!(pg("40001"), Some(StoreError::Busy)));
        assert!(matches!(pg("57P01"), Some(StoreError::Unreachable(_))));
        assert!(matches!(pg("08006"), Some(StoreError::Unreachable(_))));
        assert!(pg("23514").is_none());
        assert!(pg("00005").is_none(), "not SQLITE_BUSY");
        let outage = StoreError::from(sqlx::Error::PoolTimedOut).to_string();
        assert!(!outage.contains("busy") && outage.contains("cannot be reached"), "{outage}");
        let refused = StoreError::from(sqlx::Error::Io(std::io::ErrorKind::ConnectionRefused.into())).to_string();
        assert!(refused.contains("cannot be reached"), "{refused}");
        let full = StoreError::from(sqlx::Error::Io(std::io::Error::from_raw_os_error(libc::ENOSPC))).to_string();
        assert!(full.contains("disk") && full.contains("full") && !full.contains("code"), "{full}");
    }

    #[test]
    fn conflict_messages_name_the_column_on_both_backends() {
        assert_eq!(super::conflict_message("UNIQUE constraint failed: users.username"), "username already exists");
        assert_eq!(
            super::conflict_message("duplicate key value violates unique constraint \"users_username_key\""),
            "username already exists"
        );
    }
}
