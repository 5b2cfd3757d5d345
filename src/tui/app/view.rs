//! Drawing the shell: tabs, the screen in front, the filter line, the status bar, overlays
//! and toasts.

use super::*;

impl App {
    /// The help rows for where the user is now, from the live keymap.
    pub fn help_rows(&self) -> (String, Vec<(String, String)>) {
        let mut rows: Vec<(Action, &str)> = Vec::new();
        let context = match &self.phase {
            Phase::Shell(shell) => {
                rows.extend(shell.actions());
                rows.extend([
                    (Action::Up, "Move up"),
                    (Action::Down, "Move down"),
                    (Action::PageDown, "Page down"),
                    (Action::Top, "First row"),
                    (Action::Bottom, "Last row"),
                    (Action::NextTab, "Next tab"),
                    (Action::PrevTab, "Previous tab"),
                    (Action::Palette, "Command palette (tab completes)"),
                    (Action::Back, "Clear the filter / close"),
                    (Action::Quit, "Quit"),
                ]);
                shell.context()
            }
            _ => "sign in".into(),
        };
        let mut out: Vec<(String, String)> = Vec::new();
        for (a, what) in rows {
            if !out.iter().any(|(_, w)| w == what) {
                out.push((self.keymap.keys_label(a), what.to_string()));
            }
        }
        out.push(("ctrl+c".into(), "Quit from anywhere".into()));
        (context, out)
    }

    pub fn view(&mut self, f: &mut Frame) {
        let area = f.area();
        if area.width < 30 || area.height < 8 {
            let msg = format!("labdeck needs at least 30×8 (now {}×{})", area.width, area.height);
            f.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
            return;
        }
        let theme = self.theme.clone();
        match &mut self.phase {
            Phase::Starting => f.render_widget(Paragraph::new("connecting to the database…").centered(), area),
            Phase::Gate(g) => g.view(f, area, &theme, &self.demo, &self.org),
            Phase::Shell(shell) => {
                let [tabs, body, status] =
                    Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
                render_tabs(f, tabs, &theme, shell, &self.keymap);
                let (body, filter_line) = if shell.filter.is_some() {
                    let [b, l] = Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(body);
                    (b, Some(l))
                } else {
                    (body, None)
                };
                let active = shell.active;
                if let Some(screen) = shell.tabs.get_mut(active) {
                    screen.view(f, body, &theme, &shell.session);
                }
                if let (Some(line), Some(input)) = (filter_line, &shell.filter) {
                    f.render_widget(
                        Line::from(vec![Span::styled("/", theme.accent()), Span::raw(input.value().to_string())]),
                        line,
                    );
                    f.set_cursor_position((line.x + 1 + input.visual_cursor() as u16, line.y));
                }
                render_status(f, status, &theme, shell, self.backend, self.store_down.is_some(), self.clock);
            }
        }
        match &self.overlay {
            None => {}
            Some(Overlay::Help(scroll)) => {
                let (context, rows) = self.help_rows();
                overlay::render_help(f, area, &theme, &context, &rows, *scroll);
            }
            Some(Overlay::Palette(p)) => overlay::render_palette(
                f,
                area,
                &theme,
                p.input.value(),
                p.input.visual_cursor(),
                &p.matches(),
                p.chosen,
            ),
            Some(Overlay::Confirm { title, message, .. }) => {
                overlay::render_confirm(f, area, &theme, &ConfirmView { title, message })
            }
            Some(Overlay::Secret { message, secret }) => overlay::render_secret(f, area, &theme, message, secret),
            Some(Overlay::Report { title, lines, scroll }) => {
                overlay::render_report(f, area, &theme, title, lines, *scroll)
            }
            Some(Overlay::Form(form)) => {
                let r = crate::tui::widgets::centered(area, 72, form.height(72));
                form.render(f, r, &theme);
            }
        }
        self.toasts.render(f, area, &theme);
    }
}

/// The tab bar starts with the program's name; the tabs follow.
const TAB_BAR_TITLE: &str = " labdeck ";
pub(super) const TAB_BAR_LEAD: u16 = TAB_BAR_TITLE.len() as u16;

/// A tab as the tab bar shows it (its width is what a click is matched against).
pub(super) fn tab_label(t: &dyn Screen) -> String {
    match t.badge() {
        0 => format!(" {} ", t.title()),
        n => format!(" {} ({n}) ", t.title()),
    }
}

fn render_tabs(f: &mut Frame, area: Rect, theme: &Theme, shell: &Shell, keymap: &Keymap) {
    let mut spans = vec![Span::styled(TAB_BAR_TITLE, theme.accent())];
    for (i, t) in shell.tabs.iter().enumerate() {
        let style = if i == shell.active { theme.selected() } else { theme.dim() };
        spans.push(Span::styled(tab_label(t.as_ref()), style));
    }
    let hints = format!(
        "{} help  {} command  {} filter  {} quit ",
        keymap.hint(Action::Help),
        keymap.hint(Action::Palette),
        keymap.hint(Action::Filter),
        keymap.hint(Action::Quit)
    );
    let left: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(left);
    if room > hints.chars().count() {
        spans.push(Span::raw(" ".repeat(room - hints.chars().count())));
        spans.push(Span::styled(hints, theme.dim()));
    }
    f.render_widget(Line::from(spans), area);
}

fn render_status(
    f: &mut Frame,
    area: Rect,
    theme: &Theme,
    shell: &Shell,
    backend: &str,
    down: bool,
    clock: crate::config::Clock,
) {
    let u = &shell.session.user;
    let mut spans = vec![
        Span::styled(format!(" {} ", u.username), theme.selected()),
        Span::styled(format!(" {} ", u.role), theme.dim()),
        Span::styled(format!("│ {backend} "), theme.dim()),
        Span::styled(format!("│ ✉ {} ", shell.unread), if shell.unread > 0 { theme.warn() } else { theme.dim() }),
    ];
    for segment in shell.tabs.iter().filter_map(|t| t.status(&shell.session)) {
        let style = if segment.urgent { theme.warn() } else { theme.dim() };
        spans.push(Span::styled(format!("│ {} ", segment.text), style));
    }
    if down {
        spans.push(Span::styled("│ database unreachable ", theme.error()));
    }
    let right = clock.format(Local::now()).map(|t| format!(" {t} ")).unwrap_or_default();
    let left: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(left + right.chars().count());
    spans.push(Span::raw(" ".repeat(room)));
    spans.push(Span::styled(right, theme.dim()));
    f.render_widget(Line::from(spans), area);
}
