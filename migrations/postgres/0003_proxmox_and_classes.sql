-- Proxmox inventory and classes (seed 000). Guest rows are a cache of /cluster/resources
-- written by the one poller that holds a cluster's lease; Proxmox stays the source of truth.
-- Byte sizes from Proxmox stay in bytes (`mem`, `maxmem`, `disk`, `maxdisk`, `size_bytes`).

-- Seed 000 CLUSTER (+ what a real API client needs: token, TLS pinning, poll interval).
CREATE TABLE pve_clusters (
    id                     uuid PRIMARY KEY,
    cluster_key            text NOT NULL UNIQUE,
    name                   text NOT NULL,
    host                   text NOT NULL,
    port                   bigint NOT NULL DEFAULT 8006 CHECK (port BETWEEN 1 AND 65535),
    is_default             boolean NOT NULL DEFAULT false,
    is_active              boolean NOT NULL DEFAULT true,
    api_token_id           text,
    api_token_secret       text,
    tls_fingerprint_sha256 text,
    ca_pem                 text,
    poll_interval_secs     bigint NOT NULL DEFAULT 5 CHECK (poll_interval_secs >= 1),
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    CHECK ((api_token_id IS NULL) = (api_token_secret IS NULL))
);
CREATE UNIQUE INDEX pve_clusters_one_default ON pve_clusters (is_default) WHERE is_default;

-- Nodes of a cluster, from /nodes (no seed entity; the guest list needs node state).
CREATE TABLE pve_nodes (
    id         uuid PRIMARY KEY,
    cluster_id uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    name       text NOT NULL,
    status     text NOT NULL DEFAULT 'unknown' CHECK (status IN ('online','offline','unknown')),
    cpu        double precision,
    maxcpu     double precision,
    mem        bigint,
    maxmem     bigint,
    uptime     bigint,
    updated_at timestamptz NOT NULL,
    UNIQUE (cluster_id, name)
);

-- Seed 000 VM_INVENTORY merged with VM_IP_CACHE (same key: cluster + vmid), synced from /cluster/resources.
CREATE TABLE pve_guests (
    id                      uuid PRIMARY KEY,
    cluster_id              uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    vmid                    bigint NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    guest_type              text NOT NULL CHECK (guest_type IN ('qemu','lxc')),
    node                    text NOT NULL,
    name                    text,
    status                  text NOT NULL DEFAULT 'unknown' CHECK (status IN ('running','stopped','paused','suspended','unknown')),
    is_template             boolean NOT NULL DEFAULT false,
    tags                    text,
    lock                    text,
    pool                    text,
    hastate                 text,
    category                text,
    cpu                     double precision,
    maxcpu                  double precision,
    mem                     bigint,
    memhost                 bigint,
    maxmem                  bigint,
    disk                    bigint,
    maxdisk                 bigint,
    diskread                bigint,
    diskwrite               bigint,
    netin                   bigint,
    netout                  bigint,
    uptime                  bigint,
    ip                      text,
    mac                     text,
    ip_updated_at           timestamptz,
    ssh_available           boolean NOT NULL DEFAULT false,
    rdp_available           boolean NOT NULL DEFAULT false,
    connectivity_checked_at timestamptz,
    sync_error              text,
    last_seen_at            timestamptz NOT NULL,
    created_at              timestamptz NOT NULL,
    updated_at              timestamptz NOT NULL,
    UNIQUE (cluster_id, vmid)
);
CREATE INDEX pve_guests_node_idx ON pve_guests (cluster_id, node);

-- Poller lease and schedule, one row per cluster (no seed entity: one poller per cluster across processes).
CREATE TABLE pve_poll_state (
    cluster_id           uuid PRIMARY KEY REFERENCES pve_clusters(id) ON DELETE CASCADE,
    lease_owner          text,
    lease_expires_at     timestamptz,
    last_poll_at         timestamptz,
    last_success_at      timestamptz,
    last_duration_ms     bigint CHECK (last_duration_ms >= 0),
    last_error           text,
    next_poll_at         timestamptz,
    consecutive_failures bigint NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
    CHECK ((lease_owner IS NULL) = (lease_expires_at IS NULL))
);

-- Proxmox tasks (UPIDs) started or watched by labdeck (no seed entity).
CREATE TABLE pve_tasks (
    id          uuid PRIMARY KEY,
    upid        text NOT NULL UNIQUE,
    cluster_id  uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    node        text NOT NULL,
    task_type   text NOT NULL,
    vmid        bigint,
    pve_user    text,
    status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running','stopped','unknown')),
    exit_status text,
    progress    double precision CHECK (progress BETWEEN 0 AND 1),
    started_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    started_at  timestamptz NOT NULL,
    ended_at    timestamptz,
    updated_at  timestamptz NOT NULL
);
CREATE INDEX pve_tasks_cluster_idx ON pve_tasks (cluster_id, started_at);
CREATE INDEX pve_tasks_running_idx ON pve_tasks (cluster_id) WHERE status = 'running';
CREATE INDEX pve_tasks_started_by_idx ON pve_tasks (started_by);

