//! What the Bookings tab's keys do in each section: the calendar, bookings, approvals,
//! favorites, devices and topologies.

use super::calendar::Zoom;
use super::forms::{COMMENT, DO, END, FROM, HEALTH, HOURS, NAME, NOTES, REASON, USER};
use super::{BookingsScreen, FormKind, Section, forms};
use crate::domain::rbac::Actor;
use crate::engine::Command;
use crate::engine::bookings::Op;
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::movement;
use chrono::Duration;
use uuid::Uuid;

impl BookingsScreen {
    pub(super) fn calendar_action(&mut self, zoom: Zoom, action: Action, actor: &Actor) -> Vec<Effect> {
        if let Some(d) = movement(action, self.cal.page.max(1) as isize) {
            self.cal.step_rows(d);
            return vec![];
        }
        let moved = match action {
            Action::Earlier => {
                self.cal.step_time(zoom, -1);
                true
            }
            Action::Later => {
                self.cal.step_time(zoom, 1);
                true
            }
            Action::Today => {
                self.cal.cursor = self.now();
                true
            }
            _ => false,
        };
        if moved {
            return if self.cal.needs_load() { self.loads(actor) } else { vec![] };
        }
        match action {
            Action::Mark => {
                self.cal.toggle_mark();
                self.cal.step_rows(1);
                vec![]
            }
            Action::MarkAll => {
                if self.cal.marks.is_empty() {
                    let ids: Vec<Uuid> = self.cal.visible.iter().map(|&i| self.cal.data.devices[i].id).collect();
                    self.cal.marks.extend(ids);
                } else {
                    self.cal.marks.clear();
                }
                vec![]
            }
            Action::New => {
                let devices = self.cal.targets();
                if devices.is_empty() {
                    return vec![Effect::Error("No device to book: clear the filter or add one.".into())];
                }
                let (mut form, kind) = forms::book(&self.cal, devices, self.default_start());
                self.noted(&mut form, &kind);
                self.form(form, kind)
            }
            Action::FreeSlot => {
                let devices = self.cal.targets();
                let form = Form::new(
                    "find a free slot",
                    vec![
                        Field::text(HOURS).with_value("2"),
                        Field::text(FROM).with_value(&self.cal.stamp(self.cal.cursor_hour())),
                    ],
                )
                .submit_label("search")
                .note(format!("For {} device(s), in the next four weeks.", devices.len()));
                self.form(form, FormKind::FindFree { devices })
            }
            _ => self.booking_action(action, actor),
        }
    }

