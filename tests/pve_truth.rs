//! Proxmox truth (issue 13) and the poller's hardening (issue 15, items 5 and 13): the answer
//! shapes real clusters send, fed through the simulator's fault switches into a real poller,
//! asserting what the store holds and what `labdeck vm list --json` prints. On SQLite and on
//! PostgreSQL.

mod common;

use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::inventory::ops::GuestOp;
use labdeck::domain::inventory::{GuestStatus, GuestType};
use labdeck::domain::rbac::Actor;
use labdeck::engine::Services;
use labdeck::engine::demo_sim::cluster_input;
use labdeck::engine::inventory::BulkOutcome;
use labdeck::engine::poller::ClusterPoller;
use labdeck::pve::sim::{SimHandle, SimOptions, Simulator};
use labdeck::store::Store;
use serde_json::Value;
use uuid::Uuid;

fn actor() -> Actor {
    Actor::system("test")
}

struct Lab {
    sim: SimHandle,
    svc: Services,
    cluster: Uuid,
    owner: String,
    poller: ClusterPoller,
}

async fn lab(store: Store, poll_secs: i64) -> Lab {
    let (sim, server) =
        Simulator::bind(SimOptions { guests: 30, task_secs: 0.2, agent_delay_secs: 0.3, ..Default::default() })
            .await
            .expect("simulator");
    tokio::spawn(server);
    let entry = Entry::by(&actor(), &Source::Engine, "add_cluster", "cluster");
    let cluster = store.save_cluster(None, &cluster_input(&sim, "sim", "sim", poll_secs), entry).await.unwrap();
    let svc = common::services(&store);
    let owner = format!("test:{}", Uuid::now_v7());
    let poller = ClusterPoller::new(svc.clone(), cluster, owner.clone());
    Lab { sim, svc, cluster, owner, poller }
}

/// What `labdeck vm list --json` prints, parsed.
async fn vm_list(svc: &Services) -> Vec<Value> {
    let text = labdeck::cli_vm::list_json(svc).await.unwrap();
    serde_json::from_str::<Value>(&text).unwrap().as_array().unwrap().clone()
}

fn by_vmid(list: &[Value], vmid: u64) -> &Value {
    list.iter().find(|g| g["vmid"] == vmid).unwrap_or_else(|| panic!("vmid {vmid} in vm list"))
}

// ---- 1. a guest whose node has no row keeps its own status ----

both!(a_guest_without_its_node_row_keeps_its_own_status, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let before = store.cluster_guests(lab.cluster).await.unwrap();
    assert_eq!(before.len(), 30);
    let running = before.values().filter(|g| g.status == GuestStatus::Running).count();
    assert!(running > 0, "the simulator runs some guests");

    lab.sim.faults().set_no_node_rows(true);
    lab.poller.poll_once().await.unwrap();
    let after = store.cluster_guests(lab.cluster).await.unwrap();
    assert_eq!(after.len(), 30, "no guest is dropped");
    for (vmid, g) in &after {
        assert_eq!(g.status, before[vmid].status, "vmid {vmid}: its own status, not `unknown`");
        assert!(!g.stale, "vmid {vmid} was listed: not stale");
        assert!(g.cpu >= 0.0 && g.maxmem == before[vmid].maxmem, "its own metrics are kept");
    }
    // The nodes are not in the answer: unknown, with the time they were last seen.
    let nodes = store.list_nodes(&actor()).await.unwrap();
    assert_eq!(nodes.len(), 3);
    assert!(nodes.iter().all(|n| n.status == "unknown" && n.last_seen_at.is_some()), "{nodes:?}");
    let list = vm_list(&lab.svc).await;
    let one = after.values().find(|g| g.status == GuestStatus::Running).unwrap();
    assert_eq!(by_vmid(&list, one.vmid as u64)["status"], "running");
    assert_eq!(by_vmid(&list, one.vmid as u64)["stale"], false);

    // Start and stop are not refused for want of a node row.
    let stopped = after.values().find(|g| g.status == GuestStatus::Stopped && !g.template && g.lock.is_none()).unwrap();
    let lines =
        labdeck::engine::guests_act(&lab.svc, &actor(), &[(lab.cluster, stopped.vmid)], &GuestOp::Start).await.unwrap();
    assert!(matches!(lines[0].outcome, BulkOutcome::Submitted(_)), "{:?}", lines[0].outcome);
});

