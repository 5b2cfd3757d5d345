//! What the Inventory screen reads: guests (whole or changed since), the cluster overview,
//! tasks and ISO images. All from the store: the pollers keep it fresh.

use super::{AppError, Services};
use crate::domain::inventory::Guest;
use crate::domain::rbac::Actor;
use crate::domain::time;
use crate::store::pve::{Cluster, Iso, Node, PollHealth, Task};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct GuestBatch {
    /// True when `guests` is everything; false when it holds only what changed since.
    pub full: bool,
    /// More of the same answer follows: changes arrive in parts, so a console merges a few
    /// thousand guests at a time instead of holding a second copy of half its list.
    pub more: bool,
    pub guests: Vec<Guest>,
    /// Ask for changes since this next time.
    pub as_of: DateTime<Utc>,
    pub total: i64,
}

#[derive(Debug, Clone, Default)]
pub struct Overview {
    pub clusters: Vec<(Cluster, PollHealth)>,
    pub nodes: Vec<Node>,
}

/// Guests in each part of a streamed answer.
pub const GUEST_PART: usize = 4096;

/// Whole list, or the changes since `since`; changes beyond one part go to `part` as they are
/// read, and the returned batch is the last part. A second of overlap covers rows committed
/// while the previous read ran; merging twice is harmless.
pub async fn guests(
    svc: &Services,
    actor: &Actor,
    since: Option<DateTime<Utc>>,
    mut part: impl FnMut(GuestBatch) + Send,
) -> Result<GuestBatch, AppError> {
    let as_of = time::now() - chrono::Duration::seconds(1);
    match since {
        None => {
            let guests = svc.store.list_guests(actor).await?;
            let total = guests.len() as i64;
            Ok(GuestBatch { full: true, more: false, guests, as_of, total })
        }
        Some(since) => {
            let each = |guests| part(GuestBatch { full: false, more: true, guests, as_of, total: 0 });
            let (guests, total) = svc.store.guests_since(actor, since, GUEST_PART, each).await?;
            Ok(GuestBatch { full: false, more: false, guests, as_of, total })
        }
    }
}

pub async fn overview(svc: &Services, actor: &Actor) -> Result<Overview, AppError> {
    let clusters = svc.store.list_clusters(actor).await?;
    let mut health = svc.store.poll_health().await?;
    let nodes = svc.store.list_nodes(actor).await?;
    Ok(Overview {
        clusters: clusters
            .into_iter()
            .map(|c| {
                let h = health.remove(&c.id).unwrap_or_default();
                (c, h)
            })
            .collect(),
        nodes,
    })
}

pub async fn tasks(svc: &Services, actor: &Actor) -> Result<Vec<Task>, AppError> {
    Ok(svc.store.recent_tasks(actor, 200).await?)
}

pub async fn isos(svc: &Services, actor: &Actor) -> Result<Vec<Iso>, AppError> {
    Ok(svc.store.list_isos(actor).await?)
}

/// Which guest: cluster and vmid.
pub type GuestRef = (uuid::Uuid, u32);

/// One line of a bulk action's report.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkLine {
    pub cluster: String,
    pub vmid: u32,
    pub name: String,
    pub outcome: BulkOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BulkOutcome {
    Submitted(String),
    Skipped(String),
    Failed(String),
}

/// What the detail pane shows for one guest, fetched live from Proxmox.
#[derive(Debug, Clone, Default)]
pub struct GuestDetail {
    pub cluster_id: uuid::Uuid,
    pub vmid: u32,
    pub config: Vec<(String, String)>,
    pub snapshots: Vec<(String, String)>,
    pub ips: Vec<String>,
    /// CPU use over the last hour, percent, oldest first.
    pub cpu: Vec<u64>,
    /// Disk and network rates of the newest sample.
    pub rates: Option<IoRates>,
    /// Facts worth a line that are not failures (no guest agent configured).
    pub notes: Vec<String>,
    /// Parts that could not be fetched, said plainly.
    pub problems: Vec<String>,
}

/// Bytes per second.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IoRates {
    pub diskread: f64,
    pub diskwrite: f64,
    pub netin: f64,
    pub netout: f64,
}
