//! Reads for the calendar, conflicts, a group's detail, the approvals queue and exports.

use super::devices::{DeviceRow, MaintenanceRow};
use crate::domain::bookings::{Interval, MAX_BOOKING};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// One device's booking, with what the calendar shows at a glance.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct BookingRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub device_id: Uuid,
    pub device_name: String,
    pub user_id: Uuid,
    pub username: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    pub slot: i64,
    pub comment: Option<String>,
}

impl BookingRow {
    pub fn interval(&self) -> Interval {
        Interval { start: self.starts_at, end: self.ends_at }
    }
}

/// What the calendar needs for a window: devices, their active bookings and maintenance.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub devices: Vec<DeviceRow>,
    pub bookings: Vec<BookingRow>,
    pub maintenance: Vec<MaintenanceRow>,
}

/// An active booking that overlaps a requested window on one of the requested devices.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ConflictRow {
    pub booking_id: Uuid,
    pub group_id: Uuid,
    pub device_id: Uuid,
    pub slot: i64,
    pub username: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

/// A pending group in the approvals queue.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PendingGroup {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub username: String,
    pub title: String,
    pub devices: i64,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// One group with everything about it.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupDetail {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub title: String,
    pub status: String,
    pub bookings: Vec<BookingRow>,
    pub collaborators: Vec<(Uuid, String)>,
    pub comments: Vec<(String, DateTime<Utc>, String)>,
    pub approvals: Vec<(String, String, Option<String>, DateTime<Utc>)>,
    /// The latest end every booking of the group can be extended to together.
    pub latest_end: Option<DateTime<Utc>>,
}

const BOOKING_COLUMNS: &str = "SELECT b.id, b.group_id, b.device_id, d.name AS device_name, b.user_id, u.username, g.title, \
     b.starts_at, b.ends_at, b.status, b.slot, b.comment \
     FROM bookings b JOIN booking_groups g ON g.id = b.group_id JOIN devices d ON d.id = b.device_id JOIN users u ON u.id = b.user_id ";

/// Device names are filled in from the device list the calendar reads anyway (one join less
/// over tens of thousands of rows). `CROSS JOIN` is SQLite's way to fix the join order, so
/// the plan always starts from the window's index range whatever the statistics say (with
/// STAT4 they would let it start from a group or user owning many bookings and walk them
/// all through `bookings_group_idx`). PostgreSQL plans it as the inner join it is.
const WINDOW: &str = "SELECT b.id, b.group_id, b.device_id, '' AS device_name, b.user_id, u.username, g.title, \
     b.starts_at, b.ends_at, b.status, b.slot, b.comment \
     FROM bookings b CROSS JOIN booking_groups g CROSS JOIN users u \
     WHERE g.id = b.group_id AND u.id = b.user_id AND b.status IN ('pending','approved') AND b.starts_at < $2 AND b.starts_at > $3 AND b.ends_at > $1 \
     ORDER BY b.starts_at";

/// One device's part of the window, through the same (device_id, starts_at) index.
const DEVICE_WINDOW: &str = "SELECT b.id, b.group_id, b.device_id, d.name AS device_name, b.user_id, u.username, g.title, \
     b.starts_at, b.ends_at, b.status, b.slot, b.comment \
     FROM bookings b CROSS JOIN booking_groups g CROSS JOIN devices d CROSS JOIN users u \
     WHERE g.id = b.group_id AND d.id = b.device_id AND u.id = b.user_id AND b.device_id = $4 AND b.status IN ('pending','approved') AND b.starts_at < $2 AND b.starts_at > $3 AND b.ends_at > $1 \
     ORDER BY b.starts_at";

/// Indexed by (device_id, starts_at): the scan is bounded below by the longest booking, so
/// it reads only the bookings that could overlap, however long the device's history is.
const CONFLICTS: &str = "SELECT b.id AS booking_id, b.group_id, b.device_id, b.slot, u.username, b.starts_at, b.ends_at \
     FROM bookings b CROSS JOIN users u \
     WHERE u.id = b.user_id AND b.device_id = $1 AND b.starts_at < $3 AND b.starts_at > $4 AND b.ends_at > $2 \
       AND b.status IN ('pending','approved') AND ($5 IS NULL OR b.group_id <> $5) \
     ORDER BY b.starts_at";

