//! Bookings use cases: one `Op::Bookings(Op)` in, one `Reply::Bookings(Out)` out.
//! Permissions are decided here (and the store checks reads again); text is sanitised here.
//! Editing a topology (`EditTopology`), booking all its devices at once (`BookTopology`) and
//! handing a device over (`Transfer`) are in `topology.rs`; `CreateTopology` chains the given
//! devices out port → in port; `Approvers` answers my limits and every approver's.

use super::admin::authorize;
use super::{AppError, Services};
use crate::domain::audit::Entry;
use crate::domain::bookings::approval::{ApprovalLimits, Approver, may_approve, needs_approval};
use crate::domain::bookings::recurrence::{self, Weekly};
use crate::domain::bookings::topology::Edit;
use crate::domain::bookings::{self as rules, DeviceLoad, DeviceStatus, Held, Interval, ical};
use crate::domain::rbac::{Action, Actor, Resource};
use crate::domain::{sanitize, time};
use crate::store::bookings::{
    Calendar, ConflictRow, DeviceInput, DeviceRow, FavoriteRow, GroupDetail, GroupEdit, HealthRow, NewGroup,
    NewTopology, OwnershipRow, PendingGroup, TopologyDetail, TopologyRow,
};
use chrono::{DateTime, Duration, NaiveDate, SubsecRound, Utc};
use uuid::Uuid;

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Mine,
    Device(String),
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Ics,
    Csv,
}

/// A booking request as typed: devices, a window, who else, and an optional weekly repeat.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub devices: Vec<Uuid>,
    pub at: Interval,
    pub title: String,
    pub collaborators: Vec<String>,
    pub comment: String,
    /// Repeat weekly this many weeks in total (1 = once), in time zone `tz`.
    pub weeks: u32,
    pub tz: String,
}

#[derive(Debug, Clone)]
pub enum Op {
    Calendar { from: DateTime<Utc>, to: DateTime<Utc> },
    DeviceDetail { id: Uuid },
    SaveDevice { id: Option<Uuid>, input: DeviceInput },
    RetireDevice { id: Uuid },
    Owner { device: Uuid, username: String, assign: bool },
    Health { device: Uuid, status: String },
    AddMaintenance { device: Uuid, at: Interval, reason: String },
    CancelMaintenance { id: Uuid },
    Check { devices: Vec<Uuid>, at: Interval, except: Option<Uuid> },
    Book { request: Request },
    Reschedule { group: Uuid, at: Interval },
    Extend { group: Uuid, until: DateTime<Utc> },
    Cancel { group: Uuid },
    Group { group: Uuid },
    Decide { group: Uuid, approve: bool, comment: String },
    Pending,
    PendingCount,
    Comment { group: Uuid, body: String },
    Collaborator { group: Uuid, username: String, add: bool },
    Favorites,
    SaveFavorite { group: Uuid, name: String },
    Rebook { favorite: Uuid, at: Interval },
    DeleteFavorite { id: Uuid },
    FindFree { devices: Vec<Uuid>, length: Duration, from: DateTime<Utc> },
    Topologies,
    Topology { id: Uuid },
    CreateTopology { name: String, devices: Vec<Uuid> },
    EditTopology { id: Uuid, edit: Edit },
    BookTopology { id: Uuid, at: Interval },
    Transfer { device: Uuid, username: String },
    Approvers,
    SubmitReview { id: Uuid, at: Interval },
    ResolveReview { id: Uuid, approve: bool, notes: String },
    Export { format: Format, scope: Scope, path: std::path::PathBuf },
}

