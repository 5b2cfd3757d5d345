//! Admin: users, invitations, roles, settings and the audit log.

use crate::domain::rbac::{self, Action as Perm, Actor, Grant, Resource};
use crate::domain::user::{User, UserStatus};
use crate::domain::{Role, settings as known_settings};
use crate::engine::read::admin::Invitation;
use crate::engine::read::admin::Setting;
use crate::engine::read::admin::{AuditQuery, AuditRecord};
use crate::engine::{AdminOp, Command, InventoryOp, Reply};
use crate::tui::app::{Effect, FormPurpose, Overlay};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{DataTable, ListView, TableRow};
use chrono::{DateTime, Local, Utc};
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

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

impl TableRow for User {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.username.clone(),
            self.display_name.clone(),
            self.role.to_string(),
            self.status.as_str().into(),
            self.email.clone().unwrap_or_default(),
            self.last_login_at.map(local).unwrap_or_else(|| "never".into()),
        ]
    }
}

impl TableRow for Invitation {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.email.clone().or(self.handle.clone()).unwrap_or_default(),
            self.role.to_string(),
            self.state.as_str().into(),
            local(self.expires_at),
            self.invited_by.clone().unwrap_or_default(),
        ]
    }
}

impl TableRow for Setting {
    fn key(&self) -> String {
        self.key.clone()
    }
    fn cells(&self) -> Vec<String> {
        let description = known_settings::known(&self.key).map(|k| k.description).unwrap_or("");
        let by = match &self.updated_by {
            Some(u) => format!("{u}, {}", local(self.updated_at)),
            None => "default".into(),
        };
        vec![self.key.clone(), known_settings::display(&self.value), by, description.into()]
    }
}

impl TableRow for AuditRecord {
    fn key(&self) -> String {
        self.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let entity = match &self.entity_id {
            Some(id) => format!("{}:{}", self.entity_type, id.chars().take(8).collect::<String>()),
            None => self.entity_type.clone(),
        };
        vec![
            self.at.with_timezone(&Local).format("%m-%d %H:%M:%S").to_string(),
            format!("{} ({})", self.actor_name, self.actor_role.clone().unwrap_or_else(|| "-".into())),
            self.action.clone(),
            entity,
            self.outcome.clone(),
            self.source.clone(),
            self.message.clone().unwrap_or_default(),
        ]
    }
}

/// A cluster with its poller's health.
pub struct ClusterRow(pub crate::engine::read::inventory::Cluster, pub crate::engine::read::inventory::PollHealth);

impl TableRow for ClusterRow {
    fn key(&self) -> String {
        self.0.id.to_string()
    }
    fn cells(&self) -> Vec<String> {
        let (c, h) = (&self.0, &self.1);
        let state = match (&h.last_error, h.last_success_at) {
            (Some(e), _) => format!("error: {e}"),
            (None, Some(t)) => {
                format!("ok, data {} old", crate::domain::time::compact_age((Utc::now() - t).num_seconds()))
            }
            (None, None) => "never polled".into(),
        };
        vec![
            c.name.clone(),
            format!("{}:{}", c.host, c.port),
            c.token_id.clone().unwrap_or_default(),
            c.fingerprint
                .as_deref()
                .map(|f| f.chars().take(23).collect::<String>() + "…")
                .unwrap_or_else(|| "untrusted".into()),
            format!("{}s", c.poll_interval_secs),
            state,
        ]
    }
}

/// One line per resource: which actions each role holds (C R U D M X).
pub struct RoleRow {
    pub resource: Resource,
    pub by_role: Vec<String>,
}

impl TableRow for RoleRow {
    fn key(&self) -> String {
        self.resource.to_string()
    }
    fn cells(&self) -> Vec<String> {
        std::iter::once(self.resource.to_string()).chain(self.by_role.iter().cloned()).collect()
    }
}

fn role_rows(grants: &[(Role, Grant)]) -> Vec<RoleRow> {
    Resource::ALL
        .iter()
        .map(|&resource| RoleRow {
            resource,
            by_role: Role::ALL
                .iter()
                .map(|&role| {
                    let has = |a: Perm| grants.iter().any(|(r, g)| *r == role && g.0 == resource && g.1 == a);
                    if has(Perm::Manage) {
                        return "all".into();
                    }
                    [
                        (Perm::Create, 'c'),
                        (Perm::Read, 'r'),
                        (Perm::Update, 'u'),
                        (Perm::Delete, 'd'),
                        (Perm::Execute, 'x'),
                    ]
                    .iter()
                    .map(|&(a, c)| if has(a) { c } else { '·' })
                    .collect()
                })
                .collect(),
        })
        .collect()
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
        }
    }
}

