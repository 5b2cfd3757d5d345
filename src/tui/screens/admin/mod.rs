//! Admin: users, invitations, roles, clusters, settings and the audit log.

mod forms;
mod rows;

pub use forms::parse_grant;
pub use rows::{ClusterRow, RoleRow};

use super::{Screen, Taken};
use crate::domain::Role;
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::domain::user::{User, UserStatus};
use crate::engine::accounts::Session;
use crate::engine::read::admin::{AuditQuery, AuditRecord, Invitation, Setting};
use crate::engine::{AdminOp, Command, InventoryOp, Reply};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::table::{DataTable, ListView};
use forms::Ask;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Users,
    Invitations,
    Roles,
    Clusters,
    Settings,
    Audit,
}

impl Section {
    pub const ALL: [Section; 6] =
        [Section::Users, Section::Invitations, Section::Roles, Section::Clusters, Section::Settings, Section::Audit];
    pub fn name(self) -> &'static str {
        match self {
            Section::Users => "users",
            Section::Invitations => "invitations",
            Section::Roles => "roles",
            Section::Clusters => "clusters",
            Section::Settings => "settings",
            Section::Audit => "audit",
        }
    }
    /// The permission needed to see the section.
    fn needs(self) -> (Resource, Perm) {
        match self {
            Section::Users | Section::Roles => (Resource::User, Perm::Read),
            Section::Invitations => (Resource::Invitation, Perm::Read),
            Section::Clusters => (Resource::Cluster, Perm::Manage),
            Section::Settings => (Resource::Setting, Perm::Read),
            Section::Audit => (Resource::Audit, Perm::Read),
        }
    }
    /// The revision domains whose change means this section must reload.
    fn domains(self) -> &'static [&'static str] {
        match self {
            Section::Users => &["users"],
            Section::Invitations => &["invitations"],
            Section::Roles => &["rbac"],
            Section::Clusters => &["clusters", "poll", "inventory"],
            Section::Settings => &["settings"],
            Section::Audit => &["audit", "users", "invitations", "settings", "rbac"],
        }
    }
}

pub fn visible_sections(actor: &Actor) -> Vec<Section> {
    Section::ALL.into_iter().filter(|s| actor.can(s.needs().0, s.needs().1)).collect()
}

pub struct AdminScreen {
    pub section: Section,
    pub users: DataTable<User>,
    pub invitations: DataTable<Invitation>,
    pub roles: DataTable<RoleRow>,
    pub settings: DataTable<Setting>,
    pub clusters: DataTable<ClusterRow>,
    pub audit: DataTable<AuditRecord>,
    pub audit_outcome: Option<&'static str>,
    pub audit_text: String,
    /// The form this tab has open.
    asked: Option<Ask>,
}

impl Default for AdminScreen {
    fn default() -> Self {
        AdminScreen {
            section: Section::Users,
            users: DataTable::new(vec![
                ("user", Constraint::Length(16)),
                ("name", Constraint::Length(20)),
                ("role", Constraint::Length(9)),
                ("status", Constraint::Length(8)),
                ("email", Constraint::Fill(1)),
                ("last sign-in", Constraint::Length(16)),
            ]),
            invitations: DataTable::new(vec![
                ("to", Constraint::Fill(1)),
                ("role", Constraint::Length(9)),
                ("state", Constraint::Length(9)),
                ("expires", Constraint::Length(16)),
                ("invited by", Constraint::Length(16)),
            ]),
            roles: DataTable::new(
                std::iter::once(("resource", Constraint::Length(13)))
                    .chain(Role::ALL.iter().map(|r| (r.as_str(), Constraint::Length(9))))
                    .collect(),
            ),
            clusters: DataTable::new(vec![
                ("cluster", Constraint::Length(14)),
                ("address", Constraint::Length(22)),
                ("token", Constraint::Length(24)),
                ("certificate sha-256", Constraint::Length(25)),
                ("every", Constraint::Length(6)),
                ("state", Constraint::Fill(1)),
            ]),
            settings: DataTable::new(vec![
                ("key", Constraint::Length(32)),
                ("value", Constraint::Length(16)),
                ("changed", Constraint::Length(24)),
                ("about", Constraint::Fill(1)),
            ]),
            audit: DataTable::new(vec![
                ("when", Constraint::Length(14)),
                ("who", Constraint::Length(22)),
                ("action", Constraint::Length(18)),
                ("entity", Constraint::Length(20)),
                ("outcome", Constraint::Length(8)),
                ("source", Constraint::Length(12)),
                ("message", Constraint::Fill(1)),
            ]),
            audit_outcome: None,
            audit_text: String::new(),
            asked: None,
        }
    }
}

