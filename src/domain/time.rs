use chrono::{DateTime, SubsecRound, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps microseconds, so a value read back
/// compares equal to the one written on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// "3s", "5m", "2h", "4d": compact ages for tables and the status bar.
pub fn compact_age(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
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
