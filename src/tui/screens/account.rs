//! "Me": who I am and my profile, my notifications, my SSH keys, my password. Every role has this tab.

use super::{Screen, Taken};
use crate::engine::accounts::Session;
use crate::engine::read::admin::Notification;
use crate::engine::read::ssh::SshKey;
use crate::engine::{AccountOp, Command, Reply, Secret};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form, Key};
use crate::tui::widgets::table::{DataTable, TableRow};
use chrono::Local;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

// The fields of this file's forms (`Key`: built and read by the same name).
const CURRENT: Key = Key("Current");
const NEW: Key = Key("New");
const REPEAT: Key = Key("Repeat");
/// The public key line to add (`ssh-ed25519 AAAA… me@laptop`, from `~/.ssh/id_ed25519.pub`).
pub const PUBLIC_KEY: Key = Key("Public key");

impl TableRow for Notification {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            if self.read_at.is_some() { " ".into() } else { "●".into() },
            self.created_at.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string(),
            self.kind.clone(),
            self.title.clone(),
            self.body.clone().unwrap_or_default(),
        ]
    }
}

impl TableRow for SshKey {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let used = self.last_used_at.map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string());
        vec![
            self.fingerprint.clone(),
            self.algorithm.clone(),
            used.unwrap_or_else(|| "never".into()),
            self.comment.clone(),
        ]
    }
}

/// What the lower half of the tab shows (`[` / `]` switch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeView {
    Notifications,
    Keys,
}

/// The form open over this tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Password,
    SshKey,
    Profile,
}

pub struct AccountScreen {
    pub notifications: DataTable<Notification>,
    pub keys: DataTable<SshKey>,
    pub view: MeView,
    /// My profile (seed 004's fields), once loaded.
    pub profile: Option<crate::domain::profile::Profile>,
    asked: Option<Asked>,
}

impl Default for AccountScreen {
    fn default() -> Self {
        AccountScreen {
            notifications: DataTable::new(vec![
                ("", Constraint::Length(1)),
                ("when", Constraint::Length(16)),
                ("kind", Constraint::Length(10)),
                ("title", Constraint::Length(36)),
                ("", Constraint::Fill(1)),
            ]),
            keys: DataTable::new(vec![
                ("fingerprint", Constraint::Length(51)),
                ("type", Constraint::Length(20)),
                ("last used", Constraint::Length(16)),
                ("comment", Constraint::Fill(1)),
            ]),
            view: MeView::Notifications,
            profile: None,
            asked: None,
        }
    }
}

/// Every role has this tab.
pub fn tab(_: &Session) -> Option<Box<dyn Screen>> {
    Some(Box::new(AccountScreen::default()))
}

