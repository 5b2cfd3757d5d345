//! The admin tab's forms (users, roles, invitations, settings, clusters) and the commands
//! they become; `grant`/`revoke` arguments.

use crate::domain::rbac::{self, Action as Perm, Actor, Grant, Resource};
use crate::domain::user::User;
use crate::domain::{Role, settings as known_settings};
use crate::engine::accounts::AccountForm;
use crate::engine::read::admin::Setting;
use crate::engine::read::inventory::{Cluster, ClusterInput};
use crate::engine::{AdminOp, Command, InventoryOp};
use crate::tui::widgets::form::{Field, Form, Key};
use uuid::Uuid;

// The fields of this file's forms (`Key`: built and read by the same name).
const USERNAME: Key = Key("Username");
const DISPLAY_NAME: Key = Key("Display name");
const EMAIL: Key = Key("Email");
const ROLE: Key = Key("Role");
const EMAIL_OR_HANDLE: Key = Key("Email or handle");
const VALID_DAYS: Key = Key("Valid days");
const VALUE: Key = Key("Value");
const KEY: Key = Key("Key");
const NAME: Key = Key("Name");
const HOST: Key = Key("Host");
const PORT: Key = Key("Port");
const TOKEN_ID: Key = Key("Token ID");
const TOKEN_SECRET: Key = Key("Token secret");
const POLL_SECONDS: Key = Key("Poll seconds");

/// Which admin form is open (the shell sends its submit back to this tab).
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    NewUser,
    ChangeRole { user: Uuid },
    Invite,
    EditSetting { key: String },
    NewSetting,
    Cluster { id: Option<Uuid> },
}

fn roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

pub fn new_user() -> (Ask, Form) {
    let form = Form::new(
        "new user",
        vec![
            Field::text(USERNAME),
            Field::text(DISPLAY_NAME),
            Field::text(EMAIL),
            Field::choice(ROLE, &roles(), "student"),
        ],
    )
    .submit_label("create")
    .note("A temporary password is generated, shown once, and must be changed at first sign-in.");
    (Ask::NewUser, form)
}

pub fn change_role(u: &User) -> (Ask, Form) {
    let form = Form::new(format!("role of {}", u.username), vec![Field::choice(ROLE, &roles(), u.role.as_str())])
        .note(role_note());
    (Ask::ChangeRole { user: u.id }, form)
}

pub fn invite() -> (Ask, Form) {
    let form = Form::new(
        "invite",
        vec![
            Field::text(EMAIL_OR_HANDLE),
            Field::choice(ROLE, &roles(), "student"),
            Field::text(VALID_DAYS).with_value("7"),
        ],
    )
    .submit_label("invite")
    .note("The code is shown once. They accept with: labdeck accept");
    (Ask::Invite, form)
}

pub fn edit_setting(s: &Setting) -> (Ask, Form) {
    let form = Form::new(
        format!("setting {}", s.key),
        vec![Field::text(VALUE).with_value(&known_settings::display(&s.value))],
    )
    .note(known_settings::known(&s.key).map(|k| k.description).unwrap_or("Free-form: JSON or text"));
    (Ask::EditSetting { key: s.key.clone() }, form)
}

pub fn new_setting() -> (Ask, Form) {
    (Ask::NewSetting, Form::new("new setting", vec![Field::text(KEY), Field::text(VALUE)]))
}

pub fn cluster(c: Option<&Cluster>) -> (Ask, Form) {
    let v = |f: fn(&Cluster) -> String| c.map(f).unwrap_or_default();
    let title = c.map(|c| format!("edit {}", c.name)).unwrap_or_else(|| "add a cluster".into());
    let form = Form::new(
        title,
        vec![
            Field::text(NAME).with_value(&v(|c| c.name.clone())),
            Field::text(HOST).with_value(&v(|c| c.host.clone())),
            Field::text(PORT).with_value(&c.map(|c| c.port.to_string()).unwrap_or_else(|| "8006".into())),
            Field::text(TOKEN_ID).with_value(&v(|c| c.token_id.clone().unwrap_or_default())),
            Field::secret(TOKEN_SECRET),
            Field::text(POLL_SECONDS)
                .with_value(&c.map(|c| c.poll_interval_secs.to_string()).unwrap_or_else(|| "10".into())),
        ],
    )
    .submit_label("connect")
    .note(if c.is_some() {
        "Leave the secret empty to keep it. The certificate is checked again."
    } else {
        "Next: the certificate's fingerprint, to compare with the node's (Datacenter › Node › Certificates)."
    });
    (Ask::Cluster { id: c.map(|c| c.id) }, form)
}

/// A submitted admin form, as the engine command it asks for.
pub fn command(ask: &Ask, form: &Form, actor: &Actor) -> Result<Command, String> {
    let role = || form.value(ROLE).parse::<Role>().map_err(|e| e.to_string());
    Ok(match ask {
        Ask::NewUser => Command::new(
            actor,
            AdminOp::CreateUser {
                form: AccountForm {
                    username: form.value(USERNAME),
                    email: form.value(EMAIL),
                    display_name: form.value(DISPLAY_NAME),
                },
                role: role()?,
            },
        ),
        Ask::ChangeRole { user } => Command::new(actor, AdminOp::SetRole { user: *user, role: role()? }),
        Ask::Invite => {
            let days = form.optional_number(VALID_DAYS, 1..=90)?;
            let to = form.value(EMAIL_OR_HANDLE);
            if to.trim().is_empty() {
                return Err("Type an email address or a handle.".into());
            }
            Command::new(actor, AdminOp::Invite { to, role: role()?, days })
        }
        Ask::EditSetting { key } => {
            Command::new(actor, AdminOp::PutSetting { key: key.clone(), raw: form.value(VALUE) })
        }
        Ask::NewSetting => Command::new(actor, AdminOp::PutSetting { key: form.value(KEY), raw: form.value(VALUE) }),
        Ask::Cluster { id } => {
            let port = form
                .value(PORT)
                .trim()
                .parse::<u16>()
                .map_err(|_| "Port: a number from 1 to 65535 (Proxmox uses 8006).")?;
            let poll = form.value(POLL_SECONDS).trim().parse::<i64>().map_err(|_| "Poll seconds: a whole number.")?;
            let secret = form.value(TOKEN_SECRET);
            let input = ClusterInput {
                key: String::new(),
                name: form.value(NAME),
                host: form.value(HOST),
                port,
                token_id: form.value(TOKEN_ID),
                token_secret: (!secret.trim().is_empty()).then_some(secret),
                fingerprint: String::new(),
                poll_interval_secs: poll,
            };
            Command::new(actor, InventoryOp::ProbeCluster { id: *id, input })
        }
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
