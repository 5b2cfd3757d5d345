//! The tutoring records of Support without a terminal (issue 18): an assignment's links
//! beside the assignments, its records in one table, and the forms that add, edit and move
//! a record — each offering what the user's standing allows.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::ui::{answer, chars as typed, key, reply, screen, signed_in, user};
use crossterm::event::KeyCode;
use labdeck::domain::Role;
use labdeck::domain::tutoring::RecordKind;
use labdeck::engine::records::Op as R;
use labdeck::engine::support::{Op, Out};
use labdeck::engine::{Command, Op as EngineOp, Reply};
use labdeck::store::support::{AssignmentRow, RecordEdit, RecordRow, TutoringContext, TutoringItem};
use labdeck::tui::app::{App, Overlay, Phase};
use uuid::Uuid;

const ME: Uuid = Uuid::from_u128(9);
const ASG: Uuid = Uuid::from_u128(300);
const MEETING: Uuid = Uuid::from_u128(301);

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap()
}

fn app(role: Role) -> App {
    // Times show in the local zone; the snapshots are taken in UTC.
    // SAFETY: every test in this file sets the same value before reading the clock.
    unsafe { std::env::set_var("TZ", "UTC") };
    let mut a = signed_in(user(ME, "tim", "Tim Tutor", role));
    if matches!(&a.phase, Phase::Shell(s) if s.tabs.iter().any(|t| t.title() == "Support")) {
        typed(&mut a, ":support");
        key(&mut a, KeyCode::Enter);
    }
    a.take_commands();
    a
}

fn ops(cmds: &[Command]) -> Vec<Op> {
    cmds.iter()
        .filter_map(|c| match c {
            Command { op: EngineOp::Support(op), .. } => Some(op.clone()),
            _ => None,
        })
        .collect()
}

fn out(a: &mut App, o: Out) {
    reply(a, Reply::Support(o));
}

fn assignment() -> AssignmentRow {
    AssignmentRow {
        id: ASG,
        assignment_code: "ASG-1".into(),
        title: "Calculus II".into(),
        student: "Sam Student".into(),
        service_type: "tutoring".into(),
        status: "in_progress".into(),
        due_at: Some(at(20, 12)),
        teachers: 1,
        invoices: 1,
    }
}

fn row(id: u128, kind: &str, status: &str, rel: &str) -> RecordRow {
    RecordRow {
        id: Uuid::from_u128(id),
        kind: kind.into(),
        assignment_id: ASG,
        assignment_code: "ASG-1".into(),
        status: status.into(),
        at: Some(at(4, 15)),
        person: Some("Tim Tutor".into()),
        detail: String::new(),
        minutes: None,
        size_bytes: None,
        who: None,
        rel: rel.into(),
    }
}

fn records(rel: &str) -> Vec<RecordRow> {
    vec![
        RecordRow { status: "accepted".into(), ..row(310, "teacher", "accepted", rel) },
        RecordRow { detail: "MT-123456".into(), person: None, ..row(301, "meeting", "scheduled", rel) },
        row(302, "writing", "submitted", rel),
        RecordRow { status: String::new(), ..row(303, "homework", "", rel) },
        RecordRow { minutes: Some(90), ..row(304, "exam", "scheduled", rel) },
        RecordRow {
            status: String::new(),
            detail: "essay.pdf  application/pdf".into(),
            size_bytes: Some(48_213),
            person: Some("Sam Student".into()),
            ..row(305, "file", "", rel)
        },
    ]
}

#[test]
fn an_assignment_shows_its_links_and_opens_its_records() {
    let mut a = app(Role::Support);
    for _ in 0..3 {
        key(&mut a, KeyCode::Char(']'));
    }
    let sent = ops(&a.take_commands());
    assert!(sent.iter().any(|o| matches!(o, Op::LoadAssignments)), "{sent:?}");
    out(&mut a, Out::Assignments(vec![assignment()]));
    let sent = ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::Links { assignment })] if *assignment == ASG),
        "the selected assignment's links load: {sent:?}"
    );
    let item = |kind: &'static str, text: &str| TutoringItem { kind, text: text.into() };
    let context = TutoringContext {
        title: "ASG-1 Calculus II".into(),
        items: vec![
            item("assignment", "tutoring, in_progress, due 2026-03-20"),
            item("teacher", "Tim Tutor (accepted)"),
            item("meeting", "MT-123456 scheduled"),
            item("exam", "90 min scheduled"),
            item("invoice", "80.00 EUR issued, due 2026-03-31"),
        ],
    };
    out(&mut a, Out::Links { assignment: ASG, context: Box::new(context) });
    let s = screen(&mut a, 140, 16);
    assert!(s.contains("MT-123456") && s.contains("80.00 EUR issued") && s.contains("90 min"), "{s}");
    insta::assert_snapshot!("support_assignment_links", s);

    // Enter: the assignment's records, every kind in one table.
    key(&mut a, KeyCode::Enter);
    let sent = ops(&a.take_commands());
    assert!(matches!(sent.as_slice(), [Op::Records(R::Load { assignment: Some(ASG) })]), "{sent:?}");
    out(&mut a, Out::Records(records("staff")));
    let s = screen(&mut a, 140, 14);
    assert!(s.contains("records (6)") && s.contains("of ASG-1") && s.contains("47.1 KiB"), "{s}");
    insta::assert_snapshot!("support_records", s);

    // o shows one kind at a time.
    key(&mut a, KeyCode::Char('o'));
    key(&mut a, KeyCode::Char('o'));
    let s = screen(&mut a, 140, 14);
    assert!(s.contains("records (1)") && s.contains("kind: meetings"), "{s}");
}