impl AdminScreen {
    pub fn load(&self, actor: &Actor) -> Vec<Effect> {
        self.load_section(self.section, actor)
    }

    fn load_section(&self, s: Section, actor: &Actor) -> Vec<Effect> {
        let actor = actor.clone();
        let cmd = match s {
            Section::Users => Command::new(&actor, AdminOp::LoadUsers),
            Section::Invitations => Command::new(&actor, AdminOp::LoadInvitations),
            Section::Roles => Command::new(&actor, AdminOp::LoadRoles),
            Section::Clusters => Command::new(&actor, InventoryOp::LoadOverview),
            Section::Settings => Command::new(&actor, AdminOp::LoadSettings),
            Section::Audit => Command::new(
                &actor,
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

    /// Reload the open section if one of its domains changed.
    pub fn on_changed(&self, domains: &[String], actor: &Actor) -> Vec<Effect> {
        if self.section.domains().iter().any(|d| domains.iter().any(|x| x == d)) { self.load(actor) } else { vec![] }
    }

    pub fn on_reply(&mut self, reply: &Reply) -> bool {
        match reply {
            Reply::Users(u) => self.users.set_rows(u.clone()),
            Reply::Invitations(i) => self.invitations.set_rows(i.clone()),
            Reply::Settings(s) => self.settings.set_rows(s.clone()),
            Reply::Audit(a) => self.audit.set_rows(a.clone()),
            Reply::Roles(g) => self.roles.set_rows(role_rows(g)),
            Reply::Overview(o) if self.section == Section::Clusters => {
                self.clusters.set_rows(o.clusters.iter().map(|(c, h)| ClusterRow(c.clone(), h.clone())).collect())
            }
            _ => return false,
        }
        true
    }

    pub fn show(&mut self, s: Section, actor: &Actor) -> Vec<Effect> {
        if !visible_sections(actor).contains(&s) {
            return vec![Effect::Error(format!("You may not open {}.", s.name()))];
        }
        self.section = s;
        self.load(actor)
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

    pub fn set_filter(&mut self, text: &str) {
        self.table().0.set_filter(text);
    }

    pub fn filter(&mut self) -> String {
        self.table().0.filter().to_string()
    }

    /// Enter on the filter line: the audit log searches its whole history in the database.
    pub fn commit_filter(&mut self, text: &str, actor: &Actor) -> Vec<Effect> {
        if self.section == Section::Audit {
            self.audit_text = text.to_string();
            return self.load(actor);
        }
        vec![]
    }

    /// The keys this screen answers, for help.
    pub fn actions(&self) -> Vec<(Action, &'static str)> {
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
                (Action::Outcome, "Cycle outcome filter"),
                (Action::Filter, "Search (enter searches all history)"),
            ]),
        }
        a.push((Action::Refresh, "Reload"));
        a
    }

    pub fn update(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let sections = visible_sections(actor);
        let pos = sections.iter().position(|s| *s == self.section).unwrap_or(0);
        match action {
            Action::NextView if !sections.is_empty() => {
                return self.show(sections[(pos + 1) % sections.len()], actor);
            }
            Action::PrevView if !sections.is_empty() => {
                return self.show(sections[(pos + sections.len() - 1) % sections.len()], actor);
            }
            Action::Refresh => return self.load(actor),
            a if self.table().0.navigate(a) => {}
            _ => return self.section_action(action, actor),
        }
        vec![]
    }

    fn section_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let roles: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        let form = |purpose: FormPurpose, form: Form| vec![Effect::Open(Overlay::Form { form, purpose })];
        match (self.section, action) {
            (Section::Users, Action::New) => form(
                FormPurpose::NewUser,
                Form::new(
                    "new user",
                    vec![
                        Field::text("Username"),
                        Field::text("Display name"),
                        Field::text("Email"),
                        Field::choice("Role", &roles, "student"),
                    ],
                )
                .submit_label("create")
                .note("A temporary password is generated, shown once, and must be changed at first sign-in."),
            ),
            (Section::Users, Action::Role) => match self.users.selected() {
                Some(u) => form(
                    FormPurpose::ChangeRole { user: u.id, username: u.username.clone() },
                    Form::new(format!("role of {}", u.username), vec![Field::choice("Role", &roles, u.role.as_str())])
                        .note(role_note()),
                ),
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
            (Section::Invitations, Action::New) => form(
                FormPurpose::Invite,
                Form::new(
                    "invite",
                    vec![
                        Field::text("Email or handle"),
                        Field::choice("Role", &roles, "student"),
                        Field::text("Valid days").with_value("7"),
                    ],
                )
                .submit_label("invite")
                .note("The code is shown once. They accept with: labdeck accept"),
            ),
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
            (Section::Clusters, Action::New) => {
                form(FormPurpose::Cluster { id: None }, cluster_form("add a cluster", None))
            }
            (Section::Clusters, Action::Open) => match self.clusters.selected() {
                Some(ClusterRow(c, _)) => {
                    form(FormPurpose::Cluster { id: Some(c.id) }, cluster_form(&format!("edit {}", c.name), Some(c)))
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
                Some(s) => form(
                    FormPurpose::EditSetting { key: s.key.clone() },
                    Form::new(
                        format!("setting {}", s.key),
                        vec![Field::text("Value").with_value(&known_settings::display(&s.value))],
                    )
                    .note(known_settings::known(&s.key).map(|k| k.description).unwrap_or("Free-form: JSON or text")),
                ),
                None => vec![],
            },
            (Section::Settings, Action::New) => {
                form(FormPurpose::NewSetting, Form::new("new setting", vec![Field::text("Key"), Field::text("Value")]))
            }
            (Section::Audit, Action::Outcome) => {
                self.audit_outcome = match self.audit_outcome {
                    None => Some("success"),
                    Some("success") => Some("failure"),
                    Some("failure") => Some("denied"),
                    Some("denied") => Some("error"),
                    _ => None,
                };
                self.load(actor)
            }
            _ => vec![],
        }
    }

    pub fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, actor: &Actor) {
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

fn cluster_form(title: &str, c: Option<&crate::engine::read::inventory::Cluster>) -> Form {
    let v = |f: fn(&crate::engine::read::inventory::Cluster) -> String| c.map(f).unwrap_or_default();
    Form::new(
        title,
        vec![
            Field::text("Name").with_value(&v(|c| c.name.clone())),
            Field::text("Host").with_value(&v(|c| c.host.clone())),
            Field::text("Port").with_value(&c.map(|c| c.port.to_string()).unwrap_or_else(|| "8006".into())),
            Field::text("Token ID").with_value(&v(|c| c.token_id.clone().unwrap_or_default())),
            Field::secret("Token secret"),
            Field::text("Poll seconds")
                .with_value(&c.map(|c| c.poll_interval_secs.to_string()).unwrap_or_else(|| "10".into())),
        ],
    )
    .submit_label("connect")
    .note(if c.is_some() {
        "Leave the secret empty to keep it. The certificate is checked again."
    } else {
        "Next: the certificate's fingerprint, to compare with the node's (Datacenter › Node › Certificates)."
    })
}

fn role_note() -> String {
    Role::ALL.iter().map(|r| format!("{r}: {}", r.describe())).collect::<Vec<_>>().join("; ")
}

/// `grant teacher class:read` → (role, grant).
pub fn parse_grant(args: &[&str]) -> Result<(Role, Grant), String> {
    let [role, perm] = args else {
        return Err("usage: grant|revoke ROLE RESOURCE:ACTION".into());
    };
    let role: Role = role.parse().map_err(|e: crate::domain::role::UnknownRole| e.to_string())?;
    let (r, a) = perm.split_once(':').ok_or("permission is RESOURCE:ACTION, e.g. class:read")?;
    let resource = Resource::parse(r).ok_or_else(|| format!("unknown resource '{r}'"))?;
    let action = Perm::parse(a).ok_or_else(|| format!("unknown action '{a}'"))?;
    let _ = rbac::permission_name((resource, action));
    Ok((role, (resource, action)))
}
