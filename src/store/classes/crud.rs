//! Create, edit and archive classes; co-owners; the VMID prefix, allocated without collisions.

use crate::domain::audit::Entry;
use crate::domain::classes::hours::AllowedHours;
use crate::domain::classes::vmid::{MIN_PREFIX, pick_prefix};
use crate::domain::time;
use crate::store::seed::DEFAULT_TENANT;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use serde_json::json;
use std::collections::BTreeSet;
use uuid::Uuid;

/// Bind the columns `UPDATE_CLASS` sets, in its parameter order (a macro: once per backend).
macro_rules! bind_update {
    ($q:expr, $id:expr, $input:expr, $now:expr) => {
        $q.bind($id)
            .bind($input.template_id)
            .bind(&$input.node)
            .bind($input.pool_size)
            .bind($input.cpu_cores)
            .bind($input.memory_mb)
            .bind($input.disk_size_gb)
            .bind($input.hours.map(|h| i64::from(h.start)))
            .bind($input.hours.map(|h| i64::from(h.end)))
            .bind(&$input.time_zone)
            .bind($input.auto_shutdown)
            .bind($input.cpu_percent)
            .bind($input.idle_minutes)
            .bind($input.max_usage_hours)
            .bind($input.power_on_lead_minutes)
            .bind($now)
    };
}

/// What a teacher sets on a class. Text is sanitised by the engine before it gets here.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassInput {
    pub name: String,
    pub description: Option<String>,
    pub template_id: Option<Uuid>,
    pub node: Option<String>,
    pub pool_size: i64,
    pub cpu_cores: i64,
    pub memory_mb: i64,
    pub disk_size_gb: i64,
    pub hours: Option<AllowedHours>,
    pub time_zone: String,
    pub auto_shutdown: bool,
    pub cpu_percent: f64,
    pub idle_minutes: i64,
    pub max_usage_hours: Option<i64>,
    pub power_on_lead_minutes: Option<i64>,
}

impl ClassInput {
    fn audit_details(&self) -> serde_json::Value {
        json!({
            "name": self.name, "template_id": self.template_id, "node": self.node, "pool_size": self.pool_size,
            "cpu_cores": self.cpu_cores, "memory_mb": self.memory_mb, "disk_size_gb": self.disk_size_gb,
            "hours": self.hours.map(|h| h.label()), "time_zone": self.time_zone, "auto_shutdown": self.auto_shutdown,
            "max_usage_hours": self.max_usage_hours, "power_on_lead_minutes": self.power_on_lead_minutes,
        })
    }
}

const UPDATE_CLASS: &str = "UPDATE classes SET template_id = $2, deployment_cluster_id = (SELECT cluster_id FROM vm_templates WHERE id = $2), \
  deployment_node = $3, pool_size = $4, cpu_cores = $5, memory_mb = $6, disk_size_gb = $7, allowed_start_minute = $8, \
  allowed_end_minute = $9, time_zone = $10, auto_shutdown_enabled = $11, auto_shutdown_cpu_percent = $12, \
  auto_shutdown_idle_minutes = $13, max_usage_hours = $14, power_on_lead_minutes = $15, updated_at = $16 WHERE id = $1";

impl Store {
    /// Create a class: its students' group, its training instance set, the class row with a
    /// fresh VMID prefix. A prefix taken by a concurrent creation (unique constraint) is
    /// retried with the next one.
    pub async fn create_class(
        &self,
        owner: Uuid,
        tenant: Option<Uuid>,
        input: &ClassInput,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        let mut last = None;
        for _ in 0..5 {
            match self.try_create_class(owner, tenant, input, audit.clone()).await {
                Err(StoreError::Conflict(m)) if m.contains("prefix") => last = Some(StoreError::Conflict(m)),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Conflict("vmid_prefix already exists".into())))
    }

