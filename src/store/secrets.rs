//! Secrets at rest, keyed by a key kept outside the database: Proxmox token secrets are
//! sealed with ChaCha20-Poly1305 (ring), class join codes are stored as HMAC-SHA256 tags.
//!
//! The key comes from `LABDECK_SECRET_KEY` (64 hex digits) or else from the key file
//! `secret.key` in the data directory (0600, created on first need). The file may hold older
//! keys after the current one (one per line), and `LABDECK_SECRET_KEY_PREVIOUS` may name
//! older keys (comma-separated): they open what they sealed until `labdeck secrets rotate`
//! re-seals it. Every sealed value names its key by id, so a wrong key is reported as such;
//! nothing ever falls back to reading a sealed value as plain text.

use ring::{aead, hmac};
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

pub const KEY_VAR: &str = "LABDECK_SECRET_KEY";
pub const PREVIOUS_VAR: &str = "LABDECK_SECRET_KEY_PREVIOUS";
/// How a sealed value starts: `lds1:<key id>:<hex of nonce ‖ ciphertext ‖ tag>`.
const SEALED: &str = "lds1:";
/// How a keyed join-code tag starts: `ldh1:<key id>:<hex of the tag>`.
const TAGGED: &str = "ldh1:";

/// A key the tests use in-process and pass to the binaries they start (never a real one).
pub const TEST_KEY_HEX: &str = "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error(
        "no secret key: set LABDECK_SECRET_KEY or restore the key file {0} (the one that sealed the secrets); nothing was read in clear"
    )]
    Missing(String),
    #[error("{0}")]
    Bad(String),
    #[error(
        "a secret was sealed with key {kid}, which is not in the keyring ({from}): use the key it was sealed with (LABDECK_SECRET_KEY, LABDECK_SECRET_KEY_PREVIOUS or the key file)"
    )]
    UnknownKey { kid: String, from: String },
    #[error("a secret sealed with key {0} does not open: it was changed, or belongs to another record")]
    Tampered(String),
}

struct Key {
    id: String,
    seal: aead::LessSafeKey,
    mac: hmac::Key,
    raw: [u8; 32],
}

impl Key {
    fn new(raw: [u8; 32]) -> Key {
        // Separate subkeys per use, derived from the one key a person keeps.
        let master = hmac::Key::new(hmac::HMAC_SHA256, &raw);
        let derive = |label: &[u8]| hmac::sign(&master, label);
        let id = hex(&derive(b"labdeck key id").as_ref()[..4]);
        let seal = aead::UnboundKey::new(&aead::CHACHA20_POLY1305, derive(b"labdeck seal v1").as_ref())
            .expect("a 32-byte key fits ChaCha20-Poly1305");
        let mac = hmac::Key::new(hmac::HMAC_SHA256, derive(b"labdeck join code v1").as_ref());
        Key { id, seal: aead::LessSafeKey::new(seal), mac, raw }
    }

    fn parse(text: &str, what: &str) -> Result<Key, KeyError> {
        let bytes = unhex(text.trim())
            .filter(|b| b.len() == 32)
            .ok_or_else(|| KeyError::Bad(format!("{what} is not a key: it must be 64 hex digits (32 bytes)")))?;
        let mut raw = [0u8; 32];
        raw.copy_from_slice(&bytes);
        Ok(Key::new(raw))
    }

    fn generate() -> Key {
        let mut raw = [0u8; 32];
        getrandom::fill(&mut raw).expect("the OS random source is available");
        Key::new(raw)
    }
}

/// The current key (first) and older ones that still open what they sealed.
pub struct Keyring {
    keys: Vec<Key>,
    /// Where the keys came from, for messages.
    from: String,
}

impl Keyring {
    /// A keyring of one key given as 64 hex digits (tests, and `LABDECK_SECRET_KEY`).
    pub fn from_hex(hex_key: &str) -> Result<Keyring, KeyError> {
        Ok(Keyring { keys: vec![Key::parse(hex_key, "the key")?], from: "given key".into() })
    }

