//! Support: the live visitor queue (claim, chat, canned replies, transfer, close, convert),
//! the archive of closed chats, ticket threads with unread counts and their tutoring
//! context, and the assignments and invoices behind them.

mod compose;
mod rows;
mod view;

pub use compose::{Compose, ComposeOutcome};
pub use rows::Archived;

use crate::domain::invoice::{MANUAL_STATUSES, PAYMENT_METHODS};
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::domain::support::{ASSIGNMENT_STATUSES, SERVICE_TYPES, THREAD_STATUSES, THREAD_TYPES};
use crate::engine::read::support::{
    AssignmentRow, CannedReply, InvoiceRow, ThreadFilter, ThreadMessage, ThreadRow, TutoringContext, VisitorMessage,
    VisitorSession,
};
use crate::engine::support::{Op, Out};
use crate::engine::{Command, Op as EngineOp};
use crate::tui::app::{Effect, FormPurpose, Overlay};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{DataTable, ListView};
use crossterm::event::KeyEvent;
use ratatui::layout::Constraint;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Queue,
    Archive,
    Threads,
    Assignments,
    Invoices,
}

impl View {
    pub const ALL: [View; 5] = [View::Queue, View::Archive, View::Threads, View::Assignments, View::Invoices];
    pub fn name(self) -> &'static str {
        match self {
            View::Queue => "live chats",
            View::Archive => "archive",
            View::Threads => "threads",
            View::Assignments => "assignments",
            View::Invoices => "invoices",
        }
    }
    /// Views with messages beside the table, which scroll back.
    fn has_messages(self) -> bool {
        matches!(self, View::Queue | View::Archive | View::Threads)
    }
    fn needs(self) -> Resource {
        match self {
            View::Queue | View::Archive => Resource::VisitorChat,
            View::Threads => Resource::Thread,
            View::Assignments => Resource::Assignment,
            View::Invoices => Resource::Invoice,
        }
    }
}

pub fn visible_views(actor: &Actor) -> Vec<View> {
    View::ALL.into_iter().filter(|v| actor.can(v.needs(), Perm::Read)).collect()
}

/// What a support form is for (the app routes its submit back here).
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Transfer { session: Uuid },
    Convert { session: Uuid },
    Canned { session: Uuid },
    ThreadStatus { thread: Uuid },
    AssignmentStatus { id: Uuid },
    NewAssignment,
    NewThread,
    NewInvoice,
    InvoiceStatus { id: Uuid },
    Payment { invoice: Uuid },
}

/// The thread on the right: its messages and the tutoring records it belongs to.
#[derive(Debug, Clone)]
pub struct OpenThread {
    pub id: Uuid,
    pub messages: Vec<ThreadMessage>,
    pub context: TutoringContext,
}

pub struct SupportScreen {
    pub view: View,
    pub queue: DataTable<VisitorSession>,
    pub archive: DataTable<Archived>,
    pub threads: DataTable<ThreadRow>,
    pub assignments: DataTable<AssignmentRow>,
    pub invoices: DataTable<InvoiceRow>,
    pub transcript: Option<(Uuid, Vec<VisitorMessage>)>,
    pub thread: Option<OpenThread>,
    pub canned: Vec<CannedReply>,
    pub compose: Compose,
    pub composing: bool,
    pub type_filter: Option<&'static str>,
    pub archive_query: String,
    pub thread_query: String,
    /// Unread thread messages and waiting chats: the tab title and the status bar.
    pub unread: i64,
    pub waiting: i64,
    /// Ring the terminal bell when a new visitor starts waiting.
    pub bell: bool,
    pub ring: bool,
    /// How many lines the chat or thread pane is scrolled back from its newest line, and
    /// that pane's height at the last frame (a scroll step is one pane).
    pub scroll: usize,
    pub log_height: usize,
}

