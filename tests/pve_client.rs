//! The Proxmox VE client against the simulator (happy paths and scripted faults) and against
//! real captured responses (../shared/reference/pve-fixtures).

use labdeck::pve::decode::{decode_agent_interfaces, decode_data, decode_vmid, error_from_parts};
use labdeck::pve::sim::{SimHandle, SimOptions, Simulator};
use labdeck::pve::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

async fn sim_with(opts: SimOptions) -> SimHandle {
    let (handle, server) = Simulator::bind(opts).await.expect("simulator");
    tokio::spawn(server);
    handle
}

async fn sim() -> (SimHandle, Client) {
    let handle =
        sim_with(SimOptions { guests: 30, task_secs: 0.2, agent_delay_secs: 0.3, ..SimOptions::default() }).await;
    let client = Client::new(handle.endpoint()).expect("client");
    (handle, client)
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

async fn guests(client: &Client) -> Vec<Resource> {
    let rows = client.cluster_resources().await.expect("resources");
    rows.into_iter().filter(Resource::is_guest).collect()
}

/// A stopped, non-template Linux VM with the guest agent enabled.
async fn stopped_linux_vm(client: &Client) -> (String, u32) {
    for g in guests(client).await {
        if g.kind != ResourceType::Qemu || g.is_template() || g.status_str() != "stopped" {
            continue;
        }
        let node = g.node.clone().unwrap();
        let vmid = g.vmid().unwrap();
        let cfg = client.guest_config(&node, GuestKind::Qemu, vmid).await.unwrap();
        if cfg.agent_enabled() && !cfg.ostype().unwrap_or_default().starts_with('w') {
            return (node, vmid);
        }
    }
    panic!("no stopped Linux VM with an agent");
}

#[tokio::test]
async fn version_and_resources() {
    let (sim, client) = sim().await;
    let v = client.version().await.unwrap();
    assert_eq!(v.release, "8.2");
    assert_eq!(v.major(), Some(8));
    let rows = client.cluster_resources().await.unwrap();
    let count = |t: ResourceType| rows.iter().filter(|r| r.kind == t).count();
    assert_eq!(count(ResourceType::Node), 3);
    assert_eq!(count(ResourceType::Storage), 6);
    assert_eq!(rows.iter().filter(|r| r.is_guest()).count(), 30);
    assert_eq!(rows.len(), 3 + 6 + 30);
    assert!(rows.iter().filter(|r| r.is_guest()).all(|r| r.vmid().is_some() && r.name.is_some()));
    assert!(rows.iter().any(Resource::is_template));
    assert!(rows.iter().any(|r| !r.tags().is_empty()));
    assert_eq!(sim.requests("/api2/json/cluster/resources"), 1);
    let nodes = client.nodes().await.unwrap();
    assert!(nodes.iter().all(|n| n.is_online() && n.ssl_fingerprint.as_deref() == Some(sim.fingerprint.as_str())));
    let status = client.node_status("pve1").await.unwrap();
    assert_eq!(status.loadavg.len(), 3);
    assert!(status.memory.total > 0);
}

#[tokio::test]
async fn start_a_guest_then_the_agent_reports_ips() {
    let (_sim, client) = sim().await;
    let (node, vmid) = stopped_linux_vm(&client).await;
    let upid = client.power(&node, GuestKind::Qemu, vmid, PowerAction::Start).await.unwrap();
    assert_eq!(upid.node(), node);
    assert_eq!(upid.task_type(), "qmstart");
    assert_eq!(upid.vmid(), Some(vmid));
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    let status = client.guest_status(&node, GuestKind::Qemu, vmid).await.unwrap();
    assert!(status.is_running());
    assert_eq!(status.agent, Some(true));
    let deadline = Instant::now() + Duration::from_secs(5);
    let ip = loop {
        match client.agent_interfaces(&node, vmid).await {
            Ok(ifaces) => {
                break ifaces.iter().find_map(NetInterface::first_ipv4).expect("an IPv4");
            }
            Err(PveError::AgentUnavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    // The simulator's private address plan (never a real network).
    assert!(ip.parse::<std::net::Ipv4Addr>().is_ok() && ip != "127.0.0.1", "{ip}");
    // Starting it again fails inside the task, like Proxmox.
    let again = client.power(&node, GuestKind::Qemu, vmid, PowerAction::Start).await.unwrap();
    assert_eq!(wait_task(&client, &again).await.outcome(), TaskOutcome::Failed(format!("VM {vmid} already running")));
    let stop = client.power(&node, GuestKind::Qemu, vmid, PowerAction::Shutdown).await.unwrap();
    assert!(wait_task(&client, &stop).await.outcome().is_success());
    assert!(matches!(client.agent_interfaces(&node, vmid).await, Err(PveError::AgentUnavailable(_))));
}

#[tokio::test]
async fn a_stopped_guests_agent_is_unavailable() {
    let (_sim, client) = sim().await;
    let (node, vmid) = stopped_linux_vm(&client).await;
    match client.agent_interfaces(&node, vmid).await {
        Err(PveError::AgentUnavailable(m)) => assert!(m.contains("not running"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn full_clone_with_progress_then_delete() {
    let (sim, client) = sim().await;
    let template = guests(&client)
        .await
        .into_iter()
        .find(|g| g.is_template() && g.kind == ResourceType::Qemu)
        .expect("a template");
    let (node, source) = (template.node.clone().unwrap(), template.vmid().unwrap());
    let newid = client.next_id().await.unwrap();
    let req = CloneRequest {
        newid,
        name: Some("clone-test".into()),
        full: true,
        description: Some("made by a test".into()),
        ..CloneRequest::default()
    };
    let upid = client.clone_guest(&node, source, &req).await.unwrap();
    // Filed under the source, and the new guest is locked while the copy runs.
    assert_eq!(upid.vmid(), Some(source));
    assert_eq!(upid.task_type(), "qmclone");
    let cfg = client.guest_config(&node, GuestKind::Qemu, newid).await.unwrap();
    assert_eq!(cfg.lock().as_deref(), Some("clone"));
    let row = guests(&client).await.into_iter().find(|g| g.vmid() == Some(newid)).unwrap();
    assert_eq!(row.lock.as_deref(), Some("clone"));
    assert_eq!(row.name.as_deref(), Some("clone-test"));
    // Onto an existing VMID: refused at once.
    match client.clone_guest(&node, source, &CloneRequest { newid, ..req.clone() }).await {
        Err(PveError::Http { status: 400, errors, .. }) => {
            assert!(errors["newid"].contains("already exists"))
        }
        other => panic!("{other:?}"),
    }
    let mut seen = 0;
    let mut progress_lines = 0;
    loop {
        let lines = client.task_log(&upid, seen).await.unwrap();
        seen += lines.len() as u64;
        progress_lines += lines.iter().filter(|l| l.t.starts_with("transferred ")).count();
        if lines.iter().any(|l| l.t.starts_with("TASK ")) {
            assert_eq!(lines.last().unwrap().t, "TASK OK");
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    assert!(progress_lines >= 2, "{progress_lines}");
    let full_log = client.task_log(&upid, 0).await.unwrap();
    assert!(full_log[0].t.starts_with("create full clone of drive scsi0"));
    assert_eq!(full_log.iter().map(|l| l.n).collect::<Vec<_>>(), (1..=full_log.len() as u64).collect::<Vec<_>>());
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    let cfg = client.guest_config(&node, GuestKind::Qemu, newid).await.unwrap();
    assert_eq!(cfg.lock(), None);
    assert_eq!(cfg.name().as_deref(), Some("clone-test"));
    assert_eq!(cfg.description().as_deref(), Some("made by a test"));
    assert_eq!(cfg.macs().len(), 1);
    assert_eq!(sim.guest_count(), 31);
    let del = client.delete_guest(&node, GuestKind::Qemu, newid).await.unwrap();
    assert_eq!(wait_task(&client, &del).await.outcome(), TaskOutcome::Ok);
    assert!(guests(&client).await.iter().all(|g| g.vmid() != Some(newid)));
    assert_eq!(client.next_id().await.unwrap(), newid);
}

#[tokio::test]
async fn snapshots_create_list_rollback_delete() {
    let (_sim, client) = sim().await;
    let (node, vmid) = stopped_linux_vm(&client).await;
    let k = GuestKind::Qemu;
    let upid = client.snapshot_create(&node, k, vmid, "snap1", Some("before the lab")).await.unwrap();
    assert_eq!(upid.task_type(), "qmsnapshot");
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    let snaps = client.snapshots(&node, k, vmid).await.unwrap();
    let snap = snaps.iter().find(|s| s.name == "snap1").expect("snap1");
    assert_eq!(snap.description, "before the lab");
    assert!(snap.snaptime.is_some());
    assert!(!snap.when().is_empty());
    let current = snaps.iter().find(|s| s.is_current()).expect("current");
    assert_eq!(current.parent(), Some("snap1"));
    // Change state, then roll back: a snapshot without RAM comes back stopped.
    let start = client.power(&node, k, vmid, PowerAction::Start).await.unwrap();
    wait_task(&client, &start).await;
    let rb = client.snapshot_rollback(&node, k, vmid, "snap1").await.unwrap();
    assert_eq!(wait_task(&client, &rb).await.outcome(), TaskOutcome::Ok);
    assert!(!client.guest_status(&node, k, vmid).await.unwrap().is_running());
    // Same name twice: the task fails.
    let dup = client.snapshot_create(&node, k, vmid, "snap1", None).await.unwrap();
    assert!(matches!(wait_task(&client, &dup).await.outcome(), TaskOutcome::Failed(m) if m.contains("already used")));
    let del = client.snapshot_delete(&node, k, vmid, "snap1").await.unwrap();
    assert_eq!(wait_task(&client, &del).await.outcome(), TaskOutcome::Ok);
    assert!(client.snapshots(&node, k, vmid).await.unwrap().iter().all(|s| s.name != "snap1"));
    match client.snapshot_rollback(&node, k, vmid, "snap1").await {
        Err(PveError::Http { status: 500, message, .. }) => assert!(message.contains("does not exist")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn nextid_storage_and_isos() {
    let (_sim, client) = sim().await;
    assert_eq!(client.next_id().await.unwrap(), 130);
    let storages = client.storages("pve1").await.unwrap();
    let local = storages.iter().find(|s| s.storage == "local").unwrap();
    assert!(local.holds("iso"));
    assert!(local.total.unwrap() > local.used.unwrap());
    let isos = client.storage_content("pve1", "local", Some("iso")).await.unwrap();
    assert_eq!(isos.len(), 5);
    assert!(isos.iter().all(|v| v.is_iso() && v.file_name().ends_with(".iso") && v.size.unwrap() > 0));
    let disks = client.storage_content("pve1", "local-lvm", Some("images")).await.unwrap();
    assert!(disks.iter().all(|v| v.vmid.is_some() && v.format == "raw"));
}

#[tokio::test]
async fn containers_and_templates() {
    let (_sim, client) = sim().await;
    let all = guests(&client).await;
    let running_ct =
        all.iter().find(|g| g.kind == ResourceType::Lxc && g.status_str() == "running").expect("a running container");
    let (node, vmid) = (running_ct.node.clone().unwrap(), running_ct.vmid().unwrap());
    let ifaces = client.lxc_interfaces(&node, vmid).await.unwrap();
    assert!(ifaces.iter().any(|i| i.name == "eth0" && i.first_ipv4().is_some()));
    let status = client.guest_status(&node, GuestKind::Lxc, vmid).await.unwrap();
    assert_eq!(status.vmid, vmid);
    let listed = client.guests(&node, GuestKind::Lxc).await.unwrap();
    assert!(listed.iter().any(|g| g.vmid == vmid));
    let stopped_ct = all
        .iter()
        .find(|g| g.kind == ResourceType::Lxc && g.status_str() == "stopped" && !g.is_template())
        .expect("a stopped container");
    let (node, vmid) = (stopped_ct.node.clone().unwrap(), stopped_ct.vmid().unwrap());
    assert_eq!(client.convert_to_template(&node, GuestKind::Lxc, vmid).await.unwrap(), None);
    assert!(client.guest_config(&node, GuestKind::Lxc, vmid).await.unwrap().is_template());
    let (node, vmid) = stopped_linux_vm(&client).await;
    let upid = client.convert_to_template(&node, GuestKind::Qemu, vmid).await.unwrap().expect("a task");
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    assert!(guests(&client).await.iter().any(|g| g.vmid() == Some(vmid) && g.is_template()));
    let running = all.iter().find(|g| g.status_str() == "running").unwrap();
    let (node, kind, vmid) = (running.node.clone().unwrap(), running.guest_kind().unwrap(), running.vmid().unwrap());
    let rrd = client.rrddata(&node, kind, vmid, "hour").await.unwrap();
    assert_eq!(rrd.len(), 70);
    assert!(rrd.windows(2).all(|w| w[1].time - w[0].time == 60));
    assert!(rrd.last().unwrap().cpu.is_some());
}

#[tokio::test]
async fn an_offline_node_shows_unknown() {
    let (sim, client) = sim().await;
    assert!(sim.faults().set_node_offline("pve2", true));
    let rows = client.cluster_resources().await.unwrap();
    let node = rows.iter().find(|r| r.id == "node/pve2").unwrap();
    assert_eq!(node.status_str(), "unknown");
    assert_eq!(node.cpu, None);
    assert_eq!(node.maxmem, None);
    let on_pve2: Vec<&Resource> = rows.iter().filter(|r| r.is_guest() && r.node.as_deref() == Some("pve2")).collect();
    assert!(!on_pve2.is_empty());
    assert!(on_pve2.iter().all(|g| g.status_str() == "unknown" && g.mem.is_none()));
    let g = on_pve2[0];
    match client.guest_status("pve2", g.guest_kind().unwrap(), g.vmid().unwrap()).await {
        Err(PveError::Http { status: 595, message, .. }) => assert!(message.contains("No route to host")),
        other => panic!("{other:?}"),
    }
    assert!(!client.nodes().await.unwrap().iter().find(|n| n.node == "pve2").unwrap().is_online());
    sim.faults().set_node_offline("pve2", false);
    let rows = client.cluster_resources().await.unwrap();
    assert_eq!(rows.iter().find(|r| r.id == "node/pve2").unwrap().status_str(), "online");
}

// ---- scripted faults ----

#[tokio::test]
async fn ticket_auth_logs_in_again_after_a_401() {
    let (sim, _) = sim().await;
    let client = Client::new(sim.password_endpoint()).unwrap();
    client.version().await.unwrap();
    assert_eq!(sim.requests("/api2/json/access/ticket"), 1);
    sim.faults().expire_tickets();
    assert_eq!(client.cluster_resources().await.unwrap().len(), 39);
    assert_eq!(sim.requests("/api2/json/access/ticket"), 2);
    // Writes carry the CSRF token.
    let (node, vmid) = stopped_linux_vm(&client).await;
    let upid = client.power(&node, GuestKind::Qemu, vmid, PowerAction::Start).await.unwrap();
    assert_eq!(upid.user(), "root@pam");
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    assert_eq!(sim.requests("/api2/json/access/ticket"), 2);
}

#[tokio::test]
async fn wrong_credentials_are_unauthorized() {
    let (sim, _) = sim().await;
    let mut ep = sim.endpoint();
    ep.credentials = Credentials::Token { id: sim.token_id.clone(), secret: "wrong".into() };
    assert!(matches!(Client::new(ep).unwrap().version().await, Err(PveError::Unauthorized(_))));
    let mut ep = sim.password_endpoint();
    ep.credentials = Credentials::Password { username: sim.username.clone(), password: "wrong".into() };
    match Client::new(ep).unwrap().version().await {
        Err(PveError::Unauthorized(m)) => assert!(m.contains("root@pam"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn server_errors_carry_their_message() {
    let (sim, client) = sim().await;
    sim.faults().fail_next(1, 500);
    match client.cluster_resources().await {
        Err(e @ PveError::Http { status: 500, .. }) => {
            assert!(e.to_string().contains("simulated failure"), "{e}");
            assert!(e.is_transient());
        }
        other => panic!("{other:?}"),
    }
    assert!(client.cluster_resources().await.is_ok());
    match client.get_json("/nodes/pve1/frobnicate", &[]).await {
        Err(PveError::Http { status: 501, message, .. }) => assert!(message.contains("not implemented")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let (sim, _) = sim().await;
    let mut ep = sim.endpoint();
    ep.timeout = Duration::from_millis(700);
    let client = Client::new(ep).unwrap();
    sim.faults().hang_next(1);
    let started = Instant::now();
    assert_eq!(client.version().await.unwrap_err(), PveError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(client.version().await.is_ok());
}

#[tokio::test]
async fn a_truncated_body_is_a_decode_error_naming_the_endpoint() {
    let (sim, client) = sim().await;
    sim.faults().malformed_next(1);
    match client.cluster_resources().await {
        Err(PveError::Decode { endpoint, .. }) => assert_eq!(endpoint, "GET /cluster/resources"),
        other => panic!("{other:?}"),
    }
    assert!(client.cluster_resources().await.is_ok());
}

#[tokio::test]
async fn a_changed_certificate_is_refused_with_both_fingerprints() {
    let (sim, client) = sim().await;
    let old = sim.fingerprint.clone();
    assert_eq!(fetch_fingerprint(&sim.url, Duration::from_secs(5)).await.unwrap(), old);
    let ca_client = Client::new(Endpoint { trust: Trust::CaPem(sim.ca_pem.clone()), ..sim.endpoint() }).unwrap();
    client.version().await.unwrap();
    ca_client.version().await.unwrap();
    let new = sim.faults().rotate_certificate().unwrap();
    assert_ne!(new, old);
    match client.version().await {
        Err(PveError::CertificateChanged { expected, found }) => {
            assert_eq!(expected, old);
            assert_eq!(found, new);
        }
        other => panic!("{other:?}"),
    }
    // Trusting the cluster CA survives a node certificate renewal; re-pinning works too.
    ca_client.version().await.unwrap();
    assert_eq!(fetch_fingerprint(&sim.url, Duration::from_secs(5)).await.unwrap(), new);
    Client::new(sim.endpoint()).unwrap().version().await.unwrap();
}

#[tokio::test]
async fn unreachable_and_invalid_endpoints() {
    let ep = Endpoint {
        base_url: "https://127.0.0.1:9".into(),
        credentials: Credentials::Token { id: "root@pam!x".into(), secret: "y".into() },
        trust: Trust::Fingerprint("AA".repeat(32)),
        timeout: Duration::from_secs(2),
    };
    assert!(matches!(Client::new(ep.clone()).unwrap().version().await, Err(PveError::Connect(_))));
    let bad = Endpoint { trust: Trust::Fingerprint("nope".into()), ..ep };
    assert!(matches!(Client::new(bad), Err(PveError::InvalidEndpoint(_))));
}

/// pveproxy puts the message of a 501 in the reason phrase, with `{"data": null}` as body.
/// The simulator cannot write reason phrases, so a one-shot raw TLS server does.
#[tokio::test]
async fn a_501_reason_phrase_becomes_the_message() {
    use std::io::{Read, Write};
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    let fingerprint = labdeck::pve::tls::certificate_fingerprint(cert.cert.der());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(cert.signing_key.serialize_der().into());
    let config =
        rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert.cert.der().clone()], key)
            .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (tcp, _) = listener.accept().unwrap();
        let conn = rustls::ServerConnection::new(std::sync::Arc::new(config)).unwrap();
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = tls.read(&mut buf).unwrap();
            assert!(n > 0);
            request.extend_from_slice(&buf[..n]);
        }
        let body = br#"{"data":null}"#;
        write!(
            tls,
            "HTTP/1.1 501 Method 'GET /nodes/pve1/foo' not implemented\r\nContent-Type: application/json;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        tls.write_all(body).unwrap();
        tls.flush().unwrap();
        tls.conn.send_close_notify();
        let _ = tls.flush();
        String::from_utf8_lossy(&request).into_owned()
    });
    let client = Client::new(Endpoint {
        base_url: format!("https://127.0.0.1:{port}"),
        credentials: Credentials::Token { id: "root@pam!ci".into(), secret: "s3cret".into() },
        trust: Trust::Fingerprint(fingerprint.replace(':', "").to_lowercase()),
        timeout: Duration::from_secs(5),
    })
    .unwrap();
    let err = client.get_json("/nodes/pve1/foo", &[]).await.unwrap_err();
    assert_eq!(
        err,
        PveError::Http {
            status: 501,
            message: "Method 'GET /nodes/pve1/foo' not implemented".into(),
            errors: Default::default()
        }
    );
    let request = server.join().unwrap();
    assert!(request.starts_with("GET /api2/json/nodes/pve1/foo HTTP/1.1"), "{request}");
    assert!(request.to_ascii_lowercase().contains("authorization: pveapitoken=root@pam!ci=s3cret"));
    assert!(request.to_ascii_lowercase().contains("accept-encoding: gzip"));
}

// ---- real captured responses ----

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/pve-fixtures")
}

/// Every fixture, including `suspect/`, as (file name, body).
fn fixture_files() -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [fixtures(), fixtures().join("suspect")] {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn err_status(e: &PveError) -> u16 {
    e.status().unwrap_or(0)
}

#[test]
fn every_fixture_decodes() {
    let files = fixture_files();
    assert!(files.len() >= 30, "{}", files.len());
    for (name, body) in &files {
        let ep = format!("fixture {name}");
        let p = |prefix: &str| name.starts_with(prefix);
        if p("cluster_resources") {
            let rows: Vec<Resource> = decode_data(&ep, body).unwrap();
            assert!(!rows.is_empty(), "{name}");
            assert!(rows.iter().filter(|r| r.is_guest()).all(|r| r.vmid().is_some()), "{name}");
            if name.contains("homebutler") {
                let dead = rows.iter().find(|r| r.node.as_deref() == Some("pve2")).unwrap();
                assert_eq!((dead.status_str(), dead.cpu), ("unknown", None));
                assert!(rows.iter().any(|r| r.kind == ResourceType::Network));
                let ct = rows.iter().find(|r| r.vmid() == Some(104)).unwrap();
                assert!(ct.is_template());
                assert_eq!(ct.tags().len(), 4);
                assert_eq!(ct.lock.as_deref(), Some("backup"));
            }
            if name.contains("go-proxmox") {
                assert!(rows.iter().any(|r| r.cgroup_mode == Some(2)));
                assert!(rows.iter().any(|r| r.shared == Some(false) && r.plugintype.is_some()));
                assert!(rows.iter().find(|r| r.vmid() == Some(101)).unwrap().is_template());
            }
        } else if p("nodes__") {
            let nodes: Vec<NodeSummary> = decode_data(&ep, body).unwrap();
            assert!(nodes.iter().all(|n| n.is_online() && n.ssl_fingerprint.is_some()));
        } else if p("nodes_lxc") || p("nodes_qemu") {
            let list: Vec<GuestStatus> = decode_data(&ep, body).unwrap();
            assert!(list.iter().all(|g| g.vmid >= 100), "{name}");
            assert!(list.iter().any(|g| g.is_running()));
        } else if p("nodes_tasks") {
            let tasks: Vec<TaskSummary> = decode_data(&ep, body).unwrap();
            assert_eq!(tasks[0].outcome(), TaskOutcome::Ok);
            assert_eq!(tasks[1].outcome(), TaskOutcome::Failed("command 'ifreload -a' failed: exit code 1".into()));
            assert_eq!(tasks[0].upid.node(), "iaclab-01-01");
        } else if p("node_status") {
            let s: NodeStatus = decode_data(&ep, body).unwrap();
            assert_eq!(s.loadavg.len(), 3);
            assert!(s.cpuinfo.mhz.unwrap() > 1000.0);
            assert!(s.memory.total > 0 && s.pveversion.starts_with("pve-manager/"));
        } else if p("qemu_status_current") || p("lxc_status_current") {
            let s: GuestStatus = decode_data(&ep, body).unwrap();
            assert!(s.is_running() && s.vmid >= 100);
            assert!(s.cpus.unwrap() >= 1.0);
            assert!(s.ha.is_some());
        } else if p("task_status") {
            let t: TaskStatus = decode_data(&ep, body).unwrap();
            let want = if name.contains("running") {
                TaskOutcome::Running
            } else {
                TaskOutcome::Failed("interrupted by signal".into())
            };
            assert_eq!(t.outcome(), want);
            assert_eq!(t.upid.task_type(), "vzdump");
        } else if p("storage_content") {
            let vols: Vec<Volume> = decode_data(&ep, body).unwrap();
            assert!(vols.iter().all(|v| v.vmid == Some(931) && v.size.unwrap() > 0));
        } else if p("qemu_agent_network_get_interfaces_unsupported") {
            assert!(
                matches!(decode_agent_interfaces(&ep, body), Err(PveError::AgentUnavailable(m)) if m.contains("not currently supported"))
            );
        } else if p("qemu_agent_network_get_interfaces") {
            let ifaces = decode_agent_interfaces(&ep, body).unwrap();
            assert!(ifaces.iter().any(|i| i.first_ipv4().is_some()));
            assert!(ifaces.iter().filter(|i| i.name == "lo").all(|i| i.first_ipv4().is_none()));
            if name.contains("101") {
                let eth0 = ifaces.iter().find(|i| i.name == "eth0").unwrap();
                assert_eq!(eth0.first_ipv4().as_deref(), Some("10.1.2.3"));
                assert_eq!(eth0.addresses().len(), 2);
            }
        } else if p("version") {
            let v: Version = decode_data(&ep, body).unwrap();
            assert!(v.major().unwrap() >= 7, "{name}");
        } else if p("cluster_nextid_error400") {
            let e = error_from_parts(400, None, body);
            assert!(
                matches!(&e, PveError::Http { status: 400, errors, .. } if errors["vmid"] == "VM 200 already exists")
            );
        } else if p("cluster_nextid") {
            assert_eq!(decode_vmid(&ep, body).unwrap(), 100);
        } else if p("lxc_snapshot_list") || p("qemu_snapshot_list") {
            let snaps: Vec<Snapshot> = decode_data(&ep, body).unwrap();
            assert_eq!(snaps.iter().filter(|s| s.is_current()).count(), 1);
            assert!(snaps.iter().filter(|s| !s.is_current()).all(|s| s.snaptime.is_some()));
        } else if p("qemu_config") {
            let c: GuestConfig = decode_data(&ep, body).unwrap();
            assert_eq!(c.name().as_deref(), Some("test-qemu-windows"));
            assert_eq!((c.cores(), c.memory_mb()), (Some(6), Some(10240)));
            assert!(c.agent_enabled());
            assert_eq!(c.ostype().as_deref(), Some("win8"));
            assert_eq!(c.macs(), ["FF:FF:FF:FF:FF:FF"]);
        } else if p("lxc_config") {
            let c: GuestConfig = decode_data(&ep, body).unwrap();
            assert_eq!(c.name().as_deref(), Some("test-container"));
            assert_eq!(c.tags(), ["tag1", "tag2"]);
            assert_eq!(c.macs(), ["5D:CF:BD:B2:C5:39"]);
            assert!(!c.agent_enabled());
        } else if p("error400") {
            let e = error_from_parts(400, Some("Parameter verification failed."), body);
            assert!(
                matches!(&e, PveError::Http { status: 400, errors, .. } if errors.contains_key("command")),
                "{e:?}"
            );
        } else if p("error403") {
            assert_eq!(
                error_from_parts(403, None, body),
                PveError::Forbidden("Permission check failed (/, Sys.Audit)".into())
            );
        } else if p("error500") {
            let e = error_from_parts(500, None, body);
            assert_eq!(err_status(&e), 500);
            assert!(e.to_string().contains("certificate verify failed"));
        } else if p("access_ticket_post_401") {
            assert!(
                matches!(error_from_parts(401, Some("authentication failure"), body), PveError::Unauthorized(m) if m == "authentication failure")
            );
        } else if p("access_ticket") {
            // Ticket answers are decoded inside the client's login; check the shape only.
            let v: serde_json::Value = decode_data(&ep, body).unwrap();
            assert!(v.get("ticket").is_some(), "{name}");
        } else {
            panic!("fixture {name} has no decoding test; add one");
        }
    }
}

#[tokio::test]
async fn cores_memory_and_disk_change_and_disks_only_grow() {
    let (_sim, client) = sim().await;
    let (node, vmid) = stopped_linux_vm(&client).await;
    let q = GuestKind::Qemu;
    let before = client.guest_config(&node, q, vmid).await.unwrap();
    let (disk, size) = before.boot_disk().expect("a boot disk");
    let upid = client.update_config(&node, q, vmid, &[("cores", "6".into()), ("memory", "6144".into())]).await.unwrap();
    assert_eq!(wait_task(&client, &upid.expect("QEMU's POST config is a task")).await.outcome(), TaskOutcome::Ok);
    let grown = format!("{}G", size as u64 + 8);
    let upid = client.resize_disk(&node, q, vmid, &disk, &grown).await.unwrap().expect("a resize task");
    assert_eq!(wait_task(&client, &upid).await.outcome(), TaskOutcome::Ok);
    let after = client.guest_config(&node, q, vmid).await.unwrap();
    assert_eq!((after.cores(), after.memory_mb()), (Some(6), Some(6144)));
    assert_eq!(after.boot_disk(), Some((disk.clone(), size + 8.0)));
    // Shrinking, unknown disks and out-of-range values are refused with Proxmox's words.
    let shrink = client.resize_disk(&node, q, vmid, &disk, "1G").await.unwrap_err();
    assert!(shrink.to_string().contains("shrinking disks is not supported"), "{shrink}");
    let other = client.resize_disk(&node, q, vmid, "virtio9", "+1G").await.unwrap_err();
    assert!(other.to_string().contains("does not exist"), "{other}");
    let zero = client.update_config(&node, q, vmid, &[("cores", "0".into())]).await.unwrap_err();
    assert!(zero.to_string().contains("cores"), "{zero}");
}
