//! A topology drawn with box-drawing characters: nodes as boxes in rows, a link between two
//! neighbouring boxes as a line between them with its port at each end ("├o1────i98┤"), any
//! other link of the row as a lane below it, tapped from the boxes' bottom edges with the
//! port beside the tap. Lines crossing merge into ┼. Links between rows are not drawn (the
//! editor lists every link as text below the drawing); nothing is drawn when not even one box
//! fits the width.

use std::collections::{BTreeSet, HashMap};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
use uuid::Uuid;

pub struct GNode {
    pub id: Uuid,
    pub label: String,
}

pub struct GLink {
    pub a: Uuid,
    /// The port at `a` as drawn ("o1"), or empty.
    pub pa: String,
    pub b: Uuid,
    pub pb: String,
}

pub struct Drawing {
    pub lines: Vec<String>,
    /// Links between rows, not drawn.
    pub undrawn: usize,
}

const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;

#[derive(Clone, Copy)]
enum Cell {
    Line(u8),
    Text(char),
    /// The right half of a wide character (two terminal columns) in the cell before.
    Covered,
}

struct Canvas {
    rows: Vec<Vec<Cell>>,
    width: usize,
}

impl Canvas {
    fn new(width: usize) -> Canvas {
        Canvas { rows: Vec::new(), width }
    }
    fn cell(&mut self, x: usize, y: usize) -> Option<&mut Cell> {
        while self.rows.len() <= y {
            self.rows.push(vec![Cell::Line(0); self.width]);
        }
        self.rows[y].get_mut(x)
    }
    fn line(&mut self, x: usize, y: usize, bits: u8) {
        if let Some(c) = self.cell(x, y) {
            match c {
                Cell::Line(b) => *b |= bits,
                Cell::Text(_) | Cell::Covered => {}
            }
        }
    }
    /// `s` from column `x`, at most `max` terminal columns of it (a wide character takes two).
    fn text(&mut self, x: usize, y: usize, s: &str, max: usize) {
        let mut k = 0;
        for ch in s.chars() {
            let w = ch.width().unwrap_or(0);
            if w == 0 {
                continue;
            }
            if k + w > max {
                break;
            }
            if let Some(c) = self.cell(x + k, y) {
                *c = Cell::Text(ch);
            }
            if w == 2
                && let Some(c) = self.cell(x + k + 1, y)
            {
                *c = Cell::Covered;
            }
            k += w;
        }
    }
    fn hline(&mut self, x0: usize, x1: usize, y: usize) {
        for x in x0..=x1 {
            let bits = if x == x0 {
                RIGHT
            } else if x == x1 {
                LEFT
            } else {
                LEFT | RIGHT
            };
            self.line(x, y, bits);
        }
    }
    fn vline(&mut self, x: usize, y0: usize, y1: usize) {
        for y in y0..=y1 {
            let bits = if y == y0 {
                DOWN
            } else if y == y1 {
                UP
            } else {
                UP | DOWN
            };
            self.line(x, y, bits);
        }
    }
    fn boxed(&mut self, x0: usize, x1: usize, y: usize, label: &str) {
        self.hline(x0, x1, y);
        self.hline(x0, x1, y + 2);
        self.vline(x0, y, y + 2);
        self.vline(x1, y, y + 2);
        self.text(x0 + 1, y + 1, label, x1 - x0 - 1);
    }
    fn lines(self) -> Vec<String> {
        self.rows
            .into_iter()
            .map(|r| r.into_iter().filter_map(glyph).collect::<String>().trim_end().to_string())
            .collect()
    }
}

fn glyph(c: Cell) -> Option<char> {
    Some(match c {
        Cell::Text(ch) => ch,
        Cell::Covered => return None,
        Cell::Line(b) => match b {
            0 => ' ',
            b if b == UP | DOWN | LEFT | RIGHT => '┼',
            b if b == UP | DOWN | RIGHT => '├',
            b if b == UP | DOWN | LEFT => '┤',
            b if b == DOWN | LEFT | RIGHT => '┬',
            b if b == UP | LEFT | RIGHT => '┴',
            b if b == DOWN | RIGHT => '┌',
            b if b == DOWN | LEFT => '┐',
            b if b == UP | RIGHT => '└',
            b if b == UP | LEFT => '┘',
            b if b & (UP | DOWN) != 0 && b & (LEFT | RIGHT) == 0 => '│',
            _ => '─',
        },
    })
}

