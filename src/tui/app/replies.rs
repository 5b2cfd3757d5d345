//! The engine's events: answers routed by request id (stale loads dropped, failures to the
//! request that caused them), database changes, the database's state.

use super::*;

impl App {
    pub(super) fn on_engine(&mut self, event: Event) -> bool {
        match event {
            Event::Reply { id, reply } => {
                let wanted = self.requests.wanted(id);
                if !matches!(&reply, Reply::Guests(b) if b.more) {
                    self.requests.done(id);
                }
                // An answer to a load that a newer one of its kind superseded: stale, dropped.
                return wanted && self.on_reply(id, reply);
            }
            Event::Failed { id, origin, message } => {
                let (wanted, kind) = (self.requests.wanted(id), self.requests.kind(id));
                self.requests.done(id);
                if kind == Some("inventory.guests")
                    && let Phase::Shell(shell) = &mut self.phase
                {
                    // Even a superseded guest load frees the way for the next one.
                    shell.inventory.guests_failed();
                }
                if !wanted {
                    return false;
                }
                tracing::debug!(origin, "request failed");
                // The failure goes to the request that caused it: the form that sent it, or a
                // toast; never to a form that happens to be open, waiting for something else.
                match (&mut self.phase, &mut self.overlay) {
                    (_, Some(Overlay::Form { form, .. })) if form.waits_for(id) => form.fail(message),
                    (Phase::Gate(g), _) if g.form.waits_for(id) => g.failed(&message),
                    // Badge counts: the status bar says when the database is unreachable.
                    _ if matches!(kind, Some("account.unread" | "support.unread" | "bookings.pending_count")) => {
                        return false;
                    }
                    _ => self.toasts.push(ToastKind::Error, message),
                }
            }
            Event::Changed(domains) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let mut fx = match shell.tab() {
                        Tab::Inventory => shell.inventory.on_changed(&domains, &actor),
                        Tab::Bookings => shell.bookings.on_changed(&domains, &actor),
                        Tab::Classes => shell.classes.on_changed(&domains, &actor),
                        Tab::Admin => shell.admin.on_changed(&domains, &actor),
                        Tab::Support => shell.support.on_changed(&domains, &actor),
                        Tab::Me if domains.iter().any(|d| d == "notifications" || d == "ssh_keys") => {
                            shell.account.load(&actor)
                        }
                        Tab::Me => vec![],
                    };
                    if shell.tab() != Tab::Bookings && domains.iter().any(|d| d == "bookings") {
                        fx.extend(pending_count(&actor));
                    }
                    if domains.iter().any(|d| d == "visitor_chat" || d == "threads")
                        && shell.tabs.contains(&Tab::Support)
                    {
                        fx.push(support_unread(&actor));
                    }
                    if domains.iter().any(|d| d == "notifications") {
                        fx.push(Effect::Send(Command::new(&actor, AccountOp::LoadUnread)));
                    }
                    self.apply(fx);
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

    /// Whether the form in front waits for request `id` (and so is answered by it).
    pub(super) fn form_waits_for(&self, id: RequestId) -> bool {
        matches!(&self.overlay, Some(Overlay::Form { form, .. }) if form.waits_for(id))
    }

    pub(super) fn on_reply(&mut self, id: RequestId, reply: Reply) -> bool {
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
                    self.toasts.push(ToastKind::Info, message);
                    return true;
                }
                if self.form_waits_for(id) {
                    self.overlay = None;
                }
                self.toasts.push(ToastKind::Info, message);
            }
            Reply::Secret { message, secret } => self.overlay = Some(Overlay::Secret { message, secret }),
            Reply::Report { title, lines } => self.overlay = Some(Overlay::Report { title, lines, scroll: 0 }),
            Reply::TrustPrompt { id, input, previous } => {
                let Phase::Shell(shell) = &self.phase else {
                    return false;
                };
                let message = match &previous {
                    Some(old) => format!(
                        "The certificate of {}:{} CHANGED. Pinned: {old}. Now: {}. Trust the new one only if you replaced it yourself.",
                        input.host, input.port, input.fingerprint
                    ),
                    None => format!(
                        "{}:{} presents a certificate with SHA-256 fingerprint {}. Compare it with the node's, then trust it?",
                        input.host, input.port, input.fingerprint
                    ),
                };
                let on_yes = Command::new(&shell.session.actor, InventoryOp::SaveCluster { id, input });
                self.overlay = Some(Overlay::Confirm { title: "trust this certificate?".into(), message, on_yes });
            }
            Reply::Bulk { title, lines } => self.on_bulk(id, title, lines),
            Reply::Bookings(out) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let (fx, toast) = shell.bookings.on_out(out, &actor);
                    if let Some(message) = toast {
                        if self.form_waits_for(id) {
                            self.overlay = None;
                        }
                        self.toasts.push(ToastKind::Info, message);
                    }
                    self.apply(fx);
                }
            }
            Reply::Support(out) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let fx = shell.support.on_reply(&out, &actor);
                    self.apply(fx);
                }
            }
            Reply::Guests(batch) => {
                if let Phase::Shell(shell) = &mut self.phase {
                    let actor = shell.session.actor.clone();
                    let fx = shell.inventory.take_batch(*batch, &actor);
                    self.apply(fx);
                }
            }
            other => {
                if let Phase::Shell(shell) = &mut self.phase {
                    // Every screen sees the reply: one answer (the cluster overview) feeds two.
                    let inventory = shell.inventory.on_reply(&other);
                    let classes = shell.classes.on_reply(&other);
                    let admin = shell.admin.on_reply(&other);
                    let account = shell.account.on_reply(&other);
                    return inventory | classes | admin | account;
                }
                return false;
            }
        }
        true
    }

    /// A bulk action's results: a toast when one guest went through, else a report with a
    /// line per guest (submitted, skipped and why, failed and why).
    pub(super) fn on_bulk(&mut self, id: RequestId, title: String, lines: Vec<crate::engine::inventory::BulkLine>) {
        use crate::engine::inventory::BulkOutcome;
        if let Phase::Shell(shell) = &mut self.phase {
            shell.inventory.list.marks.clear();
        }
        if self.form_waits_for(id) {
            self.overlay = None;
        }
        let count = |f: fn(&BulkOutcome) -> bool| lines.iter().filter(|l| f(&l.outcome)).count();
        let ok = count(|o| matches!(o, BulkOutcome::Submitted(_)));
        let skipped = count(|o| matches!(o, BulkOutcome::Skipped(_)));
        let failed = count(|o| matches!(o, BulkOutcome::Failed(_)));
        if let ([one], 1) = (lines.as_slice(), ok) {
            self.toasts.push(ToastKind::Info, format!("{title}: {} ({}) submitted", one.name, one.vmid));
            return;
        }
        let text = lines
            .iter()
            .map(|l| {
                let what = match &l.outcome {
                    BulkOutcome::Submitted(upid) => format!("✓ submitted  {upid}"),
                    BulkOutcome::Skipped(why) => format!("– skipped: {why}"),
                    BulkOutcome::Failed(why) => format!("✗ failed: {why}"),
                };
                format!("{:<10} {:>6} {:<20} {what}", l.cluster, l.vmid, l.name)
            })
            .collect();
        let title = format!("{title}: {ok} submitted, {skipped} skipped, {failed} failed");
        self.overlay = Some(Overlay::Report { title, lines: text, scroll: 0 });
    }
}
