//! Clusters, poll leases, inventory writes and tasks: the same contract on both backends.

mod common;

use chrono::Duration;
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::inventory::{Guest, GuestIo, GuestStatus, GuestType};
use labdeck::domain::rbac::Actor;
use labdeck::store::audit::AuditQuery;
use labdeck::store::pve::{ClusterInput, NewTask, Node, PollWrite};
use labdeck::store::{Store, StoreError};
use uuid::Uuid;

fn admin() -> Actor {
    Actor::system("test")
}

fn entry(action: &str) -> Entry {
    Entry::by(&admin(), &Source::Cli { os_user: "t".into() }, action, "cluster")
}

async fn cluster(store: &Store, key: &str) -> Uuid {
    let input = ClusterInput {
        key: key.into(),
        name: key.to_uppercase(),
        host: "127.0.0.1".into(),
        port: 8006,
        token_id: "root@pam!labdeck".into(),
        token_secret: Some("s3cret".into()),
        fingerprint: "AB:CD".into(),
        poll_interval_secs: 5,
    };
    store.save_cluster(None, &input, entry("add_cluster")).await.unwrap()
}

fn guest(cluster_id: Uuid, vmid: u32, node: &str) -> Guest {
    Guest {
        cluster_id,
        cluster: "EAST".into(),
        vmid,
        guest_type: GuestType::Qemu,
        node: node.into(),
        name: format!("vm-{vmid}").into(),
        status: GuestStatus::Running,
        template: false,
        tags: "lab;linux".into(),
        lock: None,
        pool: None,
        cpu: 0.25,
        maxcpu: 2,
        mem: 1 << 30,
        maxmem: 2 << 30,
        maxdisk: 32 << 30,
        uptime: 3600,
        ip: None,
        ssh: false,
        rdp: false,
        ha: None,
        stale: false,
        io: Some(Box::new(GuestIo { disk: 0, netin: 10, netout: 20, ..Default::default() })),
    }
}

both!(one_lease_holder_at_a_time, |store: Store| async move {
    let c = cluster(&store, "east").await;
    let ttl = Duration::seconds(30);
    assert!(store.acquire_lease(c, "host-a:1", ttl).await.unwrap());
    assert!(!store.acquire_lease(c, "host-b:2", ttl).await.unwrap(), "a live lease is not taken over");
    assert!(store.acquire_lease(c, "host-a:1", ttl).await.unwrap(), "the holder renews");
    assert!(store.acquire_lease(c, "host-a:1", Duration::seconds(-1)).await.unwrap());
    assert!(store.acquire_lease(c, "host-b:2", ttl).await.unwrap(), "an expired lease is taken over");
    store.release_lease(c, "host-b:2").await.unwrap();
    assert!(store.acquire_lease(c, "host-a:1", ttl).await.unwrap());
});

both!(poll_writes_only_while_holding_the_lease, |store: Store| async move {
    let c = cluster(&store, "east").await;
    let owner = "me:1";
    assert!(store.acquire_lease(c, owner, Duration::seconds(30)).await.unwrap());
    let nodes = vec![Node {
        cluster_id: c,
        name: "pve1".into(),
        status: "online".into(),
        cpu: Some(0.1),
        maxcpu: Some(8.0),
        mem: Some(1),
        maxmem: Some(2),
        uptime: Some(5),
        last_seen_at: None,
    }];
    let guests: Vec<Guest> = (100..1100).map(|v| guest(c, v, "pve1")).collect();
    let w = PollWrite {
        cluster_id: c,
        owner,
        nodes: &nodes,
        upserts: &guests,
        removed: &[],
        duration_ms: 12,
        next_poll_at: labdeck::domain::time::now(),
        warning: None,
    };
    let before = labdeck::domain::time::now();
    assert!(store.write_poll(&w).await.unwrap());
    let stored = store.cluster_guests(c).await.unwrap();
    assert_eq!(stored.len(), 1000);
    assert_eq!(stored[&100], guests[0], "a guest reads back exactly as written");

    let mut changed = guests[5].clone();
    changed.status = GuestStatus::Stopped;
    let w2 = PollWrite { upserts: std::slice::from_ref(&changed), removed: &[101, 102], ..w };
    assert!(store.write_poll(&w2).await.unwrap());
    let stored = store.cluster_guests(c).await.unwrap();
    assert_eq!(stored.len(), 998);
    assert_eq!(stored[&105].status, GuestStatus::Stopped);
    let (delta, total) = store.guests_since(&admin(), before, 4096, |_| panic!("one part holds it all")).await.unwrap();
    assert_eq!(total, 998);
    assert!(delta.iter().any(|g| g.vmid == 105));
    // In parts of 100: every changed guest exactly once, in full parts and a remainder.
    let mut parts = Vec::new();
    let (rest, _) = store.guests_since(&admin(), before, 100, |p| parts.push(p)).await.unwrap();
    assert!(parts.iter().all(|p| p.len() == 100) && rest.len() < 100);
    let mut seen: Vec<u32> = parts.into_iter().flatten().chain(rest).map(|g| g.vmid).collect();
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!((seen.len(), n), (delta.len(), delta.len()));

    assert!(!store.write_poll(&PollWrite { owner: "someone-else:9", ..w2 }).await.unwrap(), "no lease, no write");
    let health = store.poll_health().await.unwrap();
    assert_eq!(health[&c].last_duration_ms, Some(12));
    assert!(health[&c].last_error.is_none());
    store.record_poll_error(c, owner, "connection refused", labdeck::domain::time::now()).await.unwrap();
    let health = store.poll_health().await.unwrap();
    assert_eq!(health[&c].last_error.as_deref(), Some("connection refused"));
    assert_eq!(health[&c].consecutive_failures, 1);
    assert_eq!(store.cluster_guests(c).await.unwrap().len(), 998, "an error keeps the data");
    let nodes = store.list_nodes(&admin()).await.unwrap();
    assert_eq!(nodes[0].name, "pve1");
    // An unreachable cluster's nodes are not "online" any more: unknown since last seen.
    assert_eq!(nodes[0].status, "unknown");
    assert!(nodes[0].last_seen_at.is_some());
});

