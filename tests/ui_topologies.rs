//! The Bookings tab's topology editor, device detail (ownership history, health sparklines)
//! and approval limits, without a terminal: data in, commands and frames out.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::ui::{chars, key, reply, screen, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::domain::bookings::approval::{ApprovalLimits, Approver};
use labdeck::domain::bookings::topology::{Edit, End};
use labdeck::domain::user::User;
use labdeck::engine::bookings::{self, Out};
use labdeck::engine::{Command, Op, Reply};
use labdeck::store::bookings::{
    Calendar, DeviceRow, HealthRow, OwnershipRow, PendingGroup, TopologyDetail, TopologyLink, TopologyNode, TopologyRow,
};
use labdeck::tui::app::{App, Overlay, Phase};
use labdeck::tui::screens::bookings::{BookingsScreen, Section};
use uuid::Uuid;

fn t(h: i64) -> DateTime<Utc> {
    // Wednesday 6 March 2030, 00:00 UTC.
    Utc.with_ymd_and_hms(2030, 3, 6, 0, 0, 0).single().unwrap() + Duration::hours(h)
}

/// Device `n`: out port n, in port 96 + n.
fn dev(n: u128, name: &str, kind: &str) -> DeviceRow {
    DeviceRow {
        id: Uuid::from_u128(n),
        device_type: kind.into(),
        name: name.into(),
        polatis_name: None,
        out_port: n as i64,
        in_port: 96 + n as i64,
        ip_address: Some(format!("10.0.0.{n}")),
        status: "available".into(),
        capacity: 1,
        retired_at: None,
        tags: vec![],
        owners: vec![],
        health: Some("healthy".into()),
    }
}

fn devices() -> Vec<DeviceRow> {
    vec![
        dev(1, "polatis-01", "polatis"),
        dev(2, "edge-sw-01", "edge-switch"),
        dev(3, "edge-sw-02", "edge-switch"),
        dev(4, "srv-03", "server"),
        dev(5, "fpga-01", "fpga"),
    ]
}

const RING: Uuid = Uuid::from_u128(500);

fn node(n: u128, d: &DeviceRow) -> TopologyNode {
    TopologyNode {
        id: Uuid::from_u128(600 + n),
        device_id: Some(d.id),
        label: d.name.clone(),
        device_type: Some(d.device_type.clone()),
        in_port: Some(d.in_port),
        out_port: Some(d.out_port),
    }
}

fn link(n: u128, a: &TopologyNode, b: &TopologyNode, label: &str) -> TopologyLink {
    TopologyLink {
        id: Uuid::from_u128(700 + n),
        from_node_id: a.id,
        to_node_id: b.id,
        from_port: a.out_port,
        to_port: b.in_port,
        label: Some(label.into()),
    }
}

/// A ring of four devices, owned by sam, its review approved and changed since.
fn ring() -> TopologyDetail {
    let d = devices();
    let nodes: Vec<TopologyNode> = (0..4).map(|i| node(i as u128 + 1, &d[i])).collect();
    let links =
        (0..4).map(|i| link(i as u128 + 1, &nodes[i], &nodes[(i + 1) % 4], &format!("segment {}", i + 1))).collect();
    TopologyDetail { row: row(), nodes, links }
}

fn row() -> TopologyRow {
    TopologyRow {
        id: RING,
        name: "Optical ring".into(),
        owner_id: Uuid::from_u128(9),
        owner: "sam".into(),
        nodes: 4,
        links: 4,
        review: Some("approved".into()),
        conflict_count: Some(0),
        requested_starts_at: Some(t(13)),
        requested_ends_at: Some(t(17)),
        updated_at: t(2),
        review_updated_at: Some(t(1)),
    }
}

fn app(role: Role) -> App {
    let mut a = signed_in(User { time_zone: "UTC".into(), ..user(Uuid::from_u128(9), "sam", "Sam", role) });
    if let Phase::Shell(s) = &mut a.phase {
        let b = s.screen_mut::<BookingsScreen>().expect("a Bookings tab");
        b.fixed_now = Some(t(10) + Duration::minutes(30));
        b.cal.cursor = t(10) + Duration::minutes(30);
        s.active = s.tabs.iter().position(|t| t.title() == "Bookings").expect("a Bookings tab");
    }
    a.take_commands();
    let cal =
        Calendar { from: Some(t(-72)), to: Some(t(168)), devices: devices(), bookings: vec![], maintenance: vec![] };
    reply(&mut a, Reply::Bookings(Out::Calendar(Box::new(cal))));
    let approvers = vec![
        Approver {
            username: "april".into(),
            admin: false,
            limits: ApprovalLimits { max_hours: Some(4), max_devices: Some(2) },
        },
        Approver { username: "ada".into(), admin: true, limits: ApprovalLimits::default() },
    ];
    let mine = if role == Role::Approver { approvers[0].limits.clone() } else { ApprovalLimits::default() };
    reply(&mut a, Reply::Bookings(Out::Approvers { mine, approvers }));
    a
}

