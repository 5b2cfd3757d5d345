//! Actions and the keys bound to them. Defaults here; `[keys]` in the config replaces an
//! action's keys ("k, up"). Help is rendered from this map, so it always tells the truth.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

macro_rules! actions {
    ($($variant:ident => $name:literal, $keys:literal, $help:literal;)+) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $($variant),+ }
        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),+];
            pub fn name(self) -> &'static str { match self { $(Action::$variant => $name),+ } }
            pub fn default_keys(self) -> &'static str { match self { $(Action::$variant => $keys),+ } }
            pub fn help(self) -> &'static str { match self { $(Action::$variant => $help),+ } }
        }
    };
}

actions! {
    Quit => "quit", "q", "Quit labdeck";
    Help => "help", "?", "Show the keys for this screen";
    Palette => "palette", ":", "Open the command palette";
    Filter => "filter", "/", "Filter the table";
    NextTab => "next_tab", "tab", "Next tab";
    PrevTab => "prev_tab", "backtab", "Previous tab";
    NextView => "next_view", "], right, l", "Next view in this tab";
    PrevView => "prev_view", "[, left, h", "Previous view in this tab";
    Up => "up", "up, k", "Move up";
    Down => "down", "down, j", "Move down";
    PageUp => "page_up", "pageup, ctrl+b", "Page up";
    PageDown => "page_down", "pagedown, ctrl+f", "Page down";
    Top => "top", "home, g", "First row";
    Bottom => "bottom", "end, G", "Last row";
    Open => "open", "enter", "Open / edit the selected row";
    Back => "back", "esc", "Back, close, clear the filter";
    New => "new", "n", "Create";
    Role => "role", "r", "Change the selected user's role";
    Lock => "lock", "L", "Lock or unlock the selected user";
    ResetPassword => "reset_password", "P", "Reset the selected user's password";
    Delete => "delete", "x, delete", "Revoke / remove the selected row";
    Outcome => "outcome", "o", "Cycle the outcome filter";
    Refresh => "refresh", "ctrl+r", "Reload from the database";
    Mark => "mark", "space", "Mark / unmark the selected row";
    MarkAll => "mark_all", "a", "Mark every shown row / clear marks";
    Sort => "sort", ">", "Sort by the next column";
    SortReverse => "sort_reverse", "<", "Reverse the sort";
    Start => "start", "s", "Start the guest(s)";
    Stop => "stop", "S", "Stop the guest(s) (hard)";
    Shutdown => "shutdown", "D", "Shut the guest(s) down (ACPI)";
    Reboot => "reboot", "R", "Reboot the guest(s)";
    Clone => "clone", "c", "Clone the guest";
    Template => "template", "T", "Convert the guest to a template";
    Test => "test", "t", "Test the connection";
    Earlier => "earlier", ",", "Earlier in the calendar";
    Later => "later", ".", "Later in the calendar";
    Today => "today", "0", "Back to now in the calendar";
    Approve => "approve", "A", "Approve the selected item";
    Reject => "reject", "X", "Reject the selected item";
    Extend => "extend", "e", "Extend the booking (to at most its latest possible end)";
    Move => "move", "m", "Move the booking to another time";
    Export => "export", "E", "Export bookings (iCalendar or CSV)";
    Favorite => "favorite", "f", "Save the booking as a favorite";
    Comment => "comment", "C", "Comment on the booking";
    Collaborator => "collaborator", "+", "Add a collaborator to the booking";
    FreeSlot => "free_slot", "F", "Find a free slot for the marked devices";
    Review => "review", "v", "Submit the topology for review";
    BookTopology => "book_topology", "b", "Book every device of the topology at once";
    AddLink => "add_link", "+", "Link two free ports of the topology";
    Rename => "rename", "r", "Rename the topology";
    Maintenance => "maintenance", "M", "Add a maintenance window to the device";
    Owner => "owner", "O", "Assign or revoke the device's owner";
    Health => "health", "H", "Record the device's health";
    Claim => "claim", "C", "Claim the selected visitor chat";
    Canned => "canned", "m", "Send a canned reply";
    Transfer => "transfer", "F", "Hand the chat to another rep";
    CloseChat => "close_chat", "X", "Close the chat with a reference number";
    Convert => "convert", "U", "Turn a visitor into an account and/or a thread";
    SetStatus => "set_status", "e", "Set the status of the selected row";
    Bell => "bell", "b", "Terminal bell on new visitor chats on/off";
    Edit => "edit", "E", "Edit the selected item";
    Deploy => "deploy", "d", "Deploy or scale the class pool";
    Revert => "revert", "v", "Revert VM(s) to the baseline snapshot";
    JoinCode => "join_code", "i", "Join code: issue one (teachers) or join a class (students)";
    Enroll => "enroll", "e", "Enroll or move a student";
    ResetUsage => "reset_usage", "u", "Reset usage hours";
    Publish => "publish", "p", "Publish the teacher VM to the student VMs";
    Retry => "retry", "y", "Retry failed deployment steps";
    Allocate => "allocate", "A", "Allocate the next free address of the subnet";
    Release => "release", "U", "Release the selected address";
    Attach => "attach", "a", "Attach the data disk to an instance";
    Detach => "detach", "d", "Detach the data disk from an instance";
    AddMember => "add_member", "+", "Add a member";
    RemoveMember => "remove_member", "-", "Remove a member";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        // Shift is part of the character for letters and symbols ('G', '?'), not a modifier.
        let mods = match e.code {
            KeyCode::Char(_) | KeyCode::BackTab => e.modifiers - KeyModifiers::SHIFT,
            _ => e.modifiers,
        };
        Key { code: e.code, mods }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "enter".into(),
            KeyCode::Esc => "esc".into(),
            KeyCode::Tab => "tab".into(),
            KeyCode::BackTab => "shift+tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "pgup".into(),
            KeyCode::PageDown => "pgdn".into(),
            KeyCode::Home => "home".into(),
            KeyCode::End => "end".into(),
            KeyCode::Delete => "del".into(),
            KeyCode::Backspace => "backspace".into(),
            KeyCode::F(n) => format!("f{n}"),
            _ => "?".into(),
        };
        if self.mods.contains(KeyModifiers::CONTROL) { format!("ctrl+{base}") } else { base }
    }
}

