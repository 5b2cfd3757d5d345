//! The visitor's chat in a terminal (`ssh chat@host`): a form for name, email and subject,
//! then the conversation with a rep, and the chat's `PS-` reference when it closes. The
//! engine runs the same visitor use cases as the HTTP API (sanitising, limits); this screen
//! holds the chat's token and asks for new messages when the chat changed.

use super::terminal::Screen;
use super::theme::Theme;
use super::widgets::centered;
use super::widgets::form::{Field, Form, FormOutcome, Key};
use crate::admission::{Buckets, VISITOR_MESSAGES};
use crate::engine::read::support::{CHAT, VisitorMessage, VisitorSession};
use crate::engine::visitor::{VisitorOp, VisitorOut};
use crate::engine::{Command, EngineHandle, Event, Op, Reply, RequestId, Secret};
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use futures::{Stream, StreamExt};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use std::io::Write;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedReceiver;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

const NAME: Key = Key("Your name");
const EMAIL: Key = Key("Email");
const SUBJECT: Key = Key("Subject");
const MESSAGE: Key = Key("Message");

pub enum Stage {
    Intro(Form),
    Chat { session: Box<VisitorSession>, token: Secret },
}

pub struct VisitorChat {
    pub stage: Stage,
    pub org: String,
    theme: Theme,
    pub messages: Vec<VisitorMessage>,
    pub input: Input,
    pub notice: Option<String>,
    pub quit: bool,
    outbox: Vec<Command>,
    next_id: u64,
    /// The poll in flight, if any: a change while it runs asks again when it answers.
    polling: Option<RequestId>,
    again: bool,
    limit: Buckets<()>,
}

impl VisitorChat {
    pub fn new(theme: Theme, org: String) -> VisitorChat {
        let form = Form::new(
            "talk to support",
            vec![Field::text(NAME), Field::text(EMAIL), Field::text(SUBJECT), Field::text(MESSAGE)],
        )
        .submit_label("start chat")
        .note("Email and message are optional. ctrl+c leaves.");
        VisitorChat {
            stage: Stage::Intro(form),
            org,
            theme,
            messages: Vec::new(),
            input: Input::default(),
            notice: None,
            quit: false,
            outbox: Vec::new(),
            next_id: 0,
            polling: None,
            again: false,
            limit: Buckets::new(VISITOR_MESSAGES),
        }
    }

