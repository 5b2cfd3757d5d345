//! Keys for the overlays (help, reports, confirmations, the palette, forms) and the palette's
//! commands.

use super::*;

impl App {
    pub(super) fn on_overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help(scroll) => {
                let action = self.keymap.action(&key);
                if matches!(key.code, KeyCode::Esc | KeyCode::Enter) || action == Some(Action::Help) {
                    return;
                }
                // At most one row per help line; the view clamps it to what the box can show.
                self.overlay = Some(Overlay::Help(scrolled(action, scroll, self.help_rows().1.len())));
            }
            Overlay::Secret { .. } => {}
            Overlay::Report { title, lines, scroll } => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                    return;
                }
                let scroll = scrolled(self.keymap.action(&key), scroll, lines.len().saturating_sub(1));
                self.overlay = Some(Overlay::Report { title, lines, scroll });
            }
            Overlay::Confirm { title, message, on_yes } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let id = self.send(on_yes, self.overlay_owner);
                    if let Some(form) = &mut self.parked {
                        form.sent(id);
                    }
                }
                KeyCode::Char('n') | KeyCode::Esc => {
                    if let Some(mut form) = self.parked.take() {
                        form.fail("Not trusted: nothing was saved. Check the host, or Esc to leave.");
                        self.overlay = Some(Overlay::Form(form));
                    }
                }
                _ => self.overlay = Some(Overlay::Confirm { title, message, on_yes }),
            },
            Overlay::Palette(mut p) => match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => match p.resolve() {
                    Some((entry, args)) => self.run_command(entry, &args),
                    None => self.toasts.push(
                        ToastKind::Error,
                        format!("Unknown command '{}'. Tab completes.", p.input.value().trim()),
                    ),
                },
                KeyCode::Tab => {
                    p.complete();
                    self.overlay = Some(Overlay::Palette(p));
                }
                KeyCode::Down => {
                    p.chosen = (p.chosen + 1).min(p.matches().len().saturating_sub(1));
                    self.overlay = Some(Overlay::Palette(p));
                }
                KeyCode::Up => {
                    p.chosen = p.chosen.saturating_sub(1);
                    self.overlay = Some(Overlay::Palette(p));
                }
                _ => {
                    p.input.handle_event(&TermEvent::Key(key));
                    p.chosen = 0;
                    self.overlay = Some(Overlay::Palette(p));
                }
            },
            Overlay::Form(mut form) => {
                let outcome = form.handle_key(&key);
                if outcome == FormOutcome::Cancel {
                    return;
                }
                // The tab that opened the form turns it into its command.
                let owner = self.overlay_owner;
                if let (Phase::Shell(shell), Some(i)) = (&mut self.phase, owner)
                    && let Some(screen) = shell.tabs.get_mut(i)
                {
                    if outcome == FormOutcome::Edited {
                        screen.form_edited(&mut form);
                    } else {
                        match screen.on_form(&form, &shell.session) {
                            Ok(cmd) => form.sent(self.send(cmd, owner)),
                            Err(message) => form.fail(message),
                        }
                    }
                }
                self.overlay = Some(Overlay::Form(form));
            }
        }
    }

    /// A palette command: a key's action goes to the screen in front, as the key would; a
    /// verb to the first tab that answers it.
    pub(super) fn run_command(&mut self, entry: Entry, args: &[String]) {
        let verb = match entry {
            Entry::Action(Action::Help) => return self.apply(None, vec![Effect::Open(Overlay::Help(0))]),
            Entry::Action(Action::Quit) => return self.apply(None, vec![Effect::Quit]),
            Entry::Action(action) => {
                let Phase::Shell(shell) = &mut self.phase else {
                    return;
                };
                if action == Action::Refresh {
                    return self.with_screen(None, |s, me| s.load(me));
                }
                if shell.actions().iter().any(|(a, _)| *a == action) {
                    return self.on_shell_action(action);
                }
                let message = format!("'{}' does nothing here ({}).", action.name(), shell.context());
                return self.apply(None, vec![Effect::Error(message)]);
            }
            Entry::Verb(v) => v,
        };
        let Phase::Shell(shell) = &mut self.phase else {
            return;
        };
        if verb == crate::tui::palette::Verb::Signout {
            let cmd = Command::new(&shell.session.actor, AccountOp::SignOut);
            self.send(cmd, None);
            return;
        }
        let active = shell.active;
        for i in 0..shell.tabs.len() {
            if let Some(fx) = shell.tabs[i].on_command(verb, args, i == active, &shell.session) {
                return self.apply(Some(i), fx);
            }
        }
        let message = format!("'{}' is not open to your role ({}).", verb.name(), verb.help());
        self.apply(None, vec![Effect::Error(message)]);
    }
}

/// A scrolled overlay's offset after `action` (the list movement keys, a page being 20 rows),
/// kept within 0..=`last`.
fn scrolled(action: Option<Action>, scroll: usize, last: usize) -> usize {
    match action.and_then(|a| crate::tui::widgets::table::movement(a, 20)) {
        Some(d) => (scroll as isize).saturating_add(d).clamp(0, last as isize) as usize,
        None => scroll,
    }
}
