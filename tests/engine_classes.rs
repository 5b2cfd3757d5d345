//! Classes through the engine against the simulator, on both backends: deploy a pool of
//! three (linked clones + baseline), join with a code, start within the hours, refusal with
//! a reason outside them, scale down (unassigned VMs only), and resume of a plan.

mod common;

use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::classes::policy::VmAction;
use labdeck::domain::rbac::Actor;
use labdeck::engine::Services;
use labdeck::engine::classes::{ClassForm, deploy, manage, vm_ops};
use labdeck::engine::demo_sim::cluster_input;
use labdeck::engine::inventory::BulkOutcome;
use labdeck::pve::sim::{SimHandle, SimOptions, Simulator};
use labdeck::pve::{Client, GuestKind};
use labdeck::store::Store;
use labdeck::store::users::NewUser;
use std::time::{Duration, Instant};
use uuid::Uuid;

async fn sim() -> SimHandle {
    let opts = SimOptions {
        guests: 5,
        task_secs: 0.2,
        agent_delay_secs: 0.3,
        extra_guests: vec![(9000, "tpl-ubuntu".into(), "pve1".into())],
        ..SimOptions::default()
    };
    let (sim, server) = Simulator::bind(opts).await.unwrap();
    tokio::spawn(server);
    sim
}

async fn setup(store: &Store, sim: &SimHandle) -> Uuid {
    let input = cluster_input(sim, "sim", "sim", 1);
    let e = Entry::by(&Actor::system("t"), &Source::Engine, "add_cluster", "cluster");
    store.save_cluster(None, &input, e.clone()).await.unwrap()
}

async fn user(store: &Store, name: &str, role: Role) -> Actor {
    let new = NewUser {
        username: name.into(),
        email: None,
        display_name: name.into(),
        role,
        password_hash: "x".into(),
        must_change_password: false,
        tenant_id: None,
    };
    let e = Entry::by(&Actor::system("t"), &Source::Engine, "create_user", "user");
    let u = store.create_user(&new, false, e).await.unwrap();
    Actor::with_role_defaults(u.id, name, role)
}

fn form(name: &str, hours: &str) -> ClassForm {
    ClassForm {
        name: name.into(),
        template: "9000".into(),
        node: "pve1".into(),
        pool_size: "3".into(),
        cpu_cores: "1".into(),
        memory_mb: "1024".into(),
        disk_gb: "8".into(),
        hours: hours.into(),
        time_zone: "UTC".into(),
        auto_shutdown: "off".into(),
        ..ClassForm::default()
    }
}

