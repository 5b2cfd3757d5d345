//! `labdeck serve --http ADDR --ssh ADDR`: the visitor chat page and the console over SSH,
//! in the foreground, in one process with one engine.

use crate::engine::{EngineOptions, Hub, Services};
use crate::http::{Limits, Rate};
use anyhow::{Context, bail};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address for the visitor chat page and its JSON API (port 0 picks a free one)
    #[arg(long)]
    pub http: Option<SocketAddr>,
    /// Address for the console over SSH (`ssh -p PORT you@host`; port 0 picks a free one)
    #[arg(long)]
    pub ssh: Option<SocketAddr>,
    /// The SSH host key (an unencrypted OpenSSH private key, mode 0600); default: one
    /// generated on first start in the data directory
    #[arg(long, value_name = "FILE")]
    pub host_key: Option<PathBuf>,
    /// SSH sessions in all; more are refused with a message
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ssh_max_sessions: u32,
    /// SSH sessions from one address; more are refused with a message
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub ssh_max_sessions_per_ip: u32,
    /// Seconds an SSH connection may send nothing (no key, no keepalive answer) before it
    /// is closed
    #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(u64).range(10..=604_800))]
    pub ssh_idle_timeout: u64,
    /// Requests per second one address may make (burst: six times as many); 0.01 to 1000000
    #[arg(long, default_value_t = 20.0, value_parser = rate)]
    pub ip_rate: f64,
    /// Messages per second one chat may send (burst: ten); 0.01 to 1000000
    #[arg(long, default_value_t = 1.0, value_parser = rate)]
    pub session_rate: f64,
    /// Another site whose pages may start chats (e.g. https://school.example); repeatable.
    /// The server's own page always may.
    #[arg(long = "allow-origin", value_name = "ORIGIN", value_parser = origin)]
    pub allow_origins: Vec<String>,
    /// Open connections in all; more are closed at once
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Open connections from one address; more are closed at once
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections_per_ip: u32,
    /// Seconds a connection may take to send a request's headers (also how long an idle
    /// connection stays open) and, separately, its body
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub request_timeout: u64,
    /// How often to look for replies written by other processes, in milliseconds
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub watch_ms: u64,
}

/// What `serve` needs besides its flags: the UI settings SSH consoles use, and the
/// config's `[ssh]` section.
pub struct ServeContext {
    pub keymap: crate::tui::keymap::Keymap,
    pub theme: crate::tui::theme::Theme,
    pub clock: crate::config::Clock,
    /// How often consoles look for changes (`engine.watch_interval_ms`), for `--ssh` alone.
    pub watch_every: Duration,
    pub ssh: crate::config::SshConfig,
}

pub async fn run(svc: Services, args: ServeArgs, ctx: ServeContext) -> anyhow::Result<()> {
    if args.http.is_none() && args.ssh.is_none() {
        bail!("say what to serve: --http ADDR (the visitor chat page), --ssh ADDR (the console over SSH), or both");
    }
    let http = match args.http {
        Some(addr) => {
            Some((tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?, limits(&args)))
        }
        None => None,
    };
    let ssh = match args.ssh {
        Some(addr) => Some((
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("binding {addr}"))?,
            ssh_options(&args, &ctx)?,
        )),
        None => None,
    };
    // One engine for both front doors; the pollers run when consoles are served. Visitors'
    // long-polls want --watch-ms; consoles alone look as often as the local console does
    // (and every 250 ms while a live chat is on a screen).
    let watch_every = if http.is_some() { Duration::from_millis(args.watch_ms) } else { ctx.watch_every };
    let hub = Hub::start(svc.clone(), EngineOptions { watch_every, pollers: ssh.is_some() });
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    let http = async {
        let Some((listener, limits)) = http else { return Ok(()) };
        println!("visitor chat on http://{}/ (Ctrl-C or SIGTERM stops)", listener.local_addr()?);
        let (_handle, events) = hub.attach(svc.clone());
        let result = crate::http::serve_on(svc.clone(), listener, limits, events, stopped()).await;
        // One front door ending (an error) ends the other too.
        let _ = stop_tx.send(true);
        result
    };
    let ssh = async {
        let Some((listener, (opts, created))) = ssh else { return Ok(()) };
        let addr = listener.local_addr()?;
        let print = crate::ssh::host_key::fingerprint(&opts.host_key);
        if created {
            println!("generated the SSH host key {print}");
        }
        println!(
            "console over SSH on {addr}: ssh -p {} USER@HOST (visitors: {}@HOST); host key {print} (Ctrl-C or SIGTERM stops)",
            addr.port(),
            opts.chat_user
        );
        let result = crate::ssh::serve(svc.clone(), hub.clone(), listener, opts, stopped()).await;
        let _ = stop_tx.send(true);
        result
    };
    let signal = async {
        tokio::select! {
            () = signal() => {}
            () = stopped() => {}
        }
        let _ = stop_tx.send(true);
    };
    let (h, s, ()) = tokio::join!(http, ssh, signal);
    hub.shutdown(Duration::from_secs(3)).await;
    h.and(s)
}