both!(clusters_keep_their_secret_and_vanish_with_their_inventory, |store: Store| async move {
    let c = cluster(&store, "east").await;
    let access = store.cluster_access(c).await.unwrap();
    assert_eq!(access.token_secret.as_deref(), Some("s3cret"));
    assert!(!format!("{access:?}").contains("s3cret"), "Debug hides the token secret");
    assert!(access.cluster.is_default, "the first cluster is the default");
    let mut input = ClusterInput {
        key: "east".into(),
        name: "East".into(),
        host: "10.1.1.1".into(),
        port: 8007,
        token_id: "root@pam!x".into(),
        token_secret: None,
        fingerprint: "EF:01".into(),
        poll_interval_secs: 10,
    };
    store.save_cluster(Some(c), &input, entry("edit_cluster")).await.unwrap();
    let access = store.cluster_access(c).await.unwrap();
    assert_eq!(
        (access.cluster.port, access.token_secret.as_deref()),
        (8007, Some("s3cret")),
        "editing without a secret keeps it"
    );
    input.key = "west".into();
    let dup = store
        .save_cluster(
            None,
            &ClusterInput { key: "east".into(), token_secret: Some("x".into()), ..input.clone() },
            entry("add_cluster"),
        )
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");
    let student = Actor::with_role_defaults(Uuid::now_v7(), "s", Role::Student);
    assert!(matches!(store.list_clusters(&student).await, Err(StoreError::Denied(_))));
    store.delete_cluster(c, entry("remove_cluster")).await.unwrap();
    assert!(store.list_clusters(&admin()).await.unwrap().is_empty());
});

both!(tasks_are_recorded_and_finished, |store: Store| async move {
    let c = cluster(&store, "east").await;
    let upid = "UPID:pve1:0000ABCD:00001234:65000000:qmstart:101:root@pam:";
    store
        .record_task(
            &NewTask { cluster_id: c, upid, node: "pve1", task_type: "qmstart", vmid: Some(101), by: None },
            entry("start"),
        )
        .await
        .unwrap();
    assert_eq!(store.running_tasks(c).await.unwrap(), vec![upid.to_string()]);
    store.update_task(upid, "stopped", Some("OK"), Some(1.0)).await.unwrap();
    assert!(store.running_tasks(c).await.unwrap().is_empty());
    let t = &store.recent_tasks(&admin(), 10).await.unwrap()[0];
    assert_eq!((t.status.as_str(), t.exit_status.as_deref(), t.progress), ("stopped", Some("OK"), Some(1.0)));
    assert!(t.ended_at.is_some());
    // Audited under what was acted on when the caller names it, under the UPID otherwise.
    let other = "UPID:pve1:0000ABCE:00001235:65000001:qmstop:102:root@pam:";
    let task = NewTask { cluster_id: c, upid: other, node: "pve1", task_type: "qmstop", vmid: Some(102), by: None };
    store.record_task(&task, entry("stop").entity("east:102")).await.unwrap();
    let audited = |text: &str| {
        let q = AuditQuery { text: text.into(), outcome: None, limit: 10 };
        let store = store.clone();
        async move { store.query_audit(&admin(), &q).await.unwrap()[0].entity_id.clone() }
    };
    assert_eq!(audited("stop").await.as_deref(), Some("east:102"));
    assert_eq!(audited("start").await.as_deref(), Some(upid));
});
