//! Infrastructure on both backends: validation (CIDR, gateway, VLAN, sizes), IPAM under
//! concurrency, quotas with their numbers, group loops, exclusive disks, tenant isolation in
//! the store's reads and writes, viewers read-only, and every write audited.

mod common;

use common::services;
use labdeck::domain::Role;
use labdeck::domain::infra::{Kind, Record, Target};
use labdeck::domain::rbac::Actor;
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::engine::infra::{self, Op, Out};
use labdeck::engine::{AppError, Services};
use labdeck::store::{Store, StoreError};
use std::collections::HashSet;
use uuid::Uuid;

async fn add(store: &Store, name: &str, role: Role, tenant: Option<Uuid>) -> Actor {
    let form = AccountForm { username: name.into(), email: String::new(), display_name: name.into() };
    let (u, _) =
        accounts::create_user(&services(store), &Actor::system("t"), &form, role, Some("correct horse battery".into()))
            .await
            .unwrap();
    if let Some(t) = tenant {
        labdeck::on_pool!(store, p => sqlx::query("UPDATE users SET tenant_id = $1 WHERE id = $2").bind(t).bind(u.id).execute(p).await.map(drop).unwrap());
    }
    store.load_actor(u.id).await.unwrap()
}

fn vals(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn create(svc: &Services, actor: &Actor, kind: Kind, pairs: &[(&str, &str)]) -> Result<Uuid, AppError> {
    match infra::run(svc, actor, Op::Create { kind, values: vals(pairs) }).await? {
        Out::Done(msg) => {
            let id = msg.rsplit('(').next().unwrap().trim_end_matches(").");
            Ok(Uuid::parse_str(id).unwrap())
        }
        other => panic!("{other:?}"),
    }
}

async fn list(svc: &Services, actor: &Actor, kind: Kind) -> Vec<Record> {
    svc.store.infra_list(actor, kind).await.unwrap()
}

fn cell(r: &Record, kind: Kind, name: &str) -> String {
    r.get(kind.fields(), name).show()
}

fn refused(r: Result<Uuid, AppError>, want: &str) {
    let e = r.expect_err(want).to_string();
    assert!(e.contains(want), "{e:?} should say {want:?}");
}

/// Two tenants, each with a VPC and subnet; the admin is global.
struct World {
    admin: Actor,
    a: Uuid,
    b: Uuid,
    subnet_a: Uuid,
}

async fn world(svc: &Services) -> World {
    let admin = add(&svc.store, "root", Role::Admin, None).await;
    let a = create(
        svc,
        &admin,
        Kind::Tenants,
        &[
            ("name", "Alpha"),
            ("vlan_id", "100"),
            ("quota_instances", "2"),
            ("quota_cpu_cores", "6"),
            ("quota_storage_bytes", "300G"),
        ],
    )
    .await
    .unwrap();
    let b = create(svc, &admin, Kind::Tenants, &[("name", "Beta"), ("vlan_id", "200")]).await.unwrap();
    create(svc, &admin, Kind::Sites, &[("name", "DC1"), ("location", "Basement")]).await.unwrap();
    create(
        svc,
        &admin,
        Kind::Pools,
        &[("name", "p1"), ("site_id", "DC1"), ("total_cpu_cores", "64"), ("total_memory_bytes", "256G")],
    )
    .await
    .unwrap();
    for (t, name, cidr) in [(a, "alpha-net", "10.1.0.0/16"), (b, "beta-net", "10.2.0.0/16")] {
        create(
            svc,
            &admin,
            Kind::Networks,
            &[("name", name), ("tenant_id", &t.to_string()), ("cidr_block", cidr), ("user_id", "root")],
        )
        .await
        .unwrap();
    }
    let subnet_a = create(
        svc,
        &admin,
        Kind::Subnets,
        &[
            ("name", "alpha-servers"),
            ("vpc_id", "alpha-net"),
            ("cidr_block", "10.1.1.0/24"),
            ("gateway", "10.1.1.1"),
            ("vlan_id", "101"),
        ],
    )
    .await
    .unwrap();
    create(
        svc,
        &admin,
        Kind::Subnets,
        &[("name", "beta-servers"), ("vpc_id", "beta-net"), ("cidr_block", "10.2.1.0/24"), ("gateway", "10.2.1.1")],
    )
    .await
    .unwrap();
    World { admin, a, b, subnet_a }
}

both!(subnets_are_validated_and_writes_audited, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let subnet = |name: &'static str, cidr: &'static str, gw: &'static str| {
        let (svc, admin) = (svc.clone(), w.admin.clone());
        async move {
            create(
                &svc,
                &admin,
                Kind::Subnets,
                &[("name", name), ("vpc_id", "alpha-net"), ("cidr_block", cidr), ("gateway", gw)],
            )
            .await
        }
    };
    refused(subnet("x", "10.1.2.0/24", "10.1.3.1").await, "outside 10.1.2.0/24");
    refused(subnet("x", "10.1.2.0/24", "10.1.2.255").await, "broadcast");
    refused(subnet("x", "10.9.0.0/24", "10.9.0.1").await, "not inside the VPC");
    refused(subnet("x", "10.1.1.128/25", "").await, "overlaps subnet alpha-servers");
    refused(subnet("x", "10.1.2.7/24", "").await, "host bits");
    refused(
        create(
            &svc,
            &w.admin,
            Kind::Subnets,
            &[("name", "x"), ("vpc_id", "alpha-net"), ("cidr_block", "10.1.2.0/24"), ("vlan_id", "4095")],
        )
        .await,
        "1–4094",
    );
    refused(
        create(&svc, &w.admin, Kind::Pools, &[("name", "p2"), ("site_id", "DC1"), ("total_memory_bytes", "lots")])
            .await,
        "not a size",
    );
    refused(
        create(&svc, &w.admin, Kind::Pools, &[("name", "p2"), ("site_id", "Nowhere")]).await,
        "site 'Nowhere' not found",
    );
    assert!(subnet("lab", "10.1.2.0/24", "10.1.2.1").await.is_ok());
    // A VPC cannot shrink away from its subnets.
    let vpc = store.infra_resolve(&w.admin, Target::Kind(Kind::Networks), "alpha-net").await.unwrap();
    let shrink = infra::run(
        &svc,
        &w.admin,
        Op::Update { kind: Kind::Networks, id: vpc, values: vals(&[("cidr_block", "10.1.1.0/24")]) },
    )
    .await;
    assert!(shrink.unwrap_err().to_string().contains("would be outside"));

    // Sizes are bytes; the pool's memory shows in GiB; the site's totals are computed.
    let pools = list(&svc, &w.admin, Kind::Pools).await;
    assert_eq!(cell(&pools[0], Kind::Pools, "total_memory_bytes"), "256G");
    create(
        &svc,
        &w.admin,
        Kind::Machines,
        &[
            ("hostname", "n1"),
            ("name", "Node 1"),
            ("site_id", "DC1"),
            ("resource_pool_id", "p1"),
            ("machine_type", "cpu_server"),
            ("rental_mode", "shared"),
            ("hypervisor_type", "kvm"),
            ("cpu_cores", "32"),
            ("memory_bytes", "128G"),
            ("storage_bytes", "2T"),
            ("management_ip", "10.0.0.5"),
        ],
    )
    .await
    .unwrap();
    let sites = list(&svc, &w.admin, Kind::Sites).await;
    assert_eq!(cell(&sites[0], Kind::Sites, "cpu_cores"), "32");
    assert_eq!(cell(&sites[0], Kind::Sites, "memory"), "128G");

    let audited: i64 = labdeck::on_pool!(&store, p => sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE entity_type IN ('subnets', 'vpcs', 'tenants', 'compute_machines') AND outcome = 'success'")
        .fetch_one(p).await.unwrap());
    assert!(audited >= 8, "{audited}");
});

