//! Each kind's rules that need the database, checked inside the writing transaction after the
//! row is written (so a create and an update are checked alike, against what would be
//! committed): subnets inside their VPC and apart from their siblings, gateways inside their
//! subnet, addresses usable in their subnet, groups without loops, machines in their pool's
//! site, partitions within their disk, a tenant's admin inside the tenant, and quotas.

use super::spec;
use crate::domain::infra::quota::{Quota, Usage};
use crate::domain::infra::{Kind, net};
use crate::store::StoreError;
use uuid::Uuid;

pub(super) fn invalid(msg: impl Into<String>) -> StoreError {
    StoreError::Conflict(msg.into())
}

/// A subnet: (cidr, gateway, vpc cidr, sibling cidrs).
pub(super) fn subnet(
    cidr: &str,
    gateway: Option<&str>,
    vpc: &str,
    siblings: &[(String, String)],
) -> Result<(), StoreError> {
    let c = net::Cidr::parse(cidr).map_err(|e| invalid(e.to_string()))?;
    let v = net::Cidr::parse(vpc).map_err(|e| invalid(e.to_string()))?;
    if !v.covers(&c) {
        return Err(invalid(net::NetError::NotInside(c, v).to_string()));
    }
    if let Some(g) = gateway {
        net::check_gateway(&c, g).map_err(|e| invalid(format!("gateway {g}: {e}")))?;
    }
    for (name, other) in siblings {
        if let Ok(o) = net::Cidr::parse(other)
            && (o.covers(&c) || c.covers(&o))
        {
            return Err(invalid(format!("{c} overlaps subnet {name} ({o})")));
        }
    }
    Ok(())
}

/// A VPC whose block changed must still hold its subnets.
pub(super) fn vpc(cidr: &str, subnets: &[(String, String)]) -> Result<(), StoreError> {
    let v = net::Cidr::parse(cidr).map_err(|e| invalid(e.to_string()))?;
    for (name, s) in subnets {
        if let Ok(c) = net::Cidr::parse(s)
            && !v.covers(&c)
        {
            return Err(invalid(format!("subnet {name} ({c}) would be outside {v}")));
        }
    }
    Ok(())
}

pub(super) fn address(addr: &str, subnet_cidr: Option<&str>) -> Result<(), StoreError> {
    let ip = net::parse_ip(addr).map_err(|e| invalid(e.to_string()))?;
    if let Some(c) = subnet_cidr {
        let c = net::Cidr::parse(c).map_err(|e| invalid(e.to_string()))?;
        c.check_host(ip).map_err(|e| invalid(e.to_string()))?;
    }
    Ok(())
}

/// What a row counts against its tenant's quota: (tenant, usage) SQL for `kind`, `$1` = id.
pub(super) fn contribution_sql(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Instances => Some(
            "SELECT t.tenant_id, CAST(CASE WHEN t.status = 'deleted' THEN 0 ELSE 1 END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' THEN 0 ELSE CAST(t.cpu_cores AS BIGINT) END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' THEN 0 ELSE CAST(t.memory_bytes AS BIGINT) END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' THEN 0 ELSE CAST(t.storage_bytes AS BIGINT) END AS BIGINT) FROM instances t WHERE t.id = $1",
        ),
        Kind::Vms => Some(
            "SELECT u.tenant_id, CAST(CASE WHEN t.status = 'deleted' OR t.instance_id IS NOT NULL THEN 0 ELSE 1 END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' OR t.instance_id IS NOT NULL THEN 0 ELSE CAST(t.cpu_cores AS BIGINT) END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' OR t.instance_id IS NOT NULL THEN 0 ELSE CAST(t.memory_bytes AS BIGINT) END AS BIGINT), \
             CAST(CASE WHEN t.status = 'deleted' OR t.instance_id IS NOT NULL THEN 0 ELSE CAST(t.storage_bytes AS BIGINT) END AS BIGINT) \
             FROM virtual_machines t JOIN users u ON u.id = t.owner_id WHERE t.id = $1",
        ),
        Kind::Disks => Some(
            "SELECT t.tenant_id, CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(0 AS BIGINT), CAST(t.size_bytes AS BIGINT) \
             FROM private_data_disks t WHERE t.id = $1",
        ),
        _ => None,
    }
}

