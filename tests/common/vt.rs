//! A console driven through its real event loop and writer, with every byte it writes fed
//! to a VT emulator (`vt100`): after each frame the emulator's screen must equal the frame.

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use labdeck::engine::{Engine, EngineOptions, Services};
use labdeck::tui::app::App;
use labdeck::tui::keymap::Keymap;
use labdeck::tui::screens::gate::DemoAccount;
use labdeck::tui::terminal::{Screen, SharedSize, frame_text};
use labdeck::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::num::NonZeroU16;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use unicode_width::UnicodeWidthStr;

/// What the console writes, as a terminal would receive it.
#[derive(Clone, Default)]
pub struct Wire(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Wire {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

pub struct VtConsole {
    input: UnboundedSender<std::io::Result<TermEvent>>,
    size: SharedSize,
    taps: Receiver<(Buffer, u64)>,
    wire: Wire,
    /// Bytes of `wire` already fed to the emulator.
    fed: usize,
    pub vt: vt100::Parser,
    /// The last frame checked.
    pub frame: Option<Buffer>,
    pub frames_checked: usize,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n.max(1)).unwrap()
}

impl VtConsole {
    /// A console on `svc` at `width`×`height`, started with the demo accounts listed.
    pub fn start(svc: Services, accounts: Vec<DemoAccount>, width: u16, height: u16, theme: Theme) -> VtConsole {
        let (tap, taps) = std::sync::mpsc::channel();
        let size = SharedSize::new(width, height);
        let wire = Wire::default();
        let (input, input_rx) = unbounded();
        let (shared_size, out) = (size.clone(), wire.clone());
        let task = tokio::spawn(async move {
            let (engine, mut events) =
                Engine::start(svc, EngineOptions { watch_every: Duration::from_millis(200), pollers: true });
            let mut app = App::new(Keymap::default(), theme, "sqlite", accounts, labdeck::config::Clock::Off);
            let mut screen = Screen::new(out, Some(shared_size), Some(tap))?;
            let result = labdeck::tui::event_loop(&mut screen, input_rx, &mut app, &engine, &mut events).await;
            engine.shutdown().await;
            result
        });
        VtConsole {
            input,
            size,
            taps,
            wire,
            fed: 0,
            vt: vt100::Parser::new(nz(height), nz(width), 0),
            frame: None,
            frames_checked: 0,
            task,
        }
    }

    pub fn send(&self, ev: TermEvent) {
        self.input.unbounded_send(Ok(ev)).expect("the console is running");
    }

    pub fn key(&self, code: KeyCode) {
        self.send(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn ctrl(&self, c: char) {
        self.send(TermEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
    }

    pub fn text(&self, s: &str) {
        s.chars().for_each(|c| self.key(KeyCode::Char(c)));
    }

    /// The terminal changes size (as a window does: at once), then the console is told.
    pub fn resize(&mut self, width: u16, height: u16) -> Result<(), String> {
        self.settle(Duration::from_millis(20))?;
        self.vt.screen_mut().set_size(nz(height), nz(width));
        self.size.set(width, height);
        self.send(TermEvent::Resize(width, height));
        Ok(())
    }

    /// Check every frame sent until none came for `quiet`; the first mismatch is the error.
    pub fn settle(&mut self, quiet: Duration) -> Result<(), String> {
        loop {
            match self.taps.recv_timeout(quiet) {
                Ok((frame, upto)) => self.check(frame, upto)?,
                Err(RecvTimeoutError::Timeout) => return Ok(()),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("the console stopped drawing".into());
                }
            }
        }
    }

    /// Wait (checking frames) until the screen shows `text`.
    pub fn wait_for(&mut self, text: &str, within: Duration) -> Result<(), String> {
        let until = std::time::Instant::now() + within;
        while std::time::Instant::now() < until {
            self.settle(Duration::from_millis(25))?;
            if self.contents().contains(text) {
                return Ok(());
            }
        }
        Err(format!("{text:?} never appeared; the screen:\n{}", self.contents()))
    }

    pub fn contents(&self) -> String {
        self.vt.screen().contents()
    }

    fn check(&mut self, frame: Buffer, upto: u64) -> Result<(), String> {
        let bytes = self.wire.0.lock().unwrap()[self.fed..upto as usize].to_vec();
        self.fed = upto as usize;
        self.vt.process(&bytes);
        let (rows, cols) = self.vt.screen().size();
        // A frame drawn for the size before a resize is superseded by the next one.
        if (frame.area.width, frame.area.height) == (cols.get(), rows.get()) {
            if let Some(diff) = differs(self.vt.screen(), &frame) {
                let sent: String = String::from_utf8_lossy(&bytes).escape_debug().take(6000).collect();
                return Err(format!("{diff}\nthe frame's bytes: {sent}"));
            }
            self.frames_checked += 1;
        }
        self.frame = Some(frame);
        Ok(())
    }

    /// Ask the console to quit and wait for it to end.
    pub async fn quit(self) -> anyhow::Result<()> {
        drop(self.input);
        self.task.await?
    }
}

/// Where the emulator's screen differs from the frame (chars and styles), with both shown.
pub fn differs(screen: &vt100::Screen, frame: &Buffer) -> Option<String> {
    for y in 0..frame.area.height {
        let mut covered = 0;
        for x in 0..frame.area.width {
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let want = &frame[(x, y)];
            covered = want.symbol().width().saturating_sub(1);
            let Some(got) = screen.cell(y, x) else { return Some(format!("no cell at {x},{y}")) };
            let got_symbol = if got.has_contents() { got.contents() } else { " " };
            let problem = if got_symbol != want.symbol() {
                Some(format!("{got_symbol:?} where the frame has {:?}", want.symbol()))
            } else if (vt_color(want.fg) != got.fgcolor() && fg_shows(want)) || vt_color(want.bg) != got.bgcolor() {
                Some(format!(
                    "colours {:?}/{:?} where the frame has {:?}/{:?}",
                    got.fgcolor(),
                    got.bgcolor(),
                    want.fg,
                    want.bg
                ))
            } else {
                let m = want.modifier;
                let flags = |b: bool, d: bool, i: bool, u: bool, r: bool| [b, d, i, u, r];
                let want_flags = flags(
                    m.contains(Modifier::BOLD),
                    m.contains(Modifier::DIM),
                    m.contains(Modifier::ITALIC),
                    m.contains(Modifier::UNDERLINED),
                    m.contains(Modifier::REVERSED),
                );
                let got_flags = flags(got.bold(), got.dim(), got.italic(), got.underline(), got.inverse());
                (want_flags != got_flags)
                    .then(|| format!("attributes {got_flags:?} where the frame has {want_flags:?}"))
            };
            if let Some(problem) = problem {
                return Some(format!(
                    "cell {x},{y}: {problem}\nthe terminal shows:\n{}\nthe frame is:\n{}",
                    screen.contents(),
                    frame_text(frame)
                ));
            }
        }
    }
    None
}

/// A blank cell's foreground colour is not seen (terminals erase with the current colours,
/// which the emulator records even on blanks), unless it is underlined or reversed.
fn fg_shows(cell: &ratatui::buffer::Cell) -> bool {
    cell.symbol() != " " || cell.modifier.intersects(Modifier::UNDERLINED | Modifier::REVERSED)
}

/// The colour crossterm sends for a ratatui colour, as the emulator records it.
fn vt_color(c: Color) -> vt100::Color {
    use vt100::Color::{Default, Idx, Rgb};
    match c {
        Color::Reset => Default,
        Color::Black => Idx(0),
        Color::Red => Idx(1),
        Color::Green => Idx(2),
        Color::Yellow => Idx(3),
        Color::Blue => Idx(4),
        Color::Magenta => Idx(5),
        Color::Cyan => Idx(6),
        Color::Gray => Idx(7),
        Color::DarkGray => Idx(8),
        Color::LightRed => Idx(9),
        Color::LightGreen => Idx(10),
        Color::LightYellow => Idx(11),
        Color::LightBlue => Idx(12),
        Color::LightMagenta => Idx(13),
        Color::LightCyan => Idx(14),
        Color::White => Idx(15),
        Color::Indexed(i) => Idx(i),
        Color::Rgb(r, g, b) => Rgb(r, g, b),
    }
}
