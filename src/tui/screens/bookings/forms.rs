//! The Bookings tab's dialogs: what each one asks, and the command it becomes. Times are
//! typed in the user's time zone ("2026-03-02 09:00") and sent in UTC.

use super::calendar::CalendarState;
use crate::domain::bookings::topology::End;
use crate::domain::bookings::{self as rules, DeviceStatus, Held, Interval};
use crate::domain::rbac::Actor;
use crate::engine::Command;
use crate::engine::bookings::{Format, Op, Request, Scope};
use crate::engine::read::bookings::DeviceInput;
use crate::tui::widgets::form::{Field, Form, Key};
use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

// The fields of this file's forms (`Key`: built and read by the same name).
pub(super) const TITLE: Key = Key("Title");
pub(super) const START: Key = Key("Start");
pub(super) const END: Key = Key("End");
pub(super) const WEEKS: Key = Key("Weeks");
pub(super) const COLLABORATORS: Key = Key("Collaborators");
pub(super) const COMMENT: Key = Key("Comment");
pub(super) const NAME: Key = Key("Name");
pub(super) const TYPE: Key = Key("Type");
pub(super) const IP: Key = Key("IP");
pub(super) const PORTS_IN_OUT: Key = Key("Ports in/out");
pub(super) const STATUS: Key = Key("Status");
pub(super) const CAPACITY: Key = Key("Capacity");
pub(super) const TAGS: Key = Key("Tags");
pub(super) const FORMAT: Key = Key("Format");
pub(super) const WHICH: Key = Key("Which");
pub(super) const DEVICE: Key = Key("Device");
pub(super) const FILE: Key = Key("File");
pub(super) const UNTIL: Key = Key("Until");
pub(super) const USER: Key = Key("User");
pub(super) const DO: Key = Key("Do");
pub(super) const REASON: Key = Key("Reason");
pub(super) const HEALTH: Key = Key("Health");
pub(super) const NOTES: Key = Key("Notes");
pub(super) const HOURS: Key = Key("Hours");
pub(super) const FROM: Key = Key("From");
pub(super) const TO: Key = Key("To");
pub(super) const LABEL: Key = Key("Label");

#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    Book {
        devices: Vec<Uuid>,
    },
    Rebook {
        favorite: Uuid,
    },
    Extend {
        group: Uuid,
    },
    Move {
        group: Uuid,
    },
    Decide {
        group: Uuid,
        approve: bool,
    },
    Comment {
        group: Uuid,
    },
    Collaborator {
        group: Uuid,
    },
    Favorite {
        group: Uuid,
    },
    Device {
        id: Option<Uuid>,
    },
    Maintenance {
        device: Uuid,
    },
    Owner {
        device: Uuid,
    },
    Health {
        device: Uuid,
    },
    NewTopology {
        devices: Vec<Uuid>,
    },
    Rename {
        topology: Uuid,
    },
    /// Devices offered, as shown in the choice and by id.
    AddNode {
        topology: Uuid,
        choices: Vec<(String, Uuid)>,
    },
    /// Free link ends offered, as shown in the choices.
    AddLink {
        topology: Uuid,
        choices: Vec<(String, End)>,
    },
    BookTopology {
        topology: Uuid,
        devices: Vec<Uuid>,
    },
    Review {
        topology: Uuid,
    },
    Resolve {
        topology: Uuid,
        approve: bool,
    },
    FindFree {
        devices: Vec<Uuid>,
    },
    Export,
}

/// Parse a local "YYYY-MM-DD HH:MM" in `tz`.
pub fn parse_local(tz: Tz, label: &str, s: &str) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| format!("{label}: write it as YYYY-MM-DD HH:MM"))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("{label}: {s} does not exist in {tz} (clocks change then)"))
}

pub(super) fn window(tz: Tz, form: &Form) -> Result<Interval, String> {
    let start = parse_local(tz, "Start", &form.value(START))?;
    let end = parse_local(tz, "End", &form.value(END))?;
    Interval::new(start, end).and_then(Interval::bookable).map_err(|e| e.to_string())
}

fn names(cal: &CalendarState, ids: &[Uuid]) -> String {
    ids.iter().filter_map(|id| cal.device(*id)).map(|d| d.name.as_str()).collect::<Vec<_>>().join(", ")
}

/// The booking dialog over `devices`, starting at `start` for an hour.
pub fn book(cal: &CalendarState, devices: Vec<Uuid>, start: DateTime<Utc>) -> (Form, FormKind) {
    let form = Form::new(
        format!("book {}", names(cal, &devices)),
        vec![
            Field::text(TITLE),
            Field::text(START).with_value(&cal.stamp(start)),
            Field::text(END).with_value(&cal.stamp(start + Duration::hours(1))),
            Field::text(WEEKS).with_value("1"),
            Field::text(COLLABORATORS),
            Field::text(COMMENT),
        ],
    )
    .submit_label("book");
    let kind = FormKind::Book { devices };
    let mut form = form;
    form.note = Some(note(cal, &form, &kind));
    (form, kind)
}

