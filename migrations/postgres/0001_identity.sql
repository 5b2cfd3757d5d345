-- Identity, RBAC, audit, settings, invitations, notifications (seeds 001, 002, 003, 004).
-- Conventions: UUID v7 keys, timestamptz in UTC, jsonb only for free-form data,
-- enums as text + CHECK so both backends share one vocabulary.

CREATE TABLE tenants (
    id            uuid PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    description   text,
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','suspended')),
    admin_user_id uuid,
    vlan_id       bigint UNIQUE,
    quota         jsonb,
    created_by    uuid,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE TABLE users (
    id              uuid PRIMARY KEY,
    username        text NOT NULL UNIQUE,
    email           text UNIQUE,
    display_name    text NOT NULL DEFAULT '',
    password_hash   text NOT NULL,
    role            text NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','locked')),
    tenant_id       uuid REFERENCES tenants(id) ON DELETE SET NULL,
    discord_id      text UNIQUE,
    time_zone       text NOT NULL DEFAULT 'UTC',
    quota           jsonb,
    must_change_password boolean NOT NULL DEFAULT false,
    last_login_at   timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX users_tenant_idx ON users (tenant_id);
CREATE INDEX users_role_idx ON users (role);

ALTER TABLE tenants ADD CONSTRAINT tenants_admin_user_fk FOREIGN KEY (admin_user_id) REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE tenants ADD CONSTRAINT tenants_created_by_fk FOREIGN KEY (created_by) REFERENCES users(id) ON DELETE SET NULL;

-- Seed 004's students/teachers/cs_reps/admins and seed 002's users are role profiles of one user.
CREATE TABLE user_profiles (
    user_id        uuid PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    first_name     text,
    last_name      text,
    phone          text,
    qualifications text,
    expertise      text,
    rating         double precision,
    access_level   text,
    approval_limits jsonb,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);

CREATE TABLE user_groups (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    parent_group_id uuid REFERENCES user_groups(id) ON DELETE SET NULL,
    name            text NOT NULL,
    description     text,
    quota           jsonb,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX user_groups_parent_idx ON user_groups (parent_group_id);

CREATE TABLE user_group_members (
    id        uuid PRIMARY KEY,
    group_id  uuid NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
    user_id   uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    joined_at timestamptz NOT NULL,
    UNIQUE (group_id, user_id)
);
CREATE INDEX user_group_members_user_idx ON user_group_members (user_id);

CREATE TABLE permissions (
    id          uuid PRIMARY KEY,
    resource    text NOT NULL,
    action      text NOT NULL CHECK (action IN ('create','read','update','delete','manage','execute')),
    name        text NOT NULL UNIQUE,
    description text,
    created_at  timestamptz NOT NULL,
    UNIQUE (resource, action)
);

CREATE TABLE role_permissions (
    id            uuid PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    permission_id uuid NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    UNIQUE (role, permission_id)
);

-- Seed 003 admin_roles.permissions: per-user grants or denials on top of the role.
CREATE TABLE user_permission_overrides (
    user_id       uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission_id uuid NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    effect        text NOT NULL CHECK (effect IN ('allow','deny')),
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (user_id, permission_id)
);

CREATE TABLE audit_log (
    id           uuid PRIMARY KEY,
    at           timestamptz NOT NULL,
    actor_id     uuid REFERENCES users(id) ON DELETE SET NULL,
    actor_name   text NOT NULL,
    actor_role   text,
    action       text NOT NULL,
    entity_type  text NOT NULL,
    entity_id    text,
    outcome      text NOT NULL CHECK (outcome IN ('success','failure','denied','error')),
    message      text,
    details      jsonb,
    source       text NOT NULL,
    ip_address   text,
    user_agent   text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id);

CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      jsonb NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid REFERENCES users(id) ON DELETE SET NULL
);

CREATE TABLE invitations (
    id               uuid PRIMARY KEY,
    email            text,
    handle           text,
    role             text NOT NULL CHECK (role IN ('admin','operator','teacher','student','support','approver','viewer')),
    tenant_id        uuid REFERENCES tenants(id) ON DELETE SET NULL,
    invited_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    token_hash       text NOT NULL UNIQUE,
    expires_at       timestamptz NOT NULL,
    created_at       timestamptz NOT NULL,
    accepted_at      timestamptz,
    accepted_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
    revoked_at       timestamptz,
    CHECK (email IS NOT NULL OR handle IS NOT NULL)
);
CREATE INDEX invitations_pending_idx ON invitations (expires_at) WHERE accepted_at IS NULL AND revoked_at IS NULL;

CREATE TABLE notifications (
    id          uuid PRIMARY KEY,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    title       text NOT NULL,
    body        text,
    kind        text NOT NULL DEFAULT 'info',
    entity_type text,
    entity_id   text,
    read_at     timestamptz,
    created_at  timestamptz NOT NULL
);
CREATE INDEX notifications_user_idx ON notifications (user_id, read_at);

-- Login throttling shared by every console on this database (key: "user:<name>" or "src:<addr>").
CREATE TABLE login_throttle (
    key           text PRIMARY KEY,
    failures      bigint NOT NULL,
    first_failure timestamptz NOT NULL,
    blocked_until timestamptz
);

-- Per-domain revision counters: a cheap "did anything change?" check for open consoles.
CREATE TABLE revisions (
    domain text PRIMARY KEY,
    rev    bigint NOT NULL
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
