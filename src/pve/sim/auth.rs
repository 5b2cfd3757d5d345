//! Who may call: the API token (`Authorization: PVEAPIToken=USER@REALM!ID=SECRET`) or a ticket
//! from `POST /access/ticket` (cookie `PVEAuthCookie`, plus `CSRFPreventionToken` on writes).

use super::http::Reply;
use axum::http::{HeaderMap, Method};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;

/// Tickets are valid for two hours, as on Proxmox.
const TICKET_LIFETIME: f64 = 7200.0;

pub(crate) struct AuthState {
    pub token_id: String,
    pub token_secret: String,
    pub username: String,
    pub password: String,
    tickets: Mutex<HashMap<String, Ticket>>,
}

struct Ticket {
    user: String,
    csrf: String,
    issued: f64,
}

/// Random text from the OS, or from the clock if that is unavailable.
pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    if getrandom::fill(&mut buf).is_err() {
        let mut r = super::rng::Rng::new(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(7),
        );
        buf.iter_mut().for_each(|b| *b = r.next_u64() as u8);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

fn uuid() -> String {
    let h = random_hex(16);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

impl AuthState {
    pub(crate) fn new() -> AuthState {
        AuthState {
            token_id: "root@pam!labdeck".into(),
            token_secret: uuid(),
            username: "root@pam".into(),
            password: random_hex(12),
            tickets: Mutex::new(HashMap::new()),
        }
    }

    /// Every ticket handed out so far stops working.
    pub(crate) fn expire_tickets(&self) {
        if let Ok(mut t) = self.tickets.lock() {
            t.clear();
        }
    }

    /// `POST /access/ticket`: a password, or a still-valid ticket to renew.
    pub(crate) fn login(&self, params: &HashMap<String, String>, now: f64) -> Reply {
        let username = params.get("username").map(String::as_str).unwrap_or("");
        let password = params.get("password").map(String::as_str).unwrap_or("");
        let username = match params.get("realm") {
            Some(realm) if !username.contains('@') => format!("{username}@{realm}"),
            _ => username.to_string(),
        };
        let renewing = self.ticket_user(password, now).is_some_and(|u| u == username);
        if username != self.username || !(password == self.password || renewing) {
            // Proxmox answers a failed login with 401 and `{"data": null}`.
            return Reply { status: 401, body: br#"{"data":null}"#.to_vec() };
        }
        let ticket = format!("PVE:{username}:{:08X}::{}", now as u32, random_hex(96));
        let csrf = format!("{:08X}:{}", now as u32, random_hex(20));
        if let Ok(mut t) = self.tickets.lock() {
            t.retain(|_, v| now - v.issued < TICKET_LIFETIME);
            t.insert(ticket.clone(), Ticket { user: username.clone(), csrf: csrf.clone(), issued: now });
        }
        Reply::data(&json!({
            "username": username,
            "ticket": ticket,
            "CSRFPreventionToken": csrf,
            "clustername": "labsim",
        }))
    }

    fn ticket_user(&self, ticket: &str, now: f64) -> Option<String> {
        let t = self.tickets.lock().ok()?;
        let info = t.get(ticket)?;
        (now - info.issued < TICKET_LIFETIME).then(|| info.user.clone())
    }

    /// The caller's user id (as UPIDs record it), or the 401 to send.
    pub(crate) fn check(&self, headers: &HeaderMap, method: &Method, now: f64) -> Result<String, Reply> {
        if let Some(auth) = headers.get("authorization").and_then(|v| v.to_str().ok()) {
            let token = auth.strip_prefix("PVEAPIToken=").ok_or_else(Reply::unauthorized)?;
            let (id, secret) = token.split_once('=').ok_or_else(Reply::unauthorized)?;
            if id == self.token_id && secret == self.token_secret {
                return Ok(id.to_string());
            }
            return Err(Reply::unauthorized());
        }
        let cookie = headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .find_map(|c| c.trim().strip_prefix("PVEAuthCookie="))
            .ok_or_else(Reply::unauthorized)?;
        let tickets = self.tickets.lock().map_err(|_| Reply::unauthorized())?;
        let info = tickets.get(cookie).filter(|t| now - t.issued < TICKET_LIFETIME).ok_or_else(Reply::unauthorized)?;
        if method != Method::GET {
            let csrf = headers.get("csrfpreventiontoken").and_then(|v| v.to_str().ok());
            if csrf != Some(info.csrf.as_str()) {
                return Err(Reply::unauthorized());
            }
        }
        Ok(info.user.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn login(a: &AuthState, now: f64) -> (String, String) {
        let params =
            HashMap::from([("username".to_string(), a.username.clone()), ("password".to_string(), a.password.clone())]);
        let r = a.login(&params, now);
        assert_eq!(r.status, 200);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        (
            v["data"]["ticket"].as_str().unwrap().to_string(),
            v["data"]["CSRFPreventionToken"].as_str().unwrap().to_string(),
        )
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn tickets_need_csrf_for_writes_and_expire() {
        let a = AuthState::new();
        let (ticket, csrf) = login(&a, 1000.0);
        let cookie = format!("PVEAuthCookie={ticket}");
        let get = headers(&[("cookie", &cookie)]);
        assert_eq!(a.check(&get, &Method::GET, 1001.0).unwrap(), "root@pam");
        assert!(a.check(&get, &Method::POST, 1001.0).is_err());
        let post = headers(&[("cookie", &cookie), ("csrfpreventiontoken", &csrf)]);
        assert!(a.check(&post, &Method::POST, 1001.0).is_ok());
        assert!(a.check(&get, &Method::GET, 1000.0 + TICKET_LIFETIME + 1.0).is_err());
        a.expire_tickets();
        assert!(a.check(&get, &Method::GET, 1002.0).is_err());
    }

    #[test]
    fn tokens_and_bad_logins() {
        let a = AuthState::new();
        let good = format!("PVEAPIToken={}={}", a.token_id, a.token_secret);
        assert_eq!(a.check(&headers(&[("authorization", &good)]), &Method::POST, 0.0).unwrap(), "root@pam!labdeck");
        let bad = format!("PVEAPIToken={}=nope", a.token_id);
        assert_eq!(a.check(&headers(&[("authorization", &bad)]), &Method::GET, 0.0).unwrap_err().status, 401);
        assert_eq!(a.check(&HeaderMap::new(), &Method::GET, 0.0).unwrap_err().status, 401);
        let params = HashMap::from([
            ("username".to_string(), "root@pam".to_string()),
            ("password".to_string(), "wrong".to_string()),
        ]);
        assert_eq!(a.login(&params, 0.0).status, 401);
    }
}
