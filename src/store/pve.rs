//! Proxmox clusters, their inventory cache, poll leases and tasks.

use super::tx::{BeginWrite, TxExt};
use super::{Store, StoreError, on_pool, secrets};
use crate::domain::audit::Entry;
use crate::domain::inventory::label::Interner;
use crate::domain::inventory::{Guest, GuestIo, GuestStatus, GuestType, HaState};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::time;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// A cluster as screens see it (no secret).
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub is_default: bool,
    pub is_active: bool,
    pub token_id: Option<String>,
    pub fingerprint: Option<String>,
    pub has_ca: bool,
    pub poll_interval_secs: i64,
}

/// What the engine needs to talk to a cluster. Debug hides the secret.
#[derive(Clone)]
pub struct ClusterAccess {
    pub cluster: Cluster,
    pub token_secret: Option<String>,
    pub ca_pem: Option<String>,
}

impl ClusterAccess {
    /// A digest of everything a client is built from (address, token id and secret, trust):
    /// a poller rebuilds its client whenever this changes, a new secret of the same length
    /// included. Never printed; only compared.
    pub fn digest(&self) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        let c = &self.cluster;
        let mut h = Sha256::new();
        for part in [
            Some(c.host.as_str()),
            Some(&*c.port.to_string()),
            c.token_id.as_deref(),
            self.token_secret.as_deref(),
            c.fingerprint.as_deref(),
            self.ca_pem.as_deref(),
        ] {
            // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
            let part = part.map(str::as_bytes);
            h.update([u8::from(part.is_some())]);
            h.update((part.map_or(0, <[u8]>::len) as u64).to_le_bytes());
            h.update(part.unwrap_or_default());
        }
        h.finalize().into()
    }
}

/// What a sealed token secret is bound to: its column and its cluster (a sealed value
/// copied to another cluster does not open).
pub(super) fn secret_context(cluster: Uuid) -> String {
    format!("pve_clusters.api_token_secret:{cluster}")
}

/// The stored form of a token secret → the secret. The one place a stored secret is read.
/// Plain text from before sealing is returned as it is (and sealed by
/// [`Store::seal_plain_secrets`]); a sealed one opens with its key or fails saying why.
fn secret_from_db(stored: Option<String>, cluster: Uuid) -> Result<Option<String>, StoreError> {
    match stored {
        Some(s) if secrets::is_sealed(&s) => Ok(Some(secrets::keyring(false)?.open(&s, &secret_context(cluster))?)),
        other => Ok(other),
    }
}

/// A secret → its stored form (sealed with the current key). The one place a secret is written.
fn secret_to_db(secret: Option<&str>, cluster: Uuid) -> Result<Option<String>, StoreError> {
    secret.map(|s| Ok(secrets::keyring(true)?.seal(s, &secret_context(cluster)))).transpose()
}

impl std::fmt::Debug for ClusterAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterAccess").field("cluster", &self.cluster).field("token_secret", &"***").finish()
    }
}

#[derive(Clone)]
pub struct ClusterInput {
    pub key: String,
    pub name: String,
    pub host: String,
    pub port: u16,
    pub token_id: String,
    /// `None` keeps the stored secret (editing without retyping it).
    pub token_secret: Option<String>,
    pub fingerprint: String,
    pub poll_interval_secs: i64,
}

