//! The Support tab's forms (transfer, convert, canned replies, statuses, new threads,
//! assignments, invoices, payments) and the commands they become.

use super::{SupportScreen, View, open_thread, send, short};
use crate::domain::invoice::{MANUAL_STATUSES, PAYMENT_METHODS};
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::domain::support::{ASSIGNMENT_STATUSES, SERVICE_TYPES, THREAD_STATUSES, THREAD_TYPES};
use crate::engine::Command;
use crate::engine::support::Op;
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form, Key};
use uuid::Uuid;

// The fields of this file's forms (`Key`: built and read by the same name).
const REPLY: Key = Key("Reply");
const TO: Key = Key("To (username)");
const MAKE: Key = Key("Make");
const TYPE: Key = Key("Type");
const SUBJECT: Key = Key("Subject");
const TO_USERNAMES: Key = Key("To (usernames)");
const ASSIGNMENT: Key = Key("Assignment (code)");
const MESSAGE: Key = Key("Message");
const STATUS: Key = Key("Status");
const CODE: Key = Key("Code");
const TITLE: Key = Key("Title");
const SERVICE: Key = Key("Service");
const STUDENT: Key = Key("Student (username)");
const DUE: Key = Key("Due (YYYY-MM-DD)");
const AMOUNT: Key = Key("Amount (like 120.00)");
const CURRENCY: Key = Key("Currency");
const METHOD: Key = Key("Method");
const FILE: Key = Key("File (path on this machine)");

/// Which support form is open (the shell sends its submit back to this tab).
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Transfer {
        session: Uuid,
    },
    Convert {
        session: Uuid,
    },
    /// `previews`: per canned reply (by title), the exact text it sends in this chat.
    Canned {
        session: Uuid,
        previews: Vec<(String, String)>,
    },
    ThreadStatus {
        thread: Uuid,
    },
    AssignmentStatus {
        id: Uuid,
    },
    NewAssignment,
    NewThread,
    NewInvoice,
    InvoiceStatus {
        id: Uuid,
    },
    Payment {
        invoice: Uuid,
    },
    /// A tutoring record: a new one (of one kind, or the form with every kind), an edit, a status.
    NewRecord {
        kind: Option<crate::domain::tutoring::RecordKind>,
    },
    EditRecord {
        kind: crate::domain::tutoring::RecordKind,
        id: Uuid,
    },
    RecordStatus {
        kind: crate::domain::tutoring::RecordKind,
        id: Uuid,
    },
    Attach {
        thread: Uuid,
    },
}

impl SupportScreen {
    /// Open one of this tab's forms.
    pub(super) fn form(&mut self, ask: Ask, form: Form) -> Vec<Effect> {
        self.asked = Some(ask);
        vec![Effect::Form(form)]
    }

