//! Keys for the overlays (help, reports, confirmations, the palette, forms) and the palette's
//! commands.

use super::*;

impl App {
    pub(super) fn on_overlay_key(&mut self, key: KeyEvent) {
        let Some(overlay) = self.overlay.take() else {
            return;
        };
        match overlay {
            Overlay::Help => {
                if !(key.code == KeyCode::Esc
                    || self.keymap.action(&key) == Some(Action::Help)
                    || key.code == KeyCode::Enter)
                {
                    self.overlay = Some(Overlay::Help);
                }
            }
            Overlay::Secret { .. } => {}
            Overlay::Report { title, lines, scroll } => {
                let scroll = match self.keymap.action(&key) {
                    Some(Action::Down) => (scroll + 1).min(lines.len().saturating_sub(1)),
                    Some(Action::Up) => scroll.saturating_sub(1),
                    Some(Action::PageDown) => (scroll + 20).min(lines.len().saturating_sub(1)),
                    Some(Action::PageUp) => scroll.saturating_sub(20),
                    _ if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) => {
                        return;
                    }
                    _ => scroll,
                };
                self.overlay = Some(Overlay::Report { title, lines, scroll });
            }
            Overlay::Confirm { title, message, on_yes } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    let id = self.send(on_yes);
                    if let Some((form, _)) = &mut self.parked {
                        form.sent(id);
                    }
                }
                KeyCode::Char('n') | KeyCode::Esc => {
                    if let Some((mut form, purpose)) = self.parked.take() {
                        form.fail("Not trusted: nothing was saved. Check the host, or Esc to leave.");
                        self.overlay = Some(Overlay::Form { form, purpose });
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
            Overlay::Form { mut form, purpose } => match form.handle_key(&key) {
                FormOutcome::Cancel => {}
                FormOutcome::Edited => {
                    if let (Phase::Shell(shell), FormPurpose::Bookings(kind)) = (&self.phase, &purpose) {
                        shell.bookings.form_edited(&mut form, kind);
                    }
                    self.overlay = Some(Overlay::Form { form, purpose })
                }
                FormOutcome::Submit => {
                    match self.form_command(&form, &purpose) {
                        Ok(cmd) => form.sent(self.send(cmd)),
                        Err(message) => form.fail(message),
                    }
                    self.overlay = Some(Overlay::Form { form, purpose });
                }
            },
        }
    }

