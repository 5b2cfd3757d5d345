//! The Support screen without a terminal: queue, chat and threads in; commands and frames out.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::ui::{answer, chars as typed, key, reply, screen, signed_in, user};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use labdeck::domain::Role;
use labdeck::engine::support::{Op, Out};
use labdeck::engine::{Command, Op as EngineOp, Reply};
use labdeck::store::profiles::PersonCard;
use labdeck::store::support::{
    CannedReply, InvoiceRow, ThreadMessage, ThreadRow, TutoringContext, TutoringItem, VisitorMessage, VisitorSession,
};
use labdeck::tui::app::{App, Msg, Overlay, Phase};
use uuid::Uuid;

const ME: Uuid = Uuid::from_u128(9);
const WAITING: Uuid = Uuid::from_u128(100);
const ACTIVE: Uuid = Uuid::from_u128(101);
const THREAD: Uuid = Uuid::from_u128(200);

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, h, m, 0).unwrap()
}

fn utc() {
    // Times show in the local zone; the snapshots are taken in UTC.
    // SAFETY: every test in this file sets the same value before reading the clock.
    unsafe { std::env::set_var("TZ", "UTC") };
}

fn session(id: Uuid, reference: &str, name: &str, subject: &str, mine: bool) -> VisitorSession {
    VisitorSession {
        id,
        reference: reference.into(),
        visitor_name: name.into(),
        visitor_email: Some(format!("{}@example.com", name.to_lowercase().replace(' ', "."))),
        visitor_phone: None,
        subject: subject.into(),
        status: if mine { "active" } else { "waiting" }.into(),
        claimed_by: mine.then_some(ME),
        claimed_by_name: mine.then(|| "Sue Support".into()),
        started_at: Utc::now() - Duration::minutes(6),
        last_activity_at: Utc::now(),
        closed_at: None,
        converted_user_id: None,
        converted_thread_id: None,
        messages: 3,
    }
}

fn msg(from: &str, text: &str, m: u32) -> VisitorMessage {
    VisitorMessage {
        id: Uuid::from_u128(1000 + m as u128),
        session_id: ACTIVE,
        sender_type: from.into(),
        rep_name: (from == "rep").then(|| "Sue Support".into()),
        content: text.into(),
        created_at: at(10, m),
    }
}

fn app(role: Role) -> App {
    utc();
    let mut a = signed_in(user(ME, "sue", "Sue Support", role));
    // Support is not every role's first tab: open it as a person would, by the palette.
    if matches!(&a.phase, Phase::Shell(s) if s.tabs.iter().any(|t| t.title() == "Support")) {
        typed(&mut a, ":support");
        key(&mut a, KeyCode::Enter);
    }
    a
}

