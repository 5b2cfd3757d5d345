//! "Me": who I am, my notifications, my password. Every role has this tab.

use crate::domain::rbac::Actor;
use crate::domain::user::User;
use crate::engine::read::admin::Notification;
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

pub struct AccountScreen {
    pub notifications: DataTable<Notification>,
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
        }
    }
}

impl AccountScreen {
    pub fn load(&self, actor: &Actor) -> Vec<Effect> {
        vec![Effect::Send(Command::new(actor, AccountOp::LoadNotifications))]
    }

    pub fn on_reply(&mut self, reply: &Reply) -> bool {
        if let Reply::Notifications(n) = reply {
            self.notifications.set_rows(n.clone());
            return true;
        }
        false
    }

    pub fn actions(&self) -> Vec<(Action, &'static str)> {
        vec![
            (Action::Open, "Mark the notification read"),
            (Action::New, "Mark all notifications read"),
            (Action::ResetPassword, "Change my password"),
            (Action::Filter, "Filter notifications"),
            (Action::Refresh, "Reload"),
        ]
    }

    pub fn update(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        if self.notifications.navigate(action) {
            return vec![];
        }
        match action {
            Action::Refresh => return self.load(actor),
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
        self.notifications.render(f, list, theme, "notifications");
    }
}

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