    /// Actions on the booking under the cursor / selected in the list.
    fn booking_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let Some(b) = self.current_booking().cloned() else {
            return match action {
                Action::Open
                | Action::Extend
                | Action::Delete
                | Action::Favorite
                | Action::Comment
                | Action::Collaborator => {
                    vec![Effect::Error("No booking there.".into())]
                }
                _ => vec![],
            };
        };
        let group = b.group_id;
        match action {
            Action::Open => vec![Self::send(actor, Op::Group { group })],
            Action::Extend => {
                self.extend_wanted = Some(group);
                vec![Self::send(actor, Op::Group { group })]
            }
            Action::Move => {
                let hours = (b.ends_at - b.starts_at).num_minutes() as f64 / 60.0;
                let mut form = forms::window_form(format!("move {}", b.title), &self.cal, b.starts_at, 1, vec![])
                    .submit_label("move")
                    .note(format!("Every device of the group moves together ({hours:.1} h now)."));
                form.set(END, Field::text(END).with_value(&self.cal.stamp(b.ends_at)));
                self.form(form, FormKind::Move { group })
            }
            Action::Delete => vec![Effect::Open(Overlay::Confirm {
                title: "cancel booking".into(),
                message: format!(
                    "Cancel \"{}\" by {} ({} {}–{}) on every device of its group?",
                    b.title,
                    b.username,
                    b.device_name,
                    self.cal.stamp(b.starts_at),
                    self.cal.hm(b.ends_at)
                ),
                on_yes: Command::new(actor, Op::Cancel { group }),
            })],
            Action::Favorite => self.form(
                Form::new("save as favorite", vec![Field::text(NAME).with_value(&b.title)]).submit_label("save"),
                FormKind::Favorite { group },
            ),
            Action::Comment => self.form(
                Form::new(format!("comment on {}", b.title), vec![Field::text(COMMENT)]).submit_label("post"),
                FormKind::Comment { group },
            ),
            Action::Collaborator => self.form(
                Form::new("collaborator", vec![Field::text(USER), Field::choice(DO, &["add", "remove"], "add")]),
                FormKind::Collaborator { group },
            ),
            _ => vec![],
        }
    }

    /// The selection moved (a key or a click): what the section shows beside it follows.
    pub(super) fn moved(&mut self, actor: &Actor) -> Vec<Effect> {
        match self.section {
            Section::Devices => self.device_selected(actor),
            Section::Topologies => self.topology_detail(actor),
            _ => vec![],
        }
    }

    pub(super) fn list_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        if self.table().navigate(action) {
            return self.moved(actor);
        }
        match self.section {
            Section::Devices => self.device_action(action, actor),
            Section::List => self.booking_action(action, actor),
            Section::Approvals => {
                let Some(g) = self.pending.selected().map(|g| g.0.clone()) else { return vec![] };
                match action {
                    Action::Approve | Action::Reject => {
                        let approve = action == Action::Approve;
                        let verb = if approve { "approve" } else { "reject" };
                        let mut note = format!(
                            "{} device(s), {} → {}",
                            g.devices,
                            self.cal.stamp(g.starts_at),
                            self.cal.stamp(g.ends_at)
                        );
                        if let Some(over) = self.over_my_limits(&g) {
                            note = format!("{note}\n⚑ {over}");
                        }
                        let form =
                            Form::new(format!("{verb} {} by {}", g.title, g.username), vec![Field::text(COMMENT)])
                                .submit_label(verb)
                                .note(note);
                        self.form(form, FormKind::Decide { group: g.id, approve })
                    }
                    Action::Open => vec![Self::send(actor, Op::Group { group: g.id })],
                    _ => vec![],
                }
            }
            Section::Favorites => {
                let Some(f) = self.favorites.selected().cloned() else { return vec![] };
                match action {
                    Action::Open | Action::New => {
                        let start = self.cal.day_start() + Duration::days(1) + Duration::hours(8);
                        let form = forms::window_form(format!("rebook {}", f.name), &self.cal, start, 1, vec![])
                            .submit_label("book");
                        self.form(form, FormKind::Rebook { favorite: f.id })
                    }
                    Action::Delete => vec![Effect::Open(Overlay::Confirm {
                        title: "remove favorite".into(),
                        message: format!("Remove the favorite \"{}\"? Bookings made from it stay.", f.name),
                        on_yes: Command::new(actor, Op::DeleteFavorite { id: f.id }),
                    })],
                    _ => vec![],
                }
            }
            Section::Topologies => self.topology_action(action, actor),
            _ => vec![],
        }
    }

    /// Why this approver may not approve `g` alone, when it is over their limits.
    pub(super) fn over_my_limits(&self, g: &crate::engine::read::bookings::PendingGroup) -> Option<String> {
        use crate::domain::bookings::{Interval, approval};
        let at = Interval { start: g.starts_at, end: g.ends_at };
        let hours = approval::hours(at);
        let devices = g.devices as usize;
        if self.my_limits.allows(hours, devices) {
            return None;
        }
        let others: Vec<&str> = self
            .approvers
            .iter()
            .filter(|a| a.admin || a.limits.allows(hours, devices))
            .map(|a| a.username.as_str())
            .collect();
        Some(format!(
            "{hours} h × {devices} device(s) is over your approval limit ({}): {}",
            self.my_limits.describe().unwrap_or_default(),
            if others.is_empty() { "nobody may approve it".to_string() } else { format!("ask {}", others.join(", ")) }
        ))
    }

    fn device_selected(&self, actor: &Actor) -> Vec<Effect> {
        match self.devices.selected() {
            Some(d) if self.device_detail.as_ref().map(|x| x.0) != Some(d.id) => {
                vec![Self::send(actor, Op::DeviceDetail { id: d.id })]
            }
            _ => vec![],
        }
    }

    fn device_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let selected = self.devices.selected().cloned();
        match (action, selected) {
            (Action::New, _) => {
                let (form, kind) = forms::device(None);
                self.form(form, kind)
            }
            (Action::Open, Some(d)) => {
                let (form, kind) = forms::device(Some(&d));
                let mut fx = self.form(form, kind);
                fx.extend(self.device_selected(actor));
                fx
            }
            (Action::Maintenance, Some(d)) => {
                let form = forms::window_form(
                    format!("maintenance of {}", d.name),
                    &self.cal,
                    self.cal.cursor_hour(),
                    2,
                    vec![Field::text(REASON)],
                )
                .note("Bookings are refused inside the window; ones already there are reported.");
                self.form(form, FormKind::Maintenance { device: d.id })
            }
            (Action::Owner, Some(d)) => self.form(
                Form::new(
                    format!("owner of {}", d.name),
                    vec![Field::text(USER), Field::choice(DO, &["transfer", "assign", "revoke"], "transfer")],
                )
                .note(format!(
                    "Now: {}. Transfer hands it over (owners and admins); the history keeps every owner.",
                    if d.owners.is_empty() { "no owner".to_string() } else { d.owners.join(", ") }
                )),
                FormKind::Owner { device: d.id },
            ),
            (Action::Health, Some(d)) => self.form(
                Form::new(
                    format!("health of {}", d.name),
                    vec![Field::choice(HEALTH, &["healthy", "warning", "critical", "unknown"], "healthy")],
                ),
                FormKind::Health { device: d.id },
            ),
            (Action::Delete, Some(d)) => vec![Effect::Open(Overlay::Confirm {
                title: "retire device".into(),
                message: format!("Retire {} ({})? It takes no new bookings; its history stays.", d.name, d.device_type),
                on_yes: Command::new(actor, Op::RetireDevice { id: d.id }),
            })],
            _ => vec![],
        }
    }

    pub(super) fn topology_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        if action == Action::New {
            // Marked devices, in the calendar's order, become the first nodes.
            let devices: Vec<Uuid> =
                self.cal.data.devices.iter().map(|d| d.id).filter(|id| self.cal.marks.contains(id)).collect();
            let note = if devices.is_empty() {
                "Empty at first: open it (enter), add nodes (n) and link their ports (+).".to_string()
            } else {
                format!(
                    "The {} marked devices become its nodes, each out port linked to the next in port.",
                    devices.len()
                )
            };
            let form = Form::new("new topology", vec![Field::text(NAME)]).submit_label("create").note(note);
            return self.form(form, FormKind::NewTopology { devices });
        }
        let Some(t) = self.topologies.selected().map(|t| t.0.clone()) else { return vec![] };
        match action {
            Action::Open => self.open_editor(t.id, actor),
            Action::BookTopology => match self.topology.clone().filter(|d| d.row.id == t.id) {
                Some(d) => self.book_topology_form(&d),
                None => vec![Effect::Error("The topology is still loading.".into())],
            },
            Action::Review => {
                let start = self.cal.day_start() + Duration::days(1) + Duration::hours(8);
                let form = forms::window_form(format!("submit {} for review", t.name), &self.cal, start, 8, vec![])
                    .submit_label("submit")
                    .note("The review counts this topology's devices booked by others in the window.");
                self.form(form, FormKind::Review { topology: t.id })
            }
            Action::Approve | Action::Reject => {
                let approve = action == Action::Approve;
                let form = Form::new(
                    format!("{} {}", if approve { "approve" } else { "reject" }, t.name),
                    vec![Field::text(NOTES)],
                )
                .note(format!("{} conflicting booking(s) at submission.", t.conflict_count.unwrap_or(0)));
                self.form(form, FormKind::Resolve { topology: t.id, approve })
            }
            _ => vec![],
        }
    }
}
