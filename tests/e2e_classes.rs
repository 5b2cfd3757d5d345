//! Classes in a real terminal (tmux), on the demo's simulator: a teacher creates a class and
//! deploys a pool of three, issues a join code; a student joins with it, sees the VM, starts
//! it; the teacher's table shows it running with its IP. One demo process, so one database:
//! people take turns at the keyboard (sign out, sign in).

mod common;

use common::tmux::{Tmux, demo_password};
use std::time::{Duration, Instant};

/// Wait longer than `Tmux::wait_for` (a deployment and a boot take their time).
fn wait_long(t: &Tmux, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let s = t.screen();
        if s.contains(needle) {
            return s;
        }
        assert!(Instant::now() < deadline, "waited {secs} s for {needle:?}; the screen shows:\n{s}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn sign_in(t: &Tmux, user: &str, password: &str) {
    t.wait_for("demo accounts");
    t.text(user);
    t.keys(&["Tab"]);
    t.text(password);
    t.keys(&["Enter"]);
}

fn sign_out(t: &Tmux) {
    t.keys(&[":"]);
    t.text("signout");
    t.keys(&["Enter"]);
}

/// The row of the VM table that mentions `needle`.
fn row<'a>(screen: &'a str, needle: &str) -> &'a str {
    screen.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no row with {needle:?}:\n{screen}"))
}

#[test]
fn teacher_deploys_student_joins_and_starts_teacher_sees_it_running() {
    let t = Tmux::start("demo");
    let screen = t.wait_for("demo accounts");
    let tess = demo_password(&screen, "teacher", "tess");
    let sam = demo_password(&screen, "student", "sam");

    // Tess creates "Ops Lab": template ubuntu-2404-base (9000), three student VMs, any time of day.
    sign_in(&t, "tess", &tess);
    t.wait_for("classes (2)");
    t.keys(&["n"]);
    t.wait_for("new class");
    // Tab moves between fields; Enter submits from any of them (issue 14 #8).
    t.text("Ops Lab");
    t.keys(&["Tab", "Tab"]);
    // The template is picked from the list: 'u' picks ubuntu-2404-base (9000).
    t.text("u");
    t.keys(&["Tab"]);
    t.text("pve1");
    t.keys(&["Tab", "C-u"]);
    t.text("3");
    t.keys(&["Tab", "Tab", "Tab", "Tab", "C-u", "Enter"]);
    t.wait_for("Class Ops Lab created");
    t.wait_for("classes (3)");
    t.keys(&["/"]);
    t.text("ops");
    t.keys(&["Enter", "d"]);
    t.wait_for("Deploy Ops Lab: a teacher VM and 3 student VMs");
    t.keys(&["y"]);
    let list = wait_long(&t, "done", 60);
    assert!(row(&list, "Ops Lab").contains("3/3"), "{list}");

    // A join code, shown once with the command to send.
    t.keys(&["i"]);
    t.wait_for("join code for Ops Lab");
    t.keys(&["Enter"]);
    let shown = t.wait_for("labdeck join ");
    let code: String = shown
        .split("labdeck join ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map(|c| c.trim_end_matches(['.', '│']).to_string())
        .unwrap_or_default();
    assert_eq!(code.len(), 11, "a code like ABCDE-FGHJK: {shown}");
    t.keys(&["Escape"]);
    sign_out(&t);

    // Sam joins with the code, sees his VM in the class, and starts it.
    sign_in(&t, "sam", &sam);
    t.wait_for("classes (2)");
    t.keys(&[":"]);
    t.text(&format!("join {code}"));
    t.keys(&["Enter"]);
    t.wait_for("You joined Ops Lab: VM ol-student-01");
    t.wait_for("classes (3)");
    t.keys(&["/"]);
    t.text("ops");
    t.keys(&["Enter", "Enter"]);
    let mine = t.wait_for("ol-student-01");
    assert!(mine.contains("VMs (1)"), "a student sees only their own VM:\n{mine}");
    t.keys(&["s"]);
    t.wait_for("submitted");
    let running = wait_long(&t, "ssh sam@", 60);
    assert!(row(&running, "ol-student-01").contains("running"), "{running}");
    t.keys(&["Escape", "Escape"]);
    sign_out(&t);

    // Tess sees Sam's VM running, with its IP and how to connect.
    sign_in(&t, "tess", &tess);
    t.wait_for("classes (3)");
    t.keys(&["/"]);
    t.text("ops");
    t.keys(&["Enter", "Enter"]);
    let table = t.wait_for("ol-student-01");
    let line = row(&table, "ol-student-01");
    assert!(line.contains("sam") && line.contains("running") && line.contains("ssh sam@"), "{table}");
    let ip = line.split("ssh sam@").nth(1).and_then(|r| r.split_whitespace().next()).unwrap_or_default();
    assert!(ip.split('.').count() == 4, "an IPv4 address: {line}");
    assert!(line.contains(ip), "{line}");
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}
