//! `labdeck demo` data for every domain of the unified schema, written with real SQL so each
//! screen shows rows shaped like production ones. One file per domain; each domain seeds in
//! one writing transaction, bumps its revision and writes one audit entry with its counts.
//! The data is deterministic (derived from indexes) except ids and times, which follow now.

mod bookings;
mod classes;
mod infrastructure;
mod support;

pub use classes::{DEMO_CLUSTER_HOST, DEMO_CLUSTER_PORT, class_vmid};

use super::StoreError;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use std::collections::BTreeMap;
use std::fmt;
use uuid::Uuid;

/// The tenant that holds tenant-less seed data where a tenant is required (classes).
pub const DEFAULT_TENANT: &str = "Northfield Lab";

/// The campus VMs of the infrastructure seed that are guests of the demo cluster: (vmid, VM
/// name, node). The simulator creates them; the classes seed (which adds the cluster) links them.
pub const INFRA_GUESTS: [(u32, &str, &str); 3] =
    [(4200, "jupyter-tess", "pve3"), (4201, "lab-sam-01", "pve1"), (4202, "build-otto", "pve2")];

/// The demo users by username, as `labdeck demo` creates them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoPeople {
    /// admin
    pub ada: Uuid,
    /// operator
    pub otto: Uuid,
    /// teachers
    pub tess: Uuid,
    pub tom: Uuid,
    /// students
    pub sam: Uuid,
    pub sara: Uuid,
    pub sid: Uuid,
    /// support
    pub sue: Uuid,
    /// approver
    pub april: Uuid,
    /// viewer
    pub vic: Uuid,
}

impl DemoPeople {
    /// Pick the demo users out of (username, id) pairs; every one of them must be present.
    pub fn from_usernames<'a>(pairs: impl IntoIterator<Item = (&'a str, Uuid)>) -> Result<DemoPeople, StoreError> {
        let ids: BTreeMap<&str, Uuid> = pairs.into_iter().collect();
        let get =
            |name: &str| ids.get(name).copied().ok_or_else(|| StoreError::NotFound(format!("demo user '{name}'")));
        Ok(DemoPeople {
            ada: get("ada")?,
            otto: get("otto")?,
            tess: get("tess")?,
            tom: get("tom")?,
            sam: get("sam")?,
            sara: get("sara")?,
            sid: get("sid")?,
            sue: get("sue")?,
            april: get("april")?,
            vic: get("vic")?,
        })
    }

    pub fn students(&self) -> [Uuid; 3] {
        [self.sam, self.sara, self.sid]
    }
}

/// Rows inserted per table by one domain's seed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedCounts(pub BTreeMap<&'static str, u64>);

impl SeedCounts {
    /// Count the rows an `INSERT INTO <table> ...` statement wrote.
    pub(crate) fn note(&mut self, sql: &'static str, rows: u64) {
        let table = sql.strip_prefix("INSERT INTO ").and_then(|rest| rest.split_whitespace().next()).unwrap_or("other");
        *self.0.entry(table).or_default() += rows;
    }

    pub fn get(&self, table: &str) -> u64 {
        self.0.get(table).copied().unwrap_or(0)
    }

    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!(self.0)
    }
}

impl fmt::Display for SeedCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(t, n)| format!("{t} {n}")).collect();
        write!(f, "{}", parts.join(", "))
    }
}

/// `ins!(tx, counts, SQL, a, b, ...)`: run one INSERT with its binds inside a transaction of
/// either backend and count the rows it wrote under the statement's table.
macro_rules! ins {
    ($tx:ident, $counts:ident, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let done = sqlx::query($sql)$(.bind($arg))*.execute(&mut *$tx).await?;
        $counts.note($sql, done.rows_affected());
    }};
}
pub(crate) use ins;

/// `refuse_if_seeded!(tx, "table", "domain")`: a domain is seeded once; its marker table must
/// be empty (checked inside the writing transaction, so two seeders cannot both pass).
macro_rules! refuse_if_seeded {
    ($tx:ident, $table:literal, $domain:literal) => {{
        let n: i64 = sqlx::query_scalar(concat!("SELECT count(*) FROM ", $table)).fetch_one(&mut *$tx).await?;
        if n > 0 {
            return Err($crate::store::StoreError::Conflict(
                concat!("the ", $domain, " demo data is already seeded (", $table, " has rows)").into(),
            ));
        }
    }};
}
pub(crate) use refuse_if_seeded;

/// The summary a seed's audit entry carries.
pub(crate) fn summary(domain: &str, counts: &SeedCounts) -> String {
    format!("seeded {} demo rows for {domain}: {counts}", counts.total())
}

/// Whole seconds: bookings compare exactly on both backends only without fractions.
pub(crate) fn whole(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(0)
}

pub(crate) fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// `N` fresh ids, so rows can point at each other before they are written.
pub(crate) fn ids<const N: usize>() -> [Uuid; N] {
    std::array::from_fn(|_| Uuid::now_v7())
}

/// A stable MD5-length hex checksum for a file name (demo files have no bytes to hash).
pub(crate) fn checksum(name: &str) -> String {
    let mut hex = crate::domain::digest::sha256_hex(name);
    hex.truncate(32);
    hex
}

/// A locally administered MAC address, distinct per `(family, n)`.
pub(crate) fn mac(family: u8, n: usize) -> String {
    format!("02:4e:46:{family:02x}:{:02x}:{:02x}", (n >> 8) & 0xff, n & 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_insert_table() {
        let mut c = SeedCounts::default();
        c.note("INSERT INTO sites (id) VALUES ($1)", 1);
        c.note("INSERT INTO sites (id) VALUES ($1)", 1);
        c.note("INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", 0);
        assert_eq!(c.get("sites"), 2);
        assert_eq!(c.get("tenants"), 0);
        assert_eq!(c.total(), 2);
        assert_eq!(c.to_string(), "sites 2, tenants 0");
    }

    #[test]
    fn macs_are_distinct() {
        assert_eq!(mac(1, 0x0102), "02:4e:46:01:01:02");
        assert_ne!(mac(1, 7), mac(2, 7));
    }
}