const PENDING: &str = "SELECT g.id, g.owner_id, u.username, g.title, count(b.id) AS devices, min(b.starts_at) AS starts_at, \
     max(b.ends_at) AS ends_at, g.created_at \
     FROM booking_groups g JOIN users u ON u.id = g.owner_id JOIN bookings b ON b.group_id = g.id \
     WHERE g.status = 'pending' AND b.status = 'pending' \
     GROUP BY g.id, g.owner_id, u.username, g.title, g.created_at ORDER BY g.created_at";

impl Store {
    /// Devices, active bookings and maintenance overlapping `[from, to)`.
    pub async fn calendar(
        &self,
        actor: &Actor,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Calendar, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        let devices = self.devices(actor).await?;
        let mut bookings: Vec<BookingRow> = on_pool!(self, p => sqlx::query_as(WINDOW)
            .bind(from).bind(to).bind(from - MAX_BOOKING).fetch_all(p).await?);
        let names: std::collections::HashMap<Uuid, &str> = devices.iter().map(|d| (d.id, d.name.as_str())).collect();
        for b in &mut bookings {
            b.device_name = names.get(&b.device_id).map_or_else(String::new, |n| n.to_string());
        }
        let maintenance = self.maintenance_between(actor, from, to).await?;
        Ok(Calendar { from: Some(from), to: Some(to), devices, bookings, maintenance })
    }

    /// The calendar of a few devices only (a free-slot search over weeks): one indexed range
    /// per device instead of every device's window.
    pub async fn calendar_of(
        &self,
        actor: &Actor,
        devices: &[Uuid],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Calendar, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        let mut all = self.devices(actor).await?;
        all.retain(|d| devices.contains(&d.id));
        let mut bookings: Vec<BookingRow> = Vec::new();
        for d in devices {
            let rows: Vec<BookingRow> = on_pool!(self, p => sqlx::query_as(DEVICE_WINDOW)
                .bind(from).bind(to).bind(from - MAX_BOOKING).bind(d).fetch_all(p).await?);
            bookings.extend(rows);
        }
        let mut maintenance = self.maintenance_between(actor, from, to).await?;
        maintenance.retain(|m| devices.contains(&m.device_id));
        Ok(Calendar { from: Some(from), to: Some(to), devices: all, bookings, maintenance })
    }

