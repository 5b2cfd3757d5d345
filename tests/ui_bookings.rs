//! The Bookings tab without a terminal: calendar data in, commands and frames out.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::ui::{answer, chars, key, reply, screen, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::domain::user::User;
use labdeck::engine::bookings::{self, Out};
use labdeck::engine::{Command, Op, Reply};
use labdeck::store::bookings::{BookingRow, Calendar, DeviceRow, MaintenanceRow, PendingGroup};
use labdeck::tui::app::{App, Overlay, Phase};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::screens::bookings::{BookingsScreen, Section};
use labdeck::tui::theme::Theme;
use uuid::Uuid;

fn t(h: i64) -> DateTime<Utc> {
    // Wednesday 6 March 2030, 00:00 UTC.
    Utc.with_ymd_and_hms(2030, 3, 6, 0, 0, 0).single().unwrap() + Duration::hours(h)
}

fn dev(n: u128, name: &str, capacity: i64) -> DeviceRow {
    DeviceRow {
        id: Uuid::from_u128(n),
        device_type: "router".into(),
        name: name.into(),
        polatis_name: None,
        out_port: 1,
        in_port: 2,
        ip_address: Some("10.0.0.1".into()),
        status: "available".into(),
        capacity,
        retired_at: None,
        tags: vec!["lab".into()],
        owners: vec![],
        health: Some("healthy".into()),
    }
}

fn booking(n: u128, device: &DeviceRow, who: &str, a: i64, b: i64, status: &str) -> BookingRow {
    BookingRow {
        id: Uuid::from_u128(1000 + n),
        group_id: Uuid::from_u128(2000 + n),
        device_id: device.id,
        device_name: device.name.clone(),
        user_id: Uuid::from_u128(3000),
        username: who.into(),
        title: "loop test".into(),
        starts_at: t(a),
        ends_at: t(b),
        status: status.into(),
        slot: 0,
        comment: None,
    }
}

fn calendar(devices: Vec<DeviceRow>) -> Calendar {
    let (a, b, c) = (&devices[0], &devices[1], &devices[2]);
    let mut bookings = vec![
        booking(1, a, "sam", 9, 12, "approved"),
        booking(2, a, "sid", 10, 11, "pending"),
        booking(3, b, "tess", -24 + 13, -24 + 17, "approved"),
        booking(4, b, "sara", 24 + 9, 24 + 10, "pending"),
    ];
    bookings[1].slot = 1;
    let maintenance = vec![MaintenanceRow {
        id: Uuid::from_u128(77),
        device_id: c.id,
        starts_at: t(8),
        ends_at: t(14),
        reason: Some("optics".into()),
    }];
    // The window the screen asks for: the cursor's week (from Monday 4 March) and a day either side.
    Calendar { from: Some(t(-72)), to: Some(t(168)), devices, bookings, maintenance }
}

fn app(role: Role, tz: &str) -> App {
    let mut a = signed_in(User { time_zone: tz.into(), ..user(Uuid::from_u128(9), "sam", "Sam", role) });
    if let Phase::Shell(s) = &mut a.phase {
        let b = s.screen_mut::<BookingsScreen>().expect("a Bookings tab");
        b.fixed_now = Some(t(10) + Duration::minutes(30));
        b.cal.cursor = t(10) + Duration::minutes(30);
        s.active = s.tabs.iter().position(|t| t.title() == "Bookings").expect("a Bookings tab");
    }
    a.take_commands();
    let devices = vec![dev(1, "rtr-01", 2), dev(2, "rtr-02", 1), dev(3, "rtr-03", 1)];
    reply(&mut a, Reply::Bookings(Out::Calendar(Box::new(calendar(devices)))));
    a
}

fn bookings(a: &mut App) -> &mut BookingsScreen {
    let Phase::Shell(s) = &mut a.phase else { panic!("signed in") };
    s.screen_mut().expect("a Bookings tab")
}

#[test]
fn week_day_and_timeline_views() {
    let mut a = app(Role::Student, "UTC");
    insta::assert_snapshot!("bookings_week", screen(&mut a, 120, 14));
    key(&mut a, KeyCode::Char(']'));
    insta::assert_snapshot!("bookings_day", screen(&mut a, 120, 14));
    key(&mut a, KeyCode::Char(']'));
    insta::assert_snapshot!("bookings_timeline", screen(&mut a, 120, 14));
}

#[test]
fn times_are_shown_in_the_users_time_zone() {
    let mut a = app(Role::Student, "Europe/Berlin");
    key(&mut a, KeyCode::Char(']'));
    let s = screen(&mut a, 120, 14);
    assert!(s.contains("Europe/Berlin"), "{s}");
    key(&mut a, KeyCode::Char('n'));
    let s = screen(&mut a, 120, 24);
    // The cursor is 10:30 UTC: its hour is 11:00 in Berlin (CET, UTC+1).
    assert!(s.contains("2030-03-06 11:00"), "{s}");
}

