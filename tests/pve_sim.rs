//! The simulator against the official API schema (reference/pve-api-subset.txt) and its own
//! behaviour: scale, task rules, parallel clones, shutdown.

use labdeck::pve::sim::{SimHandle, SimOptions, Simulator};
use labdeck::pve::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

async fn start(opts: SimOptions) -> (SimHandle, Client) {
    let (handle, server) = Simulator::bind(opts).await.expect("simulator");
    tokio::spawn(server);
    let client = Client::new(handle.endpoint()).expect("client");
    (handle, client)
}

fn quick(guests: usize) -> SimOptions {
    SimOptions { guests, task_secs: 0.2, agent_delay_secs: 0.3, ..SimOptions::default() }
}

async fn wait_task(client: &Client, upid: &Upid) -> TaskStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let status = client.task_status(upid).await.expect("task status");
        if status.outcome().is_finished() {
            return status;
        }
        assert!(Instant::now() < deadline, "task {upid} did not finish");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
}

// ---- the schema ----

#[derive(Debug, Default)]
struct Returns {
    /// field → declared type
    fields: BTreeMap<String, String>,
    required: BTreeSet<String>,
    /// `returns type: …` of the whole answer
    kind: String,
}

/// `=== METHOD /path`, then after `returns …` the field lines `      name: type …`.
fn parse_schema(text: &str) -> BTreeMap<String, Returns> {
    let mut out: BTreeMap<String, Returns> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_returns = false;
    for line in text.lines() {
        if let Some(head) = line.strip_prefix("=== ") {
            let key = head.split("  --").next().unwrap().trim().to_string();
            out.insert(key.clone(), Returns::default());
            current = Some(key);
            in_returns = false;
            continue;
        }
        let Some(key) = &current else { continue };
        if let Some(rest) = line.strip_prefix("  returns type: ") {
            in_returns = true;
            out.get_mut(key).unwrap().kind = rest.split_whitespace().next().unwrap_or("").to_string();
            continue;
        }
        if in_returns
            && line.starts_with("      ")
            && !line.starts_with("       ")
            && let Some((name, rest)) = line.trim_start().split_once(": ")
        {
            let entry = out.get_mut(key).unwrap();
            let ty = rest.split_whitespace().next().unwrap_or("").to_string();
            entry.fields.insert(name.to_string(), ty);
            if rest.contains("(required)") {
                entry.required.insert(name.to_string());
            }
        }
    }
    out
}

fn schema() -> BTreeMap<String, Returns> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/pve-api-subset.txt");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_schema(&text)
}

fn type_ok(declared: &str, v: &Value) -> bool {
    match declared {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "number" => v.is_number(),
        // Proxmox sends booleans as 0/1.
        "boolean" => v.is_boolean() || v.as_u64().is_some_and(|n| n <= 1),
        "object" => v.is_object(),
        "array" => v.is_array(),
        _ => true,
    }
}

/// Every key documented with the right type, every required key present.
fn check(schema: &BTreeMap<String, Returns>, endpoint: &str, data: &Value, problems: &mut Vec<String>) {
    let Some(spec) = schema.get(endpoint) else {
        problems.push(format!("{endpoint}: not in the reference"));
        return;
    };
    let items: Vec<&serde_json::Map<String, Value>> = match data {
        Value::Array(rows) => rows.iter().filter_map(Value::as_object).collect(),
        Value::Object(o) => vec![o],
        other => {
            problems.push(format!("{endpoint}: unexpected {other}"));
            return;
        }
    };
    if let Value::Array(rows) = data {
        assert_eq!(rows.len(), items.len(), "{endpoint}: non-object rows");
    }
    for item in items {
        for (k, v) in item {
            match spec.fields.get(k) {
                None => problems.push(format!("{endpoint}: undocumented field '{k}'")),
                Some(ty) if !type_ok(ty, v) => {
                    problems.push(format!("{endpoint}: field '{k}' should be {ty}, got {v}"))
                }
                _ => {}
            }
        }
        for r in &spec.required {
            if !item.contains_key(r) {
                problems.push(format!("{endpoint}: required field '{r}' missing in {}", Value::Object(item.clone())));
            }
        }
    }
}

