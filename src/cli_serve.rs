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

pub async fn run(svc: Services, args: ServeArgs) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(args.http).await.with_context(|| format!("binding {}", args.http))?;
    let addr = listener.local_addr()?;
    let defaults = Limits::default();
    let limits = Limits {
        per_ip: Rate::new((args.ip_rate * 6.0).max(1.0), args.ip_rate),
        per_session: Rate::new(defaults.per_session.burst, args.session_rate),
        allowed_origins: args.allow_origins,
        max_connections: args.max_connections as usize,
        max_connections_per_ip: args.max_connections_per_ip as usize,
        header_timeout: Duration::from_secs(args.request_timeout),
        body_timeout: Duration::from_secs(args.request_timeout),
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