#[test]
fn a_group_booking_shows_conflicts_before_saving_and_is_sent_whole() {
    let mut a = app(Role::Student, "UTC");
    key(&mut a, KeyCode::Char(' '));
    key(&mut a, KeyCode::Char(' '));
    assert_eq!(bookings(&mut a).cal.marks.len(), 2);
    key(&mut a, KeyCode::Char('n'));
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("book rtr-01, rtr-02"), "{form}");
    assert!(form.contains("✓ free"), "08:00-09:00 is free: {form}");
    // Move the window into rtr-01's two overlapping bookings (capacity 2): both slots taken.
    key(&mut a, KeyCode::Tab);
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    chars(&mut a, "10:15");
    key(&mut a, KeyCode::Tab);
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    chars(&mut a, "10:45");
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("⚠ conflict: rtr-01 booked by sam 09:00–12:00"), "{form}");
    insta::assert_snapshot!("bookings_conflict_form", form);
    // Back to a free window; the whole group goes in one command.
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    chars(&mut a, "08:00");
    key(&mut a, KeyCode::BackTab);
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    chars(&mut a, "07:00");
    for _ in 0..5 {
        key(&mut a, KeyCode::Enter);
    }
    let sent = a.take_commands();
    match sent.as_slice() {
        [Command { op: Op::Bookings(bookings::Op::Book { request, .. }), .. }] => {
            assert_eq!(request.devices.len(), 2);
            assert_eq!(request.at.start, t(7));
        }
        other => panic!("{other:?}"),
    }
    answer(
        &mut a,
        sent[0].id,
        Reply::Bookings(Out::Booked { groups: vec![], skipped: vec![], message: "Booked 2 devices.".into() }),
    );
    assert!(a.overlay.is_none(), "the form closes");
    assert!(bookings(&mut a).cal.marks.is_empty(), "marks clear after booking");
}

#[test]
fn keys_move_through_time_and_devices_and_reload_the_next_week() {
    let mut a = app(Role::Student, "UTC");
    key(&mut a, KeyCode::Char('j'));
    assert_eq!(bookings(&mut a).cal.selected().unwrap().name, "rtr-02");
    key(&mut a, KeyCode::Char('.'));
    assert!(a.take_commands().is_empty(), "still inside the loaded week");
    for _ in 0..5 {
        key(&mut a, KeyCode::Char('.'));
    }
    let sent = a.take_commands();
    assert!(
        sent.iter().any(
            |c| matches!(c, Command { op: Op::Bookings(bookings::Op::Calendar { from, .. }), .. } if *from > t(0))
        ),
        "crossing into next week loads it: {sent:?}"
    );
    key(&mut a, KeyCode::Char('0'));
    assert_eq!(bookings(&mut a).cal.cursor, t(10) + Duration::minutes(30));
    // The filter narrows the device lanes.
    key(&mut a, KeyCode::Char('/'));
    chars(&mut a, "03");
    key(&mut a, KeyCode::Enter);
    assert_eq!(bookings(&mut a).cal.visible.len(), 1);
}

#[test]
fn enter_opens_the_booking_under_the_cursor_and_e_offers_the_latest_end() {
    let mut a = app(Role::Student, "UTC");
    key(&mut a, KeyCode::Char(']'));
    a.take_commands();
    key(&mut a, KeyCode::Enter);
    let sent = a.take_commands();
    assert!(
        matches!(sent.as_slice(), [Command { op: Op::Bookings(bookings::Op::Group { group, .. }), .. }] if *group == Uuid::from_u128(2001))
    );
    key(&mut a, KeyCode::Char('e'));
    a.take_commands();
    let detail = labdeck::store::bookings::GroupDetail {
        id: Uuid::from_u128(2001),
        owner_id: Uuid::from_u128(9),
        title: "loop test".into(),
        status: "approved".into(),
        bookings: vec![],
        collaborators: vec![],
        comments: vec![],
        approvals: vec![],
        latest_end: Some(t(15)),
    };
    reply(&mut a, Reply::Bookings(Out::Group(Box::new(detail))));
    let s = screen(&mut a, 120, 24);
    assert!(s.contains("Latest possible end: 2030-03-06 15:00"), "{s}");
}

