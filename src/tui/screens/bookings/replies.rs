//! The Bookings tab as a [`Screen`]: its keys, the engine's answers, palette commands and
//! forms.

use super::forms::{END, UNTIL};
use super::rows::Local;
use super::{BookingsScreen, FormKind, Section, forms, view};
use crate::domain::rbac::Actor;
use crate::domain::rbac::{Action as Perm, Resource};
use crate::engine::accounts::Session;
use crate::engine::bookings::{Op, Out};
use crate::engine::read::bookings::GroupDetail;
use crate::engine::{Command, Reply};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::screens::{Screen, Status, Taken};
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form};
use ratatui::Frame;
use ratatui::layout::Rect;

impl Screen for BookingsScreen {
    fn title(&self) -> &'static str {
        "Bookings"
    }

    fn home(&self, me: &Session) -> bool {
        super::is_approver(me)
    }

    fn context(&self) -> String {
        format!("bookings › {}", self.section.name())
    }

    /// The section's data, and once the approval limits (they rarely change).
    fn load(&mut self, me: &Session) -> Vec<Effect> {
        self.needs_approval = crate::domain::bookings::approval::needs_approval(&me.actor);
        let mut fx = self.loads(&me.actor);
        fx.push(BookingsScreen::send(&me.actor, Op::Approvers));
        fx
    }

    fn on_click(&mut self, x: u16, y: u16, me: &Session) -> Vec<Effect> {
        if self.table().click(x, y) { self.moved(&me.actor) } else { vec![] }
    }

    /// In front: reload what shows; behind: only the approvals count of the status bar.
    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        if !domains.iter().any(|d| d == crate::engine::read::bookings::DOMAIN) {
            return vec![];
        }
        if front { self.loads(&me.actor) } else { self.watch(me) }
    }

    /// Approvers see how many bookings wait for them in the status bar.
    fn watch(&mut self, me: &Session) -> Vec<Effect> {
        if me.actor.can(Resource::Booking, Perm::Update) {
            vec![BookingsScreen::send(&me.actor, Op::PendingCount)]
        } else {
            vec![]
        }
    }

    fn status(&self, me: &Session) -> Option<Status> {
        let n = self.pending_count;
        me.actor
            .can(Resource::Booking, Perm::Update)
            .then(|| Status { text: format!("⚑ {n} to approve"), urgent: n > 0 })
    }

    fn on_reply(&mut self, reply: Reply, me: &Session) -> Taken {
        match reply {
            Reply::Bookings(out) => Taken::Done(self.on_out(out, &me.actor)),
            other => Taken::NotMine(other),
        }
    }

    /// The keys this screen answers, for help.
    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
        let mut a = vec![(Action::NextView, "Next view"), (Action::PrevView, "Previous view")];
        match self.section {
            Section::Week | Section::Day | Section::Timeline => a.extend([
                (Action::Earlier, "Earlier (a day in the week view, an hour otherwise)"),
                (Action::Later, "Later"),
                (Action::Today, "Back to now"),
                (Action::Up, "Previous device"),
                (Action::Down, "Next device"),
                (Action::Mark, "Mark the device for a group booking"),
                (Action::MarkAll, "Mark every shown device / clear marks"),
                (Action::New, "Book the marked devices (conflicts shown before saving)"),
                (Action::FreeSlot, "Find a free slot for the marked devices"),
                (Action::Open, "Details of the booking under the cursor"),
                (Action::Extend, "Extend the booking under the cursor"),
                (Action::Move, "Move the booking under the cursor"),
                (Action::Delete, "Cancel the booking under the cursor"),
                (Action::Filter, "Filter devices by name, type, status or tag"),
            ]),
            Section::Devices => a.extend([
                (Action::New, "New device"),
                (Action::Open, "Edit the device"),
                (Action::Maintenance, "Add a maintenance window"),
                (Action::Owner, "Transfer, assign or revoke an owner"),
                (Action::Health, "Record health"),
                (Action::Delete, "Retire the device (history stays)"),
            ]),
            Section::List => a.extend([
                (Action::Open, "Details"),
                (Action::Extend, "Extend (to at most the latest possible end)"),
                (Action::Move, "Move to another time"),
                (Action::Favorite, "Save the devices as a favorite"),
                (Action::Comment, "Comment"),
                (Action::Collaborator, "Add or remove a collaborator"),
                (Action::Delete, "Cancel the booking"),
            ]),
            Section::Approvals => a.extend([
                (Action::Approve, "Approve (within your approval limits)"),
                (Action::Reject, "Reject with a comment"),
                (Action::Open, "Details"),
            ]),
            Section::Favorites => {
                a.extend([(Action::Open, "Rebook in one step"), (Action::Delete, "Remove the favorite")])
            }
            Section::Topologies if self.editor.is_some() => {
                a.extend([
                    (Action::Up, "Previous node or link"),
                    (Action::Down, "Next node or link"),
                    (Action::New, "Add a node: pick a device"),
                    (Action::AddLink, "Link two free ports"),
                    (Action::Delete, "Remove the selected node or link"),
                    (Action::Rename, "Rename the topology"),
                    (Action::BookTopology, "Book every device at once (all or none)"),
                    (Action::Review, "Submit for review (no edits until it is decided)"),
                    (Action::Approve, "Approve the review"),
                    (Action::Reject, "Reject the review"),
                    (Action::Back, "Back to the topologies"),
                    (Action::Refresh, "Reload"),
                ]);
                return a;
            }
            Section::Topologies => a.extend([
                (Action::Open, "Open the topology: draw and edit it"),
                (Action::New, "New topology (the devices marked in the calendar become its nodes)"),
                (Action::BookTopology, "Book every device of the topology at once"),
                (Action::Review, "Submit for review (counts conflicts)"),
                (Action::Approve, "Approve the review"),
                (Action::Reject, "Reject the review"),
            ]),
        }
        a.extend([(Action::Export, "Export bookings (iCalendar or CSV)"), (Action::Refresh, "Reload")]);
        a
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        self.act(action, &me.actor)
    }

    /// Filter what shows; a topology the filter selects is loaded to be drawn.
    fn on_filter(&mut self, text: &str, _: bool, me: &Session) -> Vec<Effect> {
        self.set_filter(text);
        match self.section {
            Section::Topologies => self.topology_detail(&me.actor),
            _ => vec![],
        }
    }

    fn filter(&mut self) -> String {
        self.current_filter()
    }

    fn on_command(&mut self, verb: Verb, _: &[String], _: bool, me: &Session) -> Option<Vec<Effect>> {
        let section = match verb {
            Verb::Bookings => Section::Week,
            Verb::Approvals => Section::Approvals,
            Verb::Devices => Section::Devices,
            _ => return None,
        };
        let mut fx = vec![Effect::Front];
        fx.extend(self.show(section, &me.actor));
        Some(fx)
    }

    /// The command a submitted dialog of this tab becomes.
    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let kind = self.asked.as_ref().ok_or("This form is no longer open.")?;
        forms::command(&self.cal, form, kind, &me.actor)
    }

    /// Refresh a dialog's note as it is edited (the booking dialog's conflicts).
    fn form_edited(&mut self, form: &mut Form) {
        if let Some(kind @ (FormKind::Book { .. } | FormKind::BookTopology { .. })) = self.asked.clone() {
            self.noted(form, &kind);
        }
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, me: &Session) {
        self.draw(f, area, theme, &me.actor)
    }
}

