//! One poll cycle for 10k guests: decode `/cluster/resources`, diff against the stored
//! inventory, commit the changed rows in one transaction. On SQLite and, when
//! LABDECK_TEST_POSTGRES_URL is set, on PostgreSQL.
//! Run: LABDECK_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test cargo bench --bench poll_cycle

use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::inventory::diff::diff;
use labdeck::domain::rbac::Actor;
use labdeck::engine::poller::split;
use labdeck::pve::Resource;
use labdeck::store::Store;
use labdeck::store::pve::{ClusterInput, PollWrite};
use std::collections::HashSet;
use std::time::{Duration, Instant};

const GUESTS: u32 = 10_000;

/// A `/cluster/resources` body shaped like Proxmox's, with `tick` moving the metrics of
/// running guests (as pvestatd does every 10 s).
fn body(tick: u32) -> Vec<u8> {
    let mut rows = Vec::with_capacity(GUESTS as usize + 4);
    for n in 1..=3 {
        rows.push(format!(r#"{{"id":"node/pve{n}","type":"node","node":"pve{n}","status":"online","cpu":0.{tick}{n},"maxcpu":64,"mem":{},"maxmem":274877906944,"uptime":{}}}"#, 1_000_000 * (tick + n), 86400 + tick));
    }
    for i in 0..GUESTS {
        let vmid = 100 + i;
        let running = i % 2 == 0;
        let (status, cpu, mem, uptime) = if running {
            (
                "running",
                format!("0.{:03}", (i * 7 + tick * 13) % 1000),
                536870912 + (i as u64 * 4096) + tick as u64 * 65536,
                3600 + tick * 5,
            )
        } else {
            ("stopped", "0".into(), 0, 0)
        };
        rows.push(format!(
            r#"{{"id":"qemu/{vmid}","type":"qemu","vmid":{vmid},"node":"pve{}","name":"lab-vm-{vmid}","status":"{status}","template":0,"tags":"lab;linux","cpu":{cpu},"maxcpu":2,"mem":{mem},"maxmem":2147483648,"disk":0,"maxdisk":34359738368,"netin":{},"netout":{},"diskread":0,"diskwrite":0,"uptime":{uptime}}}"#,
            i % 3 + 1,
            if running { tick as u64 * 1000 + i as u64 } else { 0 },
            if running { tick as u64 * 500 + i as u64 } else { 0 }
        ));
    }
    format!(r#"{{"data":[{}]}}"#, rows.join(",")).into_bytes()
}

async fn bench(name: &str, store: Store) {
    let actor = Actor::system("bench");
    let input = ClusterInput {
        key: "bench".into(),
        name: "bench".into(),
        host: "127.0.0.1".into(),
        port: 8006,
        token_id: "root@pam!b".into(),
        token_secret: Some("x".into()),
        fingerprint: "00".into(),
        poll_interval_secs: 5,
    };
    let cluster =
        store.save_cluster(None, &input, Entry::by(&actor, &Source::Engine, "add_cluster", "cluster")).await.unwrap();
    let owner = "bench:1";
    assert!(store.acquire_lease(cluster, owner, chrono::Duration::seconds(600)).await.unwrap());
    let names = labdeck::domain::inventory::Label::from("bench");
    println!("{name}: {GUESTS} guests (half running), times in ms: decode / diff / commit = total, rows written");
    let mut steady = Vec::new();
    for tick in 0..7u32 {
        let raw = body(if tick == 6 { 5 } else { tick });
        let t0 = Instant::now();
        let resources: Vec<Resource> = labdeck::pve::decode::decode_data("/cluster/resources", &raw).unwrap();
        let t1 = Instant::now();
        let cache = store.cluster_guests(cluster).await.unwrap();
        let t_cache = t1.elapsed();
        let t1 = Instant::now();
        let (nodes, guests) = split(cluster, &names, &resources, &cache);
        let online: HashSet<&str> = nodes.iter().filter(|n| n.status == "online").map(|n| n.name.as_str()).collect();
        let changes = diff(&cache, guests, &online, true);
        let t2 = Instant::now();
        let w = PollWrite {
            cluster_id: cluster,
            owner,
            nodes: &nodes,
            upserts: &changes.upserts,
            removed: &changes.removed,
            duration_ms: 0,
            next_poll_at: labdeck::domain::time::now(),
            warning: None,
        };
        assert!(store.write_poll(&w).await.unwrap());
        let t3 = Instant::now();
        let (decode, dif, commit) = (t1 - t0 - t_cache, t2 - t1, t3 - t2);
        let total = decode + dif + commit;
        let label = match tick {
            0 => "first cycle (all new)",
            6 => "unchanged cycle",
            _ => "steady cycle (running guests' metrics moved)",
        };
        println!(
            "  {label:<46} {:>6.1} / {:>5.1} / {:>6.1} = {:>6.1}   {} rows",
            ms(decode),
            ms(dif),
            ms(commit),
            ms(total),
            changes.upserts.len()
        );
        if (1..6).contains(&tick) {
            steady.push(total);
        }
    }
    steady.sort();
    println!(
        "  steady cycles: median {:.1} ms, max {:.1} ms (the poller keeps its cache in memory; reading it back from the store is not part of a cycle)",
        ms(steady[steady.len() / 2]),
        ms(*steady.last().unwrap())
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let (sqlite, _dir) = labdeck::store::testing::sqlite().await.unwrap();
        bench("SQLite", sqlite).await;
        match labdeck::store::testing::postgres().await.unwrap() {
            Some(pg) => bench("PostgreSQL", pg).await,
            None => println!("PostgreSQL: skipped (set {})", labdeck::store::testing::POSTGRES_URL_VAR),
        }
    });
}