pub(super) fn usage_of_tenant_sql() -> String {
    format!(
        "SELECT t.name, CAST(t.quota_cpu_cores AS BIGINT), CAST(t.quota_memory_bytes AS BIGINT), CAST(t.quota_storage_bytes AS BIGINT), \
         CAST(t.quota_instances AS BIGINT), {}, {}, {}, {} FROM tenants t WHERE t.id = $1",
        spec::usage_sql("instances", "t.id"),
        spec::usage_sql("cpu", "t.id"),
        spec::usage_sql("memory", "t.id"),
        spec::usage_sql("storage", "t.id"),
    )
}

pub(super) type Contribution = (Option<Uuid>, i64, i64, i64, i64);
pub(super) type TenantUsage = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>, i64, i64, i64, i64);

pub(super) fn usage(c: &Contribution) -> Usage {
    Usage { instances: c.1, cpu_cores: c.2, memory_bytes: c.3, storage_bytes: c.4 }
}

/// After a write: refuse when the row grew past its tenant's quota. `before` is what the row
/// counted before (nothing for a new row), `after` what it counts now, `t` the tenant's
/// quota and usage including `after`.
pub(super) fn quota(before: Usage, after: Usage, t: &TenantUsage) -> Result<(), StoreError> {
    let q = Quota { cpu_cores: t.1, memory_bytes: t.2, storage_bytes: t.3, instances: t.4 };
    let now = Usage { instances: t.5, cpu_cores: t.6, memory_bytes: t.7, storage_bytes: t.8 };
    let grow = |a: i64, b: i64| (a - b).max(0);
    let add = Usage {
        instances: grow(after.instances, before.instances),
        cpu_cores: grow(after.cpu_cores, before.cpu_cores),
        memory_bytes: grow(after.memory_bytes, before.memory_bytes),
        storage_bytes: grow(after.storage_bytes, before.storage_bytes),
    };
    let used = Usage {
        instances: now.instances - add.instances,
        cpu_cores: now.cpu_cores - add.cpu_cores,
        memory_bytes: now.memory_bytes - add.memory_bytes,
        storage_bytes: now.storage_bytes - add.storage_bytes,
    };
    q.admit(&t.0, used, add).map_err(|e| StoreError::Conflict(e.to_string()))
}

/// Sizes of the items on a container must fit it: `(label, capacity, used)`.
pub(super) fn fits(what: &str, capacity: i64, used: i64) -> Result<(), StoreError> {
    if used > capacity {
        return Err(invalid(format!(
            "{what}: {} in use would exceed its {}",
            crate::domain::infra::units::show(used),
            crate::domain::infra::units::show(capacity)
        )));
    }
    Ok(())
}

