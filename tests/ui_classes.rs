//! The Classes tab without a terminal: classes and VMs in, commands and frames out, for a
//! teacher (bulk actions, confirmations naming the targets, forms) and a student.

mod common;

use chrono::{TimeZone, Utc};
use common::ui::{chars as typed, key, reply, screen as render, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::domain::classes::policy::VmAction;
use labdeck::engine::classes::{self, Detail, Out};
use labdeck::engine::{Command, Op, Reply};
use labdeck::store::classes::{Class, ClassVm};
use labdeck::tui::app::{App, Phase};
use uuid::Uuid;

const CLASS: Uuid = Uuid::from_u128(41);

fn class(teaches: bool) -> Class {
    Class {
        id: CLASS,
        name: "Linux Basics 101".into(),
        teacher: "tess".into(),
        template_name: Some("ubuntu-2404-base".into()),
        template_vmid: Some(9000),
        deployment_node: Some("pve1".into()),
        pool_size: 4,
        vmid_prefix: Some(41),
        time_zone: "Europe/Berlin".into(),
        auto_shutdown_enabled: true,
        auto_shutdown_cpu_percent: 5.0,
        auto_shutdown_idle_minutes: 30,
        max_usage_hours: Some(40),
        enrolled: 3,
        waiting: 1,
        seats: 4,
        free_seats: 1,
        teaches,
        ..Class::default()
    }
}

fn vm(n: u128, user: Option<&str>, status: &str, ip: Option<&str>, usage: i64) -> ClassVm {
    ClassVm {
        id: Uuid::from_u128(100 + n),
        class_id: CLASS,
        class_name: "Linux Basics 101".into(),
        vmid: 4100 + n as i64,
        node: "pve1".into(),
        vm_name: format!("lb101-student-{:02}", n - 1),
        role: "student".into(),
        status: if user.is_some() { "assigned" } else { "available" }.into(),
        user_id: user.map(|u| Uuid::from_u128(u.len() as u128)),
        username: user.map(str::to_string),
        usage_seconds: usage,
        max_usage_hours: Some(40),
        guest_status: Some(status.into()),
        ip: ip.map(str::to_string),
        ssh_available: Some(ip.is_some()),
        last_login_at: Some(Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()),
        ..ClassVm::default()
    }
}

fn vms() -> Vec<ClassVm> {
    vec![
        vm(2, Some("sam"), "running", Some("10.0.41.2"), 41_040),
        vm(3, Some("sara"), "stopped", None, 14_700),
        vm(4, Some("sid"), "running", Some("10.0.41.4"), 71_340),
        vm(5, None, "stopped", None, 0),
    ]
}

fn app(role: Role, name: &str) -> App {
    signed_in(user(Uuid::from_u128(name.len() as u128), name, name, role))
}

fn detail(teaches: bool, vms: Vec<ClassVm>) -> Reply {
    let roster = if teaches {
        vec![("sam".into(), None, false), ("sara".into(), None, false), ("tim".into(), None, true)]
    } else {
        vec![]
    };
    Reply::Classes(Out::Detail(Box::new(Detail {
        class: class(teaches),
        vms,
        roster,
        tokens: vec![],
        co_owners: vec![],
        progress: vec![],
    })))
}

/// A teacher lands on Classes, opens the class, and sees every student's VM.
fn teacher_in_class() -> App {
    let mut a = app(Role::Teacher, "tess");
    let Phase::Shell(shell) = &a.phase else { panic!() };
    assert_eq!(shell.front().map(|s| s.title()), Some("Classes"), "a teacher's first tab");
    let cmds = a.take_commands();
    assert!(matches!(cmds.first(), Some(Command { op: Op::Classes(classes::Op::Load), .. })), "{cmds:?}");
    reply(&mut a, Reply::Classes(Out::List { classes: vec![class(true)] }));
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Classes(classes::Op::Detail { class_id: CLASS, .. }), .. }]
    ));
    reply(&mut a, detail(true, vms()));
    a
}

#[test]
fn the_teacher_sees_the_class_list_then_every_student_vm() {
    let mut a = app(Role::Teacher, "tess");
    reply(&mut a, Reply::Classes(Out::List { classes: vec![class(true)] }));
    insta::assert_snapshot!("classes_list", render(&mut a, 120, 10));
    let mut a = teacher_in_class();
    let screen = render(&mut a, 140, 20);
    insta::assert_snapshot!("classes_teacher_table", screen);
    assert!(screen.contains("ssh sam@10.0.41.2"));
    assert!(screen.contains("11.4 / 40 h"));
    assert!(screen.contains("no active join code"));
}