fn support_ops(cmds: &[Command]) -> Vec<Op> {
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

/// Sue, with two chats in the queue (one waiting, one hers) and its transcript.
fn with_queue() -> App {
    let mut a = app(Role::Support);
    let cmds = a.take_commands();
    let sent = support_ops(&cmds);
    assert!(sent.iter().any(|o| matches!(o, Op::LoadQueue)), "the queue loads first: {sent:?}");
    assert!(sent.iter().any(|o| matches!(o, Op::LoadUnread)));
    assert!(
        cmds.iter().any(|c| matches!(c, Command { op: EngineOp::WatchClosely(true), .. })),
        "the engine looks more often while the queue shows"
    );
    out(
        &mut a,
        Out::Queue(vec![
            session(WAITING, "PS-100001", "Priya Nair", "Group booking for a school visit", false),
            session(ACTIVE, "PS-100002", "Lukas Becker", "Trouble paying an invoice", true),
        ]),
    );
    let sent = support_ops(&a.take_commands());
    assert!(matches!(sent.as_slice(), [Op::LoadTranscript { session }] if *session == WAITING), "{sent:?}");
    out(&mut a, Out::Unread { messages: 2, waiting: 1 });
    out(
        &mut a,
        Out::Canned(vec![CannedReply {
            id: Uuid::from_u128(7),
            title: "thanks".into(),
            body: "Thanks {visitor_name}!".into(),
        }]),
    );
    a
}

#[test]
fn the_queue_claims_and_chats_with_a_multi_line_reply() {
    let mut a = with_queue();
    // Claim the waiting chat; replying before claiming is refused with a hint.
    key(&mut a, KeyCode::Char('C'));
    assert!(matches!(support_ops(&a.take_commands()).as_slice(), [Op::Claim { session }] if *session == WAITING));
    key(&mut a, KeyCode::Enter);
    assert!(screen(&mut a, 140, 20).contains("Claim PS-100001 first"));
    key(&mut a, KeyCode::Esc);

    // Sue's own chat: its transcript, then a two-line reply.
    key(&mut a, KeyCode::Down);
    assert!(
        matches!(support_ops(&a.take_commands()).as_slice(), [Op::LoadTranscript { session }] if *session == ACTIVE)
    );
    out(
        &mut a,
        Out::Transcript {
            session: ACTIVE,
            messages: vec![
                msg("visitor", "The payment page rejects my card.", 1),
                msg("system", "Sue joined the chat.", 2),
                msg("rep", "Hi Lukas, which invoice is it, and what does the error say?", 3),
            ],
        },
    );
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "We take Visa");
    a.update(Msg::Terminal(TermEvent::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::ALT))));
    typed(&mut a, "and transfers.");
    insta::assert_snapshot!("support_queue_composing", screen(&mut a, 140, 22));
    key(&mut a, KeyCode::Enter);
    let sent = support_ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::Reply { session, text }] if *session == ACTIVE && text == "We take Visa\nand transfers."),
        "{sent:?}"
    );
    // While composing, keys are text, not actions: 'q' does not quit.
    typed(&mut a, "q");
    assert!(!a.quit);
    key(&mut a, KeyCode::Esc);

    // Close names the chat; the canned picker sends the chosen reply.
    key(&mut a, KeyCode::Char('X'));
    match &a.overlay {
        Some(Overlay::Confirm { message, .. }) => {
            assert!(message.contains("PS-100002") && message.contains("Lukas Becker"))
        }
        _ => panic!("a confirmation"),
    }
    key(&mut a, KeyCode::Char('n'));
    key(&mut a, KeyCode::Char('m'));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))));
    // Issue #14, item 2: the dialog names the one set of variables.
    let dialog = screen(&mut a, 160, 22);
    assert!(dialog.contains("{visitor_name}") && dialog.contains("{rep_name}"), "{dialog}");
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let sent = support_ops(&cmds);
    assert!(matches!(sent.as_slice(), [Op::Canned { session, .. }] if *session == ACTIVE), "{sent:?}");
    // The engine answers a sent canned reply with Done: the dialog closes (not stuck on "working…").
    answer(&mut a, cmds[0].id, Reply::Done("Sent 'thanks' to Lukas Becker.".into()));
    assert!(a.overlay.is_none(), "the dialog closes once the reply is sent");
}

#[test]
fn a_long_chat_scrolls_back_to_its_first_message_and_forward_again() {
    let mut a = with_queue();
    key(&mut a, KeyCode::Down);
    a.take_commands();
    let messages = (0..40).map(|i| msg("visitor", &format!("line number {i}"), i)).collect();
    out(&mut a, Out::Transcript { session: ACTIVE, messages });
    let s = screen(&mut a, 140, 20);
    assert!(s.contains("line number 39") && !s.contains("line number 20 "), "{s}");
    for _ in 0..10 {
        key(&mut a, KeyCode::Char(','));
    }
    let s = screen(&mut a, 140, 20);
    assert!(s.contains("line number 0 ") && !s.contains("line number 39"), "{s}");
    assert!(s.contains("newer lines · . later"), "{s}");
    // Forward again: no key press is lost to scrolling past the oldest line.
    for _ in 0..10 {
        key(&mut a, KeyCode::Char('.'));
    }
    let s = screen(&mut a, 140, 20);
    assert!(s.contains("line number 39") && !s.contains("newer lines"), "{s}");
    key(&mut a, KeyCode::Char(','));
    assert!(screen(&mut a, 140, 20).contains("newer lines"));
    // Another chat opens at its newest message.
    key(&mut a, KeyCode::Up);
    out(&mut a, Out::Transcript { session: WAITING, messages: vec![msg("visitor", "hello", 1)] });
    assert!(!screen(&mut a, 140, 20).contains("newer lines"));
}

#[test]
fn the_tab_and_status_bar_count_what_needs_a_rep() {
    let mut a = with_queue();
    let s = screen(&mut a, 140, 12);
    assert!(s.contains("Support (3)"), "{s}");
    assert!(s.contains("chats waiting 1 · unread 2"), "{s}");
    insta::assert_snapshot!("support_queue", s);
}

