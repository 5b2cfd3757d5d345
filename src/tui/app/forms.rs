//! The shell's own forms (users, invitations, settings, clusters, clones, passwords) turned
//! into engine commands; the screens' forms are turned by their screens.

use super::*;

impl App {
    pub(super) fn form_command(&self, form: &Form, purpose: &FormPurpose) -> Result<Command, String> {
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
            FormPurpose::AddSshKey => {
                Command::new(&actor, AccountOp::AddSshKey { key: form.value(crate::tui::screens::account::PUBLIC_KEY) })
            }
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
}
