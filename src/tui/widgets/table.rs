//! A filterable table whose selection follows the row's identity across reloads, and
//! which builds only the rows that fit on screen.

use super::columns::{self, Col};
use crate::tui::keymap::Action;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

/// How many rows a movement key moves a selection (`page` rows for a page); `None` for keys
/// that do not move it. Every list in the console moves the same way through this.
pub fn movement(a: Action, page: isize) -> Option<isize> {
    Some(match a {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        Action::Top => isize::MIN / 2,
        Action::Bottom => isize::MAX / 2,
        _ => return None,
    })
}

/// The index of the row drawn at (`x`, `y`) in a bordered table with a header drawn in
/// `area`, scrolled to `offset`, showing `rows` rows.
pub fn row_at(area: Rect, offset: usize, rows: usize, x: u16, y: u16) -> Option<usize> {
    let inside = x > area.x && x + 1 < area.x + area.width;
    let first = area.y + 2; // the top border and the header
    (inside && y >= first && ((y - first) as usize) < rows).then(|| offset + (y - first) as usize)
}

pub trait TableRow {
    /// Stable identity: selection survives reloads by it.
    fn key(&self) -> String;
    fn cells(&self) -> Vec<String>;
    /// Text the `/` filter matches against (lowercase).
    fn haystack(&self) -> String {
        self.cells().join(" ").to_lowercase()
    }
}

/// What a screen does with whichever table is open, whatever its rows are.
pub trait ListView {
    fn set_filter(&mut self, text: &str);
    fn filter(&self) -> &str;
    fn navigate(&mut self, a: Action) -> bool;
    /// A click at terminal cell (`x`, `y`): select the row there. Whether one was.
    fn click(&mut self, x: u16, y: u16) -> bool;
    fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme, title: &str);
}

impl<T: TableRow> ListView for DataTable<T> {
    fn set_filter(&mut self, text: &str) {
        DataTable::set_filter(self, text)
    }
    fn filter(&self) -> &str {
        DataTable::filter(self)
    }
    fn navigate(&mut self, a: Action) -> bool {
        DataTable::navigate(self, a)
    }
    fn click(&mut self, x: u16, y: u16) -> bool {
        DataTable::click(self, x, y)
    }
    fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme, title: &str) {
        DataTable::render(self, f, area, theme, title)
    }
}