both!(twenty_concurrent_allocations_get_twenty_addresses, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (store, admin, subnet) = (store.clone(), w.admin.clone(), w.subnet_a);
        tasks.push(tokio::spawn(async move {
            let e = labdeck::domain::audit::Entry::by(
                &admin,
                &labdeck::domain::audit::Source::Engine,
                "allocate",
                "ip_addresses",
            );
            store.allocate_address(&admin, subnet, None, None, e).await
        }));
    }
    let mut got = HashSet::new();
    for t in tasks {
        let (_, ip) = t.await.unwrap().expect("every allocation succeeds");
        assert!(got.insert(ip), "{ip} given twice");
    }
    assert_eq!(got.len(), 20);
    assert!(
        !got.contains(&"10.1.1.0".parse().unwrap()) && !got.contains(&"10.1.1.1".parse().unwrap()),
        "network and gateway skipped"
    );
    for (want, msg) in [
        ("10.1.1.0", "network address"),
        ("10.1.1.255", "broadcast"),
        ("10.9.9.9", "outside"),
        ("10.1.1.2", "already taken"),
    ] {
        let r = infra::run(
            &svc,
            &w.admin,
            Op::Allocate { subnet: "alpha-servers".into(), address: Some(want.into()), instance: None },
        )
        .await;
        let e = r.expect_err(want).to_string();
        assert!(e.contains(msg), "{want}: {e}");
    }
    let Out::Allocated { id, address } =
        infra::run(&svc, &w.admin, Op::Allocate { subnet: "alpha-servers".into(), address: None, instance: None })
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(address, "10.1.1.22");
    infra::run(&svc, &w.admin, Op::Release { id }).await.unwrap();
    let Out::Allocated { address, .. } =
        infra::run(&svc, &w.admin, Op::Allocate { subnet: "alpha-servers".into(), address: None, instance: None })
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(address, "10.1.1.22", "a released address is given again");
});

