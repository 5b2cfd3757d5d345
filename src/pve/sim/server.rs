//! The HTTPS front: shared state, request counting, fault injection, then routing.

use super::auth::AuthState;
use super::cert::{self, Authority};
use super::conn::ConnGen;
use super::faults::FaultState;
use super::http::{Reply, SimError};
use super::routes;
use super::state::SimState;
use crate::pve::PveError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum_server::tls_rustls::RustlsConfig;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::watch;

pub(crate) struct CertState {
    ca: Authority,
    pub rustls: RustlsConfig,
    fingerprint: Mutex<String>,
    serial: AtomicU64,
}

impl CertState {
    pub(crate) fn new() -> Result<CertState, PveError> {
        let ca = cert::authority()?;
        let leaf = cert::leaf(&ca, 1)?;
        Ok(CertState {
            ca,
            rustls: RustlsConfig::from_config(leaf.config),
            fingerprint: Mutex::new(leaf.fingerprint),
            serial: AtomicU64::new(1),
        })
    }

    pub(crate) fn fingerprint(&self) -> String {
        self.fingerprint.lock().map(|f| f.clone()).unwrap_or_default()
    }

    pub(crate) fn ca_pem(&self) -> String {
        self.ca.pem.clone()
    }

    pub(crate) fn rotate(&self, conns: &ConnGen) -> Result<String, PveError> {
        let serial = self.serial.fetch_add(1, Ordering::SeqCst) + 1;
        let leaf = cert::leaf(&self.ca, serial)?;
        self.rustls.reload_from_config(leaf.config);
        if let Ok(mut f) = self.fingerprint.lock() {
            f.clone_from(&leaf.fingerprint);
        }
        conns.bump();
        Ok(leaf.fingerprint)
    }
}

pub(crate) struct Shared {
    pub state: Mutex<SimState>,
    pub faults: FaultState,
    pub auth: AuthState,
    pub certs: CertState,
    pub conns: Arc<ConnGen>,
    pub counters: Mutex<HashMap<String, u64>>,
    pub shutdown: watch::Sender<bool>,
}

impl Shared {
    /// The state, even if a panicking request poisoned the lock (the data stays consistent:
    /// every change is applied under one lock hold).
    pub(crate) fn lock_state(&self) -> MutexGuard<'_, SimState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn count(&self, path: &str) {
        if let Ok(mut c) = self.counters.lock() {
            *c.entry(path.to_string()).or_insert(0) += 1;
        }
    }

    pub(crate) fn requests(&self, path: &str) -> u64 {
        self.counters.lock().ok().and_then(|c| c.get(path).copied()).unwrap_or(0)
    }
}

pub(crate) fn now() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

/// Largest request body accepted (forms are tiny).
const MAX_BODY: usize = 1 << 20;

pub(crate) async fn handle(State(sh): State<Arc<Shared>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    if !path.starts_with("/_sim/") {
        sh.count(&path);
    }
    // The control endpoint answers whatever faults are on (so they can be switched off).
    if path == super::control::PATH {
        let body = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
        return to_response(super::control::handle(&sh, &parts.method, &parts.headers, &body));
    }
    if path == super::control::REQUESTS {
        return to_response(super::control::requests(&sh, &parts.method, &parts.headers));
    }
    let latency = sh.faults.latency();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    if sh.faults.take_hang() {
        let mut stop = sh.shutdown.subscribe();
        let _ = stop.wait_for(|down| *down).await;
        return to_response(Reply::error(&SimError::new(503, "shutting down")));
    }
    if let Some(status) = sh.faults.take_failure() {
        return to_response(Reply::error(&SimError::new(status, format!("simulated failure (HTTP {status})"))));
    }
    let body = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let mut reply = routes::dispatch(&sh, &parts.method, &path, parts.uri.query(), &parts.headers, &body);
    if reply.status == 200 && sh.faults.take_malformed() {
        let keep = (reply.body.len() / 2).max(1);
        reply.body.truncate(keep);
    }
    to_response(reply)
}

fn to_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = Response::new(Body::from(reply.body));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/json;charset=UTF-8"));
    resp
}