async fn signal() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn limits(args: &ServeArgs) -> Limits {
    let defaults = Limits::default();
    Limits {
        per_ip: Rate::new((args.ip_rate * 6.0).max(1.0), args.ip_rate),
        per_session: Rate::new(defaults.per_session.burst, args.session_rate),
        allowed_origins: args.allow_origins.clone(),
        max_connections: args.max_connections as usize,
        max_connections_per_ip: args.max_connections_per_ip as usize,
        header_timeout: Duration::from_secs(args.request_timeout),
        body_timeout: Duration::from_secs(args.request_timeout),
        ..defaults
    }
}

/// The SSH server's options, and whether its host key was generated just now.
fn ssh_options(args: &ServeArgs, ctx: &ServeContext) -> anyhow::Result<(crate::ssh::SshOptions, bool)> {
    let (path, create) = match &args.host_key {
        Some(p) => (p.clone(), false),
        None => (crate::paths::data_dir().join("ssh_host_ed25519_key"), true),
    };
    let (host_key, created) = crate::ssh::host_key::load_or_create(&path, create)?;
    let chat_user = ctx.ssh.chat_user.trim().to_string();
    let opts = crate::ssh::SshOptions {
        host_key,
        chat_user,
        password_auth: ctx.ssh.password_auth,
        max_sessions: args.ssh_max_sessions as usize,
        max_sessions_per_ip: args.ssh_max_sessions_per_ip as usize,
        idle_timeout: Duration::from_secs(args.ssh_idle_timeout),
        keymap: ctx.keymap.clone(),
        theme: ctx.theme.clone(),
        clock: ctx.clock,
    };
    Ok((opts, created))
}

/// A rate: a finite number of events per second, 0.01 to 1,000,000 (NaN, infinity, zero and
/// negatives would disable or break the limit).
fn rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.trim().parse().map_err(|_| format!("'{s}' is not a number"))?;
    if v.is_finite() && (0.01..=1_000_000.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("'{s}' is out of range: give a rate from 0.01 to 1000000 per second"))
    }
}

/// An origin as browsers send it: scheme and host, an optional port, no path.
fn origin(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    let ok = s
        .split_once("://")
        .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains('/'));
    if ok { Ok(s.to_string()) } else { Err(format!("'{s}' is not an origin like https://school.example")) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rates_must_be_finite_and_positive() {
        for bad in ["NaN", "nan", "inf", "-1", "0", "1e9", "x"] {
            assert!(super::rate(bad).is_err(), "{bad}");
        }
        assert_eq!(super::rate("20"), Ok(20.0));
        assert_eq!(super::rate("0.5"), Ok(0.5));
        assert!(super::origin("https://school.example").is_ok());
        assert!(super::origin("https://school.example/path").is_err());
        assert!(super::origin("school.example").is_err());
    }
}