    async fn try_create_class(
        &self,
        owner: Uuid,
        tenant: Option<Uuid>,
        input: &ClassInput,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        let (id, set, group) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let tenant: Uuid = match tenant {
                Some(t) => t,
                None => {
                    sqlx::query("INSERT INTO tenants (id, name, status, created_at, updated_at) VALUES ($1, $2, 'active', $3, $3) ON CONFLICT (name) DO NOTHING")
                        .bind(Uuid::now_v7()).bind(DEFAULT_TENANT).bind(now).execute(&mut *tx).await?;
                    sqlx::query_scalar("SELECT id FROM tenants WHERE name = $1").bind(DEFAULT_TENANT).fetch_one(&mut *tx).await?
                }
            };
            let used: Vec<i64> = sqlx::query_scalar("SELECT vmid_prefix FROM classes WHERE vmid_prefix IS NOT NULL").fetch_all(&mut *tx).await?;
            let occupied: Vec<i64> = sqlx::query_scalar(
                "SELECT DISTINCT vmid / 100 FROM pve_guests WHERE cluster_id = (SELECT cluster_id FROM vm_templates WHERE id = $1) \
                 UNION SELECT DISTINCT vmid / 100 FROM class_vms WHERE deleted_at IS NULL",
            ).bind(input.template_id).fetch_all(&mut *tx).await?;
            let used: BTreeSet<i64> = used.into_iter().collect();
            let occupied: BTreeSet<i64> = occupied.into_iter().collect();
            let from = used.iter().next_back().map(|m| m + 1).unwrap_or(MIN_PREFIX + 30);
            let prefix = pick_prefix(&used, &occupied, from).or_else(|| pick_prefix(&used, &occupied, MIN_PREFIX))
                .ok_or_else(|| StoreError::Conflict("no free vmid_prefix is left".into()))?;
            sqlx::query("INSERT INTO user_groups (id, tenant_id, name, description, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(group).bind(tenant).bind(format!("{} students", input.name)).bind(format!("Students enrolled in {}", input.name)).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO instance_sets (id, tenant_id, owner_id, user_group_id, name, description, set_type, status, created_by, updated_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'training', 'active', $3, $3, $7, $7)")
                .bind(set).bind(tenant).bind(owner).bind(group).bind(&input.name).bind(&input.description).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO classes (id, instance_set_id, group_id, vmid_prefix, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(id).bind(set).bind(group).bind(prefix).bind(now).execute(&mut *tx).await?;
            bind_update!(sqlx::query(UPDATE_CLASS), id, input, now).execute(&mut *tx).await?;
            let mut details = input.audit_details();
            details["vmid_prefix"] = json!(prefix);
            tx.audit(&audit.entity(id).details(details)).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn update_class(&self, id: Uuid, input: &ClassInput, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = bind_update!(sqlx::query(UPDATE_CLASS), id, input, now).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("class".into()));
            }
            sqlx::query("UPDATE instance_sets SET name = $2, description = $3, updated_at = $4 WHERE id = (SELECT instance_set_id FROM classes WHERE id = $1)")
                .bind(id).bind(&input.name).bind(&input.description).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id).details(input.audit_details())).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Archive (soft): the class, its instance set and its join codes stop; nothing is deleted.
    pub async fn archive_class(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query("UPDATE classes SET archived_at = $2, updated_at = $2 WHERE id = $1 AND archived_at IS NULL")
                .bind(id).bind(now).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("open class".into()));
            }
            sqlx::query("UPDATE instance_sets SET status = 'archived', updated_at = $2 WHERE id = (SELECT instance_set_id FROM classes WHERE id = $1)")
                .bind(id).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE class_join_tokens SET disabled_at = $2 WHERE class_id = $1 AND disabled_at IS NULL")
                .bind(id).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE class_waitlist SET status = 'cancelled', resolved_at = $2 WHERE class_id = $1 AND status = 'waiting'")
                .bind(id).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(id)).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Add a co-owner by username (a teacher or admin); they get the teacher's rights.
    pub async fn add_co_owner(&self, class_id: Uuid, username: &str, by: Uuid, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let user: Option<(Uuid, String)> = sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
                .bind(username).fetch_optional(&mut *tx).await?;
            let Some((user_id, role)) = user else { return Err(StoreError::NotFound(format!("user {username}"))) };
            if role != "teacher" && role != "admin" {
                return Err(StoreError::Conflict(format!("{username} is a {role}; co-owners must be teachers")));
            }
            sqlx::query("INSERT INTO class_co_owners (class_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
                .bind(class_id).bind(user_id).bind(by).bind(time::now()).execute(&mut *tx).await?;
            tx.audit(&audit.entity(class_id).details(json!({"co_owner": username}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn remove_co_owner(&self, class_id: Uuid, username: &str, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = sqlx::query("DELETE FROM class_co_owners WHERE class_id = $1 AND user_id = (SELECT id FROM users WHERE username = $2)")
                .bind(class_id).bind(username).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound(format!("co-owner {username}")));
            }
            tx.audit(&audit.entity(class_id).details(json!({"co_owner": username}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn co_owners(&self, class_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT u.username FROM class_co_owners co JOIN users u ON u.id = co.user_id WHERE co.class_id = $1 ORDER BY u.username",
        ).bind(class_id).fetch_all(p).await?))
    }

    /// Templates a class can deploy from: (id, name, vmid, cluster, node).
    pub async fn class_templates(&self) -> Result<Vec<(Uuid, String, i64, Uuid, String)>, StoreError> {
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, name, vmid, cluster_id, node FROM vm_templates WHERE archived_at IS NULL ORDER BY name",
        ).fetch_all(p).await?))
    }
}

impl Store {
    /// The template row for a Proxmox template a class deploys from, created on first use.
    pub async fn ensure_template(
        &self,
        cluster_id: Uuid,
        vmid: i64,
        name: &str,
        node: &str,
        by: Option<Uuid>,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        let now = time::now();
        let id = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let found: Option<Uuid> = sqlx::query_scalar("SELECT id FROM vm_templates WHERE cluster_id = $1 AND vmid = $2 AND archived_at IS NULL")
                .bind(cluster_id).bind(vmid).fetch_optional(&mut *tx).await?;
            let id = match found {
                Some(id) => id,
                None => {
                    let id = Uuid::now_v7();
                    sqlx::query("INSERT INTO vm_templates (id, cluster_id, created_by, name, vmid, node, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
                        .bind(id).bind(cluster_id).bind(by).bind(name).bind(vmid).bind(node).bind(now).execute(&mut *tx).await?;
                    tx.audit(&audit.entity(id).details(json!({"vmid": vmid, "name": name}))).await?;
                    tx.bump("classes").await?;
                    id
                }
            };
            tx.commit().await?;
            id
        });
        Ok(id)
    }
}

impl Store {
    /// The pool size a deployment aims at (scale up/down).
    pub async fn set_pool_size(&self, class_id: Uuid, size: i64, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE classes SET pool_size = $2, updated_at = $3 WHERE id = $1").bind(class_id).bind(size).bind(time::now())
                .execute(&mut *tx).await?;
            tx.audit(&audit.entity(class_id).details(json!({"pool_size": size}))).await?;
            tx.bump("classes").await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
