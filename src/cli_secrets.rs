//! `labdeck secrets status|rotate`: which key seals the Proxmox token secrets, and moving
//! them to a new key. The key is kept outside the database (see store/secrets.rs).

use crate::domain::audit::{Entry, Source};
use crate::store::Store;
use crate::store::secrets::{self, KEY_VAR, PREVIOUS_VAR};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum SecretsCmd {
    /// Where the key comes from, which key seals each stored secret, and whether they all open
    Status,
    /// Seal every cluster secret under a new key. With the key file a new key is generated
    /// into it; with LABDECK_SECRET_KEY, set the new key there and the old one in
    /// LABDECK_SECRET_KEY_PREVIOUS first. Old keys stay in the file (join codes issued under
    /// them keep working) unless --drop-old.
    Rotate {
        /// Forget the old keys (join codes issued before stop working; teachers issue new ones)
        #[arg(long)]
        drop_old: bool,
    },
}

pub async fn run(store: &Store, source: Source, cmd: SecretsCmd) -> anyhow::Result<()> {
    match cmd {
        SecretsCmd::Status => {
            match secrets::keyring(false) {
                Ok(r) => println!("key {} from {} (keyring: {})", r.current_id(), r.source(), r.ids().join(", ")),
                Err(e) => println!("no key yet: {e}"),
            }
            for (kid, n) in store.secret_key_use().await? {
                let what = if kid == "plain" {
                    "in plain text (sealed at their first use)".into()
                } else {
                    format!("sealed with key {kid}")
                };
                println!("  {n:>4} cluster secret{} {what}", if n == 1 { "" } else { "s" });
            }
            let n = store.open_all_secrets().await?;
            println!("every sealed secret opens ({n})");
            Ok(())
        }
        SecretsCmd::Rotate { drop_old } => {
            let rotation = secrets::Rotation::begin()?;
            let from = rotation.ring.source().to_string();
            let entry = Entry::anonymous(&crate::paths::os_user(), &source, "rotate_secret_key", "cluster");
            // Should this fail, the key file holds the new key and the old ones: run it again.
            let n = store.reseal_secrets(&rotation.ring, entry).await?;
            let ring = rotation.finish(!drop_old)?;
            println!(
                "{n} cluster secret{} sealed with key {} ({from})",
                if n == 1 { "" } else { "s" },
                ring.current_id()
            );
            if from.contains(KEY_VAR) {
                println!(
                    "now remove {PREVIOUS_VAR} where labdeck runs (join codes issued under the old key then stop working)"
                );
            } else if !drop_old && ring.ids().len() > 1 {
                println!("older keys are kept for join codes issued under them; --drop-old forgets them");
            }
            secrets::install(ring);
            Ok(())
        }
    }
}