    fn send(&mut self, op: VisitorOp) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        self.outbox.push(Command { id, ..Command::anonymous(op) });
        id
    }

    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    fn token(&self) -> Option<Secret> {
        match &self.stage {
            Stage::Chat { token, .. } => Some(token.clone()),
            Stage::Intro(_) => None,
        }
    }

    fn poll(&mut self) {
        let Some(token) = self.token() else { return };
        if self.polling.is_some() {
            self.again = true;
            return;
        }
        let after = self.messages.last().map(|m| m.id);
        self.polling = Some(self.send(VisitorOp::Poll { token, after }));
    }

    /// A key: returns whether the screen changed.
    pub fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c' | 'd')) {
            self.quit = true;
            return true;
        }
        let closed = matches!(&self.stage, Stage::Chat { session, .. } if session.status == "closed");
        match &mut self.stage {
            _ if closed => self.quit = matches!(key.code, KeyCode::Enter | KeyCode::Esc | KeyCode::Char('q')),
            Stage::Intro(form) => match form.handle_key(&key) {
                FormOutcome::Cancel => self.quit = true,
                FormOutcome::Edited => {}
                FormOutcome::Submit => {
                    let (name, email, subject) = (form.value(NAME), form.value(EMAIL), form.value(SUBJECT));
                    let message = Some(form.value(MESSAGE)).filter(|m| !m.trim().is_empty());
                    let id = self.send(VisitorOp::Start { name, email, subject, message });
                    if let Stage::Intro(form) = &mut self.stage {
                        form.sent(id);
                    }
                }
            },
            Stage::Chat { token, .. } => match key.code {
                KeyCode::Enter => {
                    let text = self.input.value().trim().to_string();
                    if text.is_empty() {
                        return false;
                    }
                    if let Err(wait) = self.limit.take(&(), Instant::now()) {
                        self.notice = Some(format!("Slow down: you can send again in {wait} s."));
                        return true;
                    }
                    let token = token.clone();
                    self.send(VisitorOp::Send { token, text });
                    self.input.reset();
                    self.notice = None;
                }
                _ => {
                    self.input.handle_event(&TermEvent::Key(key));
                }
            },
        }
        true
    }

    /// What stays on the visitor's terminal after they leave: the chat's reference.
    pub fn goodbye(&self) -> String {
        match &self.stage {
            Stage::Chat { session, .. } => {
                format!(
                    "Your support chat's reference is {}. Quote it if you get in touch again.\r\n",
                    session.reference
                )
            }
            Stage::Intro(_) => String::new(),
        }
    }

    /// An engine event: returns whether the screen changed.
    pub fn on_engine(&mut self, ev: Event) -> bool {
        match ev {
            Event::Reply { id, reply: Reply::Visitor(out) } => {
                if self.polling == Some(id) {
                    self.polling = None;
                }
                match *out {
                    VisitorOut::Started { session, token } => {
                        self.stage = Stage::Chat { session: Box::new(session), token };
                        // Replies should reach the visitor within the live queue's interval.
                        self.outbox.push(Command::anonymous(Op::WatchClosely(true)));
                        self.poll();
                    }
                    VisitorOut::Sent(m) => self.add(vec![m]),
                    VisitorOut::Messages { session, messages } => {
                        if let Stage::Chat { session: s, .. } = &mut self.stage {
                            **s = session;
                        }
                        self.add(messages);
                    }
                }
                if std::mem::take(&mut self.again) {
                    self.poll();
                }
                true
            }
            Event::Failed { id, message, .. } => {
                if self.polling == Some(id) {
                    self.polling = None;
                }
                match &mut self.stage {
                    Stage::Intro(form) if form.waits_for(id) => form.fail(message),
                    _ => self.notice = Some(message),
                }
                true
            }
            Event::Changed(domains) if domains.iter().any(|d| d == CHAT) => {
                self.poll();
                false
            }
            Event::StoreDown(m) => {
                self.notice = Some(format!("Support is unreachable for now ({m}); your chat is kept."));
                true
            }
            Event::StoreUp => {
                self.notice = None;
                self.poll();
                true
            }
            _ => false,
        }
    }

    /// Messages, each once, in order (a poll and a send may both bring one).
    fn add(&mut self, new: Vec<VisitorMessage>) {
        for m in new {
            if !self.messages.iter().any(|k| k.id == m.id) {
                self.messages.push(m);
            }
        }
        self.messages.sort_by_key(|m| m.id);
    }

    pub fn view(&self, f: &mut Frame) {
        let area = f.area();
        let t = &self.theme;
        match &self.stage {
            Stage::Intro(form) => {
                let [head, body] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
                f.render_widget(
                    Paragraph::new(Line::styled(format!(" {} · support chat", self.org), t.accent())),
                    head,
                );
                form.render(f, centered(body, 64, form.height()), t);
            }
            Stage::Chat { session, .. } => self.view_chat(f, area, session),
        }
    }

    fn view_chat(&self, f: &mut Frame, area: Rect, session: &VisitorSession) {
        let t = &self.theme;
        let [head, log, notice, input] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(3),
        ])
        .areas(area);
        let who = match (&session.claimed_by_name, session.status.as_str()) {
            (_, "closed") => "closed".to_string(),
            (Some(rep), _) => format!("with {rep}"),
            (None, _) => "waiting for a rep".to_string(),
        };
        let title = format!(" {} · {} · {} · {}", self.org, session.subject, session.reference, who);
        f.render_widget(Paragraph::new(Line::styled(title, t.accent())), head);
        let lines: Vec<Line> = self
            .messages
            .iter()
            .map(|m| {
                let (name, style) = match m.sender_type.as_str() {
                    "visitor" => ("you".to_string(), t.ok()),
                    "rep" => (m.rep_name.clone().unwrap_or_else(|| "support".into()), t.accent()),
                    _ => ("·".to_string(), t.dim()),
                };
                Line::from(vec![Span::styled(format!("{name}: "), style), Span::styled(m.content.clone(), t.text())])
            })
            .collect();
        // The newest at the bottom: scroll so the last lines show (wrapping counted roughly).
        let width = log.width.saturating_sub(2).max(1) as usize;
        let height: usize = lines.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
        let scroll = height.saturating_sub(log.height.saturating_sub(2) as usize).min(u16::MAX as usize) as u16;
        let block = Block::default().borders(Borders::ALL).border_style(t.border());
        f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((scroll, 0)), log);
        let closed = session.status == "closed";
        let note = if closed {
            format!(" Chat closed. Your reference is {}. Press Enter to leave.", session.reference)
        } else {
            self.notice.clone().map(|n| format!(" {n}")).unwrap_or_default()
        };
        f.render_widget(Paragraph::new(Line::styled(note, if closed { t.ok() } else { t.warn() })), notice);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border())
            .title(Span::styled(" message · Enter sends · ctrl+c leaves ", t.dim()));
        let inner = block.inner(input);
        let scroll = self.input.visual_scroll(inner.width.max(1) as usize);
        f.render_widget(Paragraph::new(self.input.value()).scroll((0, scroll as u16)).block(block), input);
        if !closed {
            let x = (self.input.visual_cursor().max(scroll) - scroll) as u16;
            f.set_cursor_position((inner.x + x.min(inner.width.saturating_sub(1)), inner.y));
        }
    }
}

/// Run the chat on a terminal until the visitor leaves or the input ends.
pub async fn run<W: Write>(
    chat: &mut VisitorChat,
    screen: &mut Screen<W>,
    mut input: impl Stream<Item = std::io::Result<TermEvent>> + Unpin,
    engine: &EngineHandle,
    events: &mut UnboundedReceiver<Event>,
) -> anyhow::Result<()> {
    let mut dirty = true;
    loop {
        for cmd in chat.take_commands() {
            engine.send(cmd);
        }
        if chat.quit {
            return Ok(());
        }
        if dirty {
            screen.draw(|f| chat.view(f), false)?;
            dirty = false;
        }
        tokio::select! {
            biased;
            ev = input.next() => match ev {
                Some(Ok(TermEvent::Key(k))) => dirty |= chat.on_key(k),
                Some(Ok(TermEvent::Paste(text))) => {
                    if let Stage::Chat { .. } = chat.stage {
                        for c in crate::domain::sanitize::line(&text).chars() {
                            chat.input.handle(tui_input::InputRequest::InsertChar(c));
                        }
                        dirty = true;
                    }
                }
                Some(Ok(TermEvent::Resize(..))) => {
                    screen.repaint()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(()),
            },
            Some(ev) = events.recv() => dirty |= chat.on_engine(ev),
        }
    }
}
