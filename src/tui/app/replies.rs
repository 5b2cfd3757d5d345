//! The engine's events: answers routed by request id to the tab that asked (stale loads
//! dropped, failures to the request that caused them), database changes, the database's state.

use super::*;

impl App {
    pub(super) fn on_engine(&mut self, event: Event) -> bool {
        match event {
            Event::Reply { id, reply } => {
                let (wanted, owner) = (self.requests.wanted(id), self.requests.owner(id));
                if self.parked.as_ref().is_some_and(|f| f.waits_for(id)) {
                    self.parked = None;
                }
                if let Some(screen) = self.tab_mut(owner) {
                    screen.answered(id);
                }
                if !matches!(&reply, Reply::Guests(b) if b.more) {
                    self.requests.done(id);
                }
                // An answer to a load that a newer one of its kind superseded: stale, dropped.
                return wanted && self.on_reply(id, owner, reply);
            }
            Event::Failed { id, origin, message } => {
                let (wanted, kind, owner) = (self.requests.wanted(id), self.requests.kind(id), self.requests.owner(id));
                self.requests.done(id);
                // Even a superseded load frees its screen for the next one; a form the screen
                // keeps itself (the support compose box) shows the failure there.
                let shown = self.tab_mut(owner).is_some_and(|s| s.on_failed(id, kind, &message));
                if !wanted {
                    return false;
                }
                if shown {
                    return true;
                }
                tracing::debug!(origin, "request failed");
                if self.parked.as_ref().is_some_and(|f| f.waits_for(id))
                    && let Some(mut form) = self.parked.take()
                {
                    // The confirmed save failed: the form comes back as typed, with why.
                    form.fail(message);
                    self.overlay = Some(Overlay::Form(form));
                    return true;
                }
                // The failure goes to the request that caused it: the form that sent it, or a
                // toast; never to a form that happens to be open, waiting for something else.
                match (&mut self.phase, &mut self.overlay) {
                    (_, Some(Overlay::Form(form))) if form.waits_for(id) => form.fail(message),
                    (Phase::Gate(g), _) if g.form.waits_for(id) => g.failed(&message),
                    // Badge counts: the status bar says when the database is unreachable.
                    _ if matches!(kind, Some("account.unread" | "support.unread" | "bookings.pending_count")) => {
                        return false;
                    }
                    _ => self.toasts.push(ToastKind::Error, message),
                }
            }
            Event::SessionEnded { id, message } => {
                self.requests.done(id);
                // The first refusal signs out; later ones (loads in flight) find the gate.
                if !matches!(self.phase, Phase::Shell(_)) {
                    return false;
                }
                if self.quit_on_sign_out {
                    // An SSH session signed in by its key has no sign-in screen to go back to.
                    self.quit = true;
                    return false;
                }
                let mut gate = Gate::sign_in();
                gate.form.error = Some(message.clone());
                self.phase = Phase::Gate(gate);
                self.overlay = None;
                self.toasts.push(ToastKind::Error, message);
            }
            Event::Changed(domains) => {
                let (n, active) = match &self.phase {
                    Phase::Shell(shell) => (shell.tabs.len(), shell.active),
                    _ => return false,
                };
                // The tab in front reloads what it shows; those behind, their badges.
                for i in 0..n {
                    self.with_screen(Some(i), |s, me| s.on_changed(&domains, i == active, me));
                }
                if domains.iter().any(|d| d == "notifications")
                    && let Phase::Shell(shell) = &self.phase
                {
                    let cmd = Command::new(&shell.session.actor, AccountOp::LoadUnread);
                    self.send(cmd, None);
                }
                return false;
            }
            Event::StoreDown(message) => {
                self.toasts.push(ToastKind::Error, format!("Database unreachable: {message}"));
                self.store_down = Some(message);
            }
            Event::StoreUp => {
                self.store_down = None;
                self.toasts.push(ToastKind::Info, "Database reachable again.");
            }
        }
        true
    }

    pub(super) fn on_reply(&mut self, id: RequestId, owner: Option<usize>, reply: Reply) -> bool {
        // An answer to the form in front closes it; what the answer shows comes next. A
        // confirmation it asks for (a certificate to trust) keeps the form aside, as typed.
        if matches!(&self.overlay, Some(Overlay::Form(form)) if form.waits_for(id))
            && let Some(Overlay::Form(form)) = self.overlay.take()
        {
            self.parked = Some(form);
            let shown = self.on_answer(id, owner, reply);
            if !matches!(self.overlay, Some(Overlay::Confirm { .. })) {
                self.parked = None;
            }
            return shown;
        }
        self.on_answer(id, owner, reply)
    }

    fn on_answer(&mut self, _id: RequestId, owner: Option<usize>, reply: Reply) -> bool {
        match reply {
            Reply::Setup { needs_first_admin, org } => {
                if let Some(org) = org {
                    self.org = org;
                }
                self.phase = Phase::Gate(if needs_first_admin { Gate::first_admin() } else { Gate::sign_in() });
            }
            Reply::SignedIn(session) => {
                let typed = match &mut self.phase {
                    Phase::Gate(g) => g.take_password(),
                    _ => None,
                };
                match typed {
                    Some(current) if session.user.must_change_password => {
                        self.phase = Phase::Gate(Gate::must_change(*session, current))
                    }
                    _ => self.enter_shell(*session),
                }
            }
            Reply::SignedOut if self.quit_on_sign_out => self.quit = true,
            Reply::SignedOut => {
                self.phase = Phase::Gate(Gate::sign_in());
                self.overlay = None;
            }
            Reply::Unread(n) => {
                if let Phase::Shell(s) = &mut self.phase {
                    s.unread = n;
                }
            }
            Reply::Done(message) => {
                if let Phase::Gate(g) = &mut self.phase
                    && let Mode::MustChange { session, .. } = &g.mode
                {
                    let session = (**session).clone();
                    self.enter_shell(session);
                }
                self.toasts.push(ToastKind::Info, message);
            }
            Reply::Secret { message, secret } => self.overlay = Some(Overlay::Secret { message, secret }),
            Reply::Report { title, lines } => self.overlay = Some(Overlay::Report { title, lines, scroll: 0 }),
            other => return self.route_to_tabs(owner, other),
        }
        true
    }

    /// A domain's answer: to the tab that asked, else to the first tab that takes it.
    fn route_to_tabs(&mut self, owner: Option<usize>, mut reply: Reply) -> bool {
        let Phase::Shell(shell) = &mut self.phase else {
            return false;
        };
        let order: Vec<usize> = owner.into_iter().chain((0..shell.tabs.len()).filter(|i| Some(*i) != owner)).collect();
        for i in order {
            let Some(screen) = shell.tabs.get_mut(i) else { continue };
            match screen.on_reply(reply, &shell.session) {
                Taken::Done(fx) => {
                    self.apply(Some(i), fx);
                    return true;
                }
                Taken::NotMine(back) => reply = back,
            }
        }
        false
    }
}