/// The tab shows when the role may open one of its sections; it opens on the first.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    let first = *visible_sections(&me.actor).first()?;
    Some(Box::new(AdminScreen { section: first, ..AdminScreen::default() }))
}

impl Screen for AdminScreen {
    fn title(&self) -> &'static str {
        "Admin"
    }

    fn on_click(&mut self, x: u16, y: u16, _: &Session) -> Vec<Effect> {
        self.table().0.click(x, y);
        vec![]
    }

    fn context(&self) -> String {
        format!("admin › {}", self.section.name())
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        self.load_section(&me.actor)
    }

    /// Reload the open section if one of its domains changed.
    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        if front && self.section.domains().iter().any(|d| domains.iter().any(|x| x == d)) {
            self.load(me)
        } else {
            vec![]
        }
    }

    fn on_reply(&mut self, reply: Reply, me: &Session) -> Taken {
        match reply {
            Reply::Users(u) => self.users.set_rows(u),
            Reply::Invitations(i) => self.invitations.set_rows(i),
            Reply::Settings(s) => self.settings.set_rows(s),
            Reply::Audit(a) => self.audit.set_rows(a),
            Reply::Roles(g) => self.roles.set_rows(rows::role_rows(&g)),
            Reply::Overview(o) if self.section == Section::Clusters => {
                self.clusters.set_rows(o.clusters.into_iter().map(|(c, h)| ClusterRow(c, h)).collect())
            }
            // A cluster form's probe: the certificate to trust before it is saved.
            Reply::TrustPrompt { id, input, previous } => {
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
                let on_yes = Command::new(&me.actor, InventoryOp::SaveCluster { id, input });
                return Taken::Done(vec![Effect::Open(Overlay::Confirm {
                    title: "trust this certificate?".into(),
                    message,
                    on_yes,
                })]);
            }
            other => return Taken::NotMine(other),
        }
        Taken::Done(vec![])
    }

    fn on_filter(&mut self, text: &str, enter: bool, me: &Session) -> Vec<Effect> {
        self.table().0.set_filter(text);
        // Enter on the filter line: the audit log searches its whole history in the database.
        if enter && self.section == Section::Audit {
            self.audit_text = text.to_string();
            return self.load(me);
        }
        vec![]
    }

    fn filter(&mut self) -> String {
        self.table().0.filter().to_string()
    }

    /// The keys this screen answers, for help.
    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
        let mut a = vec![
            (Action::NextView, "Next section"),
            (Action::PrevView, "Previous section"),
            (Action::Filter, "Filter rows"),
        ];
        match self.section {
            Section::Users => a.extend([
                (Action::New, "New user (a temporary password is shown once)"),
                (Action::Role, "Change role"),
                (Action::Lock, "Lock / unlock"),
                (Action::ResetPassword, "Reset password"),
            ]),
            Section::Invitations => {
                a.extend([(Action::New, "Invite by email or handle"), (Action::Delete, "Revoke invitation")])
            }
            Section::Roles => a.push((Action::Palette, "grant / revoke ROLE RESOURCE:ACTION")),
            Section::Clusters => a.extend([
                (Action::New, "Add a cluster (shows its certificate to trust)"),
                (Action::Open, "Edit the cluster"),
                (Action::Test, "Test the connection"),
                (Action::Delete, "Remove the cluster from labdeck"),
            ]),
            Section::Settings => a.extend([(Action::Open, "Edit value"), (Action::New, "New setting")]),
            Section::Audit => a.extend([
                (Action::Open, "The entry in full (ids, names, old → new)"),
                (Action::Outcome, "Cycle outcome filter"),
                (Action::Filter, "Search (enter searches all history)"),
            ]),
        }
        a.push((Action::Refresh, "Reload"));
        a
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        let sections = visible_sections(actor);
        let pos = sections.iter().position(|s| *s == self.section).unwrap_or(0);
        match action {
            Action::NextView if !sections.is_empty() => {
                return self.show(sections[(pos + 1) % sections.len()], actor);
            }
            Action::PrevView if !sections.is_empty() => {
                return self.show(sections[(pos + sections.len() - 1) % sections.len()], actor);
            }
            Action::Refresh => return self.load(me),
            a if self.table().0.navigate(a) => {}
            _ => return self.section_action(action, actor),
        }
        vec![]
    }

    fn on_command(&mut self, verb: Verb, args: &[String], _: bool, me: &Session) -> Option<Vec<Effect>> {
        let actor = &me.actor;
        let show = |this: &mut Self, s: Section| {
            let mut fx = vec![Effect::Front];
            fx.extend(this.show(s, actor));
            fx
        };
        Some(match verb {
            Verb::Admin => show(self, self.section),
            Verb::Users => show(self, Section::Users),
            Verb::Invitations => show(self, Section::Invitations),
            Verb::Roles => show(self, Section::Roles),
            Verb::Settings => show(self, Section::Settings),
            Verb::Audit => show(self, Section::Audit),
            Verb::NewUser | Verb::Invite => {
                let mut fx = show(self, if verb == Verb::NewUser { Section::Users } else { Section::Invitations });
                fx.extend(self.section_action(Action::New, actor));
                fx
            }
            Verb::Set => match args {
                [key, value @ ..] if !value.is_empty() => vec![Effect::Send(Command::new(
                    actor,
                    AdminOp::PutSetting { key: key.clone(), raw: value.join(" ") },
                ))],
                _ => vec![Effect::Error("usage: set KEY VALUE".into())],
            },
            Verb::Grant | Verb::Revoke => {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                match parse_grant(&args) {
                    Ok((role, grant)) => vec![Effect::Send(Command::new(
                        actor,
                        AdminOp::SetRoleGrant { role, grant, granted: verb == Verb::Grant },
                    ))],
                    Err(e) => vec![Effect::Error(e)],
                }
            }
            _ => return None,
        })
    }

    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let ask = self.asked.as_ref().ok_or("This form is no longer open.")?;
        forms::command(ask, form, &me.actor)
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, me: &Session) {
        let actor = &me.actor;
        let [nav, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let mut spans = vec![];
        for s in visible_sections(actor) {
            let style = if s == self.section { theme.selected() } else { theme.dim() };
            spans.push(Span::styled(format!(" {} ", s.name()), style));
            spans.push(Span::raw(" "));
        }
        if self.section == Section::Audit {
            spans.push(Span::styled(format!("  outcome: {}", self.audit_outcome.unwrap_or("all")), theme.dim()));
        }
        f.render_widget(Paragraph::new(Line::from(spans)), nav);
        let (table, title) = self.table();
        table.render(f, body, theme, title);
    }
}

