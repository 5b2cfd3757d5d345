//! The whole program in a real terminal (tmux), driven as a person would: start the demo,
//! fail and then succeed to sign in, open every tab and the help, quit, and find the
//! terminal back to normal.

mod common;

use common::tmux::{Tmux, demo_password, sign_in};
use std::time::{Duration, Instant};

#[test]
fn demo_sign_in_every_tab_help_and_a_clean_exit() {
    let t = Tmux::start("demo");
    let screen = t.wait_for("demo accounts");
    let password = demo_password(&screen, "admin", "ada");
    assert_eq!(t.format("#{alternate_on}"), "1", "the console draws on the alternate screen");

    // A wrong password: one clear message, and the form is still there.
    t.text("ada");
    t.keys(&["Tab"]);
    t.text("not the password");
    t.keys(&["Enter"]);
    t.wait_for("Invalid username or password.");

    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    // An admin lands on the Inventory, fed by the poller from the built-in simulator.
    t.wait_for(" · 44 guests, ");
    t.keys(&["Tab"]);
    t.wait_for("classes (2)");
    t.keys(&["Tab"]);
    t.wait_for(" week ");
    t.keys(&[":"]);
    t.text("admin");
    t.keys(&["Enter"]);
    let admin = t.wait_for("users (10)");
    for name in ["tess", "april", "vic"] {
        assert!(admin.contains(name), "{name} listed");
    }

    // Every section of Admin, then every tab.
    for section in ["invitations (3)", "permissions by role", "Proxmox clusters (1)", "settings (", "audit log ("] {
        t.keys(&["]"]);
        t.wait_for(section);
    }
    let audit = t.wait_for("sign_in");
    assert!(audit.contains("failure") && audit.contains("success"), "both sign-ins are audited:\n{audit}");
    t.keys(&[":"]);
    t.text("me");
    t.keys(&["Enter"]);
    t.wait_for("notifications (");
    t.wait_for("Welcome to labdeck, Ada Lovelace");

    t.keys(&["?"]);
    t.wait_for("keys: me");
    t.keys(&["Escape"]);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!t.screen().contains("keys: me"), "esc closes help");

    // The palette reaches the audit log from anywhere.
    t.keys(&[":"]);
    t.text("audit");
    t.keys(&["Enter"]);
    t.wait_for("audit log (");

    t.keys(&["q"]);
    let after = t.wait_for("EXITED:0");
    assert_eq!(t.format("#{alternate_on}"), "0", "the alternate screen is left");
    assert_eq!(t.format("#{cursor_flag}"), "1", "the cursor is visible again");
    assert!(after.contains("accounts (passwords are shown this once)"), "the scrollback is intact:\n{after}");
}

#[test]
fn a_corrupt_config_is_reported_without_starting() {
    let t = Tmux::start("--config /dev/null/nope.toml");
    let s = t.wait_for("EXITED:1");
    assert!(s.contains("/dev/null/nope.toml: cannot read"), "{s}");
    assert_eq!(t.format("#{alternate_on}"), "0");
}

/// The demo's Inventory as an operator: start a stopped guest, watch its task, see it
/// running with an IP from the guest agent.
#[test]
fn inventory_start_a_guest_and_see_it_running_with_an_ip() {
    let t = sign_in("operator", "otto");
    t.wait_for(" · 44 guests, ");
    t.keys(&["/"]);
    t.text("name:lab-01 status:stopped");
    t.keys(&["Enter"]);
    let row = |s: &str| s.lines().find(|l| l.contains(" 105 ")).unwrap_or("").to_string();
    assert!(row(&t.wait_for("guests (1/44)")).contains("stopped"));
    t.keys(&["Escape"]);
    t.keys(&["s"]);
    t.wait_for("lab-01 (105) submitted");
    // The task: running, then OK.
    t.keys(&["]"]);
    let tasks = t.wait_for("guest_start");
    assert!(tasks.contains("105"), "{tasks}");
    t.wait_for("OK");
    t.keys(&["["]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let r = row(&t.screen());
        if r.contains("running") && r.contains("127.100.") {
            break;
        }
        assert!(Instant::now() < deadline, "lab-01 never showed running with an IP: {r}");
        std::thread::sleep(Duration::from_millis(250));
    }
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}

/// What tmux shows equals the frame the console last sent, cell for cell, on every tab, view
/// and overlay: no stray characters from an earlier screen (the sign-in screen's passwords
/// once showed through the guest table), the status bar on the last row.
#[test]
fn the_pane_shows_exactly_the_frame_on_every_tab_view_and_overlay() {
    let dir = labdeck::store::testing::TempDir::new();
    let dump = dir.path.join("frame.txt");
    let t = Tmux::start_with_env(&format!("LABDECK_FRAME_DUMP={}", dump.display()), "demo");
    let screen = t.wait_for("demo accounts");
    let password = demo_password(&screen, "admin", "ada");
    same_as_frame(&t, &dump, "the sign-in screen");
    t.text("ada");
    t.keys(&["Tab"]);
    t.text(&password);
    t.keys(&["Enter"]);
    t.wait_for("demo       ");
    let pane = same_as_frame(&t, &dump, "the first screen after signing in");
    assert!(!pane.contains(&password), "no password on the console:\n{pane}");
    let last = pane.lines().last().unwrap_or_default();
    assert!(last.contains("ada") && last.contains("admin"), "the status bar is the last row:\n{pane}");

    for tab in ["Inventory", "Classes", "Bookings", "Support", "Admin", "Infrastructure", "Me"] {
        for view in 0..6 {
            same_as_frame(&t, &dump, &format!("{tab}, view {view}"));
            t.keys(&["]"]);
        }
        t.keys(&["?"]);
        same_as_frame(&t, &dump, &format!("{tab} with help open"));
        t.keys(&["Escape"]);
        t.keys(&[":"]);
        same_as_frame(&t, &dump, &format!("{tab} with the palette open"));
        t.keys(&["Escape"]);
        t.keys(&["Tab"]);
    }
    t.keys(&["C-l"]);
    same_as_frame(&t, &dump, "after Ctrl-L");
    t.keys(&["q"]);
    t.wait_for("EXITED:0");
}

/// Wait until the pane and the last frame sent agree (both settle within moments of a key),
/// and return the pane; fail with both when they never do.
fn same_as_frame(t: &Tmux, dump: &std::path::Path, when: &str) -> String {
    let trimmed = |s: &str| s.lines().map(str::trim_end).collect::<Vec<_>>().join("\n").trim_end().to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        std::thread::sleep(Duration::from_millis(150));
        let frame = std::fs::read_to_string(dump).unwrap_or_default();
        let pane = t.screen();
        if !frame.is_empty() && trimmed(&frame) == trimmed(&pane) {
            return pane;
        }
        assert!(Instant::now() < deadline, "{when}: the pane differs from the frame.\npane:\n{pane}\nframe:\n{frame}");
    }
}
