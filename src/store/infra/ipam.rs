//! IPAM: give out the next free address of a subnet (or a chosen one) and take it back,
//! atomically. The subnet's row is locked first (PostgreSQL; SQLite's writer lock already
//! serialises), so concurrent allocations on one subnet each get a different address; the
//! unique (subnet, address) key is the backstop.

use super::DOMAIN;
use crate::domain::audit::Entry;
use crate::domain::infra::{Kind, net};
use crate::domain::rbac::{Action, Actor};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use std::collections::HashSet;
use std::net::IpAddr;
use uuid::Uuid;

/// How many candidates one allocation looks at before saying the subnet is full.
const WALK_LIMIT: u64 = 1 << 20;

/// An address given back: available and tied to nothing ($2 the time; the caller adds WHERE).
pub(super) const RELEASED: &str = "UPDATE ip_addresses SET status = 'available', instance_id = NULL, virtual_machine_id = NULL, \
     allocated_at = NULL, allocated_by = NULL, lease_expires_at = NULL, updated_at = $2";

impl Store {
    /// Allocate `want` (or the lowest free host address) in `subnet`, for `instance` if given.
    pub async fn allocate_address(
        &self,
        actor: &Actor,
        subnet: Uuid,
        want: Option<IpAddr>,
        instance: Option<Uuid>,
        audit: Entry,
    ) -> Result<(Uuid, IpAddr), StoreError> {
        actor.require(Kind::Addresses.resource(), Action::Create)?;
        // The subnet (and the instance) must be the actor's to use.
        self.infra_get(actor, Kind::Subnets, subnet).await?;
        if let Some(i) = instance {
            self.infra_get(actor, Kind::Instances, i).await?;
        }
        let now = time::now();
        let out = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE subnets SET updated_at = updated_at WHERE id = $1").bind(subnet).execute(&mut *tx).await?;
            let (cidr, gateway, status): (String, Option<String>, String) =
                sqlx::query_as("SELECT cidr_block, gateway, status FROM subnets WHERE id = $1").bind(subnet).fetch_one(&mut *tx).await?;
            if status != "active" {
                return Err(StoreError::Conflict(format!("subnet {cidr} is {status}")));
            }
            let cidr = net::Cidr::parse(&cidr).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let rows: Vec<(Uuid, String, String, i64)> = sqlx::query_as(
                "SELECT id, address, status, CAST(range_size AS BIGINT) FROM ip_addresses WHERE subnet_id = $1",
            ).bind(subnet).fetch_all(&mut *tx).await?;
            let mut taken = HashSet::with_capacity(rows.len() + 1);
            let mut ranges = Vec::new();
            let mut free_rows = std::collections::HashMap::new();
            for (id, addr, st, size) in &rows {
                let Ok(ip) = addr.parse::<IpAddr>() else { continue };
                if st == "available" {
                    free_rows.insert(ip, *id);
                } else if *size > 1 {
                    ranges.push((ip, *size as u64));
                } else {
                    taken.insert(ip);
                }
            }
            if let Some(g) = gateway.as_deref().and_then(|g| g.parse::<IpAddr>().ok()) {
                taken.insert(g);
            }
            let ip = match want {
                Some(ip) => {
                    cidr.check_host(ip).map_err(|e| StoreError::Conflict(e.to_string()))?;
                    let in_range = ranges.iter().any(|(s, n)| range_holds(*s, *n, ip));
                    if taken.contains(&ip) || in_range {
                        return Err(StoreError::Conflict(format!("{ip} is already taken in {cidr}")));
                    }
                    ip
                }
                None => cidr
                    .next_free(&taken, &ranges, WALK_LIMIT)
                    .ok_or_else(|| StoreError::Conflict(format!("subnet {cidr} has no free address")))?,
            };
            let family = if ip.is_ipv4() { "ipv4" } else { "ipv6" };
            let who = (!actor.is_system()).then_some(actor.user_id);
            let id = match free_rows.get(&ip) {
                Some(&row) => {
                    sqlx::query("UPDATE ip_addresses SET status = 'allocated', instance_id = $2, allocated_at = $3, allocated_by = $4, updated_at = $3 WHERE id = $1")
                        .bind(row).bind(instance).bind(now).bind(who).execute(&mut *tx).await?;
                    row
                }
                None => {
                    let row = Uuid::now_v7();
                    sqlx::query("INSERT INTO ip_addresses (id, address, family, subnet_id, instance_id, status, allocated_at, allocated_by, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, 'allocated', $6, $7, $6, $6)")
                        .bind(row).bind(ip.to_string()).bind(family).bind(subnet).bind(instance).bind(now).bind(who)
                        .execute(&mut *tx).await?;
                    row
                }
            };
            tx.audit(&audit.entity(id).details(serde_json::json!({"address": ip.to_string(), "subnet": cidr.to_string()}))).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
            (id, ip)
        });
        Ok(out)
    }

    /// Give an allocated address back: it becomes available, tied to nothing.
    pub async fn release_address(&self, actor: &Actor, id: Uuid, audit: Entry) -> Result<String, StoreError> {
        actor.require(Kind::Addresses.resource(), Action::Update)?;
        let rec = self.infra_get(actor, Kind::Addresses, id).await?;
        let addr = rec.cells.first().map(|c| c.show()).unwrap_or_default();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(sqlx::AssertSqlSafe(format!("{RELEASED} WHERE id = $1 AND status = 'allocated'")))
                .bind(id).bind(now).execute(&mut *tx).await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!("{addr} is not allocated")));
            }
            tx.audit(&audit.entity(id).details(serde_json::json!({"address": addr}))).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
        });
        Ok(addr)
    }
}

fn range_holds(start: IpAddr, size: u64, ip: IpAddr) -> bool {
    let n = |a: IpAddr| match a {
        IpAddr::V4(v) => u32::from(v) as u128,
        IpAddr::V6(v) => u128::from(v),
    };
    start.is_ipv4() == ip.is_ipv4() && n(ip) >= n(start) && n(ip) < n(start).saturating_add(size as u128)
}
