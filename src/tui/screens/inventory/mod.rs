//! Inventory: every guest of every cluster in one table, live; the cluster summary; tasks,
//! ISO images and templates; actions on one guest or on the marked ones.

mod list;
mod view;

pub use list::{GuestList, SortKey};

use super::{Screen, Taken};
use crate::domain::inventory::Guest;
use crate::domain::inventory::ops::GuestOp;
use crate::domain::rbac::{Action as P, Actor, Resource as R};
use crate::engine::RequestId;
use crate::engine::accounts::Session;
use crate::engine::inventory::GuestRef;
use crate::engine::inventory::{GuestBatch, GuestDetail, Overview};
use crate::engine::read::inventory::{Iso, Task};
use crate::engine::{Command, InventoryOp, Reply};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::{Field, Form, Key};
use crate::tui::widgets::table::{DataTable, movement, row_at};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;

// The fields of this file's forms (`Key`: built and read by the same name).
const NAME: Key = Key("Name");
const NEW_VMID: Key = Key("New VMID");
const FULL_COPY: Key = Key("Full copy");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Guests,
    Tasks,
    Isos,
    Templates,
}

impl View {
    pub const ALL: [View; 4] = [View::Guests, View::Tasks, View::Isos, View::Templates];
    pub fn name(self) -> &'static str {
        match self {
            View::Guests => "guests",
            View::Tasks => "tasks",
            View::Isos => "iso images",
            View::Templates => "templates",
        }
    }
}

pub struct InventoryScreen {
    pub view: View,
    pub list: GuestList,
    pub overview: Overview,
    pub tasks: DataTable<Task>,
    pub isos: DataTable<Iso>,
    pub templates: DataTable<Guest>,
    pub detail: Option<GuestDetail>,
    pub detail_open: bool,
    /// Where the guest table was drawn (and how many rows it showed), for mouse clicks.
    guests_drawn: (Rect, usize),
    /// The guest columns' widths so far (see `render_guests`).
    guest_widths: Vec<u16>,
    as_of: Option<DateTime<Utc>>,
    filter: String,
    /// One guest load at a time: two full loads in flight at 100k guests would hold three
    /// copies of the list at once. A request during a load asks for one more delta after it.
    guests_loading: bool,
    guests_again: bool,
    /// The next load reads everything (the last one found a count that did not add up).
    guests_whole: bool,
    /// The guest the open clone form copies.
    cloning: Option<GuestRef>,
}

impl Default for InventoryScreen {
    fn default() -> Self {
        InventoryScreen {
            view: View::Guests,
            guests_drawn: Default::default(),
            guest_widths: Vec::new(),
            list: GuestList::default(),
            overview: Overview::default(),
            tasks: DataTable::new(view::task_columns()),
            isos: DataTable::new(view::iso_columns()),
            templates: DataTable::new(view::template_columns()),
            detail: None,
            detail_open: false,
            as_of: None,
            filter: String::new(),
            guests_loading: false,
            guests_again: false,
            guests_whole: false,
            cloning: None,
        }
    }
}

/// The tab shows when the role may read guests and clusters.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    let ok = me.actor.can(R::Guest, P::Read) && me.actor.can(R::Cluster, P::Read);
    ok.then(|| Box::new(InventoryScreen::default()) as Box<dyn Screen>)
}