impl std::fmt::Debug for ClusterInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClusterInput")
            .field("key", &self.key)
            .field("host", &self.host)
            .field("port", &self.port)
            .field("token_id", &self.token_id)
            .field("token_secret", &self.token_secret.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

/// A cluster's poller state, for the health line and data age.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PollHealth {
    pub lease_owner: Option<String>,
    pub lease_expires_at: Option<DateTime<Utc>>,
    pub last_poll_at: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub last_duration_ms: Option<i64>,
    pub last_error: Option<String>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub consecutive_failures: i64,
    /// What to check although polling works (e.g. a token that lost its privileges).
    pub warning: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    pub cluster_id: Uuid,
    pub name: String,
    pub status: String,
    pub cpu: Option<f64>,
    pub maxcpu: Option<f64>,
    pub mem: Option<i64>,
    pub maxmem: Option<i64>,
    pub uptime: Option<i64>,
    /// When the node was last in an answer (a node missing from the latest one is
    /// `unknown` since then). Set by the store.
    pub last_seen_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Iso {
    pub cluster_id: Uuid,
    pub volid: String,
    pub name: String,
    pub size_bytes: Option<i64>,
    pub node: String,
    pub storage: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: Uuid,
    pub upid: String,
    pub cluster_id: Uuid,
    pub node: String,
    pub task_type: String,
    pub vmid: Option<i64>,
    pub status: String,
    pub exit_status: Option<String>,
    pub progress: Option<f64>,
    pub started_by: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

/// A Proxmox task labdeck started, to follow until it ends.
#[derive(Debug, Clone, Copy)]
pub struct NewTask<'a> {
    pub cluster_id: Uuid,
    pub upid: &'a str,
    pub node: &'a str,
    pub task_type: &'a str,
    pub vmid: Option<u32>,
    pub by: Option<Uuid>,
}

/// The outcome of one poll cycle, written in one transaction.
pub struct PollWrite<'a> {
    pub cluster_id: Uuid,
    pub owner: &'a str,
    pub nodes: &'a [Node],
    pub upserts: &'a [Guest],
    pub removed: &'a [u32],
    pub duration_ms: i64,
    pub next_poll_at: DateTime<Utc>,
    /// What to tell an admin although the cycle worked; `None` clears an earlier one.
    pub warning: Option<&'a str>,
}