#[test]
fn bulk_actions_on_marks_confirm_naming_the_students() {
    let mut a = teacher_in_class();
    key(&mut a, KeyCode::Char(' '));
    key(&mut a, KeyCode::Char(' '));
    assert!(render(&mut a, 140, 20).contains("VMs, 2 marked"));
    key(&mut a, KeyCode::Char('S'));
    let screen = render(&mut a, 140, 20);
    assert!(screen.contains("sam's lb101-student-01 (4102), sara's lb101-student-02 (4103)"), "{screen}");
    key(&mut a, KeyCode::Char('y'));
    match a.take_commands().as_slice() {
        [Command { op: Op::Classes(classes::Op::Act { vm_ids, action: VmAction::Stop, .. }), .. }] => {
            assert_eq!(vm_ids.len(), 2)
        }
        other => panic!("{other:?}"),
    }
    // Reset usage and remove a student both ask first, naming who.
    key(&mut a, KeyCode::Char('u'));
    assert!(render(&mut a, 140, 20).contains("Reset the usage hours of sid's lb101-student-03 (4104)?"));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('x'));
    assert!(render(&mut a, 140, 20).contains("Remove sid from Linux Basics 101?"));
    key(&mut a, KeyCode::Char('y'));
    assert!(
        matches!(a.take_commands().as_slice(), [Command { op: Op::Classes(classes::Op::Unenroll { username, .. }), .. }] if username == "sid")
    );
}

#[test]
fn enroll_scale_and_code_forms_become_commands() {
    let mut a = teacher_in_class();
    key(&mut a, KeyCode::Char('e'));
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert!(
        matches!(a.take_commands().as_slice(), [Command { op: Op::Classes(classes::Op::Enroll { username, .. }), .. }] if username == "sam")
    );
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('d'));
    typed(&mut a, "0");
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Classes(classes::Op::Scale { size: Some(40), .. }), .. }]
    ));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('i'));
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Classes(classes::Op::IssueCode { days: None, .. }), .. }]
    ));
    // The code comes back once, with the command to send.
    reply(
        &mut a,
        Reply::Secret { message: "Send your students: labdeck join ABCDE-FGHJK".into(), secret: "ABCDE-FGHJK".into() },
    );
    assert!(render(&mut a, 140, 20).contains("labdeck join ABCDE-FGHJK"));
}

#[test]
fn a_student_sees_only_their_vm_and_joins_with_a_code() {
    let mut a = app(Role::Student, "sam");
    a.take_commands();
    reply(&mut a, Reply::Classes(Out::List { classes: vec![class(false)] }));
    key(&mut a, KeyCode::Enter);
    a.take_commands();
    reply(&mut a, detail(false, vec![vm(2, Some("sam"), "stopped", None, 3600)]));
    let screen = render(&mut a, 140, 16);
    insta::assert_snapshot!("classes_student", screen);
    assert!(screen.contains("VMs (1)"));
    key(&mut a, KeyCode::Char('s'));
    assert!(matches!(
        a.take_commands().as_slice(),
        [Command { op: Op::Classes(classes::Op::Act { action: VmAction::Start, .. }), .. }]
    ));
    // Students have no teacher actions.
    key(&mut a, KeyCode::Char('x'));
    key(&mut a, KeyCode::Char('d'));
    assert!(a.take_commands().is_empty());
    // Back to the list, then join another class: a wrong code is caught in the form.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('i'));
    typed(&mut a, "hello");
    key(&mut a, KeyCode::Enter);
    assert!(render(&mut a, 140, 16).contains("That is not a join code"));
    assert!(a.take_commands().is_empty());
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "abcde-fghjk");
    key(&mut a, KeyCode::Enter);
    match a.take_commands().as_slice() {
        [Command { op: Op::Classes(classes::Op::Join { code, .. }), .. }] => {
            assert_eq!(format!("{code:?}"), "Secret(***)")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn help_lists_the_class_keys() {
    let mut a = teacher_in_class();
    key(&mut a, KeyCode::Char('?'));
    let screen = render(&mut a, 120, 40);
    for want in
        ["keys: classes › Linux Basics 101", "Revert to baseline", "Publish the teacher VM", "Reset usage hours"]
    {
        assert!(screen.contains(want), "{want}:\n{screen}");
    }
}

/// Issue #14, item 1: the class list's "+n wait" and the class header's "n waiting" are the
/// same store value (Networks Lab read "2 +1 wait" beside "0 waiting").
#[test]
fn the_list_and_the_header_show_the_same_waiting_count() {
    let mut a = app(Role::Teacher, "tess");
    let mut c = class(true);
    c.waiting = 2;
    reply(&mut a, Reply::Classes(Out::List { classes: vec![c.clone()] }));
    assert!(render(&mut a, 120, 10).contains("3 +2 wait"));
    key(&mut a, KeyCode::Enter);
    a.take_commands();
    // The roster flags only one student: the header still counts what the list counts.
    let Reply::Classes(Out::Detail(mut d)) = detail(true, vms()) else { panic!() };
    d.class = c;
    reply(&mut a, Reply::Classes(Out::Detail(d)));
    let screen = render(&mut a, 140, 20);
    assert!(screen.contains("3 students, 2 waiting"), "{screen}");
}
