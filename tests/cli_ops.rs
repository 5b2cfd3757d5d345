//! The command line as installed software: closed pipes, who CLI writes are audited as, file
//! permissions, `labdeck init`, `labdeck logs`, generated man page and completions, and the
//! messages a new user met (#14 items 11–13).

mod common;

use labdeck::domain::inventory::ops::GuestOp;
use labdeck::domain::rbac::Actor;
use labdeck::engine::inventory::BulkOutcome;
use labdeck::store::{ConnectOptions, Store};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn cmd(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labdeck"));
    cmd.args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("LABDECK_DATABASE_URL")
        .env_remove("LABDECK_CONFIG");
    cmd
}

fn run(home: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut c = cmd(home, args);
    let Some(input) = stdin else { return c.stdin(Stdio::null()).output().unwrap() };
    use std::io::Write;
    let mut child = c.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "failed: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure; stdout: {}", String::from_utf8_lossy(&o.stdout));
    let e = String::from_utf8_lossy(&o.stderr).trim().to_string();
    assert_eq!(e.lines().count(), 1, "one clear message, got:\n{e}");
    e
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap_or_else(|e| panic!("{}: {e}", p.display())).permissions().mode() & 0o777
}

/// `labdeck keys | head`: the reader is gone before labdeck writes. It must end quietly —
/// no panic, no exit 101, nothing on stderr.
#[test]
fn a_closed_pipe_ends_every_printing_command_quietly() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    ok(&run(h, &["--database-url", &db, "user", "add", "kim"], None));
    for args in [
        vec!["keys"],
        vec!["--database-url", &db, "user", "list"],
        vec!["--database-url", &db, "vm", "list", "--json"],
        vec!["--database-url", &db, "db", "status"],
        vec!["--database-url", &db, "bookings", "export", "--csv"],
        vec!["generate", "completions", "bash"],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = cmd(h, &args).stdin(Stdio::null()).stdout(writer).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {stderr}");
        assert!(stderr.trim().is_empty(), "{args:?} said: {stderr}");
        assert!(out.status.success() || out.status.signal() == Some(libc::SIGPIPE), "{args:?}: {:?}", out.status);
    }
}

/// CLI writes name the OS account that ran them — from the password database, not `$USER`.
#[tokio::test]
async fn cli_writes_are_audited_as_the_os_account() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap().trim().to_string();
    assert_ne!(me, "mallory");
    let out = cmd(h, &["--database-url", &db, "user", "add", "kim"])
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    ok(&out);
    let store = Store::connect(&ConnectOptions::new(db)).await.unwrap();
    let q = labdeck::store::audit::AuditQuery { text: "create_user".into(), outcome: None, limit: 10 };
    let rows = store.query_audit(&Actor::system("test"), &q).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].actor_name, format!("cli:{me}"));
    assert_eq!(rows[0].source, format!("cli:{me}"));
}

/// The database, its directory, the data and state directories and the log files are the
/// running account's alone.
#[test]
fn files_labdeck_creates_are_private() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    ok(&run(h, &["user", "add", "kim"], None));
    let data = h.join("data/labdeck");
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("labdeck.db")), 0o600);
    for f in std::fs::read_dir(&data).unwrap() {
        let p = f.unwrap().path();
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    let logs = h.join("state/labdeck");
    assert_eq!(mode(&logs), 0o700);
    let files = labdeck::logging::files(&logs).unwrap();
    assert_eq!(files.len(), 1, "one log file for today: {files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    // A database named on the command line gets a private new directory too.
    let db = h.join("elsewhere/deeper/x.db");
    ok(&run(h, &["--database-url", &format!("sqlite://{}", db.display()), "db", "migrate"], None));
    assert_eq!(mode(db.parent().unwrap()), 0o700);
    assert_eq!(mode(&h.join("elsewhere")), 0o700);
    assert_eq!(mode(&db), 0o600);
}

#[test]
fn init_writes_a_config_creates_the_admin_and_says_what_next() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let config = h.join("etc/labdeck/config.toml");
    let cfg = config.to_str().unwrap();
    let db = format!("sqlite://{}/lib/labdeck.db", h.display());

    let e = err(&run(h, &["--config", cfg, "--database-url", &db, "init"], None));
    assert!(e.contains("pass --admin USERNAME"), "{e}");
    assert!(!config.exists(), "nothing written on a refusal");

    let out = ok(&run(
        h,
        &["--config", cfg, "--database-url", &db, "init", "--admin", "Alice", "--password-stdin"],
        Some("a long admin password\n"),
    ));
    assert!(out.contains("created admin alice"), "{out}");
    assert!(
        out.contains("next steps") && out.contains("labdeck cluster add") && out.contains("--fingerprint"),
        "{out}"
    );
    assert!(out.contains("systemctl enable --now labdeck-poll labdeck-serve"), "{out}");
    assert_eq!(mode(&config), 0o600);
    let text = std::fs::read_to_string(&config).unwrap();
    let parsed = labdeck::config::Config::parse(&text, &config).unwrap();
    assert_eq!(parsed.database_url.as_deref(), Some(db.as_str()));

    // The config alone now leads to the database with the admin in it.
    let list = ok(&run(h, &["--config", cfg, "user", "list", "--json"], None));
    let users: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["username"], "alice");
    assert_eq!(users[0]["role"], "admin");

    // A second init does not overwrite the config.
    let e = err(&run(h, &["--config", cfg, "init", "--admin", "bob"], None));
    assert!(e.contains("already exists") && e.contains("--force"), "{e}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    // --force rewrites it, and an existing database keeps its accounts.
    let out = ok(&run(h, &["--config", cfg, "--database-url", &db, "init", "--admin", "bob", "--force"], None));
    assert!(out.contains("already has 1 account(s); no admin created"), "{out}");
}

