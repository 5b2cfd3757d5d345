//! Drawing the Bookings tab. The calendar builds lines only for the device rows and time
//! columns that fit, from bookings indexed by device, so 1,000 devices cost what 30 do.

use super::calendar::{CalendarState, local_midnight};
use super::{BookingsScreen, Section, Zoom, sections};
use crate::domain::bookings::{Interval, slots};
use crate::domain::rbac::Actor;
use crate::engine::read::bookings::{BookingRow, GroupDetail};
use crate::tui::theme::Theme;
use crate::tui::widgets::table::ListView;
use crate::tui::widgets::truncate;
use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const NAME_W: usize = 16;
/// Lanes drawn per device at most; more overlaps show as "+n".
const MAX_LANES: usize = 3;

impl BookingsScreen {
    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, actor: &Actor) {
        let [nav, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        let mut spans = vec![];
        for s in sections(actor) {
            let style = if s == self.section { theme.selected() } else { theme.dim() };
            let label = if s == Section::Approvals {
                format!(" {} ({}) ", s.name(), self.pending_count)
            } else {
                format!(" {} ", s.name())
            };
            spans.push(Span::styled(label, style));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(format!(" {}", self.cal.tz), theme.dim()));
        f.render_widget(Paragraph::new(Line::from(spans)), nav);
        let now = self.now();
        match self.section {
            Section::Week | Section::Day | Section::Timeline => self.draw_calendar(f, body, theme, now),
            Section::Devices => {
                let [list, detail] = Layout::horizontal([Constraint::Fill(3), Constraint::Fill(2)]).areas(body);
                self.devices.render(f, list, theme, "devices");
                self.draw_device_detail(f, detail, theme);
            }
            Section::List => self.list.render(f, body, theme, "bookings this window"),
            Section::Approvals => {
                let title = match self.my_limits.describe() {
                    Some(l) => format!("waiting for approval · you approve alone {l}"),
                    None => "waiting for approval".to_string(),
                };
                self.pending.render(f, body, theme, &title)
            }
            Section::Favorites => self.favorites.render(f, body, theme, "favorites (enter rebooks)"),
            Section::Topologies => match self.editor {
                Some(e) => self.draw_editor(f, body, theme, e),
                None => {
                    let [list, detail] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(body);
                    ListView::render(&mut self.topologies, f, list, theme, "topologies");
                    self.draw_topology(f, detail, theme);
                }
            },
        }
    }

    fn draw_calendar(&mut self, f: &mut Frame, area: Rect, theme: &Theme, now: DateTime<Utc>) {
        let zoom = self.section.zoom().unwrap_or(Zoom::Week);
        let [head, grid, foot] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
        let cols = (area.width as usize).saturating_sub(NAME_W + 1);
        let cal = &mut self.cal;
        let scale = Scale::new(cal, zoom, cols);
        // Keep the selected device on screen: rows are one line per lane, so walk up from
        // the selected row only as far as fits (never over every device).
        if cal.row < cal.offset {
            cal.offset = cal.row;
        }
        let height = |cal: &CalendarState, n: usize| {
            let id = cal.data.devices[cal.visible[n]].id;
            let b: Vec<Interval> = cal.bookings_in(id, scale.range).iter().map(|b| scale.lane_of(cal, b)).collect();
            slots::lanes(&b).1.clamp(1, MAX_LANES)
        };
        if cal.row < cal.visible.len() {
            let mut used = 0;
            let mut first = cal.row + 1;
            while first > cal.offset && used + height(cal, first - 1) <= grid.height as usize {
                first -= 1;
                used += height(cal, first);
            }
            cal.offset = first.min(cal.row);
        }
        f.render_widget(Paragraph::new(scale.header(cal, theme, now)), head);
        let mut lines: Vec<Line> = Vec::new();
        let mut drawn = 0;
        for (n, &i) in cal.visible.iter().enumerate().skip(cal.offset) {
            if lines.len() >= grid.height as usize {
                break;
            }
            let d = &cal.data.devices[i];
            let bookings = cal.bookings_in(d.id, scale.range);
            let maint: Vec<Interval> = cal.maintenance_in(d.id, scale.range).iter().map(|m| m.interval()).collect();
            let (lane_of, lanes) = slots::lanes(&bookings.iter().map(|b| scale.lane_of(cal, b)).collect::<Vec<_>>());
            let selected = n == cal.row;
            let marked = cal.marks.contains(&d.id);
            for lane in 0..lanes.clamp(1, MAX_LANES) {
                if lines.len() >= grid.height as usize {
                    break;
                }
                let name = if lane == 0 {
                    format!("{}{}", if marked { "● " } else { "  " }, truncate(&d.name, NAME_W - 3))
                } else {
                    String::new()
                };
                let name_style = if selected {
                    theme.selected()
                } else if marked {
                    theme.accent()
                } else {
                    theme.text()
                };
                let mut spans = vec![Span::styled(format!("{name:<w$} ", w = NAME_W), name_style)];
                let in_lane: Vec<&BookingRow> =
                    bookings.iter().zip(&lane_of).filter(|(_, l)| **l == lane).map(|(b, _)| *b).collect();
                let hidden = if lane + 1 == MAX_LANES { lanes.saturating_sub(MAX_LANES) } else { 0 };
                spans.extend(scale.row(
                    cal,
                    theme,
                    &in_lane,
                    if lane == 0 { &maint } else { &[] },
                    selected,
                    now,
                    hidden,
                ));
                lines.push(Line::from(spans));
            }
            drawn += 1;
        }
        cal.page = drawn.max(1);
        if cal.visible.is_empty() {
            let msg = if !cal.loaded {
                "loading…"
            } else if cal.filter.is_empty() {
                "no devices yet"
            } else {
                "no device matches the filter"
            };
            lines.push(Line::styled(msg, theme.dim()));
        }
        f.render_widget(Paragraph::new(lines), grid);
        let footer = format!(
            " {} devices{} · marked {} · {} at cursor {} · , . move in time · space mark · n book",
            cal.visible.len(),
            if cal.filter.is_empty() { String::new() } else { format!(" /{}", cal.filter) },
            cal.marks.len(),
            zoom_name(zoom),
            cal.stamp(cal.cursor_hour()),
        );
        f.render_widget(Span::styled(footer, theme.dim()), foot);
    }
}

