//! `labdeck vm …`: the inventory and guest power actions for scripts.

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
    let actor = Actor::system(&svc.source.label());
    let (cluster, vmid, op) = match cmd {
        VmCmd::List { json } => {
            if json {
                println!("{}", list_json(svc).await?);
                return Ok(());
            }
            let guests = svc.store.list_guests(&actor).await?;
            {
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
    let Some(c) = clusters
        .iter()
        .find(|c| c.cluster.key.eq_ignore_ascii_case(&cluster) || c.cluster.name.eq_ignore_ascii_case(&cluster))
    else {
        let known: Vec<&str> = clusters.iter().map(|c| c.cluster.key.as_str()).collect();
        bail!("no cluster '{cluster}' (known: {})", known.join(", "));
    };
    let lines = crate::engine::guests_act(svc, &actor, &[(c.cluster.id, vmid)], &op).await?;
    for l in &lines {
        match &l.outcome {
            BulkOutcome::Submitted(upid) => {
                println!("{} {} ({}): {} submitted, task {upid}", l.cluster, l.vmid, l.name, op.verb())
            }
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

/// What `vm list --json` prints: every guest as the store holds it, with `ha` (Proxmox's HA
/// state or null), `ssh`/`rdp` and `reach_checked_at` (when they were probed, or null), and
/// `stale` (kept as last seen: missing from an answer that looked incomplete).
pub async fn list_json(svc: &Services) -> anyhow::Result<String> {
    let actor = Actor::system(&svc.source.label());
    let guests = svc.store.list_guests(&actor).await?;
    let checked = svc.store.reach_checks(&actor).await?;
    let mut out = Vec::with_capacity(guests.len());
    for g in &guests {
        let mut v = serde_json::to_value(g)?;
        if let Some(obj) = v.as_object_mut() {
            obj.remove("io");
            let at = checked.get(&g.key()).map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            obj.insert("reach_checked_at".into(), at.into());
        }
        out.push(v);
    }
    Ok(serde_json::to_string_pretty(&out)?)
}

fn line(g: &Guest) -> String {
    let status = if g.stale { format!("{}?", g.status.as_str()) } else { g.status.as_str().to_string() };
    format!(
        "{:<10} {:>6} {:<24} {:<5} {:<8} {:<9} {:<4} {:>6} {:<15} {}",
        g.cluster,
        g.vmid,
        g.name,
        if g.template { "tmpl" } else { g.guest_type.as_str() },
        g.node,
        status,
        if g.ha.is_some() { "ha" } else { "-" },
        bytes(g.maxmem),
        g.ip.map(|ip| ip.to_string()).unwrap_or_else(|| "-".into()),
        g.tags
    )
}

/// A cluster's poll state in one line: an error, a warning (what to check although polling
/// works), or ok with the time of the last poll.
pub fn cluster_state(h: &crate::store::pve::PollHealth) -> String {
    let when = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    match (&h.last_error, &h.warning, h.last_success_at) {
        (Some(e), _, _) => match h.next_poll_at {
            Some(next) => format!("error: {e} (retrying at {})", when(next)),
            None => format!("error: {e}"),
        },
        (None, Some(w), Some(t)) => format!("warning: {w} (polled {})", when(t)),
        (None, Some(w), None) => format!("warning: {w}"),
        (None, None, Some(t)) => format!("ok, polled {}", when(t)),
        (None, None, None) => "never polled".into(),
    }
}

#[derive(Subcommand, Debug)]
pub enum ClusterCmd {
    /// Add a cluster. Without --fingerprint the certificate's fingerprint is shown and the
    /// cluster is not added; pass it back with --fingerprint after comparing it.
    Add {
        name: String,
        #[arg(long)]
        host: String,
        #[arg(long, default_value_t = 8006)]
        port: u16,
        /// USER@REALM!TOKENID
        #[arg(long)]
        token_id: String,
        /// Read the token secret from the first line of standard input
        #[arg(long)]
        token_secret_stdin: bool,
        #[arg(long)]
        fingerprint: Option<String>,
        /// Seconds between polls. Proxmox refreshes the numbers behind /cluster/resources
        /// every 10 s, so polling faster mostly fetches the same data again.
        #[arg(long, default_value_t = 10)]
        poll_seconds: i64,
    },
    /// List clusters with their poller state
    List,
    /// Remove a cluster from labdeck (Proxmox is not touched)
    Remove { name: String },
}

pub async fn cluster(
    svc: &Services,
    cmd: ClusterCmd,
    read_secret: impl FnOnce() -> anyhow::Result<String>,
) -> anyhow::Result<()> {
    use crate::engine::clusters;
    use crate::store::pve::ClusterInput;
    let actor = Actor::system(&svc.source.label());
    match cmd {
        ClusterCmd::Add { name, host, port, token_id, token_secret_stdin, fingerprint, poll_seconds } => {
            let Some(fingerprint) = fingerprint else {
                let shown = clusters::probe(svc, &actor, &host, port).await?;
                bail!(
                    "{host}:{port} presents SHA-256 {shown}; compare it with the node's certificate, then add again with --fingerprint {shown}"
                );
            };
            if !token_secret_stdin {
                bail!("pass the token secret on standard input with --token-secret-stdin");
            }
            let input = ClusterInput {
                key: String::new(),
                name,
                host,
                port,
                token_id,
                token_secret: Some(read_secret()?),
                fingerprint,
                poll_interval_secs: poll_seconds,
            };
            println!("{}", clusters::save(svc, &actor, None, input).await?);
        }
        ClusterCmd::List => {
            let health = svc.store.poll_health().await?;
            for c in svc.store.list_clusters(&actor).await? {
                let h = health.get(&c.id).cloned().unwrap_or_default();
                println!(
                    "{:<12} {}:{:<6} {:<28} {}",
                    c.key,
                    c.host,
                    c.port,
                    c.token_id.clone().unwrap_or_default(),
                    cluster_state(&h)
                );
            }
        }
        ClusterCmd::Remove { name } => {
            let all = svc.store.list_clusters(&actor).await?;
            let Some(c) = all.iter().find(|c| c.key.eq_ignore_ascii_case(&name) || c.name.eq_ignore_ascii_case(&name))
            else {
                bail!("no cluster '{name}'");
            };
            println!("{}", clusters::remove(svc, &actor, c.id).await?);
        }
    }
    Ok(())
}
