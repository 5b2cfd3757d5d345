//! Classes (seed 000) on both backends: a class is a training instance set that owns its
//! students' user group. Reads are filtered by what the actor may see (teachers: own and
//! co-owned classes; students: their classes and only their own VMs); every write is audited.

mod crud;
mod deploy;
mod join;
mod templates;
mod tokens;
mod vms;

pub use crud::ClassInput;
pub use deploy::{DeployProgress, NewStep, Step, StepKind};
pub use join::JoinOutcome;
pub use templates::TemplateRow;
pub use tokens::TokenInfo;
pub use vms::{JobVm, NewClassVm};

use super::{Store, StoreError, on_pool};
use crate::domain::classes::Scope;
use crate::domain::classes::hours::AllowedHours;
use crate::domain::classes::usage::Usage;
use crate::domain::rbac::{Action, Actor, Denied, Resource};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct Class {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub owner_id: Uuid,
    pub teacher: String,
    pub group_id: Uuid,
    pub template_id: Option<Uuid>,
    pub template_name: Option<String>,
    pub template_vmid: Option<i64>,
    pub template_node: Option<String>,
    pub cluster_id: Option<Uuid>,
    pub deployment_node: Option<String>,
    pub pool_size: i64,
    pub cpu_cores: i64,
    pub memory_mb: i64,
    pub disk_size_gb: i64,
    pub vmid_prefix: Option<i64>,
    pub allowed_start_minute: Option<i64>,
    pub allowed_end_minute: Option<i64>,
    pub time_zone: String,
    pub auto_shutdown_enabled: bool,
    pub auto_shutdown_cpu_percent: f64,
    pub auto_shutdown_idle_minutes: i64,
    pub max_usage_hours: Option<i64>,
    pub power_on_lead_minutes: Option<i64>,
    pub last_power_on_at: Option<DateTime<Utc>>,
    pub archived_at: Option<DateTime<Utc>>,
    pub enrolled: i64,
    /// Enrolled students on the waiting list (the list and the class header both show this).
    pub waiting: i64,
    pub seats: i64,
    pub free_seats: i64,
    pub steps_open: i64,
    pub steps_failed: i64,
    pub steps_done: i64,
    pub steps_total: i64,
    /// The actor teaches it (owner or co-owner).
    pub teaches: bool,
}

impl Class {
    pub fn hours(&self) -> Option<AllowedHours> {
        AllowedHours::from_columns(self.allowed_start_minute, self.allowed_end_minute)
    }
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }
    pub fn node(&self) -> Option<&str> {
        self.deployment_node.as_deref().or(self.template_node.as_deref())
    }
}

/// One VM of a class as the teacher's table (or a student's own list) shows it: the
/// assignment joined with what the poller last saw of the guest.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct ClassVm {
    pub id: Uuid,
    pub class_id: Uuid,
    pub class_name: String,
    pub cluster_id: Uuid,
    pub vmid: i64,
    pub node: String,
    pub vm_name: String,
    pub role: String,
    pub status: String,
    pub user_id: Option<Uuid>,
    pub username: Option<String>,
    pub display_name: Option<String>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub usage_seconds: i64,
    pub max_usage_hours: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub guest_status: Option<String>,
    pub ip: Option<String>,
    pub ssh_available: Option<bool>,
    pub rdp_available: Option<bool>,
    pub lock: Option<String>,
    pub last_seen_at: Option<DateTime<Utc>>,
}

impl ClassVm {
    pub fn usage(&self) -> Usage {
        Usage { used_secs: self.usage_seconds, max_hours: self.max_usage_hours }
    }
    pub fn running(&self) -> Option<bool> {
        self.guest_status.as_deref().map(|s| s == "running")
    }
    /// How to reach the VM: an ssh command, an RDP address, or why not yet.
    pub fn connect_hint(&self) -> String {
        let Some(ip) = self.ip.as_deref().filter(|_| self.running() == Some(true)) else {
            return match self.running() {
                Some(true) => "waiting for an IP".into(),
                _ => "start it first".into(),
            };
        };
        let user = self.username.as_deref().unwrap_or("student");
        match (self.ssh_available, self.rdp_available) {
            (_, Some(true)) if self.ssh_available != Some(true) => format!("rdp {ip}:3389"),
            _ => format!("ssh {user}@{ip}"),
        }
    }
}

