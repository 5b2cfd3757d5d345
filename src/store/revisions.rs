use super::{Store, StoreError, on_pool};
use std::collections::BTreeMap;

impl Store {
    /// Every domain's revision counter: one cheap query tells a console what changed.
    pub async fn revisions(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        let rows: Vec<(String, i64)> =
            on_pool!(self, p => sqlx::query_as("SELECT domain, rev FROM revisions").fetch_all(p).await?);
        Ok(rows.into_iter().collect())
    }
}
