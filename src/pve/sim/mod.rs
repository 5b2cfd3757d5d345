//! A stateful Proxmox VE simulator speaking the real API over HTTPS: nodes, QEMU and LXC
//! guests, templates, tasks with UPIDs that progress, guest agent IPs, snapshots, storage, and
//! failures on demand. Used by the demo and the tests; state advances lazily on each request,
//! so it runs no background tasks of its own.

mod auth;
mod cert;
pub mod cli;
mod conn;
mod control;
mod faults;
mod hardware;
mod http;
mod metrics;
mod model;
mod render;
mod render_guest;
mod render_storage;
mod rng;
mod routes;
mod seed;
mod server;
mod state;
mod tasks;

pub use faults::{FAULT_NAMES, Fault, Faults};

use crate::pve::{Credentials, Endpoint, PveError, Trust};
use axum::Router;
use axum_server::tls_rustls::RustlsAcceptor;
use server::{CertState, Shared};
use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Nodes pve1, pve2, …
    pub nodes: usize,
    /// Generated guests (VMIDs from 100), up to 100 000.
    pub guests: usize,
    pub bind: SocketAddr,
    /// Base task duration in seconds (clones take longer).
    pub task_secs: f64,
    /// Seconds after a VM starts until its guest agent answers.
    pub agent_delay_secs: f64,
    pub seed: u64,
    /// Specific QEMU guests to create: (VMID, name, node). Names starting with `tpl-` or
    /// `template` become templates.
    pub extra_guests: Vec<(u32, String, String)>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            nodes: 3,
            guests: 30,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            task_secs: 3.0,
            agent_delay_secs: 5.0,
            seed: 1,
            extra_guests: Vec::new(),
        }
    }
}

/// The most guests the simulator makes (the console's targets are measured at 100k).
pub const MAX_GUESTS: usize = 100_000;
/// The most nodes.
pub const MAX_NODES: usize = 1_000;

impl SimOptions {
    /// Refuse absurd options with a clear message before anything is allocated.
    pub fn validate(&self) -> Result<(), String> {
        if self.nodes == 0 || self.nodes > MAX_NODES {
            return Err(format!("--nodes must be 1–{MAX_NODES}, not {}", self.nodes));
        }
        if self.guests > MAX_GUESTS {
            return Err(format!("--guests must be 0–{MAX_GUESTS}, not {}", self.guests));
        }
        let secs = |name: &str, v: f64| {
            if v.is_finite() && (0.0..=3600.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{name} must be a number of seconds from 0 to 3600, not {v}"))
            }
        };
        secs("--task-secs", self.task_secs)?;
        secs("the guest agent delay", self.agent_delay_secs)
    }
}

pub struct Simulator;

impl Simulator {
    /// Listen and build the cluster. The caller spawns (or awaits) the returned future, which
    /// serves until [`SimHandle::shutdown`] (or the handle is dropped).
    pub async fn bind(opts: SimOptions) -> Result<(SimHandle, impl Future<Output = ()> + Send + 'static), PveError> {
        opts.validate().map_err(|e| PveError::InvalidEndpoint(format!("simulator: {e}")))?;
        let state = seed::build(&opts, server::now())?;
        let certs = CertState::new()?;
        let listener = std::net::TcpListener::bind(opts.bind)
            .map_err(|e| PveError::Connect(format!("cannot listen on {}: {e}", opts.bind)))?;
        let io = |e: std::io::Error| PveError::Connect(format!("simulator socket: {e}"));
        listener.set_nonblocking(true).map_err(io)?;
        let addr = listener.local_addr().map_err(io)?;
        let conns = Arc::new(conn::ConnGen::default());
        let acceptor = RustlsAcceptor::new(certs.rustls.clone()).acceptor(conn::GenAcceptor(conns.clone()));
        let (shutdown, mut stop) = tokio::sync::watch::channel(false);
        let auth = auth::AuthState::new();
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            faults: faults::FaultState::default(),
            auth,
            certs,
            conns,
            counters: Mutex::new(HashMap::new()),
            shutdown,
        });
        let server_handle = axum_server::Handle::new();
        let server = axum_server::from_tcp(listener).map_err(io)?.acceptor(acceptor).handle(server_handle.clone());
        let app = Router::new().fallback(server::handle).with_state(shared.clone());
        let host = if addr.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if addr.is_ipv6() {
            format!("[{}]", addr.ip())
        } else {
            addr.ip().to_string()
        };
        let handle = SimHandle {
            url: format!("https://{host}:{}", addr.port()),
            fingerprint: shared.certs.fingerprint(),
            ca_pem: shared.certs.ca_pem(),
            token_id: shared.auth.token_id.clone(),
            token_secret: shared.auth.token_secret.clone(),
            username: shared.auth.username.clone(),
            password: shared.auth.password.clone(),
            faults: Faults { shared: shared.clone() },
            shared,
        };
        let serve = async move {
            tokio::select! {
                result = server.serve(app.into_make_service()) => {
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "simulator stopped");
                    }
                }
                _ = stop.wait_for(|down| *down) => server_handle.shutdown(),
            }
        };
        Ok((handle, serve))
    }
}

/// A running simulator: where it is, how to log in, and its fault switches.
pub struct SimHandle {
    /// `https://127.0.0.1:PORT`
    pub url: String,
    /// SHA-256 of the node certificate at start, `AB:CD:…` (see `current_fingerprint`).
    pub fingerprint: String,
    /// The cluster CA, for `Trust::CaPem`.
    pub ca_pem: String,
    pub token_id: String,
    pub token_secret: String,
    pub username: String,
    pub password: String,
    faults: Faults,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SimHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimHandle")
            .field("url", &self.url)
            .field("fingerprint", &self.fingerprint)
            .field("token_id", &self.token_id)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl SimHandle {
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// How many requests had exactly this path (e.g. `/api2/json/cluster/resources`).
    pub fn requests(&self, path: &str) -> u64 {
        self.shared.requests(path)
    }

    /// Stop serving; hung requests are released.
    pub fn shutdown(&self) {
        self.shared.shutdown.send_replace(true);
    }

    /// The fingerprint presented now (changes with `rotate_certificate`).
    pub fn current_fingerprint(&self) -> String {
        self.shared.certs.fingerprint()
    }

    /// A token endpoint pinning the current fingerprint.
    pub fn endpoint(&self) -> Endpoint {
        Endpoint {
            base_url: self.url.clone(),
            credentials: Credentials::Token { id: self.token_id.clone(), secret: self.token_secret.clone() },
            trust: Trust::Fingerprint(self.current_fingerprint()),
            timeout: Duration::from_secs(10),
        }
    }

    /// The same with user and password (ticket authentication).
    pub fn password_endpoint(&self) -> Endpoint {
        Endpoint {
            credentials: Credentials::Password { username: self.username.clone(), password: self.password.clone() },
            ..self.endpoint()
        }
    }

    /// Power a guest on as if it had been running for `secs` already, so its rrddata has
    /// history (for tests and demos of idle detection). False if there is no such guest.
    pub fn run_for(&self, vmid: u32, secs: f64) -> bool {
        let now = server::now();
        let mut st = self.shared.lock_state();
        st.advance(now);
        match st.guests.get_mut(&vmid) {
            Some(g) if !g.template => {
                g.running = true;
                g.started = now - secs.max(0.0);
                true
            }
            _ => false,
        }
    }

    /// Number of guests right now.
    pub fn guest_count(&self) -> usize {
        self.shared.lock_state().guests.len()
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shutdown();
    }
}
