//! A backend wrapper that keeps the screen as last drawn and, where two changed cells of a
//! row are a few cells apart, redraws the unchanged cells between them instead of moving
//! the cursor: a move (`ESC[row;colH`) costs 7–8 bytes, a plain cell one. Rows that differ
//! in a few letters (a page of guests scrolled, the filter narrowing the table) then go out
//! as runs instead of letters each with its own move.

use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::{Buffer, Cell, CellDiffOption};
use ratatui::layout::{Position, Rect, Size};

/// The widest gap filled: up to here the unchanged cells cost no more than the move.
const MAX_GAP: u16 = 6;

pub struct GapFill<B: Backend> {
    inner: B,
    /// What the terminal shows, cell for cell, always the terminal's size. A cell hidden
    /// under the right half of a wide character is marked `Skip`: never used as a gap.
    shown: Buffer,
    /// False while the screen's content is unknown (after a partial clear, or a size that
    /// changed without a full clear): no gap is filled until the next full clear.
    trusted: bool,
    /// Where the cursor was last put: a clear "after the cursor" from the origin is whole.
    cursor: Option<Position>,
}

impl<B: Backend> GapFill<B> {
    pub fn new(inner: B) -> Self {
        // Until the first full clear nothing is known of what the terminal shows.
        GapFill { inner, shown: Buffer::empty(Rect::ZERO), trusted: false, cursor: None }
    }

    /// The terminal's area, or the last one known when the backend cannot tell.
    fn screen_area(&self) -> Rect {
        self.inner.size().map_or(self.shown.area, |s| Rect::new(0, 0, s.width, s.height))
    }

    /// Forget the screen's content: sized anew (a buffer grown in place would shuffle its
    /// cells into other rows, and those stale cells were once sent as "gaps"), and
    /// trusted only when the terminal was just cleared whole.
    fn forget(&mut self, cleared: bool) {
        self.shown = Buffer::empty(self.screen_area());
        self.trusted = cleared;
    }

    /// A cell that is drawn as one byte on one column, as the screen shows it now.
    fn plain_at(&self, x: u16, y: u16) -> Option<&Cell> {
        let c = self.shown.cell(Position { x, y })?;
        let one_column = c.symbol().len() == 1 && c.symbol().bytes().all(|b| b.is_ascii_graphic() || b == b' ');
        (one_column && c.diff_option != CellDiffOption::Skip).then_some(c)
    }

    /// Record what the terminal shows once `cells` are written.
    fn remember(&mut self, cells: &[(u16, u16, Cell)]) {
        for (x, y, c) in cells {
            let Some(slot) = self.shown.cell_mut(Position { x: *x, y: *y }) else { continue };
            *slot = c.clone();
            // The columns a wide character covers show its right half, not their old cell.
            let width = unicode_width::UnicodeWidthStr::width(c.symbol()) as u16;
            for dx in 1..width {
                if let Some(hidden) = self.shown.cell_mut(Position { x: x + dx, y: *y }) {
                    hidden.reset();
                    hidden.diff_option = CellDiffOption::Skip;
                }
            }
        }
    }

    /// The changed cells, with the unchanged ones of short gaps between them added.
    fn with_gaps(&self, changed: Vec<(u16, u16, Cell)>) -> Vec<(u16, u16, Cell)> {
        let mut out = Vec::with_capacity(changed.len() * 2);
        // Where the cursor is after the last cell written, when that is known.
        let mut after: Option<(u16, u16)> = None;
        for (x, y, cell) in changed {
            if let Some((ax, ay)) = after
                && self.trusted
                && ay == y
                && x > ax
                && x - ax <= MAX_GAP
                && let Some(gap) = (ax..x).map(|gx| self.plain_at(gx, y).cloned()).collect::<Option<Vec<_>>>()
            {
                out.extend(gap.into_iter().zip(ax..x).map(|(c, gx)| (gx, y, c)));
            }
            let s = cell.symbol();
            let one_column = s.len() == 1;
            after = one_column.then_some((x + 1, y));
            out.push((x, y, cell));
        }
        out
    }
}

