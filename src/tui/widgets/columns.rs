//! Columns that fit the terminal. Each column is as wide as its widest cell on screen (up to
//! its cap), a column empty on every row on screen is left out, and when the terminal is too
//! narrow the least important columns go first (giving up their slack before they go), so an
//! 80-column terminal shows whole names, states and addresses rather than empty columns.

use unicode_width::UnicodeWidthStr;

/// One column of a table.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub header: &'static str,
    /// The widest it gets.
    pub cap: u16,
    /// The narrowest it may be cut to before it is dropped (`cap` when it is never cut).
    pub min: u16,
    /// Lower is more important: when columns must go, the highest rank goes first.
    pub rank: u8,
    /// Shown even when every cell is empty (a marker column that keeps rows from shifting).
    pub always: bool,
}

impl Col {
    pub const fn new(header: &'static str, cap: u16, rank: u8) -> Col {
        Col { header, cap, min: cap, rank, always: false }
    }

    /// May be cut down to `min` columns (names, free text) before anything is dropped.
    pub const fn cut_to(self, min: u16) -> Col {
        Col { min, ..self }
    }

    pub const fn always(self) -> Col {
        Col { always: true, ..self }
    }
}

/// Gap between columns, as the tables draw them.
pub const SPACING: u16 = 1;

/// The widest cell of each column among `rows` (terminal columns, trailing blanks ignored).
pub fn widest<'a>(columns: usize, rows: impl IntoIterator<Item = Vec<&'a str>>) -> Vec<u16> {
    let mut widest = vec![0u16; columns];
    for row in rows {
        for (w, cell) in widest.iter_mut().zip(row) {
            *w = (*w).max(cell.trim_end().width().min(u16::MAX as usize) as u16);
        }
    }
    widest
}

/// Which columns to show, each with its width, in table order, within `width` terminal
/// columns. The last shown column takes what is left, so rows reach the border.
pub fn fit(cols: &[Col], widest: &[u16], width: u16) -> Vec<(usize, u16)> {
    let mut w: Vec<Option<u16>> = cols
        .iter()
        .zip(widest.iter().copied().chain(std::iter::repeat(0)))
        .map(|(c, n)| {
            if n == 0 && !c.always {
                return None;
            }
            Some(n.max(c.header.width() as u16).min(c.cap).max(1))
        })
        .collect();
    loop {
        let shown = w.iter().flatten().count() as u16;
        let total: u16 = w.iter().flatten().sum::<u16>() + SPACING * shown.saturating_sub(1);
        if total <= width {
            break;
        }
        let excess = total - width;
        // The least important column shown (of equal rank, the rightmost)…
        let Some(least) = (0..cols.len()).filter(|&i| w[i].is_some()).max_by_key(|&i| (cols[i].rank, i)) else {
            break;
        };
        // …unless a column at least as unimportant can give up slack first (the widest slack).
        let cut = (0..cols.len())
            .filter(|&i| cols[i].rank >= cols[least].rank)
            .filter_map(|i| w[i].filter(|&wi| wi > cols[i].min).map(|wi| (wi - cols[i].min, i)))
            .max();
        if let Some((slack, i)) = cut {
            w[i] = w[i].map(|wi| wi - slack.min(excess));
        } else if shown > 1 {
            w[least] = None;
        } else {
            // One column left: cut it to the width there is.
            w[least] = Some(width);
            break;
        }
    }
    let mut out: Vec<(usize, u16)> = w.iter().enumerate().filter_map(|(i, wi)| wi.map(|x| (i, x))).collect();
    let used: u16 = out.iter().map(|(_, x)| x).sum::<u16>() + SPACING * (out.len() as u16).saturating_sub(1);
    if let Some(last) = out.last_mut() {
        last.1 += width.saturating_sub(used);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const COLS: [Col; 5] = [
        Col::new("vmid", 6, 1),
        Col::new("name", 24, 0).cut_to(8),
        Col::new("status", 8, 0),
        Col::new("reach", 7, 5),
        Col::new("tags", 40, 9).cut_to(6),
    ];

    #[test]
    fn empty_columns_go_and_the_last_takes_the_rest() {
        let w = widest(5, [vec!["105", "lab-01", "running", "", "lab"]]);
        assert_eq!(fit(&COLS, &w, 60), [(0, 4), (1, 6), (2, 7), (4, 40)]);
    }

    #[test]
    fn narrow_terminals_cut_slack_then_drop_the_least_important() {
        let w = widest(5, [vec!["105", "a-rather-long-guest-name", "running", "ssh rdp", "lab;linux;student"]]);
        // Everything fits at its widest: 4+24+7+7+17 and four gaps.
        assert_eq!(fit(&COLS, &w, 63).len(), 5);
        // Tags are cut, then tags, reach and vmid go; only then is the name cut.
        let at = |width| fit(&COLS, &w, width).into_iter().map(|(i, w)| (COLS[i].header, w)).collect::<Vec<_>>();
        assert_eq!(at(52), [("vmid", 4), ("name", 24), ("status", 7), ("reach", 7), ("tags", 6)]);
        assert_eq!(at(45), [("vmid", 4), ("name", 24), ("status", 7), ("reach", 7)]);
        assert_eq!(at(37), [("vmid", 4), ("name", 24), ("status", 7)]);
        assert_eq!(at(22), [("name", 14), ("status", 7)]);
        assert_eq!(at(16), [("name", 8), ("status", 7)]);
        assert_eq!(fit(&COLS, &w, 3), [(1, 3)]);
    }

    #[test]
    fn wide_characters_count_as_two_columns() {
        assert_eq!(widest(1, [vec!["日本語"], vec!["ab"]]), [6]);
    }

    #[test]
    fn a_marker_column_stays_even_when_empty() {
        let cols = [Col::new("", 1, 0).always(), Col::new("name", 10, 0)];
        assert_eq!(fit(&cols, &widest(2, [vec![" ", "x"]]), 20), [(0, 1), (1, 18)]);
    }
}