both!(quotas_refuse_with_the_numbers, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let a = w.a.to_string();
    let inst = |name: &'static str, cores: &'static str| {
        let (svc, admin, a) = (svc.clone(), w.admin.clone(), a.clone());
        async move {
            create(
                &svc,
                &admin,
                Kind::Instances,
                &[
                    ("name", name),
                    ("tenant_id", &a),
                    ("user_id", "root"),
                    ("cpu_cores", cores),
                    ("memory_bytes", "8G"),
                    ("storage_bytes", "100G"),
                ],
            )
            .await
        }
    };
    inst("one", "4").await.unwrap();
    refused(inst("two", "4").await, "over Alpha's quota: CPU cores 4 used + 4 asked > 6 allowed");
    let two = inst("two", "2").await.unwrap();
    refused(inst("three", "0").await, "instances 2 used + 1 asked > 2 allowed");
    // Growing an instance is checked too; shrinking is not refused.
    let grow =
        infra::run(&svc, &w.admin, Op::Update { kind: Kind::Instances, id: two, values: vals(&[("cpu_cores", "3")]) })
            .await;
    assert!(grow.unwrap_err().to_string().contains("CPU cores 6 used + 1 asked > 6 allowed"));
    infra::run(&svc, &w.admin, Op::Update { kind: Kind::Instances, id: two, values: vals(&[("cpu_cores", "1")]) })
        .await
        .unwrap();
    // Storage: 200G of instances, a 150G data disk would pass 300G.
    refused(
        create(
            &svc,
            &w.admin,
            Kind::Disks,
            &[("name", "big"), ("tenant_id", &a), ("user_id", "root"), ("size_bytes", "150G")],
        )
        .await,
        "storage 200G used + 150G asked > 300G allowed",
    );
    create(
        &svc,
        &w.admin,
        Kind::Disks,
        &[("name", "small"), ("tenant_id", &a), ("user_id", "root"), ("size_bytes", "100G")],
    )
    .await
    .unwrap();
    // A deleted instance frees its share.
    infra::run(&svc, &w.admin, Op::Delete { kind: Kind::Instances, id: two }).await.unwrap();
    inst("three", "2").await.unwrap();
    let t = store.infra_get(&w.admin, Kind::Tenants, w.a).await.unwrap();
    assert_eq!(cell(&t, Kind::Tenants, "used_instances"), "2");
    assert_eq!(cell(&t, Kind::Tenants, "used_storage"), "300G");
});