impl Op {
    /// Which kind of data a load reads (see `engine::Op::load_kind`); `None` for changes.
    pub fn load_kind(&self) -> Option<&'static str> {
        Some(match self {
            Op::Calendar { .. } => "bookings.calendar",
            Op::DeviceDetail { .. } => "bookings.device",
            Op::Check { .. } => "bookings.check",
            Op::Group { .. } => "bookings.group",
            Op::Pending => "bookings.pending",
            Op::PendingCount => "bookings.pending_count",
            Op::Favorites => "bookings.favorites",
            Op::FindFree { .. } => "bookings.free",
            Op::Topologies => "bookings.topologies",
            Op::Topology { .. } => "bookings.topology",
            Op::Approvers => "bookings.approvers",
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub enum Out {
    Calendar(Box<Calendar>),
    DeviceDetail {
        id: Uuid,
        owners: Vec<OwnershipRow>,
        health: Vec<HealthRow>,
    },
    Conflicts {
        devices: Vec<Uuid>,
        at: Interval,
        rows: Vec<ConflictRow>,
    },
    /// A booking went through; `skipped` are the weekly dates left out and why.
    Booked {
        groups: Vec<Uuid>,
        skipped: Vec<(NaiveDate, String)>,
        message: String,
    },
    Group(Box<GroupDetail>),
    Pending(Vec<PendingGroup>),
    PendingCount(i64),
    Favorites(Vec<FavoriteRow>),
    FreeSlot(Option<Interval>),
    Topologies(Vec<TopologyRow>),
    Topology(Box<TopologyDetail>),
    Approvers {
        mine: ApprovalLimits,
        approvers: Vec<Approver>,
    },
    Done(String),
}

fn entry(svc: &Services, actor: &Actor, action: &str, entity: &str) -> Entry {
    Entry::by(actor, &svc.source, action, entity)
}

/// Whole seconds: times compare exactly on both backends.
fn whole(at: Interval) -> Interval {
    Interval { start: at.start.trunc_subsecs(0), end: at.end.trunc_subsecs(0) }
}

pub async fn run(svc: &Services, actor: &Actor, op: Op) -> Result<Out, AppError> {
    let store = &svc.store;
    Ok(match op {
        Op::Calendar { from, to } => Out::Calendar(Box::new(store.calendar(actor, from, to).await?)),
        Op::DeviceDetail { id } => Out::DeviceDetail {
            id,
            owners: store.ownership_history(actor, id).await?,
            health: store.health_history(actor, id, 48).await?,
        },
        Op::SaveDevice { id, input } => {
            let action = if id.is_some() { Action::Update } else { Action::Create };
            authorize(svc, actor, Resource::Device, action, "save_device").await?;
            let input = clean_device(input)?;
            let name = input.name.clone();
            store.save_device(id, &input, entry(svc, actor, "save_device", "device")).await?;
            Out::Done(format!("Saved device {name}."))
        }
        Op::RetireDevice { id } => {
            authorize(svc, actor, Resource::Device, Action::Delete, "retire_device").await?;
            store.retire_device(id, entry(svc, actor, "retire_device", "device")).await?;
            Out::Done("Device retired; its history stays.".into())
        }
        Op::Owner { device, username, assign } => {
            authorize(svc, actor, Resource::Device, Action::Update, "device_owner").await?;
            let owner = store.user_id_by_name(sanitize::line(&username).as_str()).await?;
            let e = entry(svc, actor, if assign { "assign_owner" } else { "revoke_owner" }, "device")
                .details(serde_json::json!({ "owner": username }));
            if assign {
                store.assign_owner(device, owner, actor.user_id, e).await?;
            } else {
                store.revoke_owner(device, owner, actor.user_id, e).await?;
            }
            Out::Done(format!("{} {username}.", if assign { "Assigned to" } else { "Revoked from" }))
        }
        Op::Health { device, status } => {
            authorize(svc, actor, Resource::Device, Action::Update, "record_health").await?;
            let h = rules::Health::parse(&status)
                .ok_or_else(|| AppError::Invalid("health is healthy, warning, critical or unknown".into()))?;
            store.record_health(device, h.as_str(), entry(svc, actor, "record_health", "device")).await?;
            Out::Done(format!("Health recorded: {h}."))
        }
        Op::AddMaintenance { device, at, reason } => {
            authorize(svc, actor, Resource::Device, Action::Update, "add_maintenance").await?;
            let at = whole(at);
            store
                .add_maintenance(
                    device,
                    at,
                    &sanitize::line(&reason),
                    actor.user_id,
                    entry(svc, actor, "add_maintenance", "maintenance_window"),
                )
                .await?;
            let hit = store.conflicts(actor, &[device], at, None).await?.len();
            Out::Done(if hit == 0 {
                "Maintenance window added.".into()
            } else {
                format!("Maintenance window added; {hit} booking(s) inside it need moving.")
            })
        }
        Op::CancelMaintenance { id } => {
            authorize(svc, actor, Resource::Device, Action::Update, "cancel_maintenance").await?;
            store.cancel_maintenance(id, entry(svc, actor, "cancel_maintenance", "maintenance_window")).await?;
            Out::Done("Maintenance window cancelled.".into())
        }
        Op::Check { devices, at, except } => {
            let rows = store.conflicts(actor, &devices, whole(at), except).await?;
            Out::Conflicts { devices, at, rows }
        }
        Op::Book { request } => book(svc, actor, request).await?,
        Op::Reschedule { group, at } => {
            may_change(svc, actor, group).await?;
            let at = whole(at).bookable()?;
            store
                .reschedule_group(
                    group,
                    &GroupEdit { at, title: None },
                    entry(svc, actor, "reschedule_booking", "booking_group"),
                )
                .await?;
            Out::Done("Booking moved.".into())
        }
        Op::Extend { group, until } => {
            may_change(svc, actor, group).await?;
            let detail = store.group_detail(actor, group).await?;
            let start = detail
                .bookings
                .iter()
                .filter(|b| b.status == "pending" || b.status == "approved")
                .map(|b| b.starts_at)
                .min()
                .ok_or_else(|| AppError::Invalid("this booking is no longer active".into()))?;
            let latest = detail.latest_end.unwrap_or(start);
            let until = until.trunc_subsecs(0);
            if until > latest {
                return Err(AppError::Invalid(format!(
                    "the latest possible end is {} UTC",
                    latest.format("%Y-%m-%d %H:%M")
                )));
            }
            let at = Interval::new(start, until).and_then(Interval::bookable)?;
            store
                .reschedule_group(
                    group,
                    &GroupEdit { at, title: None },
                    entry(svc, actor, "extend_booking", "booking_group"),
                )
                .await?;
            Out::Done(format!("Extended to {} UTC.", until.format("%Y-%m-%d %H:%M")))
        }
        Op::Cancel { group } => {
            may_change(svc, actor, group).await?;
            let n = store.cancel_group(group, entry(svc, actor, "cancel_booking", "booking_group")).await?;
            Out::Done(format!("Cancelled {n} booking{}.", if n == 1 { "" } else { "s" }))
        }
        Op::Group { group } => Out::Group(Box::new(store.group_detail(actor, group).await?)),
        Op::Decide { group, approve, comment } => {
            authorize(svc, actor, Resource::Booking, Action::Update, "decide_booking").await?;
            if approve {
                let (owner, at, devices) = store.group_facts(group).await?;
                let limits = store.approval_limits(actor.user_id).await?;
                may_approve(actor, &limits, owner, at, devices)?;
            }
            let comment = rules::approval::decision_comment(approve, &sanitize::multiline(&comment))?;
            let action = if approve { "approve_booking" } else { "reject_booking" };
            let n = store
                .decide_group(
                    group,
                    actor.user_id,
                    approve,
                    comment.as_deref(),
                    entry(svc, actor, action, "booking_group"),
                )
                .await?;
            Out::Done(format!(
                "{} {n} booking{}.",
                if approve { "Approved" } else { "Rejected" },
                if n == 1 { "" } else { "s" }
            ))
        }
        Op::Pending => Out::Pending(store.pending_groups(actor).await?),
        Op::PendingCount => Out::PendingCount(store.pending_count(actor).await?),
        Op::Comment { group, body } => {
            may_comment(svc, actor, group).await?;
            let body = sanitize::multiline(&body);
            if body.trim().is_empty() {
                return Err(AppError::Invalid("write something first".into()));
            }
            store
                .add_comment(group, actor.user_id, &body, entry(svc, actor, "comment_booking", "booking_group"))
                .await?;
            Out::Done("Comment added.".into())
        }
        Op::Collaborator { group, username, add } => {
            may_change(svc, actor, group).await?;
            let user = store.user_id_by_name(&sanitize::line(&username)).await?;
            let action = if add { "add_collaborator" } else { "remove_collaborator" };
            store.set_collaborator(group, user, actor.user_id, add, entry(svc, actor, action, "booking_group")).await?;
            Out::Done(format!("{} {username}.", if add { "Added" } else { "Removed" }))
        }
        Op::Favorites => Out::Favorites(store.favorites(actor).await?),
        Op::SaveFavorite { group, name } => {
            authorize(svc, actor, Resource::Booking, Action::Create, "save_favorite").await?;
            let name = sanitize::line(&name);
            if name.is_empty() {
                return Err(AppError::Invalid("a favorite needs a name".into()));
            }
            store
                .save_favorite(actor.user_id, group, &name, entry(svc, actor, "save_favorite", "booking_favorite"))
                .await?;
            Out::Done(format!("Saved favorite {name}."))
        }
        Op::Rebook { favorite, at } => {
            let fav = store
                .favorites(actor)
                .await?
                .into_iter()
                .find(|f| f.id == favorite)
                .ok_or_else(|| AppError::Invalid("no such favorite".into()))?;
            let devices: Vec<Uuid> = fav.devices.iter().filter_map(|d| d.0).collect();
            let request = Request {
                devices,
                at,
                title: fav.name.clone(),
                collaborators: vec![],
                comment: String::new(),
                weeks: 1,
                tz: "UTC".into(),
            };
            book(svc, actor, request).await?
        }
        Op::DeleteFavorite { id } => {
            store.delete_favorite(actor, id, entry(svc, actor, "delete_favorite", "booking_favorite")).await?;
            Out::Done("Favorite removed.".into())
        }
        Op::FindFree { devices, length, from } => {
            let until = from + Duration::days(28);
            let cal = store.calendar_of(actor, &devices, from, until + rules::MAX_BOOKING).await?;
            let loads: Vec<DeviceLoad> = devices.iter().map(|d| load_of(&cal, *d)).collect();
            let from = from.trunc_subsecs(0);
            Out::FreeSlot(rules::find_free(&loads, length, from, until, Duration::minutes(15)))
        }
        Op::Topologies => Out::Topologies(store.topologies(actor).await?),
        Op::Topology { id } => Out::Topology(Box::new(store.topology(actor, id).await?)),
        Op::CreateTopology { name, devices } => {
            authorize(svc, actor, Resource::Topology, Action::Create, "create_topology").await?;
            let name = sanitize::line(&name);
            if name.is_empty() {
                return Err(AppError::Invalid("a topology needs a name".into()));
            }
            let t = NewTopology { owner: actor.user_id, name: name.clone(), devices, chain: true };
            store.create_topology(&t, entry(svc, actor, "create_topology", "topology")).await?;
            Out::Done(format!("Topology {name} created."))
        }
        Op::EditTopology { id, edit } => super::topology::edit(svc, actor, id, edit).await?,
        Op::BookTopology { id, at } => super::topology::book(svc, actor, id, at).await?,
        Op::Transfer { device, username } => super::topology::transfer(svc, actor, device, &username).await?,
        Op::Approvers => Out::Approvers {
            mine: store.approval_limits(actor.user_id).await?,
            approvers: store.approvers(actor).await?,
        },
        Op::SubmitReview { id, at } => {
            authorize(svc, actor, Resource::Topology, Action::Create, "submit_topology").await?;
            let at = whole(at);
            let n = store.submit_review(id, at, entry(svc, actor, "submit_topology", "topology")).await?;
            Out::Done(format!("Submitted for review: {n} conflicting booking{}.", if n == 1 { "" } else { "s" }))
        }
        Op::ResolveReview { id, approve, notes } => {
            authorize(svc, actor, Resource::Topology, Action::Update, "review_topology").await?;
            let notes = sanitize::multiline(&notes);
            let notes = (!notes.trim().is_empty()).then_some(notes);
            let action = if approve { "approve_topology" } else { "reject_topology" };
            store
                .resolve_review(id, approve, actor.user_id, notes.as_deref(), entry(svc, actor, action, "topology"))
                .await?;
            Out::Done(format!("Topology {}.", if approve { "approved" } else { "rejected" }))
        }
        Op::Export { format, scope, path } => {
            let (text, n) = export(svc, actor, format, &scope).await?;
            std::fs::write(&path, text)
                .map_err(|e| AppError::Invalid(format!("cannot write {}: {e}", path.display())))?;
            Out::Done(format!("Exported {n} booking{} to {}.", if n == 1 { "" } else { "s" }, path.display()))
        }
    })
}

fn clean_device(mut d: DeviceInput) -> Result<DeviceInput, AppError> {
    d.name = sanitize::line(&d.name);
    d.device_type = sanitize::line(&d.device_type);
    d.polatis_name = d.polatis_name.map(|s| sanitize::line(&s)).filter(|s| !s.is_empty());
    d.ip_address = d.ip_address.map(|s| sanitize::line(&s)).filter(|s| !s.is_empty());
    d.tags = d.tags.iter().map(|t| sanitize::line(t).to_lowercase()).filter(|t| !t.is_empty()).collect();
    if d.name.is_empty() {
        return Err(AppError::Invalid("a device needs a name".into()));
    }
    if DeviceStatus::parse(&d.status).is_none() {
        return Err(AppError::Invalid("status is available, maintenance, offline or faulty".into()));
    }
    if !(1..=64).contains(&d.capacity) {
        return Err(AppError::Invalid("capacity is a number from 1 to 64".into()));
    }
    Ok(d)
}

fn load_of(cal: &Calendar, device: Uuid) -> DeviceLoad {
    let capacity = cal.devices.iter().find(|d| d.id == device).map_or(1, |d| d.capacity);
    DeviceLoad {
        capacity,
        held: cal
            .bookings
            .iter()
            .filter(|b| b.device_id == device)
            .map(|b| Held { slot: b.slot, at: b.interval() })
            .collect(),
        maintenance: cal.maintenance.iter().filter(|m| m.device_id == device).map(|m| m.interval()).collect(),
    }
}

/// The group's owner or anyone who may update bookings (approvers, admins).
async fn may_change(svc: &Services, actor: &Actor, group: Uuid) -> Result<(), AppError> {
    let (owner, _, _) = svc.store.group_facts(group).await?;
    if owner == actor.user_id {
        return Ok(());
    }
    authorize(svc, actor, Resource::Booking, Action::Update, "change_booking").await
}

/// The owner, a collaborator, or an approver.
async fn may_comment(svc: &Services, actor: &Actor, group: Uuid) -> Result<(), AppError> {
    let (owner, _, _) = svc.store.group_facts(group).await?;
    if owner == actor.user_id || svc.store.is_collaborator(group, actor.user_id).await? {
        return Ok(());
    }
    authorize(svc, actor, Resource::Booking, Action::Update, "comment_booking").await
}

/// Book a request: once, or weekly with the conflicting dates skipped and listed.
pub async fn book(svc: &Services, actor: &Actor, r: Request) -> Result<Out, AppError> {
    authorize(svc, actor, Resource::Booking, Action::Create, "book").await?;
    if r.devices.is_empty() {
        return Err(AppError::Invalid(rules::RuleError::NoDevices.to_string()));
    }
    let at = whole(r.at).bookable()?;
    let mut collaborators = Vec::new();
    for name in r.collaborators.iter().map(|n| sanitize::line(n)).filter(|n| !n.is_empty()) {
        collaborators.push(svc.store.user_id_by_name(&name).await?);
    }
    let title = sanitize::line(&r.title);
    let comment = sanitize::multiline(&r.comment);
    let group = |at: Interval| NewGroup {
        owner: actor.user_id,
        title: if title.is_empty() { "booking".into() } else { title.clone() },
        devices: r.devices.clone(),
        at,
        collaborators: collaborators.clone(),
        comment: (!comment.trim().is_empty()).then(|| comment.clone()),
        approved: !needs_approval(actor),
    };
    let state = if needs_approval(actor) { "waiting for approval" } else { "approved" };
    if r.weeks <= 1 {
        let id = svc.store.create_group(&group(at), entry(svc, actor, "book", "booking_group")).await?;
        let n = r.devices.len();
        return Ok(Out::Booked {
            groups: vec![id],
            skipped: vec![],
            message: format!("Booked {n} device{} ({state}).", if n == 1 { "" } else { "s" }),
        });
    }
    let tz: chrono_tz::Tz = r.tz.parse().unwrap_or(chrono_tz::UTC);
    let local = at.start.with_timezone(&tz);
    let weekly =
        Weekly { first_day: local.date_naive(), start: local.time(), length: at.duration(), weeks: r.weeks, tz };
    let occurrences = weekly.occurrences();
    let mut groups = Vec::new();
    let mut skipped = Vec::new();
    for o in &occurrences {
        let (book, mut skip) = recurrence::plan(std::slice::from_ref(o), |_| None);
        skipped.append(&mut skip);
        for at in book {
            match svc.store.create_group(&group(at), entry(svc, actor, "book", "booking_group")).await {
                Ok(id) => groups.push(id),
                Err(crate::store::StoreError::Conflict(why)) => {
                    skipped.push((at.start.with_timezone(&tz).date_naive(), why));
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    let message =
        format!("Booked {} of {} weeks ({state}); {} skipped.", groups.len(), occurrences.len(), skipped.len());
    Ok(Out::Booked { groups, skipped, message })
}

/// The text of an export and how many bookings it holds.
pub async fn export(svc: &Services, actor: &Actor, format: Format, scope: &Scope) -> Result<(String, usize), AppError> {
    let rows = match scope {
        Scope::Mine => svc.store.export_rows(actor, true, None).await?,
        Scope::Device(name) => svc.store.export_rows(actor, false, Some(name)).await?,
        Scope::All => svc.store.export_rows(actor, false, None).await?,
    };
    let n = rows.len();
    let text = match format {
        Format::Ics => {
            let stamp = time::now();
            let events: Vec<ical::Event> = rows
                .iter()
                .map(|b| ical::Event {
                    uid: format!("{}@labdeck", b.id),
                    summary: format!("{} — {}", b.title, b.device_name),
                    description: format!(
                        "booked by {}{}",
                        b.username,
                        b.comment.as_deref().map(|c| format!("\n{c}")).unwrap_or_default()
                    ),
                    location: b.device_name.clone(),
                    status: rules::BookingStatus::parse(&b.status).unwrap_or(rules::BookingStatus::Pending),
                    start: b.starts_at,
                    end: b.ends_at,
                    stamp,
                })
                .collect();
            let name = match scope {
                Scope::Mine => format!("{}'s bookings", actor.username),
                Scope::Device(d) => format!("bookings of {d}"),
                Scope::All => "all bookings".into(),
            };
            ical::calendar(&name, &events)
        }
        Format::Csv => {
            let rows: Vec<Vec<String>> = rows
                .iter()
                .map(|b| {
                    vec![
                        b.id.to_string(),
                        b.group_id.to_string(),
                        b.device_name.clone(),
                        b.username.clone(),
                        b.title.clone(),
                        b.status.clone(),
                        b.starts_at.to_rfc3339(),
                        b.ends_at.to_rfc3339(),
                        b.comment.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            rules::csv::table(
                &["booking", "group", "device", "user", "title", "status", "starts_utc", "ends_utc", "comment"],
                &rows,
            )
        }
    };
    Ok((text, n))
}

/// Devices on which a request conflicts, for the form, from already loaded calendar data.
pub fn conflicts_in(cal: &Calendar, devices: &[Uuid], at: Interval) -> Vec<String> {
    devices
        .iter()
        .filter_map(|&d| {
            let device: &DeviceRow = cal.devices.iter().find(|x| x.id == d)?;
            let status = if device.retired_at.is_some() {
                DeviceStatus::Offline
            } else {
                DeviceStatus::parse(&device.status).unwrap_or(DeviceStatus::Offline)
            };
            let load = load_of(cal, d);
            rules::place(at, device.capacity, status, &load.held, &load.maintenance).err().map(|b| {
                let who = cal
                    .bookings
                    .iter()
                    .find(|x| x.device_id == d && x.interval().overlaps(&at))
                    .map(|x| format!(" by {}", x.username))
                    .unwrap_or_default();
                format!("{}: {b}{who}", device.name)
            })
        })
        .collect()
}
