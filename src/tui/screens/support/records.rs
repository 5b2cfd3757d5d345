//! The records view of Support (issue 18): every tutoring record of the assignments the
//! user may see — tutors, meetings, writings, homework, exams, files — in one table, one
//! kind at a time or all, with one form to add, one to edit and one to move a record's
//! status. Which moves a row offers comes from the domain's rules for the user's standing
//! to its assignment (the store checks them again).

use super::forms::Ask;
use super::{SupportScreen, View, send};
use crate::domain::rbac::{Action as Perm, Actor, Resource};
use crate::domain::tutoring::{self as rules, Edit, RecordKind, Rel};
use crate::engine::Command;
use crate::engine::read::support::{RecordEdit, RecordRow};
use crate::engine::records::Op as RecordOp;
use crate::engine::support::Op;
use crate::tui::app::Effect;
use crate::tui::keymap::Action;
use crate::tui::widgets::form::{Field, Form, Key};
use chrono::{DateTime, Local, NaiveDateTime, TimeZone, Utc};
use uuid::Uuid;

const KIND: Key = Key("Kind");
const ASSIGNMENT: Key = Key("Assignment (code)");
const WHEN: Key = Key("When (YYYY-MM-DD HH:MM)");
const MINUTES: Key = Key("Minutes");
const TUTOR: Key = Key("Tutor (username)");
const FILE: Key = Key("File (path on this machine)");
const NAME: Key = Key("Name");
const STATUS: Key = Key("Status");

pub(super) fn load(actor: &Actor, assignment: Option<Uuid>) -> Effect {
    send(actor, Op::Records(RecordOp::Load { assignment }))
}

pub(super) fn help() -> Vec<(Action, &'static str)> {
    vec![
        (Action::New, "Add a record: a tutor, meeting, writing, homework, exam or file"),
        (Action::Open, "Edit the record (a meeting's time, homework's due time, an exam's length, a file's name)"),
        (Action::SetStatus, "Move the record on (mark a meeting done, submit a writing, grade an exam…)"),
        (Action::Outcome, "Cycle the kind shown"),
    ]
}

/// How the user stands to assignments in general, to offer the kinds they may add.
fn role_rel(actor: &Actor) -> Rel {
    match actor.role {
        crate::domain::Role::Student => Rel::Student,
        crate::domain::Role::Teacher => Rel::Tutor,
        _ if actor.can(Resource::Assignment, Perm::Update) => Rel::Staff,
        _ => Rel::Other,
    }
}

/// The kinds the user may add.
fn creatable(actor: &Actor) -> Vec<&'static str> {
    let rel = role_rel(actor);
    RecordKind::ALL.iter().filter(|k| rules::may_create(**k, rel).is_ok()).map(|k| k.as_str()).collect()
}

/// The field a kind's new record needs beside its assignment.
fn field_for(kind: RecordKind) -> Option<Field> {
    match kind {
        RecordKind::Teacher => Some(Field::text(TUTOR)),
        RecordKind::Meeting | RecordKind::Homework => Some(Field::text(WHEN)),
        RecordKind::Exam => Some(Field::text(MINUTES).with_value("60")),
        RecordKind::File => Some(Field::text(FILE)),
        RecordKind::Writing => None,
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A local "YYYY-MM-DD HH:MM", as the table shows times.
fn parse_when(s: &str) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| "When: write it as YYYY-MM-DD HH:MM".to_string())?;
    Local
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or("When: that time does not exist here".into())
}

fn minutes(s: &str) -> Result<i64, String> {
    s.trim()
        .parse()
        .ok()
        .filter(|m| rules::EXAM_MINUTES.contains(m))
        .ok_or("Minutes: a whole number from 1 to 600".into())
}

impl SupportScreen {
    pub(super) fn load_links(&self, actor: &Actor) -> Vec<Effect> {
        self.assignments
            .selected()
            .map(|a| send(actor, Op::Records(RecordOp::Links { assignment: a.id })))
            .into_iter()
            .collect()
    }

    /// Enter on an assignment: its records.
    pub(super) fn open_records(&mut self, actor: &Actor) -> Vec<Effect> {
        let Some(a) = self.assignments.selected() else { return vec![] };
        self.record_scope = Some((a.id, a.assignment_code.clone()));
        self.view = View::Records;
        self.records.set_filter("");
        vec![load(actor, Some(a.id))]
    }

    pub(super) fn cycle_kind(&mut self) {
        let pos = self.record_kind.and_then(|k| RecordKind::ALL.iter().position(|x| *x == k));
        self.record_kind = match pos {
            None => Some(RecordKind::ALL[0]),
            Some(i) if i + 1 < RecordKind::ALL.len() => Some(RecordKind::ALL[i + 1]),
            Some(_) => None,
        };
        self.show_records();
    }

    /// The loaded records of the kind shown.
    pub(super) fn show_records(&mut self) {
        let kind = self.record_kind.map(|k| k.as_str());
        let rows = self.record_rows.iter().filter(|r| kind.is_none_or(|k| r.kind == k)).cloned().collect();
        self.records.set_rows(rows);
    }

