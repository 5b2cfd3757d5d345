//! Support: the live visitor queue (claim, chat, canned replies, transfer, close, convert),
//! the archive of closed chats, ticket threads with unread counts and their tutoring
//! context, and the assignments and invoices behind them.

mod compose;
mod forms;
mod records;
mod rows;
mod screen;
mod view;

pub use compose::{Compose, ComposeOutcome};
pub use forms::Ask;
pub use rows::Archived;
pub use screen::tab;

use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::domain::tutoring::RecordKind;
use crate::engine::read::support::{
    AssignmentRow, CannedReply, InvoiceRow, RecordRow, ThreadFilter, ThreadMessage, ThreadRow, TutoringContext,
    VisitorMessage, VisitorSession,
};
use crate::engine::support::Op;
use crate::engine::{Command, Op as EngineOp};
use crate::tui::app::Effect;
use crate::tui::keymap::Action;
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
    Records,
    Invoices,
}

impl View {
    pub const ALL: [View; 6] =
        [View::Queue, View::Archive, View::Threads, View::Assignments, View::Records, View::Invoices];
    pub fn name(self) -> &'static str {
        match self {
            View::Queue => "live chats",
            View::Archive => "archive",
            View::Threads => "threads",
            View::Assignments => "assignments",
            View::Records => "records",
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
            View::Assignments | View::Records => Resource::Assignment,
            View::Invoices => Resource::Invoice,
        }
    }
}

pub fn visible_views(actor: &Actor) -> Vec<View> {
    View::ALL.into_iter().filter(|v| actor.can(v.needs(), Perm::Read)).collect()
}

/// The thread on the right: its messages and the tutoring records it belongs to.
#[derive(Debug, Clone)]
pub struct OpenThread {
    pub id: Uuid,
    pub messages: Vec<ThreadMessage>,
    pub context: TutoringContext,
    /// Who takes part: initials, name, role, time zone, subjects.
    pub people: Vec<crate::engine::read::admin::PersonCard>,
}

pub struct SupportScreen {
    pub view: View,
    pub queue: DataTable<VisitorSession>,
    pub archive: DataTable<Archived>,
    pub threads: DataTable<ThreadRow>,
    pub assignments: DataTable<AssignmentRow>,
    pub invoices: DataTable<InvoiceRow>,
    pub records: DataTable<RecordRow>,
    /// Every record loaded; `records` shows those of `record_kind`.
    pub record_rows: Vec<RecordRow>,
    /// The records view shows one kind, or all.
    pub record_kind: Option<RecordKind>,
    /// The records view shows one assignment's records (Enter on an assignment), or all.
    pub record_scope: Option<(Uuid, String)>,
    /// The selected assignment's records and invoices, beside the assignments.
    pub links: Option<(Uuid, TutoringContext)>,
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
    /// How many lines the chat or thread pane is scrolled back from its newest line, and
    /// that pane's height at the last frame (a scroll step is one pane).
    pub scroll: usize,
    pub log_height: usize,
    /// The form this tab has open.
    asked: Option<Ask>,
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
            records: DataTable::new(vec![
                ("assignment", Constraint::Length(10)),
                ("kind", Constraint::Length(8)),
                ("status", Constraint::Length(11)),
                ("when", Constraint::Length(16)),
                ("who", Constraint::Length(14)),
                ("detail", Constraint::Fill(1)),
            ]),
            record_rows: Vec::new(),
            record_kind: None,
            record_scope: None,
            links: None,
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
            asked: None,
        }
    }
}

