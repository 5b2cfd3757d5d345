//! The SSH front door's screens without a terminal: the visitor's chat (`ssh chat@host`),
//! a console opened already signed in, and the Me tab's SSH keys.

mod common;

use chrono::{TimeZone, Utc};
use common::ui::{answer, chars, key, signed_in, user};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::engine::accounts::Session;
use labdeck::engine::read::ssh::SshKey;
use labdeck::engine::read::support::{VisitorMessage, VisitorSession};
use labdeck::engine::visitor::{VisitorOp, VisitorOut};
use labdeck::engine::{AccountOp, Command, Event, Op, Reply, Secret};
use labdeck::tui::app::{App, Overlay, Phase};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::theme::Theme;
use labdeck::tui::visitor::VisitorChat;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

fn draw(chat: &VisitorChat, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| chat.view(f)).unwrap();
    format!("{}", t.backend())
}

fn press(chat: &mut VisitorChat, code: KeyCode) {
    chat.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(chat: &mut VisitorChat, s: &str) {
    for c in s.chars() {
        press(chat, KeyCode::Char(c));
    }
}

fn session(status: &str, rep: Option<&str>) -> VisitorSession {
    let at = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
    VisitorSession {
        id: Uuid::from_u128(1),
        reference: "PS-7QK2M9".into(),
        visitor_name: "Eve Visitor".into(),
        visitor_email: Some("eve@example.com".into()),
        visitor_phone: None,
        subject: "Lost in the lab".into(),
        status: status.into(),
        claimed_by: rep.map(|_| Uuid::from_u128(9)),
        claimed_by_name: rep.map(String::from),
        started_at: at,
        last_activity_at: at,
        closed_at: None,
        converted_user_id: None,
        converted_thread_id: None,
        messages: 0,
    }
}

fn message(n: u128, from: &str, rep: Option<&str>, text: &str) -> VisitorMessage {
    VisitorMessage {
        id: Uuid::from_u128(100 + n),
        session_id: Uuid::from_u128(1),
        sender_type: from.into(),
        rep_name: rep.map(String::from),
        content: text.into(),
        created_at: Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, n as u32).unwrap(),
    }
}

fn reply(chat: &mut VisitorChat, id: u64, out: VisitorOut) {
    chat.on_engine(Event::Reply { id: labdeck::engine::RequestId(id), reply: Reply::Visitor(Box::new(out)) });
}

#[test]
fn a_visitor_fills_the_form_chats_and_leaves_with_the_reference() {
    let mut chat = VisitorChat::new(Theme::mono(), "Northfield".into());
    insta::assert_snapshot!("visitor_form", draw(&chat, 80, 24));
    typed(&mut chat, "Eve Visitor");
    press(&mut chat, KeyCode::Tab);
    typed(&mut chat, "eve@example.com");
    press(&mut chat, KeyCode::Tab);
    typed(&mut chat, "Lost in the lab");
    // Enter goes on to the (optional) message, and sends from there.
    press(&mut chat, KeyCode::Enter);
    assert!(chat.take_commands().is_empty());
    press(&mut chat, KeyCode::Enter);
    // The form sends one anonymous start with what was typed.
    let sent = chat.take_commands();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].actor.is_none(), "a visitor has no account");
    match &sent[0].op {
        Op::Visitor(VisitorOp::Start { name, email, subject, message }) => {
            assert_eq!(
                (name.as_str(), email.as_str(), subject.as_str()),
                ("Eve Visitor", "eve@example.com", "Lost in the lab")
            );
            assert!(message.is_none());
        }
        other => panic!("{other:?}"),
    }
    // Started: the chat watches closely and asks for its messages.
    reply(
        &mut chat,
        sent[0].id.0,
        VisitorOut::Started { session: session("waiting", None), token: Secret("tok".into()) },
    );
    let sent = chat.take_commands();
    assert!(sent.iter().any(|c| matches!(c.op, Op::WatchClosely(true))));
    let poll = sent.iter().find(|c| matches!(&c.op, Op::Visitor(VisitorOp::Poll { after: None, .. }))).expect("a poll");
    let messages =
        vec![message(1, "system", None, "Sue joined the chat."), message(2, "rep", Some("Sue Support"), "Hi Eve!")];
    reply(&mut chat, poll.id.0, VisitorOut::Messages { session: session("active", Some("Sue Support")), messages });
    // A change while nothing is in flight asks again, after the last message seen.
    chat.on_engine(Event::Changed(vec![labdeck::engine::read::support::CHAT.into()]));
    let again = chat.take_commands();
    assert!(
        matches!(&again[..], [c] if matches!(&c.op, Op::Visitor(VisitorOp::Poll { after: Some(a), .. }) if *a == Uuid::from_u128(102))),
        "{again:?}"
    );
    typed(&mut chat, "Thanks");
    press(&mut chat, KeyCode::Enter);
    let sent = chat.take_commands();
    assert!(matches!(&sent[..], [c] if matches!(&c.op, Op::Visitor(VisitorOp::Send { text, .. }) if text == "Thanks")));
    reply(&mut chat, sent[0].id.0, VisitorOut::Sent(message(3, "visitor", None, "Thanks")));
    insta::assert_snapshot!("visitor_chat", draw(&chat, 80, 16));

    // The same limit as the HTTP API: ten at once, then one a second.
    for _ in 0..12 {
        typed(&mut chat, "x");
        press(&mut chat, KeyCode::Enter);
    }
    assert_eq!(chat.take_commands().len(), 9, "ten in a burst (one already sent)");
    assert!(chat.notice.as_deref().unwrap_or("").starts_with("Slow down"), "{:?}", chat.notice);

    // Closed by the rep: the reference shows, Enter leaves, the reference stays behind.
    reply(&mut chat, 99, VisitorOut::Messages { session: session("closed", Some("Sue Support")), messages: vec![] });
    let closed = draw(&chat, 80, 16);
    assert!(closed.contains("Chat closed. Your reference is PS-7QK2M9"), "{closed}");
    press(&mut chat, KeyCode::Enter);
    assert!(chat.quit);
    assert!(chat.goodbye().contains("PS-7QK2M9"));
}

