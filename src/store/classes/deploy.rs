//! The persisted deployment plan of a class (`class_deploy_steps`): every Proxmox call a
//! deployment, scale change or publish needs, in order per VM. A runner claims a step with a
//! guarded UPDATE (only when the VM's earlier steps are done), records the task's UPID, and
//! marks it done or failed, so a restart resumes exactly where the last process stopped.

use crate::domain::audit::Entry;
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::types::Json;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    Clone,
    Configure,
    ResizeDisk,
    Snapshot,
    Register,
    Start,
    Stop,
    Rollback,
    ConvertTemplate,
    Delete,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Clone => "clone",
            StepKind::Configure => "configure",
            StepKind::ResizeDisk => "resize_disk",
            StepKind::Snapshot => "snapshot",
            StepKind::Register => "register",
            StepKind::Start => "start",
            StepKind::Stop => "stop",
            StepKind::Rollback => "rollback",
            StepKind::ConvertTemplate => "convert_template",
            StepKind::Delete => "delete",
        }
    }
    pub fn parse(s: &str) -> Option<StepKind> {
        [
            StepKind::Clone,
            StepKind::Configure,
            StepKind::ResizeDisk,
            StepKind::Snapshot,
            StepKind::Register,
            StepKind::Start,
            StepKind::Stop,
            StepKind::Rollback,
            StepKind::ConvertTemplate,
            StepKind::Delete,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewStep {
    pub vmid: i64,
    pub node: String,
    pub kind: StepKind,
    pub params: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Step {
    pub id: Uuid,
    pub class_id: Uuid,
    pub cluster_id: Uuid,
    pub node: String,
    pub vmid: i64,
    pub seq: i64,
    pub step_kind: String,
    pub params: Option<Json<serde_json::Value>>,
    pub status: String,
    pub attempts: i64,
    pub upid: Option<String>,
    pub error: Option<String>,
    pub updated_at: DateTime<Utc>,
}

impl Step {
    pub fn kind(&self) -> Option<StepKind> {
        StepKind::parse(&self.step_kind)
    }
    pub fn param(&self, key: &str) -> Option<&serde_json::Value> {
        self.params.as_ref().and_then(|p| p.0.get(key))
    }
    pub fn param_str(&self, key: &str) -> Option<&str> {
        self.param(key).and_then(|v| v.as_str())
    }
}

/// Progress of one VM in the current plan, for the teacher's screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeployProgress {
    pub vmid: i64,
    pub done: usize,
    pub total: usize,
    /// The step running now, the failed one, or the next one.
    pub current: Option<String>,
    pub state: String,
    pub error: Option<String>,
}

impl DeployProgress {
    pub fn of(steps: &[Step]) -> Vec<DeployProgress> {
        let mut out: Vec<DeployProgress> = Vec::new();
        for s in steps.iter().filter(|s| s.status != "cancelled") {
            if out.last().is_none_or(|p| p.vmid != s.vmid) {
                out.push(DeployProgress {
                    vmid: s.vmid,
                    done: 0,
                    total: 0,
                    current: None,
                    state: "done".into(),
                    error: None,
                });
            }
            let Some(p) = out.last_mut() else { continue };
            p.total += 1;
            if s.status == "done" || s.status == "skipped" {
                p.done += 1;
            } else if p.current.is_none() {
                p.current = Some(s.step_kind.clone());
                p.state = s.status.clone();
                p.error = s.error.clone();
            }
        }
        out
    }
}

const SELECT_STEPS: &str = "SELECT id, class_id, cluster_id, node, vmid, seq, step_kind, params, status, attempts, upid, error, updated_at FROM class_deploy_steps";

impl Store {
    /// Append steps to a class's plan. With nothing open, the finished steps of earlier plans
    /// are cleared first (their outcome is in the audit log), so progress counts this plan.
    pub async fn plan_steps(
        &self,
        class_id: Uuid,
        cluster_id: Uuid,
        steps: &[NewStep],
        audit: Entry,
    ) -> Result<usize, StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let open: i64 = sqlx::query_scalar("SELECT count(*) FROM class_deploy_steps WHERE class_id = $1 AND status IN ('pending','running','failed')")
                .bind(class_id).fetch_one(&mut *tx).await?;
            if open == 0 {
                sqlx::query("DELETE FROM class_deploy_steps WHERE class_id = $1").bind(class_id).execute(&mut *tx).await?;
            }
            let base: i64 = sqlx::query_scalar("SELECT coalesce(max(seq), -1) + 1 FROM class_deploy_steps WHERE class_id = $1")
                .bind(class_id).fetch_one(&mut *tx).await?;
            for (i, s) in steps.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO class_deploy_steps (id, class_id, cluster_id, node, vmid, seq, step_kind, params, status, attempts, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $9, $9)",
                )
                .bind(Uuid::now_v7()).bind(class_id).bind(cluster_id).bind(&s.node).bind(s.vmid).bind(base + i as i64)
                .bind(s.kind.as_str()).bind(Json(&s.params)).bind(now)
                .execute(&mut *tx).await?;
            }
            let vmids: std::collections::BTreeSet<i64> = steps.iter().map(|s| s.vmid).collect();
            tx.audit(&audit.entity(class_id).details(json!({"steps": steps.len(), "vmids": vmids}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(steps.len())
    }

    /// Every step of a class's current plan, by VM then order.
    pub async fn plan(&self, class_id: Uuid) -> Result<Vec<Step>, StoreError> {
        let sql = format!("{SELECT_STEPS} WHERE class_id = $1 ORDER BY vmid, seq");
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(class_id).fetch_all(p).await?))
    }

    /// Classes of a cluster whose plan has pending or running steps (to resume).
    pub async fn classes_with_open_steps(&self, cluster_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT class_id FROM class_deploy_steps WHERE cluster_id = $1 AND status IN ('pending','running')",
        ).bind(cluster_id).fetch_all(p).await?))
    }

    /// Claim a step for this runner: pending, or running but abandoned (no heartbeat since
    /// `stale_before`), and only when the VM's earlier steps are done.
    pub async fn claim_step(&self, id: Uuid, stale_before: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE class_deploy_steps SET status = 'running', attempts = attempts + 1, updated_at = $2 \
                 WHERE id = $1 AND (status = 'pending' OR (status = 'running' AND updated_at < $3)) \
                 AND NOT EXISTS (SELECT 1 FROM class_deploy_steps e WHERE e.class_id = class_deploy_steps.class_id \
                   AND e.vmid = class_deploy_steps.vmid AND e.seq < class_deploy_steps.seq AND e.status NOT IN ('done','skipped'))",
            ).bind(id).bind(time::now()).bind(stale_before).execute(&mut *tx).await?.rows_affected();
            tx.bump("classes").await?;
            tx.commit().await?;
            n
        });
        Ok(n == 1)
    }

    /// Record the task a step started (so a resumed runner follows it instead of repeating it).
    pub async fn step_started(&self, id: Uuid, upid: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE class_deploy_steps SET upid = $2, updated_at = $3 WHERE id = $1")
                .bind(id).bind(upid).bind(time::now()).execute(p).await?;
        });
        Ok(())
    }

    /// Still working on it (a long clone): keeps other runners from adopting the step.
    pub async fn step_heartbeat(&self, id: Uuid) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE class_deploy_steps SET updated_at = $2 WHERE id = $1 AND status = 'running'")
                .bind(id).bind(time::now()).execute(p).await?;
        });
        Ok(())
    }

    /// A step ended: done, skipped or failed (with the reason); or back to pending for a retry.
    pub async fn finish_step(&self, id: Uuid, status: &str, error: Option<&str>) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE class_deploy_steps SET status = $2, error = $3, updated_at = $4, upid = CASE WHEN $2 = 'pending' THEN NULL ELSE upid END WHERE id = $1")
                .bind(id).bind(status).bind(error).bind(time::now()).execute(&mut *tx).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Put failed steps back in the queue (their task id is forgotten: the step runs again).
    pub async fn retry_failed_steps(&self, class_id: Uuid, audit: Entry) -> Result<u64, StoreError> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE class_deploy_steps SET status = 'pending', upid = NULL, error = NULL, updated_at = $2 WHERE class_id = $1 AND status = 'failed'")
                .bind(class_id).bind(time::now()).execute(&mut *tx).await?.rows_affected();
            tx.audit(&audit.entity(class_id).details(json!({"steps": n}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Stop a plan: its pending steps are cancelled (running ones finish).
    pub async fn cancel_open_steps(&self, class_id: Uuid, audit: Entry) -> Result<u64, StoreError> {
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE class_deploy_steps SET status = 'cancelled', updated_at = $2 WHERE class_id = $1 AND status IN ('pending','failed')")
                .bind(class_id).bind(time::now()).execute(&mut *tx).await?.rows_affected();
            tx.audit(&audit.entity(class_id).details(json!({"steps": n}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }
}
