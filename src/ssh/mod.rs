//! `labdeck serve --ssh ADDR`: the console as an SSH server (russh). One engine ([`Hub`])
//! serves every session: each is a full console (its own `App` and screen size), signed in
//! by the key its client proved it holds, or — as the `chat@` user — a visitor's chat.
//! Sessions are the hub's tasks; this module only carries bytes, sizes and sign-ins.

mod conn;
pub mod host_key;
mod session;

use crate::admission::{Buckets, Caps, Rate, VISITOR_STARTS};
use crate::engine::{Hub, Services};
use crate::tui::keymap::Keymap;
use crate::tui::theme::Theme;
use russh::keys::PrivateKey;
use russh::{MethodKind, MethodSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// What the SSH server is told at start.
pub struct SshOptions {
    pub host_key: PrivateKey,
    /// The account name that opens a visitor chat instead of a console (`chat`).
    pub chat_user: String,
    /// Password sign-in (throttled like the console's); off unless the config allows it.
    pub password_auth: bool,
    pub max_sessions: usize,
    pub max_sessions_per_ip: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    pub keymap: Keymap,
    pub theme: Theme,
    pub clock: crate::config::Clock,
    pub mouse: bool,
}

/// Sign-in attempts one address may make: ten, then one every five seconds.
const SIGN_INS: Rate = Rate::new(10.0, 0.2);
/// Key look-ups (a client offers each of its keys): thirty, then two a second.
const OFFERS: Rate = Rate::new(30.0, 2.0);
/// Connections beyond the session caps get the handshake and a message saying why they are
/// refused; beyond this many more they are closed at once.
const REFUSALS_ALLOWED: usize = 16;

/// What every connection's handler shares.
pub(crate) struct Shared {
    hub: Hub,
    svc: Services,
    opts: SshOptions,
    org: String,
    sessions: Arc<Caps>,
    connections: Arc<Caps>,
    sign_ins: Buckets<IpAddr>,
    offers: Buckets<IpAddr>,
    visitor_starts: Buckets<IpAddr>,
    config: Arc<russh::server::Config>,
}

fn config(opts: &SshOptions) -> russh::server::Config {
    let mut methods = vec![MethodKind::None, MethodKind::PublicKey];
    if opts.password_auth {
        methods.push(MethodKind::Password);
    }
    russh::server::Config {
        server_id: russh::SshId::Standard(format!("SSH-2.0-labdeck_{}", env!("CARGO_PKG_VERSION")).into()),
        methods: MethodSet::from(&methods[..]),
        // Refusals take the same time whatever was wrong (no user enumeration by timing).
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        keys: vec![opts.host_key.clone()],
        // The session says why it ends after `idle_timeout` without input; this catches a
        // connection that has no session (or stopped answering) a minute later.
        inactivity_timeout: Some(opts.idle_timeout + Duration::from_secs(60)),
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        max_auth_attempts: 6,
        nodelay: true,
        ..Default::default()
    }
}

/// How long a connection may take to sign in (OpenSSH's LoginGraceTime is 120 s).
const LOGIN_GRACE: Duration = Duration::from_secs(60);

/// One connection, from the version exchange to its close. A client that has not signed
/// in within [`LOGIN_GRACE`] is disconnected, so silent or stalled connections do not hold
/// places under the caps.
async fn connection(
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    peer: std::net::SocketAddr,
    admission: crate::admission::Admission,
) {
    let handler = conn::Conn::new(shared.clone(), peer, admission);
    let signed_in = handler.signed_in();
    let start = russh::server::run_stream(shared.config.clone(), stream, handler);
    // One deadline for the version line and the sign-in together.
    let deadline = tokio::time::Instant::now() + LOGIN_GRACE;
    let running = match tokio::time::timeout_at(deadline, start).await {
        Ok(Ok(running)) => running,
        Ok(Err(e)) => return tracing::info!(%peer, error = %e, "SSH handshake failed"),
        Err(_) => return tracing::info!(%peer, "SSH connection closed: no version line in time"),
    };
    let handle = running.handle();
    tokio::pin!(running);
    let ended = tokio::select! {
        r = &mut running => Some(r),
        () = tokio::time::sleep_until(deadline) => None,
    };
    let ended = match ended {
        Some(r) => r,
        None if signed_in.load(std::sync::atomic::Ordering::Relaxed) => running.await,
        None => {
            tracing::info!(%peer, "SSH connection closed: no sign-in in time");
            let _ =
                handle.disconnect(russh::Disconnect::ByApplication, "sign-in took too long".into(), "en".into()).await;
            return;
        }
    };
    if let Err(e) = ended {
        tracing::debug!(%peer, error = %e, "SSH connection ended");
    }
}

/// Accept connections until `shutdown` resolves. Sessions run as `hub`'s tasks: its
/// shutdown ends those still open.
pub async fn serve(
    svc: Services,
    hub: Hub,
    listener: tokio::net::TcpListener,
    opts: SshOptions,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let org = crate::engine::accounts::org_name(&svc).await;
    let shared = Arc::new(Shared {
        hub,
        org,
        sessions: Caps::new(opts.max_sessions, opts.max_sessions_per_ip),
        connections: Caps::new(opts.max_sessions + REFUSALS_ALLOWED, opts.max_sessions_per_ip + REFUSALS_ALLOWED / 4),
        sign_ins: Buckets::new(SIGN_INS),
        offers: Buckets::new(OFFERS),
        visitor_starts: Buckets::new(VISITOR_STARTS),
        config: Arc::new(config(&opts)),
        svc,
        opts,
    });
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(a) => a,
                    Err(e) => {
                        // Out of file descriptors and the like: wait a moment, keep serving.
                        tracing::warn!(error = %e, "accepting an SSH connection failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let Some(admission) = shared.connections.admit(peer.ip()) else {
                    tracing::warn!(%peer, "SSH connection closed: too many open connections");
                    continue;
                };
                let _ = stream.set_nodelay(true);
                shared.hub.run(connection(shared.clone(), stream, peer, admission));
            }
            () = &mut shutdown => return Ok(()),
        }
    }
}
