//! Infrastructure: the records of seeds 001 and 002 as live views, switched by `[`/`]` —
//! sites and providers, pools, machines and cloud boxes, instances, VMs and systems, images,
//! templates and instance sets, storage devices → disks → partitions and data disks, VPCs →
//! subnets → addresses and places, tenants and groups. Each view is a list with filter, sort
//! and a detail pane, create/edit/delete forms built from the kind's fields, and the actions
//! of its kind: allocate and release addresses, attach and detach data disks, add and remove
//! members. Viewers read; a tenant admin sees their tenant (the engine and store decide).

mod forms;
mod rows;
mod view;

pub use rows::InfraRow;

use super::{Screen, Taken};
use crate::domain::infra::{Kind, Record};
use crate::domain::rbac::{Action as Perm, Actor};
use crate::engine::accounts::Session;
use crate::engine::infra::{Membership, Op, Out};
use crate::engine::read::infra::{DOMAIN, Detail};
use crate::engine::{Command, Reply};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::table::DataTable;
use forms::Ask;
use ratatui::Frame;
use ratatui::layout::Rect;

/// The views in `[`/`]` order, each under the heading it belongs to.
pub const VIEWS: &[(&str, Kind)] = &[
    ("sites", Kind::Sites),
    ("sites", Kind::Providers),
    ("pools", Kind::Pools),
    ("machines", Kind::Machines),
    ("machines", Kind::Boxes),
    ("instances", Kind::Instances),
    ("instances", Kind::Vms),
    ("instances", Kind::Systems),
    ("images", Kind::Images),
    ("images", Kind::Templates),
    ("images", Kind::Sets),
    ("storage", Kind::Storage),
    ("storage", Kind::Volumes),
    ("storage", Kind::Partitions),
    ("storage", Kind::Disks),
    ("networks", Kind::Networks),
    ("networks", Kind::Subnets),
    ("networks", Kind::Addresses),
    ("networks", Kind::Places),
    ("tenants", Kind::Tenants),
    ("tenants", Kind::Groups),
];

pub struct InfraScreen {
    /// The views this actor may read, as indexes into [`VIEWS`].
    views: Vec<usize>,
    at: usize,
    tables: Vec<DataTable<InfraRow>>,
    /// Sort: (listed column, descending) per view.
    sort: Vec<Option<(usize, bool)>>,
    /// The detail pane: open, and what it shows (the record it was asked for).
    pub detail_open: bool,
    pub detail: Option<(Kind, Detail)>,
    asked: Option<Ask>,
}

/// The tab is for those who may read the infrastructure itself (admins, operators, viewers,
/// tenant admins); students and teachers reach their instances through Classes.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    if !me.actor.can(crate::domain::rbac::Resource::Server, Perm::Read) {
        return None;
    }
    let s = InfraScreen::new(&me.actor);
    (!s.views.is_empty()).then(|| Box::new(s) as Box<dyn Screen>)
}

impl InfraScreen {
    pub fn new(actor: &Actor) -> InfraScreen {
        let views: Vec<usize> = (0..VIEWS.len()).filter(|&i| actor.can(VIEWS[i].1.resource(), Perm::Read)).collect();
        let tables = views.iter().map(|&i| DataTable::new(rows::columns(VIEWS[i].1))).collect();
        let sort = vec![None; views.len()];
        InfraScreen { views, at: 0, tables, sort, detail_open: false, detail: None, asked: None }
    }

    /// The kind of the open view.
    pub fn kind(&self) -> Kind {
        VIEWS[self.views[self.at]].1
    }

    /// Open the view of `kind` (if this actor has it).
    pub fn show(&mut self, kind: Kind) -> bool {
        match self.views.iter().position(|&i| VIEWS[i].1 == kind) {
            Some(p) => {
                self.at = p;
                true
            }
            None => false,
        }
    }

    pub fn table(&mut self) -> &mut DataTable<InfraRow> {
        &mut self.tables[self.at]
    }

    fn selected(&self) -> Option<&InfraRow> {
        self.tables[self.at].selected()
    }

    fn send(me: &Session, op: Op) -> Vec<Effect> {
        vec![Effect::Send(Command::new(&me.actor, op))]
    }

    /// Put a kind's records in its table, in the view's sort order.
    fn take(&mut self, kind: Kind, records: Vec<Record>) {
        let Some(v) = self.views.iter().position(|&i| VIEWS[i].1 == kind) else { return };
        let mut rows: Vec<InfraRow> = records.into_iter().map(|r| InfraRow::new(kind, r)).collect();
        if let Some((col, desc)) = self.sort[v] {
            rows.sort_by(|a, b| if desc { b.cmp_by(a, col) } else { a.cmp_by(b, col) });
        }
        self.tables[v].set_rows(rows);
    }

