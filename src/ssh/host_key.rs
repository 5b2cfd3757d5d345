//! The server's host key: generated on first start into the data directory (mode 0600), or
//! brought with `--host-key FILE` (an OpenSSH private key, unencrypted).

use anyhow::{Context, bail};
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{HashAlg, PrivateKey};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The host key at `path`; without `create`, the file must exist.
pub fn load_or_create(path: &Path, create: bool) -> anyhow::Result<(PrivateKey, bool)> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                bail!("{}: the host key is readable by others (mode {:o}); chmod 600 it", path.display(), mode & 0o777);
            }
            let key = PrivateKey::from_openssh(text.trim())
                .with_context(|| format!("{}: not an unencrypted OpenSSH private key", path.display()))?;
            Ok((key, false))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => Ok((generate(path)?, true)),
        Err(e) => Err(e).with_context(|| format!("reading the host key {}", path.display())),
    }
}

fn generate(path: &Path) -> anyhow::Result<PrivateKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness for a host key: {e}"))?;
    let key = PrivateKey::new(KeypairData::Ed25519(Ed25519Keypair::from_seed(&seed)), "labdeck host key")?;
    let text = key.to_openssh(LineEnding::LF)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    // Written whole to a private temporary file, then renamed: never a readable or half key.
    let part = path.with_extension("part");
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&part)
        .with_context(|| format!("writing {}", part.display()))?;
    f.write_all(text.as_bytes())?;
    f.sync_all()?;
    std::fs::rename(&part, path).with_context(|| format!("writing {}", path.display()))?;
    Ok(key)
}

/// `SHA256:…`, as `ssh-keygen -l` and the client's first-connection prompt show it.
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_generated_private_then_loaded_the_same() {
        let dir = std::env::temp_dir().join(format!("labdeck-host-key-{}", uuid::Uuid::now_v7().simple()));
        let path = dir.join("keys/host_ed25519");
        assert!(load_or_create(&path, false).is_err(), "without create the file must exist");
        let (first, created) = load_or_create(&path, true).unwrap();
        assert!(created);
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let (again, created) = load_or_create(&path, true).unwrap();
        assert!(!created);
        assert_eq!(fingerprint(&first), fingerprint(&again));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(load_or_create(&path, true).unwrap_err().to_string().contains("chmod 600"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
