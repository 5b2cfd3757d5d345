//! Creating, editing and deleting records: references resolved within the actor's scope, the
//! tenant and owner filled in, the row written, the kind's rules and the tenant's quota
//! checked in the same transaction, the audit entry written beside it.

use super::rules::{self, Contribution, TenantUsage, check_rules};
use super::{DOMAIN, scope, spec};
use crate::domain::audit::Entry;
use crate::domain::infra::{FieldKind, Input, Kind};
use crate::domain::rbac::{Action, Actor};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

/// A value ready to bind, typed for its column (a NULL must be typed on PostgreSQL).
#[derive(Debug, Clone)]
enum Bound {
    Text(Option<String>),
    Int(Option<i64>),
    Bool(Option<bool>),
    Id(Option<Uuid>),
}

/// A tenant admin's records stay in their tenant: a tenant they name is ignored.
fn own_tenant_only(actor: &Actor, inputs: &[(String, Input)]) -> Vec<(String, Input)> {
    inputs.iter().filter(|(n, _)| actor.tenant_id.is_none() || n != "tenant_id").cloned().collect()
}

macro_rules! bind_all {
    ($q:expr, $vals:expr) => {{
        let mut q = $q;
        for b in $vals {
            q = match b {
                Bound::Text(v) => q.bind(v.clone()),
                Bound::Int(v) => q.bind(*v),
                Bound::Bool(v) => q.bind(*v),
                Bound::Id(v) => q.bind(*v),
            };
        }
        q
    }};
}

/// Take the tenant's row lock first, so two writers cannot both fit under one quota
/// (SQLite's writer lock already orders them; PostgreSQL needs the row lock).
macro_rules! lock_tenant {
    ($tx:ident, $tenant:expr) => {
        if let Some(t) = $tenant {
            sqlx::query("UPDATE tenants SET updated_at = updated_at WHERE id = $1").bind(t).execute(&mut *$tx).await?;
        }
    };
}

/// Refuse (and so roll back) when row `$id` is outside the actor's write scope.
macro_rules! in_scope {
    ($tx:ident, $kind:expr, $id:expr, $cond:expr, $tenant:expr) => {
        if let Some(t) = $tenant {
            let sql = format!("SELECT count(*) FROM {} t WHERE t.id = $1 AND {}", spec::table($kind), $cond);
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind($id).bind(t).fetch_one(&mut *$tx).await?;
            if n == 0 {
                return Err(StoreError::NotFound(format!("{} in your tenant", $kind.singular())));
            }
        } else {
            let sql = format!("SELECT count(*) FROM {} t WHERE t.id = $1", spec::table($kind));
            let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind($id).fetch_one(&mut *$tx).await?;
            if n == 0 {
                return Err(StoreError::NotFound($kind.singular().into()));
            }
        }
    };
}

/// After a row is written: it is still the actor's, its kind's rules and its tenant's quota
/// hold; then the audit entry, the revision bump and the commit.
macro_rules! checked_commit {
    ($tx:ident, $kind:expr, $id:expr, $cond:expr, $tenant:expr, $before:expr, $audit:expr) => {
        in_scope!($tx, $kind, $id, $cond, $tenant);
        check_rules!($tx, $kind, $id);
        check_quota!($tx, $kind, $id, $before);
        $tx.audit(&$audit).await?;
        $tx.bump(DOMAIN).await?;
        $tx.commit().await?;
    };
}

/// Refuse when row `$id` now counts more against its tenant's quota than it did before and
/// the tenant's limits are passed.
macro_rules! check_quota {
    ($tx:ident, $kind:expr, $id:expr, $before:expr) => {
        if let Some(sql) = rules::contribution_sql($kind) {
            let after: Option<Contribution> =
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind($id).fetch_optional(&mut *$tx).await?;
            if let Some(after) = after
                && let Some(tenant) = after.0
            {
                let t: TenantUsage = sqlx::query_as(sqlx::AssertSqlSafe(rules::usage_of_tenant_sql()))
                    .bind(tenant)
                    .fetch_one(&mut *$tx)
                    .await?;
                let before = $before
                    .filter(|b: &Contribution| b.0 == Some(tenant))
                    .map(|b| rules::usage(&b))
                    .unwrap_or_default();
                rules::quota(before, rules::usage(&after), &t)?;
            }
        }
    };
}