#[test]
fn a_tutor_schedules_a_meeting_moves_it_and_marks_it_done() {
    let mut a = app(Role::Teacher);
    // A tutor's Support views: threads, assignments, records.
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char(']'));
    let sent = ops(&a.take_commands());
    assert!(sent.iter().any(|o| matches!(o, Op::Records(R::Load { assignment: None }))), "{sent:?}");
    out(&mut a, Out::Records(records("tutor")));
    key(&mut a, KeyCode::Char('o'));
    key(&mut a, KeyCode::Char('o'));

    // n: a new meeting of the assignment shown, at a time typed in the local zone.
    key(&mut a, KeyCode::Char('n'));
    let s = screen(&mut a, 140, 24);
    assert!(s.contains("new meeting") && s.contains("When (YYYY-MM-DD HH:MM)"), "{s}");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "2026-03-05 16:30");
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let sent = ops(&cmds);
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::Create { kind: RecordKind::Meeting, assignment, when: Some(w), .. })]
            if assignment == "ASG-1" && *w == Utc.with_ymd_and_hms(2026, 3, 5, 16, 30, 0).unwrap()),
        "{sent:?}"
    );
    answer(&mut a, cmds[0].id, Reply::Done("Added a meeting to ASG-1.".into()));
    assert!(a.overlay.is_none());

    // Enter: reschedule, the form holding the current time.
    key(&mut a, KeyCode::Enter);
    assert!(screen(&mut a, 140, 24).contains("2026-03-04 15:00"));
    for _ in 0..5 {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "17:00");
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let sent = ops(&cmds);
    answer(&mut a, cmds[0].id, Reply::Done("The meeting is changed.".into()));
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::Edit { kind: RecordKind::Meeting, id, edit: RecordEdit::When(w) })]
            if *id == MEETING && *w == at(4, 17)),
        "{sent:?}"
    );

    // e: the moves a tutor may make from scheduled; pick "completed".
    key(&mut a, KeyCode::Char('e'));
    let s = screen(&mut a, 140, 24);
    assert!(s.contains("meeting of ASG-1 · scheduled"), "{s}");
    key(&mut a, KeyCode::Right);
    key(&mut a, KeyCode::Enter);
    let sent = ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::SetStatus { kind: RecordKind::Meeting, id, status })]
            if *id == MEETING && status == "completed"),
        "{sent:?}"
    );
}

#[test]
fn a_student_is_offered_only_what_is_theirs_to_do() {
    let mut a = app(Role::Student);
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char(']'));
    a.take_commands();
    out(&mut a, Out::Records(records("student")));
    // The meeting: nothing a student may move it to.
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char('e'));
    assert!(a.overlay.is_none());
    assert!(screen(&mut a, 140, 14).contains("You cannot move this meeting on from scheduled."));
    // The new-record form offers the kinds a student adds: writings and files.
    key(&mut a, KeyCode::Char('n'));
    let Some(Overlay::Form(form)) = &a.overlay else { panic!("a form") };
    let s = format!("{form:?}");
    assert!(s.contains("\"writing\"") && s.contains("\"file\"") && !s.contains("\"meeting\""), "{s}");
}

#[test]
fn a_file_is_attached_to_a_thread_from_a_form() {
    let mut a = app(Role::Student);
    let thread = Uuid::from_u128(200);
    let row = labdeck::store::support::ThreadRow {
        id: thread,
        subject: "My essay".into(),
        thread_type: "assignment".into(),
        status: "open".into(),
        assignment_id: Some(ASG),
        assignment_code: Some("ASG-1".into()),
        invoice_id: None,
        created_by_name: Some("Tim Tutor".into()),
        updated_at: at(4, 15),
        messages: 1,
        unread: 0,
    };
    out(&mut a, Out::Threads(vec![row]));
    key(&mut a, KeyCode::Char('a'));
    assert!(screen(&mut a, 140, 24).contains("attach to 'My essay'"));
    typed(&mut a, "/home/sam/essay.pdf");
    key(&mut a, KeyCode::Enter);
    let sent = ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::Attach { thread: t, path })] if *t == thread && path == "/home/sam/essay.pdf"),
        "{sent:?}"
    );
}

/// A file's name may hold two spaces (the detail is "name  type"): the rename form starts
/// from the whole name.
#[test]
fn renaming_a_file_starts_from_its_whole_name() {
    let mut a = app(Role::Teacher);
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char(']'));
    a.take_commands();
    let file = RecordRow {
        status: String::new(),
        detail: "week  1 notes.pdf  application/pdf".into(),
        size_bytes: Some(1_000),
        ..row(305, "file", "", "tutor")
    };
    out(&mut a, Out::Records(vec![file]));
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let sent = ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::Records(R::Edit { edit: RecordEdit::Name(n), .. })] if n == "week  1 notes.pdf"),
        "{sent:?}"
    );
}
