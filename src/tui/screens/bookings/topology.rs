//! The topology editor of the Bookings tab: Enter on a topology opens it (a drawing, then
//! its nodes and links as a list), `n` adds a node picked from the devices, `+` links two free
//! ports picked from lists, `x` removes the selected node or link, `r` renames, `b` books every
//! device at once, `v` submits for review, Esc goes back to the list.

use super::forms::{self, DEVICE, FROM, LABEL, NAME, TO};
use super::{BookingsScreen, FormKind};
use crate::domain::bookings::topology::{Dir, Edit, End, free_ports};
use crate::domain::rbac::Actor;
use crate::engine::Command;
use crate::engine::bookings::Op;
use crate::engine::read::bookings::TopologyDetail;
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form};
use crate::tui::widgets::table::movement;
use chrono::Duration;
use uuid::Uuid;

/// The open editor: which topology, and the selected row of its node/link list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Editor {
    pub id: Uuid,
    pub item: usize,
}

/// A row of the editor's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Node(usize),
    Link(usize),
}

/// The editor's rows: every node, then every link.
pub fn items(t: &TopologyDetail) -> Vec<Item> {
    (0..t.nodes.len()).map(Item::Node).chain((0..t.links.len()).map(Item::Link)).collect()
}

/// The free link ends offered in the link form ("edge-sw-01 out 2"), with their direction.
fn end_choices(t: &TopologyDetail) -> Vec<(String, End, Option<Dir>)> {
    let links = t.link_facts();
    let mut out = Vec::new();
    for n in &t.nodes {
        let facts = n.facts();
        match &facts.ports {
            Some(_) => {
                for p in free_ports(&facts, &links) {
                    out.push((format!("{} {p}", n.label), End { node: n.id, port: Some(p.number) }, Some(p.dir)));
                }
            }
            None => out.push((format!("{} (no port)", n.label), End { node: n.id, port: None }, None)),
        }
    }
    out
}

impl BookingsScreen {
    /// The topology the editor shows, when its detail is loaded.
    pub fn editing(&self) -> Option<&TopologyDetail> {
        let e = self.editor?;
        self.topology.as_ref().filter(|t| t.row.id == e.id)
    }

    pub(super) fn open_editor(&mut self, id: Uuid, actor: &Actor) -> Vec<Effect> {
        self.editor = Some(Editor { id, item: 0 });
        if self.topology.as_ref().map(|t| t.row.id) == Some(id) {
            vec![]
        } else {
            vec![Self::send(actor, Op::Topology { id })]
        }
    }

