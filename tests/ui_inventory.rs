//! The Inventory screen without a terminal: guests in, commands and frames out.

mod common;

use chrono::Utc;
use common::ui::{self, key, reply, signed_in, user};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::inventory::ops::GuestOp;
use labdeck::domain::inventory::{Guest, GuestStatus, GuestType};
use labdeck::engine::inventory::{BulkLine, BulkOutcome, GuestBatch, Overview};
use labdeck::engine::{Command, Event, InventoryOp, Op, Reply};
use labdeck::store::pve::{Cluster, Node, PollHealth};
use labdeck::tui::app::{App, Msg, Phase};
use uuid::Uuid;

const EAST: Uuid = Uuid::from_u128(1);

fn guest(vmid: u32, name: &str, status: GuestStatus, node: &str) -> Guest {
    Guest {
        cluster_id: EAST,
        cluster: "east".into(),
        vmid,
        guest_type: GuestType::Qemu,
        node: node.into(),
        name: name.into(),
        status,
        template: false,
        tags: "lab".into(),
        lock: None,
        pool: None,
        cpu: if status == GuestStatus::Running { 0.12 } else { 0.0 },
        maxcpu: 2,
        mem: 1 << 30,
        maxmem: 2 << 30,
        maxdisk: 32 << 30,
        uptime: if status == GuestStatus::Running { 7200 } else { 0 },
        ip: (status == GuestStatus::Running).then(|| std::net::IpAddr::from([10, 0, 0, 5])),
        ssh: status == GuestStatus::Running,
        rdp: false,
        ha: None,
        stale: false,
        io: None,
    }
}

fn cluster() -> Cluster {
    Cluster {
        id: EAST,
        key: "east".into(),
        name: "east".into(),
        host: "10.0.0.1".into(),
        port: 8006,
        is_default: true,
        is_active: true,
        token_id: Some("root@pam!ld".into()),
        fingerprint: Some("AB:CD".into()),
        has_ca: false,
        poll_interval_secs: 5,
    }
}

fn app(role: Role) -> App {
    let mut a = signed_in(user(Uuid::from_u128(9), "otto", "Otto", role));
    let sent = a.take_commands();
    assert!(
        sent.iter()
            .any(|c| matches!(c, Command { op: Op::Inventory(InventoryOp::LoadGuests { since: None, .. }), .. })),
        "the Inventory loads everything first"
    );
    let cluster = cluster();
    let health = PollHealth { last_success_at: Some(Utc::now()), last_duration_ms: Some(42), ..Default::default() };
    let node = |name: &str, status: &str| Node {
        cluster_id: EAST,
        name: name.into(),
        status: status.into(),
        cpu: Some(0.25),
        maxcpu: Some(8.0),
        mem: Some(4 << 30),
        maxmem: Some(16 << 30),
        last_seen_at: None,
        uptime: Some(1000),
    };
    reply(
        &mut a,
        Reply::Overview(Box::new(Overview {
            clusters: vec![(cluster, health)],
            nodes: vec![node("pve1", "online"), node("pve2", "offline")],
        })),
    );
    let guests = vec![
        guest(100, "web-01", GuestStatus::Running, "pve1"),
        guest(101, "db-01", GuestStatus::Stopped, "pve1"),
        guest(102, "lab-student-1", GuestStatus::Stopped, "pve1"),
        guest(103, "lab-student-2", GuestStatus::Unknown, "pve2"),
    ];
    reply(
        &mut a,
        Reply::Guests(Box::new(GuestBatch {
            full: true,
            more: false,
            total: guests.len() as i64,
            guests,
            as_of: Utc::now(),
        })),
    );
    a
}

fn screen(a: &mut App) -> String {
    ui::screen(a, 120, 24)
}

fn selected(a: &App) -> u32 {
    let Phase::Shell(s) = &a.phase else { panic!() };
    s.screen::<labdeck::tui::screens::inventory::InventoryScreen>().unwrap().list.selected().unwrap().vmid
}

#[test]
fn the_inventory_shows_clusters_nodes_and_guests() {
    let mut a = app(Role::Operator);
    insta::assert_snapshot!("inventory", screen(&mut a));
}