    pub(super) fn view_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        match (self.view, action) {
            (View::Queue, _) => {
                let Some(s) = self.queue.selected().cloned() else { return vec![] };
                match action {
                    Action::Claim => vec![send(actor, Op::Claim { session: s.id })],
                    Action::Open if s.claimed_by == Some(actor.user_id) && s.status == "active" => {
                        // A refusal on another chat is no reason here.
                        if self.compose.pending.is_none() {
                            self.compose.error = None;
                        }
                        self.composing = true;
                        vec![]
                    }
                    // Refused, the box opens anyway with the reason: what the rep goes on typing
                    // lands in it as a draft, never on the keymap (issue 14 #6).
                    Action::Open => {
                        let why = format!("Claim {} first (Esc, then C).", s.reference);
                        self.composing = true;
                        self.compose.error = Some(why.clone());
                        vec![Effect::Error(why)]
                    }
                    Action::Canned if self.canned.is_empty() => vec![Effect::Error("No canned replies yet.".into())],
                    Action::Canned => {
                        let titles: Vec<&str> = self.canned.iter().map(|c| c.title.as_str()).collect();
                        // The exact text each reply sends here, shown before sending (issue 14 #2).
                        let previews: Vec<(String, String)> = self
                            .canned
                            .iter()
                            .map(|c| {
                                let p = match crate::engine::support::preview_canned(&c.body, &s, actor) {
                                    Ok(text) => format!("Sends: {text}"),
                                    Err(e) => format!("Cannot send here: {e}"),
                                };
                                (c.title.clone(), p)
                            })
                            .collect();
                        let note = canned_note(&previews, titles[0]);
                        self.form(
                            Ask::Canned { session: s.id, previews },
                            Form::new(format!("canned reply to {}", s.visitor_name), vec![Field::choice(REPLY, &titles, titles[0])])
                                .submit_label("send")
                                .note(note),
                        )
                    }
                    Action::Transfer => self.form(
                        Ask::Transfer { session: s.id },
                        Form::new(format!("transfer {}", s.reference), vec![Field::text(TO)])
                            .submit_label("transfer")
                            .note("Another support rep or an admin."),
                    ),
                    Action::CloseChat => vec![Effect::Open(Overlay::Confirm {
                        title: "close chat".into(),
                        message: format!("Close the chat {} with {} ({})? They will see the reference.", s.reference, s.visitor_name, s.subject),
                        on_yes: Command::new(actor, Op::Close { session: s.id }),
                    })],
                    Action::Convert => self.form(
                        Ask::Convert { session: s.id },
                        Form::new(
                            format!("convert {}", s.visitor_name),
                            vec![Field::choice(MAKE, &["account and thread", "account", "thread"], "account and thread")],
                        )
                        .submit_label("convert")
                        .note("The account is a student with a temporary password shown once; the thread keeps the transcript."),
                    ),
                    _ => vec![],
                }
            }
            (View::Records, a) => self.record_action(a, actor),
            (View::Assignments, Action::Open) => self.open_records(actor),
            (View::Threads, Action::Open) => match self.threads.selected() {
                Some(row) if self.thread.as_ref().is_some_and(|t| t.id == row.id) => {
                    self.composing = true;
                    vec![]
                }
                Some(row) => vec![open_thread(actor, row)],
                None => vec![],
            },
            (View::Threads, Action::Outcome) => {
                let pos = self.type_filter.and_then(|t| THREAD_TYPES.iter().position(|x| *x == t));
                self.type_filter = match pos {
                    None => Some(THREAD_TYPES[0]),
                    Some(i) if i + 1 < THREAD_TYPES.len() => Some(THREAD_TYPES[i + 1]),
                    Some(_) => None,
                };
                self.loads(actor)
            }
            (View::Threads, Action::New) => self.form(
                Ask::NewThread,
                Form::new(
                    "new thread",
                    vec![
                        Field::choice(TYPE, &THREAD_TYPES, "support"),
                        Field::text(SUBJECT),
                        Field::text(TO_USERNAMES),
                        Field::text(ASSIGNMENT),
                        Field::text(MESSAGE),
                    ],
                )
                .submit_label("open")
                .note("Support sees every thread; 'To' adds people, separated by commas."),
            ),
            (View::Threads, Action::Attach) => match self.threads.selected() {
                Some(t) => self.form(
                    Ask::Attach { thread: t.id },
                    Form::new(format!("attach to '{}'", t.subject), vec![Field::text(FILE)])
                        .submit_label("attach")
                        .note("A file on this machine; labdeck keeps a copy (at most 5 MiB) and shows only its name."),
                ),
                None => vec![],
            },
            (View::Threads, Action::SetStatus) => match self.threads.selected() {
                Some(t) => self.form(
                    Ask::ThreadStatus { thread: t.id },
                    Form::new(
                        format!("status of '{}'", t.subject),
                        vec![Field::choice(STATUS, &THREAD_STATUSES, &t.status)],
                    ),
                ),
                None => vec![],
            },
            (View::Assignments, Action::New) => {
                let me = if actor.role == crate::domain::Role::Student { actor.username.as_str() } else { "" };
                self.form(
                    Ask::NewAssignment,
                    Form::new(
                        "new assignment",
                        vec![
                            Field::text(CODE),
                            Field::text(TITLE),
                            Field::choice(SERVICE, &SERVICE_TYPES, "tutoring"),
                            Field::text(STUDENT).with_value(me),
                            Field::text(DUE),
                        ],
                    )
                    .submit_label("create")
                    .note("Students open assignments for themselves."),
                )
            }
            (View::Invoices, Action::New) if !actor.can(Resource::Invoice, Perm::Create) => {
                vec![Effect::Error("Invoices are created by admins.".into())]
            }
            (View::Invoices, Action::Open | Action::SetStatus) if !actor.can(Resource::Invoice, Perm::Update) => {
                vec![Effect::Error("Payments and invoice statuses are kept by support and admins.".into())]
            }
            (View::Invoices, Action::New) => self.form(
                Ask::NewInvoice,
                Form::new(
                    "new invoice",
                    vec![
                        Field::text(ASSIGNMENT)
                            .with_value(self.assignments.selected().map(|a| a.assignment_code.as_str()).unwrap_or("")),
                        Field::text(AMOUNT),
                        Field::text(CURRENCY).with_value("EUR"),
                        Field::text(DUE),
                    ],
                )
                .submit_label("create")
                .note("The invoice starts as a draft to the assignment's student; issue it to take payments."),
            ),
            (View::Invoices, Action::SetStatus) => match self.invoices.selected() {
                Some(i) => self.form(
                    Ask::InvoiceStatus { id: i.id },
                    Form::new(
                        format!("status of invoice {}", short(i.id)),
                        vec![Field::choice(
                            STATUS,
                            &MANUAL_STATUSES,
                            if i.status == "draft" { "issued" } else { &i.status },
                        )],
                    )
                    .note("Partly paid and paid follow from the payments recorded."),
                ),
                None => vec![],
            },
            (View::Invoices, Action::Open) => match self.invoices.selected() {
                Some(i) => {
                    let owed = crate::domain::invoice::format_cents(i.total_cents - i.paid_cents, &i.currency);
                    self.form(
                        Ask::Payment { invoice: i.id },
                        Form::new(
                            format!("payment for invoice {} · {owed} owed", short(i.id)),
                            vec![Field::text(AMOUNT), Field::choice(METHOD, &PAYMENT_METHODS, "card")],
                        )
                        .submit_label("record"),
                    )
                }
                None => vec![],
            },
            (View::Assignments, Action::SetStatus) => match self.assignments.selected() {
                Some(a) => self.form(
                    Ask::AssignmentStatus { id: a.id },
                    Form::new(
                        format!("status of {}", a.assignment_code),
                        vec![Field::choice(STATUS, &ASSIGNMENT_STATUSES, &a.status)],
                    ),
                ),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// A submitted support form, as the engine command it asks for.
    pub(super) fn form_command(&self, form: &Form, actor: &Actor) -> Result<Command, String> {
        let ask = self.asked.as_ref().ok_or("This form is no longer open.")?;
        let op = match ask {
            Ask::Transfer { session } => {
                let to = form.value(TO);
                if to.trim().is_empty() {
                    return Err("Type the username of the rep to hand the chat to.".into());
                }
                Op::Transfer { session: *session, to }
            }
            Ask::Convert { session } => {
                let make = form.value(MAKE);
                Op::Convert { session: *session, account: make.contains("account"), thread: make.contains("thread") }
            }
            Ask::Canned { session, .. } => {
                let title = form.value(REPLY);
                let c = self.canned.iter().find(|c| c.title == title).ok_or("Pick a canned reply.")?;
                Op::Canned { session: *session, reply: c.id }
            }
            Ask::ThreadStatus { thread } => Op::SetThreadStatus { thread: *thread, status: form.value(STATUS) },
            Ask::AssignmentStatus { id } => Op::SetAssignmentStatus { id: *id, status: form.value(STATUS) },
            Ask::NewAssignment => Op::CreateAssignment {
                code: form.value(CODE),
                title: form.value(TITLE),
                service: form.value(SERVICE),
                student: form.value(STUDENT),
                due: due_date(form)?,
            },
            Ask::NewThread => Op::CreateThread {
                thread_type: form.value(TYPE),
                subject: form.value(SUBJECT),
                to: form.value(TO_USERNAMES),
                assignment: form.value(ASSIGNMENT),
                text: form.value(MESSAGE),
            },
            Ask::NewInvoice => Op::CreateInvoice {
                assignment: form.value(ASSIGNMENT),
                amount: form.value(AMOUNT),
                currency: form.value(CURRENCY),
                due: due_date(form)?,
            },
            Ask::InvoiceStatus { id } => Op::SetInvoiceStatus { id: *id, status: form.value(STATUS) },
            Ask::Payment { invoice } => {
                Op::RecordPayment { invoice: *invoice, amount: form.value(AMOUNT), method: form.value(METHOD) }
            }
            Ask::Attach { thread } => {
                Op::Records(crate::engine::records::Op::Attach { thread: *thread, path: form.value(FILE) })
            }
            Ask::NewRecord { .. } | Ask::EditRecord { .. } | Ask::RecordStatus { .. } => {
                return self.record_command(ask, form, actor);
            }
        };
        Ok(Command::new(actor, op))
    }
}

/// The optional due date of a form, checked before it goes to the engine.
fn due_date(form: &Form) -> Result<Option<chrono::NaiveDate>, String> {
    match form.value(DUE).trim() {
        "" => Ok(None),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "Due is a date like 2026-12-24.".into()),
    }
}

/// The canned dialog's note: the variables a reply may use, and what the chosen one sends.
fn canned_note(previews: &[(String, String)], chosen: &str) -> String {
    let sends = previews.iter().find(|(t, _)| t == chosen).map(|(_, p)| p.as_str()).unwrap_or("");
    format!("Variables: {}. ←/→ choose. {sends}", crate::domain::support::canned_variable_list())
}

impl SupportScreen {
    /// The canned dialog's choice moved: show what the new choice sends.
    pub(super) fn canned_edited(&mut self, form: &mut Form) {
        if let Some(Ask::Canned { previews, .. }) = &self.asked {
            form.note = Some(canned_note(previews, &form.value(REPLY)));
        }
    }
}