const SELECT_CLASSES: &str = "SELECT c.id, s.name, s.description, s.owner_id, u.username AS teacher, c.group_id, \
  c.template_id, t.name AS template_name, t.vmid AS template_vmid, t.node AS template_node, \
  coalesce(c.deployment_cluster_id, t.cluster_id) AS cluster_id, c.deployment_node, c.pool_size, c.cpu_cores, \
  c.memory_mb, c.disk_size_gb, c.vmid_prefix, c.allowed_start_minute, c.allowed_end_minute, c.time_zone, \
  c.auto_shutdown_enabled, c.auto_shutdown_cpu_percent, c.auto_shutdown_idle_minutes, c.max_usage_hours, \
  c.power_on_lead_minutes, c.last_power_on_at, c.archived_at, \
  (SELECT count(*) FROM class_enrollments e WHERE e.class_id = c.id) AS enrolled, \
  (SELECT count(*) FROM class_waitlist w JOIN class_enrollments e ON e.class_id = w.class_id AND e.user_id = w.user_id WHERE w.class_id = c.id AND w.status = 'waiting') AS waiting, \
  (SELECT count(*) FROM class_vms v WHERE v.class_id = c.id AND v.role = 'student' AND v.deleted_at IS NULL) AS seats, \
  (SELECT count(*) FROM class_vms v WHERE v.class_id = c.id AND v.role = 'student' AND v.deleted_at IS NULL AND v.status = 'available') AS free_seats, \
  (SELECT count(*) FROM class_deploy_steps d WHERE d.class_id = c.id AND d.status IN ('pending','running')) AS steps_open, \
  (SELECT count(*) FROM class_deploy_steps d WHERE d.class_id = c.id AND d.status = 'failed') AS steps_failed, \
  (SELECT count(*) FROM class_deploy_steps d WHERE d.class_id = c.id AND d.status IN ('done','skipped')) AS steps_done, \
  (SELECT count(*) FROM class_deploy_steps d WHERE d.class_id = c.id AND d.status <> 'cancelled') AS steps_total, \
  (s.owner_id = $2 OR EXISTS (SELECT 1 FROM class_co_owners co WHERE co.class_id = c.id AND co.user_id = $2)) AS teaches \
  FROM classes c JOIN instance_sets s ON s.id = c.instance_set_id JOIN users u ON u.id = s.owner_id \
  LEFT JOIN vm_templates t ON t.id = c.template_id \
  WHERE ($1 = 'all' \
   OR ($1 = 'teaching' AND (s.owner_id = $2 OR EXISTS (SELECT 1 FROM class_co_owners co WHERE co.class_id = c.id AND co.user_id = $2))) \
   OR ($1 = 'enrolled' AND EXISTS (SELECT 1 FROM class_enrollments e WHERE e.class_id = c.id AND e.user_id = $2)))";

const SELECT_VMS: &str = "SELECT v.id, v.class_id, s.name AS class_name, v.cluster_id, v.vmid, v.node, v.vm_name, v.role, v.status, \
  v.assigned_user_id AS user_id, u.username, u.display_name, u.last_login_at, v.usage_seconds, c.max_usage_hours, v.assigned_at, \
  g.status AS guest_status, g.ip, g.ssh_available, g.rdp_available, g.lock, g.last_seen_at \
  FROM class_vms v JOIN classes c ON c.id = v.class_id JOIN instance_sets s ON s.id = c.instance_set_id \
  LEFT JOIN users u ON u.id = v.assigned_user_id \
  LEFT JOIN pve_guests g ON g.cluster_id = v.cluster_id AND g.vmid = v.vmid \
  WHERE v.deleted_at IS NULL";

