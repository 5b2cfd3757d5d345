-- Identity, RBAC, audit, settings, invitations, notifications (seeds 001, 002, 003, 004).
-- Conventions: UUID v7 keys, TEXT in UTC, TEXT only for free-form data,
-- enums as TEXT + CHECK so both backends share one vocabulary.

CREATE TABLE tenants (
    id            BLOB PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    description   TEXT,
    status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','suspended')),
    admin_user_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    vlan_id       INTEGER UNIQUE,
    quota         TEXT,
    created_by    BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE users (
    id              BLOB PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    email           TEXT UNIQUE,
    display_name    TEXT NOT NULL DEFAULT '',
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','locked')),
    tenant_id       BLOB REFERENCES tenants(id) ON DELETE SET NULL,
    discord_id      TEXT UNIQUE,
    time_zone       TEXT NOT NULL DEFAULT 'UTC',
    quota           TEXT,
    must_change_password BOOLEAN NOT NULL DEFAULT false,
    last_login_at   TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX users_tenant_idx ON users (tenant_id);
CREATE INDEX users_role_idx ON users (role);


-- Seed 004's students/teachers/cs_reps/admins and seed 002's users are role profiles of one user.
CREATE TABLE user_profiles (
    user_id        BLOB PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    first_name     TEXT,
    last_name      TEXT,
    phone          TEXT,
    qualifications TEXT,
    expertise      TEXT,
    rating         REAL,
    access_level   TEXT,
    approval_limits TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE user_groups (
    id              BLOB PRIMARY KEY,
    tenant_id       BLOB NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    parent_group_id BLOB REFERENCES user_groups(id) ON DELETE SET NULL,
    name            TEXT NOT NULL,
    description     TEXT,
    quota           TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX user_groups_parent_idx ON user_groups (parent_group_id);

CREATE TABLE user_group_members (
    id        BLOB PRIMARY KEY,
    group_id  BLOB NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    user_id   BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by  BLOB REFERENCES users(id) ON DELETE SET NULL,
    joined_at TEXT NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX user_group_members_user_idx ON user_group_members (user_id);

CREATE TABLE permissions (
    id          BLOB PRIMARY KEY,
    resource    TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('create','read','update','delete','manage','execute')),
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  TEXT NOT NULL,
    UNIQUE (resource, action)
);

CREATE TABLE role_permissions (
    id            BLOB PRIMARY KEY,
    role          TEXT NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    permission_id BLOB NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    UNIQUE (role, permission_id)
);

-- Seed 003 admin_roles.permissions: per-user grants or denials on top of the role.
CREATE TABLE user_permission_overrides (
    user_id       BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission_id BLOB NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    effect        TEXT NOT NULL CHECK (effect IN ('allow','deny')),
    created_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, permission_id)
);

CREATE TABLE audit_log (
    id           BLOB PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     BLOB REFERENCES users(id) ON DELETE SET NULL,
    actor_name   TEXT NOT NULL,
    actor_role   TEXT,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT,
    outcome      TEXT NOT NULL CHECK (outcome IN ('success','failure','denied','error')),
    message      TEXT,
    details      TEXT,
    source       TEXT NOT NULL,
    ip_address   TEXT,
    user_agent   TEXT
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by BLOB REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE invitations (
    id               BLOB PRIMARY KEY,
    email            TEXT,
    handle           TEXT,
    role             TEXT NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    tenant_id        BLOB REFERENCES tenants(id) ON DELETE SET NULL,
    invited_by       BLOB REFERENCES users(id) ON DELETE SET NULL,
    token_hash       TEXT NOT NULL UNIQUE,
    expires_at       TEXT NOT NULL,
    created_at       TEXT NOT NULL,
    accepted_at      TEXT,
    accepted_user_id BLOB REFERENCES users(id) ON DELETE SET NULL,
    revoked_at       TEXT,
    CHECK (email IS NOT NULL OR handle IS NOT NULL)
);
CREATE INDEX invitations_pending_idx ON invitations (expires_at) WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE notifications (
    id          BLOB PRIMARY KEY,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       TEXT NOT NULL,
    body        TEXT,
    kind        TEXT NOT NULL DEFAULT 'info',
    entity_type TEXT,
    entity_id   TEXT,
    read_at     TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at);

-- Login throttling shared by every console on this database (key: "user:<name>" or "src:<addr>").
CREATE TABLE login_throttle (
    key           TEXT PRIMARY KEY,
    failures      INTEGER NOT NULL,
    first_failure TEXT NOT NULL,
    blocked_until TEXT
);

-- Per-domain revision counters: a cheap "did anything change?" check for open consoles.
CREATE TABLE revisions (
    domain TEXT PRIMARY KEY,
    rev    INTEGER NOT NULL
);

-- Foreign keys that do not lead another index.
CREATE INDEX tenants_admin_user_idx ON tenants (admin_user_id);
CREATE INDEX tenants_created_by_idx ON tenants (created_by);
CREATE INDEX user_group_members_added_by_idx ON user_group_members (added_by);
CREATE INDEX role_permissions_permission_idx ON role_permissions (permission_id);
CREATE INDEX user_permission_overrides_permission_idx ON user_permission_overrides (permission_id);
CREATE INDEX settings_updated_by_idx ON settings (updated_by);
CREATE INDEX invitations_tenant_idx ON invitations (tenant_id);
CREATE INDEX invitations_invited_by_idx ON invitations (invited_by);
CREATE INDEX invitations_accepted_user_idx ON invitations (accepted_user_id);
