//! Push on PostgreSQL: every revision bump also NOTIFYs (store/tx.rs); this task LISTENs
//! and pokes the revision watcher, which then reports `Event::Changed` at once instead of
//! at its next tick. SQLite has no such channel and keeps the polling alone.

use crate::store::{CHANGES_CHANNEL, Store};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Listen until `closed` resolves (the engine's event receiver was dropped). A lost
/// connection is retried every second; polling covers the gap.
pub(super) async fn listen(store: Store, poke: Arc<Notify>, closed: impl Future<Output = ()>) {
    let Store::Postgres(pool) = store else { return };
    tokio::pin!(closed);
    loop {
        let attempt = async {
            let mut listener = sqlx::postgres::PgListener::connect_with(&pool).await?;
            listener.listen(CHANGES_CHANNEL).await?;
            // Anything missed while (re)connecting is caught by the first re-check.
            poke.notify_one();
            loop {
                listener.recv().await?;
                poke.notify_one();
            }
            #[allow(unreachable_code)]
            Ok::<(), sqlx::Error>(())
        };
        tokio::select! {
            () = &mut closed => return,
            r = attempt => if let Err(e) = r {
                tracing::warn!(error = %e, "LISTEN connection lost; polling until it is back");
            },
        }
        tokio::select! {
            () = &mut closed => return,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