impl<B: Backend> Backend for GapFill<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        // Drawing moves the cursor. (No size check here: ratatui asks the size before every
        // draw and clears on a change, which resizes the copy in `clear_region`.)
        self.cursor = None;
        let changed: Vec<(u16, u16, Cell)> = content.map(|(x, y, c)| (x, y, c.clone())).collect();
        let cells = self.with_gaps(changed);
        self.remember(&cells);
        self.inner.draw(cells.iter().map(|(x, y, c)| (*x, *y, c)))
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        self.cursor = Some(position);
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.forget(true);
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        let whole = clear_type == ClearType::All
            || (clear_type == ClearType::AfterCursor && self.cursor == Some(Position::ORIGIN));
        self.forget(whole);
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::GapFill;
    use crate::tui::frame_writer::FrameWriter;
    use crate::tui::terminal::{SharedSize, Sized};
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    use ratatui::style::{Color, Style};
    use ratatui::text::{Line, Span};
    use ratatui::widgets::Paragraph;
    use ratatui::{Terminal, TerminalOptions, Viewport};

    fn page(rows: &[&str]) -> Paragraph<'static> {
        let lines: Vec<Line> = rows
            .iter()
            .map(|r| Line::from(vec![Span::styled(r.to_string(), Style::new().fg(Color::Cyan)), Span::raw(" ok")]))
            .collect();
        Paragraph::new(lines)
    }

    const FRAMES: [&[&str]; 4] = [
        &["web-01 1.2.3.4  12%", "db-02  1.2.3.5   0%", "lab-03 1.2.3.6   3%"],
        &["web-14 5.6.7.8  13%", "db-25  5.6.7.9   0%", "lab-36 5.6.7.1   8%"],
        &["wéb-17 5.☃.7.8  ☃3%", "db-28  5.6.7.9   0%", "lab-39 1.2.7.1   8%"],
        &["web-10 paused   13%", "", "lab-11 running   8%"],
    ];

    #[test]
    fn the_screen_ends_up_exactly_as_without_the_gaps_filled() {
        let viewport = || TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 30, 4)) };
        let mut plain = Terminal::with_options(TestBackend::new(30, 4), viewport()).unwrap();
        let mut filled = Terminal::with_options(GapFill::new(TestBackend::new(30, 4)), viewport()).unwrap();
        // Gaps are filled only once the screen is known: after a full clear.
        filled.clear().unwrap();
        for rows in FRAMES {
            plain.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
            filled.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
            assert_eq!(filled.backend().inner.buffer(), plain.backend().buffer());
        }
    }

    #[test]
    fn rows_differing_in_a_few_letters_take_fewer_bytes() {
        // The bytes of the second frame, through the console's own writer and backend.
        let second_frame = |fill: bool| {
            let out = FrameWriter::new(Vec::new());
            let backend = Sized::new(out.clone(), Some(SharedSize::new(30, 4)));
            let viewport = || TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 30, 4)) };
            let mut sent = Vec::new();
            if fill {
                let mut t = Terminal::with_options(GapFill::new(backend), viewport()).unwrap();
                t.clear().unwrap();
                for rows in &FRAMES[..2] {
                    t.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
                    out.commit().unwrap();
                    sent.push(out.sent());
                }
            } else {
                let mut t = Terminal::with_options(backend, viewport()).unwrap();
                t.clear().unwrap();
                for rows in &FRAMES[..2] {
                    t.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
                    out.commit().unwrap();
                    sent.push(out.sent());
                }
            }
            sent[1] - sent[0]
        };
        let (moves, runs) = (second_frame(false), second_frame(true));
        assert!(runs < moves, "{runs} bytes with gaps filled, {moves} without");
    }

    #[test]
    fn a_screen_that_grows_is_never_filled_from_shuffled_cells() {
        // The defect behind stale cells: the copy of the screen grew in place.
        let viewport = |w, h| TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, h)) };
        let mut plain = Terminal::with_options(TestBackend::new(40, 6), viewport(40, 6)).unwrap();
        let mut filled = Terminal::with_options(GapFill::new(TestBackend::new(40, 6)), viewport(40, 6)).unwrap();
        filled.clear().unwrap();
        let small = Paragraph::new("secret-password");
        for (i, rows) in FRAMES.iter().enumerate() {
            plain.draw(|f| f.render_widget(small.clone(), Rect::new(2, 1, 20, 1))).unwrap();
            filled.draw(|f| f.render_widget(small.clone(), Rect::new(2, 1, 20, 1))).unwrap();
            plain.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
            filled.draw(|f| f.render_widget(page(rows), f.area())).unwrap();
            assert_eq!(filled.backend().inner.buffer(), plain.backend().buffer(), "frame {i}");
        }
    }
}
