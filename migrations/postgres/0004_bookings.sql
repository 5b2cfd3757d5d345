-- Device bookings (seed 003). No double booking in the database: an exclusion constraint
-- over (device, slot, [starts_at, ends_at)) for active bookings, plus a trigger that refuses
-- a slot outside the device's capacity and a booking that overlaps a maintenance window.

-- btree_gist lets a gist index compare uuid/bigint with `=`. It is database-wide and lands in
-- the first schema of search_path: a test harness that drops per-test schemas should install it
-- once beforehand (e.g. in public) so no test schema owns it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Seed 003 device_table.
CREATE TABLE devices (
    id           uuid PRIMARY KEY,
    device_type  text NOT NULL DEFAULT '',
    name         text NOT NULL,
    polatis_name text,
    out_port     bigint NOT NULL,
    in_port      bigint NOT NULL,
    ip_address   text,
    status       text NOT NULL DEFAULT 'available' CHECK (status IN ('available','maintenance','offline','faulty')),
    capacity     bigint NOT NULL DEFAULT 1 CHECK (capacity >= 1),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    retired_at   timestamptz
);
CREATE INDEX devices_type_idx ON devices (device_type, name);

-- Seed 003 device_tags (tag vocabulary).
CREATE TABLE tags (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- Seed 003 device_tags (which device has which tag).
CREATE TABLE device_tags (
    device_id  uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    tag_id     uuid NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (device_id, tag_id)
);
CREATE INDEX device_tags_tag_idx ON device_tags (tag_id);

-- Seed 003 device_ownership (history: revoked_at NULL = active).
CREATE TABLE device_ownership (
    id          uuid PRIMARY KEY,
    device_id   uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    owner_id    uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    assigned_by uuid REFERENCES users(id) ON DELETE SET NULL,
    assigned_at timestamptz NOT NULL,
    revoked_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX device_ownership_active_key ON device_ownership (device_id, owner_id) WHERE revoked_at IS NULL;
CREATE INDEX device_ownership_device_idx ON device_ownership (device_id, assigned_at);
CREATE INDEX device_ownership_owner_idx ON device_ownership (owner_id);
CREATE INDEX device_ownership_assigned_by_idx ON device_ownership (assigned_by);
CREATE INDEX device_ownership_revoked_by_idx ON device_ownership (revoked_by);

-- Seed 003 device_health_snapshot.
CREATE TABLE device_health_snapshots (
    id           uuid PRIMARY KEY,
    device_id    uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    status       text NOT NULL CHECK (status IN ('healthy','warning','critical','unknown')),
    heartbeat_at timestamptz,
    metrics      jsonb,
    recorded_at  timestamptz NOT NULL
);
CREATE INDEX device_health_snapshots_device_idx ON device_health_snapshots (device_id, recorded_at);

-- Seed 003 device_table.maintenance_start / maintenance_end, as real datetimes, many per device.
CREATE TABLE maintenance_windows (
    id           uuid PRIMARY KEY,
    device_id    uuid NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    reason       text,
    created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    cancelled_at timestamptz,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX maintenance_windows_device_idx ON maintenance_windows (device_id, starts_at);
CREATE INDEX maintenance_windows_created_by_idx ON maintenance_windows (created_by);

-- Seed 003 booking_table.grouped_booking_id, as a real table: one multi-device booking request.
CREATE TABLE booking_groups (
    id         uuid PRIMARY KEY,
    owner_id   uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    title      text NOT NULL DEFAULT '',
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled','partial')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX booking_groups_owner_idx ON booking_groups (owner_id, created_at);

-- Seed 003 booking_table: one row per device of a group.
CREATE TABLE bookings (
    id         uuid PRIMARY KEY,
    group_id   uuid NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    device_id  uuid NOT NULL REFERENCES devices(id) ON DELETE RESTRICT,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','approved','rejected','cancelled')),
    slot       bigint NOT NULL DEFAULT 0 CHECK (slot >= 0),
    comment    text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (ends_at > starts_at),
    CONSTRAINT bookings_no_overlap EXCLUDE USING gist (
        device_id WITH =,
        slot WITH =,
        tstzrange(starts_at, ends_at, '[)') WITH &&
    ) WHERE (status IN ('pending','approved'))
);
CREATE INDEX bookings_group_idx ON bookings (group_id);
CREATE INDEX bookings_device_idx ON bookings (device_id, starts_at);
CREATE INDEX bookings_user_idx ON bookings (user_id, starts_at);
CREATE INDEX bookings_pending_idx ON bookings (created_at) WHERE status = 'pending';

-- Guard: slot < device capacity, and no active booking inside an active maintenance window.
CREATE FUNCTION bookings_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.slot >= (SELECT capacity FROM devices WHERE id = NEW.device_id) THEN
        RAISE EXCEPTION 'booking slot out of capacity'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'bookings_capacity';
    END IF;
    IF EXISTS (
        SELECT 1 FROM maintenance_windows m
        WHERE m.device_id = NEW.device_id
          AND m.cancelled_at IS NULL
          AND m.starts_at < NEW.ends_at
          AND m.ends_at > NEW.starts_at
    ) THEN
        RAISE EXCEPTION 'booking overlaps maintenance'
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'bookings_maintenance';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER bookings_guard_ins BEFORE INSERT ON bookings
    FOR EACH ROW WHEN (NEW.status IN ('pending','approved'))
    EXECUTE FUNCTION bookings_guard();
CREATE TRIGGER bookings_guard_upd BEFORE UPDATE OF device_id, slot, starts_at, ends_at, status ON bookings
    FOR EACH ROW WHEN (NEW.status IN ('pending','approved'))
    EXECUTE FUNCTION bookings_guard();

-- Seed 003 booking_table.collaborators (JSON id list) and is_collaborator copies, as a join table.
CREATE TABLE booking_collaborators (
    group_id uuid NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by uuid REFERENCES users(id) ON DELETE SET NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX booking_collaborators_user_idx ON booking_collaborators (user_id);
CREATE INDEX booking_collaborators_added_by_idx ON booking_collaborators (added_by);

-- Seed 003 booking_table.comment as a conversation on a booking group.
CREATE TABLE booking_comments (
    id         uuid PRIMARY KEY,
    group_id   uuid NOT NULL REFERENCES booking_groups(id) ON DELETE CASCADE,
    author_id  uuid REFERENCES users(id) ON DELETE SET NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE INDEX booking_comments_group_idx ON booking_comments (group_id, created_at);
CREATE INDEX booking_comments_author_idx ON booking_comments (author_id);

-- Approval decisions on a booking (seed 003 booking_table.status changes by approvers).
CREATE TABLE booking_approvals (
    id          uuid PRIMARY KEY,
    booking_id  uuid NOT NULL REFERENCES bookings(id) ON DELETE CASCADE,
    approver_id uuid REFERENCES users(id) ON DELETE SET NULL,
    decision    text NOT NULL CHECK (decision IN ('approved','rejected')),
    comment     text,
    decided_at  timestamptz NOT NULL
);
CREATE INDEX booking_approvals_booking_idx ON booking_approvals (booking_id, decided_at);
CREATE INDEX booking_approvals_approver_idx ON booking_approvals (approver_id);

-- Seed 003 booking_favorite.
CREATE TABLE booking_favorites (
    id              uuid PRIMARY KEY,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source_group_id uuid REFERENCES booking_groups(id) ON DELETE SET NULL,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (user_id, name)
);
CREATE INDEX booking_favorites_group_idx ON booking_favorites (source_group_id);

-- Seed 003 booking_favorite.device_snapshot: one row per device, name/type as they were at save time.
CREATE TABLE booking_favorite_devices (
    id          uuid PRIMARY KEY,
    favorite_id uuid NOT NULL REFERENCES booking_favorites(id) ON DELETE CASCADE,
    device_id   uuid REFERENCES devices(id) ON DELETE SET NULL,
    device_name text NOT NULL,
    device_type text NOT NULL,
    UNIQUE (favorite_id, device_id)
);
CREATE INDEX booking_favorite_devices_device_idx ON booking_favorite_devices (device_id);

-- Seed 003 topology_table.
CREATE TABLE topologies (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX topologies_user_idx ON topologies (user_id);

-- Seed 003 topology_table.nodes (JSON) as rows.
CREATE TABLE topology_nodes (
    id          uuid PRIMARY KEY,
    topology_id uuid NOT NULL REFERENCES topologies(id) ON DELETE CASCADE,
    device_id   uuid REFERENCES devices(id) ON DELETE SET NULL,
    label       text NOT NULL,
    pos_x       double precision,
    pos_y       double precision,
    UNIQUE (id, topology_id)
);
CREATE INDEX topology_nodes_topology_idx ON topology_nodes (topology_id);
CREATE INDEX topology_nodes_device_idx ON topology_nodes (device_id);

-- Seed 003 topology_table.edges (JSON) as rows; both ends must be nodes of the same topology.
CREATE TABLE topology_links (
    id           uuid PRIMARY KEY,
    topology_id  uuid NOT NULL REFERENCES topologies(id) ON DELETE CASCADE,
    from_node_id uuid NOT NULL,
    to_node_id   uuid NOT NULL,
    from_port    bigint,
    to_port      bigint,
    label        text,
    CHECK (from_node_id <> to_node_id),
    FOREIGN KEY (from_node_id, topology_id) REFERENCES topology_nodes(id, topology_id) ON DELETE CASCADE,
    FOREIGN KEY (to_node_id, topology_id) REFERENCES topology_nodes(id, topology_id) ON DELETE CASCADE
);
CREATE INDEX topology_links_topology_idx ON topology_links (topology_id);
CREATE INDEX topology_links_from_idx ON topology_links (from_node_id);
CREATE INDEX topology_links_to_idx ON topology_links (to_node_id);

-- Seed 003 topology_review.
CREATE TABLE topology_reviews (
    id                  uuid PRIMARY KEY,
    topology_id         uuid NOT NULL UNIQUE REFERENCES topologies(id) ON DELETE CASCADE,
    status              text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted','approved','rejected')),
    conflict_count      bigint NOT NULL DEFAULT 0 CHECK (conflict_count >= 0),
    requested_starts_at timestamptz,
    requested_ends_at   timestamptz,
    last_checked_at     timestamptz,
    resolved_at         timestamptz,
    resolved_by         uuid REFERENCES users(id) ON DELETE SET NULL,
    notes               text,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    CHECK ((requested_starts_at IS NULL) = (requested_ends_at IS NULL)),
    CHECK (requested_ends_at > requested_starts_at)
);
CREATE INDEX topology_reviews_resolved_by_idx ON topology_reviews (resolved_by);