/// The dialog's note: for a booking, the conflicts in what is loaded, before saving.
pub fn note(cal: &CalendarState, form: &Form, kind: &FormKind) -> String {
    let (FormKind::Book { devices } | FormKind::BookTopology { devices, .. }) = kind else {
        return String::new();
    };
    let at = match window(cal.tz, form) {
        Ok(at) => at,
        Err(e) => return e,
    };
    let mut problems = Vec::new();
    for &id in devices {
        let Some(d) = cal.device(id) else { continue };
        let held: Vec<Held> = cal.bookings_in(id, at).iter().map(|b| Held { slot: b.slot, at: b.interval() }).collect();
        let maint: Vec<Interval> = cal.maintenance_in(id, at).iter().map(|m| m.interval()).collect();
        let status = DeviceStatus::parse(&d.status).unwrap_or(DeviceStatus::Offline);
        match rules::place(at, d.capacity, status, &held, &maint) {
            Ok(_) => {}
            Err(rules::Blocker::Full { .. }) => {
                let b = cal.bookings_in(id, at);
                let who = b.first().map(|b| format!("{} {}–{}", b.username, cal.hm(b.starts_at), cal.hm(b.ends_at)));
                problems.push(format!("{} booked by {}", d.name, who.unwrap_or_default()));
            }
            Err(rules::Blocker::Maintenance(m)) => {
                problems.push(format!("{} in maintenance {}–{}", d.name, cal.hm(m.start), cal.hm(m.end)))
            }
            Err(rules::Blocker::Unavailable(s)) => problems.push(format!("{} is {s}", d.name)),
        }
    }
    if problems.is_empty() {
        format!("✓ free: {} ({})", names(cal, devices), cal.tz)
    } else {
        format!("⚠ conflict: {}", problems.join("; "))
    }
}

pub fn device(d: Option<&crate::engine::read::bookings::DeviceRow>) -> (Form, FormKind) {
    let v = |f: fn(&crate::engine::read::bookings::DeviceRow) -> String| d.map(f).unwrap_or_default();
    let statuses: Vec<&str> = DeviceStatus::ALL.iter().map(|s| s.as_str()).collect();
    let form = Form::new(
        if d.is_some() { "edit device" } else { "new device" },
        vec![
            Field::text(NAME).with_value(&v(|d| d.name.clone())),
            Field::text(TYPE).with_value(&v(|d| d.device_type.clone())),
            Field::text(IP).with_value(&v(|d| d.ip_address.clone().unwrap_or_default())),
            Field::text(PORTS_IN_OUT)
                .with_value(&d.map(|d| format!("{}/{}", d.in_port, d.out_port)).unwrap_or_else(|| "1/1".into())),
            Field::choice(STATUS, &statuses, &v(|d| d.status.clone())),
            Field::text(CAPACITY).with_value(&d.map(|d| d.capacity.to_string()).unwrap_or_else(|| "1".into())),
            Field::text(TAGS).with_value(&v(|d| d.tags.join(", "))),
        ],
    )
    .note("Capacity: how many bookings may overlap on the device.");
    (form, FormKind::Device { id: d.map(|d| d.id) })
}

pub fn window_form(
    title: impl Into<String>,
    cal: &CalendarState,
    start: DateTime<Utc>,
    hours: i64,
    extra: Vec<Field>,
) -> Form {
    let mut fields = vec![
        Field::text(START).with_value(&cal.stamp(start)),
        Field::text(END).with_value(&cal.stamp(start + Duration::hours(hours))),
    ];
    fields.extend(extra);
    Form::new(title, fields)
}

pub fn export() -> (Form, FormKind) {
    let form = Form::new(
        "export bookings",
        vec![
            Field::choice(FORMAT, &["ics", "csv"], "ics"),
            Field::choice(WHICH, &["mine", "device", "all"], "mine"),
            Field::text(DEVICE),
            Field::text(FILE).with_value("labdeck-bookings.ics"),
        ],
    )
    .submit_label("export")
    .note("Device: the device's name when Which is device. The file is written where labdeck runs.");
    (form, FormKind::Export)
}

