//! Bookings: the device calendar (week, day, and a timeline of device lanes), devices with
//! owners, health and maintenance, the bookings of the loaded window, the approvals queue,
//! favorites and topologies. Booking over marked devices shows conflicts before saving.

mod calendar;
mod forms;
mod rows;
mod view;

pub use calendar::{CalendarState, Zoom, local_midnight};
pub use forms::FormKind;

use crate::domain::bookings::Interval;
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::engine::Command;
use crate::engine::bookings::{Op, Out};
use crate::engine::read::bookings::{
    BookingRow, DeviceRow, FavoriteRow, GroupDetail, HealthRow, OwnershipRow, PendingGroup, TopologyDetail, TopologyRow,
};
use crate::tui::app::{Effect, FormPurpose, Overlay};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::{DataTable, ListView, movement};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use rows::Local;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Week,
    Day,
    Timeline,
    Devices,
    List,
    Approvals,
    Favorites,
    Topologies,
}

impl Section {
    pub const ALL: [Section; 8] = [
        Section::Week,
        Section::Day,
        Section::Timeline,
        Section::Devices,
        Section::List,
        Section::Approvals,
        Section::Favorites,
        Section::Topologies,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Section::Week => "week",
            Section::Day => "day",
            Section::Timeline => "timeline",
            Section::Devices => "devices",
            Section::List => "bookings",
            Section::Approvals => "approvals",
            Section::Favorites => "favorites",
            Section::Topologies => "topologies",
        }
    }
    fn allowed(self, actor: &Actor) -> bool {
        match self {
            Section::Approvals => actor.can(Resource::Booking, Perm::Update),
            Section::Topologies => actor.can(Resource::Topology, Perm::Read),
            _ => true,
        }
    }
    pub fn zoom(self) -> Option<Zoom> {
        match self {
            Section::Week => Some(Zoom::Week),
            Section::Day => Some(Zoom::Day),
            Section::Timeline => Some(Zoom::Timeline),
            _ => None,
        }
    }
}

/// Whether the tab is shown: the role may read bookings and devices.
pub fn visible(actor: &Actor) -> bool {
    actor.can(Resource::Booking, Perm::Read) && actor.can(Resource::Device, Perm::Read)
}

pub fn sections(actor: &Actor) -> Vec<Section> {
    Section::ALL.into_iter().filter(|s| s.allowed(actor)).collect()
}

pub struct BookingsScreen {
    pub section: Section,
    pub cal: CalendarState,
    pub devices: DataTable<DeviceRow>,
    pub device_detail: Option<(Uuid, Vec<OwnershipRow>, Vec<HealthRow>)>,
    pub list: DataTable<Local<BookingRow>>,
    pub pending: DataTable<Local<PendingGroup>>,
    pub pending_count: i64,
    pub favorites: DataTable<FavoriteRow>,
    pub topologies: DataTable<Local<TopologyRow>>,
    pub topology: Option<TopologyDetail>,
    /// A fixed "now" for tests; the clock otherwise.
    pub fixed_now: Option<DateTime<Utc>>,
    /// The group whose detail was asked for to extend it.
    extend_wanted: Option<Uuid>,
}

impl BookingsScreen {
    pub fn new(tz: Tz, now: DateTime<Utc>) -> BookingsScreen {
        BookingsScreen {
            section: Section::Week,
            cal: CalendarState::new(tz, now),
            devices: DataTable::new(rows::device_columns()),
            device_detail: None,
            list: DataTable::new(rows::booking_columns()),
            pending: DataTable::new(rows::pending_columns()),
            pending_count: 0,
            favorites: DataTable::new(rows::favorite_columns()),
            topologies: DataTable::new(rows::topology_columns()),
            topology: None,
            fixed_now: None,
            extend_wanted: None,
        }
    }

