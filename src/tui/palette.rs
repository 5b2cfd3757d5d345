//! The `:` command palette: every command, with completion on its name.

use super::keymap::Action;
use tui_input::Input;

/// Declares the palette's own verbs (those that are no key's action) with name and help.
macro_rules! verbs {
    ($($variant:ident => $name:literal, $help:literal;)+) => {
        /// A palette command that no key is bound to: opening a view, or a command with
        /// arguments. Keys' actions are offered by [`ACTIONS`], named by the action table.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Verb { $($variant),+ }
        impl Verb {
            pub const ALL: &'static [Verb] = &[$(Verb::$variant),+];
            pub fn name(self) -> &'static str { match self { $(Verb::$variant => $name),+ } }
            pub fn help(self) -> &'static str { match self { $(Verb::$variant => $help),+ } }
        }
    };
}

verbs! {
    Inventory => "inventory", "Open the Inventory: guests of every cluster";
    Tasks => "tasks", "Inventory: Proxmox tasks";
    Isos => "isos", "Inventory: ISO images";
    Templates => "templates", "Inventory: templates";
    Snapshot => "snapshot", "snapshot NAME — snapshot the guest(s)";
    Rollback => "rollback", "rollback NAME — roll the guest(s) back";
    Delsnap => "delsnap", "delsnap NAME — delete a snapshot";
    Bookings => "bookings", "Open Bookings: the device calendar";
    Approvals => "approvals", "Bookings: the approvals queue";
    Devices => "devices", "Bookings: devices";
    Support => "support", "Open Support: live chats, threads, assignments";
    Classes => "classes", "Open the Classes tab";
    Join => "join", "join CODE — join a class with its code";
    Coowner => "coowner", "coowner add|remove NAME — co-owners of the class";
    Scale => "scale", "scale N — the class pool's student VMs";
    DisableCodes => "disable-codes", "Disable the class's join codes";
    Admin => "admin", "Open the Admin tab";
    Me => "me", "Open my account and notifications";
    Infra => "infra", "infra [KIND] — Infrastructure: sites, machines, instances, storage, networks";
    Tenants => "tenants", "Infrastructure: tenants, their quotas and usage";
    Groups => "groups", "Infrastructure: user groups and members";
    Users => "users", "Admin: users";
    Invitations => "invitations", "Admin: invitations";
    Roles => "roles", "Admin: permissions by role";
    Settings => "settings", "Admin: settings";
    Audit => "audit", "Admin: audit log";
    NewUser => "new-user", "Create a user";
    Invite => "invite", "Invite someone by email or handle";
    Set => "set", "set KEY VALUE — change a setting";
    Grant => "grant", "grant ROLE RESOURCE:ACTION";
    Revoke => "revoke", "revoke ROLE RESOURCE:ACTION";
    Passwd => "passwd", "Change my password";
    ReadAll => "read-all", "Mark all my notifications read";
    Signout => "signout", "Sign out";
}

/// Actions of the keymap the palette offers too, under their name in the action table and
/// with the same help `?` shows: one table for keys, help and palette.
pub const ACTIONS: &[Action] = &[
    Action::Start,
    Action::Stop,
    Action::Shutdown,
    Action::Reboot,
    Action::Template,
    Action::Delete,
    Action::Refresh,
    Action::Help,
    Action::Quit,
];

/// One palette command: a verb of its own, or a key's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    Verb(Verb),
    Action(Action),
}

impl Entry {
    pub fn all() -> impl Iterator<Item = Entry> {
        Verb::ALL.iter().map(|v| Entry::Verb(*v)).chain(ACTIONS.iter().map(|a| Entry::Action(*a)))
    }
    pub fn name(self) -> &'static str {
        match self {
            Entry::Verb(v) => v.name(),
            Entry::Action(a) => a.name(),
        }
    }
    pub fn help(self) -> &'static str {
        match self {
            Entry::Verb(v) => v.help(),
            Entry::Action(a) => a.help(),
        }
    }
    pub fn parse(name: &str) -> Option<Entry> {
        Entry::all().find(|e| e.name() == name)
    }
}

#[derive(Debug, Default)]
pub struct Palette {
    pub input: Input,
    pub chosen: usize,
}

impl Palette {
    /// Commands matching the first word typed: prefix matches first, then substring.
    pub fn matches(&self) -> Vec<(String, String)> {
        let word = self.input.value().split_whitespace().next().unwrap_or("").to_lowercase();
        let mut out: Vec<Entry> = Entry::all().filter(|e| e.name().starts_with(&word)).collect();
        out.extend(Entry::all().filter(|e| !e.name().starts_with(&word) && e.name().contains(&word)));
        out.into_iter().map(|e| (e.name().to_string(), e.help().to_string())).collect()
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
    pub fn resolve(&self) -> Option<(Entry, Vec<String>)> {
        let mut words = self.input.value().split_whitespace();
        let first = words.next().unwrap_or("").to_lowercase();
        let args: Vec<String> = words.map(str::to_string).collect();
        if let Some(e) = Entry::parse(&first) {
            return Some((e, args));
        }
        self.matches().get(self.chosen).and_then(|(n, _)| Entry::parse(n)).map(|e| (e, args))
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
        assert_eq!(p.resolve(), Some((Entry::Verb(Verb::Set), vec!["org.name".into(), "Lab".into(), "One".into()])));
        let p = Palette { input: Input::new("start".into()), chosen: 0 };
        assert_eq!(p.resolve(), Some((Entry::Action(Action::Start), vec![])), "a key's action, by its table name");
        let p = Palette { input: Input::new("zzz".into()), chosen: 0 };
        assert_eq!(p.resolve(), None);
    }

    #[test]
    fn every_name_is_one_command() {
        let names: Vec<&str> = Entry::all().map(Entry::name).collect();
        for n in &names {
            assert_eq!(names.iter().filter(|m| *m == n).count(), 1, "{n} names two commands");
            assert_eq!(Entry::parse(n).map(Entry::name), Some(*n));
        }
    }
}
