//! The Classes tab's dialogs and the commands their fields become.

use super::ClassesScreen;
use crate::domain::rbac::Actor;
use crate::engine::classes::{ClassForm, Op};
use crate::engine::read::classes::Class;
use crate::engine::{Command, Secret};
use crate::tui::widgets::form::{Field, Form};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    NewClass,
    EditClass(Uuid),
    IssueCode(Uuid),
    Join,
    Enroll(Uuid),
    Scale(Uuid),
}

/// A form to open, and which it is.
pub type Opened = (FormKind, Form);

fn open(form: Form, kind: FormKind) -> Opened {
    (kind, form)
}

const CLASS_FIELDS: [&str; 13] = [
    "Name",
    "Description",
    "Template",
    "Node",
    "Pool size",
    "CPU cores",
    "Memory MB",
    "Disk GB",
    "Hours",
    "Time zone",
    "Auto shutdown",
    "Max hours",
    "Power on before",
];

pub fn class_form(class: Option<&Class>) -> Opened {
    let f = class.map(ClassForm::of).unwrap_or_else(|| ClassForm {
        pool_size: "10".into(),
        cpu_cores: "2".into(),
        memory_mb: "2048".into(),
        disk_gb: "32".into(),
        hours: "08:00-20:00".into(),
        time_zone: "UTC".into(),
        auto_shutdown: "5%/30m".into(),
        ..ClassForm::default()
    });
    let values = [
        &f.name,
        &f.description,
        &f.template,
        &f.node,
        &f.pool_size,
        &f.cpu_cores,
        &f.memory_mb,
        &f.disk_gb,
        &f.hours,
        &f.time_zone,
        &f.auto_shutdown,
        &f.max_hours,
        &f.power_on_lead,
    ];
    let fields = CLASS_FIELDS.iter().zip(values).map(|(label, v)| Field::text(label).with_value(v)).collect();
    let (title, kind) = match class {
        Some(c) => (format!("edit {}", c.name), FormKind::EditClass(c.id)),
        None => ("new class".to_string(), FormKind::NewClass),
    };
    let form = Form::new(title, fields).note(
        "Template: a Proxmox template's VMID. Hours: HH:MM-HH:MM in the time zone (empty: any time; 22:00-06:00 wraps midnight). \
         Auto shutdown: off or CPU%/minutes. Max hours: 0 for no limit; empty on a new class takes the \
         setting classes.default_max_usage_hours. Power-on minutes: empty for none.",
    );
    open(form, kind)
}

pub fn code_form(c: &Class) -> Opened {
    let form = Form::new(format!("join code for {}", c.name), vec![Field::text("Valid days").with_value("14")])
        .submit_label("issue")
        .note("A new code replaces the current one. Leave Valid days empty for a code that never expires.");
    open(form, FormKind::IssueCode(c.id))
}

pub fn join_form() -> Opened {
    let form = Form::new("join a class", vec![Field::text("Code")])
        .submit_label("join")
        .note("The code your teacher gave you, like ABCDE-FGHJK.");
    open(form, FormKind::Join)
}

pub fn enroll_form(c: &Class, selected: Option<String>) -> Opened {
    let form = Form::new(
        format!("enroll in {}", c.name),
        vec![Field::text("Student").with_value(selected.as_deref().unwrap_or("")), Field::text("Move to class")],
    )
    .submit_label("enroll")
    .note("A username. With a class name in 'Move to class', the student moves there from this class instead.");
    open(form, FormKind::Enroll(c.id))
}

pub fn scale_form(c: &Class) -> Opened {
    let form =
        Form::new(format!("scale {}", c.name), vec![Field::text("Student VMs").with_value(&c.pool_size.to_string())])
            .submit_label("scale")
            .note("Growing clones new VMs; shrinking removes unassigned VMs only (highest first).");
    open(form, FormKind::Scale(c.id))
}

pub fn command(kind: &FormKind, form: &Form, actor: &Actor, screen: &ClassesScreen) -> Result<Command, String> {
    let v = |label: &str| form.value(label);
    let class_form = || ClassForm {
        name: v("Name"),
        description: v("Description"),
        template: v("Template"),
        node: v("Node"),
        pool_size: v("Pool size"),
        cpu_cores: v("CPU cores"),
        memory_mb: v("Memory MB"),
        disk_gb: v("Disk GB"),
        hours: v("Hours"),
        time_zone: v("Time zone"),
        auto_shutdown: v("Auto shutdown"),
        max_hours: v("Max hours"),
        power_on_lead: v("Power on before"),
    };
    let cmd = match kind {
        FormKind::NewClass => Op::Create { form: Box::new(class_form()) },
        FormKind::EditClass(id) => Op::Edit { class_id: *id, form: Box::new(class_form()) },
        FormKind::IssueCode(id) => {
            let days = form.optional_number("Valid days", 1..=365)?;
            Op::IssueCode { class_id: *id, days }
        }
        FormKind::Join => {
            let code = v("Code");
            if !crate::domain::classes::token::plausible(&code) {
                return Err("That is not a join code (it looks like ABCDE-FGHJK).".into());
            }
            Op::Join { code: Secret(code) }
        }
        FormKind::Enroll(id) => {
            let username = v("Student").trim().to_string();
            if username.is_empty() {
                return Err("Type the student's username.".into());
            }
            let target = v("Move to class");
            if target.trim().is_empty() {
                Op::Enroll { class_id: *id, username }
            } else {
                let to = screen
                    .classes_named(target.trim())
                    .ok_or_else(|| format!("No class named '{}' among yours.", target.trim()))?;
                Op::Move { from: *id, to, username }
            }
        }
        FormKind::Scale(id) => {
            let size = v("Student VMs").trim().parse::<i64>().map_err(|_| "Student VMs: a whole number.")?;
            Op::Scale { class_id: *id, size: Some(size) }
        }
    };
    Ok(Command::new(actor, cmd))
}

impl ClassesScreen {
    fn classes_named(&self, name: &str) -> Option<Uuid> {
        self.all_classes().find(|c| c.name.eq_ignore_ascii_case(name)).map(|c| c.id)
    }
}