impl AdminScreen {
    fn load_section(&self, actor: &Actor) -> Vec<Effect> {
        let cmd = match self.section {
            Section::Users => Command::new(actor, AdminOp::LoadUsers),
            Section::Invitations => Command::new(actor, AdminOp::LoadInvitations),
            Section::Roles => Command::new(actor, AdminOp::LoadRoles),
            Section::Clusters => Command::new(actor, InventoryOp::LoadOverview),
            Section::Settings => Command::new(actor, AdminOp::LoadSettings),
            Section::Audit => Command::new(
                actor,
                AdminOp::LoadAudit {
                    query: AuditQuery {
                        text: self.audit_text.clone(),
                        outcome: self.audit_outcome.map(String::from),
                        limit: 1000,
                    },
                },
            ),
        };
        vec![Effect::Send(cmd)]
    }

    pub fn show(&mut self, s: Section, actor: &Actor) -> Vec<Effect> {
        if !visible_sections(actor).contains(&s) {
            return vec![Effect::Error(format!("You may not open {}.", s.name()))];
        }
        self.section = s;
        self.load_section(actor)
    }

    /// The open section's table, and its title.
    fn table(&mut self) -> (&mut dyn ListView, &'static str) {
        match self.section {
            Section::Users => (&mut self.users, "users"),
            Section::Invitations => (&mut self.invitations, "invitations"),
            Section::Roles => (&mut self.roles, "permissions by role (c r u d x, all = manage)"),
            Section::Clusters => (&mut self.clusters, "Proxmox clusters"),
            Section::Settings => (&mut self.settings, "settings"),
            Section::Audit => (&mut self.audit, "audit log"),
        }
    }

