//! The Infrastructure tab without a terminal: a snapshot of every view, `[`/`]` switching,
//! the detail pane, forms that become the right command, a confirmation naming the target,
//! allocate from a subnet, and a viewer offered no changes.

mod common;

use common::ui::{chars, key, reply, screen, signed_in, user};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::domain::infra::{Cell, FieldKind, Kind, Record};
use labdeck::engine::infra::{Op as InfraOp, Out};
use labdeck::engine::read::infra::Detail;
use labdeck::engine::{Command, Op, Reply};
use labdeck::tui::app::App;
use labdeck::tui::screens::infra::{InfraScreen, VIEWS};
use uuid::Uuid;

/// Record `n` of a kind, every field filled by its type (ids fixed so snapshots are stable).
fn record(kind: Kind, n: u128) -> Record {
    let cells = kind
        .fields()
        .iter()
        .map(|f| match f.kind {
            FieldKind::Bytes | FieldKind::SumBytes => Cell::Bytes(((n as i64 + 1) * 4) << 30),
            FieldKind::Count | FieldKind::Percent => Cell::Int(n as i64 * 3 + 1),
            FieldKind::Int { min, .. } => Cell::Int(min.max(1) + n as i64),
            FieldKind::Vlan => Cell::Int(100 + n as i64),
            FieldKind::Bool => Cell::Bool(n.is_multiple_of(2)),
            FieldKind::Choice(words) => Cell::Text(words[n as usize % words.len()].into()),
            FieldKind::Cidr => Cell::Text(format!("10.{n}.0.0/16")),
            FieldKind::Ip => Cell::Text(format!("10.0.{n}.10")),
            FieldKind::Ref(_) => Cell::Text(format!("ref-{n}")),
            FieldKind::Label => Cell::Text("pve1/4200 running".into()),
            FieldKind::Text => Cell::Text(format!("{}-{n}", f.name.replace('_', "-"))),
        })
        .collect();
    Record { id: Uuid::from_u128(n + 1), cells }
}

fn press(a: &mut App, c: char) {
    let mods = if c.is_ascii_uppercase() { KeyModifiers::SHIFT } else { KeyModifiers::NONE };
    a.update(labdeck::tui::app::Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Char(c), mods))));
}

fn infra(a: &App) -> &InfraScreen {
    let labdeck::tui::app::Phase::Shell(shell) = &a.phase else { panic!("signed in") };
    shell.screen::<InfraScreen>().expect("the Infrastructure tab")
}

/// Signed in as `role`, on the Infrastructure tab (by the palette).
fn open(role: Role) -> App {
    let mut a = signed_in(user(Uuid::from_u128(99), "ada", "Ada", role));
    key(&mut a, KeyCode::Char(':'));
    chars(&mut a, "infra");
    key(&mut a, KeyCode::Enter);
    a
}

/// Enter through the open form until it is sent (Enter moves to the next field until the last).
fn submit(a: &mut App) {
    for _ in 0..30 {
        match &a.overlay {
            Some(labdeck::tui::app::Overlay::Form(f)) if !f.busy => key(a, KeyCode::Enter),
            _ => return,
        }
    }
}

/// The engine answers the request the open form waits for.
fn answer_form(a: &mut App, r: Reply) {
    let Some(labdeck::tui::app::Overlay::Form(f)) = &a.overlay else { panic!("no form open") };
    let id = f.request.expect("the form was sent");
    common::ui::answer(a, id, r);
}

fn sent(a: &mut App) -> Vec<InfraOp> {
    a.take_commands()
        .into_iter()
        .filter_map(|Command { op, .. }| match op {
            Op::Infra(op) => Some(op),
            _ => None,
        })
        .collect()
}

#[test]
fn every_view_draws_its_records() {
    let mut a = open(Role::Admin);
    assert!(matches!(sent(&mut a).as_slice(), [InfraOp::List { kind: Kind::Sites }]));
    for (i, (_, kind)) in VIEWS.iter().enumerate() {
        if i > 0 {
            press(&mut a, ']');
            assert!(matches!(sent(&mut a).as_slice(), [InfraOp::List { kind: k }] if k == kind), "{kind}");
        }
        reply(&mut a, Reply::Infra(Out::List { kind: *kind, records: vec![record(*kind, 0), record(*kind, 1)] }));
        insta::assert_snapshot!(format!("infra_{kind}"), screen(&mut a, 140, 12));
    }
    press(&mut a, ']');
    assert_eq!(infra(&a).kind(), Kind::Sites, "] wraps around");
    press(&mut a, '[');
    assert_eq!(infra(&a).kind(), Kind::Groups, "[ goes back");
}

#[test]
fn enter_opens_the_detail_pane_with_what_hangs_below() {
    let mut a = open(Role::Admin);
    key(&mut a, KeyCode::Char(':'));
    chars(&mut a, "infra subnets");
    key(&mut a, KeyCode::Enter);
    sent(&mut a);
    let rec = record(Kind::Subnets, 0);
    reply(
        &mut a,
        Reply::Infra(Out::List { kind: Kind::Subnets, records: vec![rec.clone(), record(Kind::Subnets, 1)] }),
    );
    key(&mut a, KeyCode::Enter);
    assert!(matches!(sent(&mut a).as_slice(), [InfraOp::Detail { kind: Kind::Subnets, id }] if *id == rec.id));
    let detail = Detail { record: rec, sections: vec![("Places".into(), vec!["Lab A (room 1.12)".into()])] };
    reply(&mut a, Reply::Infra(Out::Detail { kind: Kind::Subnets, detail: Box::new(detail) }));
    insta::assert_snapshot!("infra_subnet_detail", screen(&mut a, 140, 16));
    key(&mut a, KeyCode::Down);
    assert!(matches!(sent(&mut a).as_slice(), [InfraOp::Detail { .. }]), "the pane follows the selection");
}

