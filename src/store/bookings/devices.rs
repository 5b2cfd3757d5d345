//! Devices with their tags, current owners and latest health; ownership history, health
//! snapshots and maintenance windows.

use crate::domain::audit::Entry;
use crate::domain::bookings::Interval;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DeviceRow {
    pub id: Uuid,
    pub device_type: String,
    pub name: String,
    pub polatis_name: Option<String>,
    pub out_port: i64,
    pub in_port: i64,
    pub ip_address: Option<String>,
    pub status: String,
    pub capacity: i64,
    pub retired_at: Option<DateTime<Utc>>,
    #[sqlx(skip)]
    pub tags: Vec<String>,
    #[sqlx(skip)]
    pub owners: Vec<String>,
    #[sqlx(skip)]
    pub health: Option<String>,
}

/// A device as typed into the form (sanitised by the engine).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceInput {
    pub name: String,
    pub device_type: String,
    pub polatis_name: Option<String>,
    pub out_port: i64,
    pub in_port: i64,
    pub ip_address: Option<String>,
    pub status: String,
    pub capacity: i64,
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OwnershipRow {
    pub owner: String,
    pub assigned_by: Option<String>,
    pub assigned_at: DateTime<Utc>,
    pub revoked_by: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct HealthRow {
    pub status: String,
    pub heartbeat_at: Option<DateTime<Utc>>,
    pub recorded_at: DateTime<Utc>,
    /// The snapshot's metrics, JSON text (free-form, as seed 003 has them).
    pub metrics: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MaintenanceRow {
    pub id: Uuid,
    pub device_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl MaintenanceRow {
    pub fn interval(&self) -> Interval {
        Interval { start: self.starts_at, end: self.ends_at }
    }
}

const DEVICES: &str = "SELECT id, device_type, name, polatis_name, out_port, in_port, ip_address, status, capacity, retired_at \
     FROM devices ORDER BY device_type, name";

impl Store {
    /// Every device (retired ones too, marked), with tags, current owners and latest health.
    pub async fn devices(&self, actor: &Actor) -> Result<Vec<DeviceRow>, StoreError> {
        actor.require(Resource::Device, Action::Read)?;
        let mut rows: Vec<DeviceRow> = on_pool!(self, p => sqlx::query_as(DEVICES).fetch_all(p).await?);
        let tags: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT dt.device_id, t.name FROM device_tags dt JOIN tags t ON t.id = dt.tag_id ORDER BY t.name").fetch_all(p).await?);
        let owners: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT o.device_id, u.username FROM device_ownership o JOIN users u ON u.id = o.owner_id \
             WHERE o.revoked_at IS NULL ORDER BY u.username").fetch_all(p).await?);
        let health: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT h.device_id, h.status FROM device_health_snapshots h WHERE h.recorded_at = \
             (SELECT max(x.recorded_at) FROM device_health_snapshots x WHERE x.device_id = h.device_id)").fetch_all(p).await?);
        let mut by_id: HashMap<Uuid, usize> = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            by_id.insert(r.id, i);
        }
        for (d, t) in tags {
            if let Some(&i) = by_id.get(&d) {
                rows[i].tags.push(t);
            }
        }
        for (d, o) in owners {
            if let Some(&i) = by_id.get(&d) {
                rows[i].owners.push(o);
            }
        }
        for (d, h) in health {
            if let Some(&i) = by_id.get(&d) {
                rows[i].health = Some(h);
            }
        }
        Ok(rows)
    }

    pub async fn device_id_by_name(&self, actor: &Actor, name: &str) -> Result<Uuid, StoreError> {
        actor.require(Resource::Device, Action::Read)?;
        let id: Option<Uuid> = on_pool!(self, p => sqlx::query_scalar("SELECT id FROM devices WHERE name = $1 ORDER BY created_at LIMIT 1")
            .bind(name).fetch_optional(p).await?);
        id.ok_or_else(|| StoreError::NotFound(format!("device {name}")))
    }

    /// Create (`id` None) or edit a device; tags are replaced by the given set.
    pub async fn save_device(&self, id: Option<Uuid>, d: &DeviceInput, audit: Entry) -> Result<Uuid, StoreError> {
        let now = time::now();
        let id_out = id.unwrap_or_else(Uuid::now_v7);
        audited!(self, tx, audit.entity(id_out), {
            if id.is_some() {
                let n = sqlx::query(
                    "UPDATE devices SET device_type = $2, name = $3, polatis_name = $4, out_port = $5, in_port = $6, \
                     ip_address = $7, status = $8, capacity = $9, updated_at = $10 WHERE id = $1",
                )
                .bind(id_out)
                .bind(&d.device_type)
                .bind(&d.name)
                .bind(&d.polatis_name)
                .bind(d.out_port)
                .bind(d.in_port)
                .bind(&d.ip_address)
                .bind(&d.status)
                .bind(d.capacity)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| match &e {
                    sqlx::Error::Database(db)
                        if db.message().contains("device port used by a topology link")
                            || db.constraint() == Some("devices_ports_linked") =>
                    {
                        StoreError::Conflict("a topology links a port this change removes: unlink it first".into())
                    }
                    _ => e.into(),
                })?;
                if n.rows_affected() == 0 {
                    return Err(StoreError::NotFound("device".into()));
                }
                sqlx::query("DELETE FROM device_tags WHERE device_id = $1").bind(id_out).execute(&mut *tx).await?;
            } else {
                sqlx::query("INSERT INTO devices (id, device_type, name, polatis_name, out_port, in_port, ip_address, status, capacity, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                    .bind(id_out).bind(&d.device_type).bind(&d.name).bind(&d.polatis_name).bind(d.out_port).bind(d.in_port)
                    .bind(&d.ip_address).bind(&d.status).bind(d.capacity).bind(now).execute(&mut *tx).await?;
            }
            for t in &d.tags {
                sqlx::query(
                    "INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
                )
                .bind(Uuid::now_v7())
                .bind(t)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                sqlx::query("INSERT INTO device_tags (device_id, tag_id, created_at) SELECT $1, id, $3 FROM tags WHERE name = $2 \
                     ON CONFLICT DO NOTHING").bind(id_out).bind(t).bind(now).execute(&mut *tx).await?;
            }
        });
        Ok(id_out)
    }

    /// Retire a device: it keeps its history but takes no new bookings.
    pub async fn retire_device(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        audited!(self, tx, audit.entity(id), {
            sqlx::query("UPDATE devices SET retired_at = $2, status = 'offline', updated_at = $2 WHERE id = $1 AND retired_at IS NULL")
                .bind(id).bind(now).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Give a device to an owner (a no-op conflict if they already own it).
    pub async fn assign_owner(&self, device: Uuid, owner: Uuid, by: Uuid, audit: Entry) -> Result<(), StoreError> {
        audited!(self, tx, audit.entity(device), {
            sqlx::query("INSERT INTO device_ownership (id, device_id, owner_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(Uuid::now_v7()).bind(device).bind(owner).bind(by).bind(time::now()).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Hand a device over: every current owner's ownership ends and `to`'s begins, in one
    /// transaction (the history keeps both). Returns the previous owners' names.
    pub async fn transfer_owner(
        &self,
        device: Uuid,
        to: Uuid,
        by: Uuid,
        audit: Entry,
    ) -> Result<Vec<String>, StoreError> {
        let now = time::now();
        Ok(audited!(self, tx, from => audit.entity(device).detail("from", from.join(", ").as_str()), {
            let current: Vec<(Uuid, String)> = sqlx::query_as(
                "SELECT o.owner_id, u.username FROM device_ownership o JOIN users u ON u.id = o.owner_id \
                 WHERE o.device_id = $1 AND o.revoked_at IS NULL ORDER BY u.username")
                .bind(device).fetch_all(&mut *tx).await?;
            if current.len() == 1 && current[0].0 == to {
                return Err(StoreError::Conflict(format!("{} already owns it", current[0].1)));
            }
            sqlx::query("UPDATE device_ownership SET revoked_at = $2, revoked_by = $3 WHERE device_id = $1 AND revoked_at IS NULL")
                .bind(device).bind(now).bind(by).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO device_ownership (id, device_id, owner_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(Uuid::now_v7()).bind(device).bind(to).bind(by).bind(now).execute(&mut *tx).await?;
            current.into_iter().map(|c| c.1).collect::<Vec<String>>()
        }))
    }

    /// The device's current owners.
    pub async fn owners_of(&self, device: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT owner_id FROM device_ownership WHERE device_id = $1 AND revoked_at IS NULL")
            .bind(device).fetch_all(p).await?),
        )
    }

    pub async fn revoke_owner(&self, device: Uuid, owner: Uuid, by: Uuid, audit: Entry) -> Result<(), StoreError> {
        audited!(self, tx, audit.entity(device), {
            let n = sqlx::query("UPDATE device_ownership SET revoked_at = $3, revoked_by = $4 WHERE device_id = $1 AND owner_id = $2 AND revoked_at IS NULL")
                .bind(device).bind(owner).bind(time::now()).bind(by).execute(&mut *tx).await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::NotFound("ownership".into()));
            }
        });
        Ok(())
    }

    /// Every owner a device ever had, newest first.
    pub async fn ownership_history(&self, actor: &Actor, device: Uuid) -> Result<Vec<OwnershipRow>, StoreError> {
        actor.require(Resource::Device, Action::Read)?;
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT o.username AS owner, a.username AS assigned_by, d.assigned_at, r.username AS revoked_by, d.revoked_at \
             FROM device_ownership d JOIN users o ON o.id = d.owner_id LEFT JOIN users a ON a.id = d.assigned_by \
             LEFT JOIN users r ON r.id = d.revoked_by WHERE d.device_id = $1 ORDER BY d.assigned_at DESC")
            .bind(device).fetch_all(p).await?))
    }

    pub async fn record_health(&self, device: Uuid, status: &str, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        audited!(self, tx, audit.entity(device), {
            sqlx::query("INSERT INTO device_health_snapshots (id, device_id, status, heartbeat_at, recorded_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(Uuid::now_v7()).bind(device).bind(status).bind(now).execute(&mut *tx).await?;
        });
        Ok(())
    }

    pub async fn health_history(&self, actor: &Actor, device: Uuid, limit: i64) -> Result<Vec<HealthRow>, StoreError> {
        actor.require(Resource::Device, Action::Read)?;
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT status, heartbeat_at, recorded_at, CAST(metrics AS TEXT) AS metrics FROM device_health_snapshots \
             WHERE device_id = $1 ORDER BY recorded_at DESC LIMIT $2")
            .bind(device).bind(limit).fetch_all(p).await?))
    }

    /// Add a maintenance window. Bookings already inside it stay (nothing is lost); the
    /// engine reports them so someone can move them.
    pub async fn add_maintenance(
        &self,
        device: Uuid,
        at: Interval,
        reason: &str,
        by: Uuid,
        audit: Entry,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        audited!(self, tx, audit.entity(id), {
            sqlx::query("INSERT INTO maintenance_windows (id, device_id, starts_at, ends_at, reason, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
                .bind(id).bind(device).bind(at.start).bind(at.end).bind(reason).bind(by).bind(now).execute(&mut *tx).await?;
        });
        Ok(id)
    }

    pub async fn cancel_maintenance(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        audited!(self, tx, audit.entity(id), {
            sqlx::query("UPDATE maintenance_windows SET cancelled_at = $2, updated_at = $2 WHERE id = $1 AND cancelled_at IS NULL")
                .bind(id).bind(now).execute(&mut *tx).await?;
        });
        Ok(())
    }

    /// Uncancelled maintenance overlapping `[from, to)`.
    pub async fn maintenance_between(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<MaintenanceRow>, StoreError> {
        actor.require(Resource::Device, Action::Read)?;
        Ok(on_pool!(self, p => sqlx::query_as(
            "SELECT id, device_id, starts_at, ends_at, reason FROM maintenance_windows \
             WHERE cancelled_at IS NULL AND starts_at < $2 AND ends_at > $1 ORDER BY starts_at")
            .bind(from).bind(to).fetch_all(p).await?))
    }
}
