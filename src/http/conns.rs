//! Connection caps, in all and per client address, applied where the server accepts a
//! connection (axum-server's `Accept` hook): a connection over a cap is closed at once, and
//! every admitted one counts until it closes, idle or not.

use axum_server::accept::Accept;
use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[derive(Default)]
struct Open {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

pub(crate) struct Caps {
    max_total: usize,
    max_per_ip: usize,
    open: Mutex<Open>,
}

impl Caps {
    pub(crate) fn new(max_total: usize, max_per_ip: usize) -> Arc<Caps> {
        Arc::new(Caps { max_total: max_total.max(1), max_per_ip: max_per_ip.max(1), open: Mutex::default() })
    }

    /// Count one more connection from `ip`, or refuse it when a cap is reached.
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Option<Admission> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let from_ip = open.per_ip.get(&ip).copied().unwrap_or(0);
        if open.total >= self.max_total || from_ip >= self.max_per_ip {
            return None;
        }
        open.total += 1;
        open.per_ip.insert(ip, from_ip + 1);
        Some(Admission { caps: self.clone(), ip })
    }
}

/// One admitted connection; dropping it (the connection closed) frees its place.
struct Admission {
    caps: Arc<Caps>,
    ip: IpAddr,
}

impl Drop for Admission {
    fn drop(&mut self) {
        let mut open = self.caps.open.lock().unwrap_or_else(|p| p.into_inner());
        open.total = open.total.saturating_sub(1);
        if let Some(n) = open.per_ip.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.per_ip.remove(&self.ip);
            }
        }
    }
}

#[derive(Clone)]
pub(crate) struct CapAcceptor(pub Arc<Caps>);

impl<S> Accept<TcpStream, S> for CapAcceptor {
    type Stream = Capped;
    type Service = S;
    type Future = std::future::Ready<io::Result<(Capped, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let admitted = stream.peer_addr().and_then(|peer| {
            self.0.admit(peer.ip()).ok_or_else(|| {
                tracing::warn!(%peer, "connection refused: too many open connections");
                io::Error::other("connection cap reached")
            })
        });
        std::future::ready(admitted.map(|admission| {
            let _ = stream.set_nodelay(true);
            (Capped { inner: stream, _admission: admission }, service)
        }))
    }
}

/// A TCP stream that holds its place under the caps while open.
pub(crate) struct Capped {
    inner: TcpStream,
    _admission: Admission,
}

impl AsyncRead for Capped {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for Capped {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_count_per_address_and_in_all_and_free_on_close() {
        let caps = Caps::new(3, 2);
        let (a, b): (IpAddr, IpAddr) = ("127.0.0.1".parse().unwrap(), "127.0.0.2".parse().unwrap());
        let a1 = caps.admit(a).unwrap();
        let _a2 = caps.admit(a).unwrap();
        assert!(caps.admit(a).is_none(), "a third from one address");
        let _b1 = caps.admit(b).unwrap();
        assert!(caps.admit(b).is_none(), "a fourth in all");
        drop(a1);
        assert!(caps.admit(a).is_some(), "a closed connection frees its place");
    }
}
