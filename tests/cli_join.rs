//! `labdeck join CODE`: a student joins a class from a shell, signing in with the password
//! on standard input; a wrong code is one clear message.

use labdeck::domain::Role;
use labdeck::domain::audit::{Entry, Source};
use labdeck::domain::classes::token;
use labdeck::domain::rbac::Actor;
use labdeck::engine::Services;
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::store::classes::{ClassInput, NewClassVm};
use labdeck::store::{ConnectOptions, Store};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn join(home: &std::path::Path, db: &str, code: &str, password: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(["--database-url", db, "join", code, "--username", "sam"])
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env(labdeck::store::secrets::KEY_VAR, labdeck::store::secrets::TEST_KEY_HEX)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_student_joins_from_the_shell() {
    let home = labdeck::store::testing::TempDir::new();
    let db = format!("sqlite://{}/t.db", home.path.display());
    labdeck::store::testing::use_test_key();
    let store = Store::connect(&ConnectOptions::new(db.clone())).await.unwrap();
    store.migrate().await.unwrap();
    store.sync_permissions().await.unwrap();
    let svc = Services::new(store.clone(), Source::Engine);
    let system = Actor::system("t");
    let form = |u: &str| AccountForm { username: u.into(), email: String::new(), display_name: u.into() };
    accounts::create_user(&svc, &system, &form("sam"), Role::Student, Some("correct horse battery".into()))
        .await
        .unwrap();
    let (tess, _) = accounts::create_user(&svc, &system, &form("tess"), Role::Teacher, None).await.unwrap();
    let e = |a: &str| Entry::by(&system, &Source::Engine, a, "class");
    let input = ClassInput {
        name: "Shell 101".into(),
        description: None,
        template_id: None,
        node: None,
        pool_size: 1,
        cpu_cores: 1,
        memory_mb: 512,
        disk_size_gb: 8,
        hours: None,
        time_zone: "UTC".into(),
        auto_shutdown: false,
        cpu_percent: 5.0,
        idle_minutes: 30,
        max_usage_hours: None,
        power_on_lead_minutes: None,
    };
    let class_id = store.create_class(tess.id, None, &input, e("create_class")).await.unwrap();
    let cluster = store
        .save_cluster(
            None,
            &labdeck::store::pve::ClusterInput {
                key: "lab".into(),
                name: "lab".into(),
                host: "127.0.0.1".into(),
                port: 8006,
                token_id: "t@pam!x".into(),
                token_secret: Some("s".into()),
                fingerprint: "AB".into(),
                poll_interval_secs: 5,
            },
            e("add_cluster"),
        )
        .await
        .unwrap();
    let vm = NewClassVm {
        class_id,
        cluster_id: cluster,
        vmid: 5102,
        node: "pve1".into(),
        name: "shell-101-student-01".into(),
        role: "student".into(),
        assigned_user_id: None,
    };
    store.register_class_vm(&vm, e("register")).await.unwrap();
    let code = token::new_code();
    store.issue_join_token(class_id, &code, None, None, e("code")).await.unwrap();
    store.close().await;

    let out = join(&home.path, &db, "ZZZZZ-ZZZZZ", "correct horse battery");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("a class with that code"), "{err}");
    let out = join(&home.path, &db, &code.to_lowercase(), "correct horse battery");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("You joined Shell 101: VM shell-101-student-01 (5102)."), "{text}");
    let out = join(&home.path, &db, &code, "wrong password");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Invalid username or password"));
}
