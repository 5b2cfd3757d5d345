//! A console on a terminal that is not this process's tty (an SSH channel): the transport
//! hands in bytes and window sizes, and takes the frames' bytes out. The console itself is
//! the same `App` and `event_loop` as on the local terminal.

use super::app::App;
use super::terminal::{MOUSE_OFF, MOUSE_ON, Screen, SharedSize};
use super::visitor::VisitorChat;
use super::vt_input::VtInput;
use crate::engine::{EngineHandle, Event};
use crossterm::event::Event as TermEvent;
use futures::{Stream, StreamExt};
use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::mpsc;

/// The largest terminal drawn: a window reported larger is refused at the start, and drawn
/// at this size if it grows past it later (a frame's buffer grows with the area).
pub const MAX_COLS: u32 = 1000;
pub const MAX_ROWS: u32 = 500;

/// What the transport hands the console.
#[derive(Debug)]
pub enum Input {
    Bytes(Vec<u8>),
    Resize { cols: u32, rows: u32 },
}

/// Whether a terminal of this size can be drawn (0 × 0 means "unknown": 80 × 24).
pub fn fits(cols: u32, rows: u32) -> bool {
    cols <= MAX_COLS && rows <= MAX_ROWS
}

/// The size drawn for a reported one.
pub fn size_for(cols: u32, rows: u32) -> (u16, u16) {
    let pick = |v: u32, default: u16, max: u32| if v == 0 { default } else { v.min(max) as u16 };
    (pick(cols, 80, MAX_COLS), pick(rows, 24, MAX_ROWS))
}

/// Where a remote terminal's bytes go: each flush is one message for the transport. Bytes
/// the transport has not sent yet count against `cap`; a client that stops reading fills it,
/// and the next frame fails with [`io::ErrorKind::WouldBlock`], which ends the session.
pub struct RemoteOut {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    buf: Vec<u8>,
    queued: Arc<AtomicUsize>,
    cap: usize,
}

impl Clone for RemoteOut {
    fn clone(&self) -> Self {
        RemoteOut { tx: self.tx.clone(), buf: Vec::new(), queued: self.queued.clone(), cap: self.cap }
    }
}

/// The transport's end of a [`RemoteOut`]: take each message, send it, then call `sent`.
pub struct RemoteOutRx {
    rx: mpsc::UnboundedReceiver<Vec<u8>>,
    queued: Arc<AtomicUsize>,
}

impl RemoteOutRx {
    pub async fn recv(&mut self) -> Option<Vec<u8>> {
        self.rx.recv().await
    }
    /// `n` bytes of a message reached the transport.
    pub fn sent(&self, n: usize) {
        self.queued.fetch_sub(n, Ordering::Relaxed);
    }
}

impl RemoteOut {
    pub fn new(cap: usize) -> (RemoteOut, RemoteOutRx) {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        (RemoteOut { tx, buf: Vec::new(), queued: queued.clone(), cap }, RemoteOutRx { rx, queued })
    }
}

impl Write for RemoteOut {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let n = self.buf.len();
        if self.queued.load(Ordering::Relaxed) + n > self.cap {
            self.buf.clear();
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "the client is not reading what is sent"));
        }
        self.queued.fetch_add(n, Ordering::Relaxed);
        self.tx.send(std::mem::take(&mut self.buf)).map_err(|_| io::Error::from(io::ErrorKind::BrokenPipe))
    }
}

/// Keys and resizes from the transport, as the terminal events the console reads.
pub fn events(input: mpsc::Receiver<Input>, size: SharedSize) -> impl Stream<Item = io::Result<TermEvent>> + Unpin {
    let batches = futures::stream::unfold((input, VtInput::default(), size), |(mut input, mut vt, size)| async move {
        let batch: Vec<io::Result<TermEvent>> = match input.recv().await? {
            Input::Bytes(bytes) => vt.feed(&bytes).into_iter().map(Ok).collect(),
            Input::Resize { cols, rows } => {
                let (w, h) = size_for(cols, rows);
                size.set(w, h);
                vec![Ok(TermEvent::Resize(w, h))]
            }
        };
        Some((batch, (input, vt, size)))
    });
    Box::pin(batches.flat_map(futures::stream::iter))
}

/// The alternate screen and no cursor: what `ratatui::init` does for a tty (a paste then
/// arrives as typed keys, as it does on the local terminal).
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
const LEAVE: &[u8] = b"\x1b[0m\x1b[?25h\x1b[?1049l";

/// A terminal set up for a full-screen program on `out`, and put back when it is done.
fn with_screen(out: &RemoteOut, cols: u32, rows: u32, mouse: bool) -> io::Result<(Screen<RemoteOut>, SharedSize)> {
    let (w, h) = size_for(cols, rows);
    let size = SharedSize::new(w, h);
    let mut setup = out.clone();
    setup.write_all(ENTER)?;
    if mouse {
        setup.write_all(MOUSE_ON)?;
    }
    setup.flush()?;
    Ok((Screen::new(out.clone(), Some(size.clone()), None)?, size))
}

fn restore(out: &RemoteOut, goodbye: &str) {
    let mut w = out.clone();
    let _ = w.write_all(MOUSE_OFF);
    let _ = w.write_all(LEAVE);
    let _ = w.write_all(goodbye.as_bytes());
    let _ = w.flush();
}

/// What a remote terminal shows: a console signed in already, or a visitor's chat.
pub enum Front {
    Console(Box<App>),
    Visitor(Box<VisitorChat>),
}

/// Run `front` on the remote terminal until the user leaves, the input ends or the client
/// stops reading; then put the terminal back (a visitor keeps their chat's reference on it).
pub async fn run(
    front: Front,
    input: mpsc::Receiver<Input>,
    out: RemoteOut,
    (cols, rows): (u32, u32),
    engine: &EngineHandle,
    events_rx: &mut mpsc::UnboundedReceiver<Event>,
) -> anyhow::Result<()> {
    let mouse = matches!(&front, Front::Console(app) if app.mouse);
    let (mut screen, size) = with_screen(&out, cols, rows, mouse)?;
    let input = events(input, size);
    let (result, goodbye) = match front {
        Front::Console(mut app) => {
            (super::event_loop(&mut screen, input, &mut app, engine, events_rx).await, String::new())
        }
        Front::Visitor(mut chat) => {
            let result = super::visitor::run(&mut chat, &mut screen, input, engine, events_rx).await;
            (result, chat.goodbye())
        }
    };
    drop(screen);
    restore(&out, &goodbye);
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_bounded_and_zero_means_the_default() {
        assert_eq!(size_for(0, 0), (80, 24));
        assert_eq!(size_for(100_000, 100_000), (MAX_COLS as u16, MAX_ROWS as u16));
        assert!(fits(200, 60) && !fits(5000, 60) && !fits(80, 100_000));
    }

    #[test]
    fn a_client_that_does_not_read_fills_the_cap_and_the_next_frame_fails() {
        let (mut out, mut rx) = RemoteOut::new(10);
        out.write_all(b"12345678").unwrap();
        out.flush().unwrap();
        out.write_all(b"abc").unwrap();
        assert_eq!(out.flush().unwrap_err().kind(), io::ErrorKind::WouldBlock);
        // Once the transport sent the first message there is room again.
        let first = rx.rx.try_recv().unwrap();
        rx.sent(first.len());
        out.write_all(b"abc").unwrap();
        out.flush().unwrap();
        assert_eq!(rx.rx.try_recv().unwrap(), b"abc");
    }
}
