//! The `:` command palette: every command, with completion on its name.

use tui_input::Input;

pub const COMMANDS: &[(&str, &str)] = &[
    ("inventory", "Open the Inventory: guests of every cluster"),
    ("tasks", "Inventory: Proxmox tasks"),
    ("isos", "Inventory: ISO images"),
    ("templates", "Inventory: templates"),
    ("start", "Start the selected or marked guests"),
    ("stop", "Stop the selected or marked guests"),
    ("shutdown", "Shut down the selected or marked guests"),
    ("reboot", "Reboot the selected or marked guests"),
    ("snapshot", "snapshot NAME — snapshot the guest(s)"),
    ("rollback", "rollback NAME — roll the guest(s) back"),
    ("delsnap", "delsnap NAME — delete a snapshot"),
    ("template", "Convert the guest to a template"),
    ("delete", "Delete the guest(s)"),
    ("bookings", "Open Bookings: the device calendar"),
    ("approvals", "Bookings: the approvals queue"),
    ("devices", "Bookings: devices"),
    ("support", "Open Support: live chats, threads, assignments"),
    ("classes", "Open the Classes tab"),
    ("join", "join CODE — join a class with its code"),
    ("coowner", "coowner add|remove NAME — co-owners of the class"),
    ("scale", "scale N — the class pool's student VMs"),
    ("disable-codes", "Disable the class's join codes"),
    ("admin", "Open the Admin tab"),
    ("me", "Open my account and notifications"),
    ("users", "Admin: users"),
    ("invitations", "Admin: invitations"),
    ("roles", "Admin: permissions by role"),
    ("settings", "Admin: settings"),
    ("audit", "Admin: audit log"),
    ("new-user", "Create a user"),
    ("invite", "Invite someone by email or handle"),
    ("set", "set KEY VALUE — change a setting"),
    ("grant", "grant ROLE RESOURCE:ACTION"),
    ("revoke", "revoke ROLE RESOURCE:ACTION"),
    ("passwd", "Change my password"),
    ("read-all", "Mark all my notifications read"),
    ("refresh", "Reload the current view"),
    ("help", "Show the keys for this screen"),
    ("signout", "Sign out"),
    ("quit", "Quit labdeck"),
];

#[derive(Debug, Default)]
pub struct Palette {
    pub input: Input,
    pub chosen: usize,
}

impl Palette {
    /// Commands matching the first word typed: prefix matches first, then substring.
    pub fn matches(&self) -> Vec<(String, String)> {
        let word = self.input.value().split_whitespace().next().unwrap_or("").to_lowercase();
        let mut out: Vec<_> = COMMANDS.iter().filter(|(n, _)| n.starts_with(&word)).collect();
        out.extend(COMMANDS.iter().filter(|(n, _)| !n.starts_with(&word) && n.contains(&word)));
        out.into_iter().map(|(n, d)| (n.to_string(), d.to_string())).collect()
    }

    /// Tab: complete the command name to the chosen match.
    pub fn complete(&mut self) {
        if let Some((name, _)) = self.matches().get(self.chosen) {
            let rest: Vec<&str> = self.input.value().split_whitespace().skip(1).collect();
            let text = if rest.is_empty() { format!("{name} ") } else { format!("{name} {}", rest.join(" ")) };
            self.input = Input::new(text);
            self.chosen = 0;
        }
    }

    /// What to run on Enter: the typed command if it is one, else the chosen match, with the
    /// typed arguments.
    pub fn resolve(&self) -> Option<(String, Vec<String>)> {
        let mut words = self.input.value().split_whitespace();
        let first = words.next().unwrap_or("").to_lowercase();
        let args: Vec<String> = words.map(str::to_string).collect();
        if COMMANDS.iter().any(|(n, _)| *n == first) {
            return Some((first, args));
        }
        self.matches().get(self.chosen).map(|(n, _)| (n.clone(), args))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_and_resolution() {
        let mut p = Palette { input: Input::new("invi".into()), chosen: 0 };
        assert_eq!(p.matches()[0].0, "invitations");
        p.chosen = 1;
        p.complete();
        assert_eq!(p.input.value(), "invite ");
        let p = Palette { input: Input::new("set org.name Lab One".into()), chosen: 0 };
        assert_eq!(p.resolve(), Some(("set".into(), vec!["org.name".into(), "Lab".into(), "One".into()])));
        let p = Palette { input: Input::new("zzz".into()), chosen: 0 };
        assert_eq!(p.resolve(), None);
    }
}