fn users(s: &str) -> Vec<String> {
    s.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// The command a submitted dialog becomes.
pub fn command(cal: &CalendarState, form: &Form, kind: &FormKind, actor: &Actor) -> Result<Command, String> {
    let actor = actor.clone();
    let tz = cal.tz;
    let cmd = match kind {
        FormKind::Book { devices } => {
            let weeks: u32 =
                form.value(WEEKS).trim().parse().ok().filter(|w| (1..=52).contains(w)).ok_or("Weeks: 1 to 52")?;
            let request = Request {
                devices: devices.clone(),
                at: window(tz, form)?,
                title: form.value(TITLE),
                collaborators: users(&form.value(COLLABORATORS)),
                comment: form.value(COMMENT),
                weeks,
                tz: tz.name().to_string(),
            };
            Op::Book { request }
        }
        FormKind::Rebook { favorite } => Op::Rebook { favorite: *favorite, at: window(tz, form)? },
        FormKind::Extend { group } => {
            Op::Extend { group: *group, until: parse_local(tz, "Until", &form.value(UNTIL))? }
        }
        FormKind::Move { group } => Op::Reschedule { group: *group, at: window(tz, form)? },
        FormKind::Decide { group, approve } => {
            Op::Decide { group: *group, approve: *approve, comment: form.value(COMMENT) }
        }
        FormKind::Comment { group } => Op::Comment { group: *group, body: form.value(COMMENT) },
        FormKind::Collaborator { group } => {
            Op::Collaborator { group: *group, username: form.value(USER), add: form.value(DO) == "add" }
        }
        FormKind::Favorite { group } => Op::SaveFavorite { group: *group, name: form.value(NAME) },
        FormKind::Device { id } => {
            let ports = form.value(PORTS_IN_OUT);
            let (i, o) = ports.split_once('/').ok_or("Ports: in/out, e.g. 3/4")?;
            let port = |s: &str| {
                s.trim().parse::<i64>().ok().filter(|p| (0..=65535).contains(p)).ok_or("Ports are numbers 0-65535")
            };
            let input = DeviceInput {
                name: form.value(NAME),
                device_type: form.value(TYPE),
                polatis_name: None,
                in_port: port(i)?,
                out_port: port(o)?,
                ip_address: Some(form.value(IP)),
                status: form.value(STATUS),
                capacity: form.value(CAPACITY).trim().parse().map_err(|_| "Capacity: a number from 1 to 64")?,
                tags: form.value(TAGS).split(',').map(|t| t.trim().to_string()).collect(),
            };
            Op::SaveDevice { id: *id, input }
        }
        FormKind::Maintenance { device } => {
            let start = parse_local(tz, "Start", &form.value(START))?;
            let end = parse_local(tz, "End", &form.value(END))?;
            let at = Interval::new(start, end).map_err(|e| e.to_string())?;
            Op::AddMaintenance { device: *device, at, reason: form.value(REASON) }
        }
        FormKind::Owner { device } => match form.value(DO).as_str() {
            "transfer" => Op::Transfer { device: *device, username: form.value(USER) },
            what => Op::Owner { device: *device, username: form.value(USER), assign: what == "assign" },
        },
        FormKind::Health { device } => Op::Health { device: *device, status: form.value(HEALTH) },
        FormKind::BookTopology { topology, .. } => Op::BookTopology { id: *topology, at: window(tz, form)? },
        k @ (FormKind::NewTopology { .. }
        | FormKind::Rename { .. }
        | FormKind::AddNode { .. }
        | FormKind::AddLink { .. }) => {
            super::topology::command(form, k).unwrap_or(Err("not a topology form".into()))?
        }
        FormKind::Review { topology } => Op::SubmitReview { id: *topology, at: window(tz, form)? },
        FormKind::Resolve { topology, approve } => {
            Op::ResolveReview { id: *topology, approve: *approve, notes: form.value(NOTES) }
        }
        FormKind::FindFree { devices } => {
            let hours: f64 = form.value(HOURS).trim().parse().map_err(|_| "Hours: a number, e.g. 2 or 1.5")?;
            if !(0.25..=744.0).contains(&hours) {
                return Err("Hours: from 0.25 to 744".into());
            }
            let from = parse_local(tz, "From", &form.value(FROM))?;
            Op::FindFree { devices: devices.clone(), length: Duration::minutes((hours * 60.0) as i64), from }
        }
        FormKind::Export => {
            let format = if form.value(FORMAT) == "csv" { Format::Csv } else { Format::Ics };
            let scope = match form.value(WHICH).as_str() {
                "device" => {
                    let d = form.value(DEVICE).trim().to_string();
                    if d.is_empty() {
                        return Err("Device: which device's bookings?".into());
                    }
                    Scope::Device(d)
                }
                "all" => Scope::All,
                _ => Scope::Mine,
            };
            let path = form.value(FILE).trim().to_string();
            if path.is_empty() {
                return Err("File: where to write it".into());
            }
            Op::Export { format, scope, path: path.into() }
        }
    };
    Ok(Command::new(&actor, cmd))
}