impl Screen for InventoryScreen {
    fn title(&self) -> &'static str {
        "Inventory"
    }

    fn on_click(&mut self, x: u16, y: u16, me: &Session) -> Vec<Effect> {
        match self.view {
            View::Guests => {
                let (area, rows) = self.guests_drawn;
                match row_at(area, self.list.offset, rows, x, y).filter(|&i| i < self.list.len()) {
                    Some(i) => {
                        let before = self.list.selected().map(Guest::key);
                        self.list.step(i as isize - self.list.cursor() as isize);
                        self.guest_moved(before, &me.actor)
                    }
                    None => vec![],
                }
            }
            View::Tasks => {
                self.tasks.click(x, y);
                vec![]
            }
            View::Isos => {
                self.isos.click(x, y);
                vec![]
            }
            View::Templates => {
                self.templates.click(x, y);
                vec![]
            }
        }
    }

    fn context(&self) -> String {
        format!("inventory › {}", self.view.name())
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        let mut fx = vec![Effect::Send(Command::new(actor, InventoryOp::LoadOverview))];
        fx.extend(self.load_guests(actor));
        match self.view {
            View::Tasks => fx.push(Effect::Send(Command::new(actor, InventoryOp::LoadTasks))),
            View::Isos => fx.push(Effect::Send(Command::new(actor, InventoryOp::LoadIsos))),
            _ => {}
        }
        fx
    }

    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        let (has, actor) = (|d: &str| domains.iter().any(|x| x == d), &me.actor);
        let mut fx = Vec::new();
        if !front {
            return fx;
        }
        if has("inventory") {
            fx.extend(self.load_guests(actor));
        }
        if has("inventory") || has("poll") || has("clusters") {
            fx.push(Effect::Send(Command::new(actor, InventoryOp::LoadOverview)));
        }
        if has("tasks") && self.view == View::Tasks {
            fx.push(Effect::Send(Command::new(actor, InventoryOp::LoadTasks)));
        }
        if has("isos") && self.view == View::Isos {
            fx.push(Effect::Send(Command::new(actor, InventoryOp::LoadIsos)));
        }
        // A finished task (a snapshot taken, a disk moved) changes what the open detail pane
        // shows: read the selected guest's detail again, keeping the old one until it comes.
        if (has("tasks") || has("inventory"))
            && self.detail_open
            && let Some((cluster_id, vmid)) = self.list.selected().map(Guest::key)
        {
            fx.push(Effect::Send(Command::new(actor, InventoryOp::GuestDetail { cluster_id, vmid })));
        }
        fx
    }

    fn on_reply(&mut self, reply: Reply, me: &Session) -> Taken {
        match reply {
            // Moved, not copied: at 100k guests a copy is 17 MiB.
            Reply::Guests(batch) => return Taken::Done(self.take_batch(*batch, &me.actor)),
            Reply::Overview(o) => self.overview = *o,
            Reply::Tasks(t) => self.tasks.set_rows(t),
            Reply::Isos(i) => self.isos.set_rows(i),
            Reply::GuestDetail(d) => {
                if self.list.selected().is_some_and(|g| g.key() == (d.cluster_id, d.vmid)) {
                    self.detail = Some(*d);
                }
            }
            Reply::Bulk { title, lines } => {
                self.list.marks.clear();
                return Taken::Done(super::bulk_outcome(title, lines));
            }
            other => return Taken::NotMine(other),
        }
        Taken::Done(vec![])
    }

    /// The guest load failed: the next request may go out.
    fn on_failed(&mut self, _: RequestId, load: Option<&'static str>, _: &str) -> bool {
        if load == Some("inventory.guests") {
            self.guests_loading = false;
            self.guests_again = false;
        }
        false
    }

    fn on_filter(&mut self, text: &str, _: bool, _: &Session) -> Vec<Effect> {
        self.set_filter(text);
        vec![]
    }

    fn filter(&mut self) -> String {
        match self.view {
            View::Guests => self.filter.clone(),
            View::Tasks => self.tasks.filter().to_string(),
            View::Isos => self.isos.filter().to_string(),
            View::Templates => self.templates.filter().to_string(),
        }
    }

    fn help(&self, _: &Session) -> Vec<(Action, &'static str)> {
        let mut a = vec![
            (Action::NextView, "Next view (guests, tasks, ISOs, templates)"),
            (Action::Filter, "Filter: words fuzzy, or status: node: tag: cluster: type: template:"),
        ];
        match self.view {
            View::Guests => a.extend([
                (Action::Open, "Detail pane: config, IPs, snapshots, CPU"),
                (Action::Mark, "Mark / unmark (actions apply to marks)"),
                (Action::MarkAll, "Mark all shown / clear marks"),
                (Action::Sort, "Sort by the next column"),
                (Action::SortReverse, "Reverse the sort"),
                (Action::Start, "Start"),
                (Action::Stop, "Stop (hard)"),
                (Action::Shutdown, "Shut down (ACPI)"),
                (Action::Reboot, "Reboot"),
                (Action::Clone, "Clone"),
                (Action::Template, "Convert to template"),
                (Action::Delete, "Delete"),
                (Action::Palette, "snapshot / rollback / delsnap NAME"),
            ]),
            View::Tasks => a.push((Action::Open, "Show the task's log")),
            View::Templates => a.push((Action::Clone, "Clone the template")),
            View::Isos => {}
        }
        a.push((Action::Refresh, "Reload"));
        a
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        match (self.view, action) {
            (_, Action::NextView) | (_, Action::PrevView) => {
                let i = View::ALL.iter().position(|v| *v == self.view).unwrap_or(0);
                let n = View::ALL.len();
                self.view = View::ALL[if action == Action::NextView { (i + 1) % n } else { (i + n - 1) % n }];
                // Each view keeps its own filter: a filter typed for guests is there again on
                // coming back, and never applies to tasks or ISOs (issue 14 #15).
                self.load(me)
            }
            (_, Action::Refresh) => self.load(me),
            (View::Guests, a) => self.guests_action(a, actor),
            (View::Tasks, a) => {
                self.tasks.navigate(a);
                match (a, self.tasks.selected()) {
                    (Action::Open, Some(t)) => vec![Effect::Send(Command::new(
                        actor,
                        InventoryOp::TaskLog { cluster_id: t.cluster_id, upid: t.upid.clone() },
                    ))],
                    _ => vec![],
                }
            }
            (View::Isos, a) => {
                self.isos.navigate(a);
                vec![]
            }
            (View::Templates, a) => {
                self.templates.navigate(a);
                match (a, self.templates.selected()) {
                    (Action::Clone, Some(t)) => {
                        let t = t.clone();
                        self.clone_form(&t)
                    }
                    _ => vec![],
                }
            }
        }
    }

    fn on_command(&mut self, verb: Verb, args: &[String], front: bool, me: &Session) -> Option<Vec<Effect>> {
        let view = match verb {
            Verb::Inventory => View::Guests,
            Verb::Tasks => View::Tasks,
            Verb::Isos => View::Isos,
            Verb::Templates => View::Templates,
            Verb::Snapshot | Verb::Rollback | Verb::Delsnap => {
                return Some(self.snapshot(verb, args, front, &me.actor));
            }
            _ => return None,
        };
        self.view = view;
        let mut fx = vec![Effect::Front];
        fx.extend(self.load(me));
        Some(fx)
    }

    /// The clone form, the one form of this tab.
    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let source = self.cloning.ok_or("This form is no longer open.")?;
        let newid = form.optional_number(NEW_VMID, 100..=999_999_999)?.map(|v| v as u32);
        let name = form.value(NAME).trim().to_string();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.') {
            return Err("Name: letters, digits, '-' and '.' (Proxmox names are DNS names).".into());
        }
        let op = GuestOp::Clone { name, newid, full: form.value(FULL_COPY) == "yes" };
        Ok(Command::new(&me.actor, InventoryOp::GuestAction { targets: vec![source], op }))
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, _: &Session) {
        self.draw(f, area, theme)
    }
}

