//! The UI's whole state and its two functions: `update` (a message in, commands out) and
//! `view` (state to frame). No I/O here: the engine does the work and answers with events.

mod input;
mod replies;
mod requests;
mod view;

use super::keymap::{Action, Keymap};
use super::palette::{Entry, Palette};
use super::screens::gate::{DemoAccount, Gate, Mode};
use super::screens::{Screen, TABS, Taken, downcast, downcast_mut};
use super::theme::Theme;
use super::widgets::form::{Form, FormOutcome};
use super::widgets::overlay::{self, ConfirmView, ToastKind, Toasts};
use crate::engine::accounts::Session;
use crate::engine::{AccountOp, Command, Event, Reply, RequestId};
use chrono::Local;
use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
pub use requests::Requests;
use std::time::Instant;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// What a screen asks the app to do.
pub enum Effect {
    /// A command for the engine; its answer comes back to the screen that sent it.
    Send(Command),
    /// Send on behalf of a form: the sign-in gate's, or one a screen keeps (the support
    /// compose box, told the request's id through `Screen::submitted`).
    Submit(Command),
    Open(Overlay),
    /// Open a form owned by the screen that asked: its submit goes to that screen's `on_form`.
    Form(Form),
    /// Bring the screen that asked to the front (a palette command reaching its tab).
    Front,
    /// A toast: something went through.
    Info(String),
    Error(String),
    /// Ring the terminal's bell with the next frame.
    Bell,
    Quit,
}

