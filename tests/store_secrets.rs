//! Proxmox token secrets at rest: sealed on both backends, plain rows from before sealing
//! sealed at their first read, a value moved to another cluster or opened with the wrong
//! key refused with a clear message (never read as plain text), and `labdeck secrets rotate`
//! moving every secret to a new key in the key file.
//!
//! One test function: the keyring is process-wide, and the steps below swap it.

mod common;

use labdeck::domain::audit::{Entry, Source};
use labdeck::store::pve::ClusterInput;
use labdeck::store::secrets::{self, KEY_VAR, Keyring, TEST_KEY_HEX};
use labdeck::store::{ConnectOptions, Store, StoreError};
use std::process::Command;
use uuid::Uuid;

const SECRET: &str = "0b6c2f4e-5a1d-4c7e-9f3b-2d8e6a1c7b90";

fn entry() -> Entry {
    Entry::anonymous("test", &Source::Engine, "save_cluster", "cluster")
}

fn input(name: &str, secret: Option<&str>) -> ClusterInput {
    ClusterInput {
        key: name.into(),
        name: name.into(),
        host: format!("{name}.lab"),
        port: 8006,
        token_id: "root@pam!labdeck".into(),
        token_secret: secret.map(String::from),
        fingerprint: "AA:BB".into(),
        poll_interval_secs: 10,
    }
}

async fn raw(store: &Store, id: Uuid) -> String {
    labdeck::on_pool!(store, p => sqlx::query_scalar("SELECT api_token_secret FROM pve_clusters WHERE id = $1")
        .bind(id).fetch_one(p).await.unwrap())
}

async fn set_raw(store: &Store, id: Uuid, value: &str) {
    labdeck::on_pool!(store, p => {
        sqlx::query("UPDATE pve_clusters SET api_token_secret = $2 WHERE id = $1").bind(id).bind(value).execute(p).await.unwrap();
    });
}

async fn sealed_at_rest(store: Store) {
    labdeck::store::testing::use_test_key();
    let a = store.save_cluster(None, &input("east", Some(SECRET)), entry()).await.unwrap();
    let b = store.save_cluster(None, &input("west", Some("another-secret")), entry()).await.unwrap();
    let stored = raw(&store, a).await;
    assert!(stored.starts_with("lds1:") && !stored.contains(SECRET) && !stored.contains("0b6c"), "{stored}");
    assert_eq!(store.cluster_access(a).await.unwrap().token_secret.as_deref(), Some(SECRET));
    // Editing without retyping keeps the sealed secret; retyping seals the new one.
    store.save_cluster(Some(a), &input("east", None), entry()).await.unwrap();
    assert_eq!(raw(&store, a).await, stored);

    // A plain secret from before sealing is read, and sealed on that first read (audited).
    set_raw(&store, b, "plain-from-0.9").await;
    let all = store.cluster_access_all().await.unwrap();
    assert!(all.iter().any(|c| c.token_secret.as_deref() == Some("plain-from-0.9")));
    assert!(raw(&store, b).await.starts_with("lds1:"));
    let n: i64 = labdeck::on_pool!(&store, p => sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'seal_secrets'")
        .fetch_one(p).await.unwrap());
    assert_eq!(n, 1);
    assert_eq!(store.secret_key_use().await.unwrap().len(), 1, "one key seals everything");

    // A sealed value copied onto another cluster does not open there.
    set_raw(&store, b, &stored).await;
    let err = store.cluster_access(b).await.unwrap_err();
    assert!(matches!(err, StoreError::SecretKey(secrets::KeyError::Tampered(_))), "{err}");
    // Nor with another key: the message says which key sealed it; nothing comes out in clear.
    secrets::install(Keyring::from_hex(&"42".repeat(32)).unwrap());
    let err = store.cluster_access(a).await.unwrap_err().to_string();
    assert!(err.contains("sealed with key") && err.contains(KEY_VAR) && !err.contains(SECRET), "{err}");
    assert!(store.list_clusters(&labdeck::domain::rbac::Actor::system("t")).await.is_ok(), "lists need no key");

    // Re-sealing under a new key (a rotation): the old key opens, the new one seals.
    let both = Keyring::from_hex_keys(&[&"42".repeat(32), TEST_KEY_HEX]).unwrap();
    labdeck::store::testing::use_test_key();
    set_raw(&store, b, "plain-again").await;
    let n = store.reseal_secrets(&both, entry()).await.unwrap();
    assert_eq!(n, 2);
    secrets::install(Keyring::from_hex(&"42".repeat(32)).unwrap());
    assert_eq!(store.cluster_access(a).await.unwrap().token_secret.as_deref(), Some(SECRET));
    assert_eq!(store.cluster_access(b).await.unwrap().token_secret.as_deref(), Some("plain-again"));
    labdeck::store::testing::use_test_key();
}

fn labdeck(home: &std::path::Path, db: &str, args: &[&str], key: Option<&str>) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_labdeck"));
    cmd.args(["--database-url", db])
        .args(args)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env_remove(KEY_VAR)
        .env_remove(secrets::PREVIOUS_VAR);
    if let Some(k) = key {
        cmd.env(KEY_VAR, k);
    }
    let out = cmd.output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

async fn rotate_from_the_shell() {
    let home = labdeck::store::testing::TempDir::new();
    let db = format!("sqlite://{}/t.db", home.path.display());
    // The database's secrets were sealed with the key now in the key file.
    let key_file = home.path.join("data/labdeck/secret.key");
    std::fs::create_dir_all(key_file.parent().unwrap()).unwrap();
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&key_file).unwrap();
        std::io::Write::write_all(&mut f, format!("{TEST_KEY_HEX}\n").as_bytes()).unwrap();
    }
    labdeck::store::testing::use_test_key();
    let store = Store::connect(&ConnectOptions::new(db.clone())).await.unwrap();
    store.migrate().await.unwrap();
    let id = store.save_cluster(None, &input("east", Some(SECRET)), entry()).await.unwrap();
    let before = raw(&store, id).await;

    let (ok, out) = labdeck(&home.path, &db, &["secrets", "status"], None);
    assert!(ok && out.contains("every sealed secret opens (1)"), "{out}");
    let (ok, out) = labdeck(&home.path, &db, &["secrets", "status"], Some(&"42".repeat(32)));
    assert!(!ok && out.contains("not in the keyring") && !out.contains(SECRET), "a wrong key says so: {out}");

    let (ok, out) = labdeck(&home.path, &db, &["secrets", "rotate", "--drop-old"], None);
    assert!(ok && out.contains("1 cluster secret sealed with key"), "{out}");
    let text = std::fs::read_to_string(&key_file).unwrap();
    let keys: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(keys.len(), 1, "the old key is dropped: {text}");
    assert_ne!(keys[0], TEST_KEY_HEX);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let after = raw(&store, id).await;
    assert_ne!(after, before);
    secrets::install(Keyring::from_hex(keys[0]).unwrap());
    assert_eq!(store.cluster_access(id).await.unwrap().token_secret.as_deref(), Some(SECRET));
    labdeck::store::testing::use_test_key();
    assert!(store.cluster_access(id).await.is_err(), "the old key no longer opens it");
    let (ok, out) = labdeck(&home.path, &db, &["secrets", "status"], None);
    assert!(ok && out.contains("every sealed secret opens (1)"), "{out}");
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_at_rest() {
    let b = common::sqlite().await;
    sealed_at_rest(b.store.clone()).await;
    if let Some(b) = common::postgres().await {
        sealed_at_rest(b.store.clone()).await;
    }
    rotate_from_the_shell().await;
}
