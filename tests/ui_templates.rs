//! The Classes tab's templates (issue 18) without a terminal: the templates view lists each
//! template with its replicas per node and what it was derived from, and the class form
//! picks its template from that list instead of a typed VMID.

mod common;

use common::ui::{key, reply, screen, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::engine::classes::{self, Out};
use labdeck::engine::{Command, Op, Reply};
use labdeck::store::classes::TemplateRow;
use labdeck::tui::app::{App, Overlay};
use uuid::Uuid;

const UBUNTU: Uuid = Uuid::from_u128(90);
const GOLDEN: Uuid = Uuid::from_u128(91);

fn template(id: u128, name: &str, vmid: i64, node: &str, replica_of: Option<Uuid>) -> TemplateRow {
    TemplateRow {
        id: Uuid::from_u128(id),
        name: name.into(),
        vmid,
        cluster: "demo".into(),
        node: node.into(),
        is_replica: replica_of.is_some(),
        original_id: replica_of,
        derived_from: None,
        class_name: None,
        cpu_cores: Some(2),
        memory_mb: Some(2048),
        disk_size_gb: Some(32.0),
        used_by: 0,
    }
}

fn templates() -> Vec<TemplateRow> {
    vec![
        TemplateRow {
            derived_from: Some("ubuntu-2404-base (9000)".into()),
            class_name: Some("Linux Basics 101".into()),
            ..template(91, "lb101-golden", 9010, "pve1", None)
        },
        TemplateRow { used_by: 1, ..template(90, "ubuntu-2404-base", 9000, "pve1", None) },
        template(92, "ubuntu-2404-base", 9100, "pve2", Some(UBUNTU)),
        template(93, "ubuntu-2404-base", 9200, "pve3", Some(UBUNTU)),
    ]
}

fn teacher() -> App {
    let mut a = signed_in(user(Uuid::from_u128(4), "tess", "Tess Teacher", Role::Teacher));
    let cmds = a.take_commands();
    assert!(
        cmds.iter().any(|c| matches!(c, Command { op: Op::Classes(classes::Op::Templates), .. })),
        "the templates load with the tab: {cmds:?}"
    );
    reply(&mut a, Reply::Classes(Out::List { classes: vec![] }));
    reply(&mut a, Reply::Classes(Out::Templates(templates())));
    a
}

#[test]
fn the_templates_view_shows_replicas_per_node_and_origins() {
    let mut a = teacher();
    key(&mut a, KeyCode::Char(']'));
    let s = screen(&mut a, 130, 10);
    assert!(s.contains("↳ replica on pve2") && s.contains("↳ replica on pve3"), "{s}");
    assert!(s.contains("ubuntu-2404-base (9000)") && s.contains("Linux Basics 101"), "{s}");
    insta::assert_snapshot!("classes_templates", s);
    key(&mut a, KeyCode::Esc);
    assert!(screen(&mut a, 130, 10).contains("classes (0)"));
}

#[test]
fn the_class_form_picks_its_template_from_the_list() {
    let mut a = teacher();
    key(&mut a, KeyCode::Char('n'));
    let Some(Overlay::Form(_)) = &a.overlay else { panic!("the class form") };
    let s = screen(&mut a, 150, 30);
    assert!(s.contains("none yet"), "no template picked yet: {s}");
    // Name, then the picker: → to the first template, → again to the second (replicas are
    // not offered: Proxmox clones from the replica on the chosen node itself).
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Right);
    let s = screen(&mut a, 150, 30);
    assert!(s.contains("ubuntu-2404-base · 9000 on demo/pve1"), "{s}");
    for _ in 0..11 {
        key(&mut a, KeyCode::Enter);
    }
    let cmds = a.take_commands();
    let sent: Vec<_> = cmds
        .iter()
        .filter_map(|c| match &c.op {
            Op::Classes(classes::Op::Create { form }) => Some(form.template.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [UBUNTU.to_string()], "{cmds:?}");
    let _ = GOLDEN;
}
