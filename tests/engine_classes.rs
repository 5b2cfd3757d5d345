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
use labdeck::store::classes::ClassVm;
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

/// A simulator with template 9000 registered on a cluster, the services, and teacher tess.
async fn with_template(store: &Store) -> (SimHandle, Uuid, Services, Actor) {
    let sim = sim().await;
    let cluster = setup(store, &sim).await;
    let svc = common::services(store);
    let tess = user(store, "tess", Role::Teacher).await;
    let e = Entry::by(&tess, &Source::Engine, "register_template", "template");
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e).await.unwrap();
    (sim, cluster, svc, tess)
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
        // The template has 2 cores, 2 GiB and 32 GiB: the clones get the class's hardware.
        cpu_cores: "3".into(),
        memory_mb: "3072".into(),
        disk_gb: "40".into(),
        hours: hours.into(),
        time_zone: "UTC".into(),
        auto_shutdown: "off".into(),
        ..ClassForm::default()
    }
}

async fn audited_as(store: &Store, action: &str) -> Vec<labdeck::store::audit::AuditRecord> {
    let q = labdeck::store::audit::AuditQuery { text: action.into(), outcome: None, limit: 100 };
    store.query_audit(&Actor::system("t"), &q).await.unwrap().into_iter().filter(|r| r.action == action).collect()
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
    let (sim, _, svc, tess) = with_template(&store).await;
    let sam = user(&store, "sam", Role::Student).await;
    let class_id = manage::create(&svc, &tess, &form("Linux 101", "")).await.unwrap();
    let before = sim.guest_count();

    let msg = deploy::scale(&svc, &tess, class_id, None).await.unwrap();
    assert!(msg.contains("20 steps on 4 VMs"), "{msg}");
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
        assert_eq!((cfg.cores(), cfg.memory_mb()), (Some(3), Some(3072)), "{} has the class's CPU and memory", vm.vmid);
        assert_eq!(cfg.boot_disk(), Some(("scsi0".into(), 40.0)), "{} has the class's disk", vm.vmid);
    }
    // Deploying again plans nothing new.
    assert!(deploy::scale(&svc, &tess, class_id, None).await.unwrap().contains("already has 3"));

    let (message, code) = manage::issue_code(&svc, &tess, class_id, Some(7)).await.unwrap();
    assert!(message.contains(&format!("labdeck join {code}")));
    let joined = manage::join(&svc, &sam, &code).await.unwrap();
    // One naming rule, from the class's short name ("Linux 101" → l101), as the seed's lb101-….
    assert!(joined.contains("l101-student-01"), "{joined}");
    assert_eq!(vms.iter().map(|v| v.vm_name.as_str()).collect::<Vec<_>>()[..2], ["l101-teacher", "l101-student-01"]);
    // Max hours left empty: a new class takes classes.default_max_usage_hours (40 unset).
    assert_eq!(store.class(&tess, class_id).await.unwrap().max_usage_hours, Some(40));
    // The engine's work is audited as the teacher who asked for it, not as "classes".
    let registered = audited_as(&store, "register_class_vm").await;
    assert_eq!(registered.len(), 4, "{registered:?}");
    assert!(registered.iter().all(|r| r.actor_name == "tess" && r.source == "engine"), "{registered:?}");
    // Sam was told his VM is ready, in the transaction that gave it to him.
    let told = store.my_notifications(&sam, 10).await.unwrap();
    assert!(
        told.iter().any(|n| n.kind == "class_vm_ready" && n.body.as_deref().unwrap_or("").contains("l101-student-01")),
        "{told:?}"
    );
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
    let (sim, cluster, svc, tess) = with_template(&store).await;
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
    let (sim, cluster, svc, tess) = with_template(&store).await;
    let e = || Entry::by(&tess, &Source::Engine, "deploy", "class");
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
    let (sim, cluster, svc, tess) = with_template(&store).await;
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
    let (sim, _, svc, tess) = with_template(&store).await;
    let sam = user(&store, "sam", Role::Student).await;
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

/// The hours open in `minutes` from now and stay open for an hour (UTC).
fn opens_in(minutes: u16) -> String {
    let now = labdeck::domain::classes::hours::local_minute(chrono_tz::UTC, labdeck::domain::time::now());
    let h = |m: u16| labdeck::domain::classes::hours::hhmm(m % 1440);
    format!("{}-{}", h(now + minutes), h(now + minutes + 60))
}

/// Deploy a class of one student VM and seat `student` in it; returns the student VM.
async fn seated(svc: &Services, teacher: &Actor, student: &Actor, f: ClassForm) -> ClassVm {
    let class_id = manage::create(svc, teacher, &f).await.unwrap();
    deploy::scale(svc, teacher, class_id, Some(1)).await.unwrap();
    settled(svc, class_id).await;
    let (_, code) = manage::issue_code(svc, teacher, class_id, None).await.unwrap();
    manage::join(svc, student, &code).await.unwrap();
    svc.store.my_class_vms(student).await.unwrap().into_iter().find(|v| v.class_id == class_id).unwrap()
}