#[test]
fn threads_show_unread_messages_and_the_tutoring_context() {
    let mut a = with_queue();
    key(&mut a, KeyCode::Char(']'));
    key(&mut a, KeyCode::Char(']'));
    let cmds = a.take_commands();
    let sent = support_ops(&cmds);
    assert!(sent.iter().any(|o| matches!(o, Op::LoadThreads { .. })), "{sent:?}");
    assert!(cmds.iter().any(|c| matches!(c, Command { op: EngineOp::WatchClosely(false), .. })), "{cmds:?}");
    let row = ThreadRow {
        id: THREAD,
        subject: "Invoice for midterm preparation".into(),
        thread_type: "invoice".into(),
        status: "open".into(),
        assignment_id: None,
        assignment_code: Some("ASG-1003".into()),
        invoice_id: Some(Uuid::from_u128(300)),
        created_by_name: Some("Sid Student".into()),
        updated_at: Utc::now() - Duration::hours(3),
        messages: 2,
        unread: 1,
    };
    out(&mut a, Out::Threads(vec![row]));
    key(&mut a, KeyCode::Enter);
    let sent = support_ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::OpenThread { thread, invoice: Some(_), .. }] if *thread == THREAD),
        "{sent:?}"
    );
    let item = |kind, text: &str| TutoringItem { kind, text: text.into() };
    out(
        &mut a,
        Out::Thread {
            thread: THREAD,
            messages: vec![
                ThreadMessage {
                    id: Uuid::from_u128(1),
                    sender_name: Some("Sid Student".into()),
                    content: "I paid half by bank transfer, receipt attached.".into(),
                    created_at: at(9, 0),
                    attachments: vec![],
                },
                ThreadMessage {
                    id: Uuid::from_u128(2),
                    sender_name: Some("Sue Support".into()),
                    content: "We received the transfer.\nCould you try the card again?".into(),
                    created_at: at(9, 30),
                    attachments: vec![],
                },
            ],
            context: Box::new(TutoringContext {
                title: "ASG-1003 Midterm: operating systems".into(),
                items: vec![
                    item("assignment", "exam, open, due 2026-03-09"),
                    item("invoice", "80.00 EUR partially_paid, due 2026-03-05"),
                    item("payment", "40.00 EUR bank_transfer succeeded"),
                ],
            }),
            // Issue 18: the people of the thread as avatars, with role, time zone and subjects.
            people: vec![PersonCard {
                user_id: Uuid::from_u128(3),
                initials: "SS".into(),
                display_name: "Sid Student".into(),
                role: "student".into(),
                time_zone: "Europe/Berlin".into(),
                subjects: "Operating systems".into(),
            }],
        },
    );
    insta::assert_snapshot!("support_thread", screen(&mut a, 140, 22));
    // Enter again replies; 'o' cycles the type shown.
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "Thanks!");
    key(&mut a, KeyCode::Enter);
    assert!(
        matches!(support_ops(&a.take_commands()).as_slice(), [Op::Post { thread, text }] if *thread == THREAD && text == "Thanks!")
    );
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Char('o'));
    let sent = support_ops(&a.take_commands());
    assert!(
        sent.iter()
            .any(|o| matches!(o, Op::LoadThreads { filter } if filter.thread_type.as_deref() == Some("support"))),
        "{sent:?}"
    );
}

#[test]
fn students_see_threads_and_assignments_but_no_visitor_chats() {
    let mut a = app(Role::Student);
    let Phase::Shell(shell) = &a.phase else { panic!("signed in") };
    assert!(shell.tabs.iter().any(|t| t.title() == "Support"));
    let sent = support_ops(&a.take_commands());
    assert!(!sent.iter().any(|o| matches!(o, Op::LoadQueue)), "{sent:?}");
    out(&mut a, Out::Unread { messages: 4, waiting: 0 });
    let s = screen(&mut a, 120, 10);
    assert!(!s.contains("live chats") && s.contains("threads") && s.contains("assignments"), "{s}");
    // No queue to count for someone who cannot answer visitors.
    assert!(!s.contains("chats waiting") && s.contains("messages unread 4"), "{s}");
    let viewer = app(Role::Viewer);
    let Phase::Shell(shell) = &viewer.phase else { panic!("signed in") };
    assert!(!shell.tabs.iter().any(|t| t.title() == "Support"));
}

#[test]
fn a_student_opens_an_assignment_from_the_form() {
    let mut a = app(Role::Student);
    a.take_commands();
    key(&mut a, KeyCode::Char(']'));
    a.take_commands();
    key(&mut a, KeyCode::Char('n'));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))));
    typed(&mut a, "ASG-77");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "Essay on routing");
    for _ in 0..3 {
        key(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "2026-12-24");
    key(&mut a, KeyCode::Enter);
    let sent = support_ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::CreateAssignment { code, student, due: Some(_), .. }] if code == "ASG-77" && student == "sue"),
        "{sent:?}"
    );
}

