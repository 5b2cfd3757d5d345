//! The multi-line compose box: Enter sends, Alt+Enter or Ctrl+J starts a new line, Esc
//! puts it away (the draft stays for next time). A sent message stays in the box until the
//! store confirms it: a failed send leaves the text as typed, with the reason.

use crate::engine::RequestId;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compose {
    pub text: String,
    /// The send in flight, and the text it carries.
    pub pending: Option<(RequestId, String)>,
    /// Why the last send failed.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ComposeOutcome {
    Edited,
    Send(String),
    Cancel,
}

/// Messages are bounded where they are stored; the box stops a little past that.
const MAX_CHARS: usize = crate::domain::support::MAX_MESSAGE_CHARS;

impl Compose {
    pub fn handle_key(&mut self, key: &KeyEvent) -> ComposeOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => return ComposeOutcome::Cancel,
            KeyCode::Enter if key.modifiers.contains(KeyModifiers::ALT) => self.push('\n'),
            KeyCode::Char('j') if ctrl => self.push('\n'),
            KeyCode::Enter => {
                // One send at a time: a second Enter while the first is in flight would post twice.
                if self.text.trim().is_empty() || self.pending.is_some() {
                    return ComposeOutcome::Edited;
                }
                return ComposeOutcome::Send(self.text.clone());
            }
            KeyCode::Backspace => {
                self.text.pop();
            }
            KeyCode::Char('u') if ctrl => self.text.clear(),
            KeyCode::Char('w') if ctrl => {
                let keep = self.text.trim_end().rfind(char::is_whitespace).map_or(0, |i| i + 1);
                self.text.truncate(keep);
            }
            KeyCode::Char(c) if !ctrl => self.push(c),
            _ => {}
        }
        ComposeOutcome::Edited
    }

    /// The text was sent as request `id`.
    pub fn sent(&mut self, id: RequestId) {
        self.pending = Some((id, self.text.clone()));
        self.error = None;
    }

    pub fn waits_for(&self, id: RequestId) -> bool {
        self.pending.as_ref().is_some_and(|(p, _)| *p == id)
    }

    /// The store took the message: it leaves the box (what was typed after it stays).
    pub fn confirmed(&mut self) {
        if let Some((_, sent)) = self.pending.take() {
            self.text = match self.text.strip_prefix(&sent) {
                Some(rest) => rest.trim_start_matches('\n').to_string(),
                None => self.text.clone(),
            };
        }
    }

    /// The send failed: the text stays as typed, with the reason.
    pub fn fail(&mut self, message: impl Into<String>) {
        self.pending = None;
        self.error = Some(message.into());
    }

    fn push(&mut self, c: char) {
        if self.text.chars().count() < MAX_CHARS {
            self.text.push(c);
        }
    }

    /// The lines to draw, the last one with a cursor block.
    pub fn lines(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.text.split('\n').map(str::to_string).collect();
        if let Some(last) = lines.last_mut() {
            last.push('▏');
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn typing_new_lines_and_sending() {
        let mut c = Compose::default();
        for ch in "hi".chars() {
            c.handle_key(&k(KeyCode::Char(ch), KeyModifiers::NONE));
        }
        c.handle_key(&k(KeyCode::Enter, KeyModifiers::ALT));
        c.handle_key(&k(KeyCode::Char('x'), KeyModifiers::NONE));
        c.handle_key(&k(KeyCode::Backspace, KeyModifiers::NONE));
        c.handle_key(&k(KeyCode::Char('j'), KeyModifiers::CONTROL));
        c.handle_key(&k(KeyCode::Char('y'), KeyModifiers::NONE));
        assert_eq!(c.lines(), vec!["hi".to_string(), String::new(), "y▏".to_string()]);
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Send("hi\n\ny".into()));
        c.sent(RequestId(1));
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Edited, "one send at a time");
        c.confirmed();
        assert_eq!(c.text, "");
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Edited, "nothing to send");
        assert_eq!(c.handle_key(&k(KeyCode::Esc, KeyModifiers::NONE)), ComposeOutcome::Cancel);
    }

    #[test]
    fn a_draft_stays_until_the_store_confirms_it() {
        let mut c = Compose::default();
        for ch in "hello".chars() {
            c.handle_key(&k(KeyCode::Char(ch), KeyModifiers::NONE));
        }
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Send("hello".into()));
        c.sent(RequestId(7));
        assert!(c.waits_for(RequestId(7)) && !c.waits_for(RequestId(8)));
        c.fail("the database is full");
        assert_eq!((c.text.as_str(), c.error.as_deref()), ("hello", Some("the database is full")));
        // Sent again; typed on meanwhile: only the sent part leaves the box.
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Send("hello".into()));
        c.sent(RequestId(8));
        assert_eq!(c.error, None);
        c.handle_key(&k(KeyCode::Char('j'), KeyModifiers::CONTROL));
        c.handle_key(&k(KeyCode::Char('p'), KeyModifiers::NONE));
        c.confirmed();
        assert_eq!((c.text.as_str(), c.pending.is_none()), ("p", true));
    }
}