    pub(super) fn record_action(&mut self, action: Action, actor: &Actor) -> Vec<Effect> {
        match action {
            Action::New => {
                let (ask, form) = self.new_record_form(actor);
                self.form(ask, form)
            }
            Action::Outcome => {
                self.cycle_kind();
                vec![]
            }
            Action::Open | Action::Edit => {
                let Some(r) = self.records.selected().cloned() else { return vec![] };
                let Some(kind) = r.kind() else { return vec![] };
                // A file's detail is "name  type"; a type never holds two spaces, a name may.
                let name = r.detail.rsplit_once("  ").map_or(r.detail.as_str(), |(n, _)| n).to_string();
                let field = match kind.edit() {
                    Edit::When => Field::text(WHEN).with_value(&r.at.map(local).unwrap_or_default()),
                    Edit::Minutes => Field::text(MINUTES).with_value(&r.minutes.unwrap_or(60).to_string()),
                    Edit::Name => Field::text(NAME).with_value(&name),
                    Edit::Nothing => {
                        return vec![Effect::Error(format!("A {kind} has nothing to edit but its status (e)."))];
                    }
                };
                let title = format!("edit {kind} of {}", r.assignment_code);
                self.form(Ask::EditRecord { kind, id: r.id }, Form::new(title, vec![field]).submit_label("save"))
            }
            Action::SetStatus => {
                let Some(r) = self.records.selected().cloned() else { return vec![] };
                let Some(kind) = r.kind() else { return vec![] };
                let next = rules::next_statuses(kind, r.rel(), &r.status);
                if r.status.is_empty() {
                    return vec![Effect::Error(format!("A {kind} has no status."))];
                }
                if next.is_empty() {
                    let from = r.status.replace('_', " ");
                    return vec![Effect::Error(format!("You cannot move this {kind} on from {from}."))];
                }
                let title = format!("{kind} of {} · {}", r.assignment_code, r.status.replace('_', " "));
                let form = Form::new(title, vec![Field::choice(STATUS, &next, next[0])]).submit_label("set");
                self.form(Ask::RecordStatus { kind, id: r.id }, form)
            }
            _ => vec![],
        }
    }

    fn new_record_form(&self, actor: &Actor) -> (Ask, Form) {
        let code = match (&self.record_scope, self.records.selected()) {
            (Some((_, code)), _) => code.clone(),
            (None, Some(r)) => r.assignment_code.clone(),
            (None, None) => String::new(),
        };
        let assignment = Field::text(ASSIGNMENT).with_value(&code);
        match self.record_kind {
            Some(kind) => {
                let fields = std::iter::once(assignment).chain(field_for(kind)).collect();
                (Ask::NewRecord { kind: Some(kind) }, Form::new(format!("new {kind}"), fields).submit_label("add"))
            }
            None => {
                let kinds = creatable(actor);
                let first = kinds.first().copied().unwrap_or("writing");
                let fields = vec![
                    Field::choice(KIND, &kinds, first),
                    assignment,
                    Field::text(WHEN),
                    Field::text(MINUTES),
                    Field::text(TUTOR),
                    Field::text(FILE),
                ];
                let note = "Meetings and homework take When; exams Minutes; tutors a username; files a path \
                            (read from this machine; the name is kept for display only). o shows one kind.";
                (Ask::NewRecord { kind: None }, Form::new("new record", fields).submit_label("add").note(note))
            }
        }
    }

    /// A submitted records form, as the command it asks for.
    pub(super) fn record_command(&self, ask: &Ask, form: &Form, actor: &Actor) -> Result<Command, String> {
        let op = match ask {
            Ask::NewRecord { kind } => {
                let (kind, all) = match kind {
                    Some(k) => (*k, false),
                    None => (RecordKind::parse(&form.value(KIND)).ok_or("Pick a kind.")?, true),
                };
                let has = |k: &[RecordKind]| all || k.contains(&kind);
                let text = |key: Key, k: &[RecordKind]| if has(k) { form.value(key) } else { String::new() };
                let when = text(WHEN, &[RecordKind::Meeting, RecordKind::Homework]);
                let mins = text(MINUTES, &[RecordKind::Exam]);
                RecordOp::Create {
                    kind,
                    assignment: form.value(ASSIGNMENT),
                    when: match (kind, when.trim()) {
                        (RecordKind::Meeting | RecordKind::Homework, w) if !w.is_empty() => Some(parse_when(w)?),
                        (RecordKind::Meeting, _) => return Err("A meeting needs a time (When).".into()),
                        _ => None,
                    },
                    minutes: if kind == RecordKind::Exam { Some(minutes(&mins)?) } else { None },
                    teacher: text(TUTOR, &[RecordKind::Teacher]),
                    path: text(FILE, &[RecordKind::File]),
                }
            }
            Ask::EditRecord { kind, id } => {
                let edit = match kind.edit() {
                    Edit::When => RecordEdit::When(parse_when(&form.value(WHEN))?),
                    Edit::Minutes => RecordEdit::Minutes(minutes(&form.value(MINUTES))?),
                    Edit::Name => RecordEdit::Name(form.value(NAME)),
                    Edit::Nothing => return Err("Nothing to edit.".into()),
                };
                RecordOp::Edit { kind: *kind, id: *id, edit }
            }
            Ask::RecordStatus { kind, id } => RecordOp::SetStatus { kind: *kind, id: *id, status: form.value(STATUS) },
            _ => return Err("This form is no longer open.".into()),
        };
        Ok(Command::new(actor, Op::Records(op)))
    }
}

/// The row's "when" and "detail" cells.
pub(super) fn cells(r: &RecordRow) -> (String, String) {
    let detail = match (r.minutes, r.size_bytes) {
        (Some(m), _) => format!("{m} min"),
        (_, Some(b)) => format!("{} · {}", r.detail, rules::size_label(b)),
        _ => r.detail.clone(),
    };
    (r.at.map(local).unwrap_or_default(), detail)
}