#[test]
fn a_student_opens_a_thread_to_support_from_the_form() {
    let mut a = app(Role::Student);
    a.take_commands();
    key(&mut a, KeyCode::Char('n'));
    assert!(matches!(a.overlay, Some(Overlay::Form(_))), "threads come first for students");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "VM will not boot");
    for _ in 0..3 {
        key(&mut a, KeyCode::Tab);
    }
    typed(&mut a, "It stops at GRUB.");
    key(&mut a, KeyCode::Enter);
    let sent = support_ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::CreateThread { thread_type, subject, to, text, .. }]
            if thread_type == "support" && subject == "VM will not boot" && to.is_empty() && text == "It stops at GRUB."),
        "{sent:?}"
    );
}

fn invoice(status: &str, total: i64, paid: i64) -> InvoiceRow {
    InvoiceRow {
        id: Uuid::from_u128(0x0000_0000_0000_0000_0000_0000_ABCD_EF01),
        assignment_code: Some("ASG-7".into()),
        student: "Sam Student".into(),
        total_cents: total,
        currency: "EUR".into(),
        status: status.into(),
        due_at: Some(at(12, 0)),
        paid_cents: paid,
        payments: i64::from(paid > 0),
    }
}

#[test]
fn invoices_take_payments_and_change_status_from_forms() {
    let mut a = app(Role::Support);
    a.take_commands();
    key(&mut a, KeyCode::Char('['));
    let sent = support_ops(&a.take_commands());
    assert!(sent.iter().any(|o| matches!(o, Op::LoadInvoices)), "{sent:?}");
    out(&mut a, Out::Invoices(vec![invoice("partially_paid", 12_000, 4_000)]));
    let s = screen(&mut a, 140, 10);
    assert!(s.contains("120.00 EUR") && s.contains("40.00 EUR") && s.contains("partially paid"), "{s}");
    insta::assert_snapshot!("support_invoices", s);

    // Enter takes a payment; the form says what is still owed.
    key(&mut a, KeyCode::Enter);
    let s = screen(&mut a, 140, 24);
    assert!(s.contains("80.00 EUR owed"), "{s}");
    typed(&mut a, "80");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let sent = support_ops(&cmds);
    assert!(
        matches!(sent.as_slice(), [Op::RecordPayment { amount, method, .. }] if amount == "80" && method == "card"),
        "{sent:?}"
    );

    answer(&mut a, cmds[0].id, Reply::Done("Payment recorded; the invoice is paid.".into()));
    assert!(a.overlay.is_none(), "the form closes when the engine confirms");

    // A draft is offered "issued" first.
    out(&mut a, Out::Invoices(vec![invoice("draft", 12_000, 0)]));
    key(&mut a, KeyCode::Char('e'));
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let sent = support_ops(&cmds);
    assert!(matches!(sent.as_slice(), [Op::SetInvoiceStatus { status, .. }] if status == "issued"), "{sent:?}");
    answer(&mut a, cmds[0].id, Reply::Done("Invoice marked issued.".into()));

    // Support does not bill: the form is not even offered.
    key(&mut a, KeyCode::Char('n'));
    assert!(a.overlay.is_none());
    assert!(screen(&mut a, 140, 10).contains("Invoices are created by admins."));
}

#[test]
fn an_admin_bills_an_assignment_and_a_bad_date_is_caught_in_the_form() {
    let mut a = app(Role::Admin);
    a.take_commands();
    key(&mut a, KeyCode::Char('['));
    assert!(support_ops(&a.take_commands()).iter().any(|o| matches!(o, Op::LoadInvoices)));
    key(&mut a, KeyCode::Char('n'));
    typed(&mut a, "ASG-7");
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "120");
    key(&mut a, KeyCode::Tab);
    key(&mut a, KeyCode::Tab);
    typed(&mut a, "2026-13-01");
    key(&mut a, KeyCode::Enter);
    assert!(support_ops(&a.take_commands()).is_empty(), "a bad date never reaches the engine");
    assert!(screen(&mut a, 140, 24).contains("Due is a date like 2026-12-24."));
    for _ in 0..10 {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "2026-12-31");
    key(&mut a, KeyCode::Enter);
    let sent = support_ops(&a.take_commands());
    assert!(
        matches!(sent.as_slice(), [Op::CreateInvoice { assignment, amount, currency, due: Some(_) }]
            if assignment == "ASG-7" && amount == "120" && currency == "EUR"),
        "{sent:?}"
    );
}

