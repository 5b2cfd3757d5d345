//! kill -9 of a writing poller, 20 times at random points (SQLite: the file is ours to check;
//! on PostgreSQL a killed client's transaction is the server's to roll back). After each
//! kill the database passes `PRAGMA integrity_check` and `foreign_key_check`, opens and
//! migrates clean, and holds either none or all of the cluster's guests — never part of a
//! poll cycle. Guests are switched on and off between kills so every cycle writes.

mod common;

use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::engine::demo_sim::cluster_input;
use labdeck::pve::sim::{SimOptions, Simulator};
use labdeck::store::testing::TempDir;
use labdeck::store::{ConnectOptions, Store};
use std::process::Command;
use std::time::Duration;

const GUESTS: usize = 3000;
const KILLS: usize = 20;

/// A pseudo-random number from the clock (no dependency needed for jitter).
fn jitter(max_ms: u64) -> u64 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    (n.wrapping_mul(6364136223846793005) >> 33) % max_ms
}

async fn check(url: &str) -> i64 {
    // A fresh connection each time, as a restarted process would open it.
    let store = Store::connect(&ConnectOptions::new(url.to_string())).await.expect("the store opens after a kill");
    store.migrate().await.expect("and migrates clean");
    let Store::Sqlite(p) = &store else { unreachable!() };
    let ok: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(p).await.unwrap();
    assert_eq!(ok, "ok");
    let dangling: Vec<(String, i64)> =
        sqlx::query_as("SELECT \"table\", rowid FROM pragma_foreign_key_check").fetch_all(p).await.unwrap();
    assert!(dangling.is_empty(), "rows pointing nowhere: {dangling:?}");
    let guests: i64 = sqlx::query_scalar("SELECT count(*) FROM pve_guests").fetch_one(p).await.unwrap();
    assert!(guests == 0 || guests == GUESTS as i64, "half a poll cycle was kept: {guests} of {GUESTS} guests");
    store.close().await;
    guests
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_kill_9s_of_a_writing_poller_leave_the_database_whole() {
    labdeck::store::testing::use_test_key();
    let dir = TempDir::new();
    let url = format!("sqlite://{}/kill.db", dir.path.display());
    let store = Store::connect(&ConnectOptions::new(url.clone())).await.unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    let (sim, server) =
        Simulator::bind(SimOptions { guests: GUESTS, task_secs: 0.2, ..SimOptions::default() }).await.unwrap();
    tokio::spawn(server);
    let input = cluster_input(&sim, "sim", "sim", 1);
    store.save_cluster(None, &input, Entry::by(&Actor::system("t"), &Source::Engine, "add", "cluster")).await.unwrap();
    store.close().await;

    let home = TempDir::new();
    let mut polled = 0;
    for round in 0..KILLS {
        // Something to write: a few guests change state before each round.
        for vmid in (0..GUESTS as u32).step_by(97).map(|i| 100 + (i + round as u32) % GUESTS as u32) {
            sim.run_for(vmid, 60.0);
        }
        let mut child = common::poller(&url, &home);
        tokio::time::sleep(Duration::from_millis(300 + jitter(2500))).await;
        Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
        child.wait().unwrap();
        if check(&url).await > 0 {
            polled += 1;
        }
    }
    assert!(polled > 0, "no round got as far as a whole poll: the loop tested nothing");

    // And a poller started afterwards still completes cycles on the same file.
    let mut last = common::poller(&url, &home);
    let store = Store::connect(&ConnectOptions::new(url.clone())).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let health = store.poll_health().await.unwrap();
        if health.values().any(|h| h.last_error.is_none() && h.consecutive_failures == 0 && h.last_success_at.is_some())
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no clean poll cycle after the kills: {health:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    last.kill().unwrap();
    last.wait().unwrap();
}
