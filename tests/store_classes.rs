//! Classes on both backends: visibility by role, prefixes, codes, the atomic join (raced),
//! the waiting list, enrollment changes, usage checkpoints and the deployment plan.

mod common;

use chrono::Duration;
use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::classes::token;
use labdeck::domain::rbac::Actor;
use labdeck::store::classes::{ClassInput, JoinOutcome, NewClassVm, NewStep, StepKind};
use labdeck::store::pve::ClusterInput;
use labdeck::store::users::NewUser;
use labdeck::store::{Store, StoreError};
use std::collections::BTreeSet;
use uuid::Uuid;

fn entry(action: &str) -> Entry {
    Entry::by(&Actor::system("test"), &Source::Cli { os_user: "t".into() }, action, "class")
}

async fn user(store: &Store, name: &str, role: Role) -> Actor {
    let new = NewUser {
        username: name.into(),
        email: None,
        display_name: name.to_uppercase(),
        role,
        password_hash: "x".into(),
        must_change_password: false,
        tenant_id: None,
    };
    let u = store.create_user(&new, false, entry("create_user")).await.unwrap();
    Actor::with_role_defaults(u.id, name, role)
}

async fn cluster(store: &Store) -> Uuid {
    let input = ClusterInput {
        key: "lab".into(),
        name: "LAB".into(),
        host: "127.0.0.1".into(),
        port: 8006,
        token_id: "root@pam!labdeck".into(),
        token_secret: Some("s3cret".into()),
        fingerprint: "AB:CD".into(),
        poll_interval_secs: 5,
    };
    store.save_cluster(None, &input, entry("add_cluster")).await.unwrap()
}

fn input(name: &str, template: Uuid) -> ClassInput {
    ClassInput {
        name: name.into(),
        description: Some("d".into()),
        template_id: Some(template),
        node: Some("pve1".into()),
        pool_size: 3,
        cpu_cores: 2,
        memory_mb: 2048,
        disk_size_gb: 32,
        hours: None,
        time_zone: "Europe/Berlin".into(),
        auto_shutdown: true,
        cpu_percent: 5.0,
        idle_minutes: 30,
        max_usage_hours: Some(40),
        power_on_lead_minutes: None,
    }
}

struct Fixture {
    cluster: Uuid,
    class: Uuid,
    prefix: i64,
    teacher: Actor,
}

async fn fixture(store: &Store, teacher_name: &str, class_name: &str) -> Fixture {
    let cluster = match store.cluster_access_all().await.unwrap().first() {
        Some(c) => c.cluster.id,
        None => cluster(store).await,
    };
    let teacher = user(store, teacher_name, Role::Teacher).await;
    let tpl = store.ensure_template(cluster, 9000, "tpl", "pve1", None, entry("template")).await.unwrap();
    let class =
        store.create_class(teacher.user_id, None, &input(class_name, tpl), entry("create_class")).await.unwrap();
    let prefix = store.class(&teacher, class).await.unwrap().vmid_prefix.unwrap();
    Fixture { cluster, class, prefix, teacher }
}

async fn add_seats(store: &Store, f: &Fixture, from: i64, n: i64) {
    for i in from..from + n {
        let vm = NewClassVm {
            class_id: f.class,
            cluster_id: f.cluster,
            vmid: f.prefix * 100 + 2 + i,
            node: "pve1".into(),
            name: format!("s-{i}"),
            role: "student".into(),
            assigned_user_id: None,
        };
        assert!(store.register_class_vm(&vm, entry("register")).await.unwrap());
        assert!(!store.register_class_vm(&vm, entry("register")).await.unwrap(), "registering is idempotent");
    }
}

async fn code(store: &Store, f: &Fixture, days: Option<i64>) -> String {
    let code = token::new_code();
    let exp = token::expiry(labdeck::domain::time::now(), days);
    store.issue_join_token(f.class, &code, exp, Some(f.teacher.user_id), entry("token")).await.unwrap();
    code
}

