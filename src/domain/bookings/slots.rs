//! Lanes for drawing: overlapping bookings of one device side by side, each in the first lane
//! free at its start (interval-graph colouring, optimal for intervals sorted by start).

use super::Interval;

/// The lane of each interval (same order as given) and how many lanes are needed.
pub fn lanes(items: &[Interval]) -> (Vec<usize>, usize) {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| (items[i].start, items[i].end));
    let mut lane_end: Vec<chrono::DateTime<chrono::Utc>> = Vec::new();
    let mut out = vec![0; items.len()];
    for i in order {
        let it = items[i];
        match lane_end.iter().position(|&end| end <= it.start) {
            Some(l) => {
                lane_end[l] = it.end;
                out[i] = l;
            }
            None => {
                lane_end.push(it.end);
                out[i] = lane_end.len() - 1;
            }
        }
    }
    (out, lane_end.len())
}
