//! The week view with 1,000 devices and their bookings (four a day each, as a busy lab would
//! have over the loaded ten days): time to the first frame after the data arrives, and per
//! keystroke (down, later, earlier, page down, next view) including the redraw, at 200×60.
//! Run: cargo bench --bench bookings_week

use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::{User, UserStatus};
use labdeck::engine::accounts::Session;
use labdeck::engine::bookings::Out;
use labdeck::engine::{Event, Reply, RequestId};
use labdeck::store::bookings::{BookingRow, Calendar, DeviceRow};
use labdeck::tui::app::{App, Msg, Phase};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::screens::bookings::BookingsScreen;
use labdeck::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Instant;
use uuid::Uuid;

fn data() -> Calendar {
    let now = Utc.with_ymd_and_hms(2030, 3, 6, 10, 30, 0).single().expect("date");
    let from = Utc.with_ymd_and_hms(2030, 3, 3, 0, 0, 0).single().expect("date");
    let devices: Vec<DeviceRow> = (0..1000u128)
        .map(|i| DeviceRow {
            id: Uuid::from_u128(i + 1),
            device_type: "router".into(),
            name: format!("dev-{i:04}"),
            polatis_name: None,
            out_port: 1,
            in_port: 1,
            ip_address: None,
            status: "available".into(),
            capacity: 2,
            retired_at: None,
            tags: vec!["lab".into()],
            owners: vec![],
            health: None,
        })
        .collect();
    let mut bookings = Vec::new();
    for d in &devices {
        for day in 0..10 {
            for (k, (a, b)) in [(8, 10), (9, 12), (13, 17), (17, 19)].into_iter().enumerate() {
                let start = from + Duration::days(day) + Duration::hours(a);
                bookings.push(BookingRow {
                    id: Uuid::now_v7(),
                    group_id: Uuid::now_v7(),
                    device_id: d.id,
                    device_name: d.name.clone(),
                    user_id: Uuid::nil(),
                    username: "sam".into(),
                    title: "bench".into(),
                    starts_at: start,
                    ends_at: from + Duration::days(day) + Duration::hours(b),
                    status: if k % 2 == 0 { "approved".into() } else { "pending".into() },
                    slot: (k % 2) as i64,
                    comment: None,
                });
            }
        }
    }
    let _ = now;
    Calendar { from: Some(from), to: Some(from + Duration::days(10)), devices, bookings, maintenance: vec![] }
}

fn app() -> App {
    let mut a = App::new(Keymap::default(), Theme::default(), "sqlite", vec![], labdeck::config::Clock::Off);
    let user = User {
        id: Uuid::from_u128(9),
        username: "sam".into(),
        email: None,
        display_name: "Sam".into(),
        role: Role::Student,
        status: UserStatus::Active,
        tenant_id: None,
        time_zone: "UTC".into(),
        must_change_password: false,
        last_login_at: None,
        created_at: Utc::now(),
    };
    let actor = Actor::with_role_defaults(user.id, "sam", Role::Student);
    a.update(Msg::Engine(Event::Reply {
        id: RequestId::NONE,
        reply: Reply::Setup { needs_first_admin: false, org: None },
    }));
    a.update(Msg::Engine(Event::Reply {
        id: RequestId::NONE,
        reply: Reply::SignedIn(Box::new(Session { actor, user })),
    }));
    if let Phase::Shell(s) = &mut a.phase {
        let now = Utc.with_ymd_and_hms(2030, 3, 6, 10, 30, 0).single().expect("date");
        let b = s.screen_mut::<BookingsScreen>().expect("tab");
        b.fixed_now = Some(now);
        b.cal.cursor = now;
        s.active = s.tabs.iter().position(|t| t.title() == "Bookings").expect("tab");
    }
    a.take_commands();
    a
}

fn stats(name: &str, mut v: Vec<f64>) {
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    println!("{name}: median {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} runs)", at(0.5), at(0.99), at(1.0), v.len());
}

fn main() {
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("terminal");
    let mut firsts = Vec::new();
    for _ in 0..20 {
        let cal = data();
        let mut a = app();
        let t = Instant::now();
        a.update(Msg::Engine(Event::Reply {
            id: RequestId::NONE,
            reply: Reply::Bookings(Out::Calendar(Box::new(cal))),
        }));
        term.draw(|f| a.view(f)).expect("draw");
        firsts.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    println!("1,000 devices, 40,000 bookings loaded (ten days), 200×60");
    stats("data in → first frame (index + draw)", firsts);
    let mut a = app();
    a.update(Msg::Engine(Event::Reply {
        id: RequestId::NONE,
        reply: Reply::Bookings(Out::Calendar(Box::new(data()))),
    }));
    term.draw(|f| a.view(f)).expect("draw");
    let keys = [
        KeyCode::Char('j'),
        KeyCode::Char('.'),
        KeyCode::Char(','),
        KeyCode::PageDown,
        KeyCode::Char('j'),
        KeyCode::Char('k'),
    ];
    stats("keystroke → frame, week view", keystrokes(&mut a, &mut term, &keys, 600));
    for name in ["day view", "timeline"] {
        a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Char(']'), KeyModifiers::NONE))));
        stats(&format!("keystroke → frame, {name}"), keystrokes(&mut a, &mut term, &keys, 300));
    }
}

/// Milliseconds from each key to its frame drawn, cycling through `keys`.
fn keystrokes(a: &mut App, term: &mut Terminal<TestBackend>, keys: &[KeyCode], n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(keys[i % keys.len()], KeyModifiers::NONE))));
            a.take_commands();
            term.draw(|f| a.view(f)).expect("draw");
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}
