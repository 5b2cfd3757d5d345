//! Class VM rows: registered by deployment, marked while being deleted, soft-deleted after;
//! usage accounting and resets; what the engine's scheduled jobs need to see.

use crate::domain::audit::Entry;
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

/// One accounting tick: (class VM, checkpoint read, seconds to add, new checkpoint).
pub type UsageTick = (Uuid, Option<DateTime<Utc>>, i64, Option<DateTime<Utc>>);

#[derive(Debug, Clone)]
pub struct NewClassVm {
    pub class_id: Uuid,
    pub cluster_id: Uuid,
    pub vmid: i64,
    pub node: String,
    pub name: String,
    pub role: String,
    /// The teacher VM is assigned to the class owner at once.
    pub assigned_user_id: Option<Uuid>,
}

/// A live class VM with what the poller knows, for the engine's scheduled jobs.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct JobVm {
    pub id: Uuid,
    pub class_id: Uuid,
    pub cluster_id: Uuid,
    pub vmid: i64,
    pub node: String,
    pub vm_name: String,
    pub role: String,
    pub assigned_user_id: Option<Uuid>,
    pub usage_seconds: i64,
    pub usage_counted_at: Option<DateTime<Utc>>,
    pub guest_status: Option<String>,
    pub lock: Option<String>,
    pub guest_type: Option<String>,
    /// Seconds since the guest started, as of the last poll.
    pub uptime: Option<i64>,
}

impl Store {
    /// Register a VM the deployment created (idempotent: a resumed plan registers once).
    pub async fn register_class_vm(&self, vm: &NewClassVm, audit: Entry) -> Result<bool, StoreError> {
        let now = time::now();
        let status = if vm.assigned_user_id.is_some() { "assigned" } else { "available" };
        let added = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let exists: Option<Uuid> = sqlx::query_scalar(
                "SELECT id FROM class_vms WHERE cluster_id = $1 AND vmid = $2 AND deleted_at IS NULL",
            ).bind(vm.cluster_id).bind(vm.vmid).fetch_optional(&mut *tx).await?;
            let added = exists.is_none();
            if added {
                let id = Uuid::now_v7();
                sqlx::query(
                    "INSERT INTO class_vms (id, class_id, cluster_id, assigned_user_id, vmid, node, vm_name, role, status, assigned_at, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)",
                )
                .bind(id).bind(vm.class_id).bind(vm.cluster_id).bind(vm.assigned_user_id).bind(vm.vmid).bind(&vm.node)
                .bind(&vm.name).bind(&vm.role).bind(status).bind(vm.assigned_user_id.map(|_| now)).bind(now)
                .execute(&mut *tx).await?;
                tx.audit(&audit.entity(id).details(json!({"class_id": vm.class_id, "vmid": vm.vmid, "role": vm.role}))).await?;
                tx.bump("classes").await?;
            }
            tx.commit().await?;
            added
        });
        Ok(added)
    }

    /// The live class VM at a vmid of a cluster, if any: (row id, class id, name, role).
    pub async fn class_vm_at(
        &self,
        cluster_id: Uuid,
        vmid: i64,
    ) -> Result<Option<(Uuid, Uuid, String, String)>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, class_id, vm_name, role FROM class_vms WHERE cluster_id = $1 AND vmid = $2 AND deleted_at IS NULL",
        ).bind(cluster_id).bind(vmid).fetch_optional(p).await?))
    }

    /// Scale down: a VM no longer takes students while it is being removed.
    pub async fn mark_class_vm_deleting(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        self.set_vm_state(
            id,
            "UPDATE class_vms SET status = 'deleting', updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            audit,
        )
        .await
    }

    /// The VM is gone from Proxmox: soft-delete the row (history stays).
    pub async fn mark_class_vm_deleted(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        self.set_vm_state(
            id,
            "UPDATE class_vms SET deleted_at = $2, status = 'deleting', assigned_user_id = NULL, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            audit,
        )
        .await
    }

    /// Publishing recreated the VM: it stays assigned; usage is kept.
    pub async fn mark_class_vm_live(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        self.set_vm_state(
            id,
            "UPDATE class_vms SET status = CASE WHEN assigned_user_id IS NULL THEN 'available' ELSE 'assigned' END, updated_at = $2 WHERE id = $1 AND deleted_at IS NULL",
            audit,
        )
        .await
    }

    async fn set_vm_state(&self, id: Uuid, sql: &'static str, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(sql).bind(id).bind(time::now()).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id)).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Reset the usage of some VMs of one class to zero.
    pub async fn reset_class_usage(&self, class_id: Uuid, vm_ids: &[Uuid], audit: Entry) -> Result<u64, StoreError> {
        let now = time::now();
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut n = 0;
            for id in vm_ids {
                n += sqlx::query("UPDATE class_vms SET usage_seconds = 0, usage_last_reset_at = $3, updated_at = $3 WHERE id = $1 AND class_id = $2 AND deleted_at IS NULL")
                    .bind(id).bind(class_id).bind(now).execute(&mut *tx).await?.rows_affected();
            }
            tx.audit(&audit.entity(class_id).details(json!({"vms": n}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Live VMs of the classes deployed on a cluster, with the poller's status.
    pub async fn job_vms(&self, cluster_id: Uuid) -> Result<Vec<JobVm>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT v.id, v.class_id, v.cluster_id, v.vmid, v.node, v.vm_name, v.role, v.assigned_user_id, v.usage_seconds, v.usage_counted_at, \
             g.status AS guest_status, g.lock, g.guest_type, g.uptime FROM class_vms v JOIN classes c ON c.id = v.class_id \
             LEFT JOIN pve_guests g ON g.cluster_id = v.cluster_id AND g.vmid = v.vmid \
             WHERE v.cluster_id = $1 AND v.deleted_at IS NULL AND c.archived_at IS NULL ORDER BY v.vmid",
        ).bind(cluster_id).fetch_all(p).await?))
    }

    /// Apply one accounting tick: each (vm, seconds to add, new checkpoint) only if the
    /// checkpoint is still the one read (compare-and-set), so two processes never add twice.
    /// No audit entry per tick (that would flood the log); resets and shutdowns are audited.
    pub async fn apply_usage(&self, ticks: &[UsageTick]) -> Result<u64, StoreError> {
        if ticks.is_empty() {
            return Ok(0);
        }
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut n = 0;
            for (id, prev, add, next) in ticks {
                n += sqlx::query(
                    "UPDATE class_vms SET usage_seconds = usage_seconds + $3, usage_counted_at = $4 \
                     WHERE id = $1 AND ((usage_counted_at IS NULL AND $2 IS NULL) OR usage_counted_at = $2)",
                ).bind(id).bind(prev).bind(add).bind(next).execute(&mut *tx).await?.rows_affected();
            }
            if ticks.iter().any(|t| t.2 > 0) {
                tx.bump("classes").await?;
            }
            tx.commit().await?;
            n
        });
        Ok(n)
    }

    /// Record that the power-on before the hours ran for a class (once per opening).
    pub async fn mark_power_on(&self, class_id: Uuid, at: DateTime<Utc>, audit: Entry) -> Result<bool, StoreError> {
        let done = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("UPDATE classes SET last_power_on_at = $2 WHERE id = $1 AND (last_power_on_at IS NULL OR last_power_on_at < $3)")
                .bind(class_id).bind(time::now()).bind(at).execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                tx.audit(&audit.entity(class_id)).await?;
                tx.bump("classes").await?;
            }
            tx.commit().await?;
            n == 1
        });
        Ok(done)
    }
}
