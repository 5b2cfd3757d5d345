//! The command line with bad input: one clear message, a failure exit code, nothing written.

use std::process::{Command, Output};

fn labdeck(home: &std::path::Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labdeck"));
    cmd.args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove("LABDECK_DATABASE_URL");
    match stdin {
        Some(input) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
            child.wait_with_output().unwrap()
        }
        None => cmd.output().unwrap(),
    }
}

fn err(o: &Output) -> String {
    assert!(!o.status.success(), "expected a failure; stdout: {}", String::from_utf8_lossy(&o.stdout));
    let e = String::from_utf8_lossy(&o.stderr).trim().to_string();
    assert_eq!(e.lines().count(), 1, "one clear message, got:\n{e}");
    e
}

#[test]
fn bad_input_gets_one_clear_message() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());

    let e = err(&labdeck(h, &["--database-url", "postgres://nobody@127.0.0.1:1/x", "db", "status"], None));
    assert!(e.contains("cannot open the database at postgres://nobody@127.0.0.1:1/x") && e.contains("refused"), "{e}");
    let e = err(&labdeck(h, &["--database-url", "postgres://u:s3cret@127.0.0.1:1/x", "db", "status"], None));
    assert!(!e.contains("s3cret"), "passwords never reach messages: {e}");
    let e = err(&labdeck(h, &["--database-url", "sqlite:///proc/labdeck/x.db", "db", "status"], None));
    assert!(e.contains("cannot create directory /proc/labdeck"), "{e}");
    std::fs::write(h.join("junk.db"), "not a database").unwrap();
    let e = err(&labdeck(h, &["--database-url", &format!("sqlite://{}/junk.db", h.display()), "db", "status"], None));
    assert!(e.contains("file is not a database"), "{e}");

    std::fs::write(h.join("bad.toml"), "[ui]\nclock = \"yes\"\n").unwrap();
    let e = err(&labdeck(h, &["--config", h.join("bad.toml").to_str().unwrap(), "db", "status"], None));
    assert!(e.contains("bad.toml, line 2: ui.clock:"), "{e}");

    let e = err(&labdeck(h, &["--database-url", &db, "user", "add", "bob", "--role", "wizard"], None));
    assert!(e.contains("unknown role 'wizard'"), "{e}");
    let e = err(&labdeck(h, &["--database-url", &db, "user", "add", "bob", "--password-stdin"], Some("short\n")));
    assert!(e.contains("at least 10 characters"), "{e}");
    let e = err(&labdeck(h, &["--database-url", &db, "user", "lock", "nobody"], None));
    assert!(e.contains("no user named 'nobody'"), "{e}");
    let e = err(&labdeck(
        h,
        &["--database-url", &db, "accept", "NOTACODE", "--username", "eve", "--password-stdin"],
        Some("long enough password\n"),
    ));
    assert!(e.contains("valid invitation"), "{e}");
    let list = labdeck(h, &["--database-url", &db, "user", "list", "--json"], None);
    assert_eq!(String::from_utf8_lossy(&list.stdout).trim(), "[]", "nothing was half-written");

    // The console without a terminal (piped, as from cron): a message, not a panic.
    let e = err(&labdeck(h, &["--database-url", &db], Some("")));
    assert!(e.contains("needs a terminal") && !e.contains("panicked"), "{e}");
}

#[test]
fn accounts_can_be_scripted() {
    let home = labdeck::store::testing::TempDir::new();
    let h = &home.path;
    let db = format!("sqlite://{}/t.db", h.display());
    let out = labdeck(
        h,
        &["--database-url", &db, "user", "add", "Root", "--role", "admin", "--password-stdin"],
        Some("a long admin password\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = labdeck(h, &["--database-url", &db, "user", "add", "kim"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("temporary password"));
    assert!(labdeck(h, &["--database-url", &db, "user", "lock", "kim"], None).status.success());
    let list = String::from_utf8_lossy(&labdeck(h, &["--database-url", &db, "user", "list", "--json"], None).stdout)
        .to_string();
    let users: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(users[0]["username"], "kim");
    assert_eq!(users[0]["status"], "locked");
    assert_eq!(users[1]["role"], "admin");
    let status =
        String::from_utf8_lossy(&labdeck(h, &["--database-url", &db, "db", "status"], None).stdout).to_string();
    assert!(status.contains("backend: sqlite") && !status.contains("pending"), "{status}");
}