#[test]
fn forms_become_commands_and_deletes_name_their_target() {
    let mut a = open(Role::Admin);
    key(&mut a, KeyCode::Char(':'));
    chars(&mut a, "infra subnets");
    key(&mut a, KeyCode::Enter);
    sent(&mut a);
    reply(&mut a, Reply::Infra(Out::List { kind: Kind::Subnets, records: vec![record(Kind::Subnets, 0)] }));

    // New subnet: name, VPC, CIDR typed; the rest left empty.
    press(&mut a, 'n');
    for text in ["lab", "northfield-main", "10.40.9.0/24"] {
        chars(&mut a, text);
        key(&mut a, KeyCode::Tab);
    }
    submit(&mut a);
    let ops = sent(&mut a);
    let [InfraOp::Create { kind: Kind::Subnets, values }] = ops.as_slice() else { panic!("{ops:?}") };
    let pairs: Vec<(&str, &str)> = values.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert!(pairs.contains(&("name", "lab")) && pairs.contains(&("cidr_block", "10.40.9.0/24")), "{pairs:?}");
    assert!(pairs.contains(&("vpc_id", "northfield-main")), "{pairs:?}");
    answer_form(&mut a, Reply::Done("Created subnet lab.".into()));
    assert!(a.overlay.is_none(), "the form closes on its answer");

    // Edit sends only what changed.
    press(&mut a, 'E');
    chars(&mut a, "x");
    submit(&mut a);
    let ops = sent(&mut a);
    let [InfraOp::Update { kind: Kind::Subnets, values, .. }] = ops.as_slice() else { panic!("{ops:?}") };
    assert_eq!(values, &vec![("name".to_string(), "name-0x".to_string())]);
    answer_form(&mut a, Reply::Done("Saved subnet (name).".into()));

    // Allocate from the selected subnet: its name is filled in.
    press(&mut a, 'A');
    submit(&mut a);
    let ops = sent(&mut a);
    assert!(
        matches!(ops.as_slice(), [InfraOp::Allocate { subnet, address: None, instance: None }] if subnet == "name-0"),
        "{ops:?}"
    );
    answer_form(&mut a, Reply::Infra(Out::Allocated { id: Uuid::nil(), address: "10.0.0.12".into() }));
    assert!(screen(&mut a, 140, 12).contains("Allocated 10.0.0.12"));

    // Delete asks first, naming the subnet.
    press(&mut a, 'x');
    assert!(screen(&mut a, 140, 16).contains("delete subnet name-0?"));
    assert!(sent(&mut a).is_empty());
    press(&mut a, 'y');
    assert!(matches!(sent(&mut a).as_slice(), [InfraOp::Delete { kind: Kind::Subnets, .. }]));
}

#[test]
fn a_data_disk_attaches_to_an_instance_named_in_the_form() {
    let mut a = open(Role::Operator);
    key(&mut a, KeyCode::Char(':'));
    chars(&mut a, "infra disks");
    key(&mut a, KeyCode::Enter);
    sent(&mut a);
    reply(&mut a, Reply::Infra(Out::List { kind: Kind::Disks, records: vec![record(Kind::Disks, 0)] }));
    press(&mut a, 'a');
    chars(&mut a, "jupyter-tess");
    submit(&mut a);
    let ops = sent(&mut a);
    assert!(
        matches!(ops.as_slice(), [InfraOp::Attach { disk, instance, mount_path, read_only: false }]
            if disk == "name-0" && instance == "jupyter-tess" && mount_path == "/mnt/data"),
        "{ops:?}"
    );
}

#[test]
fn a_viewer_reads_and_is_offered_no_changes() {
    let mut a = open(Role::Viewer);
    sent(&mut a);
    reply(&mut a, Reply::Infra(Out::List { kind: Kind::Sites, records: vec![record(Kind::Sites, 0)] }));
    press(&mut a, '?');
    let help = screen(&mut a, 120, 40);
    assert!(
        help.contains("Show the detail pane") && !help.contains("Create") && !help.contains("Delete the selected"),
        "{help}"
    );
    key(&mut a, KeyCode::Esc);
    press(&mut a, 'n');
    assert!(sent(&mut a).is_empty(), "new opens nothing for a viewer");
    // Students have no Infrastructure tab.
    let s = signed_in(user(Uuid::from_u128(98), "sam", "Sam", Role::Student));
    let labdeck::tui::app::Phase::Shell(shell) = &s.phase else { panic!("signed in") };
    assert!(shell.screen::<InfraScreen>().is_none());
}

#[test]
fn the_filter_narrows_the_open_view() {
    let mut a = open(Role::Admin);
    sent(&mut a);
    let records: Vec<Record> = (0..50).map(|n| record(Kind::Sites, n)).collect();
    reply(&mut a, Reply::Infra(Out::List { kind: Kind::Sites, records }));
    key(&mut a, KeyCode::Char('/'));
    chars(&mut a, "name-4");
    assert!(screen(&mut a, 140, 12).contains("(11/50)"), "name-4 and name-40…49");
}
