//! End to end over SSH, with the real OpenSSH client in tmux: `labdeck serve --ssh` on the
//! demo's database (the demo console in another tmux window keeps the Proxmox simulator
//! running). Ada signs in with her key, starts a VM, and her screen follows a resize; a
//! wrong key and a locked account are refused; a visitor chats as `chat@` with Sue, who
//! answers in the demo console; garbage and a client without a terminal get clean refusals.

mod common;

use common::tmux::{Tmux, demo_password};
use labdeck::store::testing::TempDir;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `labdeck serve --ssh 127.0.0.1:0` on `db`; stopped when dropped.
struct Serve {
    child: Child,
    port: u16,
}

impl Serve {
    /// `demo`: the demo console whose data directory (and so secret key) the server shares,
    /// as a console and a server of one installation do.
    fn start(db: &str, home: &TempDir, demo: &Tmux) -> Serve {
        let h = home.path.display();
        let mut child = Command::new(env!("CARGO_BIN_EXE_labdeck"))
            .args(["--database-url", db, "serve", "--ssh", "127.0.0.1:0"])
            .env("XDG_DATA_HOME", format!("{}/data", demo.home.path.display()))
            .env("XDG_STATE_HOME", format!("{h}/serve-state"))
            .env("XDG_CONFIG_HOME", format!("{h}/serve-config"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("labdeck serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
        let port = loop {
            let line = lines.next().expect("serve prints its address").unwrap();
            if let Some(rest) = line.strip_prefix("console over SSH on 127.0.0.1:") {
                break rest.split(':').next().unwrap().parse().unwrap();
            }
        };
        Serve { child, port }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn cli(db: &str, home: &TempDir, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(["--database-url", db])
        .args(args)
        .env("XDG_STATE_HOME", format!("{}/cli-state", home.path.display()))
        .env("XDG_CONFIG_HOME", format!("{}/cli-config", home.path.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "labdeck {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// A fresh Ed25519 key pair; returns the private key's path (the public one is `.pub`).
fn keygen(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen is installed (openssh-client; .ci/run installs it)");
    assert!(ok.success());
    path
}

const SSH_OPTS: &str = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR";

/// `ssh` without a terminal, for the refusals: `options` before the host, `command` after.
fn ssh_batch(port: u16, key: &Path, user: &str, options: &[&str], command: &[&str]) -> Output {
    Command::new("ssh")
        .args(SSH_OPTS.split(' '))
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "ConnectTimeout=10",
            "-p",
            &port.to_string(),
            "-i",
        ])
        .arg(key)
        .args(options)
        .arg(format!("{user}@127.0.0.1"))
        .args(command)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The demo console (with its simulator) on a database in `home`.
fn demo(home: &TempDir) -> (Tmux, String, String) {
    let db = format!("sqlite://{}/demo.db", home.path.display());
    let t = Tmux::start(&format!("--database-url {db} demo"));
    let screen = t.wait_for("demo accounts");
    (t, db, screen)
}

#[test]
fn ada_works_over_ssh_with_her_key_and_wrong_keys_and_locked_accounts_are_refused() {
    let home = TempDir::new();
    let (demo_console, db, _) = demo(&home);
    let keys = home.path.join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    let (ada, bob, stranger) = (keygen(&keys, "ada"), keygen(&keys, "otto"), keygen(&keys, "stranger"));
    let added = cli(&db, &home, &["user", "key", "add", "ada", &format!("{}.pub", ada.display())]);
    assert!(String::from_utf8_lossy(&added.stdout).contains("added SHA256:"));
    cli(&db, &home, &["user", "key", "add", "otto", &format!("{}.pub", bob.display())]);
    let listed = cli(&db, &home, &["user", "key", "list", "ada"]);
    assert!(String::from_utf8_lossy(&listed.stdout).contains("ssh-ed25519"));
    let serve = Serve::start(&db, &home, &demo_console);

    // Ada's console, signed in by her key: no password asked.
    let cmd = format!("ssh -tt {SSH_OPTS} -o IdentitiesOnly=yes -i {} -p {} ada@127.0.0.1", ada.display(), serve.port);
    let t = Tmux::shell(TempDir::new(), &cmd, (200, 60));
    t.wait_for("44 guests");
    t.keys(&["/"]);
    t.text("name:lab-01 status:stopped");
    t.keys(&["Enter"]);
    t.wait_for("guests (1/44)");
    t.keys(&["Escape"]);
    t.keys(&["s"]);
    t.wait_for("lab-01 (105) submitted");

    // A resize re-lays the screen: the status bar moves to the new last row.
    t.resize(100, 30);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let screen = t.screen();
        let lines: Vec<&str> = screen.lines().collect();
        let last = lines.iter().rev().find(|l| !l.trim().is_empty()).copied().unwrap_or("");
        if lines.len() <= 30 && last.contains("sqlite") && lines.iter().all(|l| l.chars().count() <= 100) {
            break;
        }
        assert!(Instant::now() < deadline, "the screen was not re-laid at 100×30:\n{screen}");
        std::thread::sleep(Duration::from_millis(200));
    }
    t.keys(&["q"]);
    t.wait_for("EXITED:0");

    // A key nobody added, and the key of a locked account, are refused.
    let wrong = ssh_batch(serve.port, &stranger, "ada", &[], &["true"]);
    assert_eq!(wrong.status.code(), Some(255));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("Permission denied"), "{wrong:?}");
    let not_hers = ssh_batch(serve.port, &bob, "ada", &[], &["true"]);
    assert!(String::from_utf8_lossy(&not_hers.stderr).contains("Permission denied"), "{not_hers:?}");
    cli(&db, &home, &["user", "lock", "otto"]);
    let locked = ssh_batch(serve.port, &bob, "otto", &[], &["true"]);
    assert!(String::from_utf8_lossy(&locked.stderr).contains("Permission denied"), "{locked:?}");

    // No terminal (no pty-req): a clear message and exit status 1.
    let no_pty = ssh_batch(serve.port, &ada, "ada", &["-T"], &[]);
    assert_eq!(no_pty.status.code(), Some(1), "{no_pty:?}");
    assert!(String::from_utf8_lossy(&no_pty.stdout).contains("needs a terminal"), "{no_pty:?}");

    // Garbage on the socket is closed; the server keeps serving.
    let mut sock = std::net::TcpStream::connect(("127.0.0.1", serve.port)).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let _ = sock.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage\r\n");
    let mut seen = Vec::new();
    let _ = sock.read_to_end(&mut seen);
    assert!(String::from_utf8_lossy(&seen).starts_with("SSH-2.0-labdeck"), "{seen:?}");
    let again = ssh_batch(serve.port, &ada, "ada", &["-T"], &[]);
    assert!(String::from_utf8_lossy(&again.stdout).contains("needs a terminal"), "{again:?}");
}

#[test]
fn a_visitor_chats_as_chat_at_with_sue_in_the_console() {
    let home = TempDir::new();
    let (t, db, screen) = demo(&home);
    let password = demo_password(&screen, "support", "sue");
    let serve = Serve::start(&db, &home, &t);

    // The visitor: no account, no key; the form, then the chat.
    let cmd = format!("ssh -tt {SSH_OPTS} -o PubkeyAuthentication=no -p {} chat@127.0.0.1", serve.port);
    let v = Tmux::shell(TempDir::new(), &cmd, (100, 30));
    v.wait_for("talk to support");
    v.text("Eve Visitor");
    v.keys(&["Tab"]);
    v.text("eve@example.com");
    v.keys(&["Tab"]);
    v.text("Lost in the lab");
    v.keys(&["Tab"]);
    v.text("Where is room 4.12?");
    v.keys(&["Enter"]);
    let chat = v.wait_for("waiting for a rep");
    let reference = chat
        .split_whitespace()
        .find(|w| w.starts_with("PS-"))
        .unwrap_or_else(|| panic!("no reference on the visitor's screen:\n{chat}"))
        .to_string();
    v.wait_for("you: Where is room 4.12?");

    // Sue, in the demo console, claims the chat and answers.
    t.text("sue");
    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    // A rep lands on Support (issue 14 #16).
    t.wait_for("live chats");
    t.keys(&[":"]);
    t.text("support");
    t.keys(&["Enter"]);
    t.wait_for("Lost in the lab");
    t.keys(&["/"]);
    t.text(&reference);
    t.keys(&["Enter"]);
    t.wait_for("live chats (1/");
    t.keys(&["C"]);
    t.wait_for("Chat claimed");
    t.wait_for("with Sue Support");
    t.keys(&["Enter"]);
    t.wait_for("reply: enter sends");
    t.text("Hi Eve, Sue here. Fourth floor.");
    t.keys(&["Enter"]);

    // Both sides see both messages.
    v.wait_for("with Sue Support");
    v.wait_for("Sue Support: Hi Eve, Sue here. Fourth floor.");
    v.text("Thanks!");
    v.keys(&["Enter"]);
    v.wait_for("you: Thanks!");
    t.wait_for("Eve Visitor: Thanks!");

    // Sue closes the chat; the visitor sees the reference, leaves, and keeps it on screen.
    t.keys(&["Escape"]);
    t.keys(&["X"]);
    t.wait_for(&format!("Close the chat {reference}"));
    t.keys(&["y"]);
    v.wait_for(&format!("Chat closed. Your reference is {reference}"));
    v.keys(&["Enter"]);
    let end = v.wait_for("EXITED:0");
    assert!(end.contains(&format!("reference is {reference}")), "{end}");
}
