//! Topology editing, booking a whole topology, device ownership transfers, health series and
//! approval limits, on both backends (issue #18, seed 003).

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{add, services};
use labdeck::domain::Role;
use labdeck::domain::bookings::Interval;
use labdeck::domain::bookings::topology::{Edit, End};
use labdeck::domain::rbac::Actor;
use labdeck::engine::bookings::{self, Op, Out};
use labdeck::engine::{AppError, Services};
use labdeck::store::bookings::{DeviceInput, TopologyDetail};
use labdeck::store::{Store, StoreError};
use uuid::Uuid;

fn t(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 4, 0, 0, 0).single().unwrap() + Duration::hours(h)
}
fn iv(a: i64, b: i64) -> Interval {
    Interval { start: t(a), end: t(b) }
}

/// A device with ports out `out` / in `out + 1`.
async fn device(svc: &Services, admin: &Actor, name: &str, out: i64) -> Uuid {
    let input = DeviceInput {
        name: name.into(),
        device_type: "router".into(),
        out_port: out,
        in_port: out + 1,
        status: "available".into(),
        capacity: 1,
        ..Default::default()
    };
    bookings::run(svc, admin, Op::SaveDevice { id: None, input }).await.unwrap();
    svc.store.device_id_by_name(admin, name).await.unwrap()
}

async fn run(svc: &Services, actor: &Actor, op: Op) -> Result<String, AppError> {
    match bookings::run(svc, actor, op).await? {
        Out::Done(m) => Ok(m),
        Out::Booked { message, .. } => Ok(message),
        other => panic!("unexpected {other:?}"),
    }
}

async fn edit(svc: &Services, actor: &Actor, id: Uuid, e: Edit) -> Result<String, AppError> {
    run(svc, actor, Op::EditTopology { id, edit: e }).await
}

fn conflict(r: &Result<String, AppError>, words: &str) -> bool {
    matches!(r, Err(AppError::Store(StoreError::Conflict(m)) | AppError::Invalid(m)) if m.contains(words))
}

fn node(t: &TopologyDetail, label: &str) -> Uuid {
    t.nodes.iter().find(|n| n.label == label).unwrap().id
}

fn end(t: &TopologyDetail, label: &str, port: i64) -> End {
    End { node: node(t, label), port: Some(port) }
}

/// A raw link insert, past the code's rules: the database's triggers alone decide.
async fn raw_link(store: &Store, topology: Uuid, a: End, b: End) -> Result<(), String> {
    let sql = "INSERT INTO topology_links (id, topology_id, from_node_id, to_node_id, from_port, to_port) VALUES ($1, $2, $3, $4, $5, $6)";
    let id = Uuid::now_v7();
    match store {
        Store::Sqlite(p) => sqlx::query(sql)
            .bind(id)
            .bind(topology)
            .bind(a.node)
            .bind(b.node)
            .bind(a.port)
            .bind(b.port)
            .execute(p)
            .await
            .map(|_| ()),
        Store::Postgres(p) => sqlx::query(sql)
            .bind(id)
            .bind(topology)
            .bind(a.node)
            .bind(b.node)
            .bind(a.port)
            .bind(b.port)
            .execute(p)
            .await
            .map(|_| ()),
    }
    .map_err(|e| e.to_string())
}

