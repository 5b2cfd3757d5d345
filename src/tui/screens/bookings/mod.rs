//! Bookings: the device calendar (week, day, and a timeline of device lanes), devices with
//! owners, health and maintenance, the bookings of the loaded window, the approvals queue,
//! favorites and topologies. Booking over marked devices shows conflicts before saving.

mod actions;
mod calendar;
mod forms;
mod graph;
mod health_view;
mod replies;
mod rows;
mod topology;
mod topology_view;
mod view;

pub use calendar::{CalendarState, Zoom, local_midnight};
pub use forms::FormKind;
pub use topology::{Editor, Item};

use super::Screen;
use crate::domain::bookings::Interval;
use crate::domain::bookings::approval::{ApprovalLimits, Approver, limit_note, needs_approval};
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::engine::Command;
use crate::engine::accounts::Session;
use crate::engine::bookings::Op;
use crate::engine::read::bookings::{
    BookingRow, DeviceRow, FavoriteRow, HealthRow, OwnershipRow, PendingGroup, TopologyDetail, TopologyRow,
};
use crate::tui::app::Effect;
use crate::tui::keymap::Action;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::table::{DataTable, ListView};
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
    /// The topology editor, when one is open (Topologies view).
    pub editor: Option<Editor>,
    /// My approval limits (as an approver) and every approver's, for notes before saving.
    pub my_limits: ApprovalLimits,
    pub approvers: Vec<Approver>,
    /// Bookings by this user wait for an approver.
    pub needs_approval: bool,
    /// A fixed "now" for tests; the clock otherwise.
    pub fixed_now: Option<DateTime<Utc>>,
    /// The group whose detail was asked for to extend it.
    extend_wanted: Option<Uuid>,
    /// The form this tab has open.
    asked: Option<FormKind>,
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
            editor: None,
            my_limits: ApprovalLimits::default(),
            approvers: Vec::new(),
            needs_approval: true,
            fixed_now: None,
            extend_wanted: None,
            asked: None,
        }
    }

    /// The user's time zone, or UTC when it is not one chrono-tz knows.
    pub fn for_user(time_zone: &str) -> BookingsScreen {
        BookingsScreen::new(time_zone.parse().unwrap_or(chrono_tz::UTC), Utc::now())
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.fixed_now.unwrap_or_else(Utc::now)
    }

    pub(super) fn send(actor: &Actor, op: Op) -> Effect {
        Effect::Send(Command::new(actor, op))
    }

    fn loads(&self, actor: &Actor) -> Vec<Effect> {
        let a = actor.clone();
        let mut fx = match self.section {
            Section::Approvals => vec![Self::send(&a, Op::Pending)],
            Section::Favorites => vec![Self::send(&a, Op::Favorites)],
            Section::Topologies => {
                let mut fx = vec![Self::send(&a, Op::Topologies)];
                // The open topology again (it may have just been edited), and the devices to
                // pick nodes from when the calendar was never loaded.
                if let Some(id) = self.editor.map(|e| e.id).or(self.topology.as_ref().map(|t| t.row.id)) {
                    fx.push(Self::send(&a, Op::Topology { id }));
                }
                if !self.cal.loaded {
                    let (from, to) = self.cal.wanted();
                    fx.push(Self::send(&a, Op::Calendar { from, to }));
                }
                fx
            }
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

    /// The bookings list is built only while it is open: 40,000 rows of formatted dates
    /// would otherwise cost every calendar load.
    fn fill_list(&mut self) {
        if self.section == Section::List {
            let tz = self.cal.tz;
            self.list.set_rows(self.cal.data.bookings.iter().cloned().map(|b| Local(b, tz)).collect());
        }
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

    /// The filter now applied; none in the topology editor, so Esc there goes back to the
    /// list at once (the list keeps its filter).
    fn current_filter(&mut self) -> String {
        match self.section {
            Section::Week | Section::Day | Section::Timeline => self.cal.filter.clone(),
            Section::Topologies if self.editor.is_some() => String::new(),
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

    pub fn show(&mut self, s: Section, actor: &Actor) -> Vec<Effect> {
        if !s.allowed(actor) {
            return vec![Effect::Error(format!("You may not open {}.", s.name()))];
        }
        self.section = s;
        self.fill_list();
        self.loads(actor)
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

    /// Set a booking dialog's note: the conflicts in what is loaded, and, when the booking
    /// waits for an approver, which approvers' limits it is over.
    pub(super) fn noted(&self, form: &mut Form, kind: &FormKind) {
        let mut note = forms::note(&self.cal, form, kind);
        let devices = match kind {
            FormKind::Book { devices } | FormKind::BookTopology { devices, .. } => devices.len(),
            _ => 0,
        };
        if self.needs_approval
            && devices > 0
            && let Ok(at) = forms::window(self.cal.tz, form)
            && let Some(limit) = limit_note(&self.approvers, at, devices)
        {
            note = format!("{note}\n⚑ {limit}");
        }
        form.note = Some(note);
    }

    /// Open one of this tab's forms.
    fn form(&mut self, form: Form, kind: FormKind) -> Vec<Effect> {
        self.asked = Some(kind);
        vec![Effect::Form(form)]
    }

    fn act(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        self.needs_approval = needs_approval(actor);
        let sections = sections(actor);
        let pos = sections.iter().position(|s| *s == self.section).unwrap_or(0);
        match action {
            Action::NextView => return self.show(sections[(pos + 1) % sections.len()], actor),
            Action::PrevView => return self.show(sections[(pos + sections.len() - 1) % sections.len()], actor),
            Action::Refresh => return self.loads(actor),
            Action::Export => {
                let (form, kind) = forms::export();
                return self.form(form, kind);
            }
            _ => {}
        }
        if self.section == Section::Topologies && self.editor.is_some() {
            return self.editor_action(action, actor);
        }
        match self.section.zoom() {
            Some(zoom) => self.calendar_action(zoom, action, actor),
            None => self.list_action(action, actor),
        }
    }
}

/// The tab shows when the role may read bookings and devices; times in the user's zone.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    let mut s = BookingsScreen::for_user(&me.user.time_zone);
    // An approver lands on the approval queue (issue 14 #16).
    if is_approver(me) && Section::Approvals.allowed(&me.actor) {
        s.section = Section::Approvals;
    }
    visible(&me.actor).then(|| Box::new(s) as Box<dyn Screen>)
}

fn is_approver(me: &Session) -> bool {
    me.actor.role == crate::domain::Role::Approver
}
