-- Proxmox inventory and classes (seed 000). Guest rows are a cache of /cluster/resources
-- written by the one poller that holds a cluster's lease; Proxmox stays the source of truth.
-- Byte sizes from Proxmox stay in bytes (`mem`, `maxmem`, `disk`, `maxdisk`, `size_bytes`).

-- Seed 000 CLUSTER (+ what a real API client needs: token, TLS pinning, poll interval).
CREATE TABLE pve_clusters (
    id                     BLOB PRIMARY KEY,
    cluster_key            TEXT NOT NULL UNIQUE,
    name                   TEXT NOT NULL,
    host                   TEXT NOT NULL,
    port                   INTEGER NOT NULL DEFAULT 8006 CHECK (port BETWEEN 1 AND 65535),
    is_default             BOOLEAN NOT NULL DEFAULT false,
    is_active              BOOLEAN NOT NULL DEFAULT true,
    api_token_id           TEXT,
    api_token_secret       TEXT,
    tls_fingerprint_sha256 TEXT,
    ca_pem                 TEXT,
    poll_interval_secs     INTEGER NOT NULL DEFAULT 5 CHECK (poll_interval_secs >= 1),
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    CHECK ((api_token_id IS NULL) = (api_token_secret IS NULL))
);
CREATE UNIQUE INDEX pve_clusters_one_default ON pve_clusters (is_default) WHERE is_default;

-- Nodes of a cluster, from /nodes (no seed entity; the guest list needs node state).
CREATE TABLE pve_nodes (
    id         BLOB PRIMARY KEY,
    cluster_id BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('online','offline','unknown')),
    cpu        REAL,
    maxcpu     REAL,
    mem        INTEGER,
    maxmem     INTEGER,
    uptime     INTEGER,
    updated_at TEXT NOT NULL,
    UNIQUE (cluster_id, name)
);

-- Seed 000 VM_INVENTORY merged with VM_IP_CACHE (same key: cluster + vmid), synced from /cluster/resources.
CREATE TABLE pve_guests (
    id                      BLOB PRIMARY KEY,
    cluster_id              BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    vmid                    INTEGER NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    guest_type              TEXT NOT NULL CHECK (guest_type IN ('qemu','lxc')),
    node                    TEXT NOT NULL,
    name                    TEXT,
    status                  TEXT NOT NULL DEFAULT 'unknown' CHECK (status IN ('running','stopped','paused','suspended','unknown')),
    is_template             BOOLEAN NOT NULL DEFAULT false,
    tags                    TEXT,
    lock                    TEXT,
    pool                    TEXT,
    hastate                 TEXT,
    category                TEXT,
    cpu                     REAL,
    maxcpu                  REAL,
    mem                     INTEGER,
    memhost                 INTEGER,
    maxmem                  INTEGER,
    disk                    INTEGER,
    maxdisk                 INTEGER,
    diskread                INTEGER,
    diskwrite               INTEGER,
    netin                   INTEGER,
    netout                  INTEGER,
    uptime                  INTEGER,
    ip                      TEXT,
    mac                     TEXT,
    ip_updated_at           TEXT,
    ssh_available           BOOLEAN NOT NULL DEFAULT false,
    rdp_available           BOOLEAN NOT NULL DEFAULT false,
    connectivity_checked_at TEXT,
    sync_error              TEXT,
    last_seen_at            TEXT NOT NULL,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL,
    UNIQUE (cluster_id, vmid)
);
CREATE INDEX pve_guests_node_idx ON pve_guests (cluster_id, node);

-- Poller lease and schedule, one row per cluster (no seed entity: one poller per cluster across processes).
CREATE TABLE pve_poll_state (
    cluster_id           BLOB PRIMARY KEY REFERENCES pve_clusters(id) ON DELETE CASCADE,
    lease_owner          TEXT,
    lease_expires_at     TEXT,
    last_poll_at         TEXT,
    last_success_at      TEXT,
    last_duration_ms     INTEGER CHECK (last_duration_ms >= 0),
    last_error           TEXT,
    next_poll_at         TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);

-- Proxmox tasks (UPIDs) started or watched by labdeck (no seed entity).
CREATE TABLE pve_tasks (
    id          BLOB PRIMARY KEY,
    upid        TEXT NOT NULL UNIQUE,
    cluster_id  BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    node        TEXT NOT NULL,
    task_type   TEXT NOT NULL,
    vmid        INTEGER,
    pve_user    TEXT,
    status      TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running','stopped','unknown')),
    exit_status TEXT,
    progress    REAL CHECK (progress BETWEEN 0 AND 1),
    started_by  BLOB REFERENCES users(id) ON DELETE SET NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    updated_at  TEXT NOT NULL
);
CREATE INDEX pve_tasks_cluster_idx ON pve_tasks (cluster_id, started_at);
CREATE INDEX pve_tasks_running_idx ON pve_tasks (cluster_id) WHERE status = 'running';
CREATE INDEX pve_tasks_started_by_idx ON pve_tasks (started_by);

