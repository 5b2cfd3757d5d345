-- The calendar reads one window of every device's active bookings (a week of 1,000 devices):
-- index active bookings by start (and end) so that read does not scan the whole history.
CREATE INDEX bookings_active_start_idx ON bookings (starts_at, ends_at) WHERE status IN ('pending','approved');