    /// Keys while the editor is open.
    pub(super) fn editor_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let Some(editor) = self.editor else { return vec![] };
        if action == Action::Back {
            self.editor = None;
            return vec![];
        }
        let Some(t) = self.editing().cloned() else {
            return vec![];
        };
        let rows = items(&t);
        if let Some(d) = movement(action, 5) {
            let last = rows.len().saturating_sub(1) as isize;
            let item = (editor.item as isize).saturating_add(d).clamp(0, last.max(0)) as usize;
            self.editor = Some(Editor { item, ..editor });
            return vec![];
        }
        match action {
            Action::New => self.add_node_form(&t),
            Action::AddLink => self.add_link_form(&t),
            Action::Rename => self.form(
                Form::new(format!("rename {}", t.row.name), vec![Field::text(NAME).with_value(&t.row.name)])
                    .submit_label("rename"),
                FormKind::Rename { topology: t.row.id },
            ),
            Action::BookTopology => self.book_topology_form(&t),
            Action::Delete => match rows.get(editor.item) {
                Some(Item::Node(i)) => {
                    let n = &t.nodes[*i];
                    let at = t.links.iter().filter(|l| l.from_node_id == n.id || l.to_node_id == n.id).count();
                    vec![Effect::Open(Overlay::Confirm {
                        title: "remove node".into(),
                        message: format!("Remove {} from {} (and its {at} link(s))?", n.label, t.row.name),
                        on_yes: Command::new(actor, edit(t.row.id, Edit::RemoveNode { node: n.id })),
                    })]
                }
                Some(Item::Link(i)) => {
                    let l = &t.links[*i];
                    vec![Effect::Open(Overlay::Confirm {
                        title: "remove link".into(),
                        message: format!("Remove the link {} from {}?", t.link_text(l), t.row.name),
                        on_yes: Command::new(actor, edit(t.row.id, Edit::RemoveLink { link: l.id })),
                    })]
                }
                None => vec![Effect::Error("Nothing selected.".into())],
            },
            Action::Review | Action::Approve | Action::Reject => self.topology_action(action, actor),
            _ => vec![],
        }
    }

    fn add_node_form(&mut self, t: &TopologyDetail) -> Vec<Effect> {
        let taken: Vec<Uuid> = t.nodes.iter().filter_map(|n| n.device_id).collect();
        let mut choices: Vec<(String, Uuid)> = Vec::new();
        for d in self.cal.data.devices.iter().filter(|d| d.retired_at.is_none() && !taken.contains(&d.id)) {
            let mut label = format!("{} ({})", d.name, d.device_type);
            if choices.iter().any(|(l, _)| *l == label) {
                label = format!("{label} {}", &d.id.simple().to_string()[..6]);
            }
            choices.push((label, d.id));
        }
        if choices.is_empty() {
            return vec![Effect::Error("Every device is in this topology already (or none is loaded).".into())];
        }
        let names: Vec<&str> = choices.iter().map(|c| c.0.as_str()).collect();
        let form = Form::new(format!("add a node to {}", t.row.name), vec![Field::choice(DEVICE, &names, names[0])])
            .submit_label("add")
            .note(format!("{} free devices: ←/→ or the first letter to pick.", choices.len()));
        self.form(form, FormKind::AddNode { topology: t.row.id, choices })
    }

    fn add_link_form(&mut self, t: &TopologyDetail) -> Vec<Effect> {
        let ends = end_choices(t);
        // By default an out port to an in port of another node, as fibre runs.
        let first = ends.iter().find(|c| c.2 == Some(Dir::Out)).or(ends.first());
        let Some(first) = first else {
            return vec![Effect::Error("Every port is linked already: add a node first.".into())];
        };
        let other = |c: &&(String, End, Option<Dir>)| c.1.node != first.1.node;
        let second = ends.iter().filter(other).find(|c| c.2 != Some(Dir::Out)).or(ends.iter().find(other));
        let Some(second) = second else {
            return vec![Effect::Error("A link needs free ports on two nodes.".into())];
        };
        let (first, second) = (first.0.clone(), second.0.clone());
        let choices: Vec<(String, End)> = ends.into_iter().map(|c| (c.0, c.1)).collect();
        let names: Vec<&str> = choices.iter().map(|c| c.0.as_str()).collect();
        let form = Form::new(
            format!("link two ports of {}", t.row.name),
            vec![Field::choice(FROM, &names, &first), Field::choice(TO, &names, &second), Field::text(LABEL)],
        )
        .submit_label("link")
        .note("Free ports only: a port carries one link. ←/→ to pick.");
        self.form(form, FormKind::AddLink { topology: t.row.id, choices })
    }

    pub(super) fn book_topology_form(&mut self, t: &TopologyDetail) -> Vec<Effect> {
        let devices: Vec<Uuid> = t.nodes.iter().filter_map(|n| n.device_id).collect();
        if devices.is_empty() {
            return vec![Effect::Error(format!("{} has no device to book: add one first.", t.row.name))];
        }
        let start = self.cal.day_start() + Duration::days(1) + Duration::hours(8);
        let form = forms::window_form(format!("book topology {}", t.row.name), &self.cal, start, 4, vec![])
            .submit_label("book");
        let kind = FormKind::BookTopology { topology: t.row.id, devices };
        let mut form = form;
        self.noted(&mut form, &kind);
        self.form(form, kind)
    }
}

fn edit(id: Uuid, edit: Edit) -> Op {
    Op::EditTopology { id, edit }
}

/// The command a submitted topology form becomes (`None`: not a topology form).
pub fn command(form: &Form, kind: &FormKind) -> Option<Result<Op, String>> {
    Some(match kind {
        FormKind::NewTopology { devices } => {
            Ok(Op::CreateTopology { name: form.value(NAME), devices: devices.clone() })
        }
        FormKind::Rename { topology } => Ok(edit(*topology, Edit::Rename { name: form.value(NAME) })),
        FormKind::AddNode { topology, choices } => {
            let picked = form.value(DEVICE);
            choices
                .iter()
                .find(|c| c.0 == picked)
                .map(|c| edit(*topology, Edit::AddNode { device: c.1 }))
                .ok_or_else(|| "Device: pick one of the list".to_string())
        }
        FormKind::AddLink { topology, choices } => {
            let end = |key| choices.iter().find(|c| c.0 == form.value(key)).map(|c| c.1);
            match (end(FROM), end(TO)) {
                (Some(a), Some(b)) if a.node != b.node => {
                    let label = Some(form.value(LABEL)).filter(|l| !l.trim().is_empty());
                    Ok(edit(*topology, Edit::AddLink { a, b, label }))
                }
                (Some(_), Some(_)) => Err("From and To are ports of one node: pick another node for To".into()),
                _ => Err("From, To: pick ports of the list".into()),
            }
        }
        _ => return None,
    })
}
