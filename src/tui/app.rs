//! The UI's whole state and its two functions: `update` (a message in, commands out) and
//! `view` (state to frame). No I/O here: the engine does the work and answers with events.

mod forms;
mod input;
mod replies;
mod requests;
mod view;

use super::keymap::{Action, Keymap};
use super::palette::{Entry, Palette, Verb as V};
use super::screens::account::{AccountScreen, change_password_form};
use super::screens::admin::{self, AdminScreen, Section};
use super::screens::bookings::{self, BookingsScreen, FormKind};
use super::screens::classes::{self as classes_screen, ClassesScreen};
use super::screens::gate::{DemoAccount, Gate, Mode};
use super::screens::inventory::InventoryScreen;
use super::screens::support::{self, SupportScreen};
use super::theme::Theme;
use super::widgets::form::{Form, FormOutcome};
use super::widgets::overlay::{self, ConfirmView, ToastKind, Toasts};
use crate::domain::Role;
use crate::domain::rbac::Actor;
use crate::engine::accounts::{AccountForm, Session};
use crate::engine::{AccountOp, AdminOp, Command, Event, InventoryOp, Reply, RequestId, Secret};
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
use uuid::Uuid;

/// What a screen asks the app to do.
pub enum Effect {
    Send(Command),
    /// Send on behalf of the form in front (the overlay's, else the sign-in gate's): its
    /// answer or failure goes to that form and nowhere else.
    Submit(Command),
    Open(Overlay),
    Error(String),
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    NewUser,
    ChangeRole { user: Uuid, username: String },
    Invite,
    EditSetting { key: String },
    NewSetting,
    ChangePassword,
    AddSshKey,
    Clone { source: crate::engine::inventory::GuestRef },
    Cluster { id: Option<Uuid> },
    Bookings(FormKind),
    Support(support::Ask),
    Classes(classes_screen::FormKind),
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
    Form {
        form: Form,
        purpose: FormPurpose,
    },
    /// Read-only lines: a bulk action's per-guest results, a task log.
    Report {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

/// The tabs, in display order. A tab appears once its screen works and the role may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Inventory,
    Bookings,
    Support,
    Classes,
    Admin,
    Me,
}

impl Tab {
    pub const ORDER: [Tab; 6] = [Tab::Inventory, Tab::Classes, Tab::Bookings, Tab::Support, Tab::Admin, Tab::Me];
    pub fn name(self) -> &'static str {
        match self {
            Tab::Inventory => "Inventory",
            Tab::Classes => "Classes",
            Tab::Bookings => "Bookings",
            Tab::Support => "Support",
            Tab::Admin => "Admin",
            Tab::Me => "Me",
        }
    }
    fn visible(self, actor: &Actor) -> bool {
        use crate::domain::rbac::{Action as P, Resource as R};
        match self {
            Tab::Inventory => actor.can(R::Guest, P::Read) && actor.can(R::Cluster, P::Read),
            Tab::Bookings => bookings::visible(actor),
            Tab::Support => support::visible(actor),
            Tab::Classes => actor.can(R::Class, P::Read),
            Tab::Admin => !admin::visible_sections(actor).is_empty(),
            Tab::Me => true,
        }
    }
}

pub struct Shell {
    pub session: Session,
    pub tabs: Vec<Tab>,
    pub active: usize,
    pub inventory: InventoryScreen,
    pub classes: ClassesScreen,
    pub admin: AdminScreen,
    pub bookings: BookingsScreen,
    pub support: SupportScreen,
    pub account: AccountScreen,
    pub unread: i64,
    pub filter: Option<Input>,
}