pub enum Overlay {
    Help,
    Palette(Palette),
    Confirm {
        title: String,
        message: String,
        on_yes: Command,
    },
    Secret {
        message: String,
        secret: String,
    },
    Form(Form),
    /// Read-only lines: a bulk action's per-guest results, a task log.
    Report {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

pub struct Shell {
    pub session: Session,
    /// The tabs the role may use, in display order (`screens::TABS`).
    pub tabs: Vec<Box<dyn Screen>>,
    pub active: usize,
    pub unread: i64,
    pub filter: Option<Input>,
}

impl Shell {
    fn new(session: Session) -> Shell {
        let tabs = TABS.iter().filter_map(|tab| tab(&session)).collect();
        Shell { session, tabs, active: 0, unread: 0, filter: None }
    }

    /// The screen in front.
    pub fn front(&self) -> Option<&dyn Screen> {
        self.tabs.get(self.active).map(|s| s.as_ref())
    }

    /// The tab of type `S`, if the role has it.
    pub fn screen<S: Screen>(&self) -> Option<&S> {
        self.tabs.iter().find_map(|s| downcast(s.as_ref()))
    }

    pub fn screen_mut<S: Screen>(&mut self) -> Option<&mut S> {
        self.tabs.iter_mut().find_map(|s| downcast_mut(s.as_mut()))
    }

    /// What the screen in front offers (for its help, and to pick among actions sharing a key).
    pub fn actions(&self) -> Vec<(Action, &'static str)> {
        self.front().map(|s| s.help(&self.session)).unwrap_or_default()
    }

    fn context(&self) -> String {
        self.front().map(|s| s.context()).unwrap_or_default()
    }
}

pub enum Phase {
    Starting,
    Gate(Gate),
    Shell(Box<Shell>),
}

pub enum Msg {
    Terminal(TermEvent),
    Engine(Event),
    Tick,
}

pub struct App {
    pub keymap: Keymap,
    pub theme: Theme,
    pub phase: Phase,
    pub overlay: Option<Overlay>,
    /// The tab that opened the overlay: a confirmed command or a submitted form is its.
    overlay_owner: Option<usize>,
    pub toasts: Toasts,
    pub demo: Vec<DemoAccount>,
    pub backend: &'static str,
    pub org: String,
    pub clock: crate::config::Clock,
    pub store_down: Option<String>,
    pub quit: bool,
    /// A screen asked for the terminal's bell; the next frame rings it.
    pub bell: bool,
    /// Signing out ends the console (an SSH session, signed in by its key) instead of
    /// showing the sign-in screen.
    pub quit_on_sign_out: bool,
    outbox: Vec<Command>,
    requests: Requests,
    /// A form set aside while a confirmation about it is open (the cluster form behind its
    /// certificate prompt): it comes back as typed if the save fails or is declined.
    parked: Option<Form>,
}

impl App {
    pub fn new(
        keymap: Keymap,
        theme: Theme,
        backend: &'static str,
        demo: Vec<DemoAccount>,
        clock: crate::config::Clock,
    ) -> App {
        let mut app = App {
            keymap,
            theme,
            phase: Phase::Starting,
            overlay: None,
            overlay_owner: None,
            toasts: Toasts::default(),
            demo,
            backend,
            org: "labdeck".into(),
            clock,
            store_down: None,
            quit: false,
            bell: false,
            quit_on_sign_out: false,
            outbox: vec![],
            requests: Requests::default(),
            parked: None,
        };
        app.send(Command::anonymous(AccountOp::CheckSetup), None);
        app
    }

    /// A console opened already signed in as `session` (an SSH session signed in by its
    /// key): no sign-in screen, and signing out ends it.
    pub fn signed_in(
        keymap: Keymap,
        theme: Theme,
        backend: &'static str,
        org: String,
        clock: crate::config::Clock,
        session: Session,
    ) -> App {
        let mut app = App::new(keymap, theme, backend, vec![], clock);
        app.take_commands();
        app.org = org;
        app.quit_on_sign_out = true;
        app.enter_shell(session);
        app
    }

    /// Number a command and queue it for the engine; `owner` is the tab whose it is.
    fn send(&mut self, mut cmd: Command, owner: Option<usize>) -> RequestId {
        let id = self.requests.issue(&mut cmd, owner);
        self.outbox.push(cmd);
        id
    }

    /// Commands produced since the last call, for the engine.
    pub fn take_commands(&mut self) -> Vec<Command> {
        std::mem::take(&mut self.outbox)
    }

    /// Handle one message. Returns whether the screen must be redrawn.
    pub fn update(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Terminal(TermEvent::Key(k)) if k.kind != KeyEventKind::Release => {
                self.on_key(k);
                true
            }
            Msg::Terminal(TermEvent::Resize(..)) => true,
            Msg::Terminal(_) => false,
            Msg::Engine(e) => self.on_engine(e),
            Msg::Tick => self.toasts.expire(Instant::now()) || self.clock != crate::config::Clock::Off,
        }
    }

    /// Apply what the shell or the gate (`owner` None) or tab `owner` asked for.
    fn apply(&mut self, owner: Option<usize>, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send(c) => {
                    self.send(c, owner);
                }
                Effect::Submit(c) => {
                    let id = self.send(c, owner);
                    match (&mut self.phase, owner) {
                        (Phase::Gate(g), _) => g.form.sent(id),
                        (Phase::Shell(_), Some(i)) => self.with_screen(Some(i), |s, _| {
                            s.submitted(id);
                            vec![]
                        }),
                        _ => {}
                    }
                }
                Effect::Open(o) => {
                    self.overlay = Some(o);
                    self.overlay_owner = owner;
                }
                Effect::Form(form) => {
                    self.overlay = Some(Overlay::Form(form));
                    self.overlay_owner = owner;
                }
                Effect::Front => {
                    if let (Some(i), Phase::Shell(shell)) = (owner, &mut self.phase)
                        && i != shell.active
                    {
                        let fx = self.switch_to(i);
                        self.apply(fx.0, fx.1);
                    }
                }
                Effect::Info(m) => self.toasts.push(ToastKind::Info, m),
                Effect::Error(m) => self.toasts.push(ToastKind::Error, m),
                Effect::Bell => self.bell = true,
                Effect::Quit => self.quit = true,
            }
        }
    }

    /// Bring tab `i` to the front without loading it: the tab left behind says what it
    /// stops (its effects, with its index, are returned to apply).
    fn switch_to(&mut self, i: usize) -> (Option<usize>, Vec<Effect>) {
        let Phase::Shell(shell) = &mut self.phase else {
            return (None, vec![]);
        };
        let old = shell.active;
        shell.active = i;
        shell.filter = None;
        let fx = match shell.tabs.get_mut(old) {
            Some(s) => s.leave(&shell.session),
            None => vec![],
        };
        (Some(old), fx)
    }

    /// Call tab `i` (the front one when `None`) and apply what it asks for.
    /// Tab `i` of a signed-in shell.
    fn tab_mut(&mut self, i: Option<usize>) -> Option<&mut dyn Screen> {
        match &mut self.phase {
            Phase::Shell(shell) => Some(shell.tabs.get_mut(i?)?.as_mut()),
            _ => None,
        }
    }

    fn with_screen(&mut self, i: Option<usize>, f: impl FnOnce(&mut dyn Screen, &Session) -> Vec<Effect>) {
        let Phase::Shell(shell) = &mut self.phase else {
            return;
        };
        let i = i.unwrap_or(shell.active);
        let Some(screen) = shell.tabs.get_mut(i) else {
            return;
        };
        let fx = f(screen.as_mut(), &shell.session);
        self.apply(Some(i), fx);
    }

    fn on_key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            return;
        }
        if self.overlay.is_some() {
            return self.on_overlay_key(key);
        }
        match &mut self.phase {
            Phase::Starting => {}
            Phase::Gate(g) => {
                let fx = g.handle_key(&key);
                self.apply(None, fx);
            }
            Phase::Shell(shell) => {
                if let Some(input) = &mut shell.filter {
                    let (text, enter) = match key.code {
                        KeyCode::Esc => (String::new(), false),
                        KeyCode::Enter => (input.value().to_string(), true),
                        _ => {
                            input.handle_event(&TermEvent::Key(key));
                            (input.value().to_string(), false)
                        }
                    };
                    if matches!(key.code, KeyCode::Esc | KeyCode::Enter) {
                        shell.filter = None;
                    }
                    return self.with_screen(None, |s, me| s.on_filter(&text, enter, me));
                }
                let active = shell.active;
                if let Some(screen) = shell.tabs.get_mut(active)
                    && let Some(fx) = screen.on_key(&key, &shell.session)
                {
                    return self.apply(Some(active), fx);
                }
                let here: Vec<Action> = shell.actions().into_iter().map(|(a, _)| a).collect();
                let Some(action) = self.keymap.action_in(&key, &here) else {
                    return;
                };
                self.on_shell_action(action);
            }
        }
    }

    fn on_shell_action(&mut self, action: Action) {
        let Phase::Shell(shell) = &mut self.phase else {
            return;
        };
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.apply(None, vec![Effect::Open(Overlay::Help)]),
            Action::Palette => self.apply(None, vec![Effect::Open(Overlay::Palette(Palette::default()))]),
            Action::Filter => {
                let active = shell.active;
                let text = shell.tabs.get_mut(active).map(|s| s.filter()).unwrap_or_default();
                shell.filter = Some(Input::new(text));
            }
            Action::NextTab | Action::PrevTab if !shell.tabs.is_empty() => {
                let n = shell.tabs.len();
                let next = if action == Action::NextTab { (shell.active + 1) % n } else { (shell.active + n - 1) % n };
                let (old, fx) = self.switch_to(next);
                self.apply(old, fx);
                self.with_screen(None, |s, me| s.load(me));
            }
            // Esc clears the filter first; with none, the screen goes back (a class to the list).
            Action::Back if shell.tabs.get_mut(shell.active).is_some_and(|s| !s.filter().is_empty()) => {
                self.with_screen(None, |s, me| s.on_filter("", false, me))
            }
            other => self.with_screen(None, |s, me| s.on_action(other, me)),
        }
    }

    fn enter_shell(&mut self, session: Session) {
        let actor = session.actor.clone();
        self.phase = Phase::Shell(Box::new(Shell::new(session)));
        self.with_screen(None, |s, me| s.load(me));
        let n = match &self.phase {
            Phase::Shell(shell) => shell.tabs.len(),
            _ => 0,
        };
        for i in 0..n {
            self.with_screen(Some(i), |s, me| s.watch(me));
        }
        self.send(Command::new(&actor, AccountOp::LoadUnread), None);
    }
}
