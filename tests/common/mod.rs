#![allow(dead_code)]
//! Shared test support: run one async test body on SQLite and on PostgreSQL.

pub mod chat;
pub mod tmux;
pub mod ui;

use labdeck::domain::audit::Source;
use labdeck::engine::Services;
use labdeck::store::Store;
use labdeck::store::testing::{self, TempDir};

pub struct Backend {
    pub store: Store,
    _dir: Option<TempDir>,
}

pub async fn sqlite() -> Backend {
    let (store, dir) = testing::sqlite().await.expect("sqlite test store");
    Backend { store, _dir: Some(dir) }
}

/// A fresh PostgreSQL store, or `None` when `LABDECK_TEST_POSTGRES_URL` is not set: a plain
/// `cargo test` then runs the SQLite half and says once per run that the PostgreSQL half was
/// skipped (`tests/run.sh` always sets the variable, starting a throwaway server if needed;
/// in CI a missing variable fails instead).
pub async fn postgres() -> Option<Backend> {
    postgres_url()?;
    let store = testing::postgres().await.expect("postgres test store").expect("the variable is set");
    Some(Backend { store, _dir: None })
}

/// The PostgreSQL server tests may use, or `None` (said once, on stderr) when none is named:
/// a plain `cargo test` then runs the SQLite half only. In CI a missing server is an error.
pub fn postgres_url() -> Option<String> {
    if let Ok(url) = std::env::var(testing::POSTGRES_URL_VAR) {
        return Some(url);
    }
    assert!(std::env::var_os("CI").is_none(), "{} is not set in CI: tests/run.sh sets it", testing::POSTGRES_URL_VAR);
    static SAID: std::sync::Once = std::sync::Once::new();
    SAID.call_once(|| {
        use std::io::Write;
        // Straight to stderr: the test harness captures eprintln! of passing tests.
        let _ = writeln!(
            std::io::stderr(),
            "*** SKIPPED the PostgreSQL half: {} is not set (tests/run.sh sets it and brings its own server) ***",
            testing::POSTGRES_URL_VAR
        );
    });
    None
}

/// `labdeck poll` on `url` in its own home, with the tests' secret key (it opens the token
/// secrets the test sealed in-process).
pub fn poller(url: &str, home: &TempDir) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_labdeck"))
        .args(["--database-url", url, "poll"])
        .env("XDG_DATA_HOME", home.path.join("data"))
        .env("XDG_STATE_HOME", home.path.join("state"))
        .env("XDG_CONFIG_HOME", home.path.join("config"))
        .env(labdeck::store::secrets::KEY_VAR, labdeck::store::secrets::TEST_KEY_HEX)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("labdeck runs")
}

pub fn services(store: &Store) -> Services {
    Services::new(store.clone(), Source::Cli { os_user: "test".into() })
}

/// A new account `name` (display name the same, no email) with `role`, as the actor it signs in as.
pub async fn add(store: &Store, name: &str, role: labdeck::domain::Role) -> labdeck::domain::rbac::Actor {
    use labdeck::domain::rbac::Actor;
    let form = labdeck::engine::accounts::AccountForm {
        username: name.into(),
        email: String::new(),
        display_name: name.into(),
    };
    let (u, _) = labdeck::engine::accounts::create_user(
        &services(store),
        &Actor::system("t"),
        &form,
        role,
        Some("correct horse battery".into()),
    )
    .await
    .unwrap();
    store.load_actor(u.id).await.unwrap()
}

/// `both!(name, |store| async move { ... })` defines `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let b = $crate::common::sqlite().await;
                ($body)(b.store.clone()).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(b) = $crate::common::postgres().await else { return };
                ($body)(b.store.clone()).await;
            }
        }
    };
}