impl Shell {
    fn new(session: Session) -> Shell {
        let tabs: Vec<Tab> = Tab::ORDER.into_iter().filter(|t| t.visible(&session.actor)).collect();
        let support = SupportScreen::new(&session.actor);
        let mut admin = AdminScreen::default();
        if let Some(first) = admin::visible_sections(&session.actor).first() {
            admin.section = *first;
        }
        let bookings = BookingsScreen::for_user(&session.user.time_zone);
        Shell {
            bookings,
            session,
            tabs,
            active: 0,
            inventory: InventoryScreen::default(),
            classes: ClassesScreen::default(),
            admin,
            support,
            account: AccountScreen::default(),
            unread: 0,
            filter: None,
        }
    }
    pub fn tab(&self) -> Tab {
        self.tabs.get(self.active).copied().unwrap_or(Tab::Me)
    }
    fn actor(&self) -> &Actor {
        &self.session.actor
    }
    /// What the screen in front offers (for its help, and to pick among actions sharing a key).
    pub fn actions(&self) -> Vec<(Action, &'static str)> {
        match self.tab() {
            Tab::Inventory => self.inventory.actions(),
            Tab::Bookings => self.bookings.actions(),
            Tab::Classes => self.classes.actions(self.actor()),
            Tab::Admin => self.admin.actions(),
            Tab::Support => self.support.actions(),
            Tab::Me => self.account.actions(),
        }
    }

    fn load_tab(&self) -> Vec<Effect> {
        let mut fx = match self.tab() {
            Tab::Inventory => self.inventory.load(self.actor()),
            Tab::Bookings => self.bookings.load(self.actor()),
            Tab::Classes => self.classes.load(self.actor()),
            Tab::Admin => self.admin.load(self.actor()),
            Tab::Support => return self.support.load(self.actor()),
            Tab::Me => self.account.load(self.actor()),
        };
        if self.tabs.contains(&Tab::Support) {
            fx.push(support::left());
        }
        fx
    }
    fn set_filter(&mut self, text: &str) {
        match self.tab() {
            Tab::Inventory => self.inventory.set_filter(text),
            Tab::Bookings => self.bookings.set_filter(text),
            Tab::Classes => self.classes.set_filter(text),
            Tab::Admin => self.admin.set_filter(text),
            Tab::Support => self.support.set_filter(text),
            Tab::Me => self.account.set_filter(text),
        }
    }
    fn current_filter(&mut self) -> String {
        match self.tab() {
            Tab::Inventory => self.inventory.filter().to_string(),
            Tab::Bookings => self.bookings.filter(),
            Tab::Classes => self.classes.filter(),
            Tab::Admin => self.admin.filter(),
            Tab::Support => self.support.filter(),
            Tab::Me => self.account.filter().to_string(),
        }
    }
    fn context(&self) -> String {
        match self.tab() {
            Tab::Inventory => format!("inventory › {}", self.inventory.view.name()),
            Tab::Bookings => format!("bookings › {}", self.bookings.section.name()),
            Tab::Classes => self.classes.context(),
            Tab::Admin => format!("admin › {}", self.admin.section.name()),
            Tab::Support => self.support.context(),
            Tab::Me => "me".into(),
        }
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
    pub toasts: Toasts,
    pub demo: Vec<DemoAccount>,
    pub backend: &'static str,
    pub org: String,
    pub clock: bool,
    pub store_down: Option<String>,
    pub quit: bool,
    /// Signing out ends the console (an SSH session, signed in by its key) instead of
    /// showing the sign-in screen.
    pub quit_on_sign_out: bool,
    outbox: Vec<Command>,
    requests: Requests,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, backend: &'static str, demo: Vec<DemoAccount>, clock: bool) -> App {
        let mut app = App {
            keymap,
            theme,
            phase: Phase::Starting,
            overlay: None,
            toasts: Toasts::default(),
            demo,
            backend,
            org: "labdeck".into(),
            clock,
            store_down: None,
            quit: false,
            quit_on_sign_out: false,
            outbox: vec![],
            requests: Requests::default(),
        };
        app.send(Command::anonymous(AccountOp::CheckSetup));
        app
    }

    /// A console opened already signed in as `session` (an SSH session signed in by its
    /// key): no sign-in screen, and signing out ends it.
    pub fn signed_in(
        keymap: Keymap,
        theme: Theme,
        backend: &'static str,
        org: String,
        clock: bool,
        session: Session,
    ) -> App {
        let mut app = App::new(keymap, theme, backend, vec![], clock);
        app.take_commands();
        app.org = org;
        app.quit_on_sign_out = true;
        app.enter_shell(session);
        app
    }

