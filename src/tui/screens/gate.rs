//! Before the shell: sign in, create the first admin, accept an invitation, or change a
//! temporary password.

use crate::engine::accounts::{AccountForm, Session};
use crate::engine::{AccountOp, Command, Secret};
use crate::tui::app::Effect;
use crate::tui::theme::Theme;
use crate::tui::widgets::centered;
use crate::tui::widgets::form::{Field, Form, FormOutcome, Key};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

// The fields of this file's forms (`Key`: built and read by the same name).
const USERNAME: Key = Key("Username");
const PASSWORD: Key = Key("Password");
const DISPLAY_NAME: Key = Key("Display name");
const EMAIL: Key = Key("Email");
const REPEAT: Key = Key("Repeat");
const CODE: Key = Key("Code");
const NEW: Key = Key("New");

/// A demo account shown on the sign-in screen (demo databases only).
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: String,
}

pub enum Mode {
    SignIn,
    FirstAdmin,
    Invitation,
    /// Signed in with a temporary password: it must be changed before anything else.
    MustChange {
        session: Box<Session>,
        current: Secret,
    },
}

pub struct Gate {
    pub mode: Mode,
    pub form: Form,
    /// What was typed at sign-in, kept until the reply says whether it must be changed.
    pending_password: Option<Secret>,
}

impl Gate {
    pub fn sign_in() -> Gate {
        let form = Form::new("sign in", vec![Field::text(USERNAME), Field::secret(PASSWORD)])
            .submit_label("sign in")
            .note("F2: accept an invitation · ctrl+c: quit");
        Gate { mode: Mode::SignIn, form, pending_password: None }
    }

    pub fn first_admin() -> Gate {
        let form = Form::new(
            "create the first administrator",
            vec![
                Field::text(USERNAME),
                Field::text(DISPLAY_NAME),
                Field::text(EMAIL),
                Field::secret(PASSWORD),
                Field::secret(REPEAT),
            ],
        )
        .submit_label("create")
        .note("This database has no users yet. The account you create here is an admin.");
        Gate { mode: Mode::FirstAdmin, form, pending_password: None }
    }

    pub fn invitation() -> Gate {
        let form = Form::new(
            "accept an invitation",
            vec![
                Field::text(CODE),
                Field::text(USERNAME),
                Field::text(DISPLAY_NAME),
                Field::text(EMAIL),
                Field::secret(PASSWORD),
                Field::secret(REPEAT),
            ],
        )
        .submit_label("create account")
        .note("Paste the code you were sent. Esc goes back to sign in.");
        Gate { mode: Mode::Invitation, form, pending_password: None }
    }

    pub fn must_change(session: Session, current: Secret) -> Gate {
        let form = Form::new("choose a new password", vec![Field::secret(NEW), Field::secret(REPEAT)])
            .submit_label("change")
            .note(format!("Signed in as {}. Your password is temporary: choose your own.", session.user.username));
        Gate { mode: Mode::MustChange { session: Box::new(session), current }, form, pending_password: None }
    }

    /// The password typed at the last sign-in (taken once).
    pub fn take_password(&mut self) -> Option<Secret> {
        self.pending_password.take()
    }

    pub fn failed(&mut self, message: &str) {
        self.form.fail(message);
        self.form.clear_secrets();
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        if key.code == KeyCode::F(2) && matches!(self.mode, Mode::SignIn) {
            *self = Gate::invitation();
            return vec![];
        }
        match self.form.handle_key(key) {
            FormOutcome::Edited => vec![],
            FormOutcome::Cancel => match self.mode {
                Mode::Invitation => {
                    *self = Gate::sign_in();
                    vec![]
                }
                _ => vec![Effect::Quit],
            },
            FormOutcome::Submit => self.submit(),
        }
    }

    fn submit(&mut self) -> Vec<Effect> {
        let v = |key: Key| self.form.value(key);
        let repeat_ok = match self.mode {
            Mode::SignIn => true,
            Mode::MustChange { .. } => v(NEW) == v(REPEAT),
            _ => v(PASSWORD) == v(REPEAT),
        };
        if !repeat_ok {
            self.failed("The two passwords differ.");
            return vec![];
        }
        // Enter submits from any field: on the user name, with no password yet, it moves on.
        if matches!(self.mode, Mode::SignIn) && v(PASSWORD).is_empty() {
            if let Some(i) = self.form.fields.iter().position(|f| f.label == PASSWORD.0) {
                self.form.focus = i;
            }
            return vec![];
        }
        let account = || AccountForm { username: v(USERNAME), email: v(EMAIL), display_name: v(DISPLAY_NAME) };
        let cmd = match &self.mode {
            Mode::SignIn => {
                if v(USERNAME).trim().is_empty() {
                    self.form.fail("Type your username.");
                    self.form.focus = 0;
                    return vec![];
                }
                self.pending_password = Some(Secret(v(PASSWORD)));
                Command::anonymous(AccountOp::SignIn { username: v(USERNAME), password: Secret(v(PASSWORD)) })
            }
            Mode::FirstAdmin => {
                Command::anonymous(AccountOp::CreateFirstAdmin { form: account(), password: Secret(v(PASSWORD)) })
            }
            Mode::Invitation => Command::anonymous(AccountOp::AcceptInvitation {
                token: Secret(v(CODE)),
                form: account(),
                password: Secret(v(PASSWORD)),
            }),
            Mode::MustChange { session, current } => Command::new(
                &session.actor,
                AccountOp::ChangePassword { current: current.clone(), new: Secret(v(NEW)) },
            ),
        };
        // The app marks the form busy with this request's id when it sends it.
        vec![Effect::Submit(cmd)]
    }

    pub fn view(&self, f: &mut Frame, area: Rect, theme: &Theme, demo: &[DemoAccount], org: &str) {
        let demo_h = if demo.is_empty() || !matches!(self.mode, Mode::SignIn) { 0 } else { demo.len() as u16 + 2 };
        let form_h = self.form.height(64);
        let total = (form_h + demo_h + 2).min(area.height);
        let outer = centered(area, 64, total);
        let [title, form_area, demo_area] =
            Layout::vertical([Constraint::Length(2), Constraint::Length(form_h), Constraint::Fill(1)]).areas(outer);
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("labdeck", theme.accent()),
                Span::styled(if org == "labdeck" { String::new() } else { format!("  {org}") }, theme.dim()),
            ]))
            .centered(),
            title,
        );
        self.form.render(f, form_area, theme);
        if demo_h > 0 && demo_area.height > 2 {
            let lines: Vec<Line> = demo
                .iter()
                .map(|d| {
                    Line::from(vec![
                        Span::styled(format!("{:<10}", d.role), theme.dim()),
                        Span::styled(format!("{:<12} {}", d.username, d.password), theme.text()),
                    ])
                })
                .collect();
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border())
                .title(Span::styled(" demo accounts ", theme.accent()));
            f.render_widget(Paragraph::new(lines).block(block), demo_area);
        }
    }
}