-- Seed 000 ISO_IMAGE.
CREATE TABLE iso_images (
    id         uuid PRIMARY KEY,
    cluster_id uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE CASCADE,
    volid      text NOT NULL,
    name       text NOT NULL,
    size_bytes bigint CHECK (size_bytes >= 0),
    node       text NOT NULL,
    storage    text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    UNIQUE (cluster_id, volid)
);

-- Seed 000 TEMPLATE (Proxmox VM templates; class_id gets its foreign key after `classes`).
CREATE TABLE vm_templates (
    id                   uuid PRIMARY KEY,
    cluster_id           uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    class_id             uuid,
    original_template_id uuid REFERENCES vm_templates(id) ON DELETE SET NULL,
    created_by           uuid REFERENCES users(id) ON DELETE SET NULL,
    name                 text NOT NULL,
    vmid                 bigint NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    node                 text NOT NULL,
    is_replica           boolean NOT NULL DEFAULT false,
    source_vmid          bigint,
    source_node          text,
    cpu_cores            bigint CHECK (cpu_cores >= 1),
    cpu_sockets          bigint CHECK (cpu_sockets >= 1),
    memory_mb            bigint CHECK (memory_mb >= 0),
    disk_size_gb         double precision CHECK (disk_size_gb >= 0),
    disk_storage         text,
    disk_path            text,
    disk_format          text,
    network_bridge       text,
    os_type              text,
    last_verified_at     timestamptz,
    archived_at          timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
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
    id                         uuid PRIMARY KEY,
    instance_set_id            uuid NOT NULL UNIQUE REFERENCES instance_sets(id) ON DELETE RESTRICT,
    group_id                   uuid NOT NULL UNIQUE REFERENCES user_groups(id) ON DELETE RESTRICT,
    template_id                uuid REFERENCES vm_templates(id) ON DELETE RESTRICT,
    deployment_cluster_id      uuid REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    deployment_node            text,
    pool_size                  bigint NOT NULL DEFAULT 0 CHECK (pool_size >= 0),
    cpu_cores                  bigint NOT NULL DEFAULT 1 CHECK (cpu_cores >= 1),
    memory_mb                  bigint NOT NULL DEFAULT 2048 CHECK (memory_mb >= 16),
    disk_size_gb               bigint NOT NULL DEFAULT 32 CHECK (disk_size_gb >= 1),
    vmid_prefix                bigint UNIQUE CHECK (vmid_prefix >= 1),
    allowed_start_minute       bigint CHECK (allowed_start_minute BETWEEN 0 AND 1439),
    allowed_end_minute         bigint CHECK (allowed_end_minute BETWEEN 0 AND 1439),
    time_zone                  text NOT NULL DEFAULT 'UTC',
    auto_shutdown_enabled      boolean NOT NULL DEFAULT false,
    auto_shutdown_cpu_percent  double precision NOT NULL DEFAULT 5 CHECK (auto_shutdown_cpu_percent BETWEEN 0 AND 100),
    auto_shutdown_idle_minutes bigint NOT NULL DEFAULT 30 CHECK (auto_shutdown_idle_minutes >= 1),
    max_usage_hours            bigint CHECK (max_usage_hours >= 1),
    archived_at                timestamptz,
    created_at                 timestamptz NOT NULL,
    updated_at                 timestamptz NOT NULL,
    CHECK ((allowed_start_minute IS NULL) = (allowed_end_minute IS NULL)),
    CHECK (allowed_start_minute <> allowed_end_minute),
    FOREIGN KEY (instance_set_id, group_id) REFERENCES instance_sets(id, user_group_id)
);
CREATE INDEX classes_template_idx ON classes (template_id);
CREATE INDEX classes_cluster_idx ON classes (deployment_cluster_id);

ALTER TABLE vm_templates ADD CONSTRAINT vm_templates_class_fk
    FOREIGN KEY (class_id) REFERENCES classes(id) ON DELETE SET NULL;