    /// A keyring of several keys, the current one first.
    pub fn from_hex_keys(hex_keys: &[&str]) -> Result<Keyring, KeyError> {
        let keys = hex_keys.iter().map(|k| Key::parse(k, "a key")).collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::Bad("no key given".into()));
        }
        Ok(Keyring { keys, from: "given keys".into() })
    }

    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    pub fn ids(&self) -> Vec<String> {
        self.keys.iter().map(|k| k.id.clone()).collect()
    }

    pub fn source(&self) -> &str {
        &self.from
    }

    /// Seal `plain` for the record `context` names (a sealed value moved to another record
    /// does not open).
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; aead::NONCE_LEN];
        getrandom::fill(&mut nonce).expect("the OS random source is available");
        let mut buf = plain.as_bytes().to_vec();
        key.seal
            .seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::from(context), &mut buf)
            .expect("sealing a short secret cannot fail");
        let mut out = nonce.to_vec();
        out.extend(buf);
        format!("{SEALED}{}:{}", key.id, hex(&out))
    }

    /// Open a sealed value (see [`is_sealed`]).
    pub fn open(&self, stored: &str, context: &str) -> Result<String, KeyError> {
        let bad = || KeyError::Bad("a sealed secret is malformed (stored data was changed)".into());
        let rest = stored.strip_prefix(SEALED).ok_or_else(bad)?;
        let (kid, body) = rest.split_once(':').ok_or_else(bad)?;
        let key = self
            .keys
            .iter()
            .find(|k| k.id == kid)
            .ok_or_else(|| KeyError::UnknownKey { kid: kid.into(), from: self.from.clone() })?;
        let bytes = unhex(body).filter(|b| b.len() >= aead::NONCE_LEN + 16).ok_or_else(bad)?;
        let (nonce, sealed) = bytes.split_at(aead::NONCE_LEN);
        let nonce = aead::Nonce::try_assume_unique_for_key(nonce).map_err(|_| bad())?;
        let mut buf = sealed.to_vec();
        let plain = key
            .seal
            .open_in_place(nonce, aead::Aad::from(context), &mut buf)
            .map_err(|_| KeyError::Tampered(kid.into()))?;
        String::from_utf8(plain.to_vec()).map_err(|_| bad())
    }

    /// The keyed tag of a (normalised) join code under the current key: what is stored.
    pub fn tag(&self, code: &str) -> String {
        tag_with(&self.keys[0], code)
    }

    /// The tags `code` may be stored under: one per key in the ring.
    pub fn tags(&self, code: &str) -> Vec<String> {
        self.keys.iter().map(|k| tag_with(k, code)).collect()
    }
}

fn tag_with(key: &Key, code: &str) -> String {
    format!("{TAGGED}{}:{}", key.id, hex(hmac::sign(&key.mac, code.as_bytes()).as_ref()))
}

/// Whether a stored secret is sealed (else it is plain text from before sealing, to be
/// sealed on its first read).
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(SEALED)
}

/// The key file: `secret.key` in the data directory.
pub fn key_file() -> PathBuf {
    crate::paths::data_dir().join("secret.key")
}

static RING: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Use this keyring from now on in this process (tests; `secrets rotate` after rotating).
pub fn install(ring: Keyring) {
    *RING.write().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(ring));
}

/// The keyring, loaded once: from the environment, else from the key file — created (with a
/// fresh key) only when `create` is set and neither exists.
pub fn keyring(create: bool) -> Result<Arc<Keyring>, KeyError> {
    if let Some(r) = RING.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        return Ok(r.clone());
    }
    let ring = match load_env()? {
        Some(r) => r,
        None => match read_file(&key_file())? {
            Some(r) => r,
            None if create => create_file(&key_file())?,
            None => return Err(KeyError::Missing(key_file().display().to_string())),
        },
    };
    let ring = Arc::new(ring);
    let mut slot = RING.write().unwrap_or_else(|e| e.into_inner());
    Ok(slot.get_or_insert(ring).clone())
}

fn load_env() -> Result<Option<Keyring>, KeyError> {
    let Ok(current) = std::env::var(KEY_VAR) else { return Ok(None) };
    let mut keys = vec![Key::parse(&current, KEY_VAR)?];
    for old in std::env::var(PREVIOUS_VAR).unwrap_or_default().split(',').filter(|s| !s.trim().is_empty()) {
        keys.push(Key::parse(old, PREVIOUS_VAR)?);
    }
    Ok(Some(Keyring { keys, from: format!("{KEY_VAR}/{PREVIOUS_VAR}") }))
}

fn read_file(path: &std::path::Path) -> Result<Option<Keyring>, KeyError> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(KeyError::Bad(format!("cannot read the key file {shown}: {e}"))),
    };
    let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
    if mode & 0o077 != 0 {
        return Err(KeyError::Bad(format!(
            "the key file {shown} is readable by others (mode {:o}): chmod 600 it",
            mode & 0o777
        )));
    }
    let keys = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| Key::parse(l, &format!("a line of {shown}")))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(KeyError::Bad(format!("the key file {shown} holds no key")));
    }
    Ok(Some(Keyring { keys, from: shown.to_string() }))
}

/// Write `keys` (current first) to the key file, replacing it atomically, mode 0600.
fn write_file(path: &std::path::Path, keys: &[&Key]) -> Result<(), KeyError> {
    use std::io::Write;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let fail = |e: std::io::Error| KeyError::Bad(format!("cannot write the key file {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(fail)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp).map_err(fail)?;
    let mut text = String::from("# labdeck secret key: the first line seals, later lines only open. Keep it safe.\n");
    for k in keys {
        text.push_str(&hex(&k.raw));
        text.push('\n');
    }
    f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(fail)
}

/// A new key file; when another process made one first, that one is used.
fn create_file(path: &std::path::Path) -> Result<Keyring, KeyError> {
    let key = Key::generate();
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let fail = |e: std::io::Error| KeyError::Bad(format!("cannot create the key file {}: {e}", path.display()));
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(fail)?;
    }
    // create_new: of two processes creating it at once, one wins and the other reads it.
    match std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(mut f) => {
            use std::io::Write;
            let text = format!(
                "# labdeck secret key: the first line seals, later lines only open. Keep it safe.\n{}\n",
                hex(&key.raw)
            );
            f.write_all(text.as_bytes()).and_then(|()| f.sync_all()).map_err(fail)?;
            tracing::info!(path = %path.display(), "created the secret key file");
            Ok(Keyring { keys: vec![key], from: path.display().to_string() })
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read_file(path)?.ok_or_else(|| KeyError::Missing(path.display().to_string()))
        }
        Err(e) => Err(fail(e)),
    }
}