fn denied(actor: &Actor, action: Action) -> StoreError {
    StoreError::Denied(Denied { role: actor.role, resource: Resource::Class, action })
}

impl Store {
    /// The classes the actor may see, open ones first.
    pub async fn list_classes(&self, actor: &Actor) -> Result<Vec<Class>, StoreError> {
        let scope = Scope::of(actor);
        if scope == Scope::None {
            return Err(denied(actor, Action::Read));
        }
        let sql = format!("{SELECT_CLASSES} ORDER BY c.archived_at IS NOT NULL, s.name");
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(scope.as_str()).bind(actor.user_id).fetch_all(p).await?))
    }

    /// One class, if the actor may see it.
    pub async fn class(&self, actor: &Actor, id: Uuid) -> Result<Class, StoreError> {
        let scope = Scope::of(actor);
        let sql = format!("{SELECT_CLASSES} AND c.id = $3");
        let row: Option<Class> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(scope.as_str()).bind(actor.user_id).bind(id).fetch_optional(p).await?);
        row.ok_or_else(|| StoreError::NotFound("class".into()))
    }

    /// A class the actor may change: its teacher, a co-owner, or an admin.
    pub async fn class_to_manage(&self, actor: &Actor, id: Uuid) -> Result<Class, StoreError> {
        let class = self.class(actor, id).await.map_err(|e| match e {
            StoreError::NotFound(_) if actor.can(Resource::Class, Action::Update) => denied(actor, Action::Update),
            e => e,
        })?;
        if crate::domain::classes::may_manage(actor, class.teaches) {
            Ok(class)
        } else {
            Err(denied(actor, Action::Update))
        }
    }

    /// Every class (engine jobs: no actor, no filter).
    pub async fn classes_for_jobs(&self, cluster_id: Uuid) -> Result<Vec<Class>, StoreError> {
        let sql = format!(
            "{SELECT_CLASSES} AND c.archived_at IS NULL AND coalesce(c.deployment_cluster_id, t.cluster_id) = $3"
        );
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind("all").bind(Uuid::nil()).bind(cluster_id).fetch_all(p).await?))
    }

    /// The VMs of a class: all of them for those who teach it (and staff who may read every
    /// class), only their own for students.
    pub async fn class_vms(&self, actor: &Actor, class_id: Uuid) -> Result<Vec<ClassVm>, StoreError> {
        let class = self.class(actor, class_id).await?;
        let only_own = !class.teaches && Scope::of(actor) != Scope::All;
        let sql =
            format!("{SELECT_VMS} AND v.class_id = $1 AND ($2 = false OR v.assigned_user_id = $3) ORDER BY v.vmid");
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(class_id).bind(only_own).bind(actor.user_id).fetch_all(p).await?))
    }

    /// The actor's own VMs across their classes.
    pub async fn my_class_vms(&self, actor: &Actor) -> Result<Vec<ClassVm>, StoreError> {
        actor.require(Resource::Class, Action::Read)?;
        let sql = format!("{SELECT_VMS} AND v.assigned_user_id = $1 ORDER BY s.name, v.vmid");
        Ok(
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(actor.user_id).fetch_all(p).await?),
        )
    }

    /// One class VM by id, if the actor may see it (own VM, or a class they teach).
    pub async fn class_vm(&self, actor: &Actor, id: Uuid) -> Result<ClassVm, StoreError> {
        let sql = format!("{SELECT_VMS} AND v.id = $1");
        let vm: Option<ClassVm> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await?);
        let vm = vm.ok_or_else(|| StoreError::NotFound("class VM".into()))?;
        if vm.user_id == Some(actor.user_id) {
            return Ok(vm);
        }
        let class = self.class(actor, vm.class_id).await?;
        if class.teaches || Scope::of(actor) == Scope::All {
            Ok(vm)
        } else {
            Err(StoreError::NotFound("class VM".into()))
        }
    }
}
