//! Classes: the classes a teacher runs (or a student is in); per class the table of its VMs
//! with bulk and per-student actions, enrollment, the join code, deployment and its progress.
//! Students see only their own VMs, with how to connect and why an action is refused.

mod forms;
mod templates;
mod view;

pub use forms::FormKind;

use super::{Screen, Taken};
use crate::domain::classes::policy::VmAction;
use crate::domain::rbac::{Action as P, Actor, Resource as R};
use crate::engine::accounts::Session;
use crate::engine::classes::{Detail, Op, Out};
use crate::engine::read::classes::{Class, ClassVm, TemplateRow};
use crate::engine::{Command, Reply, Secret};
use crate::tui::app::{Effect, Overlay};
use crate::tui::keymap::Action;
use crate::tui::palette::Verb;
use crate::tui::theme::Theme;
use crate::tui::widgets::form::Form;
use crate::tui::widgets::table::{DataTable, ListView};
use ratatui::Frame;
use ratatui::layout::Rect;
use std::collections::BTreeSet;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    List,
    Class,
    /// The VM templates with their replicas per node (`]` from the list).
    Templates,
}

pub struct ClassesScreen {
    pub level: Level,
    pub classes: DataTable<Class>,
    pub vms: DataTable<view::VmRow>,
    pub templates: DataTable<TemplateRow>,
    pub detail: Option<Detail>,
    /// The class opened at `Level::Class`.
    pub open: Option<Uuid>,
    pub marks: BTreeSet<Uuid>,
    /// Every class as loaded (the table holds the filtered view).
    all: Vec<Class>,
    /// The form this tab has open.
    asked: Option<FormKind>,
}

impl Default for ClassesScreen {
    fn default() -> Self {
        ClassesScreen {
            level: Level::List,
            classes: DataTable::new(view::class_columns()),
            vms: DataTable::new(view::vm_columns()),
            templates: DataTable::new(templates::columns()),
            detail: None,
            open: None,
            marks: BTreeSet::new(),
            all: Vec::new(),
            asked: None,
        }
    }
}

fn send(actor: &Actor, op: Op) -> Effect {
    Effect::Send(Command::new(actor, op))
}

/// Teachers (and admins) manage classes; everyone else with class:read only looks.
pub fn manages(actor: &Actor) -> bool {
    actor.can(R::Class, P::Update)
}

/// The tab shows when the role may read classes.
pub fn tab(me: &Session) -> Option<Box<dyn Screen>> {
    me.actor.can(R::Class, P::Read).then(|| Box::new(ClassesScreen::default()) as Box<dyn Screen>)
}

