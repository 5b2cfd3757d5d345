//! Connections that end when the certificate changes, the way pveproxy's restart drops
//! keep-alive connections: otherwise a pinned client would keep talking over a connection
//! set up with the old certificate and never notice the change.

use axum_server::accept::Accept;
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

#[derive(Default)]
pub(crate) struct ConnGen {
    generation: AtomicU64,
    next_id: AtomicU64,
    wakers: Mutex<HashMap<u64, Waker>>,
}

impl ConnGen {
    /// Close every open connection (at its next read, woken now).
    pub(crate) fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        let wakers: Vec<Waker> = match self.wakers.lock() {
            Ok(mut w) => w.drain().map(|(_, w)| w).collect(),
            Err(_) => Vec::new(),
        };
        wakers.into_iter().for_each(Waker::wake);
    }
}

#[derive(Clone)]
pub(crate) struct GenAcceptor(pub Arc<ConnGen>);

impl<S> Accept<TcpStream, S> for GenAcceptor {
    type Stream = GenStream;
    type Service = S;
    type Future = std::future::Ready<io::Result<(GenStream, S)>>;

    fn accept(&self, stream: TcpStream, service: S) -> Self::Future {
        let _ = stream.set_nodelay(true);
        std::future::ready(Ok((
            GenStream {
                inner: stream,
                born: self.0.generation.load(Ordering::SeqCst),
                id: self.0.next_id.fetch_add(1, Ordering::Relaxed),
                shared: self.0.clone(),
            },
            service,
        )))
    }
}

pub(crate) struct GenStream {
    inner: TcpStream,
    born: u64,
    id: u64,
    shared: Arc<ConnGen>,
}

impl GenStream {
    fn stale(&self) -> bool {
        self.shared.generation.load(Ordering::SeqCst) != self.born
    }
}

impl AsyncRead for GenStream {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        if self.stale() {
            return Poll::Ready(Ok(())); // end of stream
        }
        if let Ok(mut w) = self.shared.wakers.lock() {
            w.insert(self.id, cx.waker().clone());
        }
        if self.stale() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for GenStream {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.stale() {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Drop for GenStream {
    fn drop(&mut self) {
        if let Ok(mut w) = self.shared.wakers.lock() {
            w.remove(&self.id);
        }
    }
}
