//! Sealing the Proxmox token secrets in place: plain text left from before sealing is
//! sealed on first read, and a key rotation re-seals every secret under the new key. Each
//! runs in one transaction, so a value is either the old or the new, never lost.

use super::secrets::{self, Keyring};
use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool};
use crate::domain::audit::{Entry, Source};
use uuid::Uuid;

impl Store {
    /// Seal every token secret still stored in plain text (creating the key if none exists
    /// yet). Returns how many were sealed.
    pub async fn seal_plain_secrets(&self) -> Result<u64, StoreError> {
        let ring = secrets::keyring(true)?;
        let entry = Entry::anonymous("labdeck", &Source::local(), "seal_secrets", "cluster");
        self.reseal(&ring, true, entry).await
    }

    /// Re-seal every token secret under `ring`'s current key (a rotation); the older keys in
    /// `ring` open what they sealed. Returns how many secrets were re-sealed.
    pub async fn reseal_secrets(&self, ring: &Keyring, audit: Entry) -> Result<u64, StoreError> {
        self.reseal(ring, false, audit).await
    }

    /// How many token secrets are sealed under each key id ("plain" for plain text).
    pub async fn secret_key_use(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows: Vec<(String,)> = on_pool!(self, p => sqlx::query_as(
            "SELECT api_token_secret FROM pve_clusters WHERE api_token_secret IS NOT NULL"
        ).fetch_all(p).await?);
        let mut count = std::collections::BTreeMap::<String, i64>::new();
        for (s,) in rows {
            let kid =
                if secrets::is_sealed(&s) { s.split(':').nth(1).unwrap_or("?").to_string() } else { "plain".into() };
            *count.entry(kid).or_default() += 1;
        }
        Ok(count.into_iter().collect())
    }

    /// Open every sealed token secret (writing nothing): how many opened, or why one does not.
    pub async fn open_all_secrets(&self) -> Result<usize, StoreError> {
        let rows: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, api_token_secret FROM pve_clusters WHERE api_token_secret IS NOT NULL"
        ).fetch_all(p).await?);
        let sealed: Vec<_> = rows.iter().filter(|(_, s)| secrets::is_sealed(s)).collect();
        if sealed.is_empty() {
            return Ok(0);
        }
        let ring = secrets::keyring(false)?;
        for (id, s) in &sealed {
            ring.open(s, &super::pve::secret_context(*id))?;
        }
        Ok(sealed.len())
    }

    async fn reseal(&self, ring: &Keyring, only_plain: bool, audit: Entry) -> Result<u64, StoreError> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let rows: Vec<(Uuid, String)> = sqlx::query_as(
                "SELECT id, api_token_secret FROM pve_clusters WHERE api_token_secret IS NOT NULL",
            ).fetch_all(&mut *tx).await?;
            let mut n = 0u64;
            for (id, stored) in rows {
                let sealed = secrets::is_sealed(&stored);
                if only_plain && sealed {
                    continue;
                }
                let context = super::pve::secret_context(id);
                let plain = if sealed { ring.open(&stored, &context)? } else { stored.clone() };
                sqlx::query("UPDATE pve_clusters SET api_token_secret = $2 WHERE id = $1 AND api_token_secret = $3")
                    .bind(id).bind(ring.seal(&plain, &context)).bind(&stored)
                    .execute(&mut *tx).await?;
                n += 1;
            }
            if n > 0 {
                let details = serde_json::json!({"secrets": n, "key": ring.current_id()});
                tx.audit(&audit.details(details)).await?;
            }
            tx.commit().await?;
            n
        });
        if n > 0 {
            tracing::info!(secrets = n, key = ring.current_id(), "sealed cluster token secrets");
        }
        Ok(n)
    }
}