impl Screen for ClassesScreen {
    fn title(&self) -> &'static str {
        "Classes"
    }

    fn on_click(&mut self, x: u16, y: u16, _: &Session) -> Vec<Effect> {
        self.table().click(x, y);
        vec![]
    }

    fn home(&self, me: &Session) -> bool {
        matches!(me.actor.role, crate::domain::Role::Student | crate::domain::Role::Teacher)
    }

    fn context(&self) -> String {
        match (&self.level, &self.detail) {
            (Level::Class, Some(d)) => format!("classes › {}", d.class.name),
            (Level::Templates, _) => "classes › templates".into(),
            _ => "classes".into(),
        }
    }

    fn load(&mut self, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        let mut fx = vec![send(actor, Op::Load)];
        // The templates view and the class form's picker.
        if actor.can(R::Template, P::Read) {
            fx.push(send(actor, Op::Templates));
        }
        if let (Level::Class, Some(class_id)) = (self.level, self.open) {
            fx.push(send(actor, Op::Detail { class_id }));
        }
        fx
    }

    /// Classes and users change the list; guest states and IPs (the poller's "inventory",
    /// which moves every cycle) only the open class's VM table.
    fn on_changed(&mut self, domains: &[String], front: bool, me: &Session) -> Vec<Effect> {
        let has = |d: &str| domains.iter().any(|x| x == d);
        match (self.level, self.open) {
            _ if !front => vec![],
            _ if has("classes") || has("users") => self.load(me),
            (Level::Class, Some(class_id)) if has("inventory") => {
                vec![send(&me.actor, Op::Detail { class_id })]
            }
            _ => vec![],
        }
    }

    fn on_reply(&mut self, reply: Reply, _: &Session) -> Taken {
        let out = match reply {
            Reply::Classes(out) => out,
            // The class VMs' power actions answer like the Inventory's.
            Reply::Bulk { title, lines } => return Taken::Done(super::bulk_outcome(title, lines)),
            other => return Taken::NotMine(other),
        };
        match out {
            Out::List { classes } => {
                self.classes.set_rows(classes.clone());
                self.all = classes;
            }
            Out::Templates(rows) => self.templates.set_rows(rows),
            Out::Detail(d) => {
                // A class closed meanwhile: its detail is no longer wanted.
                if Some(d.class.id) != self.open {
                    return Taken::Done(vec![]);
                }
                let live: BTreeSet<Uuid> = d.vms.iter().map(|v| v.id).collect();
                self.marks.retain(|m| live.contains(m));
                self.detail = Some(*d);
                self.refresh_rows();
            }
        }
        Taken::Done(vec![])
    }

    fn on_filter(&mut self, text: &str, _: bool, _: &Session) -> Vec<Effect> {
        self.table().set_filter(text);
        vec![]
    }

    fn filter(&mut self) -> String {
        self.table().filter().to_string()
    }

    fn help(&self, me: &Session) -> Vec<(Action, &'static str)> {
        let actor = &me.actor;
        let teacher = manages(actor);
        let mut a = Vec::new();
        match self.level {
            Level::Templates => {
                a.extend([(Action::PrevView, "Back to the classes"), (Action::Back, "Back to the classes")])
            }
            Level::List => {
                a.push((Action::Open, "Open the class: its VMs"));
                if actor.can(R::Template, P::Read) {
                    a.push((Action::NextView, "Templates, with their replicas per node"));
                }
                if teacher {
                    a.extend([
                        (Action::New, "New class"),
                        (Action::Edit, "Edit the class"),
                        (Action::Deploy, "Deploy the pool to its size"),
                        (Action::JoinCode, "Issue a new join code (the old one stops)"),
                        (Action::Delete, "Archive the class"),
                    ]);
                } else {
                    a.push((Action::JoinCode, "Join a class with a code"));
                }
            }
            Level::Class => {
                a.extend([
                    (Action::Open, "How to connect, usage, state"),
                    (Action::Start, "Start"),
                    (Action::Stop, "Stop (hard)"),
                    (Action::Shutdown, "Shut down (ACPI)"),
                    (Action::Revert, "Revert to baseline"),
                    (Action::Back, "Back to the classes"),
                ]);
                if teacher {
                    a.extend([
                        (Action::Mark, "Mark / unmark (actions apply to marks)"),
                        (Action::MarkAll, "Mark all shown / clear marks"),
                        (Action::ResetUsage, "Reset usage hours"),
                        (Action::Enroll, "Enroll a student / move the selected one"),
                        (Action::Delete, "Remove the selected student from the class"),
                        (Action::Deploy, "Scale the pool"),
                        (Action::Publish, "Publish the teacher VM to the students"),
                        (Action::Retry, "Retry failed deployment steps"),
                        (Action::JoinCode, "Issue a new join code"),
                        (Action::Edit, "Edit the class"),
                        (Action::Palette, "coowner add|remove NAME, disable-codes, scale N"),
                    ]);
                }
            }
        }
        a.push((Action::Refresh, "Reload"));
        a
    }

    fn on_action(&mut self, action: Action, me: &Session) -> Vec<Effect> {
        let actor = &me.actor;
        if action == Action::Refresh {
            return self.load(me);
        }
        // Esc inside a class (with no filter left to clear) goes back to the list.
        if action == Action::Back {
            self.back();
            return vec![];
        }
        if self.table().navigate(action) {
            return vec![];
        }
        match self.level {
            Level::List if action == Action::NextView && actor.can(R::Template, P::Read) => {
                self.level = Level::Templates;
                vec![send(actor, Op::Templates)]
            }
            Level::Templates if matches!(action, Action::PrevView | Action::NextView) => {
                self.level = Level::List;
                vec![]
            }
            Level::List => self.list_action(action, actor),
            Level::Class => self.class_action(action, actor),
            Level::Templates => vec![],
        }
    }

    /// Palette commands of this tab: classes, join CODE, coowner add|remove NAME, scale N,
    /// disable-codes.
    fn on_command(&mut self, verb: Verb, args: &[String], front: bool, me: &Session) -> Option<Vec<Effect>> {
        if !matches!(verb, Verb::Classes | Verb::Join | Verb::Coowner | Verb::Scale | Verb::DisableCodes) {
            return None;
        }
        let mut fx = vec![Effect::Front];
        if !front {
            fx.extend(self.load(me));
        }
        if verb != Verb::Classes {
            fx.extend(self.command(verb.name(), args, &me.actor));
        }
        Some(fx)
    }

    fn on_form(&mut self, form: &Form, me: &Session) -> Result<Command, String> {
        let kind = self.asked.clone().ok_or("This form is no longer open.")?;
        forms::command(&kind, form, &me.actor, self)
    }

    fn view(&mut self, f: &mut Frame, area: Rect, theme: &Theme, _: &Session) {
        self.draw(f, area, theme)
    }
}

