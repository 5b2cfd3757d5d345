//! Links between records: private data disks attached to instances (an exclusive disk once,
//! a shared one up to its limit, both within one tenant), and memberships — VMs in systems,
//! instances in instance sets, users in groups.

use super::DOMAIN;
use crate::domain::audit::Entry;
use crate::domain::infra::{Kind, Target};
use crate::domain::rbac::{Action, Actor};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

/// Which records a kind holds as members.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// VMs of a system.
    SystemVms,
    /// Instances of an instance set.
    SetInstances,
    /// Users of a group.
    GroupUsers,
}

impl Membership {
    pub fn of(kind: Kind) -> Option<Membership> {
        match kind {
            Kind::Systems => Some(Membership::SystemVms),
            Kind::Sets => Some(Membership::SetInstances),
            Kind::Groups => Some(Membership::GroupUsers),
            _ => None,
        }
    }
    pub fn parent(self) -> Kind {
        match self {
            Membership::SystemVms => Kind::Systems,
            Membership::SetInstances => Kind::Sets,
            Membership::GroupUsers => Kind::Groups,
        }
    }
    pub fn member(self) -> Target {
        match self {
            Membership::SystemVms => Target::Kind(Kind::Vms),
            Membership::SetInstances => Target::Kind(Kind::Instances),
            Membership::GroupUsers => Target::User,
        }
    }
}

/// A disk no attachment holds any longer is available again ($1 the disk, $2 the time).
pub(super) const FREE_IF_UNATTACHED: &str = "UPDATE private_data_disks SET status = 'available', updated_at = $2 WHERE id = $1 \
     AND NOT EXISTS (SELECT 1 FROM private_data_disk_attachments a WHERE a.disk_id = $1)";

