//! Favorites: a booking group's devices saved under a name (with a snapshot of their names
//! and types, so a favorite still reads right after a device is renamed or removed).

use crate::domain::audit::Entry;
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct FavoriteRow {
    pub id: Uuid,
    pub name: String,
    /// (device id if it still exists, name, type) as saved.
    pub devices: Vec<(Option<Uuid>, String, String)>,
}

impl Store {
    /// Save a group's devices as the owner's favorite `name`.
    pub async fn save_favorite(&self, user: Uuid, group: Uuid, name: &str, audit: Entry) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        audited!(self, tx, audit.entity(id), {
            sqlx::query("INSERT INTO booking_favorites (id, user_id, source_group_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(id).bind(user).bind(group).bind(name).bind(time::now()).execute(&mut *tx).await?;
            let devices: Vec<(Uuid, String, String)> = sqlx::query_as(
                "SELECT DISTINCT d.id, d.name, d.device_type FROM bookings b JOIN devices d ON d.id = b.device_id WHERE b.group_id = $1")
                .bind(group).fetch_all(&mut *tx).await?;
            if devices.is_empty() {
                return Err(StoreError::NotFound("booking".into()));
            }
            for (d, name, kind) in devices {
                sqlx::query("INSERT INTO booking_favorite_devices (id, favorite_id, device_id, device_name, device_type) VALUES ($1, $2, $3, $4, $5)")
                    .bind(Uuid::now_v7()).bind(id).bind(d).bind(name).bind(kind).execute(&mut *tx).await?;
            }
        });
        Ok(id)
    }

    pub async fn favorites(&self, actor: &Actor) -> Result<Vec<FavoriteRow>, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        let heads: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, name FROM booking_favorites WHERE user_id = $1 ORDER BY name").bind(actor.user_id).fetch_all(p).await?);
        let devices: Vec<(Uuid, Option<Uuid>, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT fd.favorite_id, fd.device_id, fd.device_name, fd.device_type FROM booking_favorite_devices fd \
             JOIN booking_favorites f ON f.id = fd.favorite_id WHERE f.user_id = $1 ORDER BY fd.device_name")
            .bind(actor.user_id).fetch_all(p).await?);
        Ok(heads
            .into_iter()
            .map(|(id, name)| FavoriteRow {
                id,
                name,
                devices: devices.iter().filter(|d| d.0 == id).map(|d| (d.1, d.2.clone(), d.3.clone())).collect(),
            })
            .collect())
    }

    pub async fn delete_favorite(&self, actor: &Actor, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        audited!(self, tx, audit.entity(id), {
            let n = sqlx::query("DELETE FROM booking_favorites WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(actor.user_id)
                .execute(&mut *tx)
                .await?;
            if n.rows_affected() == 0 {
                return Err(StoreError::NotFound("favorite".into()));
            }
        });
        Ok(())
    }
}
