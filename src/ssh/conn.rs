//! One SSH connection's handler: who signs in (a key, the visitor name, a password when
//! allowed), and the one session channel it may open, whose task does the rest.

use super::Shared;
use super::session::{self, Who};
use crate::admission::Admission;
use crate::domain::audit::Source;
use crate::engine::{Services, accounts, ssh_keys};
use russh::server::{Auth, ChannelOpenHandle, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

pub(crate) struct Conn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    /// This connection's place under the connection caps, held until it closes.
    _admission: Admission,
    who: Option<Who>,
    opened: bool,
    /// Set once a sign-in succeeded (the connection's login grace ends then).
    signed_in: Arc<AtomicBool>,
}

fn reject() -> Auth {
    Auth::Reject { proceed_with_methods: None, partial_success: false }
}

impl Conn {
    pub(crate) fn new(shared: Arc<Shared>, peer: SocketAddr, admission: Admission) -> Conn {
        Conn { shared, peer, _admission: admission, who: None, opened: false, signed_in: Arc::default() }
    }

    pub(crate) fn signed_in(&self) -> Arc<AtomicBool> {
        self.signed_in.clone()
    }

    fn accept(&mut self, who: Who) -> Auth {
        self.who = Some(who);
        self.signed_in.store(true, Ordering::Relaxed);
        Auth::Accept
    }

    /// The engine's services with this connection as the audit source.
    fn services(&self, key: Option<String>) -> Services {
        let source = Source::Ssh { addr: self.peer.ip().to_string(), key_fingerprint: key };
        Services { source, ..self.shared.svc.clone() }
    }

    fn is_visitor(&self, user: &str) -> bool {
        user == self.shared.opts.chat_user
    }

    /// One more sign-in attempt from this address, or `false` when it made too many.
    fn may_try(&self) -> bool {
        let ok = self.shared.sign_ins.take(&self.peer.ip(), Instant::now()).is_ok();
        if !ok {
            tracing::warn!(peer = %self.peer, "SSH sign-in refused: too many attempts from this address");
        }
        ok
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        if self.is_visitor(user) {
            return Ok(self.accept(Who::Visitor));
        }
        let mut methods = vec![MethodKind::PublicKey];
        if self.shared.opts.password_auth {
            methods.push(MethodKind::Password);
        }
        Ok(Auth::Reject { proceed_with_methods: Some(MethodSet::from(&methods[..])), partial_success: false })
    }

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        if self.is_visitor(user) || self.shared.offers.take(&self.peer.ip(), Instant::now()).is_err() {
            return Ok(reject());
        }
        match ssh_keys::offered(&self.shared.svc, user, offer.public_key).await {
            Ok(true) => Ok(Auth::Accept),
            Ok(false) => Ok(reject()),
            Err(e) => {
                tracing::error!(error = %e, "looking up an SSH key failed");
                Ok(reject())
            }
        }
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        if self.is_visitor(user) || !self.may_try() {
            return Ok(reject());
        }
        let print = ssh_keys::fingerprint(key.public_key);
        let svc = self.services(Some(print.clone()));
        match ssh_keys::sign_in(&svc, user, key.public_key).await {
            Ok(session) => Ok(self.accept(Who::User { session: Box::new(session), key: Some(print) })),
            Err(e) => {
                tracing::info!(peer = %self.peer, error = %e, "SSH key sign-in refused");
                Ok(reject())
            }
        }
    }

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if !self.shared.opts.password_auth || self.is_visitor(user) || !self.may_try() {
            return Ok(reject());
        }
        match accounts::sign_in(&self.services(None), user, password.to_string()).await {
            Ok(session) => Ok(self.accept(Who::User { session: Box::new(session), key: None })),
            Err(e) => {
                tracing::info!(peer = %self.peer, error = %e, "SSH password sign-in refused");
                Ok(reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One console per connection: a second channel could read the first one's screen.
        let Some(who) = self.who.clone().filter(|_| !self.opened) else {
            reply.reject(russh::ChannelOpenFailure::AdministrativelyProhibited).await;
            return Ok(());
        };
        self.opened = true;
        reply.accept().await;
        let key = match &who {
            Who::User { key, .. } => key.clone(),
            Who::Visitor => None,
        };
        let task = session::run(self.shared.clone(), self.services(key), who, self.peer, channel, session.handle());
        self.shared.hub.run(task);
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The size reaches the session task through the channel itself.
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Accepted so that the session task can say why there is nothing to run.
        session.channel_success(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        _name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn tcpip_forward(
        &mut self,
        _address: &str,
        _port: &mut u32,
        _session: &mut Session,
    ) -> Result<bool, Self::Error> {
        Ok(false)
    }
}