impl ClassesScreen {
    /// Open one of this tab's forms.
    fn form(&mut self, (kind, form): forms::Opened) -> Vec<Effect> {
        self.asked = Some(kind);
        vec![Effect::Form(form)]
    }

    /// Rebuild the VM rows (after new data or a change of marks); selection stays by id.
    fn refresh_rows(&mut self) {
        let rows = match &self.detail {
            Some(d) => {
                d.vms.iter().map(|v| view::VmRow { vm: v.clone(), marked: self.marks.contains(&v.id) }).collect()
            }
            None => vec![],
        };
        self.vms.set_rows(rows);
    }

    pub fn all_classes(&self) -> impl Iterator<Item = &Class> {
        self.all.iter()
    }

    fn table(&mut self) -> &mut dyn ListView {
        match self.level {
            Level::List => &mut self.classes,
            Level::Class => &mut self.vms,
            Level::Templates => &mut self.templates,
        }
    }

    /// Back from a class to the list.
    fn back(&mut self) {
        if self.level == Level::Templates {
            self.level = Level::List;
        }
        if self.level == Level::Class {
            self.level = Level::List;
            self.open = None;
            self.detail = None;
            self.marks.clear();
        }
    }

    fn list_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let teacher = manages(actor);
        let selected = self.classes.selected().cloned();
        match (action, selected) {
            (Action::Open, Some(c)) => {
                self.level = Level::Class;
                self.open = Some(c.id);
                self.detail = None;
                self.vms.set_rows(vec![]);
                self.vms.loaded = false;
                self.vms.set_filter("");
                vec![send(actor, Op::Detail { class_id: c.id })]
            }
            (Action::New, _) if actor.can(R::Class, P::Create) => {
                self.form(forms::class_form(None, self.templates.rows()))
            }
            (Action::Edit, Some(c)) if teacher => self.form(forms::class_form(Some(&c), self.templates.rows())),
            (Action::Deploy, Some(c)) if teacher => vec![view::confirm_deploy(&c, actor)],
            (Action::JoinCode, Some(c)) if teacher => self.form(forms::code_form(&c)),
            (Action::JoinCode, _) if !teacher => self.form(forms::join_form()),
            (Action::Delete, Some(c)) if teacher => vec![Effect::Open(Overlay::Confirm {
                title: "archive class".into(),
                message: format!(
                    "Archive {}? Its join codes stop and waiting students are released; VMs stay until you scale to 0.",
                    c.name
                ),
                on_yes: Command::new(actor, Op::Archive { class_id: c.id }),
            })],
            _ => vec![],
        }
    }

    /// The marked VMs, or the selected one.
    fn targets(&self) -> Vec<ClassVm> {
        let rows: Vec<ClassVm> = self.marked_rows();
        if !rows.is_empty() {
            return rows;
        }
        self.vms.selected().map(|r| r.vm.clone()).into_iter().collect()
    }

    fn marked_rows(&self) -> Vec<ClassVm> {
        match &self.detail {
            Some(d) => d.vms.iter().filter(|v| self.marks.contains(&v.id)).cloned().collect(),
            None => vec![],
        }
    }

    fn class_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        let teacher = manages(actor)
            && self.detail.as_ref().is_some_and(|d| d.class.teaches || actor.role == crate::domain::Role::Admin);
        let Some(d) = self.detail.clone() else { return vec![] };
        let class = d.class;
        match action {
            Action::Mark if teacher => {
                if let Some(v) = self.vms.selected() {
                    let id = v.vm.id;
                    if !self.marks.remove(&id) {
                        self.marks.insert(id);
                    }
                    self.refresh_rows();
                    self.vms.step(1);
                }
                vec![]
            }
            Action::MarkAll if teacher => {
                if self.marks.is_empty() {
                    self.marks = d.vms.iter().map(|v| v.id).collect();
                } else {
                    self.marks.clear();
                }
                self.refresh_rows();
                vec![]
            }
            Action::Open => {
                self.vms.selected().map(|r| Effect::Open(view::vm_report(&class, &r.vm))).into_iter().collect()
            }
            Action::Start => self.vm_action(VmAction::Start, actor),
            Action::Stop => self.vm_action(VmAction::Stop, actor),
            Action::Shutdown => self.vm_action(VmAction::Shutdown, actor),
            Action::Revert => self.vm_action(VmAction::Revert, actor),
            Action::ResetUsage if teacher => {
                let targets = self.targets();
                if targets.is_empty() {
                    return vec![];
                }
                let ids = targets.iter().map(|v| v.id).collect();
                vec![Effect::Open(Overlay::Confirm {
                    title: "reset usage".into(),
                    message: format!("Reset the usage hours of {}?", view::names(&targets)),
                    on_yes: Command::new(actor, Op::ResetUsage { class_id: class.id, vm_ids: ids }),
                })]
            }
            Action::Enroll if teacher => {
                self.form(forms::enroll_form(&class, self.vms.selected().and_then(|r| r.vm.username.clone())))
            }
            Action::Delete if teacher => {
                match self.vms.selected().and_then(|r| r.vm.username.clone().filter(|_| r.vm.role == "student")) {
                    Some(username) => vec![Effect::Open(Overlay::Confirm {
                        title: "remove student".into(),
                        message: format!(
                            "Remove {username} from {}? Their VM goes back to its baseline for the next student.",
                            class.name
                        ),
                        on_yes: Command::new(actor, Op::Unenroll { class_id: class.id, username }),
                    })],
                    None => vec![Effect::Error("Select a student's VM to remove that student.".into())],
                }
            }
            Action::Deploy if teacher => self.form(forms::scale_form(&class)),
            Action::Publish if teacher => vec![Effect::Open(Overlay::Confirm {
                title: "publish template".into(),
                message: format!(
                    "Publish the teacher VM of {} to its {} student VMs? Each is recreated from it (their changes are lost; assignments stay).",
                    class.name, class.seats
                ),
                on_yes: Command::new(actor, Op::Publish { class_id: class.id }),
            })],
            Action::Retry if teacher => vec![send(actor, Op::Retry { class_id: class.id })],
            Action::JoinCode if teacher => self.form(forms::code_form(&class)),
            Action::Edit if teacher => self.form(forms::class_form(Some(&class), self.templates.rows())),
            _ => vec![],
        }
    }

    fn vm_action(&mut self, action: VmAction, actor: &Actor) -> Vec<Effect> {
        let targets = self.targets();
        if targets.is_empty() {
            return vec![];
        }
        let ids: Vec<Uuid> = targets.iter().map(|v| v.id).collect();
        self.marks.clear();
        self.refresh_rows();
        let cmd = Command::new(actor, Op::Act { vm_ids: ids, action });
        if targets.len() == 1 && action != VmAction::Revert {
            return vec![Effect::Send(cmd)];
        }
        vec![Effect::Open(Overlay::Confirm {
            title: format!(
                "{} {} VM{}",
                action.verb().to_lowercase(),
                targets.len(),
                if targets.len() == 1 { "" } else { "s" }
            ),
            message: format!("{} {}?", action.verb(), view::names(&targets)),
            on_yes: cmd,
        })]
    }

    /// Palette commands of this tab: join CODE, coowner add|remove NAME, scale N, disable-codes.
    fn command(&mut self, name: &str, args: &[String], actor: &Actor) -> Vec<Effect> {
        let open = self.detail.as_ref().map(|d| d.class.id).or(self.classes.selected().map(|c| c.id));
        let a = actor.clone();
        match (name, open) {
            ("join", _) => match args.first() {
                Some(code) => vec![send(&a, Op::Join { code: Secret(code.clone()) })],
                None => self.form(forms::join_form()),
            },
            ("coowner", Some(class_id)) => match (args.first().map(String::as_str), args.get(1)) {
                (Some(op @ ("add" | "remove")), Some(username)) => {
                    vec![send(&a, Op::CoOwner { class_id, username: username.clone(), add: op == "add" })]
                }
                _ => vec![Effect::Error("coowner add NAME or coowner remove NAME".into())],
            },
            ("scale", Some(class_id)) => match args.first().and_then(|n| n.parse::<i64>().ok()) {
                Some(size) => vec![send(&a, Op::Scale { class_id, size: Some(size) })],
                None => vec![Effect::Error("scale N: the number of student VMs".into())],
            },
            ("disable-codes", Some(class_id)) => vec![send(&a, Op::DisableCodes { class_id })],
            _ => vec![Effect::Error("Select a class first.".into())],
        }
    }
}