both!(teachers_see_own_and_co_owned_classes_students_their_own, |store: Store| async move {
    let a = fixture(&store, "tess", "Linux").await;
    let b = fixture(&store, "tom", "Networks").await;
    assert_ne!(a.prefix, b.prefix, "prefixes never collide");
    let names = |v: Vec<labdeck::store::classes::Class>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(names(store.list_classes(&a.teacher).await.unwrap()), vec!["Linux"]);
    store.add_co_owner(b.class, "tess", b.teacher.user_id, entry("add_co_owner")).await.unwrap();
    assert_eq!(names(store.list_classes(&a.teacher).await.unwrap()), vec!["Linux", "Networks"]);
    assert!(store.class_to_manage(&a.teacher, b.class).await.is_ok(), "co-owners have the teacher's rights");
    assert!(matches!(store.class_to_manage(&b.teacher, a.class).await, Err(StoreError::Denied(_))));

    let sam = user(&store, "sam", Role::Student).await;
    assert!(store.list_classes(&sam).await.unwrap().is_empty());
    add_seats(&store, &a, 0, 2).await;
    let c = code(&store, &a, Some(7)).await;
    store.join_class(sam.user_id, &c, entry("join")).await.unwrap();
    assert_eq!(names(store.list_classes(&sam).await.unwrap()), vec!["Linux"]);
    // A student sees only their own VM of the class; the teacher sees every VM.
    let mine = store.class_vms(&sam, a.class).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].username.as_deref(), Some("sam"));
    assert_eq!(store.class_vms(&a.teacher, a.class).await.unwrap().len(), 2);
    assert!(store.class_vm(&sam, store.class_vms(&a.teacher, a.class).await.unwrap()[1].id).await.is_err());
    assert!(store.class(&sam, b.class).await.is_err());
    assert!(matches!(store.class_to_manage(&sam, a.class).await, Err(StoreError::Denied(_))));

    store.archive_class(a.class, entry("archive")).await.unwrap();
    let class = store.class(&a.teacher, a.class).await.unwrap();
    assert!(class.archived_at.is_some());
    assert!(store.join_class(sam.user_id, &c, entry("join")).await.is_err(), "archived classes take nobody");
});

both!(codes_can_be_regenerated_disabled_and_expire, |store: Store| async move {
    let f = fixture(&store, "tess", "Linux").await;
    add_seats(&store, &f, 0, 3).await;
    let sam = user(&store, "sam", Role::Student).await;
    let old = code(&store, &f, None).await;
    let new = code(&store, &f, Some(1)).await;
    let err = store.join_class(sam.user_id, &old, entry("join")).await.unwrap_err();
    assert!(err.to_string().contains("no longer valid"), "{err}");
    let ok = store.join_class(sam.user_id, &new.to_lowercase(), entry("join")).await.unwrap();
    assert!(matches!(ok, JoinOutcome::Seated { .. }));
    // Joining again is harmless: same VM.
    assert_eq!(store.join_class(sam.user_id, &new, entry("join")).await.unwrap(), ok);
    let tokens = store.join_tokens(f.class).await.unwrap();
    assert_eq!(tokens.len(), 2);
    assert_eq!(tokens[0].uses, 1);
    assert_eq!(tokens[0].state.as_str(), "active");
    assert_eq!(tokens[1].state.as_str(), "disabled");
    assert_eq!(store.disable_join_tokens(f.class, entry("disable")).await.unwrap(), 1);
    let sara = user(&store, "sara", Role::Student).await;
    assert!(store.join_class(sara.user_id, &new, entry("join")).await.is_err());
    let unknown = store.join_class(sara.user_id, "AAAAA-BBBBB", entry("join")).await.unwrap_err();
    assert!(matches!(unknown, StoreError::NotFound(_)));
    // The code itself is never stored: only a keyed tag, no hint and no hash of it alone.
    let stored: Vec<(String, String)> = labdeck::on_pool!(&store, p => sqlx::query_as(
        "SELECT token_hash, token_hint FROM class_join_tokens").fetch_all(p).await.unwrap());
    for (tag, hint) in &stored {
        assert!(tag.starts_with("ldh1:") && hint.is_empty(), "{tag} {hint}");
        assert_ne!(tag, &token::legacy_hash(&new));
    }
    let admin = Actor::system("t");
    let q = |text: &str| labdeck::store::audit::AuditQuery { text: text.into(), outcome: None, limit: 0 };
    assert!(!store.query_audit(&admin, &q("token")).await.unwrap().is_empty());
    assert!(store.query_audit(&admin, &q(&new)).await.unwrap().is_empty());
    assert!(store.query_audit(&admin, &q(&token::normalize(&new))).await.unwrap().is_empty());
});

