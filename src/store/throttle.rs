//! Sign-in throttling shared by every process on the database. Checking whether a key is
//! blocked and counting the attempt are one locked step ([`Store::begin_attempt`]): the
//! attempt is counted as a failure *before* the password is checked and given back when
//! it was right, so parallel guesses cannot all pass the check before any of them is
//! counted.

use super::tx::BeginWrite;
use super::{Store, StoreError, on_pool};
use crate::domain::throttle::{self, State};
use chrono::{DateTime, Utc};

/// What [`Store::begin_attempt`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Counted; go on and check the password. `refused_meanwhile` tries were refused under
    /// the keys' last blocks and not audited one by one: the caller records them as one.
    Allowed { refused_meanwhile: i64 },
    /// A key is blocked for `wait` more seconds. `first` is true for the first refusal of
    /// this block (the one to audit); later ones are only counted.
    Blocked { wait: i64, first: bool },
}

type Row = (i64, DateTime<Utc>, Option<DateTime<Utc>>, i64);

fn state_of(r: &Row) -> State {
    State { failures: r.0, first_failure: r.1, blocked_until: r.2 }
}

/// Make sure a row exists (so that PostgreSQL's row lock has something to lock), then lock it.
const ENSURE: &str = "INSERT INTO login_throttle (key, failures, first_failure, blocked_until, refused) \
     VALUES ($1, 0, $2, NULL, 0) ON CONFLICT (key) DO NOTHING";
const LOCK_PG: &str =
    "SELECT failures, first_failure, blocked_until, refused FROM login_throttle WHERE key = $1 FOR UPDATE";
const LOCK_SQLITE: &str = "SELECT failures, first_failure, blocked_until, refused FROM login_throttle WHERE key = $1";
const SET: &str =
    "UPDATE login_throttle SET failures = $2, first_failure = $3, blocked_until = $4, refused = $5 WHERE key = $1";

/// Write `state` and the refusal count for `key` inside transaction `tx`.
macro_rules! set_state {
    ($tx:expr, $key:expr, $state:expr, $refused:expr) => {
        sqlx::query(SET)
            .bind($key)
            .bind($state.failures)
            .bind($state.first_failure)
            .bind($state.blocked_until)
            .bind($refused)
            .execute(&mut *$tx)
            .await?
    };
}

impl Store {
    pub async fn throttle_state(&self, key: &str) -> Result<Option<State>, StoreError> {
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT failures, first_failure, blocked_until, refused FROM login_throttle WHERE key = $1",
        ).bind(key).fetch_optional(p).await?);
        Ok(row.as_ref().map(state_of))
    }

    /// In one locked transaction: if any of `keys` is blocked, count a refusal on it and say
    /// so; otherwise count one failure on every key and let the caller check the password.
    /// Keys are locked in one order, so concurrent calls never deadlock.
    pub async fn begin_attempt(&self, keys: &[String], now: DateTime<Utc>) -> Result<Attempt, StoreError> {
        let mut keys: Vec<&String> = keys.iter().collect();
        keys.sort();
        keys.dedup();
        let lock = match self {
            Store::Postgres(_) => LOCK_PG,
            Store::Sqlite(_) => LOCK_SQLITE,
        };
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut rows = Vec::with_capacity(keys.len());
            for key in &keys {
                sqlx::query(ENSURE).bind(key.as_str()).bind(now).execute(&mut *tx).await?;
                let row: Row = sqlx::query_as(lock).bind(key.as_str()).fetch_one(&mut *tx).await?;
                rows.push(row);
            }
            let blocked = keys
                .iter()
                .zip(&rows)
                .filter_map(|(k, r)| throttle::retry_after(Some(&state_of(r)), now).map(|wait| (*k, r, wait)))
                .max_by_key(|(_, _, wait)| *wait);
            let decision = match blocked {
                Some((key, row, wait)) => {
                    let s = state_of(row);
                    set_state!(tx, key.as_str(), s, row.3 + 1);
                    Attempt::Blocked { wait, first: row.3 == 0 }
                }
                None => {
                    let mut refused_meanwhile = 0;
                    for (key, row) in keys.iter().zip(&rows) {
                        let prev = state_of(row);
                        let next = throttle::after_failure(key, (prev.failures > 0).then_some(&prev), now);
                        refused_meanwhile = refused_meanwhile.max(row.3);
                        set_state!(tx, key.as_str(), next, 0i64);
                    }
                    Attempt::Allowed { refused_meanwhile }
                }
            };
            tx.commit().await?;
            Ok(decision)
        })
    }

    /// The password was right: give back the count [`Store::begin_attempt`] took on `key`.
    pub async fn release_attempt(&self, key: &str) -> Result<(), StoreError> {
        let lock = match self {
            Store::Postgres(_) => LOCK_PG,
            Store::Sqlite(_) => LOCK_SQLITE,
        };
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<Row> = sqlx::query_as(lock).bind(key).fetch_optional(&mut *tx).await?;
            if let Some(row) = row {
                let next = throttle::after_release(&state_of(&row));
                set_state!(tx, key, next, row.3);
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("DELETE FROM login_throttle WHERE key = $1").bind(key).execute(p).await?;
        });
        Ok(())
    }
}
