//! Allowed hours: a daily window in minutes of the day, in the class's own IANA time zone.
//! A window whose start is after its end wraps past midnight (22:00–06:00). Local time is
//! computed from UTC through the zone, so DST changes move the window with the wall clock.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

pub const MINUTES_PER_DAY: u16 = 1440;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllowedHours {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoursError {
    #[error("'{0}' is not a time of day (use HH:MM, e.g. 08:00)")]
    BadTime(String),
    #[error("the allowed hours must not start and end at the same minute")]
    Empty,
    #[error("'{0}' is not a known time zone (use an IANA name such as Europe/Berlin)")]
    BadZone(String),
}

impl AllowedHours {
    pub fn new(start: u16, end: u16) -> Result<Self, HoursError> {
        if start >= MINUTES_PER_DAY || end >= MINUTES_PER_DAY {
            return Err(HoursError::BadTime(format!("{start}-{end}")));
        }
        if start == end {
            return Err(HoursError::Empty);
        }
        Ok(AllowedHours { start, end })
    }

    /// From the stored columns; both or neither are set (a CHECK keeps them so).
    pub fn from_columns(start: Option<i64>, end: Option<i64>) -> Option<Self> {
        let conv = |m: i64| u16::try_from(m).ok();
        Self::new(conv(start?)?, conv(end?)?).ok()
    }

    /// "08:00-20:00" (also "22:00–06:00"); empty text means "any time".
    pub fn parse(text: &str) -> Result<Option<Self>, HoursError> {
        let t = text.trim();
        if t.is_empty() || t.eq_ignore_ascii_case("any") {
            return Ok(None);
        }
        let (a, b) = t.split_once(['-', '–']).ok_or_else(|| HoursError::BadTime(t.to_string()))?;
        Ok(Some(Self::new(parse_hhmm(a)?, parse_hhmm(b)?)?))
    }

    pub fn wraps_midnight(&self) -> bool {
        self.start > self.end
    }

    /// Whether a local minute of the day lies inside (start inclusive, end exclusive).
    pub fn contains_minute(&self, m: u16) -> bool {
        if self.wraps_midnight() { m >= self.start || m < self.end } else { m >= self.start && m < self.end }
    }

    pub fn is_open(&self, tz: Tz, at: DateTime<Utc>) -> bool {
        self.contains_minute(local_minute(tz, at))
    }

    /// The next moment (at or after `at`) the window opens, in UTC. A start minute that a DST
    /// jump skips opens at the first valid minute after it.
    pub fn next_open(&self, tz: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
        let today = at.with_timezone(&tz).date_naive();
        (0..3)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .map(|day| local_instant(tz, day, self.start))
            .find(|t| *t >= at)
            .unwrap_or(at)
    }

    /// The next moment the window closes (for "open until").
    pub fn next_close(&self, tz: Tz, at: DateTime<Utc>) -> DateTime<Utc> {
        let today = at.with_timezone(&tz).date_naive();
        (0..3)
            .filter_map(|d| today.checked_add_signed(Duration::days(d)))
            .map(|day| local_instant(tz, day, self.end))
            .find(|t| *t > at)
            .unwrap_or(at)
    }

    pub fn label(&self) -> String {
        format!("{}-{}", hhmm(self.start), hhmm(self.end))
    }
}

/// The local minute of the day of an instant.
pub fn local_minute(tz: Tz, at: DateTime<Utc>) -> u16 {
    let l = at.with_timezone(&tz);
    (l.hour() * 60 + l.minute()) as u16
}

/// A local wall-clock minute on a day as an instant; the earlier of two in a DST fold, the
/// first valid minute after a DST gap.
fn local_instant(tz: Tz, day: NaiveDate, minute: u16) -> DateTime<Utc> {
    let mut m = u32::from(minute);
    loop {
        let t = NaiveTime::from_hms_opt(m / 60, m % 60, 0).unwrap_or(NaiveTime::MIN);
        if let Some(x) = tz.from_local_datetime(&day.and_time(t)).earliest() {
            return x.with_timezone(&Utc);
        }
        m += 1;
        if m >= u32::from(MINUTES_PER_DAY) {
            return day.and_time(NaiveTime::MIN).and_utc();
        }
    }
}

pub fn parse_zone(name: &str) -> Result<Tz, HoursError> {
    name.trim().parse::<Tz>().map_err(|_| HoursError::BadZone(name.trim().to_string()))
}

pub fn parse_hhmm(text: &str) -> Result<u16, HoursError> {
    let t = text.trim();
    let bad = || HoursError::BadTime(t.to_string());
    let (h, m) = t.split_once(':').ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if h > 23 || m > 59 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

pub fn hhmm(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap_or_default()
    }

    #[test]
    fn a_daytime_window_is_half_open() {
        let w = AllowedHours::parse("08:00-20:00").ok().flatten().unwrap_or(AllowedHours { start: 0, end: 1 });
        assert!(!w.contains_minute(479));
        assert!(w.contains_minute(480));
        assert!(w.contains_minute(1199));
        assert!(!w.contains_minute(1200));
        assert_eq!(w.label(), "08:00-20:00");
    }

    #[test]
    fn a_night_window_wraps_midnight() {
        let w = AllowedHours::new(22 * 60, 6 * 60).unwrap_or(AllowedHours { start: 0, end: 1 });
        assert!(w.wraps_midnight());
        assert!(w.contains_minute(23 * 60));
        assert!(w.contains_minute(0));
        assert!(w.contains_minute(5 * 60 + 59));
        assert!(!w.contains_minute(6 * 60));
        assert!(!w.contains_minute(12 * 60));
        let tz = parse_zone("UTC").unwrap_or(Tz::UTC);
        // At 23:30 the window is open; it next opens tomorrow at 22:00 and closes at 06:00.
        let at = utc(2026, 1, 10, 23, 30);
        assert!(w.is_open(tz, at));
        assert_eq!(w.next_close(tz, at), utc(2026, 1, 11, 6, 0));
        assert_eq!(w.next_open(tz, utc(2026, 1, 10, 12, 0)), utc(2026, 1, 10, 22, 0));
    }

    #[test]
    fn the_window_follows_the_wall_clock_across_a_dst_change() {
        let tz = parse_zone("Europe/Berlin").unwrap_or(Tz::UTC);
        let w = AllowedHours::new(8 * 60, 20 * 60).unwrap_or(AllowedHours { start: 0, end: 1 });
        // Saturday 28 March 2026: CET (UTC+1); 06:30 UTC is 07:30 local, closed.
        assert!(!w.is_open(tz, utc(2026, 3, 28, 6, 30)));
        assert_eq!(w.next_open(tz, utc(2026, 3, 28, 6, 30)), utc(2026, 3, 28, 7, 0));
        // Sunday 29 March 2026: CEST (UTC+2) from 02:00; 06:30 UTC is 08:30 local, open.
        assert!(w.is_open(tz, utc(2026, 3, 29, 6, 30)));
        assert_eq!(w.next_open(tz, utc(2026, 3, 28, 20, 0)), utc(2026, 3, 29, 6, 0));
        // Closes at 20:00 local = 18:00 UTC in summer time.
        assert!(!w.is_open(tz, utc(2026, 3, 29, 18, 0)));
        assert!(w.is_open(tz, utc(2026, 3, 29, 17, 59)));
    }

    #[test]
    fn a_start_skipped_by_the_dst_jump_opens_at_the_first_valid_minute() {
        let tz = parse_zone("Europe/Berlin").unwrap_or(Tz::UTC);
        let w = AllowedHours::new(2 * 60 + 30, 5 * 60).unwrap_or(AllowedHours { start: 0, end: 1 });
        // 02:30 does not exist on 29 March 2026; 03:00 CEST = 01:00 UTC.
        assert_eq!(w.next_open(tz, utc(2026, 3, 28, 23, 0)), utc(2026, 3, 29, 1, 0));
    }

    #[test]
    fn bad_input_is_refused_with_a_reason() {
        assert_eq!(AllowedHours::parse("").ok(), Some(None));
        assert!(matches!(AllowedHours::parse("8-9"), Err(HoursError::BadTime(_))));
        assert!(matches!(AllowedHours::parse("24:00-08:00"), Err(HoursError::BadTime(_))));
        assert_eq!(AllowedHours::parse("08:00-08:00"), Err(HoursError::Empty));
        assert!(matches!(parse_zone("Mars/Olympus"), Err(HoursError::BadZone(_))));
        assert_eq!(AllowedHours::from_columns(Some(1320), Some(360)), AllowedHours::new(1320, 360).ok());
        assert_eq!(AllowedHours::from_columns(None, None), None);
    }
}
