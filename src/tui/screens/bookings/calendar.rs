//! The calendar's state: the loaded window, devices after the filter, the cursor (a device
//! row and a moment), marks, and bookings indexed by device so a frame touches only the
//! rows it draws.

use crate::domain::bookings::Interval;
use crate::engine::read::bookings::{BookingRow, Calendar, DeviceRow, MaintenanceRow};
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// The calendar's zoom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zoom {
    /// Seven day columns.
    Week,
    /// One day, columns of minutes.
    Day,
    /// Hours across several days, scrolling.
    Timeline,
}

impl Zoom {
    /// How far one step of the cursor moves.
    pub fn step(self) -> Duration {
        match self {
            Zoom::Week => Duration::days(1),
            Zoom::Day | Zoom::Timeline => Duration::hours(1),
        }
    }
}

pub struct CalendarState {
    pub tz: Tz,
    pub data: Calendar,
    by_device: HashMap<Uuid, Vec<usize>>,
    maint_by_device: HashMap<Uuid, Vec<usize>>,
    /// Indexes into `data.devices` that pass the filter, in display order.
    pub visible: Vec<usize>,
    pub filter: String,
    pub row: usize,
    pub offset: usize,
    pub cursor: DateTime<Utc>,
    pub marks: BTreeSet<Uuid>,
    pub now: DateTime<Utc>,
    /// Device rows drawn at the last frame: the page for PgUp/PgDn.
    pub page: usize,
    pub loaded: bool,
}

/// Midnight of a local date, in UTC (the earliest midnight if a DST change makes it twice).
pub fn local_midnight(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    match tz.from_local_datetime(&naive).earliest() {
        Some(t) => t.with_timezone(&Utc),
        // No midnight that day (a DST gap at 00:00): one hour later exists.
        None => tz
            .from_local_datetime(&(naive + Duration::hours(1)))
            .earliest()
            .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc)),
    }
}

impl CalendarState {
    pub fn new(tz: Tz, now: DateTime<Utc>) -> CalendarState {
        CalendarState {
            tz,
            data: Calendar::default(),
            by_device: HashMap::new(),
            maint_by_device: HashMap::new(),
            visible: Vec::new(),
            filter: String::new(),
            row: 0,
            offset: 0,
            cursor: now,
            marks: BTreeSet::new(),
            now,
            page: 10,
            loaded: false,
        }
    }

    pub fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Monday 00:00 (local) of the cursor's week.
    pub fn week_start(&self) -> DateTime<Utc> {
        let day = self.local_day(self.cursor);
        local_midnight(self.tz, day - Duration::days(day.weekday().num_days_from_monday() as i64))
    }

    pub fn day_start(&self) -> DateTime<Utc> {
        local_midnight(self.tz, self.local_day(self.cursor))
    }

    /// The cursor floored to its local hour.
    pub fn cursor_hour(&self) -> DateTime<Utc> {
        let local = self.cursor.with_timezone(&self.tz);
        self.cursor - Duration::minutes(local.minute() as i64) - Duration::seconds(local.second() as i64)
    }

    /// The window to load: the cursor's week with a day either side, so the day view and the
    /// timeline near the week's edges are covered too.
    pub fn wanted(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.week_start();
        (start - Duration::days(1), start + Duration::days(9))
    }

    pub fn needs_load(&self) -> bool {
        let (from, to) = self.wanted();
        self.data.from != Some(from) || self.data.to != Some(to)
    }

    pub fn set_data(&mut self, data: Calendar) {
        let selected = self.selected().map(|d| d.id);
        self.by_device.clear();
        self.maint_by_device.clear();
        for (i, b) in data.bookings.iter().enumerate() {
            self.by_device.entry(b.device_id).or_default().push(i);
        }
        for (i, m) in data.maintenance.iter().enumerate() {
            self.maint_by_device.entry(m.device_id).or_default().push(i);
        }
        self.data = data;
        self.loaded = true;
        self.refilter(selected);
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.to_lowercase();
        let selected = self.selected().map(|d| d.id);
        self.refilter(selected);
    }

    fn refilter(&mut self, keep: Option<Uuid>) {
        let terms: Vec<&str> = self.filter.split_whitespace().collect();
        self.visible = (0..self.data.devices.len())
            .filter(|&i| {
                let d = &self.data.devices[i];
                if d.retired_at.is_some() {
                    return false;
                }
                let hay = format!("{} {} {} {}", d.name, d.device_type, d.status, d.tags.join(" ")).to_lowercase();
                terms.iter().all(|t| hay.contains(t))
            })
            .collect();
        let found = keep.and_then(|id| self.visible.iter().position(|&i| self.data.devices[i].id == id));
        self.row = found.unwrap_or(self.row.min(self.visible.len().saturating_sub(1)));
    }

    pub fn selected(&self) -> Option<&DeviceRow> {
        self.visible.get(self.row).map(|&i| &self.data.devices[i])
    }

    pub fn device(&self, id: Uuid) -> Option<&DeviceRow> {
        self.data.devices.iter().find(|d| d.id == id)
    }

    pub fn step_rows(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        self.row = (self.row as isize + delta).clamp(0, self.visible.len() as isize - 1) as usize;
    }

    pub fn step_time(&mut self, zoom: Zoom, n: i64) {
        self.cursor += zoom.step() * n as i32;
    }

    pub fn toggle_mark(&mut self) {
        if let Some(id) = self.selected().map(|d| d.id)
            && !self.marks.remove(&id)
        {
            self.marks.insert(id);
        }
    }

    /// Marked devices, or the selected one when nothing is marked.
    pub fn targets(&self) -> Vec<Uuid> {
        if self.marks.is_empty() {
            self.selected().map(|d| vec![d.id]).unwrap_or_default()
        } else {
            self.marks.iter().copied().collect()
        }
    }

    /// A device's active bookings overlapping `at`, in start order.
    pub fn bookings_in(&self, device: Uuid, at: Interval) -> Vec<&BookingRow> {
        let mut out: Vec<&BookingRow> = self
            .by_device
            .get(&device)
            .map(|ix| ix.iter().map(|&i| &self.data.bookings[i]).filter(|b| b.interval().overlaps(&at)).collect())
            .unwrap_or_default();
        out.sort_by_key(|b| (b.starts_at, b.slot));
        out
    }

    pub fn maintenance_in(&self, device: Uuid, at: Interval) -> Vec<&MaintenanceRow> {
        self.maint_by_device
            .get(&device)
            .map(|ix| ix.iter().map(|&i| &self.data.maintenance[i]).filter(|m| m.interval().overlaps(&at)).collect())
            .unwrap_or_default()
    }

    /// The local "HH:MM" of a moment.
    pub fn hm(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%H:%M").to_string()
    }

    /// The local "YYYY-MM-DD HH:MM" of a moment (as the forms take it).
    pub fn stamp(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.tz).format("%Y-%m-%d %H:%M").to_string()
    }
}