type ClusterRow = (
    Uuid,
    String,
    String,
    String,
    i64,
    bool,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

/// A row → the cluster; its secret opened only when `open` (lists never need it).
fn cluster_from(r: ClusterRow, open: bool) -> Result<ClusterAccess, StoreError> {
    let (id, key, name, host, port, is_default, is_active, token_id, token_secret, fingerprint, ca_pem, poll) = r;
    let token_secret = if open { secret_from_db(token_secret, id)? } else { None };
    Ok(ClusterAccess {
        cluster: Cluster {
            id,
            key,
            name,
            host,
            port: u16::try_from(port).unwrap_or(8006),
            is_default,
            is_active,
            token_id,
            fingerprint,
            has_ca: ca_pem.is_some(),
            poll_interval_secs: poll,
        },
        token_secret,
        ca_pem,
    })
}

const CLUSTER_COLUMNS: &str = "id, cluster_key, name, host, port, is_default, is_active, api_token_id, api_token_secret, tls_fingerprint_sha256, ca_pem, poll_interval_secs";

const GUEST_COLUMNS: [&str; 28] = [
    "id",
    "cluster_id",
    "vmid",
    "guest_type",
    "node",
    "name",
    "status",
    "is_template",
    "tags",
    "lock",
    "pool",
    "hastate",
    "stale",
    "cpu",
    "maxcpu",
    "mem",
    "memhost",
    "maxmem",
    "disk",
    "maxdisk",
    "diskread",
    "diskwrite",
    "netin",
    "netout",
    "uptime",
    "last_seen_at",
    "created_at",
    "updated_at",
];
/// Rows per INSERT: 28 binds each stays far below both backends' parameter limits.
const UPSERT_CHUNK: usize = 400;

/// `INSERT … VALUES ($1…$23), ($24…) ON CONFLICT (cluster_id, vmid) DO UPDATE …` for `rows`
/// rows. SQLite gets anonymous `?`: sqlx binds by asking SQLite each parameter's name, and
/// SQLite finds a name by walking its list of names, which makes a 9,000-parameter statement
/// quadratic to bind (1.1 s for 5k rows measured, against ~0.1 s with anonymous ones).
fn upsert_sql(rows: usize, mark: char) -> String {
    let n = GUEST_COLUMNS.len();
    let values: Vec<String> = (0..rows)
        .map(|r| {
            format!(
                "({})",
                (1..=n)
                    .map(|c| if mark == '?' { "?".to_string() } else { format!("${}", r * n + c) })
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let updates: Vec<String> = GUEST_COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "id" | "cluster_id" | "vmid" | "created_at"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(
        "INSERT INTO pve_guests ({}) VALUES {} ON CONFLICT (cluster_id, vmid) DO UPDATE SET {}",
        GUEST_COLUMNS.join(", "),
        values.join(", "),
        updates.join(", ")
    )
}

#[derive(sqlx::FromRow)]
struct GuestRow {
    cluster_id: Uuid,
    cluster_name: String,
    vmid: i64,
    guest_type: String,
    node: String,
    name: Option<String>,
    status: String,
    is_template: bool,
    tags: Option<String>,
    lock: Option<String>,
    pool: Option<String>,
    hastate: Option<String>,
    stale: bool,
    cpu: Option<f64>,
    maxcpu: Option<f64>,
    mem: Option<i64>,
    memhost: Option<i64>,
    maxmem: Option<i64>,
    disk: Option<i64>,
    maxdisk: Option<i64>,
    diskread: Option<i64>,
    diskwrite: Option<i64>,
    netin: Option<i64>,
    netout: Option<i64>,
    uptime: Option<i64>,
    ip: Option<String>,
    ssh_available: bool,
    rdp_available: bool,
}

const SELECT_GUESTS: &str = "SELECT g.cluster_id, c.name AS cluster_name, g.vmid, g.guest_type, g.node, g.name, g.status, g.is_template, g.tags, g.lock, g.pool, \
     g.hastate, g.stale, g.cpu, g.maxcpu, g.mem, g.memhost, g.maxmem, g.disk, g.maxdisk, g.diskread, g.diskwrite, g.netin, g.netout, g.uptime, \
     g.ip, g.ssh_available, g.rdp_available \
     FROM pve_guests g JOIN pve_clusters c ON c.id = g.cluster_id";

/// A guest row as the console keeps it, or with its counters for the poller's diff.
fn guest_from(r: GuestRow, names: &mut Interner, with_io: bool) -> Guest {
    let u = |v: Option<i64>| v.unwrap_or(0).max(0) as u64;
    Guest {
        cluster_id: r.cluster_id,
        cluster: names.get(&r.cluster_name),
        vmid: u32::try_from(r.vmid).unwrap_or(0),
        guest_type: GuestType::parse(&r.guest_type).unwrap_or(GuestType::Qemu),
        node: names.get(&r.node),
        name: r.name.as_deref().unwrap_or_default().into(),
        status: GuestStatus::parse(&r.status),
        template: r.is_template,
        tags: names.get(r.tags.as_deref().unwrap_or_default()),
        lock: r.lock.map(|l| names.get(&l)),
        pool: r.pool.map(|p| names.get(&p)),
        cpu: r.cpu.unwrap_or(0.0) as f32,
        maxcpu: r.maxcpu.unwrap_or(0.0).clamp(0.0, u16::MAX as f64) as u16,
        mem: u(r.mem),
        maxmem: u(r.maxmem),
        maxdisk: u(r.maxdisk),
        uptime: u32::try_from(u(r.uptime)).unwrap_or(u32::MAX),
        ip: r.ip.and_then(|ip| ip.parse().ok()),
        ssh: r.ssh_available,
        rdp: r.rdp_available,
        ha: r.hastate.as_deref().map(HaState::parse),
        stale: r.stale,
        io: with_io.then(|| {
            Box::new(GuestIo {
                disk: u(r.disk),
                netin: u(r.netin),
                netout: u(r.netout),
                memhost: r.memhost.map(|m| m.max(0) as u64),
                diskread: u(r.diskread),
                diskwrite: u(r.diskwrite),
            })
        }),
    }
}

/// The audit entry of a started task: the caller names what was acted on (a guest, a class
/// VM); the UPID names it only when the caller did not. The caller's details are kept.
fn task_entry(audit: Entry, t: &NewTask<'_>) -> Entry {
    let audit = if audit.entity_id.is_some() { audit } else { audit.entity(t.upid) };
    audit.detail("upid", t.upid).detail("vmid", t.vmid).detail("node", t.node).detail("task", t.task_type)
}

fn opt_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A guest's address as its agent (or host) told it, and whether SSH/RDP answered there.
#[derive(Debug, Clone, PartialEq)]
pub struct GuestNetwork {
    pub vmid: u32,
    pub ip: Option<String>,
    pub mac: Option<String>,
    /// (ssh, rdp) when probed; `None` when its address is outside the allowed networks.
    pub probed: Option<(bool, bool)>,
}

impl Store {
    // ---- clusters -------------------------------------------------------------------

    pub async fn list_clusters(&self, actor: &Actor) -> Result<Vec<Cluster>, StoreError> {
        actor.require(Resource::Cluster, Action::Read)?;
        self.cluster_rows().await?.into_iter().map(|r| Ok(cluster_from(r, false)?.cluster)).collect()
    }

    async fn cluster_rows(&self) -> Result<Vec<ClusterRow>, StoreError> {
        let sql = format!("SELECT {CLUSTER_COLUMNS} FROM pve_clusters ORDER BY name");
        Ok(on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_all(p).await?))
    }

    /// Every cluster with its credentials: for the engine only. Secrets still in plain text
    /// (stored before sealing) are sealed on this first read.
    pub async fn cluster_access_all(&self) -> Result<Vec<ClusterAccess>, StoreError> {
        let rows = self.cluster_rows().await?;
        if rows.iter().any(|r| r.8.as_deref().is_some_and(|s| !secrets::is_sealed(s))) {
            self.seal_plain_secrets().await?;
        }
        rows.into_iter().map(|r| cluster_from(r, true)).collect()
    }

    pub async fn cluster_access(&self, id: Uuid) -> Result<ClusterAccess, StoreError> {
        let sql = format!("SELECT {CLUSTER_COLUMNS} FROM pve_clusters WHERE id = $1");
        let row: Option<ClusterRow> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(id).fetch_optional(p).await?);
        cluster_from(row.ok_or_else(|| StoreError::NotFound("cluster".into()))?, true)
    }

    /// Create (`id` None) or update a cluster.
    pub async fn save_cluster(&self, id: Option<Uuid>, input: &ClusterInput, audit: Entry) -> Result<Uuid, StoreError> {
        let now = time::now();
        let id = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let id = match id {
                None => {
                    let id = Uuid::now_v7();
                    let first: i64 = sqlx::query_scalar("SELECT count(*) FROM pve_clusters").fetch_one(&mut *tx).await?;
                    sqlx::query(
                        "INSERT INTO pve_clusters (id, cluster_key, name, host, port, is_default, is_active, api_token_id, api_token_secret, tls_fingerprint_sha256, poll_interval_secs, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8, $9, $10, $11, $11)",
                    )
                    .bind(id).bind(&input.key).bind(&input.name).bind(&input.host).bind(input.port as i64).bind(first == 0)
                    .bind(&input.token_id).bind(secret_to_db(input.token_secret.as_deref(), id)?).bind(&input.fingerprint).bind(input.poll_interval_secs).bind(now)
                    .execute(&mut *tx).await?;
                    id
                }
                Some(id) => {
                    let done = sqlx::query(
                        "UPDATE pve_clusters SET cluster_key = $2, name = $3, host = $4, port = $5, api_token_id = $6, \
                         api_token_secret = coalesce($7, api_token_secret), tls_fingerprint_sha256 = $8, poll_interval_secs = $9, updated_at = $10 WHERE id = $1",
                    )
                    .bind(id).bind(&input.key).bind(&input.name).bind(&input.host).bind(input.port as i64).bind(&input.token_id)
                    .bind(secret_to_db(input.token_secret.as_deref(), id)?).bind(&input.fingerprint).bind(input.poll_interval_secs).bind(now)
                    .execute(&mut *tx).await?;
                    if done.rows_affected() == 0 {
                        return Err(StoreError::NotFound("cluster".into()));
                    }
                    id
                }
            };
            tx.audit(&audit.entity(id).details(serde_json::json!({"name": input.name, "host": input.host, "port": input.port, "fingerprint": input.fingerprint}))).await?;
            tx.bump("clusters").await?;
            tx.commit().await?;
            id
        });
        Ok(id)
    }

    /// Remove a cluster and its cached inventory (Proxmox itself is untouched).
    pub async fn delete_cluster(&self, id: Uuid, audit: Entry) -> Result<(), StoreError> {
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM pve_guests WHERE cluster_id = $1").bind(id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM pve_clusters WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound("cluster".into()));
            }
            tx.audit(&audit.entity(id)).await?;
            tx.bump("clusters").await?;
            tx.bump("inventory").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    // ---- leases and poll state -------------------------------------------------------

    /// Take or renew the cluster's poll lease. True when `owner` holds it afterwards.
    pub async fn acquire_lease(
        &self,
        cluster_id: Uuid,
        owner: &str,
        ttl: chrono::Duration,
    ) -> Result<bool, StoreError> {
        let now = time::now();
        let n = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO pve_poll_state (cluster_id, consecutive_failures) VALUES ($1, 0) ON CONFLICT (cluster_id) DO NOTHING")
                .bind(cluster_id).execute(&mut *tx).await?;
            let done = sqlx::query(
                "UPDATE pve_poll_state SET lease_owner = $2, lease_expires_at = $3 \
                 WHERE cluster_id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at < $4)",
            )
            .bind(cluster_id).bind(owner).bind(now + ttl).bind(now)
            .execute(&mut *tx).await?;
            tx.commit().await?;
            done.rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn release_lease(&self, cluster_id: Uuid, owner: &str) -> Result<(), StoreError> {
        on_pool!(self, p => {
            sqlx::query("UPDATE pve_poll_state SET lease_owner = NULL, lease_expires_at = NULL WHERE cluster_id = $1 AND lease_owner = $2")
                .bind(cluster_id).bind(owner).execute(p).await?;
        });
        Ok(())
    }

    pub async fn poll_health(&self) -> Result<HashMap<Uuid, PollHealth>, StoreError> {
        type Row = (
            Uuid,
            Option<String>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<i64>,
            Option<String>,
            Option<DateTime<Utc>>,
            i64,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT cluster_id, lease_owner, lease_expires_at, last_poll_at, last_success_at, last_duration_ms, last_error, next_poll_at, consecutive_failures, warning FROM pve_poll_state",
        ).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| {
                (
                    r.0,
                    PollHealth {
                        lease_owner: r.1,
                        lease_expires_at: r.2,
                        last_poll_at: r.3,
                        last_success_at: r.4,
                        last_duration_ms: r.5,
                        last_error: r.6,
                        next_poll_at: r.7,
                        consecutive_failures: r.8,
                        warning: r.9,
                    },
                )
            })
            .collect())
    }

    /// A failed cycle: keep the data, record the error and when to try again.
    pub async fn record_poll_error(
        &self,
        cluster_id: Uuid,
        owner: &str,
        error: &str,
        next_poll_at: DateTime<Utc>,
    ) -> Result<i64, StoreError> {
        let now = time::now();
        let failures = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "UPDATE pve_poll_state SET last_poll_at = $3, last_error = $4, next_poll_at = $5, consecutive_failures = consecutive_failures + 1 \
                 WHERE cluster_id = $1 AND lease_owner = $2",
            )
            .bind(cluster_id).bind(owner).bind(now).bind(error).bind(next_poll_at)
            .execute(&mut *tx).await?;
            // Nothing is known of its nodes now: they read "unknown, seen … ago", not "online".
            sqlx::query("UPDATE pve_nodes SET status = 'unknown', updated_at = $2 WHERE cluster_id = $1 AND status <> 'unknown'")
                .bind(cluster_id).bind(now).execute(&mut *tx).await?;
            let n: i64 = sqlx::query_scalar("SELECT consecutive_failures FROM pve_poll_state WHERE cluster_id = $1").bind(cluster_id).fetch_one(&mut *tx).await?;
            tx.bump("inventory").await?;
            tx.commit().await?;
            n
        });
        Ok(failures)
    }

    // ---- inventory ------------------------------------------------------------------

    /// One stored guest (an indexed lookup: acting on a guest never reads its whole cluster).
    pub async fn guest(&self, cluster_id: Uuid, vmid: u32) -> Result<Option<Guest>, StoreError> {
        let sql = format!("{SELECT_GUESTS} WHERE g.cluster_id = $1 AND g.vmid = $2");
        let row: Option<GuestRow> = on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(cluster_id).bind(vmid as i64).fetch_optional(p).await?);
        Ok(row.map(|r| guest_from(r, &mut Interner::default(), false)))
    }

    /// One cluster's stored guests, keyed by vmid: the poller's starting point for diffs.
    pub async fn cluster_guests(&self, cluster_id: Uuid) -> Result<HashMap<u32, Guest>, StoreError> {
        let sql = format!("{SELECT_GUESTS} WHERE g.cluster_id = $1");
        let rows: Vec<GuestRow> =
            on_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).bind(cluster_id).fetch_all(p).await?);
        let mut names = Interner::default();
        Ok(rows.into_iter().map(|r| guest_from(r, &mut names, true)).map(|g| (g.vmid, g)).collect())
    }

    /// Every guest the actor may see, across clusters. Rows are turned into guests as they
    /// stream in, so 100k guests never sit in memory twice.
    pub async fn list_guests(&self, actor: &Actor) -> Result<Vec<Guest>, StoreError> {
        use futures::TryStreamExt;
        actor.require(Resource::Guest, Action::Read)?;
        let sql = format!("{SELECT_GUESTS} ORDER BY c.name, g.vmid");
        let mut names = Interner::default();
        let mut out = Vec::new();
        on_pool!(self, p => {
            // Exactly the room needed: a growing vector would briefly hold 1.5× the list.
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pve_guests").fetch_one(p).await?;
            out.reserve_exact(usize::try_from(n).unwrap_or(0));
            let mut rows = sqlx::query_as::<_, GuestRow>(sqlx::AssertSqlSafe(sql.clone())).fetch(p);
            while let Some(r) = rows.try_next().await? {
                out.push(guest_from(r, &mut names, false));
            }
        });
        Ok(out)
    }

    /// Guests changed at or after `since`, and how many guests exist in all: a console
    /// merges the first and reloads everything when its count disagrees with the second.
    /// Every full part of `part_size` guests goes to `part` as it is read; the rest is returned.
    pub async fn guests_since(
        &self,
        actor: &Actor,
        since: DateTime<Utc>,
        part_size: usize,
        mut part: impl FnMut(Vec<Guest>) + Send,
    ) -> Result<(Vec<Guest>, i64), StoreError> {
        let part_size = part_size.max(1);
        use futures::TryStreamExt;
        actor.require(Resource::Guest, Action::Read)?;
        let sql = format!("{SELECT_GUESTS} WHERE g.updated_at >= $1");
        let mut names = Interner::default();
        let mut out = Vec::new();
        let total = on_pool!(self, p => {
            let mut rows = sqlx::query_as::<_, GuestRow>(sqlx::AssertSqlSafe(sql.clone())).bind(since).fetch(p);
            while let Some(r) = rows.try_next().await? {
                out.push(guest_from(r, &mut names, false));
                if out.len() == part_size {
                    part(std::mem::replace(&mut out, Vec::with_capacity(part_size)));
                }
            }
            drop(rows);
            sqlx::query_scalar::<_, i64>("SELECT count(*) FROM pve_guests").fetch_one(p).await?
        });
        Ok((out, total))
    }

    pub async fn list_nodes(&self, actor: &Actor) -> Result<Vec<Node>, StoreError> {
        actor.require(Resource::Cluster, Action::Read)?;
        type Row = (
            Uuid,
            String,
            String,
            Option<f64>,
            Option<f64>,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT cluster_id, name, status, cpu, maxcpu, mem, maxmem, uptime, last_seen_at FROM pve_nodes ORDER BY name",
        ).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| Node {
                cluster_id: r.0,
                name: r.1,
                status: r.2,
                cpu: r.3,
                maxcpu: r.4,
                mem: r.5,
                maxmem: r.6,
                uptime: r.7,
                last_seen_at: r.8,
            })
            .collect())
    }

    /// Write one poll cycle: changed guests, removed guests, nodes, and the poll state, in one
    /// transaction, only while `owner` still holds the lease.
    pub async fn write_poll(&self, w: &PollWrite<'_>) -> Result<bool, StoreError> {
        let now = time::now();
        let held = on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            let owner: Option<Option<String>> = sqlx::query_scalar("SELECT lease_owner FROM pve_poll_state WHERE cluster_id = $1")
                .bind(w.cluster_id).fetch_optional(&mut *tx).await?;
            if owner.flatten().as_deref() != Some(w.owner) {
                return Ok(false);
            }
            for n in w.nodes {
                sqlx::query(
                    "INSERT INTO pve_nodes (id, cluster_id, name, status, cpu, maxcpu, mem, maxmem, uptime, updated_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
                     ON CONFLICT (cluster_id, name) DO UPDATE SET status = excluded.status, cpu = excluded.cpu, maxcpu = excluded.maxcpu, mem = excluded.mem, maxmem = excluded.maxmem, uptime = excluded.uptime, updated_at = excluded.updated_at, last_seen_at = excluded.last_seen_at",
                )
                .bind(Uuid::now_v7()).bind(w.cluster_id).bind(&n.name).bind(&n.status).bind(n.cpu).bind(n.maxcpu).bind(n.mem).bind(n.maxmem).bind(n.uptime).bind(now)
                .execute(&mut *tx).await?;
            }
            // A node missing from this answer is not online any more: unknown since it was
            // last seen (its metrics are gone with it).
            let vanished = sqlx::query(
                "UPDATE pve_nodes SET status = 'unknown', cpu = NULL, mem = NULL, uptime = NULL, updated_at = $2 \
                 WHERE cluster_id = $1 AND (last_seen_at IS NULL OR last_seen_at < $2) AND (status <> 'unknown' OR cpu IS NOT NULL)",
            )
            .bind(w.cluster_id).bind(now).execute(&mut *tx).await?.rows_affected();
            for chunk in w.upserts.chunks(UPSERT_CHUNK) {
                let mark = if matches!(self, Store::Sqlite(_)) { '?' } else { '$' };
                let sql = upsert_sql(chunk.len(), mark);
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                for g in chunk {
                    q = q
                        .bind(Uuid::now_v7()).bind(w.cluster_id).bind(g.vmid as i64).bind(g.guest_type.as_str()).bind(&*g.node).bind(&*g.name)
                        .bind(g.status.as_str()).bind(g.template).bind(&*g.tags).bind(g.lock.as_deref()).bind(g.pool.as_deref())
                        .bind(g.ha.map(HaState::as_str)).bind(g.stale)
                        .bind(g.cpu as f64).bind(g.maxcpu as f64).bind(opt_i64(g.mem)).bind(g.io.as_ref().and_then(|i| i.memhost).map(opt_i64)).bind(opt_i64(g.maxmem))
                        .bind(g.io.as_ref().map(|i| opt_i64(i.disk))).bind(opt_i64(g.maxdisk))
                        .bind(g.io.as_ref().map(|i| opt_i64(i.diskread))).bind(g.io.as_ref().map(|i| opt_i64(i.diskwrite)))
                        .bind(g.io.as_ref().map(|i| opt_i64(i.netin))).bind(g.io.as_ref().map(|i| opt_i64(i.netout))).bind(i64::from(g.uptime)).bind(now).bind(now).bind(now);
                }
                q.execute(&mut *tx).await?;
            }
            for vmid in w.removed {
                sqlx::query("DELETE FROM pve_guests WHERE cluster_id = $1 AND vmid = $2").bind(w.cluster_id).bind(*vmid as i64).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE pve_poll_state SET last_poll_at = $2, last_success_at = $2, last_duration_ms = $3, last_error = NULL, next_poll_at = $4, consecutive_failures = 0, warning = $5 WHERE cluster_id = $1",
            )
            .bind(w.cluster_id).bind(now).bind(w.duration_ms).bind(w.next_poll_at).bind(w.warning)
            .execute(&mut *tx).await?;
            if !w.upserts.is_empty() || !w.removed.is_empty() || vanished > 0 {
                tx.bump("inventory").await?;
            } else {
                tx.bump("poll").await?;
            }
            tx.commit().await?;
            true
        });
        Ok(held)
    }

    /// When each guest's SSH and RDP were last probed (guests never probed are absent).
    pub async fn reach_checks(&self, actor: &Actor) -> Result<HashMap<(Uuid, u32), DateTime<Utc>>, StoreError> {
        actor.require(Resource::Guest, Action::Read)?;
        let rows: Vec<(Uuid, i64, DateTime<Utc>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT cluster_id, vmid, connectivity_checked_at FROM pve_guests WHERE connectivity_checked_at IS NOT NULL",
        ).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(c, v, t)| ((c, u32::try_from(v).unwrap_or(0)), t)).collect())
    }

    /// What IP discovery and the reachability probes (`(ssh, rdp)`, when probed) found for
    /// one guest.
    /// What one discovery round learnt of its guests' networks, in one transaction (one
    /// change for the consoles to re-read, not one per guest).
    pub async fn set_guest_networks(&self, cluster_id: Uuid, found: &[GuestNetwork]) -> Result<(), StoreError> {
        if found.is_empty() {
            return Ok(());
        }
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            for g in found {
                // Not probed (outside the allowed networks): the earlier result and its time stay.
                let (ssh, rdp) = g.probed.unzip();
                sqlx::query(
                    "UPDATE pve_guests SET ip = coalesce($3, ip), mac = coalesce($4, mac), ip_updated_at = CASE WHEN $3 IS NULL THEN ip_updated_at ELSE $5 END, \
                     ssh_available = coalesce($6, ssh_available), rdp_available = coalesce($7, rdp_available), \
                     connectivity_checked_at = CASE WHEN $6 IS NULL THEN connectivity_checked_at ELSE $5 END, updated_at = $5 WHERE cluster_id = $1 AND vmid = $2",
                )
                .bind(cluster_id).bind(g.vmid as i64).bind(g.ip.as_deref()).bind(g.mac.as_deref()).bind(now).bind(ssh).bind(rdp)
                .execute(&mut *tx).await?;
            }
            tx.bump("inventory").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    // ---- ISO images ----------------------------------------------------------------

    pub async fn list_isos(&self, actor: &Actor) -> Result<Vec<Iso>, StoreError> {
        actor.require(Resource::Image, Action::Read).or_else(|_| actor.require(Resource::Guest, Action::Read))?;
        type Row = (Uuid, String, String, Option<i64>, String, String);
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT cluster_id, volid, name, size_bytes, node, storage FROM iso_images ORDER BY name",
        ).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| Iso { cluster_id: r.0, volid: r.1, name: r.2, size_bytes: r.3, node: r.4, storage: r.5 })
            .collect())
    }

    /// Replace a cluster's ISO list with what its storages hold now.
    pub async fn replace_isos(&self, cluster_id: Uuid, isos: &[Iso]) -> Result<(), StoreError> {
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM iso_images WHERE cluster_id = $1").bind(cluster_id).execute(&mut *tx).await?;
            for i in isos {
                sqlx::query(
                    "INSERT INTO iso_images (id, cluster_id, volid, name, size_bytes, node, storage, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                     ON CONFLICT (cluster_id, volid) DO NOTHING",
                )
                .bind(Uuid::now_v7()).bind(cluster_id).bind(&i.volid).bind(&i.name).bind(i.size_bytes).bind(&i.node).bind(&i.storage).bind(now)
                .execute(&mut *tx).await?;
            }
            tx.bump("isos").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    // ---- tasks ----------------------------------------------------------------------

    pub async fn record_task(&self, t: &NewTask<'_>, audit: Entry) -> Result<Uuid, StoreError> {
        let NewTask { cluster_id, upid, node, task_type, vmid, by } = *t;
        let id = Uuid::now_v7();
        let now = time::now();
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO pve_tasks (id, upid, cluster_id, node, task_type, vmid, status, progress, started_by, started_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'running', 0, $7, $8, $8) ON CONFLICT (upid) DO NOTHING",
            )
            .bind(id).bind(upid).bind(cluster_id).bind(node).bind(task_type).bind(vmid.map(i64::from)).bind(by).bind(now)
            .execute(&mut *tx).await?;
            tx.audit(&task_entry(audit, t)).await?;
            tx.bump("tasks").await?;
            tx.commit().await?;
        });
        Ok(id)
    }

    pub async fn update_task(
        &self,
        upid: &str,
        status: &str,
        exit_status: Option<&str>,
        progress: Option<f64>,
    ) -> Result<(), StoreError> {
        let now = time::now();
        let ended = (status != "running").then_some(now);
        on_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE pve_tasks SET status = $2, exit_status = $3, progress = coalesce($4, progress), ended_at = coalesce(ended_at, $5), updated_at = $6 WHERE upid = $1")
                .bind(upid).bind(status).bind(exit_status).bind(progress).bind(ended).bind(now)
                .execute(&mut *tx).await?;
            tx.bump("tasks").await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Recent tasks, newest first (running ones always included).
    pub async fn recent_tasks(&self, actor: &Actor, limit: i64) -> Result<Vec<Task>, StoreError> {
        actor.require(Resource::Guest, Action::Read)?;
        type Row = (
            Uuid,
            String,
            Uuid,
            String,
            String,
            Option<i64>,
            String,
            Option<String>,
            Option<f64>,
            Option<String>,
            DateTime<Utc>,
            Option<DateTime<Utc>>,
        );
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(
            "SELECT t.id, t.upid, t.cluster_id, t.node, t.task_type, t.vmid, t.status, t.exit_status, t.progress, u.username, t.started_at, t.ended_at \
             FROM pve_tasks t LEFT JOIN users u ON u.id = t.started_by ORDER BY (t.status = 'running') DESC, t.started_at DESC LIMIT $1",
        ).bind(limit).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| Task {
                id: r.0,
                upid: r.1,
                cluster_id: r.2,
                node: r.3,
                task_type: r.4,
                vmid: r.5,
                status: r.6,
                exit_status: r.7,
                progress: r.8,
                started_by: r.9,
                started_at: r.10,
                ended_at: r.11,
            })
            .collect())
    }

    /// Tasks still running on a cluster (the task tracker resumes them after a restart).
    pub async fn running_tasks(&self, cluster_id: Uuid) -> Result<Vec<String>, StoreError> {
        Ok(
            on_pool!(self, p => sqlx::query_scalar("SELECT upid FROM pve_tasks WHERE cluster_id = $1 AND status = 'running'").bind(cluster_id).fetch_all(p).await?),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn upsert_sql_numbers_every_parameter_once() {
        let sql = super::upsert_sql(2, '$');
        assert!(sql.contains("($1, $2,") && sql.contains("$56)"));
        assert!(!sql.contains("$57"));
        assert!(!sql.contains("created_at = excluded"));
    }
}