-- Seed 000 CLASS.join_token / token_expires_at / token_never_expires: only a hash is stored.
CREATE TABLE class_join_tokens (
    id          uuid PRIMARY KEY,
    class_id    uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    token_hash  text NOT NULL UNIQUE,
    token_hint  text NOT NULL,
    expires_at  timestamptz,
    disabled_at timestamptz,
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX class_join_tokens_class_idx ON class_join_tokens (class_id);
CREATE INDEX class_join_tokens_created_by_idx ON class_join_tokens (created_by);

-- Seed 000 CLASS_ENROLLMENT (the student is also a member of classes.group_id).
CREATE TABLE class_enrollments (
    id          uuid PRIMARY KEY,
    class_id    uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    token_id    uuid REFERENCES class_join_tokens(id) ON DELETE SET NULL,
    enrolled_at timestamptz NOT NULL,
    UNIQUE (class_id, user_id)
);
CREATE INDEX class_enrollments_user_idx ON class_enrollments (user_id);
CREATE INDEX class_enrollments_token_idx ON class_enrollments (token_id);

-- Seed 000 CLASS_CO_OWNER.
CREATE TABLE class_co_owners (
    class_id uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id  uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_by uuid REFERENCES users(id) ON DELETE SET NULL,
    added_at timestamptz NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX class_co_owners_user_idx ON class_co_owners (user_id);
CREATE INDEX class_co_owners_added_by_idx ON class_co_owners (added_by);

-- Students waiting for a seat when a class pool is full (no seed entity).
CREATE TABLE class_waitlist (
    id           uuid PRIMARY KEY,
    class_id     uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    status       text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting','admitted','cancelled')),
    requested_at timestamptz NOT NULL,
    resolved_at  timestamptz,
    UNIQUE (class_id, user_id),
    CHECK ((status = 'waiting') = (resolved_at IS NULL))
);
CREATE INDEX class_waitlist_queue_idx ON class_waitlist (class_id, requested_at) WHERE status = 'waiting';
CREATE INDEX class_waitlist_user_idx ON class_waitlist (user_id);

-- Seed 000 VM_ASSIGNMENT: the VMs of a class pool (or directly assigned VMs when class_id is NULL).
CREATE TABLE class_vms (
    id                  uuid PRIMARY KEY,
    class_id            uuid REFERENCES classes(id) ON DELETE RESTRICT,
    cluster_id          uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    instance_id         uuid UNIQUE REFERENCES instances(id) ON DELETE SET NULL,
    assigned_user_id    uuid REFERENCES users(id) ON DELETE SET NULL,
    vmid                bigint NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    node                text NOT NULL,
    vm_name             text NOT NULL,
    mac                 text,
    role                text NOT NULL DEFAULT 'student' CHECK (role IN ('teacher','base','student')),
    status              text NOT NULL DEFAULT 'available' CHECK (status IN ('available','assigned','deleting')),
    manually_added      boolean NOT NULL DEFAULT false,
    usage_seconds       bigint NOT NULL DEFAULT 0 CHECK (usage_seconds >= 0),
    usage_last_reset_at timestamptz,
    assigned_at         timestamptz,
    deleted_at          timestamptz,
    created_at          timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL
);
CREATE UNIQUE INDEX class_vms_live_vmid_key ON class_vms (cluster_id, vmid) WHERE deleted_at IS NULL;
CREATE UNIQUE INDEX class_vms_one_base ON class_vms (class_id) WHERE role = 'base' AND deleted_at IS NULL;
CREATE INDEX class_vms_cluster_idx ON class_vms (cluster_id, vmid);
CREATE INDEX class_vms_class_idx ON class_vms (class_id, status);
CREATE INDEX class_vms_user_idx ON class_vms (assigned_user_id);

-- Persisted deployment plan of a class pool, so a deployment resumes after a restart (no seed entity).
CREATE TABLE class_deploy_steps (
    id         uuid PRIMARY KEY,
    class_id   uuid NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    cluster_id uuid NOT NULL REFERENCES pve_clusters(id) ON DELETE RESTRICT,
    node       text NOT NULL,
    vmid       bigint NOT NULL CHECK (vmid BETWEEN 100 AND 999999999),
    seq        bigint NOT NULL CHECK (seq >= 0),
    step_kind  text NOT NULL CHECK (step_kind IN ('clone','configure','resize_disk','start','stop','snapshot','rollback','convert_template','delete','register')),
    params     jsonb,
    status     text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','running','done','failed','skipped','cancelled')),
    attempts   bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    upid       text,
    error      text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX class_deploy_steps_open_idx ON class_deploy_steps (class_id, seq) WHERE status IN ('pending','running');
CREATE INDEX class_deploy_steps_class_idx ON class_deploy_steps (class_id, vmid);
CREATE INDEX class_deploy_steps_cluster_idx ON class_deploy_steps (cluster_id);