/// Issue #15, item 6: a reply that fails to send stays in the box as typed, with the reason;
/// it leaves the box only when the store confirms it.
#[test]
fn a_reply_that_fails_to_send_keeps_its_text_until_it_is_stored() {
    let mut a = with_queue();
    key(&mut a, KeyCode::Down);
    a.take_commands();
    out(&mut a, Out::Transcript { session: ACTIVE, messages: vec![msg("visitor", "Hello?", 1)] });
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "On my way");
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let [Command { id, op: EngineOp::Support(Op::Reply { text, .. }), .. }] = cmds.as_slice() else {
        panic!("one reply sent: {cmds:?}")
    };
    assert_eq!(text, "On my way");
    // A second Enter while the first is in flight sends nothing (no double post).
    key(&mut a, KeyCode::Enter);
    assert!(a.take_commands().is_empty());
    assert!(screen(&mut a, 140, 22).contains("sending…"));
    common::ui::fail(&mut a, *id, "the disk holding the database is full; nothing was saved");
    let support = support_screen(&a);
    assert_eq!(support.compose.text, "On my way", "the draft is kept");
    assert!(support.composing);
    let frame = screen(&mut a, 140, 22);
    assert!(frame.contains("not sent: the disk holding") && frame.contains("On my way"), "{frame}");

    // Sent again, and stored: the box empties (what was typed meanwhile stays).
    key(&mut a, KeyCode::Enter);
    let cmds = a.take_commands();
    let [Command { id, .. }] = cmds.as_slice() else { panic!("sent again: {cmds:?}") };
    typed(&mut a, "!");
    answer(&mut a, *id, Reply::Done("Message sent.".into()));
    let support = support_screen(&a);
    assert_eq!(support.compose.text, "!");
    assert!(support.compose.error.is_none() && support.compose.pending.is_none());
}

fn support_screen(a: &App) -> &labdeck::tui::screens::support::SupportScreen {
    let Phase::Shell(shell) = &a.phase else { panic!("signed in") };
    shell.tabs.iter().find_map(|t| labdeck::tui::screens::downcast(t.as_ref())).expect("a Support tab")
}

#[test]
fn keys_typed_after_a_refusal_stay_text_and_a_refused_reply_keeps_it() {
    let mut a = with_queue();
    let view = |a: &App| support_screen(a).view;
    let before = view(&a);
    // Enter on a chat Sue has not claimed: refused, and the rest of the typed reply
    // ("hello" has h and l, which switch views) lands in the box, not on the keymap.
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "hello X");
    assert_eq!(view(&a), before, "h/l did not switch views");
    assert!(a.overlay.is_none(), "X did not ask to close the chat");
    assert_eq!(support_screen(&a).compose.text, "hello X");
    // Enter again: still refused, nothing sent, the text stays.
    key(&mut a, KeyCode::Enter);
    assert!(support_ops(&a.take_commands()).is_empty());
    assert_eq!(support_screen(&a).compose.text, "hello X");
    let s = screen(&mut a, 140, 22);
    assert!(s.contains("Claim PS-100001 first"), "{s}");
    // Put away, claimed, opened again: the draft is still there.
    key(&mut a, KeyCode::Esc);
    assert!(!support_screen(&a).composing);
    assert_eq!(support_screen(&a).compose.text, "hello X");
}

#[test]
fn the_canned_dialog_previews_the_exact_text_before_sending() {
    let mut a = with_queue();
    out(
        &mut a,
        Out::Canned(vec![
            CannedReply { id: Uuid::from_u128(7), title: "thanks".into(), body: "Thanks {visitor_name}!".into() },
            CannedReply {
                id: Uuid::from_u128(8),
                title: "sign".into(),
                body: "I'm {rep_name}, re {reference}.".into(),
            },
        ]),
    );
    key(&mut a, KeyCode::Down);
    a.take_commands();
    key(&mut a, KeyCode::Char('m'));
    let dialog = screen(&mut a, 160, 24);
    assert!(dialog.contains("Sends: Thanks Lukas Becker!"), "{dialog}");
    assert!(dialog.contains("{visitor_name}") && dialog.contains("{rep_name}"), "the variables are listed: {dialog}");
    key(&mut a, KeyCode::Right);
    let dialog = screen(&mut a, 160, 24);
    assert!(dialog.contains("Sends: I'm Sue, re PS-100002."), "the preview follows the choice: {dialog}");
    assert!(!dialog.contains("Thanks Lukas"), "{dialog}");
}