    /// Number a command and queue it for the engine.
    fn send(&mut self, mut cmd: Command) -> RequestId {
        let id = self.requests.issue(&mut cmd);
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
            Msg::Tick => self.toasts.expire(Instant::now()) || self.clock,
        }
    }

    fn apply(&mut self, effects: Vec<Effect>) {
        for e in effects {
            match e {
                Effect::Send(c) => {
                    self.send(c);
                }
                Effect::Submit(c) => {
                    let id = self.send(c);
                    match (&mut self.overlay, &mut self.phase) {
                        (Some(Overlay::Form { form, .. }), _) => form.sent(id),
                        (_, Phase::Gate(g)) => g.form.sent(id),
                        _ => {}
                    }
                }
                Effect::Open(o) => self.overlay = Some(o),
                Effect::Error(m) => self.toasts.push(ToastKind::Error, m),
                Effect::Quit => self.quit = true,
            }
        }
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
                self.apply(fx);
            }
            Phase::Shell(shell) => {
                if let Some(input) = &mut shell.filter {
                    match key.code {
                        KeyCode::Esc => {
                            shell.filter = None;
                            shell.set_filter("");
                        }
                        KeyCode::Enter => {
                            let text = input.value().to_string();
                            shell.filter = None;
                            let actor = shell.session.actor.clone();
                            let fx = match shell.tab() {
                                Tab::Admin => shell.admin.commit_filter(&text, &actor),
                                Tab::Support => shell.support.commit_filter(&text, &actor),
                                _ => vec![],
                            };
                            self.apply(fx);
                        }
                        _ => {
                            input.handle_event(&TermEvent::Key(key));
                            let text = input.value().to_string();
                            shell.set_filter(&text);
                            if shell.tab() == Tab::Support {
                                let actor = shell.session.actor.clone();
                                let fx = shell.support.follow_selection(&actor);
                                self.apply(fx);
                            }
                        }
                    }
                    return;
                }
                if shell.tab() == Tab::Support && shell.support.composing {
                    let actor = shell.session.actor.clone();
                    let fx = shell.support.compose_key(&key, &actor);
                    return self.apply(fx);
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
        let fx = match action {
            Action::Quit => vec![Effect::Quit],
            Action::Help => vec![Effect::Open(Overlay::Help)],
            Action::Palette => vec![Effect::Open(Overlay::Palette(Palette::default()))],
            Action::Filter => {
                shell.filter = Some(Input::new(shell.current_filter()));
                vec![]
            }
            Action::NextTab | Action::PrevTab if !shell.tabs.is_empty() => {
                let n = shell.tabs.len();
                shell.active =
                    if action == Action::NextTab { (shell.active + 1) % n } else { (shell.active + n - 1) % n };
                shell.filter = None;
                shell.load_tab()
            }
            Action::Back if shell.tab() == Tab::Classes && shell.classes.back() => vec![],
            Action::Back => {
                shell.set_filter("");
                vec![]
            }
            other => {
                let actor = shell.session.actor.clone();
                match shell.tab() {
                    Tab::Inventory => shell.inventory.update(other, &actor),
                    Tab::Bookings => shell.bookings.update(other, &actor),
                    Tab::Classes => shell.classes.update(other, &actor),
                    Tab::Admin => shell.admin.update(other, &actor),
                    Tab::Support => shell.support.update(other, &actor),
                    Tab::Me => shell.account.update(other, &actor),
                }
            }
        };
        self.apply(fx);
    }

    fn enter_shell(&mut self, session: Session) {
        let actor = session.actor.clone();
        let shell = Shell::new(session);
        let mut fx = shell.load_tab();
        fx.extend(pending_count(&actor));
        if shell.tabs.contains(&Tab::Support) {
            fx.push(support_unread(&actor));
        }
        fx.push(Effect::Send(Command::new(&actor, AccountOp::LoadUnread)));
        self.phase = Phase::Shell(Box::new(shell));
        self.apply(fx);
    }
}

/// Approvers see how many bookings wait for them in the status bar.
fn pending_count(actor: &Actor) -> Vec<Effect> {
    use crate::domain::{Action as P, Resource as R};
    if actor.can(R::Booking, P::Update) {
        vec![Effect::Send(Command::new(actor, crate::engine::bookings::Op::PendingCount))]
    } else {
        vec![]
    }
}

/// Ask for the Support badge: waiting chats and unread thread messages.
fn support_unread(actor: &Actor) -> Effect {
    Effect::Send(Command::new(actor, crate::engine::support::Op::LoadUnread))
}