pub struct DataTable<T> {
    pub columns: Vec<(&'static str, Constraint)>,
    rows: Vec<T>,
    visible: Vec<usize>,
    filter: String,
    selected: usize,
    selected_key: Option<String>,
    offset: usize,
    /// Rows shown at the last render: page size for PgUp/PgDn.
    page: usize,
    /// Where the last render drew the table, for mouse clicks.
    drawn: Rect,
    pub loaded: bool,
}

impl<T: TableRow> DataTable<T> {
    pub fn new(columns: Vec<(&'static str, Constraint)>) -> Self {
        DataTable {
            columns,
            rows: Vec::new(),
            visible: Vec::new(),
            filter: String::new(),
            selected: 0,
            selected_key: None,
            offset: 0,
            page: 10,
            drawn: Rect::default(),
            loaded: false,
        }
    }

    pub fn set_rows(&mut self, rows: Vec<T>) {
        self.rows = rows;
        self.loaded = true;
        self.refilter();
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_lowercase();
        self.refilter();
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    fn refilter(&mut self) {
        let terms: Vec<&str> = self.filter.split_whitespace().collect();
        self.visible = (0..self.rows.len())
            .filter(|&i| {
                let hay = self.rows[i].haystack();
                terms.iter().all(|t| hay.contains(t))
            })
            .collect();
        // Keep the same row selected if it is still there.
        let found =
            self.selected_key.as_ref().and_then(|k| self.visible.iter().position(|&i| &self.rows[i].key() == k));
        self.selected = found.unwrap_or(self.selected.min(self.visible.len().saturating_sub(1)));
        self.remember();
    }

    fn remember(&mut self) {
        self.selected_key = self.visible.get(self.selected).map(|&i| self.rows[i].key());
    }

    pub fn selected(&self) -> Option<&T> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    pub fn len(&self) -> usize {
        self.visible.len()
    }

    pub fn is_empty(&self) -> bool {
        self.visible.is_empty()
    }

    pub fn total(&self) -> usize {
        self.rows.len()
    }

    /// Every row, shown or filtered out.
    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// Move the selection by `delta` rows (clamped).
    pub fn step(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, max) as usize;
        self.remember();
    }

    pub fn page(&self) -> isize {
        self.page.max(1) as isize
    }

    /// Select the row drawn at terminal cell (`x`, `y`), if there is one there.
    pub fn click(&mut self, x: u16, y: u16) -> bool {
        match row_at(self.drawn, self.offset, self.page, x, y) {
            Some(i) if i < self.visible.len() => {
                self.selected = i;
                self.remember();
                true
            }
            _ => false,
        }
    }

    /// Move the selection for a movement key; false for any other key.
    pub fn navigate(&mut self, a: Action) -> bool {
        match movement(a, self.page()) {
            Some(d) => {
                self.step(d);
                true
            }
            None => false,
        }
    }

    /// The columns to draw and their widths: as declared when they fit in `width`; on a
    /// narrower terminal empty columns go first, then free text is cut, then the rightmost.
    fn fitted(&self, cells: &[Vec<String>], width: u16) -> Vec<(usize, Constraint)> {
        let declared = || self.columns.iter().map(|(_, c)| *c).enumerate().collect();
        let cols: Vec<Col> = self
            .columns
            .iter()
            .enumerate()
            .map(|(rank, &(header, c))| match c {
                Constraint::Length(n) if header.is_empty() => Col::new(header, n, 0).always(),
                Constraint::Length(n) | Constraint::Max(n) => Col::new(header, n, rank as u8),
                _ => Col::new(header, u16::MAX, rank as u8).cut_to(8),
            })
            .collect();
        let needed: u16 = cols.iter().map(|c| c.min).fold(0u16, u16::saturating_add)
            + columns::SPACING * (cols.len() as u16).saturating_sub(1);
        if needed <= width {
            return declared();
        }
        let widest = columns::widest(cols.len(), cells.iter().map(|r| r.iter().map(String::as_str).collect()));
        columns::fit(&cols, &widest, width).into_iter().map(|(i, w)| (i, Constraint::Length(w))).collect()
    }

    pub fn render(&mut self, f: &mut Frame, area: Rect, theme: &Theme, title: &str) {
        let shown = if self.filter.is_empty() {
            format!(" {title} ({}) ", self.visible.len())
        } else {
            format!(" {title} ({}/{}) /{} ", self.visible.len(), self.rows.len(), self.filter)
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border())
            .title(Span::styled(shown, theme.accent()));
        let height = block.inner(area).height.saturating_sub(1) as usize;
        self.page = height;
        self.drawn = area;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if height > 0 && self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        // A taller terminal shows the rows above again rather than empty lines below.
        self.offset = self.offset.min(self.visible.len().saturating_sub(height));
        // Rows that do not fit are counted on the bottom border, so a small terminal never
        // shows a list as shorter than it is.
        let (above, below) = match height {
            0 => (0, self.visible.len()),
            _ => (self.offset, self.visible.len().saturating_sub(self.offset + height)),
        };
        let block = match (above, below) {
            (0, 0) => block,
            (above, below) => {
                let text = match (above, below) {
                    (0, b) => format!(" {b} more ↓ "),
                    (a, 0) => format!(" ↑ {a} more "),
                    (a, b) => format!(" ↑ {a} · {b} more ↓ "),
                };
                block.title_bottom(Line::from(Span::styled(text, theme.dim())).right_aligned())
            }
        };
        let cells: Vec<Vec<String>> =
            self.visible.iter().skip(self.offset).take(height).map(|&i| self.rows[i].cells()).collect();
        let shown = self.fitted(&cells, block.inner(area).width);
        let rows: Vec<Row> = cells
            .into_iter()
            .enumerate()
            .map(|(n, mut row)| {
                let style = if self.offset + n == self.selected { theme.selected() } else { theme.text() };
                Row::new(shown.iter().map(|&(c, _)| Cell::from(std::mem::take(&mut row[c])))).style(style)
            })
            .collect();
        let header = Row::new(shown.iter().map(|&(c, _)| Cell::from(self.columns[c].0))).style(theme.header());
        let empty = rows.is_empty();
        let table = Table::new(rows, shown.iter().map(|&(_, w)| w))
            .header(header)
            .block(block)
            .column_spacing(columns::SPACING);
        f.render_widget(table, area);
        if empty && area.height > 3 && area.width > 4 {
            let msg = if !self.loaded {
                "loading…"
            } else if self.filter.is_empty() {
                "nothing here yet"
            } else {
                "no row matches the filter"
            };
            let inner = Rect { x: area.x + 2, y: area.y + 2, width: area.width - 4, height: 1 };
            f.render_widget(Span::styled(msg, theme.dim()), inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct R(u32, &'static str);
    impl TableRow for R {
        fn key(&self) -> String {
            self.0.to_string()
        }
        fn cells(&self) -> Vec<String> {
            vec![self.1.to_string()]
        }
    }

    fn drawn(t: &mut DataTable<R>, w: u16, h: u16) -> Vec<String> {
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        term.draw(|f| t.render(f, f.area(), &Theme::mono(), "rows")).unwrap();
        let buf = term.backend().buffer().clone();
        (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect()).collect()
    }

    #[test]
    fn rows_that_do_not_fit_are_counted_on_the_border() {
        let mut t = DataTable::new(vec![("name", Constraint::Fill(1))]);
        t.set_rows((0..10).map(|i| R(i, "row")).collect());
        // 40×6: borders and the header leave three rows.
        let lines = drawn(&mut t, 40, 6);
        assert!(lines[5].contains("7 more ↓"), "{lines:#?}");
        t.step(9);
        let lines = drawn(&mut t, 40, 6);
        assert!(lines[5].contains("↑ 7 more"), "{lines:#?}");
        t.step(-5);
        let lines = drawn(&mut t, 40, 6);
        assert!(lines[5].contains("↑ 4 · 3 more ↓"), "{lines:#?}");
        // No room for a single row: every row is counted.
        let lines = drawn(&mut t, 40, 3);
        assert!(lines[2].contains("10 more ↓"), "{lines:#?}");
        // All fit: nothing on the border.
        let lines = drawn(&mut t, 40, 20);
        assert!(!lines[19].contains("more"), "{lines:#?}");
    }

    #[test]
    fn selection_follows_identity_across_reloads_and_filters() {
        let mut t = DataTable::new(vec![("name", Constraint::Fill(1))]);
        t.set_rows(vec![R(1, "ann"), R(2, "bob"), R(3, "cy")]);
        t.step(1);
        assert_eq!(t.selected().unwrap().0, 2);
        t.set_rows(vec![R(0, "aaron"), R(1, "ann"), R(2, "bob"), R(3, "cy")]);
        assert_eq!(t.selected().unwrap().0, 2, "a new row above must not move the selection");
        t.set_filter("b");
        assert_eq!(t.len(), 1);
        assert_eq!(t.selected().unwrap().0, 2);
        t.set_filter("zzz");
        assert!(t.selected().is_none());
        t.set_filter("");
        t.step(100);
        assert_eq!(t.selected().unwrap().0, 3);
    }
}