    /// The user's time zone, or UTC when it is not one chrono-tz knows.
    pub fn for_user(time_zone: &str) -> BookingsScreen {
        BookingsScreen::new(time_zone.parse().unwrap_or(chrono_tz::UTC), Utc::now())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    fn send(actor: &Actor, op: Op) -> Effect {
        Effect::Send(Command::new(actor, op))
    }

    pub fn load(&self, actor: &Actor) -> Vec<Effect> {
        let a = actor.clone();
        let mut fx = match self.section {
            Section::Approvals => vec![Self::send(&a, Op::Pending)],
            Section::Favorites => vec![Self::send(&a, Op::Favorites)],
            Section::Topologies => vec![Self::send(&a, Op::Topologies)],
            _ => {
                let (from, to) = self.cal.wanted();
                vec![Self::send(&a, Op::Calendar { from, to })]
            }
        };
        if actor.can(Resource::Booking, Perm::Update) {
            fx.push(Self::send(&a, Op::PendingCount));
        }
        fx
    }

    pub fn on_changed(&self, domains: &[String], actor: &Actor) -> Vec<Effect> {
        if domains.iter().any(|d| d == crate::engine::read::bookings::DOMAIN) { self.load(actor) } else { vec![] }
    }

    /// Take an answer from the engine: effects to apply, and a toast when a change went through.
    pub fn on_out(&mut self, out: Out, actor: &Actor) -> (Vec<Effect>, Option<String>) {
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
                return (self.topology_detail(actor), None);
            }
            Out::Topology(t) => self.topology = Some(*t),
            Out::Conflicts { rows, .. } => {
                let text = rows
                    .iter()
                    .map(|r| format!("{} {}–{}", r.username, self.cal.stamp(r.starts_at), self.cal.hm(r.ends_at)));
                let lines: Vec<String> = text.collect();
                return (vec![Effect::Open(Overlay::Report { title: "conflicts".into(), lines, scroll: 0 })], None);
            }
            Out::FreeSlot(slot) => {
                return match slot {
                    Some(at) => {
                        let devices = self.cal.targets();
                        let (form, kind) = forms::book(&self.cal, devices, at.start);
                        let mut form = form;
                        if let Some(f) = form.fields.iter_mut().find(|f| f.label == "End") {
                            *f = Field::text("End").with_value(&self.cal.stamp(at.end));
                        }
                        form.note = Some(forms::note(&self.cal, &form, &kind));
                        self.cal.cursor = at.start;
                        (vec![Effect::Open(Overlay::Form { form, purpose: FormPurpose::Bookings(kind) })], None)
                    }
                    None => (vec![Effect::Error("No free slot in the next four weeks.".into())], None),
                };
            }
            Out::Group(g) => return (self.group_opened(*g), None),
            Out::Booked { skipped, message, .. } => {
                self.cal.marks.clear();
                if skipped.is_empty() {
                    return (vec![], Some(message));
                }
                let lines = skipped.iter().map(|(d, why)| format!("{d}  skipped: {why}")).collect();
                return (
                    vec![Effect::Open(Overlay::Report { title: message.clone(), lines, scroll: 0 })],
                    Some(message),
                );
            }
            Out::Done(m) => return (vec![], Some(m)),
        }
        (vec![], None)
    }

    /// The bookings list is built only while it is open: 40,000 rows of formatted dates
    /// would otherwise cost every calendar load.
    fn fill_list(&mut self) {
        if self.section == Section::List {
            let tz = self.cal.tz;
            self.list.set_rows(self.cal.data.bookings.iter().cloned().map(|b| Local(b, tz)).collect());
        }
    }

    fn group_opened(&mut self, g: GroupDetail) -> Vec<Effect> {
        if self.extend_wanted.take() == Some(g.id) {
            let end = g.bookings.iter().map(|b| b.ends_at).max().unwrap_or_else(|| self.now());
            let latest = g.latest_end.unwrap_or(end);
            let form = Form::new(
                format!("extend {}", g.title),
                vec![Field::text("Until").with_value(&self.cal.stamp(latest))],
            )
            .submit_label("extend")
            .note(format!(
                "Now ends {}. Latest possible end: {}.",
                self.cal.stamp(end),
                self.cal.stamp(latest)
            ));
            return vec![Effect::Open(Overlay::Form {
                form,
                purpose: FormPurpose::Bookings(FormKind::Extend { group: g.id }),
            })];
        }
        let lines = view::group_lines(&self.cal, &g);
        vec![Effect::Open(Overlay::Report { title: format!("booking: {}", g.title), lines, scroll: 0 })]
    }

    fn topology_detail(&self, actor: &Actor) -> Vec<Effect> {
        match self.topologies.selected() {
            Some(t) if self.topology.as_ref().map(|x| x.row.id) != Some(t.0.id) => {
                vec![Self::send(actor, Op::Topology { id: t.0.id })]
            }
            _ => vec![],
        }
    }

    pub fn set_filter(&mut self, text: &str) {
        match self.section {
            Section::Week | Section::Day | Section::Timeline => self.cal.set_filter(text),
            _ => self.table().set_filter(text),
        }
    }

    pub fn filter(&mut self) -> String {
        match self.section {
            Section::Week | Section::Day | Section::Timeline => self.cal.filter.clone(),
            _ => self.table().filter().to_string(),
        }
    }

    fn table(&mut self) -> &mut dyn ListView {
        match self.section {
            Section::Approvals => &mut self.pending,
            Section::Favorites => &mut self.favorites,
            Section::Topologies => &mut self.topologies,
            Section::List => &mut self.list,
            _ => &mut self.devices,
        }
    }

    /// The keys this screen answers, for help.
    pub fn actions(&self) -> Vec<(Action, &'static str)> {
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
                (Action::Owner, "Assign or revoke an owner"),
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
            Section::Topologies => a.extend([
                (Action::New, "New topology from the devices marked in the calendar"),
                (Action::Review, "Submit for review (counts conflicts)"),
                (Action::Approve, "Approve the review"),
                (Action::Reject, "Reject the review"),
            ]),
        }
        a.extend([(Action::Export, "Export bookings (iCalendar or CSV)"), (Action::Refresh, "Reload")]);
        a
    }

    pub fn show(&mut self, s: Section, actor: &Actor) -> Vec<Effect> {
        if !s.allowed(actor) {
            return vec![Effect::Error(format!("You may not open {}.", s.name()))];
        }
        self.section = s;
        self.fill_list();
        self.load(actor)
    }

    /// The booking under the calendar cursor (or selected in the list).
    pub fn current_booking(&self) -> Option<&BookingRow> {
        match self.section {
            Section::List => self.list.selected().map(|b| &b.0),
            s => {
                let zoom = s.zoom()?;
                let d = self.cal.selected()?;
                let at = match zoom {
                    Zoom::Week => {
                        let day = self.cal.local_day(self.cal.cursor);
                        let start = local_midnight(self.cal.tz, day);
                        Interval { start, end: local_midnight(self.cal.tz, day + Duration::days(1)) }
                    }
                    _ => {
                        let start = self.cal.cursor_hour();
                        Interval { start, end: start + Duration::hours(1) }
                    }
                };
                self.cal.bookings_in(d.id, at).into_iter().next()
            }
        }
    }

    /// Where a new booking starts by default: 08:00 of the cursor's day in the week view
    /// (before the usual lab blocks), the cursor's hour otherwise.
    fn default_start(&self) -> DateTime<Utc> {
        match self.section {
            Section::Week => self.cal.day_start() + Duration::hours(8),
            _ => self.cal.cursor_hour(),
        }
    }

    fn form(form: Form, kind: FormKind) -> Vec<Effect> {
        vec![Effect::Open(Overlay::Form { form, purpose: FormPurpose::Bookings(kind) })]
    }

    pub fn update(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let sections = sections(actor);
        let pos = sections.iter().position(|s| *s == self.section).unwrap_or(0);
        match action {
            Action::NextView => return self.show(sections[(pos + 1) % sections.len()], actor),
            Action::PrevView => return self.show(sections[(pos + sections.len() - 1) % sections.len()], actor),
            Action::Refresh => return self.load(actor),
            Action::Export => {
                let (form, kind) = forms::export();
                return Self::form(form, kind);
            }
            _ => {}
        }
        match self.section.zoom() {
            Some(zoom) => self.calendar_action(zoom, action, actor),
            None => self.list_action(action, actor),
        }
    }

    fn calendar_action(&mut self, zoom: Zoom, action: Action, actor: &Actor) -> Vec<Effect> {
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
            return if self.cal.needs_load() { self.load(actor) } else { vec![] };
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
                let (form, kind) = forms::book(&self.cal, devices, self.default_start());
                Self::form(form, kind)
            }
            Action::FreeSlot => {
                let devices = self.cal.targets();
                let form = Form::new(
                    "find a free slot",
                    vec![
                        Field::text("Hours").with_value("2"),
                        Field::text("From").with_value(&self.cal.stamp(self.cal.cursor_hour())),
                    ],
                )
                .submit_label("search")
                .note(format!("For {} device(s), in the next four weeks.", devices.len()));
                Self::form(form, FormKind::FindFree { devices })
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
                if let Some(f) = form.fields.iter_mut().find(|f| f.label == "End") {
                    *f = Field::text("End").with_value(&self.cal.stamp(b.ends_at));
                }
                Self::form(form, FormKind::Move { group })
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
            Action::Favorite => Self::form(
                Form::new("save as favorite", vec![Field::text("Name").with_value(&b.title)]).submit_label("save"),
                FormKind::Favorite { group },
            ),
            Action::Comment => Self::form(
                Form::new(format!("comment on {}", b.title), vec![Field::text("Comment")]).submit_label("post"),
                FormKind::Comment { group },
            ),
            Action::Collaborator => Self::form(
                Form::new("collaborator", vec![Field::text("User"), Field::choice("Do", &["add", "remove"], "add")]),
                FormKind::Collaborator { group },
            ),
            _ => vec![],
        }
    }

    fn list_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        if self.table().navigate(action) {
            return match self.section {
                Section::Devices => self.device_selected(actor),
                Section::Topologies => self.topology_detail(actor),
                _ => vec![],
            };
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
                        let form =
                            Form::new(format!("{verb} {} by {}", g.title, g.username), vec![Field::text("Comment")])
                                .submit_label(verb)
                                .note(format!(
                                    "{} device(s), {} → {}",
                                    g.devices,
                                    self.cal.stamp(g.starts_at),
                                    self.cal.stamp(g.ends_at)
                                ));
                        Self::form(form, FormKind::Decide { group: g.id, approve })
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
                        Self::form(form, FormKind::Rebook { favorite: f.id })
                    }
                    Action::Delete => vec![Effect::Open(Overlay::Confirm {
                        title: "remove favorite".into(),
                        message: format!("Remove the favorite \"{}\"? Bookings made from it stay.", f.name),
                        on_yes: Command::new(actor, Op::DeleteFavorite { id: f.id }),
                    })],
                    _ => vec![],
                }
            }
            Section::Topologies => self.topology_action(action),
            _ => vec![],
        }
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
                Self::form(form, kind)
            }
            (Action::Open, Some(d)) => {
                let (form, kind) = forms::device(Some(&d));
                let mut fx = Self::form(form, kind);
                fx.extend(self.device_selected(actor));
                fx
            }
            (Action::Maintenance, Some(d)) => {
                let form = forms::window_form(
                    format!("maintenance of {}", d.name),
                    &self.cal,
                    self.cal.cursor_hour(),
                    2,
                    vec![Field::text("Reason")],
                )
                .note("Bookings are refused inside the window; ones already there are reported.");
                Self::form(form, FormKind::Maintenance { device: d.id })
            }
            (Action::Owner, Some(d)) => Self::form(
                Form::new(
                    format!("owner of {}", d.name),
                    vec![Field::text("User"), Field::choice("Do", &["assign", "revoke"], "assign")],
                ),
                FormKind::Owner { device: d.id },
            ),
            (Action::Health, Some(d)) => Self::form(
                Form::new(
                    format!("health of {}", d.name),
                    vec![Field::choice("Health", &["healthy", "warning", "critical", "unknown"], "healthy")],
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

    fn topology_action(&mut self, action: Action) -> Vec<Effect> {
        if action == Action::New {
            let devices: Vec<Uuid> = self.cal.marks.iter().copied().collect();
            if devices.is_empty() {
                return vec![Effect::Error("Mark devices in the calendar first (space), then press n here.".into())];
            }
            let form = Form::new("new topology", vec![Field::text("Name")])
                .submit_label("create")
                .note(format!("{} devices, linked in the order shown.", devices.len()));
            return Self::form(form, FormKind::Topology { devices });
        }
        let Some(t) = self.topologies.selected().map(|t| t.0.clone()) else { return vec![] };
        match action {
            Action::Review => {
                let start = self.cal.day_start() + Duration::days(1) + Duration::hours(8);
                let form = forms::window_form(format!("submit {} for review", t.name), &self.cal, start, 8, vec![])
                    .submit_label("submit")
                    .note("The review counts this topology's devices booked by others in the window.");
                Self::form(form, FormKind::Review { topology: t.id })
            }
            Action::Approve | Action::Reject => {
                let approve = action == Action::Approve;
                let form = Form::new(
                    format!("{} {}", if approve { "approve" } else { "reject" }, t.name),
                    vec![Field::text("Notes")],
                )
                .note(format!("{} conflicting booking(s) at submission.", t.conflict_count.unwrap_or(0)));
                Self::form(form, FormKind::Resolve { topology: t.id, approve })
            }
            _ => vec![],
        }
    }

    /// The command a submitted dialog of this tab becomes.
    pub fn form_command(&self, form: &Form, kind: &FormKind, actor: &Actor) -> Result<Command, String> {
        forms::command(&self.cal, form, kind, actor)
    }

    /// Refresh a dialog's note as it is edited (the booking dialog's conflicts).
    pub fn form_edited(&self, form: &mut Form, kind: &FormKind) {
        if matches!(kind, FormKind::Book { .. }) {
            form.note = Some(forms::note(&self.cal, form, kind));
        }
    }
}