    fn resort(&mut self) {
        let kind = self.kind();
        let records: Vec<Record> = self.tables[self.at].rows().iter().map(|r| r.record.clone()).collect();
        self.take(kind, records);
    }

    fn detail_of_selected(&mut self, me: &Session) -> Vec<Effect> {
        match self.selected() {
            Some(r) => Self::send(me, Op::Detail { kind: self.kind(), id: r.id }),
            None => vec![],
        }
    }

    fn may(&self, me: &Session, p: Perm) -> bool {
        me.actor.can(self.kind().resource(), p)
    }
}

impl Screen for InfraScreen {
    fn title(&self) -> &'static str {
        "Infrastructure"
    }

    fn on_click(&mut self, x: u16, y: u16, me: &Session) -> Vec<Effect> {
        if self.tables[self.at].click(x, y) && self.detail_open { self.detail_of_selected(me) } else { vec![] }
    }

    fn context(&self) -> String {
        let (group, kind) = VIEWS[self.views[self.at]];
        format!("infrastructure › {group} › {kind}")
    }

    fn help(&self, me: &Session) -> Vec<(Action, &'static str)> {
        let mut a = vec![
            (Action::NextView, "Next view"),
            (Action::PrevView, "Previous view"),
            (Action::Filter, "Filter rows"),
            (Action::Sort, "Sort by the next column"),
            (Action::SortReverse, "Reverse the sort"),
            (Action::Open, "Show the detail pane"),
            (Action::Refresh, "Reload"),
        ];
        if self.may(me, Perm::Create) {
            a.push((Action::New, "Create"));
        }
        if self.may(me, Perm::Update) {
            a.push((Action::Edit, "Edit the selected row"));
        }
        if self.may(me, Perm::Delete) {
            a.push((Action::Delete, "Delete the selected row (asks first)"));
        }
        let kind = self.kind();
        if matches!(kind, Kind::Subnets | Kind::Addresses) && self.may(me, Perm::Create) {
            a.push((Action::Allocate, "Allocate the next free address"));
        }
        if kind == Kind::Addresses && self.may(me, Perm::Update) {
            a.push((Action::Release, "Release the selected address"));
        }
        if kind == Kind::Disks && self.may(me, Perm::Update) {
            a.push((Action::Attach, "Attach the data disk to an instance"));
            a.push((Action::Detach, "Detach the data disk from an instance"));
        }
        if Membership::of(kind).is_some() && self.may(me, Perm::Update) {
            a.push((Action::AddMember, "Add a member"));
            a.push((Action::RemoveMember, "Remove a member"));
        }
        a
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        let mut fx = Self::send(me, Op::List { kind: self.kind() });
        if self.detail_open {
            fx.extend(self.detail_of_selected(me));
        }
        fx
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        let kind = self.kind();
        let needs = match action {
            Action::New | Action::Allocate => Some(Perm::Create),
            Action::Edit
            | Action::Release
            | Action::Attach
            | Action::Detach
            | Action::AddMember
            | Action::RemoveMember => Some(Perm::Update),
            Action::Delete => Some(Perm::Delete),
            _ => None,
        };
        if let Some(p) = needs
            && !self.may(me, p)
        {
            return vec![Effect::Error(format!("Your role may not {p} {}s.", kind.singular()))];
        }
        if self.tables[self.at].navigate(action) {
            return if self.detail_open { self.detail_of_selected(me) } else { vec![] };
        }
        match action {
            Action::NextView | Action::PrevView => {
                let n = self.views.len();
                self.at = if action == Action::NextView { (self.at + 1) % n } else { (self.at + n - 1) % n };
                self.detail = None;
                self.load(me)
            }
            Action::Refresh => self.load(me),
            Action::Open => {
                self.detail_open = true;
                self.detail_of_selected(me)
            }
            Action::Back => {
                self.detail_open = false;
                vec![]
            }
            Action::Sort | Action::SortReverse => {
                let cols = rows::listed(kind).len();
                let s = &mut self.sort[self.at];
                *s = match (action, *s) {
                    (Action::Sort, None) => Some((0, false)),
                    (Action::Sort, Some((c, d))) => Some(((c + 1) % cols, d)),
                    (_, None) => Some((0, true)),
                    (_, Some((c, d))) => Some((c, !d)),
                };
                self.resort();
                vec![]
            }
            Action::New => self.open(Ask::Create(kind), None, me),
            Action::Edit => match self.selected().cloned() {
                Some(r) => self.open(Ask::Edit(kind, r.id, forms::before(kind, &r.record)), Some(&r.record), me),
                None => vec![Effect::Error("Nothing selected to edit.".into())],
            },
            Action::Delete => match self.selected() {
                Some(r) => {
                    let name = forms::name_of(kind, &r.record);
                    let soft = kind.soft_delete().is_some();
                    vec![Effect::Open(Overlay::Confirm {
                        title: format!("delete {} {name}?", kind.singular()),
                        message: if soft {
                            format!("{name} is marked deleted and kept for its history.")
                        } else {
                            format!("{name} is removed for good.")
                        },
                        on_yes: Command::new(&me.actor, Op::Delete { kind, id: r.id }),
                    })]
                }
                None => vec![],
            },
            Action::Allocate => {
                let subnet = match (kind, self.selected()) {
                    (Kind::Subnets, Some(r)) => forms::name_of(kind, &r.record),
                    (Kind::Addresses, Some(r)) => r.record.get(kind.fields(), "subnet_id").show(),
                    _ => String::new(),
                };
                self.open(Ask::Allocate(subnet), None, me)
            }
            Action::Release => match self.selected() {
                Some(r) => Self::send(me, Op::Release { id: r.id }),
                None => vec![],
            },
            Action::Attach | Action::Detach | Action::AddMember | Action::RemoveMember => {
                let Some(r) = self.selected().cloned() else { return vec![] };
                let ask = match action {
                    Action::Attach => Ask::Attach(forms::name_of(kind, &r.record)),
                    Action::Detach => Ask::Detach(forms::name_of(kind, &r.record)),
                    Action::AddMember => Ask::Member(kind, r.id, true),
                    _ => Ask::Member(kind, r.id, false),
                };
                self.open(ask, None, me)
            }
            _ => vec![],
        }
    }

    fn on_reply(&mut self, reply: Reply, _me: &Session) -> Taken {
        match reply {
            Reply::Infra(Out::List { kind, records }) => self.take(kind, records),
            Reply::Infra(Out::Detail { kind, detail }) => self.detail = Some((kind, *detail)),
            Reply::Infra(Out::Allocated { address, .. }) => {
                return Taken::Done(vec![Effect::Info(format!("Allocated {address}."))]);
            }
            other => return Taken::NotMine(other),
        }
        Taken::Done(vec![])
    }

    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        if front && domains.iter().any(|d| d == DOMAIN) { self.load(me) } else { vec![] }
    }

    fn on_filter(&mut self, text: &str, _enter: bool, _me: &Session) -> Vec<Effect> {
        self.table().set_filter(text);
        vec![]
    }

    fn filter(&mut self) -> String {
        self.table().filter().to_string()
    }

    fn on_command(&mut self, verb: Verb, args: &[String], _front: bool, me: &Session) -> Option<Vec<Effect>> {
        let want = match verb {
            Verb::Infra => match args.first() {
                Some(word) => match Kind::from_word(word) {
                    Some(k) => Some(k),
                    None => return Some(vec![Effect::Error(format!("No infrastructure view '{word}'."))]),
                },
                None => None,
            },
            Verb::Tenants => Some(Kind::Tenants),
            Verb::Groups => Some(Kind::Groups),
            _ => return None,
        };
        if let Some(k) = want
            && !self.show(k)
        {
            return Some(vec![Effect::Error(format!("You may not see {k}."))]);
        }
        let mut fx = vec![Effect::Front];
        fx.extend(self.load(me));
        Some(fx)
    }

    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let ask = self.asked.as_ref().ok_or("This form is no longer open.")?;
        forms::command(ask, form, &me.actor)
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, _me: &Session) {
        view::render(self, f, area, theme);
    }
}

impl InfraScreen {
    fn open(&mut self, ask: Ask, record: Option<&Record>, _me: &Session) -> Vec<Effect> {
        let form = forms::form(&ask, record);
        self.asked = Some(ask);
        vec![Effect::Form(form)]
    }

    /// The views in order with the open one marked, for the navigation line.
    pub fn nav(&self) -> Vec<(&'static str, Kind, bool)> {
        self.views.iter().enumerate().map(|(p, &i)| (VIEWS[i].0, VIEWS[i].1, p == self.at)).collect()
    }
}