// ---- 2. a token without privileges does not wipe the inventory ----

both!(a_token_without_privileges_keeps_the_guests_stale_and_says_what_to_check, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    assert_eq!(store.cluster_guests(lab.cluster).await.unwrap().len(), 30);

    lab.sim.faults().set_no_privilege(true);
    lab.poller.poll_once().await.unwrap();
    let kept = store.cluster_guests(lab.cluster).await.unwrap();
    assert_eq!(kept.len(), 30, "nothing is deleted on an answer that lost every guest");
    assert!(kept.values().all(|g| g.stale), "every guest is marked stale");
    let health = store.poll_health().await.unwrap()[&lab.cluster].clone();
    let warning = health.warning.clone().expect("a warning on the cluster");
    assert!(warning.contains("VM.Audit") && warning.contains("0 of 30"), "{warning}");
    let line = labdeck::cli_vm::cluster_state(&health);
    assert!(line.starts_with("warning:") && line.contains("VM.Audit on /vms"), "cluster list says: {line}");
    let list = vm_list(&lab.svc).await;
    assert_eq!(list.len(), 30);
    assert!(list.iter().all(|g| g["stale"] == true));
    // Nodes stay online: Proxmox still lists them.
    assert!(store.list_nodes(&actor()).await.unwrap().iter().all(|n| n.status == "online"));

    // The token gets its privileges back: fresh, no warning.
    lab.sim.faults().set_no_privilege(false);
    lab.poller.poll_once().await.unwrap();
    assert!(store.cluster_guests(lab.cluster).await.unwrap().values().all(|g| !g.stale));
    assert_eq!(store.poll_health().await.unwrap()[&lab.cluster].warning, None);
});

// ---- 3. a node missing from the answer is not online any more ----

both!(a_vanished_node_becomes_unknown_with_its_last_sighting, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let seen = store.list_nodes(&actor()).await.unwrap();
    assert!(seen.iter().all(|n| n.status == "online"));
    let pve3_seen = seen.iter().find(|n| n.name == "pve3").unwrap().last_seen_at.unwrap();
    let on_pve3: Vec<u32> = store
        .cluster_guests(lab.cluster)
        .await
        .unwrap()
        .values()
        .filter(|g| &*g.node == "pve3")
        .map(|g| g.vmid)
        .collect();
    assert!(!on_pve3.is_empty());

    lab.sim.faults().set_node_vanishes(true);
    lab.poller.poll_once().await.unwrap();
    let nodes = store.list_nodes(&actor()).await.unwrap();
    let pve3 = nodes.iter().find(|n| n.name == "pve3").unwrap();
    assert_eq!(pve3.status, "unknown");
    assert_eq!(pve3.last_seen_at, Some(pve3_seen), "the age of its last sighting");
    assert_eq!(pve3.cpu, None, "no metrics are invented for it");
    assert!(nodes.iter().filter(|n| n.name != "pve3").all(|n| n.status == "online"));
    // Its guests are kept as last seen, stale; the others are fresh.
    let guests = store.cluster_guests(lab.cluster).await.unwrap();
    assert_eq!(guests.len(), 30);
    for g in guests.values() {
        assert_eq!(g.stale, on_pve3.contains(&g.vmid), "vmid {}", g.vmid);
    }
    let list = vm_list(&lab.svc).await;
    assert_eq!(by_vmid(&list, on_pve3[0] as u64)["stale"], true);
});

// ---- 4. containers get their IPs from the host ----