#[test]
fn a_failed_start_stays_on_the_form_with_the_reason() {
    let mut chat = VisitorChat::new(Theme::mono(), "Northfield".into());
    for _ in 0..4 {
        press(&mut chat, KeyCode::Enter);
    }
    let sent = chat.take_commands();
    chat.on_engine(Event::Failed { id: sent[0].id, origin: "visitor_chat", message: "Please give your name.".into() });
    assert!(draw(&chat, 80, 24).contains("Please give your name."));
    chat.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(chat.quit, "ctrl+c leaves at any time");
}

fn ada() -> Session {
    let u = user(Uuid::from_u128(5), "ada", "Ada Lovelace", Role::Admin);
    Session { actor: Actor::with_role_defaults(u.id, &u.username, u.role), user: u }
}

#[test]
fn an_ssh_console_opens_signed_in_and_signing_out_ends_it() {
    let mut a = App::signed_in(
        Keymap::default(),
        Theme::mono(),
        "sqlite",
        "Northfield".into(),
        labdeck::config::Clock::Off,
        ada(),
    );
    assert!(matches!(a.phase, Phase::Shell(_)));
    let sent = a.take_commands();
    assert!(!sent.iter().any(|c| matches!(c.op, Op::Account(AccountOp::CheckSetup))), "no sign-in screen");
    assert!(!sent.is_empty(), "the first tab loads");
    answer(&mut a, sent[0].id, Reply::SignedOut);
    assert!(a.quit, "signing out ends the SSH session");
}

fn key_row(n: u128, comment: &str) -> SshKey {
    SshKey {
        id: Uuid::from_u128(n),
        user_id: Uuid::from_u128(5),
        fingerprint: format!("SHA256:{}", "a".repeat(42) + &n.to_string()),
        algorithm: "ssh-ed25519".into(),
        comment: comment.into(),
        created_at: Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
        last_used_at: None,
    }
}

#[test]
fn the_me_tab_lists_adds_and_removes_my_ssh_keys() {
    let mut a = signed_in(user(Uuid::from_u128(6), "sam", "Sam Student", Role::Student));
    a.take_commands();
    key(&mut a, KeyCode::BackTab);
    a.take_commands();
    key(&mut a, KeyCode::Char(']'));
    let sent = a.take_commands();
    let load = sent.iter().find(|c| matches!(c.op, Op::Account(AccountOp::LoadSshKeys))).expect("the keys load");
    answer(&mut a, load.id, Reply::SshKeys(vec![key_row(1, "sam@laptop"), key_row(2, "")]));
    insta::assert_snapshot!("me_ssh_keys", common::ui::screen(&mut a, 110, 16));
    key(&mut a, KeyCode::Char('n'));
    assert!(matches!(a.overlay, Some(Overlay::Form { .. })));
    chars(&mut a, "ssh-ed25519 AAAAC3Nz me@host");
    key(&mut a, KeyCode::Enter);
    let sent: Vec<Command> = a.take_commands();
    assert!(
        matches!(&sent[..], [c] if matches!(&c.op, Op::Account(AccountOp::AddSshKey { key }) if key == "ssh-ed25519 AAAAC3Nz me@host")),
        "{sent:?}"
    );
    a.overlay = None;
    key(&mut a, KeyCode::Char('x'));
    match &a.overlay {
        Some(Overlay::Confirm { message, on_yes, .. }) => {
            assert!(message.contains("sam@laptop"), "{message}");
            assert!(
                matches!(&on_yes.op, Op::Account(AccountOp::RemoveSshKey { fingerprint }) if fingerprint.ends_with('1'))
            );
        }
        _ => panic!("a confirmation names the key"),
    }
}
