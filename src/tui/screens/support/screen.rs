//! The Support tab as a [`Screen`]: its keys, the engine's answers, the badge and the
//! status bar, palette commands and forms.

use super::{Archived, OpenThread, SupportScreen, View, visible, watch};
use crate::domain::rbac::{Action as Perm, Resource};
use crate::engine::accounts::Session;
use crate::engine::support::{Op, Out};
use crate::engine::{Command, Op as EngineOp, Reply, RequestId};
use crate::tui::app::Effect;
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::screens::{Screen, Status, Taken};
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;

/// The tab shows when the role may read any part of support.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    visible(&me.actor).then(|| Box::new(SupportScreen::new(&me.actor)) as Box<dyn Screen>)
}

impl Screen for SupportScreen {
    fn title(&self) -> &'static str {
        "Support"
    }

    fn on_click(&mut self, x: u16, y: u16, me: &Session) -> Vec<Effect> {
        let before = self.selected_key();
        if self.table().click(x, y) && self.selected_key() != before && matches!(self.view, View::Queue | View::Archive)
        {
            return self.load_detail(&me.actor);
        }
        vec![]
    }

    fn home(&self, me: &Session) -> bool {
        me.actor.role == crate::domain::Role::Support
    }

    fn form_edited(&mut self, form: &mut Form) {
        self.canned_edited(form);
    }

    fn submitted(&mut self, id: RequestId) {
        self.compose.sent(id);
    }

    /// The compose box keeps its text until the store confirms it.
    fn answered(&mut self, id: RequestId) {
        if self.compose.waits_for(id) {
            self.compose.confirmed();
        }
    }

    /// A failed send stays in the box with why (a box put away needs the shell's toast too).
    fn on_failed(&mut self, id: RequestId, _: Option<&'static str>, message: &str) -> bool {
        if !self.compose.waits_for(id) {
            return false;
        }
        self.compose.fail(message);
        self.composing
    }

    fn context(&self) -> String {
        format!("support › {}", self.view.name())
    }

    /// What needs a rep's eyes: waiting chats and unread thread messages.
    fn badge(&self) -> i64 {
        self.unread + self.waiting
    }

    fn status(&self, me: &Session) -> Option<Status> {
        let (waiting, unread) = (self.waiting, self.unread);
        // Only those who answer visitors have a queue to count.
        let text = if me.actor.can(Resource::VisitorChat, Perm::Read) {
            format!("chats waiting {waiting} · unread {unread}")
        } else {
            format!("messages unread {unread}")
        };
        Some(Status { text, urgent: waiting + unread > 0 })
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        self.loads(&me.actor)
    }

    /// The badge: waiting chats and unread thread messages, whichever tab is in front.
    fn watch(&mut self, me: &Session) -> Vec<Effect> {
        vec![Effect::Send(Command::new(&me.actor, Op::LoadUnread))]
    }

    /// The live queue is no longer on screen: the engine may look for changes less often.
    fn leave(&mut self, _: &Session) -> Vec<Effect> {
        vec![watch(false)]
    }

    /// Which domains matter depends on the view; the badge always follows chats and threads.
    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        let (hit, actor) = (|d: &str| domains.iter().any(|x| x == d), &me.actor);
        let badge = if hit("visitor_chat") || hit("threads") { self.watch(me) } else { vec![] };
        if !front {
            return badge;
        }
        let mine = match self.view {
            View::Queue | View::Archive => hit("visitor_chat"),
            View::Threads => hit("threads") || hit("tutoring"),
            View::Assignments | View::Records | View::Invoices => hit("tutoring"),
        };
        if !mine {
            return badge;
        }
        // A change reloads the rows and what is open beside them, not the canned replies.
        let mut fx = self.loads(actor);
        fx.extend(badge);
        fx.retain(|e| {
            !matches!(
                e,
                Effect::Send(Command { op: EngineOp::WatchClosely(_) | EngineOp::Support(Op::LoadCanned), .. })
            )
        });
        fx
    }

    fn on_reply(&mut self, reply: Reply, me: &Session) -> Taken {
        match reply {
            Reply::Support(out) => Taken::Done(self.on_out(out, me)),
            other => Taken::NotMine(other),
        }
    }

    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
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
                (Action::Attach, "Attach a file from this machine (kept by labdeck, at most 5 MiB)"),
                (Action::New, "New thread (to support, or to people by username)"),
                (Action::Filter, "Search threads (enter searches every message)"),
            ]),
            View::Assignments => a.extend([
                (Action::Open, "The assignment's records (meetings, exams, files, …)"),
                (Action::SetStatus, "Set the assignment's status"),
                (Action::New, "New assignment"),
            ]),
            View::Records => a.extend(super::records::help()),
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
    fn on_key(&mut self, key: &KeyEvent, me: &Session) -> Option<Vec<Effect>> {
        self.composing.then(|| self.compose_key(key, &me.actor))
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        self.act(action, &me.actor)
    }

    fn on_filter(&mut self, text: &str, enter: bool, me: &Session) -> Vec<Effect> {
        if enter {
            return self.commit_filter(text, &me.actor);
        }
        self.set_filter(text);
        self.follow_selection(&me.actor)
    }

    fn filter(&mut self) -> String {
        self.current_filter()
    }

    fn on_command(&mut self, verb: Verb, _: &[String], front: bool, me: &Session) -> Option<Vec<Effect>> {
        if verb != Verb::Support {
            return None;
        }
        let mut fx = vec![Effect::Front];
        if !front {
            fx.extend(self.loads(&me.actor));
        }
        Some(fx)
    }

    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        self.form_command(form, &me.actor)
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, me: &Session) {
        self.draw(f, area, theme, &me.actor)
    }
}

impl SupportScreen {
    /// Take an answer from the engine; a new waiting visitor rings the bell if it is on.
    fn on_out(&mut self, out: Out, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        match out {
            Out::Queue(rows) => {
                let before = self.queue.selected().map(|s| s.id);
                self.queue.set_rows(rows);
                if self.queue.selected().map(|s| s.id) != before || self.transcript.is_none() {
                    return self.load_detail(actor);
                }
            }
            Out::Archive(rows) => {
                self.archive.set_rows(rows.into_iter().map(Archived).collect());
                if self.transcript.is_none() {
                    return self.load_detail(actor);
                }
            }
            Out::Transcript { session, messages } => {
                if self.transcript.as_ref().is_none_or(|(id, _)| *id != session) {
                    self.scroll = 0;
                }
                self.transcript = Some((session, messages))
            }
            Out::Canned(c) => self.canned = c,
            Out::Threads(rows) => self.threads.set_rows(rows),
            Out::Thread { thread, messages, context, people } => {
                if self.thread.as_ref().is_none_or(|t| t.id != thread) {
                    self.scroll = 0;
                }
                self.thread = Some(OpenThread { id: thread, messages, context: *context, people })
            }
            Out::Assignments(rows) => {
                self.assignments.set_rows(rows);
                if self.view == View::Assignments
                    && self.assignments.selected().map(|a| a.id) != self.links.as_ref().map(|l| l.0)
                {
                    return self.load_links(actor);
                }
            }
            Out::Records(rows) => {
                self.record_rows = rows;
                self.show_records();
            }
            Out::Links { assignment, context } => self.links = Some((assignment, *context)),
            Out::Invoices(rows) => self.invoices.set_rows(rows),
            Out::Unread { messages, waiting } => {
                let ring = waiting > self.waiting && self.bell;
                self.unread = messages;
                self.waiting = waiting;
                if ring {
                    return vec![Effect::Bell];
                }
            }
        }
        vec![]
    }
}
