//! Filtering 100k guests per keystroke in the Inventory, and the memory the list takes.
//! Run: cargo bench --bench inventory_filter

use labdeck::domain::inventory::{Guest, GuestStatus, GuestType, Label};
use labdeck::tui::screens::inventory::GuestList;
use std::time::Instant;
use uuid::Uuid;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmRSS:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let clusters: Vec<(Uuid, Label)> =
        ["east", "west", "lab"].iter().map(|n| (Uuid::now_v7(), Label::from(*n))).collect();
    let nodes: Vec<Label> = (1..=12).map(|n| Label::from(format!("pve{n}").as_str())).collect();
    // Shared like the store and the poller share them.
    let tags: Vec<Label> = ["lab;linux", "prod", "class;2026", ""].iter().map(|t| Label::from(*t)).collect();
    let before = rss_kib();
    let guests: Vec<Guest> = (0..100_000u32)
        .map(|i| {
            let (cid, cname) = &clusters[i as usize % 3];
            Guest {
                cluster_id: *cid,
                cluster: cname.clone(),
                vmid: 100 + i,
                guest_type: if i % 5 == 0 { GuestType::Lxc } else { GuestType::Qemu },
                node: nodes[i as usize % 12].clone(),
                name: format!("{}-{:05}", ["web", "db", "lab", "student", "build"][i as usize % 5], i).as_str().into(),
                status: if i % 3 == 0 { GuestStatus::Stopped } else { GuestStatus::Running },
                template: i % 97 == 0,
                tags: tags[i as usize % 4].clone(),
                lock: None,
                pool: None,
                cpu: (i % 100) as f32 / 100.0,
                maxcpu: 2,
                mem: 1 << 30,
                maxmem: 2 << 30,
                maxdisk: 32 << 30,
                uptime: i,
                ip: (i % 3 != 0).then(|| std::net::IpAddr::from([10, (i >> 16) as u8, (i >> 8) as u8, i as u8])),
                ssh: i % 2 == 0,
                rdp: false,
                ha: None,
                stale: false,
                io: None,
            }
        })
        .collect();
    let mut list = GuestList::default();
    let t = Instant::now();
    list.replace(guests);
    let load = t.elapsed();
    let after = rss_kib();
    println!(
        "100k guests: load + index + sort {:.1} ms; list memory (RSS growth) {:.1} MiB; process RSS {:.1} MiB",
        load.as_secs_f64() * 1e3,
        (after - before) as f64 / 1024.0,
        after as f64 / 1024.0
    );
    let typed = "web status:running tag:lab node:pve1";
    let mut times = Vec::new();
    for n in 1..=typed.len() {
        let t = Instant::now();
        list.set_filter(&typed[..n]);
        times.push((t.elapsed().as_secs_f64() * 1e3, typed[..n].to_string(), list.len()));
    }
    for n in (0..typed.len()).rev() {
        let t = Instant::now();
        list.set_filter(&typed[..n]);
        times.push((t.elapsed().as_secs_f64() * 1e3, typed[..n].to_string(), list.len()));
    }
    let mut sorted: Vec<f64> = times.iter().map(|t| t.0).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let p99 = sorted[(sorted.len() * 99 / 100).min(sorted.len() - 1)];
    let worst = times.iter().max_by(|a, b| a.0.total_cmp(&b.0)).unwrap();
    println!(
        "filter per keystroke over {} keystrokes: median {:.2} ms, p99 {:.2} ms, max {:.2} ms (at {:?}, {} rows)",
        times.len(),
        sorted[sorted.len() / 2],
        p99,
        worst.0,
        worst.1,
        worst.2
    );
    let t = Instant::now();
    list.set_sort(labdeck::tui::screens::inventory::SortKey::Cpu, true);
    println!("re-sort 100k by cpu: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
}