impl Default for SupportScreen {
    fn default() -> Self {
        SupportScreen {
            view: View::Queue,
            queue: DataTable::new(vec![
                ("ref", Constraint::Length(9)),
                ("status", Constraint::Length(7)),
                ("waiting", Constraint::Length(7)),
                ("visitor", Constraint::Length(16)),
                ("subject", Constraint::Fill(1)),
                ("rep", Constraint::Length(12)),
                ("msgs", Constraint::Length(4)),
            ]),
            archive: DataTable::new(vec![
                ("ref", Constraint::Length(9)),
                ("closed", Constraint::Length(11)),
                ("visitor", Constraint::Length(16)),
                ("contact", Constraint::Length(20)),
                ("subject", Constraint::Fill(1)),
                ("rep", Constraint::Length(12)),
            ]),
            threads: DataTable::new(vec![
                ("type", Constraint::Length(10)),
                ("status", Constraint::Length(8)),
                ("new", Constraint::Length(4)),
                ("subject", Constraint::Fill(1)),
                ("assignment", Constraint::Length(10)),
                ("msgs", Constraint::Length(4)),
                ("updated", Constraint::Length(7)),
            ]),
            assignments: DataTable::new(vec![
                ("code", Constraint::Length(9)),
                ("service", Constraint::Length(9)),
                ("status", Constraint::Length(11)),
                ("title", Constraint::Fill(1)),
                ("student", Constraint::Length(14)),
                ("due", Constraint::Length(10)),
                ("teachers", Constraint::Length(8)),
                ("invoices", Constraint::Length(8)),
            ]),
            invoices: DataTable::new(vec![
                ("invoice", Constraint::Length(8)),
                ("assignment", Constraint::Length(10)),
                ("student", Constraint::Fill(1)),
                ("total", Constraint::Length(14)),
                ("paid", Constraint::Length(14)),
                ("status", Constraint::Length(14)),
                ("due", Constraint::Length(10)),
                ("payments", Constraint::Length(8)),
            ]),
            transcript: None,
            thread: None,
            scroll: 0,
            log_height: 0,
            canned: Vec::new(),
            compose: Compose::default(),
            composing: false,
            type_filter: None,
            archive_query: String::new(),
            thread_query: String::new(),
            unread: 0,
            waiting: 0,
            bell: false,
            ring: false,
        }
    }
}

fn send(actor: &Actor, op: Op) -> Effect {
    Effect::Send(Command::new(actor, op))
}

impl SupportScreen {
    pub fn new(actor: &Actor) -> SupportScreen {
        let mut s = SupportScreen::default();
        if let Some(v) = visible_views(actor).first() {
            s.view = *v;
        }
        s
    }

    /// The badge on the tab: what needs a rep's eyes.
    pub fn badge(&self) -> i64 {
        self.unread + self.waiting
    }

    pub fn load(&self, actor: &Actor) -> Vec<Effect> {
        let mut fx = match self.view {
            View::Queue => {
                vec![watch(true), send(actor, Op::LoadQueue), send(actor, Op::LoadCanned)]
            }
            View::Archive => vec![send(actor, Op::LoadArchive { query: self.archive_query.clone() })],
            View::Threads => vec![send(actor, Op::LoadThreads { filter: self.thread_filter() })],
            View::Assignments => vec![send(actor, Op::LoadAssignments)],
            View::Invoices => vec![send(actor, Op::LoadInvoices)],
        };
        if self.view != View::Queue {
            fx.insert(0, watch(false));
        }
        fx.extend(self.load_detail(actor));
        fx
    }

    fn thread_filter(&self) -> ThreadFilter {
        ThreadFilter {
            thread_type: self.type_filter.map(String::from),
            search: (!self.thread_query.is_empty()).then(|| self.thread_query.clone()),
            ..Default::default()
        }
    }

    /// The transcript or thread shown beside the selected row.
    fn load_detail(&self, actor: &Actor) -> Vec<Effect> {
        match self.view {
            View::Queue => {
                self.queue.selected().map(|s| send(actor, Op::LoadTranscript { session: s.id })).into_iter().collect()
            }
            View::Archive => self
                .archive
                .selected()
                .map(|s| send(actor, Op::LoadTranscript { session: s.0.id }))
                .into_iter()
                .collect(),
            View::Threads => match (&self.thread, self.threads.selected()) {
                (Some(open), Some(row)) if open.id == row.id => vec![open_thread(actor, row)],
                _ => vec![],
            },
            View::Assignments | View::Invoices => vec![],
        }
    }