impl Store {
    /// Turn typed inputs into column values: references found within the actor's scope.
    async fn bind_inputs(
        &self,
        actor: &Actor,
        kind: Kind,
        inputs: &[(String, Input)],
    ) -> Result<Vec<(&'static str, Bound)>, StoreError> {
        let mut out = Vec::with_capacity(inputs.len());
        for (name, input) in inputs {
            let field = kind
                .field(name)
                .filter(|f| !f.kind.computed())
                .ok_or_else(|| StoreError::Conflict(format!("{} has no field '{name}' to set", kind.singular())))?;
            let bound = match (field.kind, input) {
                (FieldKind::Ref(target), Input::Ref(key)) => {
                    Bound::Id(Some(self.infra_resolve(actor, target, key).await?))
                }
                (FieldKind::Ref(_), _) => Bound::Id(None),
                (FieldKind::Bool, Input::Bool(b)) => Bound::Bool(Some(*b)),
                (FieldKind::Bool, _) => Bound::Bool(None),
                (FieldKind::Int { .. } | FieldKind::Bytes | FieldKind::Vlan, Input::Int(n)) => Bound::Int(Some(*n)),
                (FieldKind::Int { .. } | FieldKind::Bytes | FieldKind::Vlan, _) => Bound::Int(None),
                (_, Input::Text(s)) => Bound::Text(Some(s.clone())),
                (_, _) => Bound::Text(None),
            };
            out.push((field.name, bound));
        }
        Ok(out)
    }

