//! One poller per cluster across processes: two `labdeck poll` processes on one database
//! cost Proxmox one `/cluster/resources` per cycle, and when the holder stops the other
//! takes over. On SQLite and on PostgreSQL.

mod common;

use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::engine::demo_sim::cluster_input;
use labdeck::pve::sim::{SimOptions, Simulator};
use labdeck::store::testing::TempDir;
use labdeck::store::{ConnectOptions, Store};
use std::process::Command;
use std::time::{Duration, Instant};

const RESOURCES: &str = "/api2/json/cluster/resources";

async fn holder(store: &Store) -> Option<String> {
    let health = store.poll_health().await.ok()?;
    health.values().next()?.lease_owner.clone()
}

async fn wait_for<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f().await {
        assert!(Instant::now() < deadline, "waited 20 s for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn one_poller_across_processes(url: String, store: Store) {
    // The pollers open the secret sealed here: the same key, passed in the environment.
    labdeck::store::testing::use_test_key();
    let (sim, server) =
        Simulator::bind(SimOptions { guests: 20, task_secs: 0.2, ..SimOptions::default() }).await.unwrap();
    tokio::spawn(server);
    let input = cluster_input(&sim, "sim", "sim", 1);
    let actor = Actor::system("test");
    store.save_cluster(None, &input, Entry::by(&actor, &Source::Engine, "add_cluster", "cluster")).await.unwrap();

    let home = TempDir::new();
    let mut a = common::poller(&url, &home);
    let mut b = common::poller(&url, &home);
    wait_for("the first poll", || async { store.list_guests(&actor).await.map(|g| g.len() >= 20).unwrap_or(false) })
        .await;

    let before = sim.requests(RESOURCES);
    tokio::time::sleep(Duration::from_secs(6)).await;
    let polls = sim.requests(RESOURCES) - before;
    assert!((2..=7).contains(&polls), "two processes, one poller: {polls} requests in 6 s at a 1 s interval");

    // Stop the holder: the other process takes the lease over and polling goes on.
    let first = holder(&store).await.expect("someone holds the lease");
    let (stopping, other) = if first.contains(&format!(":{}:", a.id())) { (&mut a, &mut b) } else { (&mut b, &mut a) };
    assert!(first.contains(&format!(":{}:", stopping.id())));
    Command::new("kill").args(["-TERM", &stopping.id().to_string()]).status().unwrap();
    stopping.wait().unwrap();
    let other_pid = format!(":{}:", other.id());
    wait_for("the other process to take over", || async {
        holder(&store).await.is_some_and(|h| h.contains(&other_pid))
    })
    .await;
    let before = sim.requests(RESOURCES);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(sim.requests(RESOURCES) > before, "polling goes on after the takeover");

    // The lease lasts 1.5 intervals from its last renewal (it was interval × 3 + 5 s).
    let health = store.poll_health().await.unwrap();
    let expires = health.values().next().unwrap().lease_expires_at.unwrap();
    let left = expires - labdeck::domain::time::now();
    assert!(left <= chrono::Duration::milliseconds(1600), "a 1 s interval's lease has {left} left");

    // kill -9 of the holder (no hand-back): a third process takes over within 2 intervals
    // plus process and database slack (it took 10–12 s at a 2 s interval before).
    let mut third = common::poller(&url, &home);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(holder(&store).await.is_some_and(|h| h.contains(&other_pid)), "the holder keeps its lease");
    Command::new("kill").args(["-KILL", &other.id().to_string()]).status().unwrap();
    other.wait().unwrap();
    let killed = Instant::now();
    let third_pid = format!(":{}:", third.id());
    wait_for("the third process to take over", || async {
        holder(&store).await.is_some_and(|h| h.contains(&third_pid))
    })
    .await;
    let took = killed.elapsed();
    assert!(took < Duration::from_secs(5), "takeover after kill -9 took {took:?} at a 1 s interval");
    third.kill().unwrap();
    third.wait().unwrap();
    sim.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = TempDir::new();
    let url = format!("sqlite://{}/lease.db", dir.path.display());
    let store = Store::connect(&ConnectOptions::new(url.clone())).await.unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    one_poller_across_processes(url, store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Some(base) = common::postgres_url() else { return };
    let schema = format!("t_{}", uuid::Uuid::now_v7().simple());
    let admin = Store::connect(&ConnectOptions::new(base.clone())).await.unwrap();
    if let Store::Postgres(p) = &admin {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(p).await.unwrap();
    }
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}%2Cpublic");
    let store = Store::connect(&ConnectOptions::new(url.clone())).await.unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    one_poller_across_processes(url, store).await;
}
