-- Classes engine jobs (no seed entity): the usage checkpoint of a running class VM, so usage
-- survives restarts without double counting, and the optional power-on before the hours.
ALTER TABLE class_vms ADD COLUMN usage_counted_at timestamptz;
ALTER TABLE classes ADD COLUMN power_on_lead_minutes bigint CHECK (power_on_lead_minutes BETWEEN 1 AND 720);
ALTER TABLE classes ADD COLUMN last_power_on_at timestamptz;