-- Seed 000 ISO_IMAGE.
CREATE TABLE iso_images (
    id         BLOB PRIMARY KEY,
    cluster_id BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    volid      TEXT NOT NULL,
    name       TEXT NOT NULL,
    size_bytes INTEGER CHECK (size_bytes >= 0),
    node       TEXT NOT NULL,
    storage    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (cluster_id, volid)
);

-- Seed 000 TEMPLATE (Proxmox VM templates).
CREATE TABLE vm_templates (
    id                   BLOB PRIMARY KEY,
    cluster_id           BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    class_id             BLOB REFERENCES classes(id) ON DELETE SET NULL,
    original_template_id BLOB REFERENCES vm_templates(id) ON DELETE SET NULL,
    created_by           BLOB REFERENCES users(id) ON DELETE SET NULL,
    name                 TEXT NOT NULL,
    vmid                 INTEGER NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    node                 TEXT NOT NULL,
    is_replica           BOOLEAN NOT NULL DEFAULT false,
    source_vmid          INTEGER,
    source_node          TEXT,
    cpu_cores            INTEGER CHECK (cpu_cores >= 1),
    cpu_sockets          INTEGER CHECK (cpu_sockets >= 1),
    memory_mb            INTEGER CHECK (memory_mb >= 0),
    disk_size_gb         REAL CHECK (disk_size_gb >= 0),
    disk_storage         TEXT,
    disk_path            TEXT,
    disk_format          TEXT,
    network_bridge       TEXT,
    os_type              TEXT,
    last_verified_at     TEXT,
    archived_at          TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
);
CREATE UNIQUE INDEX vm_templates_live_vmid_key ON vm_templates (cluster_id, vmid) WHERE archived_at IS NULL;
CREATE INDEX vm_templates_cluster_idx ON vm_templates (cluster_id, vmid);
CREATE INDEX vm_templates_class_idx ON vm_templates (class_id);
CREATE INDEX vm_templates_original_idx ON vm_templates (original_template_id);
CREATE INDEX vm_templates_created_by_idx ON vm_templates (created_by);

-- Seed 000 CLASS. A class is a seed 001 instance set of type 'training' (name, description and
-- teacher live there) and owns the user group of its students; the composite key keeps
-- classes.group_id equal to instance_sets.user_group_id.
CREATE TABLE classes (
    id                         BLOB PRIMARY KEY,
    instance_set_id            BLOB NOT NULL UNIQUE REFERENCES instance_sets(id) ON DELETE RESTRICT,
    group_id                   BLOB NOT NULL UNIQUE REFERENCES user_groups(id) ON DELETE RESTRICT,
    template_id                BLOB REFERENCES vm_templates(id) ON DELETE RESTRICT,
    deployment_cluster_id      BLOB REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    deployment_node            TEXT,
    pool_size                  INTEGER NOT NULL DEFAULT 0 CHECK (pool_size >= 0),
    cpu_cores                  INTEGER NOT NULL DEFAULT 1 CHECK (cpu_cores >= 1),
    memory_mb                  INTEGER NOT NULL DEFAULT 2048 CHECK (memory_mb >= 16),
    disk_size_gb               INTEGER NOT NULL DEFAULT 32 CHECK (disk_size_gb >= 1),
    vmid_prefix                INTEGER UNIQUE CHECK (vmid_prefix >= 1),
    allowed_start_minute       INTEGER CHECK (allowed_start_minute BETWEEN 0 AND 1439),
    allowed_end_minute         INTEGER CHECK (allowed_end_minute BETWEEN 0 AND 1439),
    time_zone                  TEXT NOT NULL DEFAULT 'UTC',
    auto_shutdown_enabled      BOOLEAN NOT NULL DEFAULT false,
    auto_shutdown_cpu_percent  REAL NOT NULL DEFAULT 5 CHECK (auto_shutdown_cpu_percent BETWEEN 0 AND 100),
    auto_shutdown_idle_minutes INTEGER NOT NULL DEFAULT 30 CHECK (auto_shutdown_idle_minutes >= 1),
    max_usage_hours            INTEGER CHECK (max_usage_hours >= 1),
    archived_at                TEXT,
    created_at                 TEXT NOT NULL,
    updated_at                 TEXT NOT NULL,
    CHECK ((allowed_start_minute IS NULL) = (allowed_end_minute IS NULL)),
    CHECK (allowed_start_minute <> allowed_end_minute),
    FOREIGN KEY (instance_set_id, group_id) REFERENCES instance_sets(id, user_group_id)
);
CREATE INDEX classes_template_idx ON classes (template_id);
CREATE INDEX classes_cluster_idx ON classes (deployment_cluster_id);