#[test]
fn a_single_start_goes_straight_to_the_engine() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Down);
    assert_eq!(selected(&a), 101);
    key(&mut a, KeyCode::Char('s'));
    match a.take_commands().as_slice() {
        [Command { op: Op::Inventory(InventoryOp::GuestAction { targets, op: GuestOp::Start, .. }), .. }] => {
            assert_eq!(targets, &[(EAST, 101)])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn marked_guests_are_acted_on_together_after_a_confirmation_naming_them() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char(' '));
    key(&mut a, KeyCode::Char(' '));
    a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT))));
    let s = screen(&mut a);
    assert!(s.contains("Stop db-01 (101) on pve1, lab-student-1 (102) on pve1?"), "{s}");
    key(&mut a, KeyCode::Char('y'));
    match a.take_commands().as_slice() {
        [Command { op: Op::Inventory(InventoryOp::GuestAction { targets, op: GuestOp::Stop, .. }), .. }] => {
            assert_eq!(targets.len(), 2)
        }
        other => panic!("{other:?}"),
    }
    let lines = vec![
        BulkLine {
            cluster: "east".into(),
            vmid: 101,
            name: "db-01".into(),
            outcome: BulkOutcome::Skipped("not running".into()),
        },
        BulkLine {
            cluster: "east".into(),
            vmid: 102,
            name: "lab-student-1".into(),
            outcome: BulkOutcome::Failed("595 no route to host".into()),
        },
    ];
    reply(&mut a, Reply::Bulk { title: "stop 2 guests".into(), lines });
    let s = screen(&mut a);
    assert!(
        s.contains("0 submitted, 1 skipped, 1 failed")
            && s.contains("skipped: not running")
            && s.contains("failed: 595"),
        "{s}"
    );
}

#[test]
fn viewers_are_told_no_before_anything_is_sent() {
    let mut a = app(Role::Viewer);
    key(&mut a, KeyCode::Char('s'));
    assert!(a.take_commands().is_empty());
    assert!(screen(&mut a).contains("may not start guests"));
}

#[test]
fn filter_sort_and_refresh_keep_the_selection() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Char('/'));
    for c in "status:stopped stud".chars() {
        key(&mut a, KeyCode::Char(c));
    }
    key(&mut a, KeyCode::Enter);
    assert_eq!(selected(&a), 102);
    assert!(screen(&mut a).contains("guests (1/4)"));
    key(&mut a, KeyCode::Esc);
    assert_eq!(selected(&a), 102, "clearing the filter keeps the guest selected");
    key(&mut a, KeyCode::Char('>'));
    key(&mut a, KeyCode::Char('>'));
    assert_eq!(selected(&a), 102, "sorting keeps the guest selected");
    // A delta: 102 starts, a new guest appears; the selection stays on 102.
    let mut started = guest(102, "lab-student-1", GuestStatus::Running, "pve1");
    started.lock = None;
    // It arrives in two parts; the first is merged quietly, the last completes the answer.
    let part = GuestBatch { full: false, more: true, guests: vec![started], total: 0, as_of: Utc::now() };
    reply(&mut a, Reply::Guests(Box::new(part)));
    assert!(a.take_commands().is_empty(), "a part asks for nothing");
    let batch = GuestBatch {
        full: false,
        more: false,
        guests: vec![guest(99, "aaa", GuestStatus::Running, "pve1")],
        total: 5,
        as_of: Utc::now(),
    };
    reply(&mut a, Reply::Guests(Box::new(batch)));
    assert_eq!(selected(&a), 102);
    let shown = screen(&mut a);
    assert!(shown.lines().any(|l| l.contains("102") && l.contains("running")), "the part was merged:\n{shown}");
    assert!(a.take_commands().is_empty(), "counts agree: no full reload");
    // The count disagrees (a guest was deleted elsewhere): reload everything.
    reply(
        &mut a,
        Reply::Guests(Box::new(GuestBatch { full: false, more: false, guests: vec![], total: 4, as_of: Utc::now() })),
    );
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Inventory(InventoryOp::LoadGuests { since: None, .. }), .. }]
    ));
}