/// Check `kind`'s rules for row `$id` inside transaction `$tx` (the row as written).
macro_rules! check_rules {
    ($tx:ident, $kind:expr, $id:expr) => {{
        use crate::domain::infra::Kind as K;
        let id: Uuid = $id;
        match $kind {
            K::Subnets => {
                let (cidr, gateway, vpc_id, vpc): (String, Option<String>, Uuid, String) = sqlx::query_as(
                    "SELECT t.cidr_block, t.gateway, t.vpc_id, v.cidr_block FROM subnets t JOIN vpcs v ON v.id = t.vpc_id WHERE t.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                let siblings: Vec<(String, String)> =
                    sqlx::query_as("SELECT name, cidr_block FROM subnets WHERE vpc_id = $1 AND id <> $2")
                        .bind(vpc_id)
                        .bind(id)
                        .fetch_all(&mut *$tx)
                        .await?;
                rules::subnet(&cidr, gateway.as_deref(), &vpc, &siblings)?;
            }
            K::Networks => {
                let cidr: String =
                    sqlx::query_scalar("SELECT cidr_block FROM vpcs WHERE id = $1").bind(id).fetch_one(&mut *$tx).await?;
                let subnets: Vec<(String, String)> = sqlx::query_as("SELECT name, cidr_block FROM subnets WHERE vpc_id = $1")
                    .bind(id)
                    .fetch_all(&mut *$tx)
                    .await?;
                rules::vpc(&cidr, &subnets)?;
            }
            K::Addresses => {
                let (addr, cidr): (String, Option<String>) = sqlx::query_as(
                    "SELECT t.address, s.cidr_block FROM ip_addresses t LEFT JOIN subnets s ON s.id = t.subnet_id WHERE t.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                rules::address(&addr, cidr.as_deref())?;
            }
            K::Groups => {
                let (tenant, parent): (Uuid, Option<Uuid>) =
                    sqlx::query_as("SELECT tenant_id, parent_group_id FROM user_groups WHERE id = $1")
                        .bind(id)
                        .fetch_one(&mut *$tx)
                        .await?;
                if let Some(parent) = parent {
                    let all: Vec<(Uuid, Uuid, Option<Uuid>)> =
                        sqlx::query_as("SELECT id, tenant_id, parent_group_id FROM user_groups").fetch_all(&mut *$tx).await?;
                    if all.iter().any(|(g, t, _)| *g == parent && *t != tenant) {
                        return Err(rules::invalid("a group's parent must belong to the same tenant"));
                    }
                    let map: std::collections::HashMap<Uuid, Option<Uuid>> =
                        all.into_iter().filter(|(g, _, _)| *g != id).map(|(g, _, p)| (g, p)).collect();
                    if crate::domain::infra::groups::would_cycle(&map, id, parent) {
                        return Err(rules::invalid("that parent is inside this group: groups cannot form a loop"));
                    }
                }
            }
            // The tenant's admin becomes a tenant admin: their reach is this tenant from now on.
            K::Tenants => {
                let admin: Option<Uuid> =
                    sqlx::query_scalar("SELECT admin_user_id FROM tenants WHERE id = $1").bind(id).fetch_one(&mut *$tx).await?;
                if let Some(admin) = admin {
                    let n = sqlx::query("UPDATE users SET tenant_id = $1 WHERE id = $2 AND (tenant_id IS NULL OR tenant_id = $1)")
                        .bind(id)
                        .bind(admin)
                        .execute(&mut *$tx)
                        .await?;
                    if n.rows_affected() == 0 {
                        return Err(rules::invalid("that user already belongs to another tenant"));
                    }
                }
            }
            K::Machines => {
                let same: bool = sqlx::query_scalar(
                    "SELECT p.site_id = t.site_id FROM compute_machines t JOIN resource_pools p ON p.id = t.resource_pool_id WHERE t.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                if !same {
                    return Err(rules::invalid("the machine's pool belongs to another site"));
                }
            }
            K::Partitions => {
                let (capacity, used): (i64, i64) = sqlx::query_as(
                    "SELECT CAST(d.size_bytes AS BIGINT), CAST((SELECT COALESCE(SUM(p.size_bytes), 0) FROM partitions p WHERE p.disk_id = d.id) AS BIGINT) \
                     FROM partitions t JOIN disks d ON d.id = t.disk_id WHERE t.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                rules::fits("the disk's partitions", capacity, used)?;
            }
            K::Disks => {
                let (exclusive, max, attached): (bool, i64, i64) = sqlx::query_as(
                    "SELECT t.share_mode = 'exclusive', CAST(t.max_attachments AS BIGINT), \
                     (SELECT count(*) FROM private_data_disk_attachments a WHERE a.disk_id = t.id) FROM private_data_disks t WHERE t.id = $1",
                )
                .bind(id)
                .fetch_one(&mut *$tx)
                .await?;
                if attached > if exclusive { 1 } else { max } {
                    return Err(rules::invalid(format!("the disk is attached {attached} times; detach it first")));
                }
                sqlx::query("UPDATE private_data_disk_attachments SET exclusive = $2 WHERE disk_id = $1")
                    .bind(id)
                    .bind(exclusive)
                    .execute(&mut *$tx)
                    .await?;
            }
            _ => {}
        }
    }};
}
pub(super) use check_rules;