impl Screen for AccountScreen {
    fn title(&self) -> &'static str {
        "Me"
    }

    fn on_click(&mut self, x: u16, y: u16, _: &Session) -> Vec<Effect> {
        match self.view {
            MeView::Notifications => self.notifications.click(x, y),
            MeView::Keys => self.keys.click(x, y),
        };
        vec![]
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        let op = match self.view {
            MeView::Notifications => AccountOp::LoadNotifications,
            MeView::Keys => AccountOp::LoadSshKeys,
        };
        let profile = AccountOp::LoadProfile;
        vec![Effect::Send(Command::new(&me.actor, op)), Effect::Send(Command::new(&me.actor, profile))]
    }

    fn on_reply(&mut self, reply: Reply, _: &Session) -> Taken {
        match reply {
            Reply::Notifications(n) => {
                self.notifications.set_rows(n);
                Taken::Done(vec![])
            }
            Reply::SshKeys(k) => {
                self.keys.set_rows(k);
                Taken::Done(vec![])
            }
            Reply::Profile(p) => {
                self.profile = Some(*p);
                Taken::Done(vec![])
            }
            other => Taken::NotMine(other),
        }
    }

    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        let mine = match self.view {
            MeView::Notifications => "notifications",
            MeView::Keys => "ssh_keys",
        };
        if front && domains.iter().any(|d| d == mine || d == "users") { self.load(me) } else { vec![] }
    }

    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
        let mut actions = match self.view {
            MeView::Notifications => vec![
                (Action::Open, "Mark the notification read"),
                (Action::New, "Mark all notifications read"),
                (Action::Filter, "Filter notifications"),
            ],
            MeView::Keys => vec![
                (Action::New, "Add an SSH key (paste its public key line)"),
                (Action::Delete, "Remove the selected SSH key"),
                (Action::Filter, "Filter keys"),
            ],
        };
        actions.extend([
            (Action::NextView, "Next view: notifications, SSH keys"),
            (Action::PrevView, "Previous view"),
            (Action::ResetPassword, "Change my password"),
            (Action::Edit, "Edit my profile (names, contact, time zone, subjects, bio)"),
            (Action::Refresh, "Reload"),
        ]);
        actions
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        let moved = match self.view {
            MeView::Notifications => self.notifications.navigate(action),
            MeView::Keys => self.keys.navigate(action),
        };
        if moved {
            return vec![];
        }
        let actor = &me.actor;
        match action {
            Action::Refresh => return self.load(me),
            Action::NextView | Action::PrevView => {
                self.view = match self.view {
                    MeView::Notifications => MeView::Keys,
                    MeView::Keys => MeView::Notifications,
                };
                return self.load(me);
            }
            Action::New if self.view == MeView::Keys => return self.ask(Asked::SshKey),
            Action::Delete if self.view == MeView::Keys => {
                if let Some(k) = self.keys.selected() {
                    return vec![Effect::Open(Overlay::Confirm {
                        title: "remove this SSH key?".into(),
                        message: format!(
                            "Remove the key {} ({})? It will no longer sign you in over SSH.",
                            k.fingerprint,
                            if k.comment.is_empty() { &k.algorithm } else { &k.comment }
                        ),
                        on_yes: Command::new(actor, AccountOp::RemoveSshKey { fingerprint: k.fingerprint.clone() }),
                    })];
                }
            }
            Action::Open => {
                if let Some(n) = self.notifications.selected().filter(|n| n.read_at.is_none()) {
                    return vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: Some(n.id) }))];
                }
            }
            Action::New => {
                return vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: None }))];
            }
            Action::ResetPassword => return self.ask(Asked::Password),
            Action::Edit => return self.ask(Asked::Profile),
            _ => {}
        }
        vec![]
    }

    fn on_command(&mut self, verb: Verb, _: &[String], front: bool, me: &Session) -> Option<Vec<Effect>> {
        let actor = &me.actor;
        match verb {
            Verb::Me => {
                let mut fx = vec![Effect::Front];
                if !front {
                    fx.extend(self.load(me));
                }
                Some(fx)
            }
            Verb::Passwd => Some(self.ask(Asked::Password)),
            Verb::ReadAll => Some(vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: None }))]),
            _ => None,
        }
    }

    /// My new password, a new SSH key, or my profile.
    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let op = match self.asked.ok_or("This form is no longer open.")? {
            Asked::Password => {
                if form.value(NEW) != form.value(REPEAT) {
                    return Err("The two new passwords differ.".into());
                }
                AccountOp::ChangePassword { current: Secret(form.value(CURRENT)), new: Secret(form.value(NEW)) }
            }
            Asked::SshKey => AccountOp::AddSshKey { key: form.value(PUBLIC_KEY) },
            Asked::Profile => return Ok(super::profile::command(form, me)),
        };
        Ok(Command::new(&me.actor, op))
    }

    fn on_filter(&mut self, text: &str, _: bool, _: &Session) -> Vec<Effect> {
        match self.view {
            MeView::Notifications => self.notifications.set_filter(text),
            MeView::Keys => self.keys.set_filter(text),
        }
        vec![]
    }

    fn filter(&mut self) -> String {
        match self.view {
            MeView::Notifications => self.notifications.filter().to_string(),
            MeView::Keys => self.keys.filter().to_string(),
        }
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, me: &Session) {
        let user = &me.user;
        let mine = self.profile.as_ref().map(|p| super::profile::lines(p, user.email.as_deref(), theme));
        let height = 5 + mine.as_ref().map_or(0, |l| l.len() as u16);
        let [profile, list] = Layout::vertical([Constraint::Length(height), Constraint::Fill(1)]).areas(area);
        let field = |k: &str, v: String| {
            Line::from(vec![Span::styled(format!("{k:>12}  "), theme.dim()), Span::styled(v, theme.text())])
        };
        let name = self.profile.as_ref().map_or(user.display_name.as_str(), |p| p.display_name.as_str());
        let mut lines = vec![
            field("user", format!("{} ({name})", user.username)),
            field("role", format!("{} — {}", user.role, user.role.describe())),
            field("email", user.email.clone().unwrap_or_else(|| "—".into())),
        ];
        lines.extend(mine.unwrap_or_default());
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(" me ", theme.accent()));
        f.render_widget(Paragraph::new(lines).block(block), profile);
        match self.view {
            MeView::Notifications => self.notifications.render(f, list, theme, "notifications"),
            MeView::Keys => self.keys.render(f, list, theme, "ssh keys · n adds · x removes"),
        }
    }
}

impl AccountScreen {
    /// Open one of this tab's forms.
    fn ask(&mut self, asked: Asked) -> Vec<Effect> {
        self.asked = Some(asked);
        let form = match asked {
            Asked::Password => {
                Form::new("change password", vec![Field::secret(CURRENT), Field::secret(NEW), Field::secret(REPEAT)])
                    .submit_label("change")
            }
            Asked::Profile => return vec![super::profile::form(&self.profile.clone().unwrap_or_default())],
            Asked::SshKey => Form::new("add an ssh key", vec![Field::text(PUBLIC_KEY)])
                .submit_label("add")
                .note("Paste one line of your .pub file (cat ~/.ssh/id_ed25519.pub). Then: ssh -p PORT you@host"),
        };
        vec![Effect::Form(form)]
    }
}
