-- Device bookings (seed 003). No double booking in the database: BEFORE INSERT/UPDATE
-- triggers refuse an active booking that overlaps another on the same (device, slot) over
-- [starts_at, ends_at), a slot outside the device's capacity, and a maintenance overlap.

-- Seed 003 device_table.
CREATE TABLE devices (
    id           BLOB PRIMARY KEY,
    device_type  TEXT NOT NULL DEFAULT '',
    name         TEXT NOT NULL,
    polatis_name TEXT,
    out_port     INTEGER NOT NULL,
    in_port      INTEGER NOT NULL,
    ip_address   TEXT,
    status       TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available','maintenance','offline','faulty')),
    capacity     INTEGER NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    retired_at   TEXT
);
CREATE INDEX devices_type_idx ON devices (device_type, name);

-- Seed 003 device_tags (tag vocabulary).
CREATE TABLE tags (
    id         BLOB PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

-- Seed 003 device_tags (which device has which tag).
CREATE TABLE device_tags (
    device_id  BLOB NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    tag_id     BLOB NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (device_id, tag_id)
);
CREATE INDEX device_tags_tag_idx ON device_tags (tag_id);

-- Seed 003 device_ownership (history: revoked_at NULL = active).
CREATE TABLE device_ownership (
    id          BLOB PRIMARY KEY,
    device_id   BLOB NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    owner_id    BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    assigned_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    assigned_at TEXT NOT NULL,
    revoked_by  BLOB REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  TEXT
);
CREATE UNIQUE INDEX device_ownership_active_key ON device_ownership (device_id, owner_id) WHERE revoked_at IS NULL;
CREATE INDEX device_ownership_device_idx ON device_ownership (device_id, assigned_at);
CREATE INDEX device_ownership_owner_idx ON device_ownership (owner_id);
CREATE INDEX device_ownership_assigned_by_idx ON device_ownership (assigned_by);
CREATE INDEX device_ownership_revoked_by_idx ON device_ownership (revoked_by);

-- Seed 003 device_health_snapshot.
CREATE TABLE device_health_snapshots (
    id           BLOB PRIMARY KEY,
    device_id    BLOB NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    status       TEXT NOT NULL CHECK (status IN ('healthy','warning','critical','unknown')),
    heartbeat_at TEXT,
    metrics      TEXT,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX device_health_snapshots_device_idx ON device_health_snapshots (device_id, recorded_at);

-- Seed 003 device_table.maintenance_start / maintenance_end, as real datetimes, many per device.
CREATE TABLE maintenance_windows (
    id           BLOB PRIMARY KEY,
    device_id    BLOB NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    reason       TEXT,
    created_by   BLOB REFERENCES users(id) ON DELETE SET NULL,
    cancelled_at TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    CHECK (coalesce(julianday(ends_at) > julianday(starts_at), 0))
);
CREATE INDEX maintenance_windows_device_idx ON maintenance_windows (device_id, starts_at);
CREATE INDEX maintenance_windows_created_by_idx ON maintenance_windows (created_by);

-- Seed 003 booking_table.grouped_booking_id, as a real table: one multi-device booking request.
CREATE TABLE booking_groups (
    id         BLOB PRIMARY KEY,
    owner_id   BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    title      TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled','partial')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX booking_groups_owner_idx ON booking_groups (owner_id, created_at);

-- Seed 003 booking_table: one row per device of a group.
CREATE TABLE bookings (
    id         BLOB PRIMARY KEY,
    group_id   BLOB NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    device_id  BLOB NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled')),
    slot       INTEGER NOT NULL DEFAULT 0 CHECK (slot >= 0),
    comment    TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (coalesce(julianday(ends_at) > julianday(starts_at), 0))
);
CREATE INDEX bookings_group_idx ON bookings (group_id);
CREATE INDEX bookings_device_idx ON bookings (device_id, starts_at);
CREATE INDEX bookings_user_idx ON bookings (user_id, starts_at);
CREATE INDEX bookings_pending_idx ON bookings (created_at) WHERE status = 'pending';

-- Guard: no overlap of active bookings on the same (device, slot), [starts_at, ends_at);
-- slot < device capacity; no active booking inside an active maintenance window.
-- Times are compared through julianday() so any ISO-8601 spelling compares correctly.
CREATE TRIGGER bookings_guard_ins BEFORE INSERT ON bookings
WHEN NEW.status IN ('pending','approved')
BEGIN
    SELECT RAISE(ABORT, 'booking conflict')
    WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.device_id = NEW.device_id
          AND b.slot = NEW.slot
          AND b.status IN ('pending','approved')
          AND julianday(b.starts_at) < julianday(NEW.ends_at)
          AND julianday(b.ends_at) > julianday(NEW.starts_at)
    );
    SELECT RAISE(ABORT, 'booking slot out of capacity')
    WHERE NEW.slot >= (SELECT capacity FROM devices WHERE id = NEW.device_id);
    SELECT RAISE(ABORT, 'booking overlaps maintenance')
    WHERE EXISTS (
        SELECT 1 FROM maintenance_windows m
        WHERE m.device_id = NEW.device_id
          AND m.cancelled_at IS NULL
          AND julianday(m.starts_at) < julianday(NEW.ends_at)
          AND julianday(m.ends_at) > julianday(NEW.starts_at)
    );
END;
CREATE TRIGGER bookings_guard_upd BEFORE UPDATE OF device_id, slot, starts_at, ends_at, status ON bookings
WHEN NEW.status IN ('pending','approved')
BEGIN
    SELECT RAISE(ABORT, 'booking conflict')
    WHERE EXISTS (
        SELECT 1 FROM bookings b
        WHERE b.id <> OLD.id
          AND b.device_id = NEW.device_id
          AND b.slot = NEW.slot
          AND b.status IN ('pending','approved')
          AND julianday(b.starts_at) < julianday(NEW.ends_at)
          AND julianday(b.ends_at) > julianday(NEW.starts_at)
    );
    SELECT RAISE(ABORT, 'booking slot out of capacity')
    WHERE NEW.slot >= (SELECT capacity FROM devices WHERE id = NEW.device_id);
    SELECT RAISE(ABORT, 'booking overlaps maintenance')
    WHERE EXISTS (
        SELECT 1 FROM maintenance_windows m
        WHERE m.device_id = NEW.device_id
          AND m.cancelled_at IS NULL
          AND julianday(m.starts_at) < julianday(NEW.ends_at)
          AND julianday(m.ends_at) > julianday(NEW.starts_at)
    );
END;

-- Seed 003 booking_table.collaborators (JSON id list) and is_collaborator copies, as a join table.
CREATE TABLE booking_collaborators (
    group_id BLOB NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX booking_collaborators_user_idx ON booking_collaborators (user_id);
CREATE INDEX booking_collaborators_added_by_idx ON booking_collaborators (added_by);

-- Seed 003 booking_table.comment as a conversation on a booking group.
CREATE TABLE booking_comments (
    id         BLOB PRIMARY KEY,
    group_id   BLOB NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    author_id  BLOB REFERENCES users(id) ON DELETE SET NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX booking_comments_group_idx ON booking_comments (group_id, created_at);
CREATE INDEX booking_comments_author_idx ON booking_comments (author_id);

-- Approval decisions on a booking (seed 003 booking_table.status changes by approvers).
CREATE TABLE booking_approvals (
    id          BLOB PRIMARY KEY,
    booking_id  BLOB NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    approver_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    decision    TEXT NOT NULL CHECK (decision IN ('approved','rejected')),
    comment     TEXT,
    decided_at  TEXT NOT NULL
);
CREATE INDEX booking_approvals_booking_idx ON booking_approvals (booking_id, decided_at);
CREATE INDEX booking_approvals_approver_idx ON booking_approvals (approver_id);

-- Seed 003 booking_favorite.
CREATE TABLE booking_favorites (
    id              BLOB PRIMARY KEY,
    user_id         BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_group_id BLOB REFERENCES booking_groups(id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX booking_favorites_group_idx ON booking_favorites (source_group_id);

-- Seed 003 booking_favorite.device_snapshot: one row per device, name/type as they were at save time.
CREATE TABLE booking_favorite_devices (
    id          BLOB PRIMARY KEY,
    favorite_id BLOB NOT NULL REFERENCES booking_favorites(id) ON DELETE CASCADE,
    device_id   BLOB REFERENCES devices(id) ON DELETE SET NULL,
    device_name TEXT NOT NULL,
    device_type TEXT NOT NULL,
    UNIQUE (favorite_id, device_id)
);
CREATE INDEX booking_favorite_devices_device_idx ON booking_favorite_devices (device_id);

-- Seed 003 topology_table.
CREATE TABLE topologies (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX topologies_user_idx ON topologies (user_id);

-- Seed 003 topology_table.nodes (JSON) as rows.
CREATE TABLE topology_nodes (
    id          BLOB PRIMARY KEY,
    topology_id BLOB NOT NULL REFERENCES topologies(id) ON DELETE CASCADE,
    device_id   BLOB REFERENCES devices(id) ON DELETE SET NULL,
    label       TEXT NOT NULL,
    pos_x       REAL,
    pos_y       REAL,
    UNIQUE (id, topology_id)
);
CREATE INDEX topology_nodes_topology_idx ON topology_nodes (topology_id);
CREATE INDEX topology_nodes_device_idx ON topology_nodes (device_id);

-- Seed 003 topology_table.edges (JSON) as rows; both ends must be nodes of the same topology.
CREATE TABLE topology_links (
    id           BLOB PRIMARY KEY,
    topology_id  BLOB NOT NULL REFERENCES topologies(id) ON DELETE CASCADE,
    from_node_id BLOB NOT NULL,
    to_node_id   BLOB NOT NULL,
    from_port    INTEGER,
    to_port      INTEGER,
    label        TEXT,
    CHECK (from_node_id <> to_node_id),
    FOREIGN KEY (from_node_id, topology_id) REFERENCES topology_nodes(id, topology_id) ON DELETE CASCADE,
    FOREIGN KEY (to_node_id, topology_id) REFERENCES topology_nodes(id, topology_id) ON DELETE CASCADE
);
CREATE INDEX topology_links_topology_idx ON topology_links (topology_id);
CREATE INDEX topology_links_from_idx ON topology_links (from_node_id);
CREATE INDEX topology_links_to_idx ON topology_links (to_node_id);

-- Seed 003 topology_review.
CREATE TABLE topology_reviews (
    id                  BLOB PRIMARY KEY,
    topology_id         BLOB NOT NULL UNIQUE REFERENCES topologies(id) ON DELETE CASCADE,
    status              TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted','approved','rejected')),
    conflict_count      INTEGER NOT NULL DEFAULT 0 CHECK (conflict_count >= 0),
    requested_starts_at TEXT,
    requested_ends_at   TEXT,
    last_checked_at     TEXT,
    resolved_at         TEXT,
    resolved_by         BLOB REFERENCES users(id) ON DELETE SET NULL,
    notes               TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    CHECK ((requested_starts_at IS NULL) = (requested_ends_at IS NULL)),
    CHECK (requested_starts_at IS NULL OR coalesce(julianday(requested_ends_at) > julianday(requested_starts_at), 0))
);
CREATE INDEX topology_reviews_resolved_by_idx ON topology_reviews (resolved_by);
