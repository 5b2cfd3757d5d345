//! The console's terminal output, one frame at a time. ratatui writes a frame into a
//! buffer; `commit` sends it wrapped in synchronized-update escapes (terminals show it
//! whole), or sends nothing when the frame changed no cell and left the cursor where it
//! was: an unchanged screen writes no bytes, even when a key or an event asked for a draw.

use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

/// The crossterm backend ends every frame's cells with these style resets, whether or not
/// any cell changed (then `ESC[59m` when underline colours are on, then `ESC[0m`).
const STYLE_RESET: &[u8] = b"\x1b[39m\x1b[49m";
const ATTR_RESET: &[u8] = b"\x1b[0m";
const BEGIN: &[u8] = b"\x1b[?2026h";
const END: &[u8] = b"\x1b[?2026l";

/// A handle on the console's output: ratatui's backend writes through one clone, the event
/// loop commits through another.
pub struct FrameWriter<W: Write>(Arc<Mutex<Frames<W>>>);

impl<W: Write> Clone for FrameWriter<W> {
    fn clone(&self) -> Self {
        FrameWriter(self.0.clone())
    }
}

struct Frames<W: Write> {
    out: W,
    frame: Vec<u8>,
    /// The cursor commands that ended the last frame sent (hide, or show and move).
    cursor: Vec<u8>,
    bell: bool,
    /// Bytes sent so far.
    sent: u64,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(out: W) -> Self {
        let frames = Frames { out, frame: Vec::with_capacity(16 * 1024), cursor: Vec::new(), bell: false, sent: 0 };
        FrameWriter(Arc::new(Mutex::new(frames)))
    }

    /// Only this module's short, panic-free sections hold the lock.
    fn lock(&self) -> MutexGuard<'_, Frames<W>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ring the terminal bell with the next frame.
    pub fn bell(&self) {
        self.lock().bell = true;
    }

    /// Send the frame written since the last commit if it shows anything new; returns
    /// whether it did.
    pub fn commit(&self) -> io::Result<bool> {
        self.lock().commit()
    }

    /// How many bytes were sent so far.
    pub fn sent(&self) -> u64 {
        self.lock().sent
    }
}

impl<W: Write> Frames<W> {
    fn commit(&mut self) -> io::Result<bool> {
        let (cells, cursor) = split(&self.frame);
        let unchanged = cells.is_empty() && cursor == self.cursor.as_slice() && !self.bell;
        if !unchanged {
            self.cursor = cursor.to_vec();
            self.out.write_all(BEGIN)?;
            self.out.write_all(&self.frame)?;
            self.out.write_all(END)?;
            self.sent += (BEGIN.len() + self.frame.len() + END.len()) as u64;
            if std::mem::take(&mut self.bell) {
                self.out.write_all(b"\x07")?;
                self.sent += 1;
            }
            self.out.flush()?;
        }
        self.frame.clear();
        Ok(!unchanged)
    }
}

/// What ratatui writes outside a frame, such as showing the cursor again when the terminal
/// is dropped on the way out, still reaches the terminal.
impl<W: Write> Drop for Frames<W> {
    fn drop(&mut self) {
        if !self.frame.is_empty() {
            let _ = self.out.write_all(&self.frame);
            let _ = self.out.flush();
        }
    }
}

/// A frame's cell writes, and the cursor commands after its style reset.
fn split(frame: &[u8]) -> (&[u8], &[u8]) {
    let Some(at) = find_last(frame, STYLE_RESET) else { return (frame, &[]) };
    let rest = &frame[at..];
    let end = find_last(rest, ATTR_RESET).map_or(rest.len(), |i| i + ATTR_RESET.len());
    (&frame[..at], &rest[end..])
}

fn find_last(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

/// ratatui writes here; nothing reaches the terminal before `commit`.
impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.lock().frame.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::FrameWriter;
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::{Position, Rect};
    use ratatui::widgets::Paragraph;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    type Term = (Terminal<CrosstermBackend<FrameWriter<Vec<u8>>>>, FrameWriter<Vec<u8>>);

    fn terminal() -> Term {
        let out = FrameWriter::new(Vec::new());
        let viewport = Viewport::Fixed(Rect::new(0, 0, 40, 5));
        (Terminal::with_options(CrosstermBackend::new(out.clone()), TerminalOptions { viewport }).unwrap(), out)
    }

    /// Draw `text` (and a cursor if given), commit, and return the bytes sent.
    fn frame((t, out): &mut Term, text: &str, cursor: Option<(u16, u16)>) -> u64 {
        let before = out.sent();
        t.draw(|f| {
            f.render_widget(Paragraph::new(text.to_string()), f.area());
            if let Some((x, y)) = cursor {
                f.set_cursor_position(Position { x, y });
            }
        })
        .unwrap();
        out.commit().unwrap();
        out.sent() - before
    }

    #[test]
    fn an_unchanged_frame_sends_nothing_and_a_change_sends_only_itself() {
        let mut t = terminal();
        let first = frame(&mut t, "hello", None);
        assert!(first > 5, "the first frame is drawn");
        assert_eq!(frame(&mut t, "hello", None), 0, "same cells, same hidden cursor");
        let changed = frame(&mut t, "hallo", None);
        assert!(changed > 0 && changed < first, "one cell: {changed} bytes");
        let sent = String::from_utf8_lossy(&t.1.lock().out).to_string();
        assert!(sent.ends_with("\x1b[?2026l") && sent.matches("\x1b[?2026h").count() == 2, "{sent:?}");
    }

    #[test]
    fn a_moved_cursor_or_a_bell_is_sent_even_when_no_cell_changed() {
        let mut t = terminal();
        frame(&mut t, "name: ", Some((6, 0)));
        assert_eq!(frame(&mut t, "name: ", Some((6, 0))), 0, "the cursor stayed");
        assert!(frame(&mut t, "name: ", Some((7, 0))) > 0, "the cursor moved");
        t.1.bell();
        assert!(frame(&mut t, "name: ", Some((7, 0))) > 0, "the bell rings");
        assert_eq!(frame(&mut t, "name: ", Some((7, 0))), 0, "once");
    }

    #[test]
    fn the_cursor_shown_on_the_way_out_reaches_the_terminal() {
        let sent = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
        impl std::io::Write for Shared {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().write(b)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        {
            let out = FrameWriter::new(Shared(sent.clone()));
            let viewport = Viewport::Fixed(Rect::new(0, 0, 10, 2));
            let mut t =
                Terminal::with_options(CrosstermBackend::new(out.clone()), TerminalOptions { viewport }).unwrap();
            t.draw(|f| f.render_widget(Paragraph::new("hi"), f.area())).unwrap();
            out.commit().unwrap();
        }
        let sent = String::from_utf8_lossy(&sent.lock().unwrap()).to_string();
        assert!(sent.ends_with("\x1b[?25h"), "dropping the terminal shows the cursor: {sent:?}");
    }
}