#[test]
fn the_detail_pane_asks_for_the_selected_guest() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Inventory(InventoryOp::GuestDetail { vmid: 100, .. }), .. }]
    ));
    key(&mut a, KeyCode::Down);
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Inventory(InventoryOp::GuestDetail { vmid: 101, .. }), .. }]
    ));
    let detail = labdeck::engine::inventory::GuestDetail {
        cluster_id: EAST,
        vmid: 101,
        config: vec![("cores".into(), "2".into()), ("memory".into(), "2048 MiB".into())],
        snapshots: vec![("baseline".into(), "2026-11-01 10:00".into())],
        ips: vec![],
        cpu: vec![1, 5, 20, 80, 40],
        rates: Some(labdeck::engine::inventory::IoRates {
            diskread: 2048.0,
            diskwrite: 0.0,
            netin: 3.0 * 1024.0 * 1024.0,
            netout: 512.0,
        }),
        notes: vec!["no guest agent configured: IPs are not reported".into()],
        problems: vec!["guest agent: not running".into()],
    };
    reply(&mut a, Reply::GuestDetail(Box::new(detail)));
    let s = screen(&mut a);
    assert!(s.contains("baseline") && s.contains("2048 MiB") && s.contains("peak 80%"), "{s}");
    assert!(
        s.contains("read 2.0K/s write 0B/s") && s.contains("in 3.0M/s out 512B/s"),
        "rates in the detail pane: {s}"
    );
    assert!(s.contains("no guest agent configured"), "{s}");
}

/// Changes announced while guests are loading ask for one more delta afterwards, never a
/// second load at once (at 100k guests each one in flight holds a copy of the list).
#[test]
fn guest_loads_never_overlap() {
    let mut a = app(Role::Operator);
    a.take_commands();
    let changed = || Msg::Engine(Event::Changed(vec!["inventory".into()]));
    a.update(changed());
    let loads = |cmds: Vec<Command>| {
        cmds.iter().filter(|c| matches!(c, Command { op: Op::Inventory(InventoryOp::LoadGuests { .. }), .. })).count()
    };
    assert_eq!(loads(a.take_commands()), 1);
    a.update(changed());
    a.update(changed());
    assert_eq!(loads(a.take_commands()), 0, "one load in flight at a time");
    let done = GuestBatch { full: false, more: false, guests: vec![], total: 4, as_of: Utc::now() };
    reply(&mut a, Reply::Guests(Box::new(done.clone())));
    assert!(
        matches!(
            a.take_commands().as_slice(),
            [Command { op: Op::Inventory(InventoryOp::LoadGuests { since: Some(_), .. }), .. }]
        ),
        "one delta after"
    );
    reply(&mut a, Reply::Guests(Box::new(done)));
    assert!(a.take_commands().is_empty(), "and nothing more");
    // A failed load does not stop the next one.
    a.update(changed());
    let sent = a.take_commands();
    let id = sent.iter().find(|c| matches!(c.op, Op::Inventory(InventoryOp::LoadGuests { .. }))).map(|c| c.id);
    a.update(Msg::Engine(Event::Failed {
        id: id.unwrap(),
        origin: "inventory.guests",
        message: "database is locked".into(),
    }));
    a.update(changed());
    assert_eq!(loads(a.take_commands()), 1);
}

/// The "snapshots (0)" bug: a snapshot task finishing while the detail pane is open reads the
/// guest's detail again, and the pane shows the new snapshot.
#[test]
fn a_finished_task_refreshes_the_open_detail_pane() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Enter);
    let first = a.take_commands();
    let [Command { id, op: Op::Inventory(InventoryOp::GuestDetail { vmid: 100, .. }), .. }] = first.as_slice() else {
        panic!("{first:?}")
    };
    let detail = |snapshots: Vec<(String, String)>| labdeck::engine::inventory::GuestDetail {
        cluster_id: EAST,
        vmid: 100,
        config: vec![],
        snapshots,
        ips: vec![],
        cpu: vec![],
        rates: None,
        notes: vec![],
        problems: vec![],
    };
    ui::answer(&mut a, *id, Reply::GuestDetail(Box::new(detail(vec![]))));
    assert!(screen(&mut a).contains("snapshots (0)"));
    // The snapshot task ends: the poller records it, the console hears "tasks" changed.
    a.update(Msg::Engine(Event::Changed(vec!["tasks".into()])));
    let again = a.take_commands();
    let refetch = again.iter().find(|c| matches!(c.op, Op::Inventory(InventoryOp::GuestDetail { vmid: 100, .. })));
    let Some(refetch) = refetch else { panic!("the open pane is read again: {again:?}") };
    assert!(screen(&mut a).contains("snapshots (0)"), "the old detail stays until the new one comes");
    let taken = vec![("before-upgrade".to_string(), "2026-12-07 15:00".to_string())];
    ui::answer(&mut a, refetch.id, Reply::GuestDetail(Box::new(detail(taken))));
    let s = screen(&mut a);
    assert!(s.contains("snapshots (1)") && s.contains("before-upgrade"), "{s}");
}