    /// Which domains matter depends on the view; the badge always follows chats and threads.
    pub fn on_changed(&self, domains: &[String], actor: &Actor) -> Vec<Effect> {
        let hit = |d: &str| domains.iter().any(|x| x == d);
        let mine = match self.view {
            View::Queue | View::Archive => hit("visitor_chat"),
            View::Threads => hit("threads") || hit("tutoring"),
            View::Assignments | View::Invoices => hit("tutoring"),
        };
        if !mine {
            return vec![];
        }
        // A change reloads the rows and what is open beside them, not the canned replies.
        let mut fx = self.load(actor);
        fx.retain(|e| {
            !matches!(
                e,
                Effect::Send(Command { op: EngineOp::WatchClosely(_) | EngineOp::Support(Op::LoadCanned), .. })
            )
        });
        fx
    }

    pub fn on_reply(&mut self, out: &Out, actor: &Actor) -> Vec<Effect> {
        match out {
            Out::Queue(rows) => {
                let before = self.queue.selected().map(|s| s.id);
                self.queue.set_rows(rows.clone());
                if self.queue.selected().map(|s| s.id) != before || self.transcript.is_none() {
                    return self.load_detail(actor);
                }
            }
            Out::Archive(rows) => {
                self.archive.set_rows(rows.iter().cloned().map(Archived).collect());
                if self.transcript.is_none() {
                    return self.load_detail(actor);
                }
            }
            Out::Transcript { session, messages } => {
                if self.transcript.as_ref().is_none_or(|(id, _)| id != session) {
                    self.scroll = 0;
                }
                self.transcript = Some((*session, messages.clone()))
            }
            Out::Canned(c) => self.canned = c.clone(),
            Out::Threads(rows) => self.threads.set_rows(rows.clone()),
            Out::Thread { thread, messages, context } => {
                if self.thread.as_ref().is_none_or(|t| t.id != *thread) {
                    self.scroll = 0;
                }
                self.thread = Some(OpenThread { id: *thread, messages: messages.clone(), context: (**context).clone() })
            }
            Out::Assignments(rows) => self.assignments.set_rows(rows.clone()),
            Out::Invoices(rows) => self.invoices.set_rows(rows.clone()),
            Out::Unread { messages, waiting } => {
                if *waiting > self.waiting && self.bell {
                    self.ring = true;
                }
                self.unread = *messages;
                self.waiting = *waiting;
            }
        }
        vec![]
    }

    fn table(&mut self) -> &mut dyn ListView {
        match self.view {
            View::Queue => &mut self.queue,
            View::Archive => &mut self.archive,
            View::Threads => &mut self.threads,
            View::Assignments => &mut self.assignments,
            View::Invoices => &mut self.invoices,
        }
    }

    pub fn set_filter(&mut self, text: &str) {
        self.table().set_filter(text);
    }

    pub fn filter(&mut self) -> String {
        self.table().filter().to_string()
    }

    /// After the filter moved the selection: load the chat now selected.
    pub fn follow_selection(&mut self, actor: &Actor) -> Vec<Effect> {
        let shown = self.transcript.as_ref().map(|(id, _)| id.to_string());
        match self.view {
            View::Queue | View::Archive if self.selected_key().is_some() && self.selected_key() != shown => {
                self.load_detail(actor)
            }
            _ => vec![],
        }
    }

    /// Enter on the filter line: the archive searches every closed chat, and threads every
    /// subject and message, in the database.
    pub fn commit_filter(&mut self, text: &str, actor: &Actor) -> Vec<Effect> {
        match self.view {
            View::Archive => {
                self.archive_query = text.to_string();
                self.archive.set_filter("");
                self.transcript = None;
            }
            View::Threads => {
                self.thread_query = text.to_string();
                self.threads.set_filter("");
            }
            _ => return vec![],
        }
        self.load(actor)
    }

    fn selected_key(&self) -> Option<String> {
        match self.view {
            View::Queue => self.queue.selected().map(|s| s.id.to_string()),
            View::Archive => self.archive.selected().map(|s| s.0.id.to_string()),
            View::Threads => self.threads.selected().map(|s| s.id.to_string()),
            View::Assignments | View::Invoices => None,
        }
    }