fn zoom_name(z: Zoom) -> &'static str {
    match z {
        Zoom::Week => "week",
        Zoom::Day => "day",
        Zoom::Timeline => "timeline",
    }
}

/// How time maps onto columns for one frame.
struct Scale {
    zoom: Zoom,
    range: Interval,
    cols: usize,
    /// Week view: width of a day column. Otherwise: minutes per column.
    unit: i64,
}

impl Scale {
    fn new(cal: &CalendarState, zoom: Zoom, cols: usize) -> Scale {
        let cols = cols.max(7);
        match zoom {
            Zoom::Week => {
                let start = cal.week_start();
                let end = local_midnight(cal.tz, cal.local_day(start) + Duration::days(7));
                Scale { zoom, range: Interval { start, end }, cols, unit: (cols / 7) as i64 }
            }
            Zoom::Day => {
                let start = cal.day_start();
                let per = (1440 + cols as i64 - 1) / cols as i64;
                Scale {
                    zoom,
                    range: Interval { start, end: start + Duration::minutes(per * cols as i64) },
                    cols,
                    unit: per.max(1),
                }
            }
            Zoom::Timeline => {
                // Half an hour per column, the cursor a quarter of the way in.
                let per = 30;
                let start = cal.cursor_hour() - Duration::minutes(per * (cols as i64 / 4) / 60 * 60);
                Scale {
                    zoom,
                    range: Interval { start, end: start + Duration::minutes(per * cols as i64) },
                    cols,
                    unit: per,
                }
            }
        }
    }

    /// The time a booking takes up on screen, for stacking: in the week view a booking fills
    /// whole day columns, so two bookings of one day (13–17 and 17–19) share a column and go
    /// on separate lanes instead of one hiding the other.
    fn lane_of(&self, cal: &CalendarState, b: &BookingRow) -> Interval {
        match self.zoom {
            Zoom::Week => {
                let start = local_midnight(cal.tz, cal.local_day(b.starts_at));
                let last = cal.local_day(b.ends_at - Duration::seconds(1));
                Interval { start, end: local_midnight(cal.tz, last + Duration::days(1)) }
            }
            _ => b.interval(),
        }
    }

