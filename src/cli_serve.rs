//! `labdeck serve --http ADDR`: the visitor chat's front door, run in the foreground.

use crate::engine::Services;
use crate::http::{Limits, Rate};
use anyhow::Context;
use clap::Args;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address for the visitor chat page and its JSON API (port 0 picks a free one)
    #[arg(long)]
    pub http: SocketAddr,
    /// Requests per second one address may make (burst: six times as many)
    #[arg(long, default_value_t = 20.0)]
    pub ip_rate: f64,
    /// Messages per second one chat may send (burst: ten)
    #[arg(long, default_value_t = 1.0)]
    pub session_rate: f64,
    /// How often to look for replies written by other processes, in milliseconds
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(10..=10_000))]
    pub watch_ms: u64,
}

pub async fn run(svc: Services, args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.http).await.with_context(|| format!("binding {}", args.http))?;
    let addr = listener.local_addr()?;
    let defaults = Limits::default();
    let limits = Limits {
        per_ip: Rate::new((args.ip_rate * 6.0).max(1.0), args.ip_rate),
        per_session: Rate::new(defaults.per_session.burst, args.session_rate),
        ..defaults
    };
    println!("visitor chat on http://{addr}/ (Ctrl-C or SIGTERM stops)");
    let shutdown = async {
        let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        match term {
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
    };
    crate::http::serve(svc, listener, limits, Duration::from_millis(args.watch_ms), shutdown).await
}