impl InventoryScreen {
    /// Ask for the guests (changes only once the list is loaded), unless a load is running.
    fn load_guests(&mut self, actor: &Actor) -> Option<Effect> {
        if std::mem::replace(&mut self.guests_loading, true) {
            self.guests_again = true;
            return None;
        }
        let whole = std::mem::take(&mut self.guests_whole);
        let since = self.as_of.filter(|_| self.list.loaded && !whole);
        Some(Effect::Send(Command::new(actor, InventoryOp::LoadGuests { since })))
    }

    /// Take a batch of guests (moved, not copied: at 100k guests a copy is 17 MiB).
    pub fn take_batch(&mut self, batch: GuestBatch, actor: &Actor) -> Vec<Effect> {
        if batch.more {
            self.list.merge_part(batch.guests);
            return vec![];
        }
        self.guests_loading = false;
        if batch.full {
            self.list.replace(batch.guests);
            self.guest_widths.clear();
        } else {
            self.list.merge(batch.guests);
        }
        self.as_of = Some(batch.as_of);
        if batch.total > 10_000 {
            crate::mem::release_freed();
        }
        self.templates.set_rows(self.list.templates().into_iter().cloned().collect());
        if self.list.total() as i64 != batch.total {
            // Something was removed (or raced): read everything once.
            self.guests_whole = true;
        } else if !std::mem::take(&mut self.guests_again) {
            return vec![];
        }
        self.load_guests(actor).into_iter().collect()
    }

    pub fn set_filter(&mut self, text: &str) {
        match self.view {
            View::Guests => {
                self.filter = text.to_string();
                self.list.set_filter(text)
            }
            View::Tasks => self.tasks.set_filter(text),
            View::Isos => self.isos.set_filter(text),
            View::Templates => self.templates.set_filter(text),
        }
    }

