//! The Proxmox VE API client: one `reqwest` client per endpoint with pinned or CA-verified TLS,
//! API-token or ticket authentication, and typed errors.

mod auth;
mod calls;

use super::PveError;
use super::decode::{error_from_parts, reason_from_status_error};
use super::tls::{self, FingerprintMismatch, PinnedVerifier};
use auth::TicketSession;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, COOKIE, HeaderValue};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where and how to reach one Proxmox VE cluster.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://host:8006`
    pub base_url: String,
    pub credentials: Credentials,
    pub trust: Trust,
    /// Applies to connecting and to each whole request.
    pub timeout: Duration,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("trust", &self.trust)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// `id` is `USER@REALM!TOKENID`.
    Token { id: String, secret: String },
    /// `username` is `user@realm`.
    Password { username: String, password: String },
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Token { id, .. } => {
                f.debug_struct("Token").field("id", id).field("secret", &"<redacted>").finish()
            }
            Credentials::Password { username, .. } => {
                f.debug_struct("Password").field("username", username).field("password", &"<redacted>").finish()
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trust {
    /// SHA-256 of the node's leaf certificate: hex, any case, colons optional.
    Fingerprint(String),
    /// PEM of the CA that signed the node certificates (pve-root-ca.pem).
    CaPem(String),
}

/// Cheap to clone; clones share connections and the login ticket.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: String,
    api: String,
    auth: Auth,
    pinned: Option<Arc<PinnedVerifier>>,
}

enum Auth {
    Token(HeaderValue),
    Ticket(TicketSession),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client").field("base_url", &self.inner.base_url).finish_non_exhaustive()
    }
}

/// `https://host:8006` without a trailing slash or a pasted `/api2/json`.
pub(crate) fn normalize_base_url(raw: &str) -> Result<String, PveError> {
    let trimmed = raw.trim().trim_end_matches('/');
    let trimmed = trimmed.strip_suffix("/api2/json").unwrap_or(trimmed);
    let url = reqwest::Url::parse(trimmed).map_err(|e| PveError::InvalidEndpoint(format!("'{raw}': {e}")))?;
    if url.scheme() != "https" {
        return Err(PveError::InvalidEndpoint(format!("'{raw}': Proxmox VE is reached over https://")));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(PveError::InvalidEndpoint(format!("'{raw}': no host")));
    }
    Ok(trimmed.to_string())
}

