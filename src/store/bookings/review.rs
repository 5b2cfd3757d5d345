//! Topology review: submitting counts the conflicts (the topology's devices booked by others
//! in the requested window); an approver approves or rejects.

use crate::domain::audit::Entry;
use crate::domain::bookings::{Interval, MAX_BOOKING};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError};
use uuid::Uuid;

const COUNT: &str = "SELECT count(*) FROM bookings b JOIN topology_nodes n ON n.device_id = b.device_id \
     JOIN topologies t ON t.id = n.topology_id \
     WHERE n.topology_id = $1 AND b.user_id <> t.user_id AND b.status IN ('pending','approved') \
       AND b.starts_at < $3 AND b.starts_at > $4 AND b.ends_at > $2";

impl Store {
    /// Submit (or resubmit) a topology for review over `at`; returns the conflict count.
    pub async fn submit_review(&self, topology: Uuid, at: Interval, audit: Entry) -> Result<i64, StoreError> {
        let now = time::now();
        Ok(audited!(self, tx, n => audit.entity(topology).details(serde_json::json!({ "conflicts": n })), {
            let n: i64 = sqlx::query_scalar(COUNT)
                .bind(topology)
                .bind(at.start)
                .bind(at.end)
                .bind(at.start - MAX_BOOKING)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO topology_reviews (id, topology_id, status, conflict_count, requested_starts_at, requested_ends_at, last_checked_at, created_at, updated_at) \
                 VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $6, $6) \
                 ON CONFLICT (topology_id) DO UPDATE SET status = 'submitted', conflict_count = $3, requested_starts_at = $4, \
                 requested_ends_at = $5, last_checked_at = $6, resolved_at = NULL, resolved_by = NULL, updated_at = $6")
                .bind(Uuid::now_v7()).bind(topology).bind(n).bind(at.start).bind(at.end).bind(now).execute(&mut *tx).await?;
            n
        }))
    }

    pub async fn resolve_review(
        &self,
        topology: Uuid,
        approve: bool,
        by: Uuid,
        notes: Option<&str>,
        audit: Entry,
    ) -> Result<(), StoreError> {
        let now = time::now();
        audited!(self, tx, audit.entity(topology), {
            let n = sqlx::query("UPDATE topology_reviews SET status = $2, resolved_at = $3, resolved_by = $4, notes = coalesce($5, notes), updated_at = $3 \
                 WHERE topology_id = $1 AND status = 'submitted'")
                .bind(topology).bind(if approve { "approved" } else { "rejected" }).bind(now).bind(by).bind(notes)
                .execute(&mut *tx).await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::Conflict("this topology has no review waiting".into()));
            }
        });
        Ok(())
    }
}
