//! Booking writes. A group over several devices is placed in one transaction: every device
//! gets a free capacity slot or nothing is written. Concurrent bookers queue: SQLite's
//! `BEGIN IMMEDIATE` admits one writer at a time, PostgreSQL locks each device row (in id
//! order, so two groups never deadlock), and the database guards stay the last word.

use super::DOMAIN;
use super::guard::{self, LOCK_DEVICE_PG};
use crate::domain::audit::Entry;
use crate::domain::bookings::approval::decision_comment;
use crate::domain::bookings::{DeviceStatus, Held, Interval, MAX_BOOKING, may_cancel, place};
use crate::domain::{notice, time};
use crate::store::notifications::insert_notification;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Backend, Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct NewGroup {
    pub owner: Uuid,
    pub title: String,
    pub devices: Vec<Uuid>,
    pub at: Interval,
    pub collaborators: Vec<Uuid>,
    pub comment: Option<String>,
    /// Booked by someone who may approve: no approval needed.
    pub approved: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupEdit {
    pub at: Interval,
    pub title: Option<String>,
}

/// Place one device inside the open transaction `$tx`: `Ok(Ok(slot))`, or `Ok(Err(why))`
/// when the rules refuse it.
macro_rules! place_device {
    ($tx:expr, $pg:expr, $device:expr, $at:expr, $except:expr) => {{
        let device: Uuid = $device;
        let at: Interval = $at;
        let except: Option<Uuid> = $except;
        if $pg {
            sqlx::query(LOCK_DEVICE_PG).bind(device).execute(&mut *$tx).await?;
        }
        let head: Option<(String, String, i64, Option<DateTime<Utc>>)> =
            sqlx::query_as("SELECT name, status, capacity, retired_at FROM devices WHERE id = $1")
                .bind(device)
                .fetch_optional(&mut *$tx)
                .await?;
        match head {
            None => Err(StoreError::NotFound("device".into())),
            Some((name, status, capacity, retired)) => {
                let held: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT slot, starts_at, ends_at FROM bookings WHERE device_id = $1 AND status IN ('pending','approved') \
                     AND starts_at < $3 AND starts_at > $4 AND ends_at > $2 AND ($5 IS NULL OR group_id <> $5)",
                )
                .bind(device)
                .bind(at.start)
                .bind(at.end)
                .bind(at.start - MAX_BOOKING)
                .bind(except)
                .fetch_all(&mut *$tx)
                .await?;
                let maint: Vec<(DateTime<Utc>, DateTime<Utc>)> = sqlx::query_as(
                    "SELECT starts_at, ends_at FROM maintenance_windows WHERE device_id = $1 AND cancelled_at IS NULL \
                     AND starts_at < $3 AND ends_at > $2",
                )
                .bind(device)
                .bind(at.start)
                .bind(at.end)
                .fetch_all(&mut *$tx)
                .await?;
                let held: Vec<Held> =
                    held.into_iter().map(|(slot, s, e)| Held { slot, at: Interval { start: s, end: e } }).collect();
                let maint: Vec<Interval> = maint.into_iter().map(|(s, e)| Interval { start: s, end: e }).collect();
                let status = if retired.is_some() {
                    DeviceStatus::Offline
                } else {
                    DeviceStatus::parse(&status).unwrap_or(DeviceStatus::Offline)
                };
                Ok(place(at, capacity, status, &held, &maint).map_err(|b| format!("{name}: {b}")))
            }
        }
    }};
}

fn refused(why: Vec<String>) -> StoreError {
    StoreError::Conflict(format!("conflict — {}", why.join("; ")))
}

impl Store {
    fn locks(&self) -> bool {
        self.backend() == Backend::Postgres
    }

