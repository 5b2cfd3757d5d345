//! Seed 003: testbed devices with tags, owners, health and maintenance, and about sixty
//! bookings over the current and the next week. The database refuses overlapping active
//! bookings, so the plan below hands out (device, day, block) cells at most once, books only
//! slot 0, keeps whole seconds, and leaves devices with maintenance windows unbooked.

use super::{DemoPeople, SeedCounts, ids, ins, minutes, refuse_if_seeded, summary, whole};
use crate::domain::audit::Entry;
use crate::domain::time;
use crate::store::tx::{BeginWrite, TxExt};
use crate::store::{Store, StoreError, on_pool};
use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use serde_json::json;
use sqlx::types::Json;
use std::collections::HashSet;
use uuid::Uuid;

const DEVICE: &str = "INSERT INTO devices (id, device_type, name, polatis_name, out_port, in_port, ip_address, status, capacity, created_at, updated_at, retired_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)";
const TAG: &str = "INSERT INTO tags (id, name, created_at) VALUES ($1, $2, $3)";
const DEVICE_TAG: &str = "INSERT INTO device_tags (device_id, tag_id, created_at) VALUES ($1, $2, $3)";
const OWNERSHIP: &str = "INSERT INTO device_ownership (id, device_id, owner_id, assigned_by, assigned_at, revoked_by, revoked_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const HEALTH: &str = "INSERT INTO device_health_snapshots (id, device_id, status, heartbeat_at, metrics, recorded_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";
/// How many hourly health snapshots each device has.
const HEALTH_HOURS: i64 = 24;
const PROFILE_LIMITS: &str = "INSERT INTO user_profiles (user_id, approval_limits, created_at, updated_at) VALUES ($1, $2, $3, $3) \
     ON CONFLICT (user_id) DO UPDATE SET approval_limits = excluded.approval_limits";
const MAINTENANCE: &str = "INSERT INTO maintenance_windows (id, device_id, starts_at, ends_at, reason, created_by, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
const GROUP: &str =
    "INSERT INTO booking_groups (id, owner_id, title, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)";
const BOOKING: &str = "INSERT INTO bookings (id, group_id, device_id, user_id, starts_at, ends_at, status, slot, comment, created_at, updated_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10)";
const COLLABORATOR: &str =
    "INSERT INTO booking_collaborators (group_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)";
const COMMENT: &str =
    "INSERT INTO booking_comments (id, group_id, author_id, body, created_at) VALUES ($1, $2, $3, $4, $5)";
const APPROVAL: &str = "INSERT INTO booking_approvals (id, booking_id, approver_id, decision, comment, decided_at) VALUES ($1, $2, $3, $4, $5, $6)";
const FAVORITE: &str = "INSERT INTO booking_favorites (id, user_id, source_group_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
const FAVORITE_DEVICE: &str = "INSERT INTO booking_favorite_devices (id, favorite_id, device_id, device_name, device_type) VALUES ($1, $2, $3, $4, $5)";
const TOPOLOGY: &str = "INSERT INTO topologies (id, user_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)";
const NODE: &str =
    "INSERT INTO topology_nodes (id, topology_id, device_id, label, pos_x, pos_y) VALUES ($1, $2, $3, $4, $5, $6)";
const LINK: &str = "INSERT INTO topology_links (id, topology_id, from_node_id, to_node_id, from_port, to_port, label) VALUES ($1, $2, $3, $4, $5, $6, $7)";
const REVIEW: &str = "INSERT INTO topology_reviews (id, topology_id, status, conflict_count, requested_starts_at, requested_ends_at, last_checked_at, notes, created_at, updated_at) \
     VALUES ($1, $2, 'submitted', $3, $4, $5, $6, $7, $8, $8)";

/// (device_type, name prefix, how many, capacity, main tag)
const KINDS: [(&str, &str, usize, i64, &str); 6] = [
    ("polatis", "polatis", 4, 1, "optical"),
    ("edge-switch", "edge-sw", 8, 1, "layer2"),
    ("router", "core-rtr", 6, 1, "layer3"),
    ("server", "srv", 12, 2, "compute"),
    ("fpga", "fpga", 5, 1, "fpga"),
    ("sdr", "sdr", 5, 1, "radio"),
];
const TAGS: [&str; 11] =
    ["optical", "layer2", "layer3", "compute", "fpga", "radio", "rack-a", "rack-b", "rack-c", "100g", "gpu"];
/// Booking blocks of a weekday, in UTC hours.
const BLOCKS: [(i64, i64); 3] = [(9, 12), (13, 17), (17, 19)];
const TITLES: [&str; 12] = [
    "Optical loop test",
    "VLAN trunk lab",
    "BGP failover drill",
    "FPGA timing run",
    "Throughput baseline",
    "SDR spectrum sweep",
    "Kernel bypass bench",
    "Firewall rule audit",
    "Thesis measurements",
    "Class prep: routing",
    "Link flap repro",
    "Storage fabric test",
];

struct Device {
    id: Uuid,
    kind: &'static str,
    name: String,
    tag: &'static str,
    capacity: i64,
    status: &'static str,
    retired: bool,
}

fn devices() -> Vec<Device> {
    let mut out = Vec::new();
    for (kind, prefix, n, capacity, tag) in KINDS {
        for k in 1..=n {
            let name = format!("{prefix}-{k:02}");
            let (status, retired) = match name.as_str() {
                "edge-sw-08" => ("faulty", false),
                "fpga-05" => ("offline", true),
                "sdr-05" => ("maintenance", false),
                _ => ("available", false),
            };
            out.push(Device { id: Uuid::now_v7(), kind, name, tag, capacity, status, retired });
        }
    }
    out
}

/// Devices the plan may book: available and without a maintenance window.
fn bookable(devices: &[Device], maintained: &[&str]) -> Vec<usize> {
    (0..devices.len())
        .filter(|&i| devices[i].status == "available" && !maintained.contains(&devices[i].name.as_str()))
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
struct PlannedGroup {
    g: usize,
    starts: DateTime<Utc>,
    ends: DateTime<Utc>,
    devices: Vec<usize>,
    status: &'static str,
}

/// Groups until at least `want` bookings: each group takes a weekday block of the current or
/// next week and 1-3 devices that no other group holds in that block.
fn plan(week_start: DateTime<Utc>, bookable: &[usize], want: usize) -> Vec<PlannedGroup> {
    let weekdays: Vec<i64> = (0..14).filter(|d| d % 7 < 5).collect();
    let cells = weekdays.len() * BLOCKS.len();
    let mut taken: HashSet<(usize, usize)> = HashSet::new();
    let mut groups = Vec::new();
    let mut total = 0;
    let mut g = 0;
    while total < want && !bookable.is_empty() {
        let cell = (g * 7) % cells;
        let (day, (from, to)) = (weekdays[cell / BLOCKS.len()], BLOCKS[cell % BLOCKS.len()]);
        let size = [1, 2, 1, 3, 2][g % 5];
        let mut chosen = Vec::new();
        let start = (g * 11) % bookable.len();
        for k in 0..bookable.len() {
            let d = bookable[(start + k) % bookable.len()];
            if chosen.len() < size && taken.insert((d, cell)) {
                chosen.push(d);
            }
        }
        let status =
            if g == 8 { "partial" } else { ["approved", "pending", "approved", "cancelled", "pending"][(g / 2) % 5] };
        total += chosen.len();
        let day_start = week_start + Duration::days(day);
        groups.push(PlannedGroup {
            g,
            starts: day_start + Duration::hours(from),
            ends: day_start + Duration::hours(to),
            devices: chosen,
            status,
        });
        g += 1;
    }
    groups
}

/// Monday 00:00 UTC of the week holding `now`.
fn week_start(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    monday.and_time(NaiveTime::MIN).and_utc()
}

impl Store {
    /// Seed 003 demo data. Refused once any device exists.
    pub async fn seed_bookings(&self, people: &DemoPeople, audit: Entry) -> Result<SeedCounts, StoreError> {
        let now = time::now();
        let ago = |m: i64| now - minutes(m);
        let mut counts = SeedCounts::default();
        let p = people;
        let devs = devices();
        let by_name = |name: &str| devs.iter().position(|d| d.name == name).unwrap_or(0);
        let tag_ids: Vec<Uuid> = TAGS.iter().map(|_| Uuid::now_v7()).collect();
        let tag = |name: &str| tag_ids[TAGS.iter().position(|t| *t == name).unwrap_or(0)];
        let week = week_start(now);
        let maintenance = [
            (
                "sdr-05",
                whole(now) - Duration::hours(3),
                whole(now) + Duration::days(2),
                "Firmware reflash after RF calibration drift",
            ),
            (
                "core-rtr-06",
                week + Duration::days(8) + Duration::hours(6),
                week + Duration::days(8) + Duration::hours(14),
                "Line card replacement",
            ),
        ];
        let maintained: Vec<&str> = maintenance.iter().map(|m| m.0).collect();
        let groups = plan(week, &bookable(&devs, &maintained), 60);
        let bookers = [p.sam, p.sara, p.sid, p.tess, p.tom, p.otto];
        let group_ids: Vec<Uuid> = groups.iter().map(|_| Uuid::now_v7()).collect();

        on_pool!(self, db => {
            let mut tx = db.begin_write().await?;
            refuse_if_seeded!(tx, "devices", "bookings");

            for (t, name) in TAGS.iter().enumerate() {
                ins!(tx, counts, TAG, tag_ids[t], *name, ago(200 * 24 * 60));
            }
            for (i, d) in devs.iter().enumerate() {
                let type_no = KINDS.iter().position(|k| k.0 == d.kind).unwrap_or(0);
                // Every device is patched through one of the optical switches, which have none.
                let polatis = (d.kind != "polatis").then(|| format!("polatis-{:02}", i % 4 + 1));
                ins!(tx, counts, DEVICE, d.id, d.kind, &d.name, polatis, i as i64 + 1, i as i64 + 97,
                    Some(format!("10.20.{}.{}", type_no + 1, 10 + i)), d.status, d.capacity,
                    ago((180 - i as i64) * 24 * 60), d.retired.then(|| ago(5 * 24 * 60)));
                let rack = ["rack-a", "rack-b", "rack-c"][i % 3];
                let mut device_tags = vec![d.tag, rack];
                if matches!(d.kind, "polatis" | "router") || i % 5 == 0 {
                    device_tags.push("100g");
                }
                if d.kind == "server" && i % 4 == 0 {
                    device_tags.push("gpu");
                }
                for t in device_tags {
                    ins!(tx, counts, DEVICE_TAG, d.id, tag(t), ago(150 * 24 * 60));
                }
                // A day of hourly health snapshots each: a time series per metric.
                for k in 0..HEALTH_HOURS {
                    let age = (HEALTH_HOURS - 1 - k) * 60 + 5;
                    let wave = ((i as f64) + k as f64 / 3.0).sin();
                    let temp = 41.0 + 4.0 * wave + (i % 5) as f64;
                    let status = match d.status {
                        "faulty" => "critical",
                        "maintenance" => "unknown",
                        _ if d.retired => "unknown",
                        _ if temp >= 48.5 => "warning",
                        _ => "healthy",
                    };
                    let metrics = json!({
                        "temp_c": (temp * 10.0).round() / 10.0,
                        "cpu_percent": (i as i64 * 13 + k * 7 + (k * k) % 11) % 90,
                        "rx_power_dbm": ((-3.5 - (i % 6) as f64 * 0.5 + 0.3 * wave) * 10.0).round() / 10.0,
                        "uptime_s": 86_400 * (i as i64 % 30 + 1) + 3_600 * k,
                    });
                    let heartbeat = (status != "unknown").then(|| ago(age));
                    ins!(tx, counts, HEALTH, Uuid::now_v7(), d.id, status, heartbeat, Json(metrics), ago(age));
                }
            }

            // April approves alone up to 4 hours over 2 devices; longer or bigger goes to Ada.
            ins!(tx, counts, PROFILE_LIMITS, p.april, Json(json!({ "max_hours": 4, "max_devices": 2 })), ago(30 * 24 * 60));

            // Ownership history: Tom's FPGA went to Sam, the rest are current.
            for (device, owner, by, assigned, revoked) in [
                ("srv-01", p.tess, p.otto, 90_i64, None),
                ("srv-02", p.tom, p.otto, 90, None),
                ("edge-sw-01", p.otto, p.ada, 120, None),
                ("sdr-01", p.sara, p.otto, 45, None),
                ("fpga-01", p.tom, p.otto, 60, Some(20_i64)),
                ("fpga-01", p.sam, p.otto, 20, None),
            ] {
                ins!(tx, counts, OWNERSHIP, Uuid::now_v7(), devs[by_name(device)].id, owner, Some(by), ago(assigned * 24 * 60),
                    revoked.map(|_| p.ada), revoked.map(|d| ago(d * 24 * 60)));
            }
            for (device, starts, ends, reason) in maintenance {
                ins!(tx, counts, MAINTENANCE, Uuid::now_v7(), devs[by_name(device)].id, starts, ends, reason, Some(p.otto), ago(3 * 24 * 60));
            }

            // Booking groups: one row per device, collaborators, comments and decisions.
            for (gi, pg) in groups.iter().enumerate() {
                let g = pg.g;
                let group = group_ids[gi];
                let owner = bookers[g % bookers.len()];
                // Requested a few days ahead of the slot (or of today, for past slots).
                let created = pg.starts.min(now) - Duration::days(1 + (g % 4) as i64) - minutes(g as i64 * 17);
                let decided = created + Duration::hours(2);
                // A request whose slot is over was decided long ago.
                let group_status = if pg.status == "pending" && pg.ends <= now { "approved" } else { pg.status };
                let updated = if group_status == "pending" { created } else { decided };
                ins!(tx, counts, GROUP, group, owner, TITLES[g % TITLES.len()], group_status, created, updated);
                for (k, &d) in pg.devices.iter().enumerate() {
                    let booking = Uuid::now_v7();
                    let status = match group_status {
                        "partial" if k > 0 => "rejected",
                        "partial" => "approved",
                        s => s,
                    };
                    let comment = (g % 4 == 0 && k == 0).then_some("Please keep the 100G optics patched as they are");
                    ins!(tx, counts, BOOKING, booking, group, devs[d].id, owner, pg.starts, pg.ends, status, comment, created, updated);
                    if matches!(status, "approved" | "rejected") {
                        let why = (status == "rejected").then_some("Needed for the Networks Lab class that afternoon");
                        ins!(tx, counts, APPROVAL, Uuid::now_v7(), booking, Some(p.april), status, why, decided);
                    }
                }
                let collaborators = match g % 6 {
                    0 => 2,
                    3 => 1,
                    _ => 0,
                };
                for c in 1..=collaborators {
                    ins!(tx, counts, COLLABORATOR, group, bookers[(g + c) % bookers.len()], Some(owner), created + minutes(5));
                }
                if g % 4 == 1 {
                    ins!(tx, counts, COMMENT, Uuid::now_v7(), group, Some(owner), "Could we extend by an hour if nobody is waiting?", created + minutes(10));
                    ins!(tx, counts, COMMENT, Uuid::now_v7(), group, Some(p.april), "Fine by me, ask again on the day.", created + minutes(95));
                }
                if group_status == "cancelled" {
                    ins!(tx, counts, COMMENT, Uuid::now_v7(), group, Some(owner), "Cancelled: the experiment moved to next week.", created + minutes(240));
                }
            }

            // Favorites keep the devices' names and types as they were when saved.
            let [optical, rack] = ids::<2>();
            let sams_group = groups.iter().position(|g| bookers[g.g % bookers.len()] == p.sam).map(|i| group_ids[i]);
            ins!(tx, counts, FAVORITE, optical, p.sam, sams_group, "Optical loop", ago(10 * 24 * 60));
            ins!(tx, counts, FAVORITE, rack, p.tess, None::<Uuid>, "Class demo rack", ago(8 * 24 * 60));
            for (favorite, device) in [(optical, "polatis-01"), (optical, "edge-sw-02"), (rack, "srv-01"), (rack, "srv-02"), (rack, "core-rtr-01")] {
                let d = &devs[by_name(device)];
                ins!(tx, counts, FAVORITE_DEVICE, Uuid::now_v7(), favorite, Some(d.id), &d.name, d.kind);
            }

            // Topologies: a device ring and a router core with a non-device uplink node.
            let [ring, core] = ids::<2>();
            ins!(tx, counts, TOPOLOGY, ring, p.sam, "Optical ring", ago(6 * 24 * 60));
            ins!(tx, counts, TOPOLOGY, core, p.tom, "Campus core", ago(4 * 24 * 60));
            let ring_nodes = ids::<4>();
            for (k, (device, x, y)) in [("polatis-01", 0.0_f64, 0.0_f64), ("edge-sw-01", 200.0, 0.0), ("edge-sw-02", 200.0, 160.0), ("srv-03", 0.0, 160.0)].into_iter().enumerate() {
                ins!(tx, counts, NODE, ring_nodes[k], ring, Some(devs[by_name(device)].id), device, x, y);
            }
            // Each device's out port to the next one's in port (devices' ports: out i+1, in i+97).
            let ring_devs = ["polatis-01", "edge-sw-01", "edge-sw-02", "srv-03"];
            for k in 0..4 {
                let (a, b) = (by_name(ring_devs[k]) as i64, by_name(ring_devs[(k + 1) % 4]) as i64);
                ins!(tx, counts, LINK, Uuid::now_v7(), ring, ring_nodes[k], ring_nodes[(k + 1) % 4], Some(a + 1), Some(b + 97), Some(format!("ring segment {}", k + 1)));
            }
            let core_nodes = ids::<3>();
            for (k, (device, x, y)) in [(Some("core-rtr-01"), 0.0_f64, 100.0_f64), (Some("core-rtr-02"), 240.0, 100.0), (None, 120.0, 0.0)].into_iter().enumerate() {
                let id = device.map(|n| devs[by_name(n)].id);
                ins!(tx, counts, NODE, core_nodes[k], core, id, device.unwrap_or("Internet uplink"), x, y);
            }
            // The uplink is not a device: its ends name no port.
            let (r1, r2) = (by_name("core-rtr-01") as i64, by_name("core-rtr-02") as i64);
            for (from, to, from_port, to_port, label) in [(0, 1, Some(r1 + 1), Some(r2 + 97), "core interlink"), (0, 2, Some(r1 + 97), None, "uplink A"), (1, 2, Some(r2 + 1), None, "uplink B")] {
                ins!(tx, counts, LINK, Uuid::now_v7(), core, core_nodes[from], core_nodes[to], from_port, to_port, Some(label));
            }
            let (review_from, review_to) = (week + Duration::days(9) + Duration::hours(13), week + Duration::days(9) + Duration::hours(17));
            ins!(tx, counts, REVIEW, Uuid::now_v7(), ring, 0_i64, Some(review_from), Some(review_to), Some(now),
                Some("Needs the optical switch for the whole afternoon"), ago(6 * 24 * 60));

            tx.audit(&audit.details(counts.to_json()).message(summary("bookings", &counts))).await?;
            tx.bump("bookings").await?;
            tx.commit().await?;
        });
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_never_double_books_and_keeps_whole_seconds() {
        let now = time::now();
        let week = week_start(now);
        assert_eq!(week.weekday(), chrono::Weekday::Mon);
        let devs = devices();
        assert_eq!(devs.len(), 40);
        let free = bookable(&devs, &["sdr-05", "core-rtr-06"]);
        assert!(!free.iter().any(|&d| devs[d].name == "core-rtr-06"));
        let groups = plan(week, &free, 60);
        let total: usize = groups.iter().map(|g| g.devices.len()).sum();
        assert!((60..64).contains(&total), "{total} bookings");
        assert!(groups.iter().any(|g| g.devices.len() > 1));
        let mut seen: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for g in &groups {
            assert_eq!(g.starts, whole(g.starts));
            assert!(g.starts >= week && g.ends <= week + Duration::days(14));
            for &d in &g.devices {
                assert!(free.contains(&d));
                assert!(
                    !seen.iter().any(|&(o, s, e)| o == d && s < g.ends && g.starts < e),
                    "{} double-booked",
                    devs[d].name
                );
                seen.push((d, g.starts, g.ends));
            }
        }
    }
}
