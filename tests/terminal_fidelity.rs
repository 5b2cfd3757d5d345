//! What the terminal shows is exactly the frame: the real event loop and writer, a demo
//! database with the simulator polled under the screen, and random sequences of what a
//! person does (tabs, overlays, palette, filters with wide and odd characters, scrolling,
//! sign-in and out, data changing, resizes down to 1×1). After every frame the VT
//! emulator's screen must equal ratatui's buffer, chars and styles.

mod common;
#[path = "common/vt.rs"]
mod vt;

use crossterm::event::KeyCode;
use labdeck::tui::screens::gate::DemoAccount;
use labdeck::tui::theme::Theme;
use proptest::prelude::*;
use std::time::Duration;
use vt::VtConsole;

#[derive(Debug, Clone)]
enum Step {
    Key(KeyCode),
    /// `/`, the text, then Enter or Esc.
    Filter(String, bool),
    /// `:`, a command, Enter.
    Palette(&'static str),
    /// `?` (closed by a later Esc, or left open).
    Help,
    Resize(u16, u16),
    /// Someone else writes: a notification for everyone.
    DataChanges,
    Repaint,
    SignOutAndIn(usize),
}

const KEYS: &[KeyCode] = &[
    KeyCode::Tab,
    KeyCode::BackTab,
    KeyCode::Char('['),
    KeyCode::Char(']'),
    KeyCode::Char('j'),
    KeyCode::Char('k'),
    KeyCode::Down,
    KeyCode::Up,
    KeyCode::PageDown,
    KeyCode::PageUp,
    KeyCode::Home,
    KeyCode::End,
    KeyCode::Enter,
    KeyCode::Esc,
    KeyCode::Char(' '),
];

/// Places the palette reaches (no command that acts on a guest or quits).
const PLACES: &[&str] = &[
    "inventory",
    "tasks",
    "isos",
    "templates",
    "bookings",
    "approvals",
    "devices",
    "support",
    "classes",
    "admin",
    "me",
    "users",
    "invitations",
    "roles",
    "settings",
    "audit",
    "refresh",
    "help",
];

/// Filter text: plain, CJK, emoji (with ZWJ and skin tones), combining marks, tabs, Bidi
/// and invisible characters, as people paste them.
fn odd_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "web",
        "lab",
        "1",
        "ü",
        "学生",
        "日本語",
        "😀",
        "👩‍💻",
        "👍🏽",
        "🇩🇪",
        "e\u{301}",
        "\t",
        "\u{61c}",
        "\u{200b}",
        "\u{ad}",
        "\u{3164}",
        "ａｂ",
        "한국",
        "x\u{20dd}",
        "\u{202e}rtl",
    ]);
    prop::collection::vec(pieces, 1..5).prop_map(|v| v.concat())
}

fn step(accounts: usize) -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => prop::sample::select(KEYS).prop_map(Step::Key),
        2 => (odd_text(), any::<bool>()).prop_map(|(t, enter)| Step::Filter(t, enter)),
        2 => prop::sample::select(PLACES).prop_map(Step::Palette),
        1 => Just(Step::Help),
        2 => prop_oneof![
            (1u16..=220, 1u16..=70),
            Just((1u16, 1u16)),
            Just((80u16, 24u16)),
            Just((40u16, 10u16)),
            Just((200u16, 60u16)),
        ].prop_map(|(w, h)| Step::Resize(w, h)),
        1 => Just(Step::DataChanges),
        1 => Just(Step::Repaint),
        1 => (0..accounts).prop_map(Step::SignOutAndIn),
    ]
}

fn sign_in(c: &mut VtConsole, account: &DemoAccount) -> Result<(), String> {
    c.wait_for("sign in", Duration::from_secs(10))?;
    c.text(&account.username);
    c.key(KeyCode::Tab);
    c.text(&account.password);
    c.key(KeyCode::Enter);
    // The shell's title bar: tabs, and the palette's key.
    c.wait_for(": command", Duration::from_secs(10))
}

async fn run_steps(steps: Vec<Step>) -> Result<usize, String> {
    let b = common::sqlite().await;
    let svc = common::services(&b.store);
    let accounts = labdeck::demo::seed(&svc).await.map_err(|e| e.to_string())?;
    let sim = labdeck::engine::demo_sim::start(&svc, 40).await.map_err(|e| e.to_string())?;
    let users = b.store.list_users(&labdeck::domain::rbac::Actor::system("test")).await.map_err(|e| e.to_string())?;
    let mut c = VtConsole::start(svc, accounts.clone(), 120, 40, Theme::default());
    let result = async {
        sign_in(&mut c, &accounts[0])?;
        for (i, s) in steps.iter().enumerate() {
            let at = |e: String| format!("step {i} {s:?}: {e}");
            match s {
                Step::Key(k) => c.key(*k),
                Step::Filter(t, enter) => {
                    c.key(KeyCode::Char('/'));
                    c.text(t);
                    c.key(if *enter { KeyCode::Enter } else { KeyCode::Esc });
                }
                Step::Palette(p) => {
                    c.key(KeyCode::Char(':'));
                    c.text(p);
                    c.key(KeyCode::Enter);
                }
                Step::Help => c.key(KeyCode::Char('?')),
                Step::Resize(w, h) => c.resize(*w, *h).map_err(at)?,
                Step::DataChanges => {
                    for u in &users {
                        b.store
                            .notify(u.id, "info", "fidelity: data changed 學生 👩‍💻", None)
                            .await
                            .map_err(|e| at(e.to_string()))?;
                    }
                }
                Step::Repaint => c.ctrl('l'),
                Step::SignOutAndIn(n) => {
                    // Close whatever is open, then sign out through the palette.
                    c.key(KeyCode::Esc);
                    c.key(KeyCode::Esc);
                    c.key(KeyCode::Char(':'));
                    c.text("signout");
                    c.key(KeyCode::Enter);
                    // Too small a terminal shows no form to type into: grow it first.
                    c.resize(120, 40).map_err(at)?;
                    sign_in(&mut c, &accounts[n % accounts.len()]).map_err(at)?;
                }
            }
            c.settle(Duration::from_millis(30)).map_err(at)?;
        }
        Ok::<_, String>(c.frames_checked)
    }
    .await;
    let ended = c.quit().await;
    drop(sim);
    match (result, ended) {
        (Ok(checked), Ok(())) => Ok(checked),
        (Ok(_), Err(e)) => Err(format!("the console failed: {e:#}")),
        (Err(e), ended) => Err(format!("{e}\n(the console's loop ended with {ended:?})")),
    }
}

/// Steps per case × cases ≥ 1,000 random steps a run.
const STEPS: usize = 260;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, max_shrink_iters: 0, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_terminal_always_shows_exactly_the_frame(steps in prop::collection::vec(step(10), STEPS)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let checked = rt.block_on(run_steps(steps));
        prop_assert!(checked.is_ok(), "{}", checked.unwrap_err());
        prop_assert!(checked.unwrap() > 20, "frames were compared");
    }
}

/// The defect that leaked demo passwords into the guest table: the first frames after the
/// sign-in screen left its cells on the terminal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_in_leaves_nothing_of_the_sign_in_screen() {
    let checked = run_steps(vec![Step::Key(KeyCode::Tab), Step::Help, Step::Key(KeyCode::Esc)]).await;
    assert!(checked.is_ok(), "{}", checked.unwrap_err());
}