both!(groups_never_loop, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let a = w.a.to_string();
    let staff = create(&svc, &w.admin, Kind::Groups, &[("name", "staff"), ("tenant_id", &a)]).await.unwrap();
    create(&svc, &w.admin, Kind::Groups, &[("name", "ops"), ("tenant_id", &a), ("parent_group_id", "staff")])
        .await
        .unwrap();
    create(&svc, &w.admin, Kind::Groups, &[("name", "night"), ("tenant_id", &a), ("parent_group_id", "ops")])
        .await
        .unwrap();
    for parent in ["night", "staff"] {
        let r = infra::run(
            &svc,
            &w.admin,
            Op::Update { kind: Kind::Groups, id: staff, values: vals(&[("parent_group_id", parent)]) },
        )
        .await;
        assert!(r.unwrap_err().to_string().contains("loop"), "{parent}");
    }
    let b_group =
        create(&svc, &w.admin, Kind::Groups, &[("name", "beta-staff"), ("tenant_id", &w.b.to_string())]).await.unwrap();
    let r = infra::run(
        &svc,
        &w.admin,
        Op::Update { kind: Kind::Groups, id: b_group, values: vals(&[("parent_group_id", "staff")]) },
    )
    .await;
    assert!(r.unwrap_err().to_string().contains("same tenant"));
    infra::run(&svc, &w.admin, Op::Member { kind: Kind::Groups, parent: staff, member: "root".into(), add: true })
        .await
        .unwrap();
    let d = store.infra_detail(&w.admin, Kind::Groups, staff).await.unwrap();
    assert_eq!(d.sections[0].1, vec!["root".to_string()]);
    assert_eq!(d.sections[1].1, vec!["ops".to_string()]);
});