both!(topologies_are_edited_by_their_owner_with_ports_used_once, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let april = add(&store, "april", Role::Approver).await;
    let a = device(&svc, &ada, "a", 1).await;
    let b = device(&svc, &ada, "b", 3).await;
    let c = device(&svc, &ada, "c", 5).await;
    run(&svc, &sam, Op::CreateTopology { name: "lab".into(), devices: vec![] }).await.unwrap();
    let id = store.topologies(&sam).await.unwrap()[0].id;
    for d in [a, b, c] {
        edit(&svc, &sam, id, Edit::AddNode { device: d }).await.unwrap();
    }
    let r = edit(&svc, &sam, id, Edit::AddNode { device: a }).await;
    assert!(conflict(&r, "a is already a node"), "{r:?}");
    let topo = store.topology(&sam, id).await.unwrap();
    assert_eq!(topo.nodes.len(), 3);
    // a out 1 → b in 4: the ports exist and are free.
    let m = edit(&svc, &sam, id, Edit::AddLink { a: end(&topo, "a", 1), b: end(&topo, "b", 4), label: None })
        .await
        .unwrap();
    assert_eq!(m, "Linked a o1 ── i4 b.");
    // A port carries one link, whichever end it would be; ports must exist; two nodes.
    let r = edit(&svc, &sam, id, Edit::AddLink { a: end(&topo, "c", 6), b: end(&topo, "a", 1), label: None }).await;
    assert!(conflict(&r, "a out 1 is already linked"), "{r:?}");
    let r = edit(&svc, &sam, id, Edit::AddLink { a: end(&topo, "b", 4), b: end(&topo, "c", 6), label: None }).await;
    assert!(conflict(&r, "b in 4 is already linked"), "{r:?}");
    let r = edit(&svc, &sam, id, Edit::AddLink { a: end(&topo, "a", 99), b: end(&topo, "c", 6), label: None }).await;
    assert!(conflict(&r, "a has no port 99"), "{r:?}");
    let r = edit(&svc, &sam, id, Edit::AddLink { a: end(&topo, "a", 2), b: end(&topo, "a", 1), label: None }).await;
    assert!(conflict(&r, "two different nodes"), "{r:?}");
    // The database refuses the same, written past the code.
    let err = raw_link(&store, id, end(&topo, "c", 6), end(&topo, "b", 4)).await.unwrap_err();
    assert!(err.contains("topology port in use"), "{err}");
    let err = raw_link(&store, id, end(&topo, "c", 7), end(&topo, "b", 42)).await.unwrap_err();
    assert!(err.contains("topology link port does not exist"), "{err}");
    assert!(raw_link(&store, id, end(&topo, "c", 5), end(&topo, "b", 3)).await.is_ok());
    // A device's linked port cannot be renumbered away.
    let renumber = DeviceInput {
        name: "b".into(),
        out_port: 30,
        in_port: 4,
        status: "available".into(),
        capacity: 1,
        ..Default::default()
    };
    assert!(bookings::run(&svc, &ada, Op::SaveDevice { id: Some(b), input: renumber }).await.is_err());

    // Only the owner or an approver/admin edits; the refusal is a denial.
    let r = edit(&svc, &sid, id, Edit::Rename { name: "mine".into() }).await;
    assert!(matches!(r, Err(AppError::Denied(_))), "{r:?}");
    edit(&svc, &april, id, Edit::Rename { name: "lab ring".into() }).await.unwrap();
    assert_eq!(store.topologies(&sam).await.unwrap()[0].name, "lab ring");

    // Under an open review nothing changes; after the decision it may, and shows as changed.
    run(&svc, &sam, Op::SubmitReview { id, at: iv(9, 12) }).await.unwrap();
    let r = edit(&svc, &sam, id, Edit::Rename { name: "x".into() }).await;
    assert!(conflict(&r, "under review"), "{r:?}");
    let e = labdeck::domain::audit::Entry::by(&sam, &svc.source, "rename_topology", "topology");
    let r = store.edit_topology(&sam, id, &Edit::Rename { name: "x".into() }, e).await;
    assert!(matches!(&r, Err(StoreError::Conflict(m)) if m.contains("under review")), "the store checks again: {r:?}");
    run(&svc, &ada, Op::ResolveReview { id, approve: true, notes: String::new() }).await.unwrap();
    assert!(!store.topologies(&sam).await.unwrap()[0].changed());
    let link = store.topology(&sam, id).await.unwrap().links.iter().find(|l| l.from_port == Some(1)).unwrap().id;
    assert_eq!(edit(&svc, &sam, id, Edit::RemoveLink { link }).await.unwrap(), "Unlinked a o1 ── i4 b.");
    let row = store.topologies(&sam).await.unwrap().remove(0);
    assert_eq!((row.review.as_deref(), row.changed(), row.links), (Some("approved"), true, 1));
    // Removing a node removes its links.
    let m = edit(&svc, &sam, id, Edit::RemoveNode { node: node(&topo, "c") }).await.unwrap();
    assert_eq!(m, "Removed c and its 1 link(s) from lab ring.");
    let row = store.topologies(&sam).await.unwrap().remove(0);
    assert_eq!((row.nodes, row.links), (2, 0));
});

both!(a_topology_is_booked_whole_or_not_at_all, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let a = device(&svc, &ada, "a", 1).await;
    let b = device(&svc, &ada, "b", 3).await;
    let c = device(&svc, &ada, "c", 5).await;
    // Marked devices become a chain: a out 1 → b in 4, b out 3 → c in 6.
    run(&svc, &sam, Op::CreateTopology { name: "chain".into(), devices: vec![a, b, c] }).await.unwrap();
    let chain = store.topologies(&sam).await.unwrap()[0].id;
    let detail = store.topology(&sam, chain).await.unwrap();
    let mut links: Vec<String> = detail.links.iter().map(|l| detail.link_text(l)).collect();
    links.sort();
    assert_eq!(links, ["a o1 ── i4 b", "b o3 ── i6 c"]);
    let m = run(&svc, &sam, Op::BookTopology { id: chain, at: iv(9, 12) }).await.unwrap();
    assert_eq!(m, "chain: Booked 3 devices (waiting for approval).");
    // sid's topology shares b: booking it over the same hours books nothing and names b.
    run(&svc, &sid, Op::CreateTopology { name: "pair".into(), devices: vec![c, b] }).await.unwrap();
    let pair = store.topologies(&sid).await.unwrap().into_iter().find(|t| t.name == "pair").unwrap().id;
    let r = run(&svc, &sid, Op::BookTopology { id: pair, at: iv(10, 11) }).await;
    assert!(conflict(&r, "b: booked"), "{r:?}");
    assert!(conflict(&r, "c: booked"), "{r:?}");
    let cal = store.calendar(&sid, t(0), t(24)).await.unwrap();
    assert_eq!(cal.bookings.len(), 3, "sam's three, none of sid's");
    assert!(run(&svc, &sid, Op::BookTopology { id: pair, at: iv(12, 13) }).await.is_ok(), "free right after");
    // A topology with no device says so.
    run(&svc, &sid, Op::CreateTopology { name: "empty".into(), devices: vec![] }).await.unwrap();
    let empty = store.topologies(&sid).await.unwrap().into_iter().find(|t| t.name == "empty").unwrap().id;
    let r = run(&svc, &sid, Op::BookTopology { id: empty, at: iv(14, 15) }).await;
    assert!(conflict(&r, "no device to book"), "{r:?}");
});

