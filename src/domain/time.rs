use chrono::{DateTime, SubsecRound, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps microseconds, so a value read back
/// compares equal to the one written on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// "3s", "5m", "2h", "4d": compact ages for tables and the status bar.
pub fn compact_age(secs: i64) -> String {
    let (n, unit) = age_unit(secs);
    format!("{n}{unit}")
}

/// An age in the one unit [`compact_age`] shows it in: two ages that give the same pair
/// read the same on screen.
pub fn age_unit(secs: i64) -> (i64, char) {
    let s = secs.max(0);
    match s {
        0..60 => (s, 's'),
        60..3600 => (s / 60, 'm'),
        3600..86400 => (s / 3600, 'h'),
        _ => (s / 86400, 'd'),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages_are_compact() {
        assert_eq!(super::compact_age(-5), "0s");
        assert_eq!(super::compact_age(59), "59s");
        assert_eq!(super::compact_age(61), "1m");
        assert_eq!(super::compact_age(7200), "2h");
        assert_eq!(super::compact_age(90000), "1d");
    }
}
