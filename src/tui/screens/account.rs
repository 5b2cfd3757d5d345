//! "Me": who I am and my profile, my notifications, my password. Every role has this tab.

use super::{Screen, Taken};
use crate::engine::accounts::Session;
use crate::engine::read::admin::Notification;
use crate::engine::{AccountOp, Command, Reply, Secret};
use crate::tui::app::Effect;
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

pub struct AccountScreen {
    pub notifications: DataTable<Notification>,
    /// My profile (seed 004's fields), once loaded.
    pub profile: Option<crate::domain::profile::Profile>,
    /// Whether the open form is the profile's (else the password's).
    editing_profile: bool,
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
            profile: None,
            editing_profile: false,
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

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        vec![
            Effect::Send(Command::new(&me.actor, AccountOp::LoadNotifications)),
            Effect::Send(Command::new(&me.actor, AccountOp::LoadProfile)),
        ]
    }

    fn on_reply(&mut self, reply: Reply, _: &Session) -> Taken {
        match reply {
            Reply::Notifications(n) => {
                self.notifications.set_rows(n);
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
        if front && domains.iter().any(|d| d == "notifications" || d == "users") { self.load(me) } else { vec![] }
    }

    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Open, "Mark the notification read"),
            (Action::New, "Mark all notifications read"),
            (Action::ResetPassword, "Change my password"),
            (Action::Edit, "Edit my profile (names, contact, time zone, subjects, bio)"),
            (Action::Filter, "Filter notifications"),
            (Action::Refresh, "Reload"),
        ]
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        if self.notifications.navigate(action) {
            return vec![];
        }
        let actor = &me.actor;
        match action {
            Action::Refresh => return self.load(me),
            Action::Open => {
                if let Some(n) = self.notifications.selected().filter(|n| n.read_at.is_none()) {
                    return vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: Some(n.id) }))];
                }
            }
            Action::New => {
                return vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: None }))];
            }
            Action::ResetPassword => {
                self.editing_profile = false;
                return vec![change_password_form()];
            }
            Action::Edit => {
                self.editing_profile = true;
                return vec![super::profile::form(&self.profile.clone().unwrap_or_default())];
            }
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
            Verb::Passwd => {
                self.editing_profile = false;
                Some(vec![change_password_form()])
            }
            Verb::ReadAll => Some(vec![Effect::Send(Command::new(actor, AccountOp::MarkRead { id: None }))]),
            _ => None,
        }
    }

    /// The forms of this tab: my profile, my new password.
    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        if self.editing_profile {
            return Ok(super::profile::command(form, me));
        }
        if form.value(NEW) != form.value(REPEAT) {
            return Err("The two new passwords differ.".into());
        }
        Ok(Command::new(
            &me.actor,
            AccountOp::ChangePassword { current: Secret(form.value(CURRENT)), new: Secret(form.value(NEW)) },
        ))
    }

    fn on_filter(&mut self, text: &str, _: bool, _: &Session) -> Vec<Effect> {
        self.notifications.set_filter(text);
        vec![]
    }

    fn filter(&mut self) -> String {
        self.notifications.filter().to_string()
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
        self.notifications.render(f, list, theme, "notifications");
    }
}

fn change_password_form() -> Effect {
    Effect::Form(
        Form::new("change password", vec![Field::secret(CURRENT), Field::secret(NEW), Field::secret(REPEAT)])
            .submit_label("change"),
    )
}
