//! `labdeck bookings export`: bookings as iCalendar or CSV for calendars and spreadsheets.

use crate::domain::rbac::Actor;
use crate::engine::Services;
use crate::engine::bookings::{Format, Scope, export};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

#[derive(Subcommand, Debug)]
pub enum BookingsCmd {
    /// Export bookings: labdeck bookings export --ics --mine --user sam > mine.ics
    Export(ExportArgs),
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

pub async fn run(svc: &Services, cmd: BookingsCmd) -> anyhow::Result<()> {
    let BookingsCmd::Export(a) = cmd;
    let actor = match &a.user {
        Some(name) => {
            let Ok(id) = svc.store.user_id_by_name(name).await else {
                bail!("no user named '{name}'");
            };
            svc.store.load_actor(id).await?
        }
        None => Actor::system(&svc.source.label()),
    };
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