#[test]
fn the_schema_parser_reads_the_reference() {
    let s = schema();
    let res = &s["GET /cluster/resources"];
    assert_eq!(res.kind, "array");
    assert_eq!(res.required, BTreeSet::from(["id".to_string(), "type".to_string()]));
    assert_eq!(res.fields["template"], "boolean");
    assert!(s["GET /nodes/{node}/qemu/{vmid}/status/current"].required.contains("ha"));
    assert_eq!(s["GET /cluster/nextid"].kind, "integer");
    assert_eq!(s["GET /nodes/{node}/tasks/{upid}/log"].fields.len(), 2);
}

#[tokio::test]
async fn every_answer_matches_the_api_schema() {
    let schema = schema();
    let (sim, client) = start(quick(40)).await;
    let mut problems = Vec::new();
    let get = |path: String| {
        let client = client.clone();
        async move { client.get_json(&path, &[]).await.unwrap_or_else(|e| panic!("{path}: {e}")) }
    };

    // Some activity first: a clone in progress (locks), a finished task, a snapshot.
    let rows = client.cluster_resources().await.unwrap();
    let template = rows.iter().find(|r| r.is_template() && r.kind == ResourceType::Qemu).unwrap();
    let tnode = template.node.clone().unwrap();
    let clone = client
        .clone_guest(
            &tnode,
            template.vmid().unwrap(),
            &CloneRequest { newid: 900, name: Some("in-progress".into()), full: true, ..Default::default() },
        )
        .await
        .unwrap();
    let stopped =
        rows.iter().find(|r| r.kind == ResourceType::Qemu && !r.is_template() && r.status_str() == "stopped").unwrap();
    let (snode, svmid) = (stopped.node.clone().unwrap(), stopped.vmid().unwrap());
    let snap = client.snapshot_create(&snode, GuestKind::Qemu, svmid, "schema", Some("x")).await.unwrap();
    wait_task(&client, &snap).await;

    check(&schema, "GET /version", &get("/version".into()).await, &mut problems);
    check(&schema, "GET /cluster/resources", &get("/cluster/resources".into()).await, &mut problems);
    check(&schema, "GET /nodes", &get("/nodes".into()).await, &mut problems);
    let nextid = get("/cluster/nextid".into()).await;
    // Documented as integer, sent as a string by real servers (and the simulator).
    assert!(nextid.as_str().is_some_and(|s| s.parse::<u32>().is_ok()), "{nextid}");
    for node in ["pve1", "pve2", "pve3"] {
        check(&schema, "GET /nodes/{node}/status", &get(format!("/nodes/{node}/status")).await, &mut problems);
        check(&schema, "GET /nodes/{node}/qemu", &get(format!("/nodes/{node}/qemu")).await, &mut problems);
        check(&schema, "GET /nodes/{node}/storage", &get(format!("/nodes/{node}/storage")).await, &mut problems);
        for storage in ["local", "local-lvm"] {
            let path = format!("/nodes/{node}/storage/{storage}/content");
            check(&schema, "GET /nodes/{node}/storage/{storage}/content", &get(path).await, &mut problems);
        }
        let tasks = get(format!("/nodes/{node}/tasks?source=all")).await;
        check(&schema, "GET /nodes/{node}/tasks", &tasks, &mut problems);
    }
    let rows = client.cluster_resources().await.unwrap();
    for g in rows.iter().filter(|r| r.is_guest()) {
        let (node, vmid) = (g.node.clone().unwrap(), g.vmid().unwrap());
        if g.kind == ResourceType::Qemu {
            let base = format!("/nodes/{node}/qemu/{vmid}");
            check(
                &schema,
                "GET /nodes/{node}/qemu/{vmid}/status/current",
                &get(format!("{base}/status/current")).await,
                &mut problems,
            );
            check(
                &schema,
                "GET /nodes/{node}/qemu/{vmid}/snapshot",
                &get(format!("{base}/snapshot")).await,
                &mut problems,
            );
        } else if g.status_str() == "running" {
            let path = format!("/nodes/{node}/lxc/{vmid}/interfaces");
            check(&schema, "GET /nodes/{node}/lxc/{vmid}/interfaces", &get(path).await, &mut problems);
        }
    }
    // Task status and log, while running and when done.
    for _ in 0..2 {
        let base = format!("/nodes/{}/tasks/{}", clone.node(), clone);
        check(&schema, "GET /nodes/{node}/tasks/{upid}/status", &get(format!("{base}/status")).await, &mut problems);
        check(&schema, "GET /nodes/{node}/tasks/{upid}/log", &get(format!("{base}/log")).await, &mut problems);
        wait_task(&client, &clone).await;
    }
    // An offline node's rows still carry the required fields.
    sim.faults().set_node_offline("pve3", true);
    check(&schema, "GET /cluster/resources", &get("/cluster/resources".into()).await, &mut problems);
    check(&schema, "GET /nodes", &get("/nodes".into()).await, &mut problems);
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

// ---- behaviour ----

#[tokio::test]
async fn requests_are_counted_and_shutdown_ends_the_server() {
    let (handle, server) = Simulator::bind(quick(5)).await.unwrap();
    let served = tokio::spawn(server);
    let client = Client::new(handle.endpoint()).unwrap();
    client.cluster_resources().await.unwrap();
    client.cluster_resources().await.unwrap();
    client.version().await.unwrap();
    assert_eq!(handle.requests("/api2/json/cluster/resources"), 2);
    assert_eq!(handle.requests("/api2/json/version"), 1);
    assert_eq!(handle.requests("/api2/json/nodes"), 0);
    // A hung request does not keep the server alive.
    handle.faults().hang_next(1);
    let hung = tokio::spawn({
        let client = client.clone();
        async move { client.version().await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    handle.shutdown();
    tokio::time::timeout(Duration::from_secs(5), served).await.expect("server stopped").unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(5), hung).await.expect("hung request released");
    assert!(client.version().await.is_err());
}

#[tokio::test]
async fn extra_guests_are_created_as_asked() {
    let (_sim, client) = start(SimOptions {
        extra_guests: vec![(4100, "class-vm-4100".into(), "pve1".into()), (9000, "tpl-lab-base".into(), "pve2".into())],
        ..quick(10)
    })
    .await;
    let rows = client.cluster_resources().await.unwrap();
    let vm = rows.iter().find(|r| r.vmid() == Some(4100)).unwrap();
    assert_eq!((vm.name.as_deref(), vm.node.as_deref()), (Some("class-vm-4100"), Some("pve1")));
    assert!(rows.iter().find(|r| r.vmid() == Some(9000)).unwrap().is_template());
    assert_eq!(client.next_id().await.unwrap(), 110);
    assert!(
        Simulator::bind(SimOptions { extra_guests: vec![(4100, "x".into(), "pve7".into())], ..quick(1) })
            .await
            .is_err()
    );
}

#[tokio::test]
async fn linked_clones_run_in_parallel_and_pin_their_template() {
    let (_sim, client) = start(quick(30)).await;
    let rows = client.cluster_resources().await.unwrap();
    let t = rows.iter().find(|r| r.is_template() && r.kind == ResourceType::Qemu).unwrap();
    let (node, tpl) = (t.node.clone().unwrap(), t.vmid().unwrap());
    let a = client
        .clone_guest(&node, tpl, &CloneRequest { newid: 500, pool: Some("class-a".into()), ..Default::default() })
        .await
        .unwrap();
    let b = client
        .clone_guest(&node, tpl, &CloneRequest { newid: 501, pool: Some("class-a".into()), ..Default::default() })
        .await
        .unwrap();
    // The clone is locked while it runs: power actions fail.
    let early = client.power(&node, GuestKind::Qemu, 500, PowerAction::Start).await.unwrap();
    assert_eq!(wait_task(&client, &early).await.outcome(), TaskOutcome::Failed("VM 500 is locked (clone)".into()));
    assert_eq!(wait_task(&client, &a).await.outcome(), TaskOutcome::Ok);
    assert_eq!(wait_task(&client, &b).await.outcome(), TaskOutcome::Ok);
    let log = client.task_log(&a, 0).await.unwrap();
    assert!(log[0].t.starts_with("create linked clone"), "{log:?}");
    let rows = client.cluster_resources().await.unwrap();
    assert_eq!(rows.iter().filter(|r| r.is_guest() && r.pool.as_deref() == Some("class-a")).count(), 2);
    assert!(rows.iter().any(|r| r.kind == ResourceType::Pool && r.id == "pool/class-a"));
    let name = rows.iter().find(|r| r.vmid() == Some(500)).unwrap().name.clone().unwrap();
    assert!(name.starts_with("Copy-of-VM-"), "{name}");
    // The template cannot go while linked clones use its disk.
    let del = client.delete_guest(&node, GuestKind::Qemu, tpl).await.unwrap();
    assert!(
        matches!(wait_task(&client, &del).await.outcome(), TaskOutcome::Failed(m) if m.contains("in use by linked clone"))
    );
    // Running guests cannot be destroyed at all.
    let start = client.power(&node, GuestKind::Qemu, 500, PowerAction::Start).await.unwrap();
    wait_task(&client, &start).await;
    match client.delete_guest(&node, GuestKind::Qemu, 500).await {
        Err(PveError::Http { status: 500, message, .. }) => assert!(message.contains("is running")),
        other => panic!("{other:?}"),
    }
    let tasks = client.node_tasks(&node, 50).await.unwrap();
    assert!(tasks.iter().any(|t| t.upid == a && t.outcome() == TaskOutcome::Ok));
    assert!(tasks.iter().any(|t| t.upid == early && matches!(t.outcome(), TaskOutcome::Failed(_))));
}

#[tokio::test]
async fn metrics_move_for_running_guests_only() {
    let (_sim, client) = start(quick(60)).await;
    let rows = client.cluster_resources().await.unwrap();
    let running: Vec<&Resource> = rows.iter().filter(|r| r.is_guest() && r.status_str() == "running").collect();
    let stopped: Vec<&Resource> = rows.iter().filter(|r| r.is_guest() && r.status_str() == "stopped").collect();
    assert!(running.len() > 10 && !stopped.is_empty());
    assert!(running.iter().all(|r| r.uptime.unwrap() > 0 && r.mem.unwrap() > 0 && r.netin.unwrap() > 0));
    assert!(running.iter().all(|r| (0.0..=1.0).contains(&r.cpu.unwrap()) && r.mem.unwrap() <= r.maxmem.unwrap()));
    assert!(stopped.iter().all(|r| r.uptime == Some(0) && r.cpu == Some(0.0) && r.maxmem.unwrap() > 0));
    let nodes: Vec<&Resource> = rows.iter().filter(|r| r.kind == ResourceType::Node).collect();
    assert!(nodes.iter().all(|n| n.mem.unwrap() < n.maxmem.unwrap() && n.cpu.unwrap() > 0.0));
    // Distinct guests get distinct numbers.
    let cpus: BTreeSet<String> = running.iter().map(|r| format!("{:.6}", r.cpu.unwrap())).collect();
    assert!(cpus.len() > running.len() / 2);
}

#[tokio::test]
async fn ten_thousand_guests() {
    let (_sim, client) = start(SimOptions { guests: 10_000, ..quick(0) }).await;
    let rows = client.cluster_resources().await.unwrap();
    assert_eq!(rows.len(), 3 + 6 + 10_000);
    let names: BTreeSet<&str> = rows.iter().filter_map(|r| r.name.as_deref()).collect();
    assert_eq!(names.len(), rows.iter().filter(|r| r.is_guest()).count(), "guest names are unique");
    assert_eq!(client.next_id().await.unwrap(), 10_100);
}

/// Timing, not a test: `cargo test --release --test pve_sim -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_cluster_resources() {
    for guests in [10_000usize, 100_000] {
        let started = Instant::now();
        let (sim, client) = start(SimOptions { guests, ..quick(0) }).await;
        let built = started.elapsed();
        let http = reqwest_like_raw(&sim).await;
        let mut raw = Vec::new();
        let mut decoded = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            let v = client.get_json("/cluster/resources", &[]).await.unwrap();
            raw.push(t.elapsed());
            assert_eq!(v.as_array().unwrap().len(), guests + 9);
            let t = Instant::now();
            let rows = client.cluster_resources().await.unwrap();
            decoded.push(t.elapsed());
            assert_eq!(rows.len(), guests + 9);
        }
        println!(
            "{guests} guests: start {built:?}; GET /cluster/resources {} bytes: as JSON value {:?} (best {:?}), typed {:?} (best {:?})",
            http,
            raw.iter().sum::<Duration>() / raw.len() as u32,
            raw.iter().min().unwrap(),
            decoded.iter().sum::<Duration>() / decoded.len() as u32,
            decoded.iter().min().unwrap(),
        );
    }
}

async fn reqwest_like_raw(sim: &SimHandle) -> usize {
    let client = Client::new(sim.endpoint()).unwrap();
    serde_json::to_vec(&client.get_json("/cluster/resources", &[]).await.unwrap()).unwrap().len()
}
