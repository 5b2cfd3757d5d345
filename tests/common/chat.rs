//! The visitor chat server in-process, and a support rep, for the HTTP and browser tests.

use super::services;
use labdeck::domain::Role;
use labdeck::domain::rbac::Actor;
use labdeck::engine::accounts::{self, AccountForm};
use labdeck::http::Limits;
use labdeck::store::Store;
use std::time::Duration;

/// `labdeck::http::serve` on a free loopback port; stopped when dropped.
pub struct Server {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub async fn server(store: &Store, limits: Limits) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let svc = services(store);
    tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        labdeck::http::serve(svc, listener, limits, Duration::from_millis(50), stop).await.unwrap();
    });
    Server { base, stop: Some(tx) }
}

pub fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

/// Sue, a support rep.
pub async fn rep(store: &Store) -> Actor {
    let form = AccountForm { username: "sue".into(), email: String::new(), display_name: "Sue Support".into() };
    let (u, _) = accounts::create_user(
        &services(store),
        &Actor::system("t"),
        &form,
        Role::Support,
        Some("correct horse battery".into()),
    )
    .await
    .unwrap();
    store.load_actor(u.id).await.unwrap()
}
