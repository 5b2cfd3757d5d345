//! Device health as time series: each numeric metric of the snapshots (seed 003
//! `device_health_snapshot.metrics`, free-form JSON) over time, drawn as a sparkline.

use std::collections::BTreeMap;

/// One metric over the snapshots, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

impl Series {
    pub fn last(&self) -> Option<f64> {
        self.values.last().copied()
    }
    pub fn min(&self) -> f64 {
        self.values.iter().copied().fold(f64::INFINITY, f64::min)
    }
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    }
}

/// The numeric metrics of snapshots given oldest first (each its metrics JSON, if any): one
/// series per metric name, in name order. A snapshot lacking a metric is skipped in its
/// series; text and nested values are not series.
pub fn series<'a>(snapshots: impl IntoIterator<Item = Option<&'a str>>) -> Vec<Series> {
    let mut by_name: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for raw in snapshots.into_iter().flatten() {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(raw) else { continue };
        for (k, v) in map {
            if let Some(x) = v.as_f64().filter(|x| x.is_finite()) {
                by_name.entry(k).or_default().push(x);
            }
        }
    }
    by_name.into_iter().map(|(name, values)| Series { name, values }).collect()
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The last `width` values as bars scaled between their min and max (a flat series is a
/// flat middle line).
pub fn sparkline(values: &[f64], width: usize) -> String {
    let shown = &values[values.len().saturating_sub(width)..];
    let (lo, hi) = shown.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| (a.min(x), b.max(x)));
    shown
        .iter()
        .map(|&x| {
            if (hi - lo).abs() < f64::EPSILON {
                BARS[3]
            } else {
                BARS[(((x - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// A value as short text: whole numbers without decimals, others with one.
pub fn short(x: f64) -> String {
    if x.fract().abs() < 1e-9 && x.abs() < 1e12 { format!("{}", x as i64) } else { format!("{x:.1}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_metrics_become_series_in_name_order() {
        let s = series([
            Some(r#"{"temp_c": 40, "cpu_percent": 10, "note": "ok"}"#),
            None,
            Some("not json"),
            Some(r#"{"temp_c": 44.5}"#),
        ]);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].name, "cpu_percent");
        assert_eq!(s[1].values, vec![40.0, 44.5]);
        assert_eq!((s[1].min(), s[1].max(), s[1].last()), (40.0, 44.5, Some(44.5)));
    }

    #[test]
    fn sparklines_scale_between_min_and_max_and_keep_the_latest() {
        assert_eq!(sparkline(&[0.0, 7.0, 3.5], 10), "▁█▅");
        assert_eq!(sparkline(&[1.0, 0.0, 7.0], 2), "▁█");
        assert_eq!(sparkline(&[2.0, 2.0], 5), "▄▄");
        assert_eq!(sparkline(&[], 5), "");
        assert_eq!((short(41.0), short(-3.25)), ("41".to_string(), "-3.2".to_string()));
    }
}
