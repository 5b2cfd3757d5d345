//! "Me": who I am, my notifications, my SSH keys, my password. Every role has this tab.

use crate::domain::rbac::Actor;
use crate::domain::user::User;
use crate::engine::read::admin::Notification;
use crate::engine::read::ssh::SshKey;
use crate::engine::{AccountOp, Command, Reply};
use crate::tui::app::{Effect, FormPurpose, Overlay};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{DataTable, TableRow};
use chrono::Local;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

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

pub struct AccountScreen {
    pub notifications: DataTable<Notification>,
    pub keys: DataTable<SshKey>,
    pub view: MeView,
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
        }
    }
}

impl AccountScreen {
    pub fn load(&self, actor: &Actor) -> Vec<Effect> {
        let op = match self.view {
            MeView::Notifications => AccountOp::LoadNotifications,
            MeView::Keys => AccountOp::LoadSshKeys,
        };
        vec![Effect::Send(Command::new(actor, op))]
    }

    pub fn on_reply(&mut self, reply: &Reply) -> bool {
        match reply {
            Reply::Notifications(n) => self.notifications.set_rows(n.clone()),
            Reply::SshKeys(k) => self.keys.set_rows(k.clone()),
            _ => return false,
        }
        true
    }

    pub fn actions(&self) -> Vec<(Action, &'static str)> {
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
            (Action::Refresh, "Reload"),
        ]);
        actions
    }

    /// The table in front, for the shell's filter.
    pub fn set_filter(&mut self, text: &str) {
        match self.view {
            MeView::Notifications => self.notifications.set_filter(text),
            MeView::Keys => self.keys.set_filter(text),
        }
    }

    pub fn filter(&self) -> &str {
        match self.view {
            MeView::Notifications => self.notifications.filter(),
            MeView::Keys => self.keys.filter(),
        }
    }

    pub fn update(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let moved = match self.view {
            MeView::Notifications => self.notifications.navigate(action),
            MeView::Keys => self.keys.navigate(action),
        };
        if moved {
            return vec![];
        }
        match action {
            Action::Refresh => return self.load(actor),
            Action::NextView | Action::PrevView => {
                self.view = match self.view {
                    MeView::Notifications => MeView::Keys,
                    MeView::Keys => MeView::Notifications,
                };
                return self.load(actor);
            }
            Action::New if self.view == MeView::Keys => return vec![add_key_form()],
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
            Action::ResetPassword => return vec![change_password_form()],
            _ => {}
        }
        vec![]
    }

    pub fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, user: &User) {
        let [profile, list] = Layout::vertical([Constraint::Length(5), Constraint::Fill(1)]).areas(area);
        let field = |k: &str, v: String| {
            Line::from(vec![Span::styled(format!("{k:>12}  "), theme.dim()), Span::styled(v, theme.text())])
        };
        let lines = vec![
            field("user", format!("{} ({})", user.username, user.display_name)),
            field("role", format!("{} — {}", user.role, user.role.describe())),
            field("email", user.email.clone().unwrap_or_else(|| "—".into())),
        ];
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

/// The public key line to add (`ssh-ed25519 AAAA… me@laptop`, from `~/.ssh/id_ed25519.pub`).
fn add_key_form() -> Effect {
    Effect::Open(Overlay::Form {
        form: Form::new("add an ssh key", vec![Field::text(PUBLIC_KEY)])
            .submit_label("add")
            .note("Paste one line of your .pub file (cat ~/.ssh/id_ed25519.pub). Then: ssh -p PORT you@host"),
        purpose: FormPurpose::AddSshKey,
    })
}

/// The add-key form's one field.
pub const PUBLIC_KEY: &str = "Public key";

pub fn change_password_form() -> Effect {
    Effect::Open(Overlay::Form {
        form: Form::new(
            "change password",
            vec![Field::secret("Current"), Field::secret("New"), Field::secret("Repeat")],
        )
        .submit_label("change"),
        purpose: FormPurpose::ChangePassword,
    })
}