both!(an_exclusive_disk_is_attached_once, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let b = w.b.to_string();
    for name in ["web-1", "web-2", "web-3", "web-4"] {
        create(
            &svc,
            &w.admin,
            Kind::Instances,
            &[("name", name), ("tenant_id", &b), ("user_id", "root"), ("cpu_cores", "1")],
        )
        .await
        .unwrap();
    }
    create(
        &svc,
        &w.admin,
        Kind::Disks,
        &[("name", "data"), ("tenant_id", &b), ("user_id", "root"), ("size_bytes", "10G")],
    )
    .await
    .unwrap();
    let mut tasks = Vec::new();
    for name in ["web-1", "web-2", "web-3", "web-4"] {
        let (svc, admin) = (svc.clone(), w.admin.clone());
        tasks.push(tokio::spawn(async move {
            infra::run(
                &svc,
                &admin,
                Op::Attach {
                    disk: "data".into(),
                    instance: name.into(),
                    mount_path: "/mnt/data".into(),
                    read_only: false,
                },
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(e) => assert!(
                e.to_string().contains("exclusive and already attached") || e.to_string().contains("busy"),
                "{e}"
            ),
        }
    }
    assert_eq!(ok, 1, "attached exactly once");
    let disks = list(&svc, &w.admin, Kind::Disks).await;
    assert_eq!(cell(&disks[0], Kind::Disks, "attachments"), "1");
    assert_eq!(cell(&disks[0], Kind::Disks, "status"), "attached");
    // Shared up to its limit; switching back to exclusive while on two is refused.
    let id = disks[0].id;
    infra::run(
        &svc,
        &w.admin,
        Op::Update { kind: Kind::Disks, id, values: vals(&[("share_mode", "shared"), ("max_attachments", "2")]) },
    )
    .await
    .unwrap();
    let attached = store.infra_detail(&w.admin, Kind::Disks, id).await.unwrap().sections[0].1.clone();
    let free: Vec<&str> =
        ["web-1", "web-2", "web-3", "web-4"].into_iter().filter(|n| !attached[0].starts_with(n)).collect();
    infra::run(
        &svc,
        &w.admin,
        Op::Attach { disk: "data".into(), instance: free[0].into(), mount_path: "/mnt/data".into(), read_only: true },
    )
    .await
    .unwrap();
    let third = infra::run(
        &svc,
        &w.admin,
        Op::Attach { disk: "data".into(), instance: free[1].into(), mount_path: "/mnt/d".into(), read_only: true },
    )
    .await;
    assert!(third.unwrap_err().to_string().contains("its limit"));
    let back =
        infra::run(&svc, &w.admin, Op::Update { kind: Kind::Disks, id, values: vals(&[("share_mode", "exclusive")]) })
            .await;
    assert!(back.unwrap_err().to_string().contains("detach it first"));
    infra::run(&svc, &w.admin, Op::Detach { disk: "data".into(), instance: free[0].into() }).await.unwrap();
    infra::run(&svc, &w.admin, Op::Update { kind: Kind::Disks, id, values: vals(&[("share_mode", "exclusive")]) })
        .await
        .unwrap();
    // Deleting the instance that still holds it detaches it: the disk is available again.
    let holder = list(&svc, &w.admin, Kind::Instances)
        .await
        .into_iter()
        .find(|r| attached[0].starts_with(cell(r, Kind::Instances, "name").as_str()))
        .expect("the holder is listed");
    infra::run(&svc, &w.admin, Op::Delete { kind: Kind::Instances, id: holder.id }).await.unwrap();
    let disks = list(&svc, &w.admin, Kind::Disks).await;
    assert_eq!(cell(&disks[0], Kind::Disks, "status"), "available");
    assert_eq!(cell(&disks[0], Kind::Disks, "attachments"), "0");
});

both!(a_tenant_admin_sees_and_changes_only_their_tenant, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let b = w.b.to_string();
    let beta_inst =
        create(&svc, &w.admin, Kind::Instances, &[("name", "beta-db"), ("tenant_id", &b), ("user_id", "root")])
            .await
            .unwrap();
    create(&svc, &w.admin, Kind::Systems, &[("name", "payroll")]).await.unwrap();
    let alice = add(&store, "alice", Role::Admin, Some(w.a)).await;

    // Reads: their tenant's rows only; shared infrastructure visible; systems hidden.
    let names = |rs: Vec<Record>, k: Kind| rs.iter().map(|r| cell(r, k, "name")).collect::<Vec<_>>();
    assert_eq!(names(list(&svc, &alice, Kind::Tenants).await, Kind::Tenants), vec!["Alpha"]);
    assert_eq!(names(list(&svc, &alice, Kind::Networks).await, Kind::Networks), vec!["alpha-net"]);
    assert_eq!(names(list(&svc, &alice, Kind::Subnets).await, Kind::Subnets), vec!["alpha-servers"]);
    assert!(list(&svc, &alice, Kind::Instances).await.is_empty());
    assert!(list(&svc, &alice, Kind::Systems).await.is_empty());
    assert_eq!(list(&svc, &alice, Kind::Sites).await.len(), 1);
    assert!(matches!(store.infra_get(&alice, Kind::Instances, beta_inst).await, Err(StoreError::NotFound(_))));
    assert!(matches!(store.infra_get(&alice, Kind::Tenants, w.b).await, Err(StoreError::NotFound(_))));

    // Writes: B's rows are out of reach, new rows land in A whatever is asked.
    let e = infra::run(
        &svc,
        &alice,
        Op::Update { kind: Kind::Instances, id: beta_inst, values: vals(&[("name", "mine")]) },
    )
    .await;
    assert!(e.unwrap_err().to_string().contains("not found"));
    let e = infra::run(&svc, &alice, Op::Delete { kind: Kind::Instances, id: beta_inst }).await;
    assert!(e.unwrap_err().to_string().contains("not found"));
    let e =
        infra::run(&svc, &alice, Op::Allocate { subnet: "beta-servers".into(), address: None, instance: None }).await;
    assert!(e.unwrap_err().to_string().contains("not found"));
    let e = create(
        &svc,
        &alice,
        Kind::Subnets,
        &[("name", "sneak"), ("vpc_id", "beta-net"), ("cidr_block", "10.2.9.0/24")],
    )
    .await;
    assert!(e.unwrap_err().to_string().contains("not found"));
    let mine = create(&svc, &alice, Kind::Instances, &[("name", "alpha-app"), ("tenant_id", &b), ("cpu_cores", "1")])
        .await
        .unwrap();
    let r = store.infra_get(&w.admin, Kind::Instances, mine).await.unwrap();
    assert_eq!(cell(&r, Kind::Instances, "tenant_id"), "Alpha");
    assert_eq!(cell(&r, Kind::Instances, "user_id"), "alice");
    // Shared infrastructure and the tenant's own quota are not theirs to change.
    refused(create(&svc, &alice, Kind::Sites, &[("name", "mine")]).await, "permission denied");
    let e = infra::run(
        &svc,
        &alice,
        Op::Update { kind: Kind::Tenants, id: w.a, values: vals(&[("quota_cpu_cores", "999")]) },
    )
    .await;
    assert!(matches!(e, Err(AppError::Denied(_))), "{e:?}");
});

both!(viewers_read_but_never_write, |store: Store| async move {
    let svc = services(&store);
    let w = world(&svc).await;
    let viewer = add(&store, "vera", Role::Viewer, None).await;
    assert_eq!(list(&svc, &viewer, Kind::Subnets).await.len(), 2);
    let e =
        infra::run(&svc, &viewer, Op::Create { kind: Kind::Sites, values: vals(&[("name", "x")]) }).await.unwrap_err();
    assert!(matches!(e, AppError::Denied(_)), "{e}");
    let e = infra::run(&svc, &viewer, Op::Allocate { subnet: "alpha-servers".into(), address: None, instance: None })
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Denied(_)), "{e}");
    let denied: i64 = labdeck::on_pool!(&store, p => sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE actor_name = 'vera' AND outcome = 'denied'").fetch_one(p).await.unwrap());
    assert_eq!(denied, 2);
    let _ = w.subnet_a;
});

both!(the_demo_fills_every_kind, |store: Store| async move {
    let svc = services(&store);
    labdeck::demo::seed(&svc).await.unwrap();
    let admin = Actor::system("t");
    for &k in Kind::ALL {
        let rows = store.infra_list(&admin, k).await.unwrap_or_else(|e| panic!("{k}: {e}"));
        assert!(!rows.is_empty(), "{k} is empty after the demo seed");
        store.infra_detail(&admin, k, rows[0].id).await.unwrap_or_else(|e| panic!("{k}: {e}"));
    }
    // Machines are the demo cluster's nodes; campus VMs are its guests (the poller fills in
    // the live side when the console runs).
    let machines = store.infra_list(&admin, Kind::Machines).await.unwrap();
    assert!(machines.iter().any(|m| cell(m, Kind::Machines, "hostname") == "pve1.campus.northfield.example"));
    let vms = store.infra_list(&admin, Kind::Vms).await.unwrap();
    let tess = vms.iter().find(|v| cell(v, Kind::Vms, "name") == "jupyter-tess").unwrap();
    assert_eq!(
        (cell(tess, Kind::Vms, "pve_cluster_id"), cell(tess, Kind::Vms, "pve_vmid")),
        ("demo".into(), "4200".into())
    );
});
