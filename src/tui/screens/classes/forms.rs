//! The Classes tab's dialogs and the commands their fields become.

use super::ClassesScreen;
use super::templates;
use crate::domain::rbac::Actor;
use crate::engine::classes::{ClassForm, Op};
use crate::engine::read::classes::{Class, TemplateRow};
use crate::engine::{Command, Secret};
use crate::tui::widgets::form::{Field, Form, Key};
use uuid::Uuid;

// The fields of this file's forms (`Key`: built and read by the same name).
const VALID_DAYS: Key = Key("Valid days");
const CODE: Key = Key("Code");
const STUDENT: Key = Key("Student");
const MOVE_TO_CLASS: Key = Key("Move to class");
const STUDENT_VMS: Key = Key("Student VMs");
const NAME: Key = Key("Name");
const DESCRIPTION: Key = Key("Description");
const TEMPLATE: Key = Key("Template");
const NODE: Key = Key("Node");
const POOL_SIZE: Key = Key("Pool size");
const CPU_CORES: Key = Key("CPU cores");
const MEMORY_MB: Key = Key("Memory MB");
const DISK_GB: Key = Key("Disk GB");
const HOURS: Key = Key("Hours");
const TIME_ZONE: Key = Key("Time zone");
const AUTO_SHUTDOWN: Key = Key("Auto shutdown");
const MAX_HOURS: Key = Key("Max hours");
const POWER_ON_BEFORE: Key = Key("Power on before");

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

const CLASS_FIELDS: [Key; 13] = [
    NAME,
    DESCRIPTION,
    TEMPLATE,
    NODE,
    POOL_SIZE,
    CPU_CORES,
    MEMORY_MB,
    DISK_GB,
    HOURS,
    TIME_ZONE,
    AUTO_SHUTDOWN,
    MAX_HOURS,
    POWER_ON_BEFORE,
];

pub fn class_form(class: Option<&Class>, known: &[TemplateRow]) -> Opened {
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
    // The template is picked from the templates the tab knows (←/→), not typed as a VMID.
    let choices = templates::choices(known);
    let options: Vec<&str> = choices.iter().map(String::as_str).collect();
    let current = templates::chosen(known, class.and_then(|c| c.template_id));
    let fields = CLASS_FIELDS
        .iter()
        .zip(values)
        .map(|(key, v)| match *key {
            TEMPLATE => Field::choice(TEMPLATE, &options, &current),
            _ => Field::text(*key).with_value(v),
        })
        .collect();
    let (title, kind) = match class {
        Some(c) => (format!("edit {}", c.name), FormKind::EditClass(c.id)),
        None => ("new class".to_string(), FormKind::NewClass),
    };
    let form = Form::new(title, fields).note(
        "Template: ←/→ picks one (the templates view, ], shows their replicas). Hours: HH:MM-HH:MM in the time zone (empty: any time; 22:00-06:00 wraps midnight). \
         Auto shutdown: off or CPU%/minutes. Max hours: 0 for no limit; empty on a new class takes the \
         setting classes.default_max_usage_hours. Power-on minutes: empty for none.",
    );
    open(form, kind)
}

pub fn code_form(c: &Class) -> Opened {
    let form = Form::new(format!("join code for {}", c.name), vec![Field::text(VALID_DAYS).with_value("14")])
        .submit_label("issue")
        .note("A new code replaces the current one. Leave Valid days empty for a code that never expires.");
    open(form, FormKind::IssueCode(c.id))
}

pub fn join_form() -> Opened {
    let form = Form::new("join a class", vec![Field::text(CODE)])
        .submit_label("join")
        .note("The code your teacher gave you, like ABCDE-FGHJK.");
    open(form, FormKind::Join)
}

pub fn enroll_form(c: &Class, selected: Option<String>) -> Opened {
    let form = Form::new(
        format!("enroll in {}", c.name),
        vec![Field::text(STUDENT).with_value(selected.as_deref().unwrap_or("")), Field::text(MOVE_TO_CLASS)],
    )
    .submit_label("enroll")
    .note("A username. With a class name in 'Move to class', the student moves there from this class instead.");
    open(form, FormKind::Enroll(c.id))
}

pub fn scale_form(c: &Class) -> Opened {
    let form =
        Form::new(format!("scale {}", c.name), vec![Field::text(STUDENT_VMS).with_value(&c.pool_size.to_string())])
            .submit_label("scale")
            .note("Growing clones new VMs; shrinking removes unassigned VMs only (highest first).");
    open(form, FormKind::Scale(c.id))
}

pub fn command(kind: &FormKind, form: &Form, actor: &Actor, screen: &ClassesScreen) -> Result<Command, String> {
    let v = |key: Key| form.value(key);
    let class_form = || ClassForm {
        name: v(NAME),
        description: v(DESCRIPTION),
        template: templates::picked(screen.templates.rows(), &v(TEMPLATE)),
        node: v(NODE),
        pool_size: v(POOL_SIZE),
        cpu_cores: v(CPU_CORES),
        memory_mb: v(MEMORY_MB),
        disk_gb: v(DISK_GB),
        hours: v(HOURS),
        time_zone: v(TIME_ZONE),
        auto_shutdown: v(AUTO_SHUTDOWN),
        max_hours: v(MAX_HOURS),
        power_on_lead: v(POWER_ON_BEFORE),
    };
    let cmd = match kind {
        FormKind::NewClass | FormKind::EditClass(_) if !screen.templates.loaded => {
            return Err("The templates are still loading; try again in a moment.".into());
        }
        FormKind::NewClass => Op::Create { form: Box::new(class_form()) },
        FormKind::EditClass(id) => Op::Edit { class_id: *id, form: Box::new(class_form()) },
        FormKind::IssueCode(id) => {
            let days = form.optional_number(VALID_DAYS, 1..=365)?;
            Op::IssueCode { class_id: *id, days }
        }
        FormKind::Join => {
            let code = v(CODE);
            if !crate::domain::classes::token::plausible(&code) {
                return Err("That is not a join code (it looks like ABCDE-FGHJK).".into());
            }
            Op::Join { code: Secret(code) }
        }
        FormKind::Enroll(id) => {
            let username = v(STUDENT).trim().to_string();
            if username.is_empty() {
                return Err("Type the student's username.".into());
            }
            let target = v(MOVE_TO_CLASS);
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
            let size = v(STUDENT_VMS).trim().parse::<i64>().map_err(|_| "Student VMs: a whole number.")?;
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