/// A rotation in two steps: [`Rotation::begin`] puts a new current key in front of the old
/// ones (so both open); after every value is re-sealed, [`Rotation::finish`] drops the old.
pub struct Rotation {
    pub ring: Keyring,
    path: Option<PathBuf>,
}

impl Rotation {
    /// With the key file: a new key is generated and written first. With the environment:
    /// the operator already set the new key in `LABDECK_SECRET_KEY` and the old one in
    /// `LABDECK_SECRET_KEY_PREVIOUS`; nothing is written.
    pub fn begin() -> Result<Rotation, KeyError> {
        if let Some(ring) = load_env()? {
            return Ok(Rotation { ring, path: None });
        }
        let path = key_file();
        let old = read_file(&path)?.ok_or_else(|| KeyError::Missing(path.display().to_string()))?;
        let mut keys = vec![Key::generate()];
        keys.extend(old.keys);
        write_file(&path, &keys.iter().collect::<Vec<_>>())?;
        Ok(Rotation { ring: Keyring { keys, from: path.display().to_string() }, path: Some(path) })
    }

    /// Keep only the new key (`keep_old` keeps the old ones for join codes still in use).
    pub fn finish(self, keep_old: bool) -> Result<Keyring, KeyError> {
        let Rotation { mut ring, path } = self;
        if !keep_old {
            ring.keys.truncate(1);
        }
        if let Some(path) = path {
            write_file(&path, &ring.keys.iter().collect::<Vec<_>>())?;
        }
        Ok(ring)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> Keyring {
        Keyring::from_hex(TEST_KEY_HEX).unwrap()
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_record() {
        let r = ring();
        let sealed = r.seal("0f1e2d3c-secret", "cluster:1");
        assert!(is_sealed(&sealed) && !sealed.contains("secret"));
        assert_ne!(sealed, r.seal("0f1e2d3c-secret", "cluster:1"), "a fresh nonce each time");
        assert_eq!(r.open(&sealed, "cluster:1").unwrap(), "0f1e2d3c-secret");
        assert!(matches!(r.open(&sealed, "cluster:2"), Err(KeyError::Tampered(_))));
        let other = Keyring::from_hex(&"ab".repeat(32)).unwrap();
        assert!(matches!(other.open(&sealed, "cluster:1"), Err(KeyError::UnknownKey { .. })));
        let mut flipped = sealed.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert!(matches!(r.open(&flipped, "cluster:1"), Err(KeyError::Tampered(_))));
        assert!(matches!(r.open("lds1:zz", "cluster:1"), Err(KeyError::Bad(_))));
        assert!(Keyring::from_hex("1234").is_err());
    }

    #[test]
    fn join_code_tags_are_keyed_and_name_their_key() {
        let r = ring();
        let other = Keyring::from_hex(&"ab".repeat(32)).unwrap();
        assert_eq!(r.tag("ABCDEFGHJK"), r.tag("ABCDEFGHJK"));
        assert_ne!(r.tag("ABCDEFGHJK"), other.tag("ABCDEFGHJK"));
        assert!(r.tag("ABCDEFGHJK").starts_with(&format!("ldh1:{}:", r.current_id())));
        assert!(!r.tag("ABCDEFGHJK").contains("ABCD"));
    }

    #[test]
    fn a_key_file_is_created_private_read_back_and_rotated() {
        use std::os::unix::fs::PermissionsExt;
        let dir = crate::store::testing::TempDir::new();
        let path = dir.path.join("sub/secret.key");
        let made = create_file(&path).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        let again = create_file(&path).unwrap();
        assert_eq!(again.ids(), made.ids(), "a second creator reads the first one's key");
        let sealed = made.seal("s", "c");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(read_file(&path), Err(KeyError::Bad(m)) if m.contains("chmod 600")));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let new = Key::generate();
        let old = read_file(&path).unwrap().unwrap();
        let keys: Vec<&Key> = std::iter::once(&new).chain(old.keys.iter()).collect();
        write_file(&path, &keys).unwrap();
        let both = read_file(&path).unwrap().unwrap();
        assert_eq!(both.current_id(), new.id);
        assert_eq!(both.open(&sealed, "c").unwrap(), "s", "older keys still open");
    }
}