/// The order boxes are laid out in: along paths from their ends, then around rings, each
/// next box a neighbour of the one before when there is one.
fn order(nodes: &[GNode], links: &[GLink]) -> Vec<usize> {
    let index: HashMap<Uuid, usize> = nodes.iter().enumerate().map(|(i, n)| (n.id, i)).collect();
    let mut next: Vec<BTreeSet<(String, usize)>> = vec![BTreeSet::new(); nodes.len()];
    for l in links {
        if let (Some(&a), Some(&b)) = (index.get(&l.a), index.get(&l.b)) {
            next[a].insert((nodes[b].label.clone(), b));
            next[b].insert((nodes[a].label.clone(), a));
        }
    }
    let mut by_label: Vec<usize> = (0..nodes.len()).collect();
    by_label.sort_by(|&a, &b| nodes[a].label.cmp(&nodes[b].label));
    let mut starts: Vec<usize> = by_label.iter().copied().filter(|&i| next[i].len() == 1).collect();
    starts.extend(by_label.iter().copied().filter(|&i| next[i].len() != 1));
    let mut seen = vec![false; nodes.len()];
    let mut out = Vec::with_capacity(nodes.len());
    for s in starts {
        let mut at = s;
        while !seen[at] {
            seen[at] = true;
            out.push(at);
            match next[at].iter().find(|(_, n)| !seen[*n]) {
                Some(&(_, n)) => at = n,
                None => break,
            }
        }
    }
    out
}

