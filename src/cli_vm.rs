//! `labdeck vm …`: the inventory and guest power actions for scripts.

use crate::domain::audit::Source;
use crate::domain::inventory::ops::GuestOp;
use crate::domain::inventory::{Guest, bytes};
use crate::domain::rbac::Actor;
use crate::engine::Services;
use crate::engine::inventory::BulkOutcome;
use anyhow::bail;
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum VmCmd {
    /// Every guest the inventory holds (as the pollers last saw it)
    List {
        #[arg(long)]
        json: bool,
    },
    /// Start a guest: labdeck vm start CLUSTER VMID
    Start { cluster: String, vmid: u32 },
    /// Stop a guest (hard): labdeck vm stop CLUSTER VMID
    Stop { cluster: String, vmid: u32 },
    /// Shut a guest down (ACPI): labdeck vm shutdown CLUSTER VMID
    Shutdown { cluster: String, vmid: u32 },
    /// Reboot a guest: labdeck vm reboot CLUSTER VMID
    Reboot { cluster: String, vmid: u32 },
}

pub async fn run(svc: &Services, cmd: VmCmd) -> anyhow::Result<()> {
    let actor = Actor::system(&Source::cli().label());
    let (cluster, vmid, op) = match cmd {
        VmCmd::List { json } => {
            let guests = svc.store.list_guests(&actor).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&guests)?);
            } else {
                for g in &guests {
                    println!("{}", line(g));
                }
            }
            return Ok(());
        }
        VmCmd::Start { cluster, vmid } => (cluster, vmid, GuestOp::Start),
        VmCmd::Stop { cluster, vmid } => (cluster, vmid, GuestOp::Stop),
        VmCmd::Shutdown { cluster, vmid } => (cluster, vmid, GuestOp::Shutdown),
        VmCmd::Reboot { cluster, vmid } => (cluster, vmid, GuestOp::Reboot),
    };
    let clusters = svc.store.cluster_access_all().await?;
    let Some(c) = clusters.iter().find(|c| {
        c.cluster.key.eq_ignore_ascii_case(&cluster)
            || c.cluster.name.eq_ignore_ascii_case(&cluster)
    }) else {
        let known: Vec<&str> = clusters.iter().map(|c| c.cluster.key.as_str()).collect();
        bail!("no cluster '{cluster}' (known: {})", known.join(", "));
    };
    let lines = crate::engine::guests_act(svc, &actor, &[(c.cluster.id, vmid)], &op).await?;
    for l in &lines {
        match &l.outcome {
            BulkOutcome::Submitted(upid) => println!(
                "{} {} ({}): {} submitted, task {upid}",
                l.cluster,
                l.vmid,
                l.name,
                op.verb()
            ),
            BulkOutcome::Skipped(why) => {
                bail!("{} {} ({}): skipped, {why}", l.cluster, l.vmid, l.name)
            }
            BulkOutcome::Failed(why) => {
                bail!("{} {} ({}): failed, {why}", l.cluster, l.vmid, l.name)
            }
        }
    }
    Ok(())
}

fn line(g: &Guest) -> String {
    format!(
        "{:<10} {:>6} {:<24} {:<5} {:<8} {:<8} {:>6} {:<15} {}",
        g.cluster,
        g.vmid,
        g.name,
        if g.template {
            "tmpl"
        } else {
            g.guest_type.as_str()
        },
        g.node,
        g.status.as_str(),
        bytes(g.maxmem),
        g.ip.as_deref().unwrap_or("-"),
        g.tags
    )
}