    /// The column of a moment (clamped to the visible range).
    fn col(&self, cal: &CalendarState, t: DateTime<Utc>) -> usize {
        match self.zoom {
            Zoom::Week => {
                let days = (cal.local_day(t.clamp(self.range.start, self.range.end)) - cal.local_day(self.range.start))
                    .num_days();
                (days.clamp(0, 7) as usize) * self.unit as usize
            }
            _ => (((t - self.range.start).num_minutes().max(0)) / self.unit).min(self.cols as i64) as usize,
        }
    }

    fn cursor_cols(&self, cal: &CalendarState) -> (usize, usize) {
        match self.zoom {
            Zoom::Week => {
                let c = self.col(cal, cal.cursor);
                (c, c + self.unit as usize)
            }
            _ => {
                let s = cal.cursor_hour();
                (self.col(cal, s), self.col(cal, s + Duration::hours(1)).max(self.col(cal, s) + 1))
            }
        }
    }

    fn header(&self, cal: &CalendarState, theme: &Theme, now: DateTime<Utc>) -> Line<'static> {
        let mut cells: Vec<(String, Style)> = vec![(" ".into(), theme.header()); self.cols];
        let (c0, c1) = self.cursor_cols(cal);
        for c in cells.iter_mut().take(c1.min(self.cols)).skip(c0) {
            c.1 = theme.selected();
        }
        let mut put = |at: usize, text: &str, style: Option<Style>| {
            for (k, ch) in text.chars().enumerate() {
                if let Some(cell) = cells.get_mut(at + k) {
                    cell.0 = ch.to_string();
                    if let Some(s) = style {
                        cell.1 = s;
                    }
                }
            }
        };
        match self.zoom {
            Zoom::Week => {
                for k in 0..7 {
                    let day = cal.local_day(self.range.start) + Duration::days(k);
                    let today = day == cal.local_day(now);
                    let label = format!("{}{} {:02}", if today { "▸" } else { "" }, day.weekday(), day.day());
                    put(k as usize * self.unit as usize, &label, today.then(|| theme.accent()));
                }
            }
            _ => {
                let mut t = self.range.start;
                // Labels never run into each other: one is skipped when the last is too close.
                let mut free_from = 0;
                while t < self.range.end {
                    let local = t.with_timezone(&cal.tz);
                    let every = if self.unit >= 20 || self.zoom == Zoom::Timeline { 3 } else { 2 };
                    let at = self.col(cal, t);
                    if local.minute() == 0 && local.hour().is_multiple_of(every) && at >= free_from {
                        let label = if local.hour() == 0 {
                            local.format("%a %d").to_string()
                        } else {
                            local.format("%H").to_string()
                        };
                        put(at, &label, None);
                        free_from = at + label.chars().count() + 1;
                    }
                    t += Duration::hours(1);
                }
            }
        }
        if self.range.contains(now) && self.zoom != Zoom::Week {
            put(self.col(cal, now), "▼", Some(theme.accent()));
        }
        let mut spans = vec![Span::styled(format!("{:<w$} ", "device", w = NAME_W), theme.header())];
        spans.extend(cells.into_iter().map(|(t, s)| Span::styled(t, s)));
        Line::from(spans)
    }

    /// One lane of one device: its bookings as labelled bars, maintenance shaded, now marked.
    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        cal: &CalendarState,
        theme: &Theme,
        bookings: &[&BookingRow],
        maint: &[Interval],
        selected: bool,
        now: DateTime<Utc>,
        hidden: usize,
    ) -> Vec<Span<'static>> {
        let mut cells: Vec<(char, Style)> = vec![(' ', theme.text()); self.cols];
        if self.range.contains(now) && self.zoom != Zoom::Week {
            let c = self.col(cal, now);
            if let Some(cell) = cells.get_mut(c) {
                *cell = ('│', theme.accent());
            }
        }
        for m in maint {
            let (a, b) = self.span(cal, m.start, m.end);
            for cell in cells.iter_mut().take(b).skip(a) {
                *cell = ('░', theme.warn());
            }
        }
        for bk in bookings {
            let (a, b) = self.span(cal, bk.starts_at, bk.ends_at);
            let style = match bk.status.as_str() {
                "approved" => theme.ok().add_modifier(Modifier::REVERSED),
                _ => theme.warn().add_modifier(Modifier::REVERSED),
            };
            let label = match self.zoom {
                // "09:00-12:00 sam" when a day column has room, "09-12 sam" when it does not.
                Zoom::Week if self.unit >= 20 => {
                    format!("{}-{} {}", cal.hm(bk.starts_at), cal.hm(bk.ends_at), bk.username)
                }
                Zoom::Week => {
                    let h = |t: DateTime<Utc>| cal.hm(t).chars().take(2).collect::<String>();
                    format!("{}-{} {}", h(bk.starts_at), h(bk.ends_at), bk.username)
                }
                _ => format!("{} {}", bk.username, bk.title),
            };
            let mut chars = label.chars();
            for cell in cells.iter_mut().take(b).skip(a) {
                *cell = (chars.next().unwrap_or(' '), style);
            }
        }
        if selected {
            let (c0, c1) = self.cursor_cols(cal);
            for cell in cells.iter_mut().take(c1.min(self.cols)).skip(c0) {
                cell.1 = cell.1.add_modifier(Modifier::UNDERLINED);
            }
        }
        if hidden > 0 {
            let more: Vec<char> = format!("+{hidden}").chars().collect();
            let n = more.len().min(self.cols);
            for (k, ch) in more.into_iter().take(n).enumerate() {
                cells[self.cols - n + k] = (ch, theme.accent());
            }
        }
        // Merge runs of one style into one span: a row is a handful of spans, not 180.
        let mut out: Vec<Span<'static>> = Vec::new();
        let mut run = String::new();
        let mut style = cells.first().map(|c| c.1).unwrap_or_default();
        for (ch, s) in cells {
            if s != style && !run.is_empty() {
                out.push(Span::styled(std::mem::take(&mut run), style));
            }
            style = s;
            run.push(ch);
        }
        if !run.is_empty() {
            out.push(Span::styled(run, style));
        }
        out
    }

    /// Columns `[a, b)` an interval covers; at least one column when it is in range. In the
    /// week view a booking covers the days it touches, its text in the first.
    fn span(&self, cal: &CalendarState, start: DateTime<Utc>, end: DateTime<Utc>) -> (usize, usize) {
        match self.zoom {
            Zoom::Week => {
                let a = self.col(cal, start);
                let last = self.col(cal, end - Duration::seconds(1));
                (a, (last + self.unit as usize - 1).min(self.cols))
            }
            _ => {
                let a = self.col(cal, start);
                let b = ((end - self.range.start).num_minutes() + self.unit - 1)
                    .div_euclid(self.unit)
                    .clamp(0, self.cols as i64) as usize;
                (a, b.max(a + 1).min(self.cols))
            }
        }
    }
}

/// A booking group as lines for the detail overlay.
pub fn group_lines(cal: &CalendarState, g: &GroupDetail) -> Vec<String> {
    let mut out = vec![format!("status: {}", g.status)];
    for b in &g.bookings {
        out.push(format!(
            "  {:<14} {} → {}  {} (slot {})",
            b.device_name,
            cal.stamp(b.starts_at),
            cal.stamp(b.ends_at),
            b.status,
            b.slot
        ));
    }
    if let Some(end) = g.latest_end {
        out.push(format!("latest possible end: {}", cal.stamp(end)));
    }
    let who: Vec<&str> = g.collaborators.iter().map(|c| c.1.as_str()).collect();
    out.push(format!("collaborators: {}", if who.is_empty() { "none".into() } else { who.join(", ") }));
    for (who, decision, comment, at) in &g.approvals {
        out.push(format!(
            "{decision} by {who} at {}{}",
            cal.stamp(*at),
            comment.as_deref().map(|c| format!(": {c}")).unwrap_or_default()
        ));
    }
    if !g.comments.is_empty() {
        out.push("comments:".into());
        for (who, at, body) in &g.comments {
            out.push(format!("  {who} ({}): {body}", cal.stamp(*at)));
        }
    }
    out
}
