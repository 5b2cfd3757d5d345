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

pub async fn postgres() -> Backend {
    match testing::postgres().await.expect("postgres test store") {
        Some(store) => Backend { store, _dir: None },
        None => panic!(
            "{} is not set: store tests run on PostgreSQL too (the README's test command sets it)",
            testing::POSTGRES_URL_VAR
        ),
    }
}

pub fn services(store: &Store) -> Services {
    Services::new(store.clone(), Source::Cli { os_user: "test".into() })
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
                let b = $crate::common::postgres().await;
                ($body)(b.store.clone()).await;
            }
        }
    };
}