both!(devices_change_hands_and_show_health_and_approval_limits, |store: Store| async move {
    let svc = services(&store);
    let ada = add(&store, "ada", Role::Admin).await;
    let sam = add(&store, "sam", Role::Student).await;
    let sid = add(&store, "sid", Role::Student).await;
    let april = add(&store, "april", Role::Approver).await;
    let d = device(&svc, &ada, "fpga", 1).await;
    run(&svc, &ada, Op::Owner { device: d, username: "sam".into(), assign: true }).await.unwrap();
    // Only an owner or an admin/operator hands a device over.
    let r = run(&svc, &sid, Op::Transfer { device: d, username: "sid".into() }).await;
    assert!(matches!(r, Err(AppError::Denied(_))), "{r:?}");
    assert_eq!(
        run(&svc, &sam, Op::Transfer { device: d, username: "sid".into() }).await.unwrap(),
        "Handed over from sam to sid."
    );
    let r = run(&svc, &sid, Op::Transfer { device: d, username: "sid".into() }).await;
    assert!(conflict(&r, "sid already owns it"), "{r:?}");
    run(&svc, &ada, Op::Transfer { device: d, username: "april".into() }).await.unwrap();
    let history = store.ownership_history(&sam, d).await.unwrap();
    let who: Vec<(&str, Option<&str>)> = history.iter().map(|h| (h.owner.as_str(), h.revoked_by.as_deref())).collect();
    assert_eq!(who, [("april", None), ("sid", Some("ada")), ("sam", Some("sam"))]);

    // Health snapshots keep their metrics as a series.
    let metrics = [r#"{"temp_c": 40}"#, r#"{"temp_c": 44.5, "cpu_percent": 10}"#];
    for (k, m) in metrics.iter().enumerate() {
        let sql = "INSERT INTO device_health_snapshots (id, device_id, status, heartbeat_at, metrics, recorded_at) VALUES ($1, $2, 'healthy', $3, $4, $3)";
        let v: serde_json::Value = serde_json::from_str(m).unwrap();
        let at = t(k as i64);
        match &store {
            Store::Sqlite(p) => sqlx::query(sql)
                .bind(Uuid::now_v7())
                .bind(d)
                .bind(at)
                .bind(sqlx::types::Json(v))
                .execute(p)
                .await
                .map(|_| ()),
            Store::Postgres(p) => sqlx::query(sql)
                .bind(Uuid::now_v7())
                .bind(d)
                .bind(at)
                .bind(sqlx::types::Json(v))
                .execute(p)
                .await
                .map(|_| ()),
        }
        .unwrap();
    }
    let health = store.health_history(&sam, d, 10).await.unwrap();
    let series = labdeck::domain::bookings::health::series(health.iter().rev().map(|h| h.metrics.as_deref()));
    assert_eq!(
        series.iter().map(|s| (s.name.as_str(), s.values.clone())).collect::<Vec<_>>(),
        [("cpu_percent", vec![10.0]), ("temp_c", vec![40.0, 44.5])]
    );

    // Approval limits: the approver sees theirs; bookers see every approver's.
    let sql = "INSERT INTO user_profiles (user_id, approval_limits, created_at, updated_at) VALUES ($1, $2, $3, $3)";
    let limits = sqlx::types::Json(serde_json::json!({ "max_hours": 4, "max_devices": 2 }));
    match &store {
        Store::Sqlite(p) => sqlx::query(sql).bind(april.user_id).bind(limits).bind(t(0)).execute(p).await.map(|_| ()),
        Store::Postgres(p) => sqlx::query(sql).bind(april.user_id).bind(limits).bind(t(0)).execute(p).await.map(|_| ()),
    }
    .unwrap();
    let Out::Approvers { mine, approvers } = bookings::run(&svc, &april, Op::Approvers).await.unwrap() else {
        panic!("approvers")
    };
    assert_eq!(mine.describe().as_deref(), Some("up to 4 h and 2 devices"));
    let names: Vec<(&str, bool)> = approvers.iter().map(|a| (a.username.as_str(), a.admin)).collect();
    assert_eq!(names, [("april", false), ("ada", true)]);
    let note = labdeck::domain::bookings::approval::limit_note(&approvers, iv(9, 15), 1).unwrap();
    assert!(note.ends_with("only ada can approve it"), "{note}");
});