    pub(super) fn run_command(&mut self, entry: Entry, args: &[String]) {
        let verb = match entry {
            // A key's action from the palette goes where the key would: to the screen in
            // front, if it offers it here.
            Entry::Action(Action::Help) => return self.apply(vec![Effect::Open(Overlay::Help)]),
            Entry::Action(Action::Quit) => return self.apply(vec![Effect::Quit]),
            Entry::Action(action) => {
                let Phase::Shell(shell) = &mut self.phase else {
                    return;
                };
                if action == Action::Refresh {
                    let fx = shell.load_tab();
                    return self.apply(fx);
                }
                if shell.actions().iter().any(|(a, _)| *a == action) {
                    return self.on_shell_action(action);
                }
                let message = format!("'{}' does nothing here ({}).", action.name(), shell.context());
                return self.apply(vec![Effect::Error(message)]);
            }
            Entry::Verb(v) => v,
        };
        let Phase::Shell(shell) = &mut self.phase else {
            return;
        };
        let name = verb.name();
        let actor = shell.session.actor.clone();
        let goto_admin = |shell: &mut Shell, s: Section| -> Vec<Effect> {
            match shell.tabs.iter().position(|t| *t == Tab::Admin) {
                Some(i) => {
                    shell.active = i;
                    shell.admin.show(s, &actor)
                }
                None => vec![Effect::Error("Your role has no Admin tab.".into())],
            }
        };
        let args_ref: Vec<&str> = args.iter().map(String::as_str).collect();
        let fx = match verb {
            V::Admin => match shell.tabs.iter().position(|t| *t == Tab::Admin) {
                Some(i) => {
                    shell.active = i;
                    shell.load_tab()
                }
                None => vec![Effect::Error("Your role has no Admin tab.".into())],
            },
            V::Bookings | V::Approvals | V::Devices => match shell.tabs.iter().position(|t| *t == Tab::Bookings) {
                Some(i) => {
                    use crate::tui::screens::bookings::Section as B;
                    shell.active = i;
                    let s = match verb {
                        V::Approvals => B::Approvals,
                        V::Devices => B::Devices,
                        _ => B::Week,
                    };
                    shell.bookings.show(s, &actor)
                }
                None => vec![Effect::Error("Your role has no Bookings tab.".into())],
            },
            V::Support => match shell.tabs.iter().position(|t| *t == Tab::Support) {
                Some(i) => {
                    shell.active = i;
                    shell.load_tab()
                }
                None => vec![Effect::Error("Your role has no Support tab.".into())],
            },
            V::Me => {
                shell.active = shell.tabs.iter().position(|t| *t == Tab::Me).unwrap_or(0);
                shell.load_tab()
            }
            V::Inventory | V::Tasks | V::Isos | V::Templates => {
                match shell.tabs.iter().position(|t| *t == Tab::Inventory) {
                    Some(i) => {
                        use crate::tui::screens::inventory::View;
                        shell.active = i;
                        shell.inventory.view = match verb {
                            V::Tasks => View::Tasks,
                            V::Isos => View::Isos,
                            V::Templates => View::Templates,
                            _ => View::Guests,
                        };
                        shell.load_tab()
                    }
                    None => vec![Effect::Error("Your role has no Inventory tab.".into())],
                }
            }
            V::Snapshot | V::Rollback | V::Delsnap if shell.tab() == Tab::Inventory => {
                use crate::domain::inventory::ops::GuestOp;
                let snap = || {
                    args.first().cloned().filter(|n| {
                        n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && n.len() <= 40
                    })
                };
                let op = match verb {
                    V::Snapshot => snap().map(GuestOp::Snapshot),
                    V::Rollback => snap().map(GuestOp::Rollback),
                    _ => snap().map(GuestOp::DeleteSnapshot),
                };
                match op {
                    Some(op) => shell.inventory.op(op, &actor),
                    None => vec![Effect::Error(format!("usage: {name} NAME (letters, digits, '-' or '_')"))],
                }
            }
            V::Users => goto_admin(shell, Section::Users),
            V::Invitations => goto_admin(shell, Section::Invitations),
            V::Roles => goto_admin(shell, Section::Roles),
            V::Settings => goto_admin(shell, Section::Settings),
            V::Audit => goto_admin(shell, Section::Audit),
            V::NewUser => {
                let mut fx = goto_admin(shell, Section::Users);
                fx.extend(shell.admin.update(Action::New, &actor));
                fx
            }
            V::Invite => {
                let mut fx = goto_admin(shell, Section::Invitations);
                fx.extend(shell.admin.update(Action::New, &actor));
                fx
            }
            V::Set => match args {
                [key, value @ ..] if !value.is_empty() => {
                    vec![Effect::Send(Command::new(
                        &actor,
                        AdminOp::PutSetting { key: key.clone(), raw: value.join(" ") },
                    ))]
                }
                _ => vec![Effect::Error("usage: set KEY VALUE".into())],
            },
            V::Grant | V::Revoke => match admin::parse_grant(&args_ref) {
                Ok((role, grant)) => {
                    vec![Effect::Send(Command::new(
                        &actor,
                        AdminOp::SetRoleGrant { role, grant, granted: verb == V::Grant },
                    ))]
                }
                Err(e) => vec![Effect::Error(e)],
            },
            V::Classes | V::Join | V::Coowner | V::Scale | V::DisableCodes => {
                match shell.tabs.iter().position(|t| *t == Tab::Classes) {
                    Some(i) => {
                        let entering = shell.active != i;
                        shell.active = i;
                        let mut fx = if entering { shell.load_tab() } else { vec![] };
                        if verb != V::Classes {
                            fx.extend(shell.classes.command(name, args, &actor));
                        }
                        fx
                    }
                    None => vec![Effect::Error("Your role has no Classes tab.".into())],
                }
            }
            V::Passwd => vec![change_password_form()],
            V::ReadAll => vec![Effect::Send(Command::new(&actor, AccountOp::MarkRead { id: None }))],
            V::Signout => vec![Effect::Send(Command::new(&actor, AccountOp::SignOut))],
            V::Snapshot | V::Rollback | V::Delsnap => {
                vec![Effect::Error(format!("'{name}' works on guests in the Inventory tab."))]
            }
        };
        self.apply(fx);
    }
}
