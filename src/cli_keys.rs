//! `labdeck user key add|list|remove`: SSH keys for `labdeck serve --ssh`, from scripts.

use crate::domain::rbac::Actor;
use crate::engine::{Services, ssh_keys};
use anyhow::Context;
use clap::Subcommand;
use std::io::Read;

#[derive(Subcommand, Debug)]
pub enum KeyCmd {
    /// Add a public key to an account: a .pub file, or - for standard input
    Add { username: String, file: String },
    /// List an account's keys
    List {
        username: String,
        #[arg(long)]
        json: bool,
    },
    /// Remove a key by its fingerprint (SHA256:…, as `list` prints it)
    Remove { username: String, fingerprint: String },
}

/// The most a key file may hold (one key line is far less).
const MAX_FILE: u64 = 64 * 1024;

pub async fn run(svc: &Services, actor: &Actor, cmd: KeyCmd) -> anyhow::Result<()> {
    match cmd {
        KeyCmd::Add { username, file } => {
            let text = read_key(&file)?;
            let key = ssh_keys::add(svc, actor, Some(&username), &text).await?;
            println!("added {} ({}) to {username}", key.fingerprint, key.algorithm);
        }
        KeyCmd::List { username, json } => {
            let keys = ssh_keys::list(svc, actor, Some(&username)).await?;
            if json {
                let rows: Vec<_> = keys
                    .iter()
                    .map(|k| serde_json::json!({"fingerprint": k.fingerprint, "algorithm": k.algorithm, "comment": k.comment, "created_at": k.created_at, "last_used_at": k.last_used_at}))
                    .collect();
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else if keys.is_empty() {
                println!("{username} has no SSH keys (add one: labdeck user key add {username} ~/.ssh/id_ed25519.pub)");
            } else {
                for k in keys {
                    let used = k
                        .last_used_at
                        .map_or("never used".to_string(), |t| format!("last used {}", t.format("%Y-%m-%d %H:%M")));
                    println!("{}  {:<20} {:<24} {used}", k.fingerprint, k.algorithm, k.comment);
                }
            }
        }
        KeyCmd::Remove { username, fingerprint } => {
            let key = ssh_keys::remove(svc, actor, Some(&username), &fingerprint).await?;
            println!("removed {} from {username}", key.fingerprint);
        }
    }
    Ok(())
}

fn read_key(file: &str) -> anyhow::Result<String> {
    let mut text = String::new();
    if file == "-" {
        std::io::stdin().take(MAX_FILE).read_to_string(&mut text).context("reading the key from standard input")?;
    } else {
        std::fs::File::open(file)
            .and_then(|f| f.take(MAX_FILE).read_to_string(&mut text))
            .with_context(|| format!("reading {file}"))?;
    }
    Ok(text)
}