both!(running_containers_get_an_ip_from_their_interfaces, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let guests = store.cluster_guests(lab.cluster).await.unwrap();
    let cts: Vec<_> = guests
        .values()
        .filter(|g| g.guest_type == GuestType::Lxc && g.status == GuestStatus::Running && !g.template)
        .collect();
    assert!(!cts.is_empty(), "the simulator runs some containers");
    for ct in &cts {
        let ip = ct.ip.unwrap_or_else(|| panic!("container {} has an IP", ct.vmid));
        assert!(ip.is_loopback(), "the simulator's guests live on 127.x: {ip}");
    }
    let list = vm_list(&lab.svc).await;
    assert!(by_vmid(&list, cts[0].vmid as u64)["ip"].is_string());
    // The detail pane reads them too, and shows rates.
    let d = labdeck::engine::guest_detail(&lab.svc, &actor(), lab.cluster, cts[0].vmid).await.unwrap();
    assert!(!d.ips.is_empty() && d.problems.is_empty(), "{d:?}");
    assert!(d.rates.is_some());
});

// ---- 6. SSH/RDP probed only inside the allowed networks, with the time ----

both!(ssh_is_probed_only_inside_the_allowed_networks, |store: Store| async move {
    use labdeck::domain::inventory::reach::SETTING;
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let mut with_ip: Vec<_> = store
        .cluster_guests(lab.cluster)
        .await
        .unwrap()
        .into_values()
        .filter(|g| g.guest_type == GuestType::Qemu && g.status == GuestStatus::Running && g.ip.is_some())
        .collect();
    with_ip.sort_by_key(|g| g.vmid);
    assert!(with_ip.len() >= 2, "running VMs report IPs through their agent");
    // The two backends' tests run at once on the same addresses: each listens on its own guest.
    let g = if matches!(store, Store::Sqlite(_)) { with_ip[0].clone() } else { with_ip[with_ip.len() - 1].clone() };
    let ip = g.ip.unwrap();
    assert!(ip.is_loopback(), "{ip}");
    let list = vm_list(&lab.svc).await;
    let first = by_vmid(&list, g.vmid as u64).clone();
    assert_eq!(first["ssh"], false, "nothing listens yet");
    let checked = first["reach_checked_at"].as_str().expect("probed: loopback is allowed by default").to_string();

    let listener = match tokio::net::TcpListener::bind((ip, 22)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("skipping the listening half: cannot listen on {ip}:22 ({e})");
            return;
        }
    };
    let setting = |v: Value| {
        let store = store.clone();
        async move {
            let entry = Entry::by(&actor(), &Source::Engine, "put_setting", "setting");
            store.put_setting(SETTING, &v, None, entry).await.unwrap();
        }
    };
    // Outside the allowed networks: never probed, the earlier result and time stay.
    setting(serde_json::json!(["10.0.0.0/8"])).await;
    ClusterPoller::new(lab.svc.clone(), lab.cluster, lab.owner.clone()).poll_once().await.unwrap();
    let list = vm_list(&lab.svc).await;
    assert_eq!(by_vmid(&list, g.vmid as u64)["ssh"], false);
    assert_eq!(by_vmid(&list, g.vmid as u64)["reach_checked_at"], Value::from(checked.clone()));
    // Inside: probed, SSH found, with a newer time.
    setting(serde_json::json!(["127.0.0.0/8"])).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    ClusterPoller::new(lab.svc.clone(), lab.cluster, lab.owner.clone()).poll_once().await.unwrap();
    let list = vm_list(&lab.svc).await;
    let now = by_vmid(&list, g.vmid as u64);
    assert_eq!((now["ssh"].clone(), now["rdp"].clone()), (Value::from(true), Value::from(false)));
    assert!(now["reach_checked_at"].as_str().unwrap() > checked.as_str(), "{now}");
    drop(listener);
});

// ---- 5. fields Proxmox sends are kept ----