/// The palette's `start` is the key's action (one table for keys, help and palette): it acts
/// on the selected guest as `s` does.
#[test]
fn a_palette_action_does_what_its_key_does() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Char(':'));
    ui::chars(&mut a, "start");
    key(&mut a, KeyCode::Enter);
    let by_palette = a.take_commands();
    key(&mut a, KeyCode::Char('s'));
    let by_key = a.take_commands();
    let op = |c: &[Command]| match c {
        [Command { op: Op::Inventory(InventoryOp::GuestAction { targets, op: GuestOp::Start }), .. }] => {
            targets.clone()
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(op(&by_palette), vec![(EAST, 100)]);
    assert_eq!(op(&by_palette), op(&by_key));
}

/// Answers go to the tab that asked: the Admin tab's cluster list gets the overview it asked
/// for, though the Inventory (first among the tabs) takes overviews too; its cluster form's
/// probe comes back to it as the certificate to trust.
#[test]
fn an_answer_goes_to_the_tab_that_asked() {
    let mut a = app(Role::Admin);
    ui::chars(&mut a, ":admin");
    key(&mut a, KeyCode::Enter);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char(']'));
    }
    let asked = a.take_commands();
    let id = asked
        .iter()
        .rev()
        .find(|c| matches!(c.op, Op::Inventory(InventoryOp::LoadOverview)))
        .map(|c| c.id)
        .expect("the clusters section asks for the overview");
    let (mut west, health) = (cluster(), PollHealth::default());
    west.name = "west".into();
    ui::answer(&mut a, id, Reply::Overview(Box::new(Overview { clusters: vec![(west, health)], nodes: vec![] })));
    let Phase::Shell(s) = &a.phase else { panic!() };
    let inventory = s.screen::<labdeck::tui::screens::inventory::InventoryScreen>().unwrap();
    assert_eq!(inventory.overview.clusters[0].0.name, "east", "the Inventory keeps its own overview");
    assert!(ui::screen(&mut a, 120, 24).contains("west"), "the Admin tab shows the one it asked for");

    // Its form: the submit is turned into a command by the Admin tab, and the answer (the
    // certificate to trust) comes back there, replacing the form.
    key(&mut a, KeyCode::Char('n'));
    ui::chars(&mut a, "north");
    key(&mut a, KeyCode::Tab);
    ui::chars(&mut a, "10.0.0.9");
    // Enter moves down the fields (port, token, secret, poll seconds), and sends on the last.
    for _ in 0..5 {
        key(&mut a, KeyCode::Enter);
    }
    let sent = a.take_commands();
    let probe = match sent.as_slice() {
        [c @ Command { op: Op::Inventory(InventoryOp::ProbeCluster { id: None, input }), .. }] => {
            assert_eq!((input.name.as_str(), input.host.as_str(), input.port), ("north", "10.0.0.9", 8006));
            c.id
        }
        other => panic!("{other:?}"),
    };
    let Op::Inventory(InventoryOp::ProbeCluster { input, .. }) = sent[0].op.clone() else { unreachable!() };
    let input = labdeck::engine::read::inventory::ClusterInput { fingerprint: "AA:BB".into(), ..input };
    ui::answer(&mut a, probe, Reply::TrustPrompt { id: None, input, previous: None });
    let s = ui::screen(&mut a, 120, 24);
    assert!(s.contains("trust this certificate?") && s.contains("AA:BB"), "{s}");
    key(&mut a, KeyCode::Char('y'));
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Inventory(InventoryOp::SaveCluster { id: None, .. }), .. }]
    ));
}

