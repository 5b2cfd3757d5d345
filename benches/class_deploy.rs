//! Deploying a class pool of 30 on the simulator through the engine's runner: wall time,
//! Proxmox API calls, and the share of the chains' time spent waiting on Proxmox tasks.
//! Run: cargo bench --bench class_deploy            (task base time 3 s, the simulator default)
//!      LABDECK_SIM_TASK_SECS=1 cargo bench --bench class_deploy

use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::rbac::Actor;
use labdeck::engine::Services;
use labdeck::engine::classes::runner::{PARALLEL, RunStats, run};
use labdeck::engine::classes::{ClassForm, deploy, manage};
use labdeck::engine::demo_sim::cluster_input;
use labdeck::pve::sim::{SimOptions, Simulator};
use labdeck::store::users::NewUser;
use std::sync::atomic::Ordering;
use std::time::Instant;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let task_secs: f64 = std::env::var("LABDECK_SIM_TASK_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3.0);
    let pool: i64 = std::env::var("LABDECK_POOL").ok().and_then(|s| s.parse().ok()).unwrap_or(30);
    let opts = SimOptions {
        guests: 30,
        task_secs,
        extra_guests: vec![(9000, "tpl-ubuntu".into(), "pve1".into())],
        ..SimOptions::default()
    };
    let (sim, server) = Simulator::bind(opts).await?;
    tokio::spawn(server);
    let (store, _dir) = labdeck::store::testing::sqlite().await?;
    let svc = Services::new(store.clone(), Source::Engine);
    let system = Actor::system("bench");
    let e = |a: &str| Entry::by(&system, &Source::Engine, a, "bench");
    let input = cluster_input(&sim, "sim", "sim", 5);
    let cluster = store.save_cluster(None, &input, e("add_cluster")).await?;
    let new = NewUser {
        username: "tess".into(),
        email: None,
        display_name: "Tess".into(),
        role: Role::Teacher,
        password_hash: "x".into(),
        must_change_password: false,
        tenant_id: None,
    };
    let tess = store.create_user(&new, false, e("create_user")).await?;
    let tess = Actor::with_role_defaults(tess.id, "tess", Role::Teacher);
    store.ensure_template(cluster, 9000, "tpl-ubuntu", "pve1", None, e("template")).await?;
    let form = ClassForm {
        name: "Bench".into(),
        template: "9000".into(),
        node: "pve1".into(),
        pool_size: pool.to_string(),
        cpu_cores: "1".into(),
        memory_mb: "1024".into(),
        disk_gb: "8".into(),
        time_zone: "UTC".into(),
        auto_shutdown: "off".into(),
        ..ClassForm::default()
    };
    let class_id = manage::create(&svc, &tess, &form).await?;
    let class = store.class(&tess, class_id).await?;
    let steps = deploy::scale_plan(&class, &[], &Default::default(), pool).map_err(anyhow::Error::msg)?;
    store.plan_steps(class_id, cluster, &steps, e("deploy")).await?;

    let stats = RunStats::default();
    let started = Instant::now();
    run(&svc, class_id, &stats).await?;
    let wall = started.elapsed();
    let plan = store.plan(class_id).await?;
    let done = plan.iter().filter(|s| s.status == "done").count();
    let vms = store.class_vms(&tess, class_id).await?.len();
    let calls = stats.api_calls.load(Ordering::Relaxed);
    let wait = stats.task_wait_ms.load(Ordering::Relaxed) as f64;
    let chains = stats.chain_ms.load(Ordering::Relaxed) as f64;
    println!("pool of {pool} (+ teacher VM), simulator task base {task_secs} s, {PARALLEL} VMs at once");
    println!("steps done       {done}/{}", plan.len());
    println!("VMs registered   {vms}");
    println!("wall time        {:.1} s", wall.as_secs_f64());
    println!("API calls        {calls} ({:.1} per VM)", calls as f64 / (pool + 1) as f64);
    println!(
        "waiting on tasks {:.1}% of the chains' time ({:.0} s of {:.0} s summed over VMs)",
        if chains > 0.0 { 100.0 * wait / chains } else { 0.0 },
        wait / 1e3,
        chains / 1e3
    );
    Ok(())
}
