//! Test support: a fresh, migrated store on either backend. PostgreSQL tests each get their
//! own schema in the database named by `LABDECK_TEST_POSTGRES_URL`.

use super::{ConnectOptions, Store, StoreError};

pub const POSTGRES_URL_VAR: &str = "LABDECK_TEST_POSTGRES_URL";

/// Tests seal secrets with [`super::secrets::TEST_KEY_HEX`] (and pass it to the binaries
/// they start, in `LABDECK_SECRET_KEY`), never with a key file of the account running them.
pub fn use_test_key() {
    super::secrets::install(super::secrets::Keyring::from_hex(super::secrets::TEST_KEY_HEX).expect("a valid key"));
}

/// A migrated in-file SQLite store in a fresh temporary directory (kept alive by the guard).
pub async fn sqlite() -> Result<(Store, TempDir), StoreError> {
    use_test_key();
    let dir = TempDir::new();
    let url = format!("sqlite://{}/test.db", dir.path.display());
    let store = Store::connect(&ConnectOptions::new(url)).await?;
    store.migrate().await?;
    store.sync_permissions().await?;
    Ok((store, dir))
}

/// A migrated PostgreSQL store in a brand-new schema, or `None` when no test database is
/// configured. CI always sets the variable, so there the PostgreSQL half always runs.
pub async fn postgres() -> Result<Option<Store>, StoreError> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        return Ok(None);
    };
    use_test_key();
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = Store::connect(&ConnectOptions { max_connections: 1, ..ConnectOptions::new(url.clone()) }).await?;
    if let Store::Postgres(p) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(p).await?;
    }
    admin.close().await;
    let store =
        Store::connect(&ConnectOptions { search_path: Some(schema), max_connections: 8, ..ConnectOptions::new(url) })
            .await?;
    store.migrate().await?;
    store.sync_permissions().await?;
    Ok(Some(store))
}

/// A directory removed when dropped.
pub struct TempDir {
    pub path: std::path::PathBuf,
}

impl TempDir {
    pub fn new() -> TempDir {
        let path = std::env::temp_dir().join(format!("labdeck-test-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&path).expect("temp dir is writable");
        TempDir { path }
    }
}

impl Default for TempDir {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}
