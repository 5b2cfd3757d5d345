-- What Proxmox leaves out is not guessed (issue 13): a guest missing from an answer that looks
-- incomplete is kept and marked stale; a node missing from the latest answer keeps the time it
-- was last seen; a cluster's poller says what to check (a token's missing privileges).
ALTER TABLE pve_guests ADD COLUMN stale BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE pve_nodes ADD COLUMN last_seen_at TEXT;
ALTER TABLE pve_poll_state ADD COLUMN warning TEXT;
