//! The teacher's VM table with 500 students: time from keystroke to frame (update + draw at
//! 200×60), for moving, marking and typing a filter.
//! Run: cargo bench --bench class_table

use chrono::Utc;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::{User, UserStatus};
use labdeck::engine::accounts::Session;
use labdeck::engine::classes::{Detail, Out};
use labdeck::engine::{Event, Reply, RequestId};
use labdeck::store::classes::{Class, ClassVm};
use labdeck::tui::app::{App, Msg};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::{Duration, Instant};
use uuid::Uuid;

const STUDENTS: usize = 500;

fn frame(term: &mut Terminal<TestBackend>, app: &mut App) {
    term.draw(|f| app.view(f)).expect("draw");
}

fn main() {
    let class_id = Uuid::now_v7();
    let class = Class {
        id: class_id,
        name: "Big Lab".into(),
        teacher: "tess".into(),
        teaches: true,
        pool_size: STUDENTS as i64,
        max_usage_hours: Some(40),
        time_zone: "UTC".into(),
        ..Class::default()
    };
    let vms: Vec<ClassVm> = (0..STUDENTS)
        .map(|i| ClassVm {
            id: Uuid::now_v7(),
            class_id,
            class_name: "Big Lab".into(),
            vmid: 500_000 + i as i64,
            node: format!("pve{}", i % 8 + 1),
            vm_name: format!("big-lab-student-{i:03}"),
            role: "student".into(),
            status: "assigned".into(),
            username: Some(format!("student{i:03}")),
            user_id: Some(Uuid::now_v7()),
            usage_seconds: (i as i64 * 997) % 144_000,
            max_usage_hours: Some(40),
            guest_status: Some(if i % 3 == 0 { "stopped" } else { "running" }.into()),
            ip: (i % 3 != 0).then(|| format!("10.5.{}.{}", i / 250, i % 250)),
            ssh_available: Some(true),
            last_login_at: Some(Utc::now()),
            ..ClassVm::default()
        })
        .collect();
    let mut app = App::new(Keymap::default(), Theme::mono(), "sqlite", vec![], labdeck::config::Clock::Off);
    let user = User {
        id: Uuid::now_v7(),
        username: "tess".into(),
        email: None,
        display_name: "Tess".into(),
        role: Role::Teacher,
        status: UserStatus::Active,
        tenant_id: None,
        time_zone: "UTC".into(),
        must_change_password: false,
        last_login_at: None,
        created_at: Utc::now(),
    };
    let session = Session { actor: Actor::with_role_defaults(user.id, "tess", Role::Teacher), user };
    let reply = |app: &mut App, r: Reply| app.update(Msg::Engine(Event::Reply { id: RequestId::NONE, reply: r }));
    reply(&mut app, Reply::Setup { needs_first_admin: false, org: None });
    reply(&mut app, Reply::SignedIn(Box::new(session)));
    reply(&mut app, Reply::Classes(Out::List { classes: vec![class.clone()] }));
    let key =
        |app: &mut App, c: KeyCode| app.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(c, KeyModifiers::NONE))));
    key(&mut app, KeyCode::Enter);
    let detail = Detail { class, vms, roster: vec![], tokens: vec![], co_owners: vec![], progress: vec![] };
    let t = Instant::now();
    reply(&mut app, Reply::Classes(Out::Detail(Box::new(detail.clone()))));
    let load = t.elapsed();
    let mut term = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    frame(&mut term, &mut app);

    let mut samples: Vec<(&str, Duration)> = Vec::new();
    let press = |app: &mut App,
                 what: &'static str,
                 c: KeyCode,
                 samples: &mut Vec<(&str, Duration)>,
                 term: &mut Terminal<TestBackend>| {
        let t = Instant::now();
        key(app, c);
        frame(term, app);
        samples.push((what, t.elapsed()));
    };
    for round in 0..20 {
        for _ in 0..20 {
            press(&mut app, "move", KeyCode::Down, &mut samples, &mut term);
        }
        press(&mut app, "mark", KeyCode::Char(' '), &mut samples, &mut term);
        press(&mut app, "page", KeyCode::PageDown, &mut samples, &mut term);
        press(&mut app, "filter", KeyCode::Char('/'), &mut samples, &mut term);
        for c in format!("student{:02}", round % 5).chars() {
            press(&mut app, "filter", KeyCode::Char(c), &mut samples, &mut term);
        }
        press(&mut app, "filter", KeyCode::Esc, &mut samples, &mut term);
        // A refresh from the engine (a poll changed states) while the teacher looks.
        let t = Instant::now();
        reply(&mut app, Reply::Classes(Out::Detail(Box::new(detail.clone()))));
        frame(&mut term, &mut app);
        samples.push(("reload", t.elapsed()));
    }
    println!("{STUDENTS} student VMs, 200x60, first load {:.2} ms", load.as_secs_f64() * 1e3);
    for what in ["move", "mark", "page", "filter", "reload", "all"] {
        let mut d: Vec<f64> =
            samples.iter().filter(|s| what == "all" || s.0 == what).map(|s| s.1.as_secs_f64() * 1e3).collect();
        d.sort_by(|a, b| a.total_cmp(b));
        let p = |q: f64| d[((d.len() as f64 - 1.0) * q).round() as usize];
        println!(
            "{what:<7} n={:<5} p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
            d.len(),
            p(0.5),
            p(0.99),
            d[d.len() - 1]
        );
    }
}