// A code stored as a plain SHA-256 (before keyed tags) still works once and is re-tagged.
both!(a_code_stored_as_a_plain_hash_works_and_is_re_tagged, |store: Store| async move {
    let f = fixture(&store, "tess", "Linux").await;
    add_seats(&store, &f, 0, 2).await;
    let c = code(&store, &f, Some(7)).await;
    labdeck::on_pool!(&store, p => {
        sqlx::query("UPDATE class_join_tokens SET token_hash = $1, token_hint = 'ABCD…'")
            .bind(token::legacy_hash(&c)).execute(p).await.unwrap();
    });
    let sam = user(&store, "sam", Role::Student).await;
    store.join_class(sam.user_id, &c, entry("join")).await.unwrap();
    let (tag, hint): (String, String) = labdeck::on_pool!(&store, p => sqlx::query_as(
        "SELECT token_hash, token_hint FROM class_join_tokens").fetch_one(p).await.unwrap());
    assert!(tag.starts_with("ldh1:") && hint.is_empty(), "{tag} {hint}");
    let sara = user(&store, "sara", Role::Student).await;
    store.join_class(sara.user_id, &c, entry("join")).await.unwrap();
});

both!(twenty_concurrent_joins_share_ten_vms_and_the_rest_wait, |store: Store| async move {
    let f = fixture(&store, "tess", "Linux").await;
    add_seats(&store, &f, 0, 10).await;
    let c = code(&store, &f, Some(7)).await;
    let mut students = Vec::new();
    for i in 0..20 {
        students.push(user(&store, &format!("s{i:02}"), Role::Student).await);
    }
    let hash = c.clone();
    let joins = students.iter().map(|s| {
        let (store, hash, id) = (store.clone(), hash.clone(), s.user_id);
        tokio::spawn(async move {
            loop {
                match store.join_class(id, &hash, entry("join")).await {
                    Err(StoreError::Busy) => tokio::task::yield_now().await,
                    other => return other.unwrap(),
                }
            }
        })
    });
    let outcomes: Vec<JoinOutcome> = futures::future::join_all(joins).await.into_iter().map(|r| r.unwrap()).collect();
    let seated: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| if let JoinOutcome::Seated { vmid, .. } = o { Some(*vmid) } else { None })
        .collect();
    assert_eq!(seated.len(), 10);
    assert_eq!(seated.iter().collect::<BTreeSet<_>>().len(), 10, "no VM given twice: {seated:?}");
    let mut positions: Vec<i64> = outcomes
        .iter()
        .filter_map(|o| if let JoinOutcome::Waiting { position, .. } = o { Some(*position) } else { None })
        .collect();
    positions.sort();
    assert_eq!(positions.len(), 10);
    let vms = store.class_vms(&f.teacher, f.class).await.unwrap();
    let owners: BTreeSet<_> = vms.iter().filter_map(|v| v.user_id).collect();
    assert_eq!(owners.len(), 10);
    let class = store.class(&f.teacher, f.class).await.unwrap();
    assert_eq!((class.enrolled, class.waiting, class.free_seats), (20, 10, 0));

    // Three VMs appear: the three longest-waiting students get them.
    add_seats(&store, &f, 10, 3).await;
    let admitted = store.serve_waitlist(f.class, entry("serve_waitlist")).await.unwrap();
    assert_eq!(admitted.len(), 3);
    let class = store.class(&f.teacher, f.class).await.unwrap();
    assert_eq!((class.waiting, class.free_seats), (7, 0));
});

both!(enrollment_add_remove_and_move, |store: Store| async move {
    let a = fixture(&store, "tess", "Linux").await;
    let b = fixture(&store, "tom", "Networks").await;
    add_seats(&store, &a, 0, 1).await;
    add_seats(&store, &b, 0, 1).await;
    let _sam = user(&store, "sam", Role::Student).await;
    let _sara = user(&store, "sara", Role::Student).await;
    assert!(matches!(
        store.enroll(a.class, "sam", a.teacher.user_id, entry("enroll")).await.unwrap(),
        JoinOutcome::Seated { .. }
    ));
    assert!(matches!(
        store.enroll(a.class, "sara", a.teacher.user_id, entry("enroll")).await.unwrap(),
        JoinOutcome::Waiting { position: 1, .. }
    ));
    assert!(store.enroll(a.class, "tom", a.teacher.user_id, entry("enroll")).await.is_err(), "only students");
    // Removing Sam frees the VM; Sara, waiting, gets it.
    let freed = store.unenroll(a.class, "sam", entry("unenroll")).await.unwrap();
    assert_eq!(freed, Some(a.prefix * 100 + 2));
    let admitted = store.serve_waitlist(a.class, entry("serve_waitlist")).await.unwrap();
    assert_eq!(admitted.len(), 1);
    let roster = store.class_roster(a.class).await.unwrap();
    assert_eq!(roster, vec![("sara".to_string(), Some("SARA".to_string()), false)]);
    // Move = remove from one class, enroll in the other.
    store.unenroll(a.class, "sara", entry("move")).await.unwrap();
    store.enroll(b.class, "sara", b.teacher.user_id, entry("move")).await.unwrap();
    assert_eq!(store.class_roster(b.class).await.unwrap().len(), 1);
    assert!(store.class_roster(a.class).await.unwrap().is_empty());
});