both!(hastate_and_io_counters_are_stored_and_listed, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let guests = store.cluster_guests(lab.cluster).await.unwrap();
    let ha: Vec<_> = guests.values().filter(|g| g.ha.is_some()).collect();
    assert!(!ha.is_empty(), "the simulator manages some guests by HA");
    let running = guests
        .values()
        .find(|g| g.status == GuestStatus::Running && !g.template && g.guest_type == GuestType::Qemu)
        .unwrap();
    let io = running.io.as_deref().unwrap();
    assert!(io.diskread > 0 && io.memhost.is_some(), "{io:?}");
    let list = vm_list(&lab.svc).await;
    let g = by_vmid(&list, ha[0].vmid as u64);
    assert_eq!(g["ha"], Value::from(ha[0].ha.unwrap().as_str()));
    let plain = list.iter().find(|g| g["ha"].is_null()).expect("a guest without HA");
    assert!(plain.get("reach_checked_at").is_some() && plain.get("stale").is_some());
});

// ---- 8. the demo's seeded class VMs can be reverted ----

both!(seeded_class_vms_have_the_baseline_their_classes_revert_to, |store: Store| async move {
    use labdeck::pve::{Client, GuestKind, TaskOutcome};
    let svc = common::services(&store);
    let sim = labdeck::engine::demo_sim::start(&svc, 5).await.unwrap();
    let client = Client::new(sim.endpoint()).unwrap();
    // lb101-teacher (4101) and a student VM (4103), both seeded on pve2.
    for vmid in [4101, 4103] {
        let snaps = client.snapshots("pve2", GuestKind::Qemu, vmid).await.unwrap();
        assert!(snaps.iter().any(|s| s.name == "baseline"), "{vmid}: {snaps:?}");
        let upid = client.snapshot_rollback("pve2", GuestKind::Qemu, vmid, "baseline").await.unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let outcome = loop {
            let st = client.task_status(&upid).await.unwrap();
            if st.outcome().is_finished() {
                break st.outcome();
            }
            assert!(std::time::Instant::now() < deadline, "rollback of {vmid} did not finish");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        };
        assert_eq!(outcome, TaskOutcome::Ok, "{vmid}");
    }
});

// ---- issue 15, item 5: a changed secret reaches a running poller ----

both!(a_running_poller_picks_up_a_changed_token_secret, |store: Store| async move {
    let mut lab = lab(store.clone(), 5).await;
    lab.poller.poll_once().await.unwrap();
    let good = lab.sim.token_secret.clone();
    // A wrong secret of the same length (Proxmox secrets are all 36 characters).
    let wrong: String = good.chars().rev().collect();
    assert_eq!(wrong.len(), good.len());
    assert_ne!(wrong, good);
    let save = |secret: String| {
        let store = store.clone();
        let mut input = cluster_input(&lab.sim, "sim", "sim", 5);
        input.token_secret = Some(secret);
        let id = lab.cluster;
        async move {
            let entry = Entry::by(&actor(), &Source::Engine, "edit_cluster", "cluster");
            store.save_cluster(Some(id), &input, entry).await.unwrap();
        }
    };
    save(wrong).await;
    let err = lab.poller.poll_once().await.expect_err("a wrong secret fails at once");
    assert!(err.contains("authentication") || err.contains("401"), "{err}");
    save(good).await;
    lab.poller.poll_once().await.expect("the fixed secret works without a restart");
});

// ---- issue 15, item 13: recovery after failures is capped ----

both!(a_failing_cluster_is_retried_within_30_seconds, |store: Store| async move {
    let mut lab = lab(store.clone(), 2).await;
    lab.poller.poll_once().await.unwrap();
    lab.sim.faults().fail_next(u32::MAX, 503);
    for _ in 0..6 {
        assert!(lab.poller.poll_once().await.is_err());
    }
    let h = store.poll_health().await.unwrap()[&lab.cluster].clone();
    assert_eq!(h.consecutive_failures, 6);
    let wait = h.next_poll_at.unwrap() - h.last_poll_at.unwrap();
    assert!(wait <= chrono::Duration::seconds(30), "after 6 failures the next try is {wait} away");
    lab.sim.faults().clear();
    lab.poller.poll_once().await.unwrap();
    let h = store.poll_health().await.unwrap()[&lab.cluster].clone();
    assert_eq!((h.consecutive_failures, h.last_error), (0, None));
});