/// At a terminal, `init` asks for what the flags did not say.
#[test]
fn init_asks_at_a_terminal() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let config = h.join("conf/config.toml");
    let t = common::tmux::Tmux::start(&format!("--config {} init", config.display()));
    t.wait_for("database URL [sqlite://");
    let db = format!("sqlite://{}/db/labdeck.db", h.display());
    t.text(&db);
    t.keys(&["Enter"]);
    t.wait_for("username of the first admin:");
    t.text("carol");
    t.keys(&["Enter"]);
    let screen = t.wait_for("EXITED:");
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert!(screen.contains("created admin carol") && screen.contains("temporary password"), "{screen}");
    let list = ok(&run(h, &["--config", config.to_str().unwrap(), "user", "list", "--json"], None));
    assert!(list.contains("\"carol\""), "{list}");
    assert!(h.join("db/labdeck.db").exists());
}

#[test]
fn logs_says_where_the_logs_are() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let out = ok(&run(h, &["logs", "--tail", "3"], None));
    let dir = h.join("state/labdeck");
    assert!(out.starts_with(&format!("logs: {}", dir.display())), "{out}");
    assert!(out.contains(&format!("{}/labdeck.", dir.display())), "today's file is listed: {out}");
    assert!(out.contains("--- last 3 lines of"), "{out}");
}

#[test]
fn man_page_and_completions_come_from_the_clap_definitions() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let man = ok(&run(h, &["generate", "man"], None));
    assert!(man.contains(".TH labdeck 1"), "{}", &man[..man.len().min(300)]);
    assert!(man.contains("init") && man.contains("bookings"), "subcommands are listed");
    let bash = ok(&run(h, &["generate", "completions", "bash"], None));
    assert!(bash.contains("_labdeck()") && bash.contains("export"), "{}", &bash[..bash.len().min(300)]);
    let zsh = ok(&run(h, &["generate", "completions", "zsh"], None));
    assert!(zsh.starts_with("#compdef labdeck"), "{}", &zsh[..zsh.len().min(100)]);
    let e = String::from_utf8_lossy(&run(h, &["generate", "completions", "tcsh"], None).stderr).to_string();
    assert!(e.contains("invalid value 'tcsh'"), "{e}");
}

#[test]
fn messages_a_new_user_met() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    // bookings export without a format names both.
    let e = String::from_utf8_lossy(&run(h, &["--database-url", &db, "bookings", "export"], None).stderr).to_string();
    assert!(e.contains("--ics") && e.contains("--csv"), "{e}");
    // An unknown invitation code says what to check, not "… not found".
    let e = err(&run(
        h,
        &["--database-url", &db, "accept", "NOTACODE", "--username", "eve", "--password-stdin"],
        Some("long enough password\n"),
    ));
    assert!(e.contains("no valid invitation has that code") && !e.contains("not found"), "{e}");
    // user list lines up whatever the lengths of names and roles.
    for (name, role) in [("a-rather-long-username", "approver"), ("bo", "admin"), ("cy", "student")] {
        ok(&run(h, &["--database-url", &db, "user", "add", name, "--role", role], None));
    }
    let list = ok(&run(h, &["--database-url", &db, "user", "list"], None));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 4, "{list}");
    let at = |col: &str| lines[0].find(col).unwrap();
    for line in &lines {
        for col in ["ROLE", "STATUS"] {
            let i = at(col);
            assert!(line.as_bytes()[i - 1] == b' ' && line.as_bytes()[i] != b' ', "{col} misaligned:\n{list}");
        }
    }
}

// `vm start demo 99999`: a guest that never existed is called that, and when Proxmox cannot
// be asked the message says so instead of "no longer in the inventory".
both!(an_unknown_vmid_is_named_as_unknown, |store: Store| async move {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let svc = common::services(&store);
    let sim = labdeck::engine::demo_sim::start(&svc, 3).await.unwrap();
    let cluster = store.cluster_access_all().await.unwrap()[0].cluster.id;
    let actor = Actor::system("cli:test");
    let lines = labdeck::engine::guests_act(&svc, &actor, &[(cluster, 99999)], &GuestOp::Start).await.unwrap();
    match &lines[0].outcome {
        BulkOutcome::Failed(why) => {
            assert_eq!(why, "no guest 99999 on demo: neither the inventory nor Proxmox knows it")
        }
        other => panic!("{other:?}"),
    }
    sim.shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let lines = labdeck::engine::guests_act(&svc, &actor, &[(cluster, 99999)], &GuestOp::Start).await.unwrap();
    match &lines[0].outcome {
        BulkOutcome::Failed(why) => {
            assert!(why.starts_with("not in the inventory, and Proxmox could not be asked ("), "{why}")
        }
        other => panic!("{other:?}"),
    }
});
