use crate::domain::Denied;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the database at {target}: {reason}")]
    Unavailable { target: String, reason: String },
    #[error("the database is busy (another writer holds the lock); try again")]
    Busy,
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
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &e {
            if matches!(db.kind(), sqlx::error::ErrorKind::UniqueViolation) {
                return StoreError::Conflict(conflict_message(db.message()));
            }
            if matches!(db.kind(), sqlx::error::ErrorKind::ForeignKeyViolation) {
                return StoreError::Conflict("other records still refer to it; remove or archive those first".into());
            }
            // SQLITE_BUSY (5) and its extended codes; PostgreSQL lock_not_available.
            let code = db.code().unwrap_or_default();
            if code == "5" || code.starts_with("5") && code.len() == 3 || code == "55P03" {
                return StoreError::Busy;
            }
        }
        if let sqlx::Error::PoolTimedOut = e {
            return StoreError::Busy;
        }
        StoreError::Db(e)
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
    #[test]
    fn conflict_messages_name_the_column_on_both_backends() {
        assert_eq!(super::conflict_message("UNIQUE constraint failed: users.username"), "username already exists");
        assert_eq!(
            super::conflict_message("duplicate key value violates unique constraint \"users_username_key\""),
            "username already exists"
        );
    }
}