fn bookings(a: &mut App) -> &mut BookingsScreen {
    let Phase::Shell(s) = &mut a.phase else { panic!("signed in") };
    s.screen_mut().expect("a Bookings tab")
}

/// The Topologies view with the ring listed and loaded.
fn topologies(role: Role) -> App {
    let mut a = app(role);
    bookings(&mut a).section = Section::Topologies;
    reply(&mut a, Reply::Bookings(Out::Topologies(vec![row()])));
    a.take_commands();
    reply(&mut a, Reply::Bookings(Out::Topology(Box::new(ring()))));
    a
}

fn sent(a: &mut App) -> bookings::Op {
    match a.take_commands().as_slice() {
        [Command { op: Op::Bookings(op), .. }] => op.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_list_draws_the_selected_topology_beside_it() {
    let mut a = topologies(Role::Student);
    let s = screen(&mut a, 160, 12);
    assert!(s.contains("approved*"), "edited since its approval: {s}");
    insta::assert_snapshot!("topologies_list", s);
}

#[test]
fn the_editor_draws_the_ring_and_degrades_at_80x24() {
    let mut a = topologies(Role::Student);
    key(&mut a, KeyCode::Enter);
    assert!(a.take_commands().is_empty(), "the ring is loaded already");
    let wide = screen(&mut a, 120, 24);
    assert!(wide.contains("review: approved (changed since)"), "{wide}");
    assert!(wide.contains("├o2────i99┤"), "neighbours linked inline with their ports: {wide}");
    insta::assert_snapshot!("topology_editor", wide);
    let small = screen(&mut a, 80, 24);
    assert!(small.contains("link  polatis-01 o1 ── i98 edge-sw-01"), "every link is listed: {small}");
    insta::assert_snapshot!("topology_editor_80x24", small);
    let narrow = screen(&mut a, 40, 24);
    assert!(narrow.contains("too narrow to draw") || narrow.contains("between rows"), "{narrow}");
    key(&mut a, KeyCode::Esc);
    assert!(bookings(&mut a).editor.is_none(), "esc goes back to the list");
}

#[test]
fn nodes_are_picked_from_the_devices_and_links_from_free_ports() {
    let mut a = topologies(Role::Student);
    key(&mut a, KeyCode::Enter);
    // n: only fpga-01 is not a node yet.
    key(&mut a, KeyCode::Char('n'));
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("‹ fpga-01 (fpga) ›") && form.contains("1 free devices"), "{form}");
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        sent(&mut a),
        bookings::Op::EditTopology { id: RING, edit: Edit::AddNode { device } } if device == Uuid::from_u128(5)
    ));
    // Drop the ring's last link: two ports come free; + offers exactly those, out → in.
    let mut open = ring();
    open.links.pop();
    reply(&mut a, Reply::Bookings(Out::Topology(Box::new(open))));
    a.overlay = None;
    key(&mut a, KeyCode::Char('+'));
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("From ‹ srv-03 out 4 ›") && form.contains("To ‹ polatis-01 in 97 ›"), "{form}");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    chars(&mut a, "closing");
    key(&mut a, KeyCode::Enter);
    let op = sent(&mut a);
    let want_a = End { node: Uuid::from_u128(604), port: Some(4) };
    let want_b = End { node: Uuid::from_u128(601), port: Some(97) };
    assert!(
        matches!(&op, bookings::Op::EditTopology { edit: Edit::AddLink { a, b, label: Some(l) }, .. } if *a == want_a && *b == want_b && l == "closing"),
        "{op:?}"
    );
}

