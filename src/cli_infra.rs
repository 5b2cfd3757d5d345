//! `labdeck infra KIND …`: the Infrastructure records for scripts. Writes are audited as the
//! command line's OS user (or, with `--as`, as that labdeck user, whose tenant scope applies).

use crate::domain::infra::{Kind, Record, Target};
use crate::engine::Services;
use crate::engine::infra::{self, Op, Out};
use anyhow::{Context, bail};
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct InfraArgs {
    /// Act as this labdeck user (a tenant admin sees their tenant only); default: the
    /// command line itself, unscoped, audited as the OS user
    #[arg(long = "as", value_name = "USER")]
    pub as_user: Option<String>,
    /// sites, providers, pools, machines, boxes, instances, vms, systems, images, templates,
    /// sets, storage, volumes, partitions, disks, networks, subnets, addresses, places,
    /// tenants, groups
    pub kind: String,
    #[command(subcommand)]
    pub action: InfraAction,
}

#[derive(Subcommand, Debug)]
pub enum InfraAction {
    /// Every record of the kind you may see
    List {
        #[arg(long)]
        json: bool,
    },
    /// One record (by name or id) with what hangs below it
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Create a record: --set field=value (repeatable; sizes like 40G)
    Create {
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Change fields of a record: --set field=value
    Update {
        id: String,
        #[arg(long = "set", value_name = "FIELD=VALUE")]
        set: Vec<String>,
    },
    /// Delete a record (instances, VMs, VPCs and sets are marked deleted)
    Delete { id: String },
    /// addresses: allocate the next free address of SUBNET (or --address) and print it
    Allocate {
        subnet: String,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        instance: Option<String>,
    },
    /// addresses: give an allocated address (by address or id) back
    Release { id: String },
    /// disks: attach DISK to INSTANCE at --at PATH
    Attach {
        disk: String,
        instance: String,
        #[arg(long = "at", default_value = "/mnt/data")]
        mount_path: String,
        #[arg(long)]
        read_only: bool,
    },
    /// disks: detach DISK from INSTANCE
    Detach { disk: String, instance: String },
    /// systems, sets, groups: add a member (VM, instance, user)
    AddMember { id: String, member: String },
    /// systems, sets, groups: remove a member
    RemoveMember { id: String, member: String },
}

fn pairs(set: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    set.iter()
        .map(|s| {
            let (k, v) = s.split_once('=').with_context(|| format!("--set {s}: write FIELD=VALUE"))?;
            Ok((k.trim().to_string(), v.to_string()))
        })
        .collect()
}

/// The columns a table of `kind` shows, as text.
pub fn table(kind: Kind, records: &[Record]) -> Vec<String> {
    let cols: Vec<usize> = kind.fields().iter().enumerate().filter(|(_, f)| f.listed).map(|(i, _)| i).collect();
    let head: Vec<String> = cols.iter().map(|&i| kind.fields()[i].label.to_string()).collect();
    let rows: Vec<Vec<String>> = records
        .iter()
        .map(|r| cols.iter().map(|&i| r.cells.get(i).map(|c| c.show()).unwrap_or_default()).collect())
        .collect();
    let widths: Vec<usize> = (0..cols.len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).chain([head[c].chars().count()]).max().unwrap_or(0).min(40))
        .collect();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{:<w$}", c.chars().take(40).collect::<String>(), w = *w))
            .collect();
        parts.join("  ").trim_end().to_string()
    };
    std::iter::once(line(&head)).chain(rows.iter().map(|r| line(r))).collect()
}

pub async fn run(svc: &Services, args: InfraArgs) -> anyhow::Result<()> {
    let Some(kind) = Kind::from_word(&args.kind) else {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        bail!("no kind '{}' (known: {})", args.kind, known.join(", "));
    };
    let actor = crate::cli_bookings::actor(svc, &args.as_user).await?;
    let resolve = |key: String| {
        let (svc, actor) = (svc, &actor);
        async move { svc.store.infra_resolve(actor, Target::Kind(kind), &key).await }
    };
    let op = match args.action {
        InfraAction::List { json } => {
            let records = svc.store.infra_list(&actor, kind).await?;
            if json {
                let all: Vec<_> = records.iter().map(|r| r.json(kind.fields())).collect();
                println!("{}", serde_json::to_string_pretty(&all)?);
            } else {
                for l in table(kind, &records) {
                    println!("{l}");
                }
            }
            return Ok(());
        }
        InfraAction::Show { id, json } => {
            let id = resolve(id).await?;
            let d = svc.store.infra_detail(&actor, kind, id).await?;
            if json {
                let mut v = d.record.json(kind.fields());
                for (heading, lines) in &d.sections {
                    v[heading.to_lowercase().replace(' ', "_")] = lines.clone().into();
                }
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                println!("{:<14} {}", "id", d.record.id);
                for (f, c) in kind.fields().iter().zip(&d.record.cells) {
                    println!("{:<14} {}", f.label, c.show());
                }
                for (heading, lines) in &d.sections {
                    println!("{heading}:");
                    for l in lines {
                        println!("  {l}");
                    }
                }
            }
            return Ok(());
        }
        InfraAction::Create { set } => Op::Create { kind, values: pairs(&set)? },
        InfraAction::Update { id, set } => Op::Update { kind, id: resolve(id).await?, values: pairs(&set)? },
        InfraAction::Delete { id } => Op::Delete { kind, id: resolve(id).await? },
        InfraAction::Allocate { subnet, address, instance } => {
            if kind != Kind::Addresses {
                bail!("allocate is for addresses: labdeck infra addresses allocate SUBNET");
            }
            Op::Allocate { subnet, address, instance }
        }
        InfraAction::Release { id } => Op::Release { id: resolve(id).await? },
        InfraAction::Attach { disk, instance, mount_path, read_only } => {
            Op::Attach { disk, instance, mount_path, read_only }
        }
        InfraAction::Detach { disk, instance } => Op::Detach { disk, instance },
        InfraAction::AddMember { id, member } => Op::Member { kind, parent: resolve(id).await?, member, add: true },
        InfraAction::RemoveMember { id, member } => Op::Member { kind, parent: resolve(id).await?, member, add: false },
    };
    match infra::run(svc, &actor, op).await? {
        Out::Done(message) => println!("{message}"),
        Out::Allocated { address, .. } => println!("{address}"),
        other => println!("{other:?}"),
    }
    Ok(())
}