// ---- the control endpoint ----

#[tokio::test]
async fn faults_switch_at_run_time_through_the_control_endpoint() {
    use labdeck::pve::{Client, ResourceType};
    let (sim, server) = Simulator::bind(SimOptions { guests: 10, ..Default::default() }).await.unwrap();
    tokio::spawn(server);
    let http = reqwest::Client::builder()
        .tls_backend_preconfigured(labdeck::pve::tls::ca_config(&sim.ca_pem).unwrap())
        .build()
        .unwrap();
    let auth = format!("PVEAPIToken={}={}", sim.token_id, sim.token_secret);
    let url = format!("{}/_sim/fault", sim.url);
    let post =
        |fault: &str| http.post(&url).header("Authorization", &auth).form(&[("fault", fault.to_string())]).send();
    // Without the token: refused.
    let anon = http.post(&url).form(&[("fault", "503")]).send().await.unwrap();
    assert_eq!(anon.status(), 401);

    let client = Client::new(sim.endpoint()).unwrap();
    assert!(post("no-privilege").await.unwrap().status().is_success());
    let rows = client.cluster_resources().await.unwrap();
    assert!(rows.iter().any(|r| r.kind == ResourceType::Node) && !rows.iter().any(|r| r.is_guest()));
    assert!(!client.privileges("/vms").await.unwrap().contains(&"VM.Audit".to_string()));

    assert!(post("503").await.unwrap().status().is_success());
    assert_eq!(client.version().await.unwrap_err().status(), Some(503));
    // The endpoint still answers while every API request fails, and lists what is on.
    let on: Value = http.get(&url).header("Authorization", &auth).send().await.unwrap().json().await.unwrap();
    let active: Vec<&str> = on["data"]["active"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert_eq!(active, ["503", "no-privilege"]);
    let bad = post("melt-down").await.unwrap();
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("unknown fault"));

    assert!(post("clear").await.unwrap().status().is_success());
    assert!(client.cluster_resources().await.unwrap().iter().any(|r| r.is_guest()));
    assert!(client.privileges("/vms").await.unwrap().contains(&"VM.Audit".to_string()));
}

#[tokio::test]
async fn absurd_simulator_options_are_refused_with_a_clear_message() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_labdeck")).arg("sim").args(args).output().unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    for (args, says) in [
        (&["--guests", "1000000000"][..], "--guests must be 0–100000"),
        (&["--guests", "100001"], "--guests must be 0–100000"),
        (&["--nodes", "0"], "--nodes must be 1–1000"),
        (&["--task-secs", "NaN"], "--task-secs must be a number of seconds"),
        (&["--task-secs", "-1"], "--task-secs must be a number of seconds"),
        (&["--fault", "melt-down"], "unknown fault"),
    ] {
        let (ok, stderr) = run(args);
        assert!(!ok, "{args:?} is refused");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    // The library refuses them too (the demo and tests go through it).
    let err = Simulator::bind(SimOptions { guests: 100_001, ..Default::default() }).await.err().unwrap();
    assert!(err.to_string().contains("--guests must be 0–100000"), "{err}");
}

// ---- 7. messages: a wrong fingerprint on first contact ----

both!(a_wrong_fingerprint_on_first_contact_is_not_a_changed_certificate, |store: Store| async move {
    let (sim, server) = Simulator::bind(SimOptions { guests: 3, ..Default::default() }).await.unwrap();
    tokio::spawn(server);
    let svc = common::services(&store);
    let mut input = cluster_input(&sim, "east", "east", 5);
    input.fingerprint = ["AB"; 32].join(":");
    let err = labdeck::engine::clusters::save(&svc, &actor(), None, input).await.unwrap_err().to_string();
    assert!(err.contains("not the fingerprint you gave") && err.contains(&sim.fingerprint), "{err}");
    assert!(!err.contains("changed"), "{err}");
    assert!(store.list_clusters(&actor()).await.unwrap().is_empty(), "nothing saved");
});