    pub fn actions(&self) -> Vec<(Action, &'static str)> {
        let mut a =
            vec![(Action::NextView, "Next view"), (Action::PrevView, "Previous view"), (Action::Filter, "Filter rows")];
        if self.view.has_messages() {
            a.extend([(Action::Earlier, "Scroll the messages back"), (Action::Later, "Scroll the messages forward")]);
        }
        match self.view {
            View::Queue => a.extend([
                (Action::Claim, "Claim the chat (the first claim wins)"),
                (Action::Open, "Reply (enter sends, alt+enter or ctrl+j: new line, esc: away)"),
                (Action::Canned, "Send a canned reply"),
                (Action::Transfer, "Hand the chat to another rep"),
                (Action::CloseChat, "Close the chat (the visitor sees its reference)"),
                (Action::Convert, "Turn the visitor into an account and/or a thread"),
                (Action::Bell, "Bell on new chats on/off"),
            ]),
            View::Archive => a.push((Action::Filter, "Search closed chats (enter searches the database)")),
            View::Threads => a.extend([
                (Action::Open, "Open the thread, then reply"),
                (Action::Outcome, "Cycle the thread type shown"),
                (Action::SetStatus, "Set the thread's status"),
                (Action::New, "New thread (to support, or to people by username)"),
                (Action::Filter, "Search threads (enter searches every message)"),
            ]),
            View::Assignments => {
                a.extend([(Action::SetStatus, "Set the assignment's status"), (Action::New, "New assignment")])
            }
            View::Invoices => a.extend([
                (Action::Open, "Record a payment (the invoice becomes partly paid or paid)"),
                (Action::SetStatus, "Issue, void or return the invoice to draft"),
                (Action::New, "New draft invoice for an assignment"),
            ]),
        }
        a.push((Action::Refresh, "Reload"));
        a
    }

    /// Keys while the compose box is open go to it, not to the keymap.
    pub fn compose_key(&mut self, key: &KeyEvent, actor: &Actor) -> Vec<Effect> {
        match self.compose.handle_key(key) {
            ComposeOutcome::Edited => vec![],
            ComposeOutcome::Cancel => {
                self.composing = false;
                vec![]
            }
            ComposeOutcome::Send(text) => match (self.view, &self.transcript, &self.thread) {
                // Submitted on behalf of the compose box: the draft stays until the store confirms.
                (View::Queue, Some((session, _)), _) => {
                    vec![Effect::Submit(Command::new(actor, Op::Reply { session: *session, text }))]
                }
                (View::Threads, _, Some(t)) => {
                    vec![Effect::Submit(Command::new(actor, Op::Post { thread: t.id, text }))]
                }
                _ => {
                    self.composing = false;
                    vec![Effect::Error("Nothing to reply to.".into())]
                }
            },
        }
    }

    pub fn update(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let views = visible_views(actor);
        let pos = views.iter().position(|v| *v == self.view).unwrap_or(0);
        match action {
            Action::NextView | Action::PrevView if !views.is_empty() => {
                let n = views.len();
                self.view = views[if action == Action::NextView { (pos + 1) % n } else { (pos + n - 1) % n }];
                self.transcript = None;
                self.composing = false;
                self.load(actor)
            }
            Action::Refresh => self.load(actor),
            Action::Earlier | Action::Later if self.view.has_messages() => {
                let step = self.log_height.saturating_sub(2).max(1);
                self.scroll =
                    if action == Action::Earlier { self.scroll + step } else { self.scroll.saturating_sub(step) };
                vec![]
            }
            Action::Bell => {
                self.bell = !self.bell;
                vec![Effect::Error(if self.bell { "Bell on for new chats." } else { "Bell off." }.into())]
            }
            a => {
                let before = self.selected_key();
                if self.table().navigate(a) {
                    if self.selected_key() != before && matches!(self.view, View::Queue | View::Archive) {
                        return self.load_detail(actor);
                    }
                    return vec![];
                }
                self.view_action(a, actor)
            }
        }
    }

