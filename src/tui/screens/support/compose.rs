//! The multi-line compose box: Enter sends, Alt+Enter or Ctrl+J starts a new line, Esc
//! puts it away (the draft stays for next time).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Compose {
    pub text: String,
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
                if self.text.trim().is_empty() {
                    return ComposeOutcome::Edited;
                }
                return ComposeOutcome::Send(std::mem::take(&mut self.text));
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
        assert_eq!(c.handle_key(&k(KeyCode::Enter, KeyModifiers::NONE)), ComposeOutcome::Edited, "nothing to send");
        assert_eq!(c.handle_key(&k(KeyCode::Esc, KeyModifiers::NONE)), ComposeOutcome::Cancel);
    }
}
