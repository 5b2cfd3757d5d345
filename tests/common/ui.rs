//! Driving the console's `App` without a terminal: sign in, press keys, take replies, draw.

use chrono::{TimeZone, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::{User, UserStatus};
use labdeck::engine::accounts::Session;
use labdeck::engine::{Event, Reply, RequestId};
use labdeck::tui::app::{App, Msg};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

/// An active account in UTC (change what a test needs with `User { …, ..user(…) }`).
pub fn user(id: Uuid, username: &str, display_name: &str, role: Role) -> User {
    User {
        id,
        username: username.into(),
        email: None,
        display_name: display_name.into(),
        role,
        status: UserStatus::Active,
        tenant_id: None,
        time_zone: "UTC".into(),
        must_change_password: false,
        last_login_at: None,
        created_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

/// A console (default keys, no colour) signed in as `user`; what it sent before signing in
/// is dropped, what it sends on signing in is left for the test.
pub fn signed_in(user: User) -> App {
    let mut a = App::new(Keymap::default(), Theme::mono(), "sqlite", vec![], labdeck::config::Clock::Off);
    a.take_commands();
    let actor = Actor::with_role_defaults(user.id, &user.username, user.role);
    reply(&mut a, Reply::Setup { needs_first_admin: false, org: None });
    reply(&mut a, Reply::SignedIn(Box::new(Session { actor, user })));
    a
}

/// Data from the engine that answers no particular request (as a test feeds a screen).
pub fn reply(a: &mut App, r: Reply) {
    answer(a, RequestId::NONE, r);
}

/// The engine's answer to request `id`.
pub fn answer(a: &mut App, id: RequestId, r: Reply) {
    a.update(Msg::Engine(Event::Reply { id, reply: r }));
}

/// The engine's report that request `id` failed.
pub fn fail(a: &mut App, id: RequestId, message: &str) {
    a.update(Msg::Engine(Event::Failed { id, origin: "test", message: message.into() }));
}

pub fn key(a: &mut App, code: KeyCode) {
    a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))));
}

pub fn chars(a: &mut App, s: &str) {
    for c in s.chars() {
        key(a, KeyCode::Char(c));
    }
}

/// The screen as text, drawn at `w`×`h`.
pub fn screen(a: &mut App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| a.view(f)).unwrap();
    format!("{}", t.backend())
}