impl BookingsScreen {
    /// Take an answer from the engine: what it shows, and a toast when a change went through.
    fn on_out(&mut self, out: Out, actor: &Actor) -> Vec<Effect> {
        let tz = self.cal.tz;
        match out {
            Out::Calendar(c) => {
                self.devices.set_rows(c.devices.clone());
                self.cal.set_data(*c);
                self.fill_list();
            }
            Out::DeviceDetail { id, owners, health } => self.device_detail = Some((id, owners, health)),
            Out::Pending(p) => {
                self.pending_count = p.len() as i64;
                self.pending.set_rows(p.into_iter().map(|g| Local(g, tz)).collect());
            }
            Out::PendingCount(n) => self.pending_count = n,
            Out::Favorites(f) => self.favorites.set_rows(f),
            Out::Topologies(t) => {
                self.topologies.set_rows(t.into_iter().map(|t| Local(t, tz)).collect());
                return self.topology_detail(actor);
            }
            Out::Topology(t) => {
                if let Some(e) = &mut self.editor
                    && e.id == t.row.id
                {
                    e.item = e.item.min((t.nodes.len() + t.links.len()).saturating_sub(1));
                }
                self.topology = Some(*t);
            }
            Out::Approvers { mine, approvers } => {
                self.my_limits = mine;
                self.approvers = approvers;
            }
            Out::Conflicts { rows, .. } => {
                let text = rows
                    .iter()
                    .map(|r| format!("{} {}–{}", r.username, self.cal.stamp(r.starts_at), self.cal.hm(r.ends_at)));
                let lines: Vec<String> = text.collect();
                return vec![Effect::Open(Overlay::Report { title: "conflicts".into(), lines, scroll: 0 })];
            }
            Out::FreeSlot(slot) => {
                return match slot {
                    Some(at) => {
                        let devices = self.cal.targets();
                        let (form, kind) = forms::book(&self.cal, devices, at.start);
                        let mut form = form;
                        form.set(END, Field::text(END).with_value(&self.cal.stamp(at.end)));
                        self.noted(&mut form, &kind);
                        self.cal.cursor = at.start;
                        self.form(form, kind)
                    }
                    None => vec![Effect::Error("No free slot in the next four weeks.".into())],
                };
            }
            Out::Group(g) => return self.group_opened(*g),
            Out::Booked { skipped, message, .. } => {
                self.cal.marks.clear();
                if skipped.is_empty() {
                    return vec![Effect::Info(message)];
                }
                let lines = skipped.iter().map(|(d, why)| format!("{d}  skipped: {why}")).collect();
                return vec![
                    Effect::Info(message.clone()),
                    Effect::Open(Overlay::Report { title: message, lines, scroll: 0 }),
                ];
            }
            Out::Done(m) => return vec![Effect::Info(m)],
        }
        vec![]
    }

    fn group_opened(&mut self, g: GroupDetail) -> Vec<Effect> {
        if self.extend_wanted.take() == Some(g.id) {
            let end = g.bookings.iter().map(|b| b.ends_at).max().unwrap_or_else(|| self.now());
            let latest = g.latest_end.unwrap_or(end);
            let form =
                Form::new(format!("extend {}", g.title), vec![Field::text(UNTIL).with_value(&self.cal.stamp(latest))])
                    .submit_label("extend")
                    .note(format!(
                        "Now ends {}. Latest possible end: {}.",
                        self.cal.stamp(end),
                        self.cal.stamp(latest)
                    ));
            return self.form(form, FormKind::Extend { group: g.id });
        }
        let lines = view::group_lines(&self.cal, &g);
        vec![Effect::Open(Overlay::Report { title: format!("booking: {}", g.title), lines, scroll: 0 })]
    }
}
