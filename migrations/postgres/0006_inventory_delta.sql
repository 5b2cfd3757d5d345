-- Open consoles re-read only the guests changed since their last read.
CREATE INDEX pve_guests_updated_idx ON pve_guests (updated_at);