/// The engine's power actions on this VM: audited under the VM, not the task they started.
async fn audited(store: &Store, action: &str, vm: &ClassVm) -> Vec<labdeck::store::audit::AuditRecord> {
    let q = labdeck::store::audit::AuditQuery { text: action.into(), outcome: None, limit: 50 };
    let rows = store.query_audit(&Actor::system("t"), &q).await.unwrap();
    let id = vm.id.to_string();
    rows.into_iter().filter(|r| r.action == action && r.entity_id.as_deref() == Some(id.as_str())).collect()
}

both!(the_lease_holder_shuts_idle_and_spent_vms_down_and_powers_on_before_the_hours, |store: Store| async move {
    let (sim, cluster, svc, tess) = with_template(&store).await;
    let (sam, sid, sue) = (
        user(&store, "sam", Role::Student).await,
        user(&store, "sid", Role::Student).await,
        user(&store, "sue", Role::Student).await,
    );
    // Idle: CPU below 90 % for 2 minutes (the simulator's guests idle well below that).
    let idle = seated(&svc, &tess, &sam, ClassForm { auto_shutdown: "90%/2m".into(), ..form("Idle", "") }).await;
    // Spent: a one-hour allowance, already used up.
    let spent = seated(&svc, &tess, &sid, ClassForm { max_hours: "1".into(), ..form("Spent", "") }).await;
    // Early: the hours open in 10 minutes and VMs are powered on 15 minutes ahead.
    let early =
        seated(&svc, &tess, &sue, ClassForm { power_on_lead: "15".into(), ..form("Early", &opens_in(10)) }).await;
    assert!(sim.run_for(idle.vmid as u32, 600.0) && sim.run_for(spent.vmid as u32, 600.0));
    labdeck::on_pool!(&store, p => sqlx::query("UPDATE class_vms SET usage_seconds = 3700 WHERE id = $1")
        .bind(spent.id).execute(p).await.unwrap().rows_affected());
    // A VM started half a minute ago is not idle: its minutes before the start (zeros in
    // rrddata) do not count.
    let fresh = seated(
        &svc,
        &tess,
        &user(&store, "sol", Role::Student).await,
        ClassForm { auto_shutdown: "90%/2m".into(), ..form("Fresh", "") },
    )
    .await;
    assert!(sim.run_for(fresh.vmid as u32, 30.0));

    let opts = labdeck::engine::EngineOptions { watch_every: Duration::from_millis(200), pollers: true };
    let (engine, _events) = labdeck::engine::Engine::start(svc.clone(), opts);
    let deadline = Instant::now() + Duration::from_secs(30);
    let (idle_off, spent_off, early_on) = loop {
        let got = (
            audited(&store, "auto_shutdown", &idle).await,
            audited(&store, "auto_shutdown", &spent).await,
            audited(&store, "power_on_before_hours", &early).await,
        );
        if !got.0.is_empty() && !got.1.is_empty() && !got.2.is_empty() {
            break got;
        }
        assert!(Instant::now() < deadline, "the jobs did not all act within 30 s: {got:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    engine.shutdown().await;
    assert!(idle_off[0].message.as_deref().unwrap_or_default().starts_with("idle: CPU below 90% for 2 minutes"));
    assert_eq!(spent_off[0].message.as_deref(), Some("usage limit reached"));
    assert_eq!(early_on[0].message.as_deref(), Some("the class hours begin soon"));
    assert!(audited(&store, "auto_shutdown", &fresh).await.is_empty(), "a VM up for half a minute is not idle");

    // Proxmox carried the jobs out.
    let client = Client::new(sim.endpoint()).unwrap();
    let running = |vm: &ClassVm| {
        let (client, node, vmid) = (&client, vm.node.clone(), vm.vmid as u32);
        async move { client.guest_status(&node, GuestKind::Qemu, vmid).await.unwrap().is_running() }
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while running(&idle).await || running(&spent).await || !running(&early).await {
        assert!(Instant::now() < deadline, "the power tasks did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(running(&fresh).await);
    // Students hear about it.
    let notes = store.my_notifications(&sid, 20).await.unwrap();
    assert!(notes.iter().any(|n| n.title.contains("was shut down")), "{notes:?}");

    // Once per opening, and the mark is in the database: after a restart (a fresh run of the
    // jobs) a VM stopped again is not powered on a second time.
    labdeck::on_pool!(&store, p => sqlx::query("UPDATE pve_guests SET status = 'stopped' WHERE vmid = $1")
        .bind(early.vmid).execute(p).await.unwrap().rows_affected());
    labdeck::engine::classes::jobs::run(&svc, cluster, &client, false).await.unwrap();
    assert_eq!(audited(&store, "power_on_before_hours", &early).await.len(), 1);
});