    /// Book every device of a new group over one window, or none of them.
    pub async fn create_group(&self, g: &NewGroup, audit: Entry) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        let now = time::now();
        let mut devices = g.devices.clone();
        devices.sort();
        devices.dedup();
        let status = if g.approved { "approved" } else { "pending" };
        let pg = self.locks();
        let result: Result<(), StoreError> = on_pool!(self, p => async {
            let mut tx = p.begin_write().await?;
            let mut slots = Vec::with_capacity(devices.len());
            let mut why = Vec::new();
            for &d in &devices {
                match place_device!(tx, pg, d, g.at, None)? {
                    Ok(slot) => slots.push((d, slot)),
                    Err(w) => why.push(w),
                }
            }
            if !why.is_empty() {
                return Err(refused(why));
            }
            sqlx::query("INSERT INTO booking_groups (id, owner_id, title, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(id).bind(g.owner).bind(&g.title).bind(status).bind(now).execute(&mut *tx).await?;
            for (d, slot) in slots {
                sqlx::query("INSERT INTO bookings (id, group_id, device_id, user_id, starts_at, ends_at, status, slot, comment, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                    .bind(Uuid::now_v7()).bind(id).bind(d).bind(g.owner).bind(g.at.start).bind(g.at.end).bind(status).bind(slot)
                    .bind(&g.comment).bind(now).execute(&mut *tx).await.map_err(guard::map)?;
            }
            for c in &g.collaborators {
                sqlx::query("INSERT INTO booking_collaborators (group_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(id).bind(c).bind(g.owner).bind(now).execute(&mut *tx).await?;
            }
            if let Some(c) = g.comment.as_ref().filter(|c| !c.is_empty()) {
                sqlx::query("INSERT INTO booking_comments (id, group_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(Uuid::now_v7()).bind(id).bind(g.owner).bind(c).bind(now).execute(&mut *tx).await?;
            }
            tx.audit(&audit.clone().entity(id)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await.map_err(guard::map)?;
            Ok(())
        }.await);
        result.map(|_| id)
    }

    /// Move a group to a new window (extend, shorten, move), every device or none.
    pub async fn reschedule_group(&self, group: Uuid, e: &GroupEdit, audit: Entry) -> Result<(), StoreError> {
        let now = time::now();
        let pg = self.locks();
        on_pool!(self, p => async {
            let mut tx = p.begin_write().await?;
            let mut rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "SELECT id, device_id FROM bookings WHERE group_id = $1 AND status IN ('pending','approved')")
                .bind(group).fetch_all(&mut *tx).await?;
            if rows.is_empty() {
                return Err(StoreError::NotFound("active booking".into()));
            }
            rows.sort_by_key(|r| r.1);
            let mut why = Vec::new();
            let mut slots = Vec::new();
            for &(b, d) in &rows {
                match place_device!(tx, pg, d, e.at, Some(group))? {
                    Ok(slot) => slots.push((b, slot)),
                    Err(w) => why.push(w),
                }
            }
            if !why.is_empty() {
                return Err(refused(why));
            }
            for (b, slot) in slots {
                sqlx::query("UPDATE bookings SET starts_at = $2, ends_at = $3, slot = $4, updated_at = $5 WHERE id = $1")
                    .bind(b).bind(e.at.start).bind(e.at.end).bind(slot).bind(now).execute(&mut *tx).await.map_err(guard::map)?;
            }
            if let Some(t) = &e.title {
                sqlx::query("UPDATE booking_groups SET title = $2, updated_at = $3 WHERE id = $1")
                    .bind(group).bind(t).bind(now).execute(&mut *tx).await?;
            }
            tx.audit(&audit.clone().entity(group)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await.map_err(guard::map)?;
            Ok(())
        }.await)
    }

    /// Cancel every active booking of a group that has not ended yet; the rows stay as
    /// history. A booking that already ended cannot be cancelled (domain rule). The owner is
    /// told when someone else cancelled it, in the same transaction.
    pub async fn cancel_group(&self, group: Uuid, audit: Entry) -> Result<u64, StoreError> {
        let now = time::now();
        Ok(on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let head: Option<(Uuid, String)> = sqlx::query_as("SELECT owner_id, title FROM booking_groups WHERE id = $1")
                .bind(group).fetch_optional(&mut *tx).await?;
            let Some((owner, title)) = head else { return Err(StoreError::NotFound("booking".into())) };
            let active: Vec<(DateTime<Utc>, DateTime<Utc>)> =
                sqlx::query_as("SELECT starts_at, ends_at FROM bookings WHERE group_id = $1 AND status IN ('pending','approved')")
                    .bind(group).fetch_all(&mut *tx).await?;
            let Some(end) = active.iter().map(|a| a.1).max() else {
                return Err(StoreError::NotFound("active booking".into()));
            };
            let start = active.iter().map(|a| a.0).min().unwrap_or(end);
            may_cancel(Interval { start, end }, now).map_err(|e| StoreError::Conflict(e.to_string()))?;
            let n = sqlx::query("UPDATE bookings SET status = 'cancelled', updated_at = $2 WHERE group_id = $1 AND status IN ('pending','approved') AND ends_at > $2")
                .bind(group).bind(now).execute(&mut *tx).await?.rows_affected();
            sqlx::query("UPDATE booking_groups SET status = 'cancelled', updated_at = $2 WHERE id = $1")
                .bind(group).bind(now).execute(&mut *tx).await?;
            if audit.actor_id != Some(owner) {
                let (t, b) = notice::booking_cancelled(&title, &audit.actor_name);
                insert_notification!(tx, owner, notice::BOOKING_CANCELLED, &t, Some(b.as_str()), "booking_group", group, now).await?;
                tx.bump("notifications").await?;
            }
            tx.audit(&audit.entity(group).detail("title", title.as_str()).detail("bookings", n)).await?;
            tx.bump(DOMAIN).await?;
            tx.commit().await?;
            n
        }))
    }

    /// Approve or reject every pending booking of a group, with one decision row each. A
    /// rejection must carry a comment (domain rule). The owner is notified in the same
    /// transaction.
    pub async fn decide_group(
        &self,
        group: Uuid,
        approver: Uuid,
        approve: bool,
        comment: Option<&str>,
        audit: Entry,
    ) -> Result<u64, StoreError> {
        let now = time::now();
        let comment =
            decision_comment(approve, comment.unwrap_or_default()).map_err(|e| StoreError::Conflict(e.to_string()))?;
        let decision = if approve { "approved" } else { "rejected" };
        Ok(on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let head: Option<(Uuid, String)> = sqlx::query_as("SELECT owner_id, title FROM booking_groups WHERE id = $1")
                .bind(group).fetch_optional(&mut *tx).await?;
            let Some((owner, title)) = head else { return Err(StoreError::NotFound("booking".into())) };
            let ids: Vec<Uuid> =
                sqlx::query_scalar("SELECT id FROM bookings WHERE group_id = $1 AND status = 'pending'")
                    .bind(group)
                    .fetch_all(&mut *tx)
                    .await?;
            if ids.is_empty() {
                return Err(StoreError::Conflict("nothing in this group is waiting for a decision".into()));
            }
            for b in &ids {
                sqlx::query("UPDATE bookings SET status = $2, updated_at = $3 WHERE id = $1")
                    .bind(b)
                    .bind(decision)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO booking_approvals (id, booking_id, approver_id, decision, comment, decided_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(Uuid::now_v7()).bind(b).bind(approver).bind(decision).bind(comment.as_deref()).bind(now).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE booking_groups SET status = $2, updated_at = $3 WHERE id = $1")
                .bind(group)
                .bind(decision)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let (kind, (t, b)) = if approve {
                (notice::BOOKING_APPROVED, notice::booking_decided(&title, true, &audit.actor_name, comment.as_deref()))
            } else {
                (notice::BOOKING_REJECTED, notice::booking_decided(&title, false, &audit.actor_name, comment.as_deref()))
            };
            insert_notification!(tx, owner, kind, &t, Some(b.as_str()), "booking_group", group, now).await?;
            let e = audit.entity(group).detail("title", title.as_str()).detail("from", "pending").detail("to", decision)
                .detail("bookings", ids.len());
            tx.audit(&match comment.as_deref() { Some(c) => e.detail("comment", c), None => e }).await?;
            tx.bump(DOMAIN).await?;
            tx.bump("notifications").await?;
            tx.commit().await?;
            ids.len() as u64
        }))
    }

    /// The group's owner, the length of its longest booking and how many devices it has.
    pub async fn group_facts(&self, group: Uuid) -> Result<(Uuid, Interval, usize), StoreError> {
        type Facts = (Uuid, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64);
        let row: Option<Facts> = on_pool!(self, p => sqlx::query_as(
            "SELECT g.owner_id, min(b.starts_at), max(b.ends_at), count(b.id) FROM booking_groups g LEFT JOIN bookings b ON b.group_id = g.id \
             WHERE g.id = $1 GROUP BY g.owner_id").bind(group).fetch_optional(p).await?);
        match row {
            Some((owner, Some(s), Some(e), n)) => Ok((owner, Interval { start: s, end: e }, n as usize)),
            _ => Err(StoreError::NotFound("booking".into())),
        }
    }

    pub async fn is_collaborator(&self, group: Uuid, user: Uuid) -> Result<bool, StoreError> {
        let n: i64 = on_pool!(self, p => sqlx::query_scalar("SELECT count(*) FROM booking_collaborators WHERE group_id = $1 AND user_id = $2")
            .bind(group).bind(user).fetch_one(p).await?);
        Ok(n > 0)
    }

    pub async fn set_collaborator(
        &self,
        group: Uuid,
        user: Uuid,
        by: Uuid,
        add: bool,
        audit: Entry,
    ) -> Result<(), StoreError> {
        audited!(self, tx, audit.entity(group), {
            if add {
                sqlx::query("INSERT INTO booking_collaborators (group_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                    .bind(group).bind(user).bind(by).bind(time::now()).execute(&mut *tx).await?;
            } else {
                sqlx::query("DELETE FROM booking_collaborators WHERE group_id = $1 AND user_id = $2")
                    .bind(group)
                    .bind(user)
                    .execute(&mut *tx)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn add_comment(&self, group: Uuid, author: Uuid, body: &str, audit: Entry) -> Result<(), StoreError> {
        audited!(self, tx, audit.entity(group), {
            sqlx::query(
                "INSERT INTO booking_comments (id, group_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Uuid::now_v7())
            .bind(group)
            .bind(author)
            .bind(body)
            .bind(time::now())
            .execute(&mut *tx)
            .await?;
        });
        Ok(())
    }
}
