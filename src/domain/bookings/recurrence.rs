//! Weekly recurrence in the user's time zone: "every Tuesday 14:00–16:00 for 6 weeks" stays
//! at 14:00 local across a DST change (so its UTC time moves). A local time that does not
//! exist (the spring-forward gap) is skipped and said so; an ambiguous one takes the earlier.

use super::Interval;
use chrono::{Duration, LocalResult, NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weekly {
    pub first_day: NaiveDate,
    pub start: NaiveTime,
    pub length: Duration,
    pub weeks: u32,
    pub tz: Tz,
}

/// One occurrence: its local date and UTC interval, or why it cannot be booked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occurrence {
    At(NaiveDate, Interval),
    /// The local start does not exist that day (DST gap).
    NoSuchTime(NaiveDate),
}

/// The most weeks one recurrence may cover (a school year).
pub const MAX_WEEKS: u32 = 52;

impl Weekly {
    pub fn occurrences(&self) -> Vec<Occurrence> {
        (0..self.weeks.min(MAX_WEEKS))
            .map(|w| {
                let day = self.first_day + Duration::weeks(w as i64);
                match self.tz.from_local_datetime(&day.and_time(self.start)) {
                    LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                        let start = t.with_timezone(&chrono::Utc);
                        Occurrence::At(day, Interval { start, end: start + self.length })
                    }
                    LocalResult::None => Occurrence::NoSuchTime(day),
                }
            })
            .collect()
    }
}

/// Split occurrences into those to book and the dates skipped, with the reason for each.
/// `conflict` says why an interval cannot be booked (None when it can).
pub fn plan(
    occurrences: &[Occurrence],
    mut conflict: impl FnMut(Interval) -> Option<String>,
) -> (Vec<Interval>, Vec<(NaiveDate, String)>) {
    let mut book = Vec::new();
    let mut skipped = Vec::new();
    for o in occurrences {
        match o {
            Occurrence::At(day, at) => match conflict(*at) {
                None => book.push(*at),
                Some(why) => skipped.push((*day, why)),
            },
            Occurrence::NoSuchTime(day) => skipped.push((*day, "the start time does not exist that day (DST)".into())),
        }
    }
    (book, skipped)
}