#[test]
fn removing_renaming_and_booking_the_whole_topology() {
    let mut a = topologies(Role::Student);
    key(&mut a, KeyCode::Enter);
    // The fifth row is the first link.
    for _ in 0..4 {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Char('x'));
    match &a.overlay {
        Some(Overlay::Confirm { message, on_yes, .. }) => {
            assert_eq!(message, "Remove the link polatis-01 o1 ── i98 edge-sw-01 from Optical ring?");
            assert!(matches!(
                &on_yes.op,
                Op::Bookings(bookings::Op::EditTopology { edit: Edit::RemoveLink { link }, .. }) if *link == Uuid::from_u128(701)
            ));
        }
        _ => panic!("a confirmation"),
    }
    a.overlay = None;
    key(&mut a, KeyCode::Char('r'));
    for _ in 0.."Optical ring".len() {
        key(&mut a, KeyCode::Backspace);
    }
    chars(&mut a, "Ring B");
    key(&mut a, KeyCode::Enter);
    assert!(matches!(sent(&mut a), bookings::Op::EditTopology { edit: Edit::Rename { name }, .. } if name == "Ring B"));
    // b: one window for the four devices; over April's 4 h × 2 devices, so the note says who can.
    a.overlay = None;
    key(&mut a, KeyCode::Char('b'));
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("book topology Optical ring"), "{form}");
    assert!(form.contains("✓ free: polatis-01, edge-sw-01, edge-sw-02, srv-03"), "{form}");
    assert!(form.contains("only ada can approve it"), "{form}");
    insta::assert_snapshot!("topology_book_form", form);
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    match sent(&mut a) {
        bookings::Op::BookTopology { id, at } => {
            assert_eq!(id, RING);
            assert_eq!((at.start, at.end), (t(24 + 8), t(24 + 12)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_device_shows_its_ownership_history_and_health_sparklines() {
    let mut a = app(Role::Student);
    bookings(&mut a).section = Section::Devices;
    reply(
        &mut a,
        Reply::Bookings(Out::Calendar(Box::new(Calendar {
            from: Some(t(-72)),
            to: Some(t(168)),
            devices: devices(),
            bookings: vec![],
            maintenance: vec![],
        }))),
    );
    let owners = vec![
        OwnershipRow {
            owner: "sam".into(),
            assigned_by: Some("tom".into()),
            assigned_at: t(-48),
            revoked_by: None,
            revoked_at: None,
        },
        OwnershipRow {
            owner: "tom".into(),
            assigned_by: Some("otto".into()),
            assigned_at: t(-500),
            revoked_by: Some("tom".into()),
            revoked_at: Some(t(-48)),
        },
    ];
    let health: Vec<HealthRow> = (0..12)
        .rev()
        .map(|k| HealthRow {
            status: if k == 9 { "warning".into() } else { "healthy".into() },
            heartbeat_at: Some(t(k)),
            recorded_at: t(k),
            metrics: Some(format!(r#"{{"temp_c": {}, "cpu_percent": {}}}"#, 40 + (k * 3) % 7, k * 8)),
        })
        .collect();
    reply(&mut a, Reply::Bookings(Out::DeviceDetail { id: Uuid::from_u128(1), owners, health }));
    let s = screen(&mut a, 170, 20);
    assert!(s.contains("sam since 2030-03-04 00:00 by tom (now)"), "{s}");
    assert!(s.contains("tom 2030-02-13 04:00 → 2030-03-04 00:00 by otto, ended by tom"), "{s}");
    assert!(s.contains("cpu_percent  ▁▂▂▃▄▄▅▅▆▇▇█ 88 (0–88)"), "{s}");
    insta::assert_snapshot!("device_history_and_health", s);
    // O offers the transfer first.
    key(&mut a, KeyCode::Char('O'));
    chars(&mut a, "sid");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(sent(&mut a), bookings::Op::Transfer { username, .. } if username == "sid"));
}

#[test]
fn an_approver_sees_when_a_request_is_over_their_limits() {
    let mut a = app(Role::Approver);
    bookings(&mut a).section = Section::Approvals;
    let g = PendingGroup {
        id: Uuid::from_u128(5),
        owner_id: Uuid::from_u128(6),
        username: "sid".into(),
        title: "FPGA run".into(),
        devices: 3,
        starts_at: t(9),
        ends_at: t(11),
        created_at: t(0),
    };
    reply(&mut a, Reply::Bookings(Out::Pending(vec![g])));
    let list = screen(&mut a, 120, 10);
    assert!(list.contains("waiting for approval · you approve alone up to 4 h and 2 devices"), "{list}");
    key(&mut a, KeyCode::Char('A'));
    let form = screen(&mut a, 120, 24);
    assert!(form.contains("⚑ 2 h × 3 device(s) is over your approval limit (up to 4 h and 2"), "{form}");
    assert!(form.contains("devices): ask ada"), "{form}");
}

#[test]
fn filtering_the_list_loads_the_topology_then_enter_opens_it() {
    let mut a = topologies(Role::Student);
    let mut other = row();
    other.id = Uuid::from_u128(501);
    other.name = "Campus core".into();
    reply(&mut a, Reply::Bookings(Out::Topologies(vec![other, row()])));
    a.take_commands();
    key(&mut a, KeyCode::Char('/'));
    chars(&mut a, "Opt");
    assert!(a.take_commands().is_empty(), "the ring is loaded already");
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    chars(&mut a, "Camp");
    let asked = a.take_commands();
    assert!(
        asked.iter().any(|c| matches!(c.op, Op::Bookings(bookings::Op::Topology { id }) if id == Uuid::from_u128(501))),
        "the topology the filter selects is loaded: {asked:?}"
    );
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    chars(&mut a, "Opt");
    a.take_commands();
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert!(bookings(&mut a).editor.is_some(), "{}", screen(&mut a, 120, 24));
    // One Esc leaves the editor; the list keeps its filter.
    key(&mut a, KeyCode::Esc);
    assert!(bookings(&mut a).editor.is_none());
    let s = screen(&mut a, 120, 12);
    assert!(s.contains("/opt"), "{s}");
}
