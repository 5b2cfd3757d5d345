//! `labdeck demo` seeds every domain of the unified schema, on both backends, exactly once.

mod common;

use common::services;
use labdeck::domain::audit::Entry;
use labdeck::domain::rbac::Actor;
use labdeck::store::seed::DemoPeople;
use labdeck::store::{Store, StoreError};

async fn count(store: &Store, sql: &str) -> i64 {
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    labdeck::on_pool!(store, p => sqlx::query_scalar(sql).fetch_one(p).await.unwrap())
}

async fn rows(store: &Store, table: &str) -> i64 {
    count(store, &format!("SELECT count(*) FROM {table}")).await
}

/// A representative table of every domain, and then some.
const SEEDED: &[&str] = &[
    // identity
    "users",
    "tenants",
    "user_groups",
    "user_group_members",
    // infrastructure (seeds 001/002)
    "sites",
    "resource_pools",
    "compute_machines",
    "virtual_machines",
    "disks",
    "partitions",
    "system_virtual_machines",
    "subnets",
    "places",
    "ip_addresses",
    "cloud_boxes",
    "private_data_disk_attachments",
    "images",
    "image_versions",
    "image_tags",
    "instance_template_versions",
    "instances",
    "instance_set_members",
    // proxmox and classes (seed 000)
    "pve_clusters",
    "iso_images",
    "vm_templates",
    "classes",
    "class_co_owners",
    "class_join_tokens",
    "class_enrollments",
    "class_vms",
    "class_waitlist",
    // bookings (seed 003)
    "devices",
    "device_tags",
    "device_ownership",
    "device_health_snapshots",
    "maintenance_windows",
    "bookings",
    "booking_collaborators",
    "booking_comments",
    "booking_approvals",
    "booking_favorite_devices",
    "topology_links",
    "topology_reviews",
    // support (seed 004)
    "assignments",
    "teacher_assignments",
    "invoices",
    "payments",
    "meeting_participants",
    "writings",
    "homeworks",
    "exams",
    "threads",
    "thread_participants",
    "messages",
    "message_attachments",
    "canned_replies",
    "visitor_sessions",
    "visitor_messages",
];

both!(demo_seeds_every_domain_once, |store: Store| async move {
    let svc = services(&store);
    let accounts = labdeck::demo::seed(&svc).await.unwrap();
    assert_eq!(accounts.len(), labdeck::demo::PEOPLE.len());

    for table in SEEDED {
        assert!(rows(&store, table).await > 0, "{table} is empty after the demo seed");
    }
    assert_eq!(rows(&store, "tenants").await, 2);
    assert!(rows(&store, "ip_addresses").await >= 20);
    assert_eq!(rows(&store, "classes").await, 2);
    assert!(rows(&store, "devices").await >= 40);
    assert!(rows(&store, "bookings").await >= 60);
    // The poller owns these: the simulator fills them once it runs.
    assert_eq!(rows(&store, "pve_guests").await, 0);
    assert_eq!(rows(&store, "pve_nodes").await, 0);

    // Every enrolled student is in the class group; every class VM sits in its vmid range.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM class_enrollments e JOIN classes c ON c.id = e.class_id \
             LEFT JOIN user_group_members m ON m.group_id = c.group_id AND m.user_id = e.user_id WHERE m.id IS NULL"
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM class_vms v JOIN classes c ON c.id = v.class_id \
             WHERE v.vmid / 100 <> c.vmid_prefix"
        )
        .await,
        0
    );
    // Classes are training sets owned by teachers, in the default tenant.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM classes c JOIN instance_sets s ON s.id = c.instance_set_id \
             JOIN users u ON u.id = s.owner_id JOIN tenants t ON t.id = s.tenant_id \
             WHERE s.set_type = 'training' AND u.role = 'teacher' AND t.name = 'Northfield Lab'"
        )
        .await,
        2
    );
    // Issue 18: templates with replicas and a derived class template, a stored upload, and
    // the tutoring people's profiles.
    assert_eq!(count(&store, "SELECT count(*) FROM vm_templates WHERE is_replica").await, 2);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM vm_templates WHERE class_id IS NOT NULL AND original_template_id IS NOT NULL"
        )
        .await,
        1
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM assignment_files WHERE content IS NOT NULL AND mime_type = 'text/plain'")
            .await,
        1
    );
    assert!(count(&store, "SELECT count(*) FROM user_profiles WHERE expertise IS NOT NULL").await >= 5);
    assert!(count(&store, "SELECT count(*) FROM user_profiles WHERE bio IS NOT NULL").await >= 4);
    assert!(count(&store, "SELECT count(*) FROM bookings WHERE status IN ('pending','approved')").await > 0);
    assert!(count(&store, "SELECT count(*) FROM bookings WHERE status = 'cancelled'").await > 0);
    assert!(count(&store, "SELECT count(*) FROM device_ownership WHERE revoked_at IS NOT NULL").await > 0);
    // Issue #18: health as a day of hourly series, topology links on the devices' real ports,
    // an approver with limits.
    assert_eq!(
        count(&store, "SELECT min(n) FROM (SELECT count(*) AS n FROM device_health_snapshots GROUP BY device_id) x")
            .await,
        24
    );
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM topology_links l JOIN topology_nodes n ON n.id = l.from_node_id JOIN devices d ON d.id = n.device_id \
             WHERE l.from_port IN (d.in_port, d.out_port)"
        )
        .await,
        7
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM user_profiles p JOIN users u ON u.id = p.user_id WHERE u.username = 'april' AND p.approval_limits IS NOT NULL").await,
        1
    );
    assert_eq!(count(&store, "SELECT count(DISTINCT thread_type) FROM threads").await, 4);
    assert_eq!(count(&store, "SELECT count(DISTINCT status) FROM visitor_sessions").await, 3);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM visitor_sessions s JOIN threads t ON t.id = s.converted_thread_id AND t.visitor_session_id = s.id"
        )
        .await,
        1
    );
    // One audit entry and one revision bump per seeded domain.
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log WHERE action = 'seed_demo'").await, 4);
    let revisions = store.revisions().await.unwrap();
    for domain in ["infrastructure", "classes", "proxmox", "bookings", "support"] {
        assert_eq!(revisions.get(domain), Some(&1), "revision of {domain}");
    }

    // Seeding again is refused, by the demo and by each domain seeder.
    assert!(labdeck::demo::seed(&svc).await.is_err());
    let mut ids = Vec::new();
    for (username, _, _) in labdeck::demo::PEOPLE {
        let (user, _) = store.credentials(username).await.unwrap().unwrap();
        ids.push((*username, user.id));
    }
    let people = DemoPeople::from_usernames(ids).unwrap();
    let entry = Entry::by(&Actor::system("test"), &svc.source, "seed_demo", "bookings");
    match store.seed_bookings(&people, entry.clone()).await {
        Err(StoreError::Conflict(_)) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(matches!(store.seed_classes(&people, entry.clone()).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.seed_infrastructure(&people, entry.clone()).await, Err(StoreError::Conflict(_))));
    assert!(matches!(store.seed_support(&people, entry).await, Err(StoreError::Conflict(_))));
    assert_eq!(count(&store, "SELECT count(*) FROM audit_log WHERE action = 'seed_demo'").await, 4);
});