#[test]
fn approvers_see_the_queue_count_and_decide_with_a_comment() {
    let mut a = app(Role::Approver, "UTC");
    reply(&mut a, Reply::Bookings(Out::PendingCount(3)));
    assert!(screen(&mut a, 120, 14).contains("⚑ 3 to approve"));
    bookings(&mut a).section = Section::Approvals;
    let g = PendingGroup {
        id: Uuid::from_u128(5),
        owner_id: Uuid::from_u128(6),
        username: "sid".into(),
        title: "FPGA run".into(),
        devices: 2,
        starts_at: t(9),
        ends_at: t(11),
        created_at: t(0),
    };
    reply(&mut a, Reply::Bookings(Out::Pending(vec![g])));
    insta::assert_snapshot!("bookings_approvals", screen(&mut a, 120, 10));
    key(&mut a, KeyCode::Char('A'));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))));
    chars(&mut a, "fine");
    key(&mut a, KeyCode::Enter);
    let sent = a.take_commands();
    assert!(
        matches!(sent.as_slice(), [Command { op: Op::Bookings(bookings::Op::Decide { approve: true, comment, .. }), .. }] if comment == "fine"),
        "{sent:?}"
    );
}

#[test]
fn support_has_no_bookings_tab_and_students_no_approvals() {
    let a = App::new(Keymap::default(), Theme::mono(), "sqlite", vec![], labdeck::config::Clock::Off);
    drop(a);
    let support = Actor::with_role_defaults(Uuid::nil(), "sue", Role::Support);
    assert!(!labdeck::tui::screens::bookings::visible(&support));
    let student = Actor::with_role_defaults(Uuid::nil(), "sam", Role::Student);
    assert!(!labdeck::tui::screens::bookings::sections(&student).contains(&Section::Approvals));
}

#[test]
fn a_thousand_devices_draw_only_what_fits() {
    let mut a = app(Role::Student, "UTC");
    let devices: Vec<DeviceRow> = (0..1000).map(|i| dev(10 + i, &format!("dev-{i:04}"), 1)).collect();
    reply(&mut a, Reply::Bookings(Out::Calendar(Box::new(calendar(devices)))));
    key(&mut a, KeyCode::End);
    let s = screen(&mut a, 120, 14);
    assert!(s.contains("dev-0999") && !s.contains("dev-0000"), "{s}");
}

/// Two weeks asked for in a row: the older week's answer arriving last is dropped, so the
/// calendar shows the week the user moved to, not whichever answer came in last.
#[test]
fn an_older_week_arriving_after_a_newer_one_is_dropped() {
    let mut a = app(Role::Student, "UTC");
    for _ in 0..13 {
        key(&mut a, KeyCode::Char('.'));
    }
    let weeks: Vec<(labdeck::engine::RequestId, DateTime<Utc>, DateTime<Utc>)> = a
        .take_commands()
        .into_iter()
        .filter_map(|c| match c.op {
            Op::Bookings(bookings::Op::Calendar { from, to }) => Some((c.id, from, to)),
            _ => None,
        })
        .collect();
    let (old, new) = (weeks.first().copied().unwrap(), weeks.last().copied().unwrap());
    assert!(new.1 > old.1, "the cursor moved two weeks on: {weeks:?}");
    let week = |from, to| {
        let mut c = calendar(vec![dev(1, "rtr-01", 2), dev(2, "rtr-02", 1), dev(3, "rtr-03", 1)]);
        c.from = Some(from);
        c.to = Some(to);
        Reply::Bookings(Out::Calendar(Box::new(c)))
    };
    answer(&mut a, new.0, week(new.1, new.2));
    answer(&mut a, old.0, week(old.1, old.2));
    assert_eq!(bookings(&mut a).cal.data.from, Some(new.1), "the newer week stays");
    assert!(!bookings(&mut a).cal.needs_load(), "and it is the week the cursor is in");
}

/// Issue #14, item 3: two bookings of one device on one day (sara 13–17, sid 17–19) both
/// show in the week view (stacked), as they do in the day view; none is hidden.
#[test]
fn the_week_view_shows_every_booking_of_a_device_day() {
    let mut a = app(Role::Student, "UTC");
    let devices = vec![dev(1, "core-rtr-01", 1), dev(2, "rtr-02", 1), dev(3, "rtr-03", 1)];
    let mut cal = calendar(devices.clone());
    cal.bookings =
        vec![booking(1, &devices[0], "sara", 13, 17, "approved"), booking(2, &devices[0], "sid", 17, 19, "approved")];
    reply(&mut a, Reply::Bookings(Out::Calendar(Box::new(cal))));
    let week = screen(&mut a, 120, 14);
    assert!(week.contains("sara") && week.contains("sid"), "{week}");
    key(&mut a, KeyCode::Char(']'));
    let day = screen(&mut a, 120, 14);
    assert!(day.contains("sara") && day.contains("sid"), "{day}");
}