/// Parse "ctrl+r", "enter", "G", "f2", "space".
pub fn parse_key(spec: &str) -> Result<Key, String> {
    let spec = spec.trim();
    let (mods, name) = match spec.strip_prefix("ctrl+") {
        Some(rest) if !rest.is_empty() => (KeyModifiers::CONTROL, rest),
        Some(_) => return Err(format!("'{spec}' has no key after ctrl+")),
        None => (KeyModifiers::NONE, spec),
    };
    let code = match name {
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" | "shift+tab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" => KeyCode::Delete,
        "backspace" => KeyCode::Backspace,
        f if f.len() > 1 && f.starts_with('f') && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) => {
            KeyCode::F(f[1..].parse().expect("checked"))
        }
        c if c.chars().count() == 1 => KeyCode::Char(c.chars().next().expect("one char")),
        _ => {
            return Err(format!("'{spec}' is not a key (try \"q\", \"ctrl+r\", \"enter\", \"f2\")"));
        }
    };
    Ok(Key { code, mods })
}

#[derive(Debug, Clone)]
pub struct Keymap {
    /// A key may serve different actions on different screens ('e' extends a booking and
    /// enrolls a student); the screen in front picks among them (`action_in`).
    by_key: BTreeMap<String, Vec<Action>>,
    by_action: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// Defaults, with the config's `[keys]` replacing whole actions. Errors name the action.
    pub fn from_config(overrides: &BTreeMap<String, String>) -> Result<Keymap, (String, String)> {
        let mut by_action = BTreeMap::new();
        for &action in Action::ALL {
            let spec = match overrides.get(action.name()) {
                Some(s) => s.as_str(),
                None => action.default_keys(),
            };
            let keys = spec
                .split(", ")
                .flat_map(|s| if s.trim() == "," { vec![","] } else { s.split(',').collect() })
                .filter(|s| !s.trim().is_empty())
                .map(parse_key)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| (action.name().to_string(), e))?;
            by_action.insert(action, keys);
        }
        for name in overrides.keys() {
            if !Action::ALL.iter().any(|a| a.name() == name) {
                let names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
                return Err((name.clone(), format!("unknown action (known: {})", names.join(", "))));
            }
        }
        let mut by_key: BTreeMap<String, Vec<Action>> = BTreeMap::new();
        for (&action, keys) in &by_action {
            for k in keys {
                let bound = by_key.entry(k.label()).or_default();
                // A key the user binds must be theirs alone, so the config never surprises them.
                if let Some(&other) = bound.iter().find(|&&o| o != action)
                    && (overrides.contains_key(action.name()) || overrides.contains_key(other.name()))
                {
                    return Err((action.name().into(), format!("key {} is also bound to {}", k.label(), other.name())));
                }
                if !bound.contains(&action) {
                    bound.push(action);
                }
            }
        }
        Ok(Keymap { by_key, by_action })
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        self.action_in(e, &[])
    }

    /// The action of a key on a screen offering `here`: the one it offers, else the first.
    pub fn action_in(&self, e: &KeyEvent, here: &[Action]) -> Option<Action> {
        let bound = self.by_key.get(&Key::from_event(e).label())?;
        bound.iter().find(|a| here.contains(a)).or(bound.first()).copied()
    }

    pub fn keys_label(&self, a: Action) -> String {
        self.by_action.get(&a).map(|ks| ks.iter().map(Key::label).collect::<Vec<_>>().join("/")).unwrap_or_default()
    }

    /// The first key of an action, for hints in footers.
    pub fn hint(&self, a: Action) -> String {
        self.by_action.get(&a).and_then(|ks| ks.first()).map(Key::label).unwrap_or_default()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap::from_config(&BTreeMap::new()).expect("default keymap is valid")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_resolve_and_shift_is_part_of_symbols() {
        let km = Keymap::default();
        assert_eq!(km.action(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Action::Help));
        assert_eq!(km.action(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)), Some(Action::Bottom));
        assert_eq!(km.action(&ev(KeyCode::Char('r'), KeyModifiers::CONTROL)), Some(Action::Refresh));
        assert_eq!(km.action(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Action::PrevTab));
    }

    #[test]
    fn config_replaces_an_action_and_reports_bad_entries() {
        let km = Keymap::from_config(&[("quit".to_string(), "ctrl+q".to_string())].into()).unwrap();
        assert_eq!(km.action(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(km.action(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert!(Keymap::from_config(&[("fly".to_string(), "x".to_string())].into()).is_err());
        assert!(Keymap::from_config(&[("quit".to_string(), "ctrl+".to_string())].into()).is_err());
        let clash = Keymap::from_config(&[("quit".to_string(), "n".to_string())].into()).unwrap_err();
        assert!(clash.1.contains("also bound"), "{clash:?}");
    }

    #[test]
    fn a_key_shared_by_screens_means_what_the_screen_in_front_offers() {
        let km = Keymap::default();
        let c = ev(KeyCode::Char('C'), KeyModifiers::SHIFT);
        assert_eq!(km.action_in(&c, &[Action::Claim, Action::Canned]), Some(Action::Claim));
        assert_eq!(km.action_in(&c, &[Action::Comment]), Some(Action::Comment));
        assert!(km.action(&c).is_some(), "elsewhere the key still means something");
        let clash = [("claim".to_string(), "C".to_string())].into();
        assert!(Keymap::from_config(&clash).is_err(), "a key the user binds is theirs alone");
    }
}
