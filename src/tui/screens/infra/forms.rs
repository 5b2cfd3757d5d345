//! The tab's forms, built from a kind's fields: create (every typed field), edit (prefilled;
//! only what changed is sent), allocate an address, attach/detach a data disk, add/remove a
//! member. The engine checks each value (`engine::infra::check_values`) and says what is wrong.

use crate::domain::infra::{FieldKind, Kind, Record};
use crate::domain::rbac::Actor;
use crate::engine::Command;
use crate::engine::infra::{Membership, Op};
use crate::tui::widgets::form::{Field, Form, Key};
use uuid::Uuid;

/// Which form the tab has open.
#[derive(Debug, Clone, PartialEq)]
pub enum Ask {
    Create(Kind),
    /// Edit a record; the values the form opened with (only changes are sent).
    Edit(Kind, Uuid, Vec<String>),
    /// Allocate in the subnet named here (editable).
    Allocate(String),
    Attach(String),
    Detach(String),
    Member(Kind, Uuid, bool),
}

/// The typed fields of a kind, in order: these are the form's fields.
fn typed(kind: Kind) -> impl Iterator<Item = &'static crate::domain::infra::Field> {
    kind.fields().iter().filter(|f| !f.kind.computed())
}

/// A record's name as lists show it.
pub fn name_of(kind: Kind, r: &Record) -> String {
    match kind.label_field() {
        Some(l) => r.get(kind.fields(), l).show(),
        None => r.id.to_string(),
    }
}

fn field(f: &crate::domain::infra::Field, value: &str) -> Field {
    match f.kind {
        FieldKind::Choice(words) => {
            let mut options: Vec<&str> = words.to_vec();
            if !f.required && !words.contains(&value) {
                options.insert(0, "-");
            }
            Field::choice(Key(f.label), &options, if value.is_empty() { options[0] } else { value })
        }
        FieldKind::Bool => Field::choice(Key(f.label), &["no", "yes"], if value == "yes" { "yes" } else { "no" }),
        _ => Field::text(Key(f.label)).with_value(value),
    }
}

pub fn form(ask: &Ask, record: Option<&Record>) -> Form {
    match ask {
        Ask::Create(kind) => {
            let fields = typed(*kind).map(|f| field(f, "")).collect();
            Form::new(format!("new {}", kind.singular()), fields)
                .submit_label("create")
                .note("Sizes take units (40G, 1.5T); references take a name. * fields are required.")
        }
        Ask::Edit(kind, _, _) => {
            let fields = typed(*kind).map(|f| field(f, &current(*kind, f, record))).collect();
            Form::new(format!("edit {}", kind.singular()), fields).note("Only the fields you change are saved.")
        }
        Ask::Allocate(subnet) => Form::new(
            "allocate an address",
            vec![
                Field::text(Key("Subnet")).with_value(subnet),
                Field::text(Key("Address")),
                Field::text(Key("Instance")),
            ],
        )
        .submit_label("allocate")
        .note("Leave Address empty for the next free one."),
        Ask::Attach(disk) => Form::new(
            format!("attach {disk}"),
            vec![
                Field::text(Key("Instance")),
                Field::text(Key("Mount path")).with_value("/mnt/data"),
                Field::choice(Key("Mode"), &["rw", "ro"], "rw"),
            ],
        )
        .submit_label("attach"),
        Ask::Detach(disk) => {
            Form::new(format!("detach {disk}"), vec![Field::text(Key("Instance"))]).submit_label("detach")
        }
        Ask::Member(kind, _, add) => {
            let what = match Membership::of(*kind).map(|m| m.member()) {
                Some(crate::domain::infra::Target::User) => "User",
                Some(crate::domain::infra::Target::Kind(Kind::Vms)) => "VM",
                _ => "Instance",
            };
            Form::new(format!("{} member", if *add { "add" } else { "remove" }), vec![Field::text(Key(what))])
                .submit_label(if *add { "add" } else { "remove" })
        }
    }
}

/// The command a submitted form becomes.
pub fn command(ask: &Ask, form: &Form, actor: &Actor) -> Result<Command, String> {
    let v = |i: usize| form.fields.get(i).map(Field::value).unwrap_or_default();
    let op = match ask {
        Ask::Create(kind) => {
            let values = typed(*kind)
                .enumerate()
                .map(|(i, f)| (f.name.to_string(), v(i)))
                .filter(|(_, x)| !x.trim().is_empty() && x != "-")
                .collect();
            Op::Create { kind: *kind, values }
        }
        Ask::Edit(kind, id, before) => {
            let values = form
                .fields
                .iter()
                .zip(typed(*kind))
                .zip(before)
                .filter(|((field, _), was)| field.value() != **was)
                .map(|((field, f), _)| (f.name.to_string(), field.value()))
                .collect();
            Op::Update { kind: *kind, id: *id, values }
        }
        Ask::Allocate(_) => {
            let opt = |s: String| (!s.trim().is_empty()).then_some(s);
            Op::Allocate { subnet: v(0), address: opt(v(1)), instance: opt(v(2)) }
        }
        Ask::Attach(disk) => {
            Op::Attach { disk: disk.clone(), instance: v(0), mount_path: v(1), read_only: v(2) == "ro" }
        }
        Ask::Detach(disk) => Op::Detach { disk: disk.clone(), instance: v(0) },
        Ask::Member(kind, parent, add) => Op::Member { kind: *kind, parent: *parent, member: v(0), add: *add },
    };
    if let Op::Update { values, .. } = &op
        && values.is_empty()
    {
        return Err("Nothing changed.".into());
    }
    Ok(Command::new(actor, op))
}

/// A field's value as the edit form shows it ("" when empty).
fn current(kind: Kind, f: &crate::domain::infra::Field, record: Option<&Record>) -> String {
    record.map(|r| r.get(kind.fields(), f.name).show()).filter(|v| v != "-").unwrap_or_default()
}

/// What the edit form of `record` opens with, field by field.
pub fn before(kind: Kind, record: &Record) -> Vec<String> {
    let f = form(&Ask::Edit(kind, record.id, vec![]), Some(record));
    f.fields.iter().map(Field::value).collect()
}