    /// Create a record of `kind`; its id comes back.
    pub async fn infra_create(
        &self,
        actor: &Actor,
        kind: Kind,
        inputs: &[(String, Input)],
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        actor.require(kind.resource(), Action::Create)?;
        let (write_cond, tenant) = scope(actor, kind, true, 2)?;
        let inputs = own_tenant_only(actor, inputs);
        let mut vals = self.bind_inputs(actor, kind, &inputs).await?;
        let has = |vals: &[(&str, Bound)], n: &str| vals.iter().any(|(c, b)| *c == n && !matches!(b, Bound::Id(None)));
        if kind.field("tenant_id").is_some() && kind != Kind::Tenants {
            match actor.tenant_id {
                Some(own) => {
                    vals.retain(|(c, _)| *c != "tenant_id");
                    vals.push(("tenant_id", Bound::Id(Some(own))));
                }
                None if !has(&vals, "tenant_id") && !matches!(kind, Kind::Images | Kind::Templates) => {
                    return Err(StoreError::Conflict(format!("Tenant is required for a {}", kind.singular())));
                }
                None => {}
            }
        }
        if let Some(owner) = spec::owner_column(kind)
            && !has(&vals, owner)
        {
            if actor.is_system() {
                return Err(StoreError::Conflict(format!(
                    "Owner is required for a {} (the command line acts as no user)",
                    kind.singular()
                )));
            }
            vals.retain(|(c, _)| *c != owner);
            vals.push((owner, Bound::Id(Some(actor.user_id))));
        }
        if kind == Kind::Disks && !has(&vals, "rbd_image_name") {
            let name = vals.iter().find_map(|(c, b)| match (c, b) {
                (&"name", Bound::Text(Some(n))) => Some(n.clone()),
                _ => None,
            });
            let slug: String =
                name.unwrap_or_default().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
            vals.push((
                "rbd_image_name",
                Bound::Text(Some(format!("pdd-{slug}-{}", &Uuid::now_v7().simple().to_string()[20..]))),
            ));
        }
        for f in kind.fields().iter().filter(|f| f.required && !f.kind.computed()) {
            let given = vals.iter().any(|(c, b)| {
                *c == f.name && !matches!(b, Bound::Text(None) | Bound::Int(None) | Bound::Id(None) | Bound::Bool(None))
            });
            if !given {
                return Err(StoreError::Conflict(format!("{} is required", f.label)));
            }
        }
        let id = Uuid::now_v7();
        let now = time::now();
        let stamps = spec::stamps(kind);
        let cols: Vec<&str> = vals.iter().map(|(c, _)| *c).collect();
        let marks: Vec<String> = (0..vals.len() + 1 + stamps.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "INSERT INTO {} (id, {}{}{}) VALUES ({})",
            spec::table(kind),
            cols.join(", "),
            if stamps.is_empty() { "" } else { ", " },
            stamps.join(", "),
            marks.join(", ")
        );
        let quota_tenant = self.quota_tenant(kind, &vals).await?;
        let bound: Vec<Bound> = vals.into_iter().map(|(_, b)| b).collect();
        let audit = audit.entity(id);
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            lock_tenant!(tx, quota_tenant);
            let before: Option<Contribution> = None;
            let mut q = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id), &bound);
            for _ in stamps {
                q = q.bind(now);
            }
            q.execute(&mut *tx).await?;
            checked_commit!(tx, kind, id, write_cond, tenant, before, audit);
        });
        Ok(id)
    }

    /// Change the given fields of a record.
    pub async fn infra_update(
        &self,
        actor: &Actor,
        kind: Kind,
        id: Uuid,
        inputs: &[(String, Input)],
        audit: Entry,
    ) -> Result<(), StoreError> {
        actor.require(kind.resource(), Action::Update)?;
        let (write_cond, tenant) = scope(actor, kind, true, 2)?;
        let inputs = own_tenant_only(actor, inputs);
        let vals = self.bind_inputs(actor, kind, &inputs).await?;
        if vals.is_empty() {
            return Err(StoreError::Conflict("nothing to change".into()));
        }
        let sets: Vec<String> = vals.iter().enumerate().map(|(i, (c, _))| format!("{c} = ${}", i + 3)).collect();
        let sql = format!("UPDATE {} SET updated_at = $2, {} WHERE id = $1", spec::table(kind), sets.join(", "));
        let quota_tenant = match self.quota_tenant(kind, &vals).await? {
            Some(t) => Some(t),
            None => self.row_tenant(kind, id).await?,
        };
        let bound: Vec<Bound> = vals.into_iter().map(|(_, b)| b).collect();
        let audit = audit.entity(id);
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            lock_tenant!(tx, quota_tenant);
            in_scope!(tx, kind, id, write_cond.clone(), tenant);
            let before: Option<Contribution> = match rules::contribution_sql(kind) {
                Some(sql) => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *tx).await?,
                None => None,
            };
            let q = bind_all!(sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).bind(now), &bound);
            q.execute(&mut *tx).await?;
            checked_commit!(tx, kind, id, write_cond, tenant, before, audit);
        });
        Ok(())
    }

    /// Delete a record, or mark it deleted where its kind keeps history. An instance gives
    /// back its addresses and data disks.
    pub async fn infra_delete(&self, actor: &Actor, kind: Kind, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        actor.require(kind.resource(), Action::Delete)?;
        let (write_cond, tenant) = scope(actor, kind, true, 2)?;
        let table = spec::table(kind);
        let sql = match kind.soft_delete() {
            Some(status) => format!("UPDATE {table} SET status = '{status}', updated_at = $2 WHERE id = $1"),
            None => format!("DELETE FROM {table} WHERE id = $1"),
        };
        let audit = audit.entity(id);
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            in_scope!(tx, kind, id, write_cond, tenant);
            if kind == Kind::Instances {
                // Its disks are detached (and free again if nothing else holds them), its
                // addresses released, as detach_disk and release_address leave them.
                let disks: Vec<Uuid> = sqlx::query_scalar("DELETE FROM private_data_disk_attachments WHERE instance_id = $1 RETURNING disk_id")
                    .bind(id).fetch_all(&mut *tx).await?;
                for disk in disks {
                    sqlx::query(super::links::FREE_IF_UNATTACHED).bind(disk).bind(now).execute(&mut *tx).await?;
                }
                sqlx::query(sqlx::AssertSqlSafe(format!("{} WHERE instance_id = $1 AND status = 'allocated'", super::ipam::RELEASED)))
                    .bind(id).bind(now).execute(&mut *tx).await?;
            }
            let q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
            let q = if kind.soft_delete().is_some() { q.bind(now) } else { q };
            q.execute(&mut *tx).await?;
            tx.audit(&audit).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// The tenant whose quota a row of `kind` with these values counts against.
    async fn quota_tenant(&self, kind: Kind, vals: &[(&str, Bound)]) -> Result<Option<Uuid>, StoreError> {
        let get = |n: &str| {
            vals.iter().find_map(|(c, b)| match b {
                Bound::Id(Some(id)) if *c == n => Some(*id),
                _ => None,
            })
        };
        Ok(match kind {
            Kind::Instances | Kind::Disks => get("tenant_id"),
            Kind::Vms => match get("owner_id") {
                Some(owner) => on_pool!(self, p => sqlx::query_scalar("SELECT tenant_id FROM users WHERE id = $1")
                    .bind(owner).fetch_optional(p).await?.flatten()),
                None => None,
            },
            _ => None,
        })
    }

    async fn row_tenant(&self, kind: Kind, id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let Some(sql) = rules::contribution_sql(kind) else { return Ok(None) };
        let c: Option<Contribution> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(p).await?);
        Ok(c.and_then(|c| c.0))
    }
}