async fn settled(svc: &Services, class_id: Uuid) {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let plan = svc.store.plan(class_id).await.unwrap();
        if let Some(f) = plan.iter().find(|s| s.status == "failed") {
            panic!("step failed: {} {} {:?}", f.vmid, f.step_kind, f.error);
        }
        if plan.iter().all(|s| s.status == "done" || s.status == "skipped") {
            return;
        }
        assert!(Instant::now() < deadline, "deployment did not finish: {plan:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A window that is closed now (opens in an hour), in UTC.
fn closed_window() -> String {
    let now = labdeck::domain::classes::hours::local_minute(chrono_tz::UTC, labdeck::domain::time::now());
    let h = |m: u16| labdeck::domain::classes::hours::hhmm(m % 1440);
    format!("{}-{}", h(now + 60), h(now + 120))
}

both!(deploy_join_start_and_scale_down_on_the_simulator, |store: Store| async move {
    let sim = sim().await;
    let cluster = setup(&store, &sim).await;
    let svc = common::services(&store);
    let tess = user(&store, "tess", Role::Teacher).await;
    let sam = user(&store, "sam", Role::Student).await;
    let e = Entry::by(&tess, &Source::Engine, "register_template", "template");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e).await.unwrap();
    let class_id = manage::create(&svc, &tess, &form("Linux 101", "")).await.unwrap();
    let before = sim.guest_count();

    let msg = deploy::scale(&svc, &tess, class_id, None).await.unwrap();
    assert!(msg.contains("12 steps on 4 VMs"), "{msg}");
    settled(&svc, class_id).await;
    let vms = store.class_vms(&tess, class_id).await.unwrap();
    assert_eq!(vms.iter().map(|v| v.role.as_str()).collect::<Vec<_>>(), ["teacher", "student", "student", "student"]);
    assert_eq!(sim.guest_count(), before + 4);
    let client = Client::new(sim.endpoint()).unwrap();
    for vm in &vms {
        let snaps = client.snapshots(&vm.node, GuestKind::Qemu, vm.vmid as u32).await.unwrap();
        assert!(snaps.iter().any(|s| s.name == "baseline"), "{} has a baseline", vm.vmid);
        let cfg = client.guest_config(&vm.node, GuestKind::Qemu, vm.vmid as u32).await.unwrap();
        assert_eq!(cfg.name().as_deref(), Some(vm.vm_name.as_str()));
    }
    // Deploying again plans nothing new.
    assert!(deploy::scale(&svc, &tess, class_id, None).await.unwrap().contains("already has 3"));

    let (message, code) = manage::issue_code(&svc, &tess, class_id, Some(7)).await.unwrap();
    assert!(message.contains(&format!("labdeck join {code}")));
    let joined = manage::join(&svc, &sam, &code).await.unwrap();
    assert!(joined.contains("linux-101-student-01"), "{joined}");
    let mine = store.my_class_vms(&sam).await.unwrap();
    assert_eq!(mine.len(), 1);
    let lines = vm_ops::act(&svc, &sam, &[mine[0].id], VmAction::Start).await.unwrap();
    assert!(matches!(lines[0].outcome, BulkOutcome::Submitted(_)), "{lines:?}");
    // Sam cannot touch a VM that is not his.
    let other = vms.iter().find(|v| v.role == "student" && v.id != mine[0].id).unwrap();
    let lines = vm_ops::act(&svc, &sam, &[other.id], VmAction::Start).await.unwrap();
    assert!(matches!(lines[0].outcome, BulkOutcome::Failed(_)));

    // Outside the hours a student is refused, with the reason; the teacher is not.
    manage::edit(&svc, &tess, class_id, &form("Linux 101", &closed_window())).await.unwrap();
    let lines = vm_ops::act(&svc, &sam, &[mine[0].id], VmAction::Revert).await.unwrap();
    match &lines[0].outcome {
        BulkOutcome::Skipped(why) => assert!(why.starts_with("outside the class hours"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    let lines = vm_ops::act(&svc, &tess, &[other.id], VmAction::Start).await.unwrap();
    assert!(matches!(lines[0].outcome, BulkOutcome::Submitted(_)), "{lines:?}");

    // Scale down to one: Sam's VM stays, the two free ones go (stopped first if running).
    let err = deploy::scale(&svc, &tess, class_id, Some(0)).await.unwrap_err();
    assert!(err.to_string().contains("assigned to students"), "{err}");
    deploy::scale(&svc, &tess, class_id, Some(1)).await.unwrap();
    settled(&svc, class_id).await;
    let left = store.class_vms(&tess, class_id).await.unwrap();
    assert_eq!(left.len(), 2);
    assert!(left.iter().any(|v| v.id == mine[0].id));
    assert_eq!(sim.guest_count(), before + 2);
});

both!(a_plan_resumes_after_a_restart_without_redoing_work, |store: Store| async move {
    let sim = sim().await;
    let cluster = setup(&store, &sim).await;
    let svc = common::services(&store);
    let tess = user(&store, "tess", Role::Teacher).await;
    let e = Entry::by(&tess, &Source::Engine, "register_template", "template");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e).await.unwrap();
    let class_id = manage::create(&svc, &tess, &form("Net", "")).await.unwrap();
    let class = store.class(&tess, class_id).await.unwrap();
    let steps = deploy::scale_plan(&class, &[], &Default::default(), 2).unwrap();
    store.plan_steps(class_id, cluster, &steps, Entry::by(&tess, &Source::Engine, "deploy", "class")).await.unwrap();
    // A console cloned the teacher VM and died before recording anything: the resumed runner
    // finds the VM by name and goes on, instead of failing on "VM exists".
    let plan = store.plan(class_id).await.unwrap();
    let first = &plan[0];
    let client = Client::new(sim.endpoint()).unwrap();
    let req = labdeck::pve::CloneRequest {
        newid: first.vmid as u32,
        name: first.param_str("name").map(str::to_string),
        target: None,
        full: false,
        pool: None,
        description: None,
    };
    client.clone_guest("pve1", 9000, &req).await.unwrap();
    let stats = labdeck::engine::classes::runner::RunStats::default();
    labdeck::engine::classes::runner::run(&svc, class_id, &stats).await.unwrap();
    settled(&svc, class_id).await;
    assert_eq!(store.class_vms(&tess, class_id).await.unwrap().len(), 3);
});

both!(a_delete_refuses_a_vmid_that_no_longer_belongs_to_the_class, |store: Store| async move {
    let sim = sim().await;
    let cluster = setup(&store, &sim).await;
    let svc = common::services(&store);
    let tess = user(&store, "tess", Role::Teacher).await;
    let e = || Entry::by(&tess, &Source::Engine, "deploy", "class");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e()).await.unwrap();
    let class_id = manage::create(&svc, &tess, &form("Sec", "")).await.unwrap();
    deploy::scale(&svc, &tess, class_id, Some(1)).await.unwrap();
    settled(&svc, class_id).await;
    let vm = store.class_vms(&tess, class_id).await.unwrap().into_iter().find(|v| v.role == "student").unwrap();
    // A plan made when the VMID belonged to another row (it was reused since), and one whose
    // guest now carries another name: neither deletes anything.
    let delete = |row: Uuid, name: &str| labdeck::store::classes::NewStep {
        vmid: vm.vmid,
        node: vm.node.clone(),
        kind: labdeck::store::classes::StepKind::Delete,
        params: serde_json::json!({"class_vm_id": row, "expect_name": name, "keep_row": false}),
    };
    for (row, name, why) in
        [(Uuid::now_v7(), vm.vm_name.as_str(), "no longer belongs"), (vm.id, "someone-else", "not this class's VM")]
    {
        store.plan_steps(class_id, cluster, &[delete(row, name)], e()).await.unwrap();
        let stats = labdeck::engine::classes::runner::RunStats::default();
        labdeck::engine::classes::runner::run(&svc, class_id, &stats).await.unwrap();
        let plan = store.plan(class_id).await.unwrap();
        let step = plan.iter().find(|s| s.step_kind == "delete").unwrap();
        assert_eq!(step.status, "failed");
        assert!(step.error.as_deref().unwrap_or_default().contains(why), "{step:?}");
        store.cancel_open_steps(class_id, e()).await.unwrap();
    }
    let client = Client::new(sim.endpoint()).unwrap();
    assert!(client.guest_config(&vm.node, GuestKind::Qemu, vm.vmid as u32).await.is_ok(), "the VM is still there");
});

both!(the_lease_holder_shuts_student_vms_down_outside_the_hours, |store: Store| async move {
    let sim = sim().await;
    let cluster = setup(&store, &sim).await;
    let svc = common::services(&store);
    let tess = user(&store, "tess", Role::Teacher).await;
    let e = Entry::by(&tess, &Source::Engine, "register_template", "template");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e).await.unwrap();
    let class_id = manage::create(&svc, &tess, &form("Night", "")).await.unwrap();
    deploy::scale(&svc, &tess, class_id, Some(1)).await.unwrap();
    settled(&svc, class_id).await;
    let vm = store.class_vms(&tess, class_id).await.unwrap().into_iter().find(|v| v.role == "student").unwrap();
    let client = Client::new(sim.endpoint()).unwrap();
    client.power(&vm.node, GuestKind::Qemu, vm.vmid as u32, labdeck::pve::PowerAction::Start).await.unwrap();
    while !client.guest_status(&vm.node, GuestKind::Qemu, vm.vmid as u32).await.unwrap().is_running() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    manage::edit(&svc, &tess, class_id, &form("Night", &closed_window())).await.unwrap();

    // A console's engine with pollers: after its first poll, the class jobs see the running VM.
    let opts = labdeck::engine::EngineOptions { watch_every: Duration::from_millis(200), pollers: true };
    let (engine, _events) = labdeck::engine::Engine::start(svc.clone(), opts);
    let admin = Actor::system("t");
    let q = labdeck::store::audit::AuditQuery { text: "auto_shutdown".into(), outcome: None, limit: 10 };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = store.query_audit(&admin, &q).await.unwrap();
        if let Some(r) = found.first() {
            assert_eq!(r.message.as_deref(), Some("outside the class hours"));
            break;
        }
        assert!(Instant::now() < deadline, "no auto shutdown within 30 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // Usage counting has its checkpoint from the same run.
    let jobs = store.job_vms(cluster).await.unwrap();
    assert!(jobs.iter().any(|v| v.id == vm.id && v.usage_counted_at.is_some()));
    engine.shutdown().await;
});

both!(publishing_recreates_student_vms_from_the_teacher_vm, |store: Store| async move {
    let sim = sim().await;
    let cluster = setup(&store, &sim).await;
    let svc = common::services(&store);
    let tess = user(&store, "tess", Role::Teacher).await;
    let sam = user(&store, "sam", Role::Student).await;
    let e = Entry::by(&tess, &Source::Engine, "register_template", "template");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e).await.unwrap();
    let class_id = manage::create(&svc, &tess, &form("Pub", "")).await.unwrap();
    deploy::scale(&svc, &tess, class_id, Some(2)).await.unwrap();
    settled(&svc, class_id).await;
    let (_, code) = manage::issue_code(&svc, &tess, class_id, None).await.unwrap();
    manage::join(&svc, &sam, &code).await.unwrap();
    let before = store.class_vms(&tess, class_id).await.unwrap();

    deploy::publish(&svc, &tess, class_id).await.unwrap();
    settled(&svc, class_id).await;
    let after = store.class_vms(&tess, class_id).await.unwrap();
    let client = Client::new(sim.endpoint()).unwrap();
    let base = after.iter().find(|v| v.role == "base").expect("a base VM");
    assert_eq!(base.vmid % 100, 0);
    assert!(client.guest_config(&base.node, GuestKind::Qemu, base.vmid as u32).await.unwrap().is_template());
    // Same rows, same assignments; each student VM is a fresh clone with a baseline.
    for vm in before.iter().filter(|v| v.role == "student") {
        let now = after.iter().find(|v| v.id == vm.id).expect("the row stays");
        assert_eq!((now.user_id, now.status.as_str()), (vm.user_id, vm.status.as_str()));
        let snaps = client.snapshots(&now.node, GuestKind::Qemu, now.vmid as u32).await.unwrap();
        assert!(snaps.iter().any(|s| s.name == "baseline"));
    }
    // Publishing again replaces the base VM too.
    deploy::publish(&svc, &tess, class_id).await.unwrap();
    settled(&svc, class_id).await;
    assert_eq!(store.class_vms(&tess, class_id).await.unwrap().iter().filter(|v| v.role == "base").count(), 1);
});