impl Store {
    /// Attach data disk `disk` to `instance` at `mount_path`.
    pub async fn attach_disk(
        &self,
        actor: &Actor,
        disk: Uuid,
        instance: Uuid,
        mount_path: &str,
        read_only: bool,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(Kind::Disks.resource(), Action::Update)?;
        self.infra_get(actor, Kind::Disks, disk).await?;
        self.infra_get(actor, Kind::Instances, instance).await?;
        if !mount_path.starts_with('/') || mount_path.len() < 2 {
            return Err(StoreError::Conflict(format!(
                "mount path '{mount_path}' must be an absolute path like /mnt/data"
            )));
        }
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE private_data_disks SET updated_at = updated_at WHERE id = $1").bind(disk).execute(&mut *tx).await?;
            let (name, share, max, disk_tenant): (String, String, i64, Uuid) = sqlx::query_as(
                "SELECT name, share_mode, CAST(max_attachments AS BIGINT), tenant_id FROM private_data_disks WHERE id = $1",
            ).bind(disk).fetch_one(&mut *tx).await?;
            let (inst_name, inst_tenant, status): (String, Uuid, String) =
                sqlx::query_as("SELECT name, tenant_id, status FROM instances WHERE id = $1").bind(instance).fetch_one(&mut *tx).await?;
            if status == "deleted" {
                return Err(StoreError::Conflict(format!("instance {inst_name} is deleted")));
            }
            if disk_tenant != inst_tenant {
                return Err(StoreError::Conflict(format!("{name} and {inst_name} belong to different tenants")));
            }
            // By id: two instances may share a name.
            let (on_ids, on): (Vec<Uuid>, Vec<String>) = sqlx::query_as::<_, (Uuid, String)>(
                "SELECT i.id, i.name FROM private_data_disk_attachments a JOIN instances i ON i.id = a.instance_id WHERE a.disk_id = $1 ORDER BY i.name",
            ).bind(disk).fetch_all(&mut *tx).await?.into_iter().unzip();
            if on_ids.contains(&instance) {
                return Err(StoreError::Conflict(format!("{name} is already attached to {inst_name}")));
            }
            let exclusive = share == "exclusive";
            if exclusive && !on.is_empty() {
                return Err(StoreError::Conflict(format!("{name} is exclusive and already attached to {}", on.join(", "))));
            }
            if on.len() as i64 >= max {
                return Err(StoreError::Conflict(format!("{name} is already attached {max} times (its limit)")));
            }
            sqlx::query("INSERT INTO private_data_disk_attachments (id, instance_id, disk_id, mount_path, mount_mode, status, attached_by, attached_at, updated_at, exclusive) \
                 VALUES ($1, $2, $3, $4, $5, 'attached', $6, $7, $7, $8)")
                .bind(Uuid::now_v7()).bind(instance).bind(disk).bind(mount_path).bind(if read_only { "ro" } else { "rw" })
                .bind((!actor.is_system()).then_some(actor.user_id)).bind(now).bind(exclusive)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE private_data_disks SET status = 'attached', updated_at = $2 WHERE id = $1").bind(disk).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(disk).details(serde_json::json!({"instance": inst_name, "mount_path": mount_path}))).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Detach data disk `disk` from `instance`.
    pub async fn detach_disk(&self, actor: &Actor, disk: Uuid, instance: Uuid, audit: Entry) -> Result<(), StoreError> {
        actor.require(Kind::Disks.resource(), Action::Update)?;
        self.infra_get(actor, Kind::Disks, disk).await?;
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("DELETE FROM private_data_disk_attachments WHERE disk_id = $1 AND instance_id = $2")
                .bind(disk).bind(instance).execute(&mut *tx).await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::Conflict("the disk is not attached to that instance".into()));
            }
            sqlx::query(FREE_IF_UNATTACHED).bind(disk).bind(now).execute(&mut *tx).await?;
            tx.audit(&audit.entity(disk).details(serde_json::json!({"instance": instance.to_string()}))).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Add (or remove) `member` to (from) record `parent` of the membership's kind.
    pub async fn set_member(
        &self,
        actor: &Actor,
        m: Membership,
        parent: Uuid,
        member: Uuid,
        add: bool,
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(m.parent().resource(), Action::Update)?;
        self.infra_get(actor, m.parent(), parent).await?;
        let now = time::now();
        let by = (!actor.is_system()).then_some(actor.user_id);
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let changed = match (m, add) {
                (Membership::SystemVms, true) => sqlx::query("INSERT INTO system_virtual_machines (system_id, virtual_machine_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(parent).bind(member).execute(&mut *tx).await?,
                (Membership::SystemVms, false) => sqlx::query("DELETE FROM system_virtual_machines WHERE system_id = $1 AND virtual_machine_id = $2")
                    .bind(parent).bind(member).execute(&mut *tx).await?,
                (Membership::SetInstances, true) => {
                    let same: bool = sqlx::query_scalar("SELECT s.tenant_id = i.tenant_id FROM instance_sets s, instances i WHERE s.id = $1 AND i.id = $2")
                        .bind(parent).bind(member).fetch_one(&mut *tx).await?;
                    if !same {
                        return Err(StoreError::Conflict("the instance belongs to another tenant than the set".into()));
                    }
                    sqlx::query("INSERT INTO instance_set_members (id, set_id, instance_id, role, added_by, joined_at) VALUES ($1, $2, $3, 'member', $4, $5) ON CONFLICT DO NOTHING")
                        .bind(Uuid::now_v7()).bind(parent).bind(member).bind(by).bind(now).execute(&mut *tx).await?
                }
                (Membership::SetInstances, false) => sqlx::query("DELETE FROM instance_set_members WHERE set_id = $1 AND instance_id = $2")
                    .bind(parent).bind(member).execute(&mut *tx).await?,
                (Membership::GroupUsers, true) => sqlx::query("INSERT INTO user_group_members (id, group_id, user_id, added_by, joined_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                    .bind(Uuid::now_v7()).bind(parent).bind(member).bind(by).bind(now).execute(&mut *tx).await?,
                (Membership::GroupUsers, false) => sqlx::query("DELETE FROM user_group_members WHERE group_id = $1 AND user_id = $2")
                    .bind(parent).bind(member).execute(&mut *tx).await?,
            };
            if changed.rows_affected() == 0 {
                return Err(StoreError::Conflict(if add { "already a member".into() } else { "not a member".to_string() }));
            }
            tx.audit(&audit.entity(parent).details(serde_json::json!({"member": member.to_string()}))).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(())
    }
}