    /// Active bookings on these devices that overlap `at` (leaving out group `except`).
    pub async fn conflicts(
        &self,
        actor: &Actor,
        devices: &[Uuid],
        at: Interval,
        except: Option<Uuid>,
    ) -> Result<Vec<ConflictRow>, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        let mut out = Vec::new();
        for d in devices {
            let rows: Vec<ConflictRow> = on_pool!(self, p => sqlx::query_as(CONFLICTS)
                .bind(d).bind(at.start).bind(at.end).bind(at.start - MAX_BOOKING).bind(except)
                .fetch_all(p).await?);
            out.extend(rows);
        }
        Ok(out)
    }

    /// The approvals queue: pending groups, oldest first.
    pub async fn pending_groups(&self, actor: &Actor) -> Result<Vec<PendingGroup>, StoreError> {
        actor.require(Resource::Booking, Action::Update)?;
        Ok(on_pool!(self, p => sqlx::query_as(PENDING).fetch_all(p).await?))
    }

    /// How many groups wait for a decision (0 for anyone who may not decide).
    pub async fn pending_count(&self, actor: &Actor) -> Result<i64, StoreError> {
        if !actor.can(Resource::Booking, Action::Update) {
            return Ok(0);
        }
        Ok(on_pool!(self, p => sqlx::query_scalar("SELECT count(*) FROM booking_groups WHERE status = 'pending'")
            .fetch_one(p).await?))
    }

    /// Bookings for an export: `mine` (own and collaborating), one device, or everything the
    /// actor may see; cancelled and rejected ones are left out.
    pub async fn export_rows(
        &self,
        actor: &Actor,
        mine: bool,
        device: Option<&str>,
    ) -> Result<Vec<BookingRow>, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        const MINE: &str = "WHERE b.status IN ('pending','approved') AND (b.user_id = $1 OR EXISTS \
             (SELECT 1 FROM booking_collaborators c WHERE c.group_id = b.group_id AND c.user_id = $1)) ORDER BY b.starts_at";
        const DEVICE: &str = "WHERE b.status IN ('pending','approved') AND d.name = $1 ORDER BY b.starts_at";
        const ALL: &str = "WHERE b.status IN ('pending','approved') ORDER BY b.starts_at";
        let sql = |tail: &str| sqlx::AssertSqlSafe(format!("{BOOKING_COLUMNS}{tail}"));
        Ok(on_pool!(self, p => match (mine, device) {
            (true, _) => sqlx::query_as(sql(MINE)).bind(actor.user_id).fetch_all(p).await?,
            (false, Some(name)) => sqlx::query_as(sql(DEVICE)).bind(name).fetch_all(p).await?,
            (false, None) => sqlx::query_as(sql(ALL)).fetch_all(p).await?,
        }))
    }

    /// One group: its bookings, collaborators, comments, decisions and how far it may extend.
    pub async fn group_detail(&self, actor: &Actor, id: Uuid) -> Result<GroupDetail, StoreError> {
        actor.require(Resource::Booking, Action::Read)?;
        let head: Option<(Uuid, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT owner_id, title, status FROM booking_groups WHERE id = $1").bind(id).fetch_optional(p).await?);
        let Some((owner_id, title, status)) = head else {
            return Err(StoreError::NotFound("booking".into()));
        };
        let bookings: Vec<BookingRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(
            format!("{BOOKING_COLUMNS} WHERE b.group_id = $1 ORDER BY d.name"))).bind(id).fetch_all(p).await?);
        let collaborators: Vec<(Uuid, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.username FROM booking_collaborators c JOIN users u ON u.id = c.user_id WHERE c.group_id = $1 ORDER BY u.username")
            .bind(id).fetch_all(p).await?);
        let comments: Vec<(String, DateTime<Utc>, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT coalesce(u.username, '(deleted)'), c.created_at, c.body FROM booking_comments c LEFT JOIN users u ON u.id = c.author_id \
             WHERE c.group_id = $1 ORDER BY c.created_at").bind(id).fetch_all(p).await?);
        let approvals: Vec<(String, String, Option<String>, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT coalesce(u.username, '(deleted)'), a.decision, a.comment, a.decided_at FROM booking_approvals a \
             JOIN bookings b ON b.id = a.booking_id LEFT JOIN users u ON u.id = a.approver_id \
             WHERE b.group_id = $1 ORDER BY a.decided_at").bind(id).fetch_all(p).await?);
        let latest_end = self.latest_end_of(&bookings).await?;
        Ok(GroupDetail { id, owner_id, title, status, bookings, collaborators, comments, approvals, latest_end })
    }

    /// The latest end all active bookings of a group can reach together.
    pub(super) async fn latest_end_of(&self, bookings: &[BookingRow]) -> Result<Option<DateTime<Utc>>, StoreError> {
        use crate::domain::bookings::{Held, latest_end};
        let mut best: Option<DateTime<Utc>> = None;
        for b in bookings.iter().filter(|b| b.status == "pending" || b.status == "approved") {
            let after: Vec<(i64, DateTime<Utc>, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
                "SELECT slot, starts_at, ends_at FROM bookings WHERE device_id = $1 AND id <> $2 AND status IN ('pending','approved') \
                 AND starts_at >= $3 AND starts_at < $4 ORDER BY starts_at LIMIT 64")
                .bind(b.device_id).bind(b.id).bind(b.ends_at).bind(b.starts_at + MAX_BOOKING).fetch_all(p).await?);
            let maint: Vec<(DateTime<Utc>, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
                "SELECT starts_at, ends_at FROM maintenance_windows WHERE device_id = $1 AND cancelled_at IS NULL \
                 AND ends_at > $2 AND starts_at < $3").bind(b.device_id).bind(b.ends_at).bind(b.starts_at + MAX_BOOKING)
                .fetch_all(p).await?);
            let held: Vec<Held> =
                after.iter().map(|&(slot, s, e)| Held { slot, at: Interval { start: s, end: e } }).collect();
            let maint: Vec<Interval> = maint.iter().map(|&(s, e)| Interval { start: s, end: e }).collect();
            let end = latest_end(b.interval(), b.slot, &held, &maint);
            best = Some(best.map_or(end, |x| x.min(end)));
        }
        Ok(best)
    }
}
