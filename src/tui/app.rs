//! The UI's whole state and its two functions: `update` (a message in, commands out) and
//! `view` (state to frame). No I/O here: the engine does the work and answers with events.

mod requests;

use super::keymap::{Action, Keymap};
use super::palette::Palette;
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
            Tab::Me => self.account.notifications.set_filter(text),
        }
    }
    fn current_filter(&mut self) -> String {
        match self.tab() {
            Tab::Inventory => self.inventory.filter().to_string(),
            Tab::Bookings => self.bookings.filter(),
            Tab::Classes => self.classes.filter(),
            Tab::Admin => self.admin.filter(),
            Tab::Support => self.support.filter(),
            Tab::Me => self.account.notifications.filter().to_string(),
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
            outbox: vec![],
            requests: Requests::default(),
        };
        app.send(Command::anonymous(AccountOp::CheckSetup));
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

    fn on_overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help => {
                if !(key.code == KeyCode::Esc
                    || self.keymap.action(&key) == Some(Action::Help)
                    || key.code == KeyCode::Enter)
                {
                    self.overlay = Some(Overlay::Help);
                }
            }
            Overlay::Secret { .. } => {}
            Overlay::Report { title, lines, scroll } => {
                let scroll = match self.keymap.action(&key) {
                    Some(Action::Down) => (scroll + 1).min(lines.len().saturating_sub(1)),
                    Some(Action::Up) => scroll.saturating_sub(1),
                    Some(Action::PageDown) => (scroll + 20).min(lines.len().saturating_sub(1)),
                    Some(Action::PageUp) => scroll.saturating_sub(20),
                    _ if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => {
                        return;
                    }
                    _ => scroll,
                };
                self.overlay = Some(Overlay::Report { title, lines, scroll });
            }
            Overlay::Confirm { title, message, on_yes } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    self.send(on_yes);
                }
                KeyCode::Char('n') | KeyCode::Esc => {}
                _ => self.overlay = Some(Overlay::Confirm { title, message, on_yes }),
            },
            Overlay::Palette(mut p) => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => match p.resolve() {
                    Some((name, args)) => self.run_command(&name, &args),
                    None => self.toasts.push(
                        ToastKind::Error,
                        format!("Unknown command '{}'. Tab completes.", p.input.value().trim()),
                    ),
                },
                KeyCode::Tab => {
                    p.complete();
                    self.overlay = Some(Overlay::Palette(p));
                }
                KeyCode::Down => {
                    p.chosen = (p.chosen + 1).min(p.matches().len().saturating_sub(1));
                    self.overlay = Some(Overlay::Palette(p));
                }
                KeyCode::Up => {
                    p.chosen = p.chosen.saturating_sub(1);
                    self.overlay = Some(Overlay::Palette(p));
                }
                _ => {
                    p.input.handle_event(&TermEvent::Key(key));
                    p.chosen = 0;
                    self.overlay = Some(Overlay::Palette(p));
                }
            },
            Overlay::Form { mut form, purpose } => match form.handle_key(&key) {
                FormOutcome::Cancel => {}
                FormOutcome::Edited => {
                    if let (Phase::Shell(shell), FormPurpose::Bookings(kind)) = (&self.phase, &purpose) {
                        shell.bookings.form_edited(&mut form, kind);
                    }
                    self.overlay = Some(Overlay::Form { form, purpose })
                }
                FormOutcome::Submit => {
                    match self.form_command(&form, &purpose) {
                        Ok(cmd) => form.sent(self.send(cmd)),
                        Err(message) => form.fail(message),
                    }
                    self.overlay = Some(Overlay::Form { form, purpose });
                }
            },
        }
    }

    fn form_command(&self, form: &Form, purpose: &FormPurpose) -> Result<Command, String> {
        let Phase::Shell(shell) = &self.phase else {
            return Err("not signed in".into());
        };
        let actor = shell.session.actor.clone();
        let role = || form.value("Role").parse::<Role>().map_err(|e| e.to_string());
        Ok(match purpose {
            FormPurpose::NewUser => Command::new(
                &actor,
                AdminOp::CreateUser {
                    form: AccountForm {
                        username: form.value("Username"),
                        email: form.value("Email"),
                        display_name: form.value("Display name"),
                    },
                    role: role()?,
                },
            ),
            FormPurpose::ChangeRole { user, .. } => {
                Command::new(&actor, AdminOp::SetRole { user: *user, role: role()? })
            }
            FormPurpose::Invite => {
                let days = form.optional_number("Valid days", 1..=90)?;
                let to = form.value("Email or handle");
                if to.trim().is_empty() {
                    return Err("Type an email address or a handle.".into());
                }
                Command::new(&actor, AdminOp::Invite { to, role: role()?, days })
            }
            FormPurpose::EditSetting { key } => {
                Command::new(&actor, AdminOp::PutSetting { key: key.clone(), raw: form.value("Value") })
            }
            FormPurpose::Support(ask) => shell.support.form_command(ask, form, &actor)?,
            FormPurpose::NewSetting => {
                Command::new(&actor, AdminOp::PutSetting { key: form.value("Key"), raw: form.value("Value") })
            }
            FormPurpose::Cluster { id } => {
                let port = form
                    .value("Port")
                    .trim()
                    .parse::<u16>()
                    .map_err(|_| "Port: a number from 1 to 65535 (Proxmox uses 8006).")?;
                let poll =
                    form.value("Poll seconds").trim().parse::<i64>().map_err(|_| "Poll seconds: a whole number.")?;
                let secret = form.value("Token secret");
                let input = crate::engine::read::inventory::ClusterInput {
                    key: String::new(),
                    name: form.value("Name"),
                    host: form.value("Host"),
                    port,
                    token_id: form.value("Token ID"),
                    token_secret: (!secret.trim().is_empty()).then_some(secret),
                    fingerprint: String::new(),
                    poll_interval_secs: poll,
                };
                Command::new(&actor, InventoryOp::ProbeCluster { id: *id, input })
            }
            FormPurpose::Clone { source } => {
                let newid = form.optional_number("New VMID", 100..=999_999_999)?.map(|v| v as u32);
                let name = form.value("Name").trim().to_string();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
                    return Err("Name: letters, digits, '-' and '.' (Proxmox names are DNS names).".into());
                }
                let op = crate::domain::inventory::ops::GuestOp::Clone {
                    name,
                    newid,
                    full: form.value("Full copy") == "yes",
                };
                Command::new(&actor, InventoryOp::GuestAction { targets: vec![*source], op })
            }
            FormPurpose::Bookings(kind) => shell.bookings.form_command(form, kind, &actor)?,
            FormPurpose::Classes(kind) => classes_screen::form_command(kind, form, actor, &shell.classes)?,
            FormPurpose::ChangePassword => {
                if form.value("New") != form.value("Repeat") {
                    return Err("The two new passwords differ.".into());
                }
                Command::new(
                    &actor,
                    AccountOp::ChangePassword {
                        current: Secret(form.value("Current")),
                        new: Secret(form.value("New")),
                    },
                )
            }
        })
    }

    fn run_command(&mut self, name: &str, args: &[String]) {
        let Phase::Shell(shell) = &mut self.phase else {
            return;
        };
        let actor = shell.session.actor.clone();
        let goto_admin = |shell: &mut Shell, s: Section| -> Vec<Effect> {
            match shell.tabs.iter().position(|t| *t == Tab::Admin) {
                Some(i) => {
                    shell.active = i;
                    shell.admin.show(s, &actor)
                }
                None => vec![Effect::Error("Your role has no Admin tab.".into())],
            }
        };
        let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
        let fx = match name {
            "admin" => match shell.tabs.iter().position(|t| *t == Tab::Admin) {
                Some(i) => {
                    shell.active = i;
                    shell.load_tab()
                }
                None => vec![Effect::Error("Your role has no Admin tab.".into())],
            },
            "bookings" | "approvals" | "devices" => match shell.tabs.iter().position(|t| *t == Tab::Bookings) {
                Some(i) => {
                    use super::screens::bookings::Section as B;
                    shell.active = i;
                    let s = match name {
                        "approvals" => B::Approvals,
                        "devices" => B::Devices,
                        _ => B::Week,
                    };
                    shell.bookings.show(s, &actor)
                }
                None => vec![Effect::Error("Your role has no Bookings tab.".into())],
            },
            "support" => match shell.tabs.iter().position(|t| *t == Tab::Support) {
                Some(i) => {
                    shell.active = i;
                    shell.load_tab()
                }
                None => vec![Effect::Error("Your role has no Support tab.".into())],
            },
            "me" => {
                shell.active = shell.tabs.iter().position(|t| *t == Tab::Me).unwrap_or(0);
                shell.load_tab()
            }
            "inventory" | "guests" | "tasks" | "isos" | "templates" => {
                match shell.tabs.iter().position(|t| *t == Tab::Inventory) {
                    Some(i) => {
                        use super::screens::inventory::View;
                        shell.active = i;
                        shell.inventory.view = match name {
                            "tasks" => View::Tasks,
                            "isos" => View::Isos,
                            "templates" => View::Templates,
                            _ => View::Guests,
                        };
                        shell.load_tab()
                    }
                    None => vec![Effect::Error("Your role has no Inventory tab.".into())],
                }
            }
            "start" | "stop" | "shutdown" | "reboot" | "template" | "delete" | "snapshot" | "rollback" | "delsnap"
                if shell.tab() == Tab::Inventory =>
            {
                use crate::domain::inventory::ops::GuestOp;
                let snap = || {
                    args.first().cloned().filter(|n| {
                        n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && n.len() <= 40
                    })
                };
                let op = match name {
                    "start" => Some(GuestOp::Start),
                    "stop" => Some(GuestOp::Stop),
                    "shutdown" => Some(GuestOp::Shutdown),
                    "reboot" => Some(GuestOp::Reboot),
                    "template" => Some(GuestOp::Template),
                    "delete" => Some(GuestOp::Delete),
                    "snapshot" => snap().map(GuestOp::Snapshot),
                    "rollback" => snap().map(GuestOp::Rollback),
                    _ => snap().map(GuestOp::DeleteSnapshot),
                };
                match op {
                    Some(op) => shell.inventory.op(op, &actor),
                    None => vec![Effect::Error(format!("usage: {name} NAME (letters, digits, '-' or '_')"))],
                }
            }
            "users" => goto_admin(shell, Section::Users),
            "invitations" => goto_admin(shell, Section::Invitations),
            "roles" => goto_admin(shell, Section::Roles),
            "settings" => goto_admin(shell, Section::Settings),
            "audit" => goto_admin(shell, Section::Audit),
            "new-user" => {
                let mut fx = goto_admin(shell, Section::Users);
                fx.extend(shell.admin.update(Action::New, &actor));
                fx
            }
            "invite" => {
                let mut fx = goto_admin(shell, Section::Invitations);
                fx.extend(shell.admin.update(Action::New, &actor));
                fx
            }
            "set" => match args {
                [key, value @ ..] if !value.is_empty() => {
                    vec![Effect::Send(Command::new(
                        &actor,
                        AdminOp::PutSetting { key: key.clone(), raw: value.join(" ") },
                    ))]
                }
                _ => vec![Effect::Error("usage: set KEY VALUE".into())],
            },
            "grant" | "revoke" => match admin::parse_grant(&args_ref) {
                Ok((role, grant)) => {
                    vec![Effect::Send(Command::new(
                        &actor,
                        AdminOp::SetRoleGrant { role, grant, granted: name == "grant" },
                    ))]
                }
                Err(e) => vec![Effect::Error(e)],
            },
            "classes" | "join" | "coowner" | "scale" | "disable-codes" => {
                match shell.tabs.iter().position(|t| *t == Tab::Classes) {
                    Some(i) => {
                        let entering = shell.active != i;
                        shell.active = i;
                        let mut fx = if entering { shell.load_tab() } else { vec![] };
                        if name != "classes" {
                            fx.extend(shell.classes.command(name, args, &actor));
                        }
                        fx
                    }
                    None => vec![Effect::Error("Your role has no Classes tab.".into())],
                }
            }
            "passwd" => vec![change_password_form()],
            "read-all" => vec![Effect::Send(Command::new(&actor, AccountOp::MarkRead { id: None }))],
            "refresh" => shell.load_tab(),
            "help" => vec![Effect::Open(Overlay::Help)],
            "signout" => vec![Effect::Send(Command::new(&actor, AccountOp::SignOut))],
            "quit" => vec![Effect::Quit],
            _ => vec![Effect::Error(format!("Unknown command '{name}'."))],
        };
        self.apply(fx);
    }

    fn on_engine(&mut self, event: Event) -> bool {
        match event {
            Event::Reply { id, reply } => {
                let wanted = self.requests.wanted(id);
                if !matches!(&reply, Reply::Guests(b) if b.more) {
                    self.requests.done(id);
                }
                // An answer to a load that a newer one of its kind superseded: stale, dropped.
                return wanted && self.on_reply(id, reply);
            }
            Event::Failed { id, origin, message } => {
                let (wanted, kind) = (self.requests.wanted(id), self.requests.kind(id));
                self.requests.done(id);
                if kind == Some("inventory.guests")
                    && let Phase::Shell(shell) = &mut self.phase
                {
                    // Even a superseded guest load frees the way for the next one.
                    shell.inventory.guests_failed();
                }
                if !wanted {
                    return false;
                }
                tracing::debug!(origin, "request failed");
                // The failure goes to the request that caused it: the form that sent it, or a
                // toast; never to a form that happens to be open, waiting for something else.
                match (&mut self.phase, &mut self.overlay) {
                    (_, Some(Overlay::Form { form, .. })) if form.waits_for(id) => form.fail(message),
                    (Phase::Gate(g), _) if g.form.waits_for(id) => g.failed(&message),
                    // Badge counts: the status bar says when the database is unreachable.
                    _ if matches!(kind, Some("account.unread" | "support.unread" | "bookings.pending_count")) => {
                        return false;
                    }
                    _ => self.toasts.push(ToastKind::Error, message),
                }
            }
            Event::Changed(domains) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let mut fx = match shell.tab() {
                        Tab::Inventory => shell.inventory.on_changed(&domains, &actor),
                        Tab::Bookings => shell.bookings.on_changed(&domains, &actor),
                        Tab::Classes => shell.classes.on_changed(&domains, &actor),
                        Tab::Admin => shell.admin.on_changed(&domains, &actor),
                        Tab::Support => shell.support.on_changed(&domains, &actor),
                        Tab::Me if domains.iter().any(|d| d == "notifications") => shell.account.load(&actor),
                        Tab::Me => vec![],
                    };
                    if shell.tab() != Tab::Bookings && domains.iter().any(|d| d == "bookings") {
                        fx.extend(pending_count(&actor));
                    }
                    if domains.iter().any(|d| d == "visitor_chat" || d == "threads")
                        && shell.tabs.contains(&Tab::Support)
                    {
                        fx.push(support_unread(&actor));
                    }
                    if domains.iter().any(|d| d == "notifications") {
                        fx.push(Effect::Send(Command::new(&actor, AccountOp::LoadUnread)));
                    }
                    self.apply(fx);
                }
                return false;
            }
            Event::StoreDown(message) => {
                self.toasts.push(ToastKind::Error, format!("Database unreachable: {message}"));
                self.store_down = Some(message);
            }
            Event::StoreUp => {
                self.store_down = None;
                self.toasts.push(ToastKind::Info, "Database reachable again.");
            }
        }
        true
    }

    /// Whether the form in front waits for request `id` (and so is answered by it).
    fn form_waits_for(&self, id: RequestId) -> bool {
        matches!(&self.overlay, Some(Overlay::Form { form, .. }) if form.waits_for(id))
    }

    fn on_reply(&mut self, id: RequestId, reply: Reply) -> bool {
        match reply {
            Reply::Setup { needs_first_admin, org } => {
                if let Some(org) = org {
                    self.org = org;
                }
                self.phase = Phase::Gate(if needs_first_admin { Gate::first_admin() } else { Gate::sign_in() });
            }
            Reply::SignedIn(session) => {
                let typed = match &mut self.phase {
                    Phase::Gate(g) => g.take_password(),
                    _ => None,
                };
                match typed {
                    Some(current) if session.user.must_change_password => {
                        self.phase = Phase::Gate(Gate::must_change(*session, current))
                    }
                    _ => self.enter_shell(*session),
                }
            }
            Reply::SignedOut => {
                self.phase = Phase::Gate(Gate::sign_in());
                self.overlay = None;
            }
            Reply::Unread(n) => {
                if let Phase::Shell(s) = &mut self.phase {
                    s.unread = n;
                }
            }
            Reply::Done(message) => {
                if let Phase::Gate(g) = &mut self.phase
                    && let Mode::MustChange { session, .. } = &g.mode
                {
                    let session = (**session).clone();
                    self.enter_shell(session);
                    self.toasts.push(ToastKind::Info, message);
                    return true;
                }
                if self.form_waits_for(id) {
                    self.overlay = None;
                }
                self.toasts.push(ToastKind::Info, message);
            }
            Reply::Secret { message, secret } => self.overlay = Some(Overlay::Secret { message, secret }),
            Reply::Report { title, lines } => self.overlay = Some(Overlay::Report { title, lines, scroll: 0 }),
            Reply::TrustPrompt { id, input, previous } => {
                let Phase::Shell(shell) = &self.phase else {
                    return false;
                };
                let message = match &previous {
                    Some(old) => format!(
                        "The certificate of {}:{} CHANGED. Pinned: {old}. Now: {}. Trust the new one only if you replaced it yourself.",
                        input.host, input.port, input.fingerprint
                    ),
                    None => format!(
                        "{}:{} presents a certificate with SHA-256 fingerprint {}. Compare it with the node's, then trust it?",
                        input.host, input.port, input.fingerprint
                    ),
                };
                let on_yes = Command::new(&shell.session.actor, InventoryOp::SaveCluster { id, input });
                self.overlay = Some(Overlay::Confirm { title: "trust this certificate?".into(), message, on_yes });
            }
            Reply::Bulk { title, lines } => self.on_bulk(id, title, lines),
            Reply::Bookings(out) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let (fx, toast) = shell.bookings.on_out(out, &actor);
                    if let Some(message) = toast {
                        if self.form_waits_for(id) {
                            self.overlay = None;
                        }
                        self.toasts.push(ToastKind::Info, message);
                    }
                    self.apply(fx);
                }
            }
            Reply::Support(out) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let fx = shell.support.on_reply(&out, &actor);
                    self.apply(fx);
                }
            }
            Reply::Guests(batch) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let fx = shell.inventory.take_batch(*batch, &actor);
                    self.apply(fx);
                }
            }
            other => {
                if let Phase::Shell(shell) = &mut self.phase {
                    // Every screen sees the reply: one answer (the cluster overview) feeds two.
                    let inventory = shell.inventory.on_reply(&other);
                    let classes = shell.classes.on_reply(&other);
                    let admin = shell.admin.on_reply(&other);
                    let account = shell.account.on_reply(&other);
                    return inventory | classes | admin | account;
                }
                return false;
            }
        }
        true
    }

    /// A bulk action's results: a toast when one guest went through, else a report with a
    /// line per guest (submitted, skipped and why, failed and why).
    fn on_bulk(&mut self, id: RequestId, title: String, lines: Vec<crate::engine::inventory::BulkLine>) {
        use crate::engine::inventory::BulkOutcome;
        if let Phase::Shell(shell) = &mut self.phase {
            shell.inventory.list.marks.clear();
        }
        if self.form_waits_for(id) {
            self.overlay = None;
        }
        let count = |f: fn(&BulkOutcome) -> bool| lines.iter().filter(|l| f(&l.outcome)).count();
        let ok = count(|o| matches!(o, BulkOutcome::Submitted(_)));
        let skipped = count(|o| matches!(o, BulkOutcome::Skipped(_)));
        let failed = count(|o| matches!(o, BulkOutcome::Failed(_)));
        if let ([one], 1) = (lines.as_slice(), ok) {
            self.toasts.push(ToastKind::Info, format!("{title}: {} ({}) submitted", one.name, one.vmid));
            return;
        }
        let text = lines
            .iter()
            .map(|l| {
                let what = match &l.outcome {
                    BulkOutcome::Submitted(upid) => format!("✓ submitted  {upid}"),
                    BulkOutcome::Skipped(why) => format!("– skipped: {why}"),
                    BulkOutcome::Failed(why) => format!("✗ failed: {why}"),
                };
                format!("{:<10} {:>6} {:<20} {what}", l.cluster, l.vmid, l.name)
            })
            .collect();
        let title = format!("{title}: {ok} submitted, {skipped} skipped, {failed} failed");
        self.overlay = Some(Overlay::Report { title, lines: text, scroll: 0 });
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

    /// The help rows for where the user is now, from the live keymap.
    pub fn help_rows(&self) -> (String, Vec<(String, String)>) {
        let mut rows: Vec<(Action, &str)> = Vec::new();
        let context = match &self.phase {
            Phase::Shell(shell) => {
                rows.extend(shell.actions());
                rows.extend([
                    (Action::Up, "Move up"),
                    (Action::Down, "Move down"),
                    (Action::PageDown, "Page down"),
                    (Action::Top, "First row"),
                    (Action::Bottom, "Last row"),
                    (Action::NextTab, "Next tab"),
                    (Action::PrevTab, "Previous tab"),
                    (Action::Palette, "Command palette (tab completes)"),
                    (Action::Back, "Clear the filter / close"),
                    (Action::Quit, "Quit"),
                ]);
                shell.context()
            }
            _ => "sign in".into(),
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for (a, what) in rows {
            if !out.iter().any(|(_, w)| w == what) {
                out.push((self.keymap.keys_label(a), what.to_string()));
            }
        }
        out.push(("ctrl+c".into(), "Quit from anywhere".into()));
        (context, out)
    }

    pub fn view(&mut self, f: &mut Frame) {
        let area = f.area();
        if area.width < 30 || area.height < 8 {
            let msg = format!("labdeck needs at least 30×8 (now {}×{})", area.width, area.height);
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
            return;
        }
        let theme = self.theme.clone();
        match &mut self.phase {
            Phase::Starting => f.render_widget(Paragraph::new("connecting to the database…").centered(), area),
            Phase::Gate(g) => g.view(f, area, &theme, &self.demo, &self.org),
            Phase::Shell(shell) => {
                let [tabs, body, status] =
                    Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
                render_tabs(f, tabs, &theme, shell, &self.keymap);
                let (body, filter_line) = if shell.filter.is_some() {
                    let [b, l] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(body);
                    (b, Some(l))
                } else {
                    (body, None)
                };
                let actor = shell.session.actor.clone();
                match shell.tab() {
                    Tab::Inventory => shell.inventory.view(f, body, &theme),
                    Tab::Bookings => shell.bookings.view(f, body, &theme, &actor),
                    Tab::Classes => shell.classes.view(f, body, &theme),
                    Tab::Admin => shell.admin.view(f, body, &theme, &actor),
                    Tab::Support => shell.support.view(f, body, &theme, &actor),
                    Tab::Me => {
                        let user = shell.session.user.clone();
                        shell.account.view(f, body, &theme, &user)
                    }
                }
                if let (Some(line), Some(input)) = (filter_line, &shell.filter) {
                    f.render_widget(
                        Line::from(vec![Span::styled("/", theme.accent()), Span::raw(input.value().to_string())]),
                        line,
                    );
                    f.set_cursor_position((line.x + 1 + input.visual_cursor() as u16, line.y));
                }
                render_status(f, status, &theme, shell, self.backend, self.store_down.is_some(), self.clock);
            }
        }
        match &self.overlay {
            None => {}
            Some(Overlay::Help) => {
                let (context, rows) = self.help_rows();
                overlay::render_help(f, area, &theme, &context, &rows);
            }
            Some(Overlay::Palette(p)) => overlay::render_palette(
                f,
                area,
                &theme,
                p.input.value(),
                p.input.visual_cursor(),
                &p.matches(),
                p.chosen,
            ),
            Some(Overlay::Confirm { title, message, .. }) => {
                overlay::render_confirm(f, area, &theme, &ConfirmView { title, message })
            }
            Some(Overlay::Secret { message, secret }) => overlay::render_secret(f, area, &theme, message, secret),
            Some(Overlay::Report { title, lines, scroll }) => {
                overlay::render_report(f, area, &theme, title, lines, *scroll)
            }
            Some(Overlay::Form { form, .. }) => {
                let r = super::widgets::centered(area, 72, form.height());
                form.render(f, r, &theme);
            }
        }
        self.toasts.render(f, area, &theme);
    }
}

fn render_tabs(f: &mut Frame, area: Rect, theme: &Theme, shell: &Shell, keymap: &Keymap) {
    let mut spans = vec![Span::styled(" labdeck ", theme.accent())];
    for (i, t) in shell.tabs.iter().enumerate() {
        let style = if i == shell.active { theme.selected() } else { theme.dim() };
        let badge = shell.support.badge();
        let name =
            if *t == Tab::Support && badge > 0 { format!("{} ({badge})", t.name()) } else { t.name().to_string() };
        spans.push(Span::styled(format!(" {name} "), style));
    }
    let hints = format!(
        "{} help  {} command  {} filter  {} quit ",
        keymap.hint(Action::Help),
        keymap.hint(Action::Palette),
        keymap.hint(Action::Filter),
        keymap.hint(Action::Quit)
    );
    let left: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(left);
    if room > hints.chars().count() {
        spans.push(Span::raw(" ".repeat(room - hints.chars().count())));
        spans.push(Span::styled(hints, theme.dim()));
    }
    f.render_widget(Line::from(spans), area);
}

fn render_status(f: &mut Frame, area: Rect, theme: &Theme, shell: &Shell, backend: &str, down: bool, clock: bool) {
    let u = &shell.session.user;
    let mut spans = vec![
        Span::styled(format!(" {} ", u.username), theme.selected()),
        Span::styled(format!(" {} ", u.role), theme.dim()),
        Span::styled(format!("│ {backend} "), theme.dim()),
        Span::styled(format!("│ ✉ {} ", shell.unread), if shell.unread > 0 { theme.warn() } else { theme.dim() }),
    ];
    if shell.session.actor.can(crate::domain::Resource::Booking, crate::domain::Action::Update) {
        let n = shell.bookings.pending_count;
        spans.push(Span::styled(format!("│ ⚑ {n} to approve "), if n > 0 { theme.warn() } else { theme.dim() }));
    }
    if shell.tabs.contains(&Tab::Support) {
        let (waiting, unread) = (shell.support.waiting, shell.support.unread);
        let style = if waiting + unread > 0 { theme.warn() } else { theme.dim() };
        // Only those who answer visitors have a queue to count.
        let text = if shell.session.actor.can(crate::domain::Resource::VisitorChat, crate::domain::Action::Read) {
            format!("│ chats waiting {waiting} · unread {unread} ")
        } else {
            format!("│ messages unread {unread} ")
        };
        spans.push(Span::styled(text, style));
    }
    if down {
        spans.push(Span::styled("│ database unreachable ", theme.error()));
    }
    let right = if clock { Local::now().format(" %H:%M ").to_string() } else { String::new() };
    let left: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(left + right.chars().count());
    spans.push(Span::raw(" ".repeat(room)));
    spans.push(Span::styled(right, theme.dim()));
    f.render_widget(Line::from(spans), area);
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