both!(usage_ticks_are_compare_and_set, |store: Store| async move {
    let f = fixture(&store, "tess", "Linux").await;
    add_seats(&store, &f, 0, 1).await;
    let vm = store.job_vms(f.cluster).await.unwrap().remove(0);
    let t0 = labdeck::domain::time::now();
    assert_eq!(store.apply_usage(&[(vm.id, None, 0, Some(t0))]).await.unwrap(), 1);
    let t1 = t0 + Duration::seconds(60);
    assert_eq!(store.apply_usage(&[(vm.id, Some(t0), 60, Some(t1))]).await.unwrap(), 1);
    // A second process replaying the same tick changes nothing.
    assert_eq!(store.apply_usage(&[(vm.id, Some(t0), 60, Some(t1))]).await.unwrap(), 0);
    let vm = store.job_vms(f.cluster).await.unwrap().remove(0);
    assert_eq!((vm.usage_seconds, vm.usage_counted_at), (60, Some(t1)));
    assert_eq!(store.reset_class_usage(f.class, &[vm.id], entry("reset_usage")).await.unwrap(), 1);
    assert_eq!(store.job_vms(f.cluster).await.unwrap()[0].usage_seconds, 0);
});

both!(plan_steps_run_in_order_per_vm_and_resume, |store: Store| async move {
    let f = fixture(&store, "tess", "Linux").await;
    let step = |vmid: i64, kind| NewStep { vmid, node: "pve1".into(), kind, params: serde_json::json!({"name": "x"}) };
    let steps = [step(4102, StepKind::Clone), step(4102, StepKind::Snapshot), step(4103, StepKind::Clone)];
    store.plan_steps(f.class, f.cluster, &steps, entry("deploy")).await.unwrap();
    let plan = store.plan(f.class).await.unwrap();
    assert_eq!(plan.len(), 3);
    let now = labdeck::domain::time::now();
    let long_ago = now - Duration::minutes(10);
    // The snapshot waits for its clone; the other VM's clone can run at once.
    assert!(!store.claim_step(plan[1].id, long_ago).await.unwrap());
    assert!(store.claim_step(plan[0].id, long_ago).await.unwrap());
    assert!(!store.claim_step(plan[0].id, long_ago).await.unwrap(), "claimed once");
    assert!(store.claim_step(plan[2].id, long_ago).await.unwrap());
    store.step_started(plan[0].id, "UPID:x").await.unwrap();
    // A runner that died: after the stale time another may adopt its step.
    assert!(store.claim_step(plan[0].id, now + Duration::minutes(1)).await.unwrap());
    store.finish_step(plan[0].id, "done", None).await.unwrap();
    store.finish_step(plan[2].id, "failed", Some("boom")).await.unwrap();
    assert!(store.claim_step(plan[1].id, long_ago).await.unwrap());
    assert_eq!(store.classes_with_open_steps(f.cluster).await.unwrap(), vec![f.class]);
    let progress = labdeck::store::classes::DeployProgress::of(&store.plan(f.class).await.unwrap());
    assert_eq!(progress[0].done, 1);
    assert_eq!(progress[1].error.as_deref(), Some("boom"));
    assert_eq!(store.retry_failed_steps(f.class, entry("retry")).await.unwrap(), 1);
    assert_eq!(store.plan(f.class).await.unwrap()[2].status, "pending");
});

