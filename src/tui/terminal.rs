//! The console's terminal, whatever carries it: the local tty, an SSH channel, or a test's
//! emulator. Frames go ratatui → [`GapFill`] → crossterm's escapes → [`FrameWriter`] → `W`.

use super::frame_writer::FrameWriter;
use super::gap_fill::GapFill;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Size};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Mouse reports on (clicks, drags and the wheel, in SGR form) and off, for the local tty and
/// an SSH channel alike. Not crossterm's `EnableMouseCapture`: that also asks for every motion
/// of the pointer (mode 1003), a wake-up per cell crossed for nothing the console uses.
pub const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1002h\x1b[?1006h";
pub const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1002l\x1b[?1000l";

/// The size of a terminal that is not this process's tty (an SSH channel's `pty-req` and
/// `window-change`, a test's resize): the owner sets it, then sends a resize event.
#[derive(Clone)]
pub struct SharedSize(Arc<Mutex<Size>>);

impl SharedSize {
    pub fn new(width: u16, height: u16) -> Self {
        SharedSize(Arc::new(Mutex::new(Size { width, height })))
    }
    pub fn set(&self, width: u16, height: u16) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Size { width, height };
    }
    pub fn get(&self) -> Size {
        *self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// crossterm's backend, with the size taken from a [`SharedSize`] when there is one
/// (crossterm alone asks the process's own tty).
pub struct Sized<W: Write> {
    inner: CrosstermBackend<FrameWriter<W>>,
    size: Option<SharedSize>,
}

impl<W: Write> Sized<W> {
    pub(super) fn new(out: FrameWriter<W>, size: Option<SharedSize>) -> Self {
        Sized { inner: CrosstermBackend::new(out), size }
    }
}

impl<W: Write> Backend for Sized<W> {
    type Error = std::io::Error;

    fn draw<'a, I: Iterator<Item = (u16, u16, &'a Cell)>>(&mut self, content: I) -> std::io::Result<()> {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> std::io::Result<()> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> std::io::Result<()> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> std::io::Result<Position> {
        // crossterm would ask the tty (and wait for its answer); ratatui only needs it to
        // put the cursor back after a clear, which a full-screen console need not do.
        Ok(Position::ORIGIN)
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> std::io::Result<()> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> std::io::Result<()> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> std::io::Result<()> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> std::io::Result<Size> {
        match &self.size {
            Some(s) => Ok(s.get()),
            None => self.inner.size(),
        }
    }
    fn window_size(&mut self) -> std::io::Result<WindowSize> {
        match &self.size {
            Some(s) => Ok(WindowSize { columns_rows: s.get(), pixels: Size::ZERO }),
            None => self.inner.window_size(),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// What a test sees of each frame sent: ratatui's buffer, and how many bytes had reached
/// the output once that frame was committed.
pub type FrameTap = std::sync::mpsc::Sender<(Buffer, u64)>;

/// A console's terminal and the writer its frames are committed through.
pub struct Screen<W: Write> {
    pub terminal: ratatui::Terminal<GapFill<Sized<W>>>,
    pub out: FrameWriter<W>,
    tap: Option<FrameTap>,
    /// `LABDECK_FRAME_DUMP`: a file that holds the text of the last frame sent, for tests
    /// that compare it with what a real terminal (tmux) shows.
    dump: Option<std::path::PathBuf>,
}

impl<W: Write> Screen<W> {
    /// A full-screen terminal over `out`; `size` when `out` is not this process's tty.
    pub fn new(out: W, size: Option<SharedSize>, tap: Option<FrameTap>) -> std::io::Result<Self> {
        let out = FrameWriter::new(out);
        let backend = GapFill::new(Sized::new(out.clone(), size));
        let mut terminal = ratatui::Terminal::new(backend)?;
        // Start from a known, blank screen: the first frame is then drawn whole.
        terminal.clear()?;
        let dump = std::env::var_os("LABDECK_FRAME_DUMP").map(std::path::PathBuf::from);
        Ok(Screen { terminal, out, tap, dump })
    }

    /// Draw one frame and send it (or nothing, when it changed nothing).
    pub fn draw(&mut self, view: impl FnOnce(&mut ratatui::Frame), bell: bool) -> std::io::Result<()> {
        let done = self.terminal.draw(|f| {
            view(f);
            fit_symbols(f.buffer_mut());
        })?;
        let buffer = (self.tap.is_some() || self.dump.is_some()).then(|| done.buffer.clone());
        if bell {
            self.out.bell();
        }
        let sent = self.out.commit()?;
        if let (Some(path), Some(buffer), true) = (&self.dump, &buffer, sent) {
            // Written whole, then renamed: a reader never sees half a frame.
            let part = path.with_extension("part");
            std::fs::write(&part, frame_text(buffer)).and_then(|_| std::fs::rename(&part, path))?;
        }
        if let (Some(tap), Some(buffer)) = (&self.tap, buffer) {
            let _ = tap.send((buffer, self.out.sent()));
        }
        Ok(())
    }

    /// Clear the terminal and draw the next frame whole (Ctrl-L, or a terminal that the
    /// user suspects shows something else).
    pub fn repaint(&mut self) -> std::io::Result<()> {
        self.terminal.clear()
    }
}

/// Every cell holds what any terminal draws at the width the layout gave it (see
/// [`crate::domain::glyph`]), and no wide character is drawn where part of it was covered
/// (an overlay's border over the right half of an emoji) or cut by the screen's edge: a
/// terminal would blank the other half, or wrap. The frame and the screen then agree.
fn fit_symbols(buffer: &mut Buffer) {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let cell = &mut buffer[(x, y)];
            if let Some(fitted) = crate::domain::glyph::cell_symbol(cell.symbol()) {
                cell.set_symbol(&fitted);
            }
            // Most cells are one byte: no width to look up.
            let symbol = buffer[(x, y)].symbol();
            let width = if symbol.len() == 1 { 1 } else { unicode_width::UnicodeWidthStr::width(symbol).max(1) as u16 };
            if width > 1 {
                let covered = (x + 1..x + width).all(|cx| cx < area.right() && buffer[(cx, y)].symbol() == " ");
                if !covered {
                    buffer[(x, y)].set_symbol(" ");
                    x += 1;
                    continue;
                }
            }
            x += width;
        }
    }
}

/// A frame's characters, row by row, each character once however many columns it takes.
pub fn frame_text(frame: &Buffer) -> String {
    let mut out = String::with_capacity(frame.content.len() + frame.area.height as usize);
    for y in frame.area.top()..frame.area.bottom() {
        let mut covered = 0;
        for x in frame.area.left()..frame.area.right() {
            if covered > 0 {
                covered -= 1;
                continue;
            }
            let s = frame[(x, y)].symbol();
            covered = unicode_width::UnicodeWidthStr::width(s).saturating_sub(1);
            out.push_str(s);
        }
        out.push('\n');
    }
    out
}