/// Issue 12: at 80×24 the name, state and address show before empty or minor columns, and
/// node names are not cut when there is room.
#[test]
fn at_80_columns_names_states_and_addresses_come_first() {
    let mut a = app(Role::Operator);
    let s = ui::screen(&mut a, 80, 24);
    let row = s.lines().find(|l| l.contains(" 100 ")).expect("guest 100 shown").to_string();
    for want in ["web-01", "running", "10.0.0.5"] {
        assert!(row.contains(want), "{want} missing at 80 columns: {row}\n{s}");
    }
    assert!(s.lines().find(|l| l.contains(" 102 ")).is_some_and(|l| l.contains("lab-student-1")), "{s}");
    assert!(s.lines().all(|l| l.trim_matches('"').chars().count() <= 80));
    insta::assert_snapshot!("inventory_80x24", s);
}

fn mouse(a: &mut App, kind: crossterm::event::MouseEventKind, column: u16, row: u16) {
    let ev = crossterm::event::MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE };
    a.update(Msg::Terminal(TermEvent::Mouse(ev)));
}

/// Issue 12: the wheel moves the selection, a click selects the row under it, and a click
/// on a tab opens that tab.
#[test]
fn the_mouse_scrolls_selects_rows_and_opens_tabs() {
    use crossterm::event::{MouseButton, MouseEventKind};
    let mut a = app(Role::Operator);
    let s = screen(&mut a);
    assert_eq!(selected(&a), 100);
    mouse(&mut a, MouseEventKind::ScrollDown, 10, 12);
    assert_eq!(selected(&a), 101, "the wheel moves like the arrow keys");
    mouse(&mut a, MouseEventKind::ScrollUp, 10, 12);
    assert_eq!(selected(&a), 100);
    let y = s.lines().position(|l| l.contains("lab-student-2")).expect("row drawn") as u16;
    mouse(&mut a, MouseEventKind::Down(MouseButton::Left), 20, y);
    assert_eq!(selected(&a), 103, "a click selects the row under it:\n{s}");
    let tabs = s.lines().next().unwrap();
    let x = tabs.find(" Me ").expect("the Me tab") as u16 + 1;
    mouse(&mut a, MouseEventKind::Down(MouseButton::Left), x, 0);
    let Phase::Shell(shell) = &a.phase else { panic!() };
    assert_eq!(shell.front().map(|s| s.title()), Some("Me"), "a click on a tab opens it");
}

#[test]
fn an_unreachable_cluster_line_names_the_cluster_before_the_error() {
    let mut a = app(Role::Operator);
    let health = PollHealth {
        last_error: Some("cluster east has no API token; edit it in Admin › clusters".into()),
        ..Default::default()
    };
    reply(&mut a, Reply::Overview(Box::new(Overview { clusters: vec![(cluster(), health)], nodes: vec![] })));
    let s = screen(&mut a);
    let line = s.lines().find(|l| l.contains("no API token")).expect("the error is shown");
    let name = line.find("east").expect("the cluster is named");
    let err = line.find('✗').unwrap();
    assert!(name < err, "the cluster name comes first: {line}");
    assert!(!line.contains("cluster east has"), "the name is not repeated inside the error: {line}");
}

#[test]
fn the_clone_form_shows_its_hint_takes_digits_for_the_vmid_and_submits_on_enter_from_any_field() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Char('c'));
    let s = screen(&mut a);
    assert!(s.contains("enter clone · tab next · esc cancel"), "the clone form shows its hint:\n{s}");
    key(&mut a, KeyCode::Tab);
    ui::chars(&mut a, "12]3");
    let s = screen(&mut a);
    assert!(s.contains("123") && !s.contains("12]3"), "the VMID takes digits only:\n{s}");
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::Enter);
    match a.take_commands().as_slice() {
        [Command { op: Op::Inventory(InventoryOp::GuestAction { op: GuestOp::Clone { newid, .. }, .. }), .. }] => {
            assert_eq!(*newid, Some(123), "Enter on the first field sent the form")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_filter_survives_switching_views_and_coming_back() {
    let mut a = app(Role::Operator);
    key(&mut a, KeyCode::Char('/'));
    ui::chars(&mut a, "web");
    key(&mut a, KeyCode::Enter);
    assert!(screen(&mut a).contains("/web"), "the guests are filtered");
    key(&mut a, KeyCode::Char(']'));
    let s = screen(&mut a);
    assert!(!s.contains("/web"), "the tasks view has its own (empty) filter:\n{s}");
    key(&mut a, KeyCode::Char('['));
    let s = screen(&mut a);
    assert!(s.contains("guests (1/4) /web"), "back on guests, the filter is still applied:\n{s}");
}