// Issue #14, item 1: Networks Lab (sam, sara enrolled; sid on the waiting list without an
// enrollment; no VMs). A deployment seats the enrolled students in enrolment order, never
// someone who is only on the list; the class list and the class header count the same
// waiting students; everyone seated is notified in the same transaction.
both!(deploy_seats_enrolled_students_in_enrolment_order_never_the_waitlist, |store: Store| async move {
    let f = fixture(&store, "tom", "Networks Lab").await;
    let sam = user(&store, "sam", Role::Student).await;
    let sara = user(&store, "sara", Role::Student).await;
    let sid = user(&store, "sid", Role::Student).await;
    for name in ["sam", "sara"] {
        let out = store.enroll(f.class, name, f.teacher.user_id, entry("enroll")).await.unwrap();
        assert!(matches!(out, JoinOutcome::Waiting { .. }), "no VMs yet: {out:?}");
    }
    // Sid's entry predates both enrollments (as in the old demo data) but he is not enrolled.
    let long_ago = labdeck::domain::time::now() - Duration::days(30);
    labdeck::on_pool!(&store, p => {
        sqlx::query("INSERT INTO class_waitlist (id, class_id, user_id, status, requested_at) VALUES ($1, $2, $3, 'waiting', $4)")
            .bind(Uuid::now_v7()).bind(f.class).bind(sid.user_id).bind(long_ago).execute(p).await.unwrap();
    });

    let class = store.class(&f.teacher, f.class).await.unwrap();
    let roster = store.class_roster(f.class).await.unwrap();
    let waiting_in_roster = roster.iter().filter(|r| r.2).count() as i64;
    assert_eq!((class.enrolled, class.waiting), (2, 2), "only enrolled students wait");
    assert_eq!(class.waiting, waiting_in_roster, "the list and the header agree");

    add_seats(&store, &f, 0, 2).await;
    let seated = store.serve_waitlist(f.class, entry("serve_waitlist")).await.unwrap();
    let who: Vec<Uuid> = seated.iter().map(|s| s.0).collect();
    assert_eq!(who, vec![sam.user_id, sara.user_id], "enrolment order, and never sid");
    let vms = store.class_vms(&f.teacher, f.class).await.unwrap();
    assert!(vms.iter().all(|v| v.user_id != Some(sid.user_id)), "sid is not enrolled: no VM");
    let owners: BTreeSet<Uuid> = vms.iter().filter_map(|v| v.user_id).collect();
    assert_eq!(owners, BTreeSet::from([sam.user_id, sara.user_id]));
    let class = store.class(&f.teacher, f.class).await.unwrap();
    assert_eq!((class.waiting, class.free_seats), (0, 0));

    for s in [&sam, &sara] {
        let told = store.my_notifications(s, 10).await.unwrap();
        assert_eq!(told.iter().filter(|n| n.kind == "class_vm_ready").count(), 1, "{told:?}");
        assert!(told[0].title.contains("Networks Lab"), "{told:?}");
    }
    assert!(store.my_notifications(&sid, 10).await.unwrap().is_empty());

    // A student joining later waits behind nobody once a VM is free, but never jumps ahead
    // of an enrolled student still without one.
    let sue = user(&store, "suki", Role::Student).await;
    let out = store.enroll(f.class, "suki", f.teacher.user_id, entry("enroll")).await.unwrap();
    assert!(matches!(out, JoinOutcome::Waiting { position: 1, .. }), "{out:?}");
    add_seats(&store, &f, 2, 1).await;
    assert_eq!(
        store.serve_waitlist(f.class, entry("serve_waitlist")).await.unwrap(),
        vec![(sue.user_id, f.prefix * 100 + 4)]
    );
});

// Issue #14, item 1 (the demo data): a waiting student is always an enrolled one, so the
// class list and the header agree on the seeded Networks Lab.
both!(the_seeded_waitlist_is_enrolled_students_only, |store: Store| async move {
    let svc = common::services(&store);
    labdeck::demo::seed(&svc).await.unwrap();
    let admin = Actor::system("t");
    for class in store.list_classes(&admin).await.unwrap() {
        let roster = store.class_roster(class.id).await.unwrap();
        assert_eq!(class.waiting, roster.iter().filter(|r| r.2).count() as i64, "{}", class.name);
        assert_eq!(class.enrolled, roster.len() as i64, "{}", class.name);
    }
    let networks = store.list_classes(&admin).await.unwrap().into_iter().find(|c| c.name == "Networks Lab").unwrap();
    assert_eq!((networks.enrolled, networks.waiting), (3, 1));
    // The seed's VM names follow the deployments' rule.
    let linux = store.list_classes(&admin).await.unwrap().into_iter().find(|c| c.name == "Linux Basics 101").unwrap();
    let names: Vec<String> = store.class_vms(&admin, linux.id).await.unwrap().into_iter().map(|v| v.vm_name).collect();
    let short = labdeck::domain::classes::vmid::short_name(&linux.name);
    for (slot, name) in names.iter().enumerate() {
        assert_eq!(name, &labdeck::domain::classes::vmid::vm_name(&short, slot as i64));
    }
});