-- Seed 000 CLASS.join_token / token_expires_at / token_never_expires: only a hash is stored.
CREATE TABLE class_join_tokens (
    id          BLOB PRIMARY KEY,
    class_id    BLOB NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    token_hash  TEXT NOT NULL UNIQUE,
    token_hint  TEXT NOT NULL,
    expires_at  TEXT,
    disabled_at TEXT,
    created_by  BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX class_join_tokens_class_idx ON class_join_tokens (class_id);
CREATE INDEX class_join_tokens_created_by_idx ON class_join_tokens (created_by);

-- Seed 000 CLASS_ENROLLMENT (the student is also a member of classes.group_id).
CREATE TABLE class_enrollments (
    id          BLOB PRIMARY KEY,
    class_id    BLOB NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_id    BLOB REFERENCES class_join_tokens(id) ON DELETE SET NULL,
    enrolled_at TEXT NOT NULL,
    UNIQUE (class_id, user_id)
);
CREATE INDEX class_enrollments_user_idx ON class_enrollments (user_id);
CREATE INDEX class_enrollments_token_idx ON class_enrollments (token_id);

-- Seed 000 CLASS_CO_OWNER.
CREATE TABLE class_co_owners (
    class_id BLOB NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by BLOB REFERENCES users(id) ON DELETE SET NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_co_owners_user_idx ON class_co_owners (user_id);
CREATE INDEX class_co_owners_added_by_idx ON class_co_owners (added_by);

-- Students waiting for a seat when a class pool is full (no seed entity).
CREATE TABLE class_waitlist (
    id           BLOB PRIMARY KEY,
    class_id     BLOB NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status       TEXT NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','admitted','cancelled')),
    requested_at TEXT NOT NULL,
    resolved_at  TEXT,
    UNIQUE (class_id, user_id),
    CHECK ((status = 'waiting') = (resolved_at IS NULL))
);
CREATE INDEX class_waitlist_queue_idx ON class_waitlist (class_id, requested_at) WHERE status = 'waiting';
CREATE INDEX class_waitlist_user_idx ON class_waitlist (user_id);

-- Seed 000 VM_ASSIGNMENT: the VMs of a class pool (or directly assigned VMs when class_id is NULL).
CREATE TABLE class_vms (
    id                  BLOB PRIMARY KEY,
    class_id            BLOB REFERENCES classes(id) ON DELETE RESTRICT,
    cluster_id          BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    instance_id         BLOB UNIQUE REFERENCES instances(id) ON DELETE SET NULL,
    assigned_user_id    BLOB REFERENCES users(id) ON DELETE SET NULL,
    vmid                INTEGER NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    node                TEXT NOT NULL,
    vm_name             TEXT NOT NULL,
    mac                 TEXT,
    role                TEXT NOT NULL DEFAULT 'student' CHECK (role IN ('teacher','base','student')),
    status              TEXT NOT NULL DEFAULT 'available' CHECK (status IN ('available','assigned','deleting')),
    manually_added      BOOLEAN NOT NULL DEFAULT false,
    usage_seconds       INTEGER NOT NULL DEFAULT 0 CHECK (usage_seconds >= 0),
    usage_last_reset_at TEXT,
    assigned_at         TEXT,
    deleted_at          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE UNIQUE INDEX class_vms_live_vmid_key ON class_vms (cluster_id, vmid) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX class_vms_one_base ON class_vms (class_id) WHERE role = 'base' AND deleted_at IS NULL;
CREATE INDEX class_vms_cluster_idx ON class_vms (cluster_id, vmid);
CREATE INDEX class_vms_class_idx ON class_vms (class_id, status);
CREATE INDEX class_vms_user_idx ON class_vms (assigned_user_id);

-- Persisted deployment plan of a class pool, so a deployment resumes after a restart (no seed entity).
CREATE TABLE class_deploy_steps (
    id         BLOB PRIMARY KEY,
    class_id   BLOB NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    cluster_id BLOB NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    node       TEXT NOT NULL,
    vmid       INTEGER NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    seq        INTEGER NOT NULL CHECK (seq >= 0),
    step_kind  TEXT NOT NULL CHECK (step_kind IN ('clone','configure','resize_disk','start','stop','snapshot','rollback','convert_template','delete','register')),
    params     TEXT,
    status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','done','failed','skipped','cancelled')),
    attempts   INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    upid       TEXT,
    error      TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX class_deploy_steps_open_idx ON class_deploy_steps (class_id, seq) WHERE status IN ('pending','running');
CREATE INDEX class_deploy_steps_class_idx ON class_deploy_steps (class_id, vmid);
CREATE INDEX class_deploy_steps_cluster_idx ON class_deploy_steps (cluster_id);
