//! The SSH server's refusals, driven by an SSH client library in-process: a huge window, no
//! terminal, a command instead of a shell, too many sessions from one address, a session
//! left without input, a password when passwords are off. Each gets a line that says why
//! and an exit status, and the server keeps serving.

mod common;

use labdeck::domain::audit::Source;
use labdeck::engine::{EngineOptions, Hub, Services};
use labdeck::ssh::{SshOptions, serve};
use labdeck::tui::keymap::Keymap;
use labdeck::tui::theme::Theme;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{PrivateKey, PublicKeyOrCertificate};
use russh::{ChannelMsg, client};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

struct Trusting;

impl client::Handler for Trusting {
    type Error = russh::Error;
    async fn check_server_key(&mut self, _key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

struct Server {
    port: u16,
    stop: tokio::sync::oneshot::Sender<()>,
    hub: Hub,
}

async fn start(max_per_ip: usize, idle: Duration) -> (Server, common::Backend) {
    let backend = common::sqlite().await;
    let svc = Services::new(backend.store.clone(), Source::Engine);
    let hub = Hub::start(svc.clone(), EngineOptions { watch_every: Duration::from_millis(200), pollers: false });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let host_key = PrivateKey::new(KeypairData::Ed25519(Ed25519Keypair::from_seed(&[42; 32])), "test").unwrap();
    let opts = SshOptions {
        host_key,
        chat_user: "chat".into(),
        password_auth: false,
        max_sessions: 100,
        max_sessions_per_ip: max_per_ip,
        idle_timeout: idle,
        keymap: Keymap::from_config(&BTreeMap::new()).unwrap(),
        theme: Theme::from_config("dark", &BTreeMap::new(), true).unwrap(),
        clock: labdeck::config::Clock::Off,
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let h = hub.clone();
    // The test's own server task; the library under test spawns only through the hub.
    tokio::spawn(async move {
        serve(svc, h, listener, opts, async {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    (Server { port, stop, hub }, backend)
}

async fn visitor(port: u16) -> client::Handle<Trusting> {
    let config = Arc::new(client::Config::default());
    let mut session = client::connect(config, ("127.0.0.1", port), Trusting).await.unwrap();
    assert!(session.authenticate_none("chat").await.unwrap().success());
    session
}

/// Everything the server sends on the channel until it closes (or 20 s pass), and the exit
/// status it gave.
async fn drain(channel: &mut russh::Channel<client::Msg>) -> (String, Option<u32>) {
    let (mut text, mut status) = (Vec::new(), None);
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(msg) = channel.wait().await {
            match msg {
                ChannelMsg::Data { data } => text.extend_from_slice(&data),
                ChannelMsg::ExitStatus { exit_status } => status = Some(exit_status),
                ChannelMsg::Close => break,
                _ => {}
            }
        }
    })
    .await;
    (String::from_utf8_lossy(&text).into_owned(), status)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_say_why_and_the_server_keeps_serving() {
    let (server, _db) = start(2, Duration::from_secs(3)).await;

    // A window far larger than anything drawn.
    let s = visitor(server.port).await;
    let mut ch = s.channel_open_session().await.unwrap();
    ch.request_pty(false, "xterm", 100_000, 100_000, 0, 0, &[]).await.unwrap();
    ch.request_shell(false).await.unwrap();
    let (text, status) = drain(&mut ch).await;
    assert!(text.contains("labdeck draws at most 1000×500"), "{text:?}");
    assert_eq!(status, Some(1));

    // No terminal; then a command instead of a shell.
    let s = visitor(server.port).await;
    let mut ch = s.channel_open_session().await.unwrap();
    ch.request_shell(false).await.unwrap();
    let (text, status) = drain(&mut ch).await;
    assert!(text.contains("needs a terminal"), "{text:?}");
    assert_eq!(status, Some(1));
    let s = visitor(server.port).await;
    let mut ch = s.channel_open_session().await.unwrap();
    ch.request_pty(false, "xterm", 80, 24, 0, 0, &[]).await.unwrap();
    ch.exec(false, "cat /etc/passwd").await.unwrap();
    let (text, _) = drain(&mut ch).await;
    assert!(text.contains("no commands to run here"), "{text:?}");

    // Two sessions from one address are allowed here; the third is told why it is refused.
    let mut open = Vec::new();
    for _ in 0..2 {
        let s = visitor(server.port).await;
        let mut ch = s.channel_open_session().await.unwrap();
        ch.request_pty(false, "xterm", 80, 24, 0, 0, &[]).await.unwrap();
        ch.request_shell(false).await.unwrap();
        // The visitor's form is drawn.
        let mut seen = Vec::new();
        while !String::from_utf8_lossy(&seen).contains("talk to support") {
            match tokio::time::timeout(Duration::from_secs(20), ch.wait()).await.expect("a frame") {
                Some(ChannelMsg::Data { data }) => seen.extend_from_slice(&data),
                Some(_) => {}
                None => panic!("closed before the form was drawn"),
            }
        }
        open.push((s, ch));
    }
    let s = visitor(server.port).await;
    let mut ch = s.channel_open_session().await.unwrap();
    ch.request_pty(false, "xterm", 80, 24, 0, 0, &[]).await.unwrap();
    ch.request_shell(false).await.unwrap();
    let (text, status) = drain(&mut ch).await;
    assert!(text.contains("too many sessions (at most 2 from one address"), "{text:?}");
    assert_eq!(status, Some(1));

    // A second channel on an open connection is refused (it could read the first one's screen).
    assert!(open[0].0.channel_open_session().await.is_err());

    // The open sessions get no input: each ends after the idle timeout, saying so.
    for (_, ch) in &mut open {
        let (text, status) = drain(ch).await;
        assert!(text.contains("closed after 3 s without input"), "{text:?}");
        assert!(status.is_some(), "an exit status is sent");
    }

    // Passwords are off: a password is refused like any wrong credential.
    let config = Arc::new(client::Config::default());
    let mut s = client::connect(config, ("127.0.0.1", server.port), Trusting).await.unwrap();
    assert!(!s.authenticate_password("ada", "whatever password").await.unwrap().success());

    // The places freed, a new session starts.
    let s = visitor(server.port).await;
    let mut ch = s.channel_open_session().await.unwrap();
    ch.request_pty(false, "xterm", 80, 24, 0, 0, &[]).await.unwrap();
    ch.request_shell(false).await.unwrap();
    let (text, _) = drain(&mut ch).await;
    assert!(text.contains("talk to support"), "{text:?}");
    let _ = server.stop.send(());
    server.hub.shutdown(Duration::from_secs(1)).await;
}