/// Draw `nodes` and `links` in at most `width` columns; `None` when no box fits.
pub fn draw(nodes: &[GNode], links: &[GLink], width: usize) -> Option<Drawing> {
    if nodes.is_empty() {
        return Some(Drawing { lines: vec![], undrawn: 0 });
    }
    let order = order(nodes, links);
    let pos: HashMap<Uuid, usize> = order.iter().enumerate().map(|(k, &i)| (nodes[i].id, k)).collect();
    // A link between neighbours in the order is drawn inline (the first such link only).
    let mut inline: HashMap<usize, usize> = HashMap::new();
    for (li, l) in links.iter().enumerate() {
        let (Some(&a), Some(&b)) = (pos.get(&l.a), pos.get(&l.b)) else { continue };
        if a.abs_diff(b) == 1 {
            inline.entry(a.min(b)).or_insert(li);
        }
    }
    let inline_links: BTreeSet<usize> = inline.values().copied().collect();
    let gap_after = |k: usize| match inline.get(&k) {
        Some(&li) => links[li].pa.width() + links[li].pb.width() + 4,
        None => 2,
    };
    // Lane ends of each box (labels), to size the boxes before placing them in rows.
    let mut taps: HashMap<usize, Vec<(usize, String)>> = HashMap::new();
    for (li, l) in links.iter().enumerate() {
        if inline_links.contains(&li) {
            continue;
        }
        if let (Some(&a), Some(&b)) = (pos.get(&l.a), pos.get(&l.b)) {
            taps.entry(a).or_default().push((li, l.pa.clone()));
            taps.entry(b).or_default().push((li, l.pb.clone()));
        }
    }
    let box_w = |k: usize| {
        let label = nodes[order[k]].label.width();
        let tapping: usize = taps.get(&k).map_or(0, |t| t.iter().map(|(_, p)| p.width() + 2).sum());
        label.max(tapping.saturating_sub(1)).max(3) + 2
    };
    // Rows of boxes: (first, last) positions and each box's x.
    let mut xs = vec![0usize; order.len()];
    let mut row_of = vec![0usize; order.len()];
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut x = 0;
    for k in 0..order.len() {
        let w = box_w(k);
        if w > width {
            return None;
        }
        let gap = if k > 0 { gap_after(k - 1) } else { 0 };
        if k == 0 || x + gap + w > width {
            rows.push((k, k));
            x = 0;
        } else {
            x += gap;
            if let Some(r) = rows.last_mut() {
                r.1 = k;
            }
        }
        xs[k] = x;
        row_of[k] = rows.len() - 1;
        x += w;
    }
    let mut canvas = Canvas::new(width);
    let mut y = 0;
    let mut undrawn = 0;
    for (r, &(first, last)) in rows.iter().enumerate() {
        for k in first..=last {
            canvas.boxed(xs[k], xs[k] + box_w(k) - 1, y, &nodes[order[k]].label);
        }
        // Inline links between neighbours of this row.
        for k in first..last {
            if let Some(&li) = inline.get(&k) {
                let l = &links[li];
                let (left, right) = if pos.get(&l.a) == Some(&k) { (&l.pa, &l.pb) } else { (&l.pb, &l.pa) };
                let (x0, x1) = (xs[k] + box_w(k) - 1, xs[k + 1]);
                canvas.hline(x0, x1, y + 1);
                canvas.text(x0 + 1, y + 1, left, usize::MAX);
                canvas.text(x1 - right.width(), y + 1, right, usize::MAX);
            }
        }
        // Other links of this row run in lanes below it, the shortest nearest.
        let mut lanes: Vec<(usize, usize, usize)> = links
            .iter()
            .enumerate()
            .filter(|(li, _)| !inline_links.contains(li))
            .filter_map(|(li, l)| {
                let (a, b) = (*pos.get(&l.a)?, *pos.get(&l.b)?);
                (row_of[a] == r && row_of[b] == r).then_some((li, a, b))
            })
            .collect();
        lanes.sort_by_key(|&(li, a, b)| (a.abs_diff(b), li));
        let mut tap_x: HashMap<(usize, usize), usize> = HashMap::new();
        for (&k, ends) in &taps {
            if row_of[k] != r {
                continue;
            }
            let mut at = xs[k] + 1;
            for (li, port) in ends {
                let at_x = at.min(xs[k] + box_w(k) - 2);
                tap_x.insert((k, *li), at_x);
                canvas.line(at_x, y + 2, DOWN);
                canvas.text(at_x + 1, y + 2, port, (xs[k] + box_w(k) - 2).saturating_sub(at_x));
                at += port.width() + 2;
            }
        }
        for (n, &(li, a, b)) in lanes.iter().enumerate() {
            let lane = y + 3 + n;
            let (xa, xb) = (tap_x[&(a, li)], tap_x[&(b, li)]);
            canvas.vline(xa, y + 2, lane);
            canvas.vline(xb, y + 2, lane);
            canvas.hline(xa.min(xb), xa.max(xb), lane);
        }
        undrawn += links
            .iter()
            .filter(|l| match (pos.get(&l.a), pos.get(&l.b)) {
                (Some(&a), Some(&b)) => row_of[a].min(row_of[b]) == r && row_of[a] != row_of[b],
                _ => r == 0,
            })
            .count();
        y += 3 + lanes.len();
        if r + 1 < rows.len() {
            y += 1;
        }
    }
    Some(Drawing { lines: canvas.lines(), undrawn })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(i: u128, label: &str) -> GNode {
        GNode { id: Uuid::from_u128(i), label: label.into() }
    }
    fn l(a: u128, pa: &str, b: u128, pb: &str) -> GLink {
        GLink { a: Uuid::from_u128(a), pa: pa.into(), b: Uuid::from_u128(b), pb: pb.into() }
    }

    #[test]
    fn a_ring_is_a_row_of_boxes_closed_by_a_lane() {
        let nodes = [n(1, "polatis-01"), n(2, "edge-sw-01"), n(3, "edge-sw-02"), n(4, "srv-03")];
        let links = [l(1, "o1", 2, "i98"), l(2, "o2", 3, "i99"), l(3, "o3", 4, "i115"), l(4, "o19", 1, "i97")];
        let d = draw(&nodes, &links, 80).unwrap();
        assert_eq!(d.undrawn, 0);
        let text = d.lines.join("\n");
        assert_eq!(
            text,
            "\
┌──────────┐         ┌──────────┐          ┌──────┐          ┌──────────┐
│edge-sw-01├o2────i99┤edge-sw-02├o3────i115┤srv-03├o19────i97┤polatis-01│
└┬i98──────┘         └──────────┘          └──────┘          └┬o1───────┘
 └────────────────────────────────────────────────────────────┘"
        );
    }

    #[test]
    fn narrow_widths_wrap_rows_and_count_links_between_them() {
        let nodes = [n(1, "a"), n(2, "b"), n(3, "c")];
        let links = [l(1, "o1", 2, "i2"), l(2, "o2", 3, "i3")];
        let d = draw(&nodes, &links, 20).unwrap();
        assert_eq!(d.undrawn, 1, "{}", d.lines.join("\n"));
        assert!(draw(&[n(1, "a-very-long-device-name")], &[], 10).is_none());
        assert!(draw(&[], &[], 10).unwrap().lines.is_empty());
    }

    #[test]
    fn wide_labels_keep_their_boxes_closed() {
        let d = draw(&[n(1, "路由器-01"), n(2, "sw")], &[l(1, "o1", 2, "i2")], 80).unwrap();
        let widths: Vec<usize> = d.lines.iter().map(|l| l.width()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "every row as wide as the boxes:\n{}", d.lines.join("\n"));
        assert!(d.lines[1].ends_with("┤路由器-01│"), "{}", d.lines.join("\n"));
    }
}
