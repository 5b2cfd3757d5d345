//! Ticket authentication: `POST /access/ticket` gives a cookie ticket valid for two hours and a
//! CSRF token for writes. Renewed well before expiry; re-acquired once when a request gets 401.

use super::{Client, error_response};
use crate::pve::PveError;
use crate::pve::decode::decode_data;
use serde::Deserialize;
use std::fmt;
use std::time::{Duration, Instant};

/// Tickets live 2 h; renew after 1 h 30 like the web UI does, leaving a wide margin.
const RENEW_AFTER: Duration = Duration::from_secs(90 * 60);

pub(super) struct TicketSession {
    username: String,
    password: String,
    state: tokio::sync::Mutex<SessionState>,
}

#[derive(Default)]
struct SessionState {
    ticket: Option<Ticket>,
    /// Counts logins, so a 401 only discards the ticket it was answered to.
    generation: u64,
}

#[derive(Clone)]
pub(super) struct Ticket {
    pub ticket: String,
    pub csrf: String,
    pub generation: u64,
    acquired: Instant,
}

impl fmt::Debug for TicketSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TicketSession").field("username", &self.username).finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TicketData {
    ticket: Option<String>,
    #[serde(rename = "CSRFPreventionToken")]
    csrf: Option<String>,
    #[serde(rename = "NeedTFA", default)]
    need_tfa: Option<serde_json::Value>,
}

impl TicketSession {
    pub(super) fn new(username: String, password: String) -> Self {
        TicketSession { username, password, state: tokio::sync::Mutex::new(SessionState::default()) }
    }

    /// A valid ticket, logging in first when there is none or it is due for renewal.
    /// Concurrent callers wait for one login instead of each starting their own.
    pub(super) async fn current(&self, client: &Client) -> Result<Ticket, PveError> {
        let mut state = self.state.lock().await;
        if let Some(t) = state.ticket.as_ref()
            && t.acquired.elapsed() < RENEW_AFTER
        {
            return Ok(t.clone());
        }
        state.generation += 1;
        let ticket = self.login(client, state.generation).await?;
        state.ticket = Some(ticket.clone());
        Ok(ticket)
    }

    /// Forget the ticket a request was refused with, unless another request already
    /// replaced it.
    pub(super) async fn invalidate(&self, generation: u64) {
        let mut state = self.state.lock().await;
        if state.ticket.as_ref().is_some_and(|t| t.generation == generation) {
            state.ticket = None;
        }
    }

    async fn login(&self, client: &Client, generation: u64) -> Result<Ticket, PveError> {
        let endpoint = "POST /access/ticket";
        let form = [("username", self.username.as_str()), ("password", self.password.as_str())];
        let resp = client
            .inner
            .http
            .post(format!("{}/access/ticket", client.inner.api))
            .form(&form)
            .send()
            .await
            .map_err(|e| client.transport(&e))?;
        if !resp.status().is_success() {
            return Err(match error_response(resp).await {
                PveError::Unauthorized(m) => PveError::Unauthorized(format!(
                    "{m} (user {}; check the user name, realm and password)",
                    self.username
                )),
                other => other,
            });
        }
        let body = resp.bytes().await.map_err(|e| client.transport(&e))?;
        let data: TicketData = decode_data(endpoint, &body)?;
        if data.need_tfa.is_some_and(|v| v != 0) {
            return Err(PveError::Unauthorized(
                "this account needs two-factor authentication; use an API token instead".into(),
            ));
        }
        match (data.ticket, data.csrf) {
            (Some(ticket), Some(csrf)) if !ticket.is_empty() => {
                Ok(Ticket { ticket, csrf, generation, acquired: Instant::now() })
            }
            _ => Err(PveError::Decode { endpoint: endpoint.into(), message: "no ticket in the answer".into() }),
        }
    }
}