pub(super) fn send(actor: &Actor, op: Op) -> Effect {
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

    fn loads(&self, actor: &Actor) -> Vec<Effect> {
        let mut fx = match self.view {
            View::Queue => {
                vec![watch(true), send(actor, Op::LoadQueue), send(actor, Op::LoadCanned)]
            }
            View::Archive => vec![send(actor, Op::LoadArchive { query: self.archive_query.clone() })],
            View::Threads => vec![send(actor, Op::LoadThreads { filter: self.thread_filter() })],
            View::Assignments => vec![send(actor, Op::LoadAssignments)],
            View::Records => vec![records::load(actor, self.record_scope.as_ref().map(|s| s.0))],
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
    pub(super) fn load_detail(&self, actor: &Actor) -> Vec<Effect> {
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
            View::Assignments => self.load_links(actor),
            View::Records | View::Invoices => vec![],
        }
    }

    pub(super) fn table(&mut self) -> &mut dyn ListView {
        match self.view {
            View::Queue => &mut self.queue,
            View::Archive => &mut self.archive,
            View::Threads => &mut self.threads,
            View::Assignments => &mut self.assignments,
            View::Records => &mut self.records,
            View::Invoices => &mut self.invoices,
        }
    }

    pub fn set_filter(&mut self, text: &str) {
        self.table().set_filter(text);
    }

    fn current_filter(&mut self) -> String {
        self.table().filter().to_string()
    }

    /// After the filter moved the selection: load the chat now selected.
    fn follow_selection(&mut self, actor: &Actor) -> Vec<Effect> {
        let shown = self.transcript.as_ref().map(|(id, _)| id.to_string());
        match self.view {
            View::Queue | View::Archive if self.selected_key().is_some() && self.selected_key() != shown => {
                self.load_detail(actor)
            }
            View::Assignments if self.assignments.selected().map(|a| a.id) != self.links.as_ref().map(|l| l.0) => {
                self.load_links(actor)
            }
            _ => vec![],
        }
    }

    /// Enter on the filter line: the archive searches every closed chat, and threads every
    /// subject and message, in the database.
    fn commit_filter(&mut self, text: &str, actor: &Actor) -> Vec<Effect> {
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
        self.loads(actor)
    }

    pub(super) fn selected_key(&self) -> Option<String> {
        match self.view {
            View::Queue => self.queue.selected().map(|s| s.id.to_string()),
            View::Archive => self.archive.selected().map(|s| s.0.id.to_string()),
            View::Threads => self.threads.selected().map(|s| s.id.to_string()),
            View::Assignments => self.assignments.selected().map(|s| s.id.to_string()),
            View::Records => self.records.selected().map(|s| s.id.to_string()),
            View::Invoices => None,
        }
    }

    /// Keys while the compose box is open go to it, not to the keymap.
    fn compose_key(&mut self, key: &KeyEvent, actor: &Actor) -> Vec<Effect> {
        match self.compose.handle_key(key) {
            ComposeOutcome::Edited => vec![],
            ComposeOutcome::Cancel => {
                self.composing = false;
                vec![]
            }
            ComposeOutcome::Send(text) => match (self.view, &self.transcript, &self.thread) {
                // A chat the rep does not hold: refused here, the text stays in the box.
                (View::Queue, _, _)
                    if !self
                        .queue
                        .selected()
                        .is_some_and(|s| s.claimed_by == Some(actor.user_id) && s.status == "active") =>
                {
                    let why = match self.queue.selected() {
                        Some(s) => format!("Claim {} first (Esc, then C).", s.reference),
                        None => "Nothing to reply to.".into(),
                    };
                    self.compose.error = Some(why.clone());
                    vec![Effect::Error(why)]
                }
                // Submitted on behalf of the compose box: the draft stays until the store confirms.
                (View::Queue, Some((session, _)), _) => {
                    vec![Effect::Submit(Command::new(actor, Op::Reply { session: *session, text }))]
                }
                (View::Threads, _, Some(t)) => {
                    vec![Effect::Submit(Command::new(actor, Op::Post { thread: t.id, text }))]
                }
                // Refused: the box stays open with the text as typed.
                _ => {
                    self.compose.error = Some("Nothing to reply to.".into());
                    vec![Effect::Error("Nothing to reply to.".into())]
                }
            },
        }
    }

    fn act(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let views = visible_views(actor);
        let pos = views.iter().position(|v| *v == self.view).unwrap_or(0);
        match action {
            Action::NextView | Action::PrevView if !views.is_empty() => {
                let n = views.len();
                self.view = views[if action == Action::NextView { (pos + 1) % n } else { (pos + n - 1) % n }];
                self.transcript = None;
                self.composing = false;
                self.record_scope = None;
                self.loads(actor)
            }
            Action::Refresh => self.loads(actor),
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
                    if self.selected_key() != before
                        && matches!(self.view, View::Queue | View::Archive | View::Assignments)
                    {
                        return self.load_detail(actor);
                    }
                    return vec![];
                }
                self.view_action(a, actor)
            }
        }
    }
}

/// An invoice's short name, as the table shows it: the id's last characters, which are
/// random (the first ones of a v7 id are its creation time, alike for a day's invoices).
pub fn short(id: Uuid) -> String {
    crate::domain::invoice::short_id(id)
}

pub(super) fn open_thread(actor: &Actor, row: &ThreadRow) -> Effect {
    send(actor, Op::OpenThread { thread: row.id, assignment: row.assignment_id, invoice: row.invoice_id })
}

/// Tell the engine whether the live queue is on screen (it then looks for changes more often).
pub(super) fn watch(on: bool) -> Effect {
    Effect::Send(Command::anonymous(EngineOp::WatchClosely(on)))
}

/// Whether the role may read any part of support.
pub fn visible(actor: &Actor) -> bool {
    !visible_views(actor).is_empty()
}