impl Client {
    pub fn new(ep: Endpoint) -> Result<Client, PveError> {
        let base_url = normalize_base_url(&ep.base_url)?;
        let (config, pinned) = match &ep.trust {
            Trust::Fingerprint(fp) => {
                let (config, verifier) = tls::pinned_config(fp)?;
                (config, Some(verifier))
            }
            Trust::CaPem(pem) => (tls::ca_config(pem)?, None),
        };
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .gzip(true)
            .connect_timeout(ep.timeout)
            .timeout(ep.timeout)
            .user_agent(concat!("labdeck/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PveError::InvalidEndpoint(error_chain(&e)))?;
        let auth = match ep.credentials {
            Credentials::Token { id, secret } => {
                if !id.contains('@') || !id.contains('!') {
                    return Err(PveError::InvalidEndpoint(format!(
                        "API token id '{id}' should look like user@realm!tokenid"
                    )));
                }
                let mut value = HeaderValue::from_str(&format!("PVEAPIToken={id}={secret}"))
                    .map_err(|_| PveError::InvalidEndpoint("the API token contains invalid characters".into()))?;
                value.set_sensitive(true);
                Auth::Token(value)
            }
            Credentials::Password { username, password } => Auth::Ticket(TicketSession::new(username, password)),
        };
        Ok(Client { inner: Arc::new(Inner { http, api: format!("{base_url}/api2/json"), base_url, auth, pinned }) })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// One request; returns the body of a 2xx answer. With ticket auth a 401 (ticket expired or
    /// revoked) triggers one fresh login and one retry.
    pub(crate) async fn send(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        form: Option<&[(&str, String)]>,
    ) -> Result<Vec<u8>, PveError> {
        let mut retried = false;
        let mut stale_retried = false;
        loop {
            let mut req = self.inner.http.request(method.clone(), format!("{}{path}", self.inner.api));
            if !query.is_empty() {
                req = req.query(query);
            }
            if let Some(form) = form {
                req = req.form(form);
            }
            let mut ticket_generation = None;
            match &self.inner.auth {
                Auth::Token(value) => req = req.header(AUTHORIZATION, value.clone()),
                Auth::Ticket(session) => {
                    let ticket = session.current(self).await?;
                    let mut cookie = HeaderValue::from_str(&format!("PVEAuthCookie={}", ticket.ticket))
                        .map_err(|_| PveError::Unauthorized("the server issued an unusable ticket".into()))?;
                    cookie.set_sensitive(true);
                    req = req.header(COOKIE, cookie);
                    if method != Method::GET {
                        req = req.header("CSRFPreventionToken", ticket.csrf.as_str());
                    }
                    ticket_generation = Some(ticket.generation);
                }
            }
            let resp = match req.send().await {
                Ok(resp) => resp,
                // A kept-alive connection the server had closed (pveproxy restarts, idle
                // timeouts): a GET is safe to send once more on a fresh connection.
                Err(e) if method == Method::GET && !stale_retried && !e.is_connect() && !e.is_timeout() => {
                    stale_retried = true;
                    tracing::debug!(error = %error_chain(&e), "retrying a GET on a fresh connection");
                    continue;
                }
                Err(e) => return Err(self.transport(&e)),
            };
            let status = resp.status();
            if status.is_success() {
                return resp.bytes().await.map(|b| b.to_vec()).map_err(|e| self.transport(&e));
            }
            if status.as_u16() == 401
                && !retried
                && let (Some(generation), Auth::Ticket(session)) = (ticket_generation, &self.inner.auth)
            {
                tracing::info!(url = %self.inner.base_url, "Proxmox ticket rejected; logging in again");
                session.invalidate(generation).await;
                retried = true;
                continue;
            }
            return Err(error_response(resp).await);
        }
    }

    fn transport(&self, e: &reqwest::Error) -> PveError {
        transport_error(e, self.inner.pinned.as_deref())
    }
}

/// Build the typed error of a non-2xx answer.
pub(crate) async fn error_response(resp: reqwest::Response) -> PveError {
    let status = resp.status().as_u16();
    let reason =
        resp.error_for_status_ref().err().and_then(|e| reason_from_status_error(&e.without_url().to_string(), status));
    let body = resp.bytes().await.unwrap_or_default();
    error_from_parts(status, reason.as_deref(), &body)
}

/// Classify a failure below HTTP: timeout, changed certificate, other TLS trouble, connect.
pub(crate) fn transport_error(e: &reqwest::Error, pinned: Option<&PinnedVerifier>) -> PveError {
    if e.is_timeout() {
        return PveError::Timeout;
    }
    let mut tls_failure = false;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(m) = mismatch_in(err) {
            return PveError::CertificateChanged { expected: m.expected, found: m.found };
        }
        if rustls_error_in(err).is_some() {
            tls_failure = true;
        }
        source = err.source();
    }
    let text = error_chain(e);
    let tls_text = text.contains("certificate") || text.contains("handshake");
    if tls_failure || tls_text {
        // The verifier remembers a mismatch in case the chain lost it.
        if let Some(m) = pinned.and_then(PinnedVerifier::last_mismatch) {
            return PveError::CertificateChanged { expected: m.expected, found: m.found };
        }
        return PveError::Tls(text);
    }
    PveError::Connect(text)
}

/// The rustls error inside, if any: io::Error hides its payload from `source()` (and
/// hyper-rustls nests io::Errors), so unwrap them explicitly.
fn rustls_error_in<'a>(mut err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    loop {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        let inner = err.downcast_ref::<std::io::Error>()?.get_ref()?;
        err = inner;
    }
}

fn mismatch_in(err: &(dyn std::error::Error + 'static)) -> Option<FingerprintMismatch> {
    if let Some(rustls::Error::InvalidCertificate(rustls::CertificateError::Other(other))) = rustls_error_in(err) {
        return other.0.downcast_ref::<FingerprintMismatch>().cloned();
    }
    err.downcast_ref::<FingerprintMismatch>().cloned()
}

/// "error sending request: client error (Connect): tcp connect error: Connection refused".
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(e);
    while let Some(err) = source {
        let text = err.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = err.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls() {
        assert_eq!(normalize_base_url(" https://pve:8006/api2/json/ ").unwrap(), "https://pve:8006");
        assert!(normalize_base_url("http://pve:8006").is_err());
        assert!(normalize_base_url("pve:8006").is_err());
    }

    #[test]
    fn debug_never_shows_secrets() {
        let ep = Endpoint {
            base_url: "https://pve:8006".into(),
            credentials: Credentials::Token { id: "root@pam!ci".into(), secret: "s3cr3t-uuid".into() },
            trust: Trust::Fingerprint("00".repeat(32)),
            timeout: Duration::from_secs(5),
        };
        let text = format!("{ep:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        let pw = Credentials::Password { username: "root@pam".into(), password: "hunter2".into() };
        assert!(!format!("{pw:?}").contains("hunter2"));
        let client = Client::new(ep).unwrap();
        assert!(!format!("{client:?}").contains("s3cr3t"));
    }

    #[test]
    fn token_ids_are_checked() {
        let ep = Endpoint {
            base_url: "https://pve:8006".into(),
            credentials: Credentials::Token { id: "root".into(), secret: "x".into() },
            trust: Trust::Fingerprint("00".repeat(32)),
            timeout: Duration::from_secs(5),
        };
        assert!(matches!(Client::new(ep), Err(PveError::InvalidEndpoint(_))));
    }
}