    fn view_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let form =
            |ask: Ask, form: Form| vec![Effect::Open(Overlay::Form { form, purpose: FormPurpose::Support(ask) })];
        match (self.view, action) {
            (View::Queue, _) => {
                let Some(s) = self.queue.selected().cloned() else { return vec![] };
                match action {
                    Action::Claim => vec![send(actor, Op::Claim { session: s.id })],
                    Action::Open if s.claimed_by == Some(actor.user_id) && s.status == "active" => {
                        self.composing = true;
                        vec![]
                    }
                    Action::Open => vec![Effect::Error(format!("Claim {} first (C).", s.reference))],
                    Action::Canned if self.canned.is_empty() => vec![Effect::Error("No canned replies yet.".into())],
                    Action::Canned => {
                        let titles: Vec<&str> = self.canned.iter().map(|c| c.title.as_str()).collect();
                        form(
                            Ask::Canned { session: s.id },
                            Form::new(format!("canned reply to {}", s.visitor_name), vec![Field::choice("Reply", &titles, titles[0])])
                                .submit_label("send")
                                .note(format!("Filled in: {}. ←/→ choose.", crate::domain::support::canned_variable_list())),
                        )
                    }
                    Action::Transfer => form(
                        Ask::Transfer { session: s.id },
                        Form::new(format!("transfer {}", s.reference), vec![Field::text("To (username)")])
                            .submit_label("transfer")
                            .note("Another support rep or an admin."),
                    ),
                    Action::CloseChat => vec![Effect::Open(Overlay::Confirm {
                        title: "close chat".into(),
                        message: format!("Close the chat {} with {} ({})? They will see the reference.", s.reference, s.visitor_name, s.subject),
                        on_yes: Command::new(actor, Op::Close { session: s.id }),
                    })],
                    Action::Convert => form(
                        Ask::Convert { session: s.id },
                        Form::new(
                            format!("convert {}", s.visitor_name),
                            vec![Field::choice("Make", &["account and thread", "account", "thread"], "account and thread")],
                        )
                        .submit_label("convert")
                        .note("The account is a student with a temporary password shown once; the thread keeps the transcript."),
                    ),
                    _ => vec![],
                }
            }
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
                self.load(actor)
            }
            (View::Threads, Action::New) => form(
                Ask::NewThread,
                Form::new(
                    "new thread",
                    vec![
                        Field::choice("Type", &THREAD_TYPES, "support"),
                        Field::text("Subject"),
                        Field::text("To (usernames)"),
                        Field::text("Assignment (code)"),
                        Field::text("Message"),
                    ],
                )
                .submit_label("open")
                .note("Support sees every thread; 'To' adds people, separated by commas."),
            ),
            (View::Threads, Action::SetStatus) => match self.threads.selected() {
                Some(t) => form(
                    Ask::ThreadStatus { thread: t.id },
                    Form::new(
                        format!("status of '{}'", t.subject),
                        vec![Field::choice("Status", &THREAD_STATUSES, &t.status)],
                    ),
                ),
                None => vec![],
            },
            (View::Assignments, Action::New) => {
                let me = if actor.role == crate::domain::Role::Student { actor.username.as_str() } else { "" };
                form(
                    Ask::NewAssignment,
                    Form::new(
                        "new assignment",
                        vec![
                            Field::text("Code"),
                            Field::text("Title"),
                            Field::choice("Service", &SERVICE_TYPES, "tutoring"),
                            Field::text("Student (username)").with_value(me),
                            Field::text("Due (YYYY-MM-DD)"),
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
            (View::Invoices, Action::New) => form(
                Ask::NewInvoice,
                Form::new(
                    "new invoice",
                    vec![
                        Field::text("Assignment (code)")
                            .with_value(self.assignments.selected().map(|a| a.assignment_code.as_str()).unwrap_or("")),
                        Field::text("Amount (like 120.00)"),
                        Field::text("Currency").with_value("EUR"),
                        Field::text("Due (YYYY-MM-DD)"),
                    ],
                )
                .submit_label("create")
                .note("The invoice starts as a draft to the assignment's student; issue it to take payments."),
            ),
            (View::Invoices, Action::SetStatus) => match self.invoices.selected() {
                Some(i) => form(
                    Ask::InvoiceStatus { id: i.id },
                    Form::new(
                        format!("status of invoice {}", short(i.id)),
                        vec![Field::choice(
                            "Status",
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
                    form(
                        Ask::Payment { invoice: i.id },
                        Form::new(
                            format!("payment for invoice {} · {owed} owed", short(i.id)),
                            vec![
                                Field::text("Amount (like 120.00)"),
                                Field::choice("Method", &PAYMENT_METHODS, "card"),
                            ],
                        )
                        .submit_label("record"),
                    )
                }
                None => vec![],
            },
            (View::Assignments, Action::SetStatus) => match self.assignments.selected() {
                Some(a) => form(
                    Ask::AssignmentStatus { id: a.id },
                    Form::new(
                        format!("status of {}", a.assignment_code),
                        vec![Field::choice("Status", &ASSIGNMENT_STATUSES, &a.status)],
                    ),
                ),
                None => vec![],
            },
            _ => vec![],
        }
    }

    /// A submitted support form, as the engine command it asks for.
    pub fn form_command(&self, ask: &Ask, form: &Form, actor: &Actor) -> Result<Command, String> {
        let op = match ask {
            Ask::Transfer { session } => {
                let to = form.value("To (username)");
                if to.trim().is_empty() {
                    return Err("Type the username of the rep to hand the chat to.".into());
                }
                Op::Transfer { session: *session, to }
            }
            Ask::Convert { session } => {
                let make = form.value("Make");
                Op::Convert { session: *session, account: make.contains("account"), thread: make.contains("thread") }
            }
            Ask::Canned { session } => {
                let title = form.value("Reply");
                let c = self.canned.iter().find(|c| c.title == title).ok_or("Pick a canned reply.")?;
                Op::Canned { session: *session, reply: c.id }
            }
            Ask::ThreadStatus { thread } => Op::SetThreadStatus { thread: *thread, status: form.value("Status") },
            Ask::AssignmentStatus { id } => Op::SetAssignmentStatus { id: *id, status: form.value("Status") },
            Ask::NewAssignment => Op::CreateAssignment {
                code: form.value("Code"),
                title: form.value("Title"),
                service: form.value("Service"),
                student: form.value("Student (username)"),
                due: due_date(form)?,
            },
            Ask::NewThread => Op::CreateThread {
                thread_type: form.value("Type"),
                subject: form.value("Subject"),
                to: form.value("To (usernames)"),
                assignment: form.value("Assignment (code)"),
                text: form.value("Message"),
            },
            Ask::NewInvoice => Op::CreateInvoice {
                assignment: form.value("Assignment (code)"),
                amount: form.value("Amount (like 120.00)"),
                currency: form.value("Currency"),
                due: due_date(form)?,
            },
            Ask::InvoiceStatus { id } => Op::SetInvoiceStatus { id: *id, status: form.value("Status") },
            Ask::Payment { invoice } => Op::RecordPayment {
                invoice: *invoice,
                amount: form.value("Amount (like 120.00)"),
                method: form.value("Method"),
            },
        };
        Ok(Command::new(actor, op))
    }

    pub fn context(&self) -> String {
        format!("support › {}", self.view.name())
    }
}

/// The optional due date of a form, checked before it goes to the engine.
fn due_date(form: &Form) -> Result<Option<chrono::NaiveDate>, String> {
    match form.value("Due (YYYY-MM-DD)").trim() {
        "" => Ok(None),
        d => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "Due is a date like 2026-12-24.".into()),
    }
}

/// An invoice's short name, as the table shows it: the id's last characters, which are
/// random (the first ones of a v7 id are its creation time, alike for a day's invoices).
pub fn short(id: Uuid) -> String {
    crate::domain::invoice::short_id(id)
}

fn open_thread(actor: &Actor, row: &ThreadRow) -> Effect {
    send(actor, Op::OpenThread { thread: row.id, assignment: row.assignment_id, invoice: row.invoice_id })
}

/// Another tab is open: the live queue is no longer on screen.
pub fn left() -> Effect {
    watch(false)
}

/// Tell the engine whether the live queue is on screen (it then looks for changes more often).
fn watch(on: bool) -> Effect {
    Effect::Send(Command::anonymous(EngineOp::WatchClosely(on)))
}

/// Whether the role may read any part of support.
pub fn visible(actor: &Actor) -> bool {
    !visible_views(actor).is_empty()
}