    /// Open one of this tab's forms.
    fn form(&mut self, (ask, form): (Ask, Form)) -> Vec<Effect> {
        self.asked = Some(ask);
        vec![Effect::Form(form)]
    }

    fn section_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        match (self.section, action) {
            (Section::Users, Action::New) => self.form(forms::new_user()),
            (Section::Users, Action::Role) => match self.users.selected() {
                Some(u) => {
                    let f = forms::change_role(u);
                    self.form(f)
                }
                None => vec![],
            },
            (Section::Users, Action::Lock) => match self.users.selected() {
                Some(u) => {
                    let (status, verb) = if u.status == UserStatus::Active {
                        (UserStatus::Locked, "Lock")
                    } else {
                        (UserStatus::Active, "Unlock")
                    };
                    vec![Effect::Open(Overlay::Confirm {
                        title: format!("{} account", verb.to_lowercase()),
                        message: format!("{verb} the account of {} ({})?", u.username, u.display_name),
                        on_yes: Command::new(actor, AdminOp::SetStatus { user: u.id, status }),
                    })]
                }
                None => vec![],
            },
            (Section::Users, Action::ResetPassword) => match self.users.selected() {
                Some(u) => vec![Effect::Open(Overlay::Confirm {
                    title: "reset password".into(),
                    message: format!("Reset the password of {}? Their current password stops working now.", u.username),
                    on_yes: Command::new(actor, AdminOp::ResetPassword { user: u.id, username: u.username.clone() }),
                })],
                None => vec![],
            },
            (Section::Invitations, Action::New) => self.form(forms::invite()),
            (Section::Invitations, Action::Delete) => match self.invitations.selected() {
                Some(i) if i.state == crate::domain::invitation::InvitationState::Pending => {
                    vec![Effect::Open(Overlay::Confirm {
                        title: "revoke invitation".into(),
                        message: format!(
                            "Revoke the invitation for {}?",
                            i.email.clone().or(i.handle.clone()).unwrap_or_default()
                        ),
                        on_yes: Command::new(actor, AdminOp::RevokeInvitation { id: i.id }),
                    })]
                }
                Some(i) => vec![Effect::Error(format!("That invitation is already {}.", i.state.as_str()))],
                None => vec![],
            },
            (Section::Clusters, Action::New) => self.form(forms::cluster(None)),
            (Section::Clusters, Action::Open) => match self.clusters.selected() {
                Some(ClusterRow(c, _)) => {
                    let f = forms::cluster(Some(c));
                    self.form(f)
                }
                None => vec![],
            },
            (Section::Clusters, Action::Test) => match self.clusters.selected() {
                Some(ClusterRow(c, _)) => {
                    vec![Effect::Send(Command::new(actor, InventoryOp::TestCluster { id: c.id }))]
                }
                None => vec![],
            },
            (Section::Clusters, Action::Delete) => match self.clusters.selected() {
                Some(ClusterRow(c, _)) => vec![Effect::Open(Overlay::Confirm {
                    title: "remove cluster".into(),
                    message: format!(
                        "Remove {} ({}:{}) from labdeck? Its cached inventory goes; Proxmox itself is not touched.",
                        c.name, c.host, c.port
                    ),
                    on_yes: Command::new(actor, InventoryOp::RemoveCluster { id: c.id }),
                })],
                None => vec![],
            },
            (Section::Settings, Action::Open) => match self.settings.selected() {
                Some(setting) => {
                    let f = forms::edit_setting(setting);
                    self.form(f)
                }
                None => vec![],
            },
            (Section::Settings, Action::New) => self.form(forms::new_setting()),
            (Section::Audit, Action::Open) => match self.audit.selected() {
                Some(r) => {
                    let (title, lines) = rows::audit_detail(r);
                    vec![Effect::Open(Overlay::Report { title, lines, scroll: 0 })]
                }
                None => vec![],
            },
            (Section::Audit, Action::Outcome) => {
                self.audit_outcome = match self.audit_outcome {
                    None => Some("success"),
                    Some("success") => Some("failure"),
                    Some("failure") => Some("denied"),
                    Some("denied") => Some("error"),
                    _ => None,
                };
                self.load_section(actor)
            }
            _ => vec![],
        }
    }
}
