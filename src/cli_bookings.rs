//! `labdeck bookings export`: bookings as iCalendar or CSV for calendars and spreadsheets;
//! `labdeck bookings topologies` and `labdeck bookings topology NAME`: topologies as text
//! (editing them is the console's).

use crate::domain::rbac::Actor;
use crate::engine::Services;
use crate::engine::bookings::{Format, Scope, export};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum BookingsCmd {
    /// Export bookings: labdeck bookings export --ics --mine --user sam > mine.ics
    Export(ExportArgs),
    /// List topologies with their owner, size and review
    Topologies(AsUser),
    /// One topology's nodes (with their ports) and links, port to port
    Topology {
        /// The topology's name
        name: String,
        #[command(flatten)]
        who: AsUser,
    },
}

#[derive(Args, Debug)]
pub struct AsUser {
    /// Read as this user, with their permissions (default: the operator at this terminal)
    #[arg(long, value_name = "USERNAME")]
    pub user: Option<String>,
}

/// Who a CLI command acts as: the user named by its flag, else the system (as the OS user).
pub(crate) async fn actor(svc: &Services, user: &Option<String>) -> anyhow::Result<Actor> {
    Ok(match user {
        Some(name) => {
            let Ok(id) = svc.store.user_id_by_name(name).await else {
                bail!("no user named '{name}'");
            };
            svc.store.load_actor(id).await?
        }
        None => Actor::system(&svc.source.label()),
    })
}

pub async fn run(svc: &Services, cmd: BookingsCmd) -> anyhow::Result<()> {
    match cmd {
        BookingsCmd::Export(a) => export_to(svc, a).await,
        BookingsCmd::Topologies(who) => list_topologies(svc, who).await,
        BookingsCmd::Topology { name, who } => show_topology(svc, &name, who).await,
    }
}

async fn list_topologies(svc: &Services, who: AsUser) -> anyhow::Result<()> {
    let actor = actor(svc, &who.user).await?;
    println!("{:<24} {:<12} {:>5} {:>5}  review", "topology", "owner", "nodes", "links");
    for t in svc.store.topologies(&actor).await? {
        let review = match (&t.review, t.changed()) {
            (None, _) => "draft".to_string(),
            (Some(r), true) => format!("{r} (changed since)"),
            (Some(r), false) => r.clone(),
        };
        println!("{:<24} {:<12} {:>5} {:>5}  {review}", t.name, t.owner, t.nodes, t.links);
    }
    Ok(())
}

async fn show_topology(svc: &Services, name: &str, who: AsUser) -> anyhow::Result<()> {
    let actor = actor(svc, &who.user).await?;
    let Some(row) = svc.store.topologies(&actor).await?.into_iter().find(|t| t.name == name) else {
        bail!("no topology named '{name}'");
    };
    let t = svc.store.topology(&actor, row.id).await?;
    println!("{} (owner {}, {})", t.row.name, t.row.owner, t.row.review.as_deref().unwrap_or("draft"));
    for n in &t.nodes {
        let ports = match n.ports() {
            Some(ps) => ps.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(", "),
            None => "not a device".into(),
        };
        println!("node  {}  {ports}", n.label);
    }
    for l in &t.links {
        let label = l.label.as_deref().map(|x| format!("  ({x})")).unwrap_or_default();
        println!("link  {}{label}", t.link_text(l));
    }
    Ok(())
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("format").args(["ics", "csv"]).required(true))]
pub struct ExportArgs {
    /// iCalendar (RFC 5545), for calendar programs
    #[arg(long)]
    pub ics: bool,
    /// CSV, safe to open in a spreadsheet
    #[arg(long)]
    pub csv: bool,
    /// The bookings of --user (own and collaborating)
    #[arg(long, conflicts_with_all = ["device", "all"], requires = "user")]
    pub mine: bool,
    /// The bookings of one device, by name
    #[arg(long, value_name = "NAME", conflicts_with = "all")]
    pub device: Option<String>,
    /// Every booking the user may see (the default)
    #[arg(long)]
    pub all: bool,
    /// Export as this user, with their permissions (default: the operator at this terminal)
    #[arg(long, value_name = "USERNAME")]
    pub user: Option<String>,
    /// Write here instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,
}

async fn export_to(svc: &Services, a: ExportArgs) -> anyhow::Result<()> {
    let actor = actor(svc, &a.user).await?;
    let scope = match (&a.device, a.mine) {
        (_, true) => Scope::Mine,
        (Some(d), _) => Scope::Device(d.clone()),
        _ => Scope::All,
    };
    if let Scope::Device(name) = &scope {
        svc.store.device_id_by_name(&actor, name).await.map_err(|_| anyhow::anyhow!("no device named '{name}'"))?;
    }
    let format = if a.csv { Format::Csv } else { Format::Ics };
    let (text, n) = export(svc, &actor, format, &scope).await?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {n} booking{} to {}", if n == 1 { "" } else { "s" }, path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
