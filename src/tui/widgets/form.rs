//! A small form: labelled single-line fields (text, secret, a number, or a choice), Tab to
//! move, Enter to submit from any field, Esc to cancel; the hint saying so is always shown. Every dialog that asks for input is one of these.

use super::wrap;
use crate::engine::RequestId;
use crate::tui::theme::Theme;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// A field's key: its label, declared once per form as a constant (`const NAME: Key =
/// Key("Name")`) and used both to build the field and to read it back, so a form is never
/// read by a string typed a second time. Reading a key the form lacks is a bug: debug
/// builds (the tests) stop on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub &'static str);

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    Secret,
    Choice(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Field {
    pub label: &'static str,
    pub kind: FieldKind,
    input: Input,
    choice: usize,
    /// Digits only (a VMID, a port): any other typed character is ignored.
    digits: bool,
}

impl Field {
    pub fn text(key: Key) -> Field {
        Field { label: key.0, kind: FieldKind::Text, input: Input::default(), choice: 0, digits: false }
    }
    /// A text field taking digits only.
    pub fn number(key: Key) -> Field {
        Field { digits: true, ..Field::text(key) }
    }
    pub fn secret(key: Key) -> Field {
        Field { kind: FieldKind::Secret, ..Field::text(key) }
    }
    pub fn choice(label: Key, options: &[&str], selected: &str) -> Field {
        let options: Vec<String> = options.iter().map(|s| s.to_string()).collect();
        let choice = options.iter().position(|o| o == selected).unwrap_or(0);
        Field { kind: FieldKind::Choice(options), choice, ..Field::text(label) }
    }
    pub fn with_value(mut self, v: &str) -> Field {
        self.input = Input::new(v.to_string());
        self
    }
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Choice(opts) => opts.get(self.choice).cloned().unwrap_or_default(),
            _ => self.input.value().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    Submit,
    Cancel,
    Edited,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    pub error: Option<String>,
    pub note: Option<String>,
    pub busy: bool,
    /// The request the form is waiting for: only its answer or failure lands here.
    pub request: Option<RequestId>,
    pub submit_label: &'static str,
}

impl Form {
    pub fn new(title: impl Into<String>, fields: Vec<Field>) -> Form {
        Form {
            title: title.into(),
            fields,
            focus: 0,
            error: None,
            note: None,
            busy: false,
            request: None,
            submit_label: "save",
        }
    }
    pub fn submit_label(mut self, s: &'static str) -> Form {
        self.submit_label = s;
        self
    }
    pub fn note(mut self, s: impl Into<String>) -> Form {
        self.note = Some(s.into());
        self
    }

    pub fn value(&self, key: Key) -> String {
        let field = self.fields.iter().find(|f| f.label == key.0);
        debug_assert!(field.is_some(), "form '{}' has no field {key:?}", self.title);
        field.map(Field::value).unwrap_or_default()
    }

    /// Replace the field of `key` by `field` (a new default, say).
    pub fn set(&mut self, key: Key, field: Field) {
        if let Some(f) = self.fields.iter_mut().find(|f| f.label == key.0) {
            *f = field;
        }
    }

    /// A whole number from `range`, or `None` when the field is left empty.
    pub fn optional_number(&self, key: Key, range: std::ops::RangeInclusive<i64>) -> Result<Option<i64>, String> {
        let (label, text) = (key.0, self.value(key));
        if text.trim().is_empty() {
            return Ok(None);
        }
        let bad = || format!("{label}: a whole number from {} to {}, or empty.", range.start(), range.end());
        text.trim().parse::<i64>().ok().filter(|n| range.contains(n)).map(Some).ok_or_else(bad)
    }

    /// The form was sent as request `id`; it waits for that answer.
    pub fn sent(&mut self, id: RequestId) {
        self.busy = true;
        self.error = None;
        self.request = Some(id);
    }

    /// Whether `id` is the request this form waits for.
    pub fn waits_for(&self, id: RequestId) -> bool {
        self.busy && self.request == Some(id)
    }

    pub fn fail(&mut self, message: impl Into<String>) {
        self.busy = false;
        self.request = None;
        self.error = Some(message.into());
    }

    /// Clear secret fields (after a failed sign-in, say) and focus the first of them.
    pub fn clear_secrets(&mut self) {
        let mut first = None;
        for (i, f) in self.fields.iter_mut().enumerate() {
            if f.kind == FieldKind::Secret {
                f.input.reset();
                first.get_or_insert(i);
            }
        }
        if let Some(i) = first {
            self.focus = i;
        }
    }

    pub fn handle_key(&mut self, key: &KeyEvent) -> FormOutcome {
        if self.busy {
            return if key.code == KeyCode::Esc { FormOutcome::Cancel } else { FormOutcome::Edited };
        }
        let last = self.fields.len().saturating_sub(1);
        match key.code {
            KeyCode::Esc => return FormOutcome::Cancel,
            // Enter does what the hint says from any field (issue 14 #8); Tab moves.
            KeyCode::Enter => return FormOutcome::Submit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1).min(last),
            KeyCode::BackTab | KeyCode::Up => self.focus = self.focus.saturating_sub(1),
            _ => {
                let Some(field) = self.fields.get_mut(self.focus) else {
                    return FormOutcome::Edited;
                };
                match &field.kind {
                    FieldKind::Choice(opts) => {
                        let n = opts.len().max(1);
                        match key.code {
                            KeyCode::Left => field.choice = (field.choice + n - 1) % n,
                            KeyCode::Right | KeyCode::Char(' ') => field.choice = (field.choice + 1) % n,
                            KeyCode::Char(c) => {
                                if let Some(i) = opts.iter().position(|o| o.starts_with(c)) {
                                    field.choice = i;
                                }
                            }
                            _ => {}
                        }
                    }
                    _ if field.digits
                        && matches!(key.code, KeyCode::Char(c) if !c.is_ascii_digit())
                        && !key.modifiers.contains(KeyModifiers::CONTROL) => {}
                    _ => {
                        if !key.modifiers.contains(KeyModifiers::CONTROL)
                            || matches!(key.code, KeyCode::Char('u' | 'w' | 'a' | 'e'))
                        {
                            field.input.handle_event(&Event::Key(*key));
                        }
                    }
                }
                self.error = None;
            }
        }
        FormOutcome::Edited
    }

    /// Rows the form needs at `width` columns: borders, the note as wrapped there and a gap,
    /// a line per field, a gap, the message, the hint.
    pub fn height(&self, width: u16) -> u16 {
        let note = self.note.as_deref().map(|n| wrap(n, width.saturating_sub(2) as usize).len() as u16 + 1);
        self.fields.len() as u16 + 5 + note.unwrap_or(0)
    }

    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        f.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.accent())
            .title(Span::styled(format!(" {} ", self.title), theme.accent()));
        let inner = block.inner(area);
        f.render_widget(block, area);
        let label_w = self.fields.iter().map(|f| f.label.chars().count()).max().unwrap_or(0) as u16 + 2;
        // The note has rows of its own (each of its lines, as many as it wraps to, and a gap),
        // so a long note (the role dialog's descriptions) never hides the fields below it.
        let mut inner = inner;
        if let Some(note) = &self.note {
            let rows = wrap(note, inner.width as usize);
            let h = (rows.len() as u16 + 1).min(inner.height.saturating_sub(self.fields.len() as u16 + 1));
            let area = Rect { height: h, ..inner };
            let rows: Vec<Line> = rows.into_iter().map(|r| Line::styled(r, theme.dim())).collect();
            f.render_widget(Paragraph::new(rows), area);
            inner = Rect { y: inner.y + h, height: inner.height - h, ..inner };
        }
        let mut lines: Vec<Line> = Vec::new();
        let value_w = inner.width.saturating_sub(label_w + 1) as usize;
        let mut cursor = None;
        for (i, field) in self.fields.iter().enumerate() {
            let focused = i == self.focus;
            let label = Span::styled(
                format!("{:>w$} ", field.label, w = label_w as usize - 1),
                if focused { theme.accent() } else { theme.dim() },
            );
            let (shown, cur) = match &field.kind {
                FieldKind::Choice(opts) => {
                    let v = opts.get(field.choice).cloned().unwrap_or_default();
                    (format!("‹ {v} ›"), None)
                }
                FieldKind::Secret => {
                    let n = field.input.value().chars().count();
                    let scroll = n.saturating_sub(value_w.saturating_sub(1));
                    ("•".repeat(n - scroll), Some(n - scroll))
                }
                FieldKind::Text => {
                    let scroll = field.input.visual_scroll(value_w.saturating_sub(1));
                    let v: String = field.input.value().chars().skip(scroll).take(value_w).collect();
                    (v, Some(field.input.visual_cursor().saturating_sub(scroll)))
                }
            };
            let style = if focused { theme.selected() } else { theme.text() };
            let pad = value_w.saturating_sub(shown.chars().count());
            lines.push(Line::from(vec![label, Span::styled(format!("{shown}{}", " ".repeat(pad)), style)]));
            if focused && let Some(c) = cur {
                let y = inner.y + lines.len() as u16 - 1;
                cursor = Some((inner.x + label_w + c as u16, y));
            }
        }
        lines.push(Line::raw(""));
        match (&self.error, self.busy) {
            (_, true) => lines.push(Line::styled("working…", theme.dim())),
            (Some(e), _) => lines.push(Line::styled(e.clone(), theme.error())),
            _ => lines.push(Line::raw("")),
        }
        // The hint has the last row to itself, so a long note never pushes it out of sight.
        let hint = Rect { y: inner.bottom().saturating_sub(1), height: inner.height.min(1), ..inner };
        let body = Rect { height: inner.height.saturating_sub(1), ..inner };
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
        f.render_widget(
            Paragraph::new(Line::styled(format!("enter {} · tab next · esc cancel", self.submit_label), theme.dim())),
            hint,
        );
        if let Some((x, y)) = cursor
            && x < inner.right()
            && y < inner.bottom()
        {
            f.set_cursor_position((x, y));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    const NAME: Key = Key("Name");
    const ROLE: Key = Key("Role");
    const PASSWORD: Key = Key("Password");
    const DAYS: Key = Key("Valid days");

    #[test]
    fn typing_tabbing_and_submitting() {
        let mut form = Form::new(
            "t",
            vec![Field::text(NAME), Field::choice(ROLE, &["admin", "viewer"], "viewer"), Field::secret(PASSWORD)],
        );
        for c in "ann".chars() {
            form.handle_key(&key(KeyCode::Char(c)));
        }
        assert_eq!(form.handle_key(&key(KeyCode::Enter)), FormOutcome::Submit, "Enter submits from any field");
        form.handle_key(&key(KeyCode::Tab));
        form.handle_key(&key(KeyCode::Right));
        assert_eq!(form.value(ROLE), "admin");
        form.handle_key(&key(KeyCode::Tab));
        form.handle_key(&key(KeyCode::Char('x')));
        assert_eq!(form.value(NAME), "ann");
        assert_eq!(form.value(PASSWORD), "x");
        assert_eq!(form.handle_key(&key(KeyCode::Enter)), FormOutcome::Submit);
        form.clear_secrets();
        assert_eq!(form.value(PASSWORD), "");
        assert_eq!(form.handle_key(&key(KeyCode::Esc)), FormOutcome::Cancel);
    }

    #[test]
    fn optional_numbers_are_empty_or_in_range() {
        let form = |v: &str| Form::new("t", vec![Field::text(DAYS).with_value(v)]);
        assert_eq!(form("").optional_number(DAYS, 1..=90), Ok(None));
        assert_eq!(form(" 7 ").optional_number(DAYS, 1..=90), Ok(Some(7)));
        let bad = Err("Valid days: a whole number from 1 to 90, or empty.".to_string());
        assert_eq!(form("91").optional_number(DAYS, 1..=90), bad);
        assert_eq!(form("a week").optional_number(DAYS, 1..=90), bad);
    }

    #[test]
    #[should_panic(expected = "has no field")]
    fn reading_a_key_the_form_lacks_stops_debug_builds() {
        Form::new("t", vec![Field::text(NAME)]).value(ROLE);
    }
}