    /// `snapshot NAME`, `rollback NAME`, `delsnap NAME` from the palette, on the targets.
    fn snapshot(&mut self, verb: Verb, args: &[String], front: bool, actor: &Actor) -> Vec<Effect> {
        let name = verb.name();
        if !front {
            return vec![Effect::Error(format!("'{name}' works on guests in the Inventory tab."))];
        }
        let snap = args
            .first()
            .cloned()
            .filter(|n| n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') && n.len() <= 40);
        let op = match verb {
            Verb::Snapshot => snap.map(GuestOp::Snapshot),
            Verb::Rollback => snap.map(GuestOp::Rollback),
            _ => snap.map(GuestOp::DeleteSnapshot),
        };
        match op {
            Some(op) => self.op(op, actor),
            None => vec![Effect::Error(format!("usage: {name} NAME (letters, digits, '-' or '_')"))],
        }
    }

    fn clone_form(&mut self, source: &Guest) -> Vec<Effect> {
        self.cloning = Some(source.key());
        vec![Effect::Form(
            Form::new(
                format!("clone {} ({})", source.name, source.vmid),
                vec![
                    Field::text(NAME).with_value(&format!("{}-clone", source.name)),
                    Field::number(NEW_VMID),
                    Field::choice(FULL_COPY, &["no", "yes"], "no"),
                ],
            )
            .submit_label("clone")
            .note("Leave New VMID empty for the next free one. A linked clone (not a full copy) needs a template."),
        )]
    }

    fn guests_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let before = self.list.selected().map(Guest::key);
        match action {
            a if let Some(d) = movement(a, 20) => self.list.step(d),
            Action::Mark => {
                self.list.toggle_mark();
                self.list.step(1);
            }
            Action::MarkAll => self.list.mark_visible(),
            Action::Sort => {
                let next = match self.list.sort {
                    None => SortKey::ALL[1],
                    Some(k) => {
                        SortKey::ALL[(SortKey::ALL.iter().position(|x| *x == k).unwrap_or(0) + 1) % SortKey::ALL.len()]
                    }
                };
                self.list.set_sort(next, self.list.descending);
            }
            Action::SortReverse => {
                self.list.set_sort(self.list.sort.unwrap_or(SortKey::Cluster), !self.list.descending)
            }
            Action::Open => {
                self.detail_open = !self.detail_open;
                self.detail = None;
            }
            Action::Start => return self.op(GuestOp::Start, actor),
            Action::Stop => return self.op(GuestOp::Stop, actor),
            Action::Shutdown => return self.op(GuestOp::Shutdown, actor),
            Action::Reboot => return self.op(GuestOp::Reboot, actor),
            Action::Template => return self.op(GuestOp::Template, actor),
            Action::Delete => return self.op(GuestOp::Delete, actor),
            Action::Clone => {
                return match self.list.selected().cloned() {
                    Some(g) => self.clone_form(&g),
                    None => vec![],
                };
            }
            _ => {}
        }
        self.guest_moved(before, actor)
    }

    /// A new selection with the pane open fetches that guest's detail.
    fn guest_moved(&mut self, before: Option<(uuid::Uuid, u32)>, actor: &Actor) -> Vec<Effect> {
        let after = self.list.selected().map(Guest::key);
        match (self.detail_open, after) {
            (true, Some((cluster_id, vmid))) if after != before || self.detail.is_none() => {
                self.detail = None;
                vec![Effect::Send(Command::new(actor, InventoryOp::GuestDetail { cluster_id, vmid }))]
            }
            _ => vec![],
        }
    }

    /// Ask for `op` on the targets: checked against the role first, confirmed when it
    /// destroys or touches more than one guest, naming what it touches.
    pub fn op(&self, op: GuestOp, actor: &Actor) -> Vec<Effect> {
        let targets = self.list.targets();
        if targets.is_empty() {
            return vec![];
        }
        let (resource, perm) = op.permission();
        if !actor.can(resource, perm) {
            return vec![Effect::Error(format!("Your role ({}) may not {} guests.", actor.role, op.verb()))];
        }
        let refs: Vec<_> = targets.iter().map(|g| g.key()).collect();
        let cmd = Command::new(actor, InventoryOp::GuestAction { targets: refs, op: op.clone() });
        if !op.is_destructive() && targets.len() == 1 {
            return vec![Effect::Send(cmd)];
        }
        let names: Vec<String> =
            targets.iter().take(5).map(|g| format!("{} ({}) on {}", g.name, g.vmid, g.node)).collect();
        let more = if targets.len() > 5 { format!(" and {} more", targets.len() - 5) } else { String::new() };
        let message = format!("{} {}{}?", capitalize(op.verb()), names.join(", "), more);
        vec![Effect::Open(Overlay::Confirm {
            title: format!("{} {} guest{}", op.verb(), targets.len(), if targets.len() == 1 { "" } else { "s" }),
            message,
            on_yes: cmd,
        })]
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}
