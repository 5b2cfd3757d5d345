-- Infrastructure inventory (seeds 001 and 002): sites, pools, machines, VMs, storage,
-- images, instance templates, instances, instance sets, VPC/subnets/places, IPAM, cloud boxes.
-- Sizes are integers in one fixed unit named by the column suffix: memory in MiB (`*_mb`),
-- machine/pool/VM storage in GiB (`*_gb`), disks, partitions and images in MiB (`size_mb`).
-- Seed 002's `unit` table is folded into that suffix at import (1 GB = 1024 MB, rounded up).

-- Seed 002 cloud_provider.
CREATE TABLE cloud_providers (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Seed 001 EdgeDataCenter merged with seed 002 data_center.
CREATE TABLE sites (
    id               uuid PRIMARY KEY,
    provider_id      uuid REFERENCES cloud_providers(id) ON DELETE RESTRICT,
    name             text NOT NULL UNIQUE,
    location         text,
    status           text NOT NULL DEFAULT 'active' CHECK (status IN ('active','offline','maintenance')),
    network_config   jsonb,
    total_cpu_cores  bigint NOT NULL DEFAULT 0 CHECK (total_cpu_cores >= 0),
    total_memory_mb  bigint NOT NULL DEFAULT 0 CHECK (total_memory_mb >= 0),
    total_storage_gb bigint NOT NULL DEFAULT 0 CHECK (total_storage_gb >= 0),
    total_gpu_count  bigint NOT NULL DEFAULT 0 CHECK (total_gpu_count >= 0),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX sites_provider_idx ON sites (provider_id);

-- Seed 001 ResourcePool merged with seed 002 cloud_pool.
CREATE TABLE resource_pools (
    id                     uuid PRIMARY KEY,
    site_id                uuid NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,
    name                   text NOT NULL,
    description            text,
    pool_type              text NOT NULL DEFAULT 'compute' CHECK (pool_type IN ('compute','storage','ip_address')),
    scheduling_policy      text NOT NULL DEFAULT 'load_balance',
    status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active','maintenance','disabled')),
    total_cpu_cores        bigint NOT NULL DEFAULT 0 CHECK (total_cpu_cores >= 0),
    total_memory_mb        bigint NOT NULL DEFAULT 0 CHECK (total_memory_mb >= 0),
    total_storage_gb       bigint NOT NULL DEFAULT 0 CHECK (total_storage_gb >= 0),
    total_gpu_count        bigint NOT NULL DEFAULT 0 CHECK (total_gpu_count >= 0),
    allocated_cpu_cores    bigint NOT NULL DEFAULT 0 CHECK (allocated_cpu_cores >= 0),
    allocated_memory_mb    bigint NOT NULL DEFAULT 0 CHECK (allocated_memory_mb >= 0),
    allocated_storage_gb   bigint NOT NULL DEFAULT 0 CHECK (allocated_storage_gb >= 0),
    allocated_gpu_count    bigint NOT NULL DEFAULT 0 CHECK (allocated_gpu_count >= 0),
    ip_pool_config         jsonb,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    UNIQUE (site_id, name)
);

-- Seed 001 Vpc.
CREATE TABLE vpcs (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    user_id     uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    site_id     uuid REFERENCES sites(id) ON DELETE SET NULL,
    name        text NOT NULL,
    description text,
    cidr_block  text NOT NULL,
    vlan_id     bigint,
    enable_dns  boolean NOT NULL DEFAULT true,
    dns_servers jsonb,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled','deleted')),
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX vpcs_user_idx ON vpcs (user_id);
CREATE INDEX vpcs_site_idx ON vpcs (site_id);
CREATE INDEX vpcs_created_by_idx ON vpcs (created_by);
CREATE INDEX vpcs_updated_by_idx ON vpcs (updated_by);

-- Seed 001 Subnet (also the single home of the ResourcePool <-> Subnet 1:1 link).
CREATE TABLE subnets (
    id                uuid PRIMARY KEY,
    vpc_id            uuid NOT NULL REFERENCES vpcs(id) ON DELETE CASCADE,
    ip_pool_id        uuid UNIQUE REFERENCES resource_pools(id) ON DELETE SET NULL,
    name              text NOT NULL,
    cidr_block        text NOT NULL,
    availability_zone text,
    gateway           text,
    vlan_id           bigint,
    is_public         boolean NOT NULL DEFAULT false,
    auto_assign_ip    boolean NOT NULL DEFAULT true,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
    created_by        uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_by        uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (vpc_id, cidr_block)
);
CREATE INDEX subnets_created_by_idx ON subnets (created_by);
CREATE INDEX subnets_updated_by_idx ON subnets (updated_by);

-- Seed 001 Place.
CREATE TABLE places (
    id          uuid PRIMARY KEY,
    tenant_id   uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    subnet_id   uuid UNIQUE REFERENCES subnets(id) ON DELETE SET NULL,
    name        text NOT NULL,
    description text,
    location    text,
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive','disabled')),
    created_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE INDEX places_created_by_idx ON places (created_by);
CREATE INDEX places_updated_by_idx ON places (updated_by);

-- Seed 001 ComputeMachine.
CREATE TABLE compute_machines (
    id                   uuid PRIMARY KEY,
    site_id              uuid NOT NULL REFERENCES sites(id) ON DELETE RESTRICT,
    resource_pool_id     uuid NOT NULL REFERENCES resource_pools(id) ON DELETE RESTRICT,
    hostname             text NOT NULL,
    name                 text NOT NULL,
    machine_type         text NOT NULL CHECK (machine_type IN ('cpu_server','pc_farm','gpu_server')),
    rental_mode          text NOT NULL CHECK (rental_mode IN ('exclusive','shared')),
    hypervisor_type      text NOT NULL CHECK (hypervisor_type IN ('kvm','vmware','hyper_v')),
    cpu_cores            bigint NOT NULL CHECK (cpu_cores >= 0),
    memory_mb            bigint NOT NULL CHECK (memory_mb >= 0),
    storage_gb           bigint NOT NULL CHECK (storage_gb >= 0),
    gpu_count            bigint NOT NULL DEFAULT 0 CHECK (gpu_count >= 0),
    gpu_model            text,
    management_ip        text NOT NULL,
    business_ip          text,
    allocated_cpu_cores  bigint NOT NULL DEFAULT 0 CHECK (allocated_cpu_cores >= 0),
    allocated_memory_mb  bigint NOT NULL DEFAULT 0 CHECK (allocated_memory_mb >= 0),
    allocated_storage_gb bigint NOT NULL DEFAULT 0 CHECK (allocated_storage_gb >= 0),
    allocated_gpu_count  bigint NOT NULL DEFAULT 0 CHECK (allocated_gpu_count >= 0),
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active','maintenance','offline','decommissioning')),
    health_status        text NOT NULL DEFAULT 'healthy' CHECK (health_status IN ('healthy','warning','critical')),
    connection_config    jsonb,
    tags                 jsonb,
    last_heartbeat_at    timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL,
    UNIQUE (site_id, management_ip),
    UNIQUE (site_id, business_ip)
);
CREATE INDEX compute_machines_pool_idx ON compute_machines (resource_pool_id);

-- Seed 002 operating_system.
CREATE TABLE operating_systems (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL
);

-- Seed 001 Image.
CREATE TABLE images (
    id                    uuid PRIMARY KEY,
    tenant_id             uuid REFERENCES tenants(id) ON DELETE RESTRICT,
    owner_id              uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    name                  text NOT NULL,
    description           text,
    image_type            text NOT NULL CHECK (image_type IN ('os_base','application_layer','custom')),
    base_os               text,
    os_version            text,
    architecture          text,
    size_mb               bigint CHECK (size_mb >= 0),
    min_cpu_cores         bigint,
    min_memory_mb         bigint,
    min_storage_gb        bigint,
    recommended_cpu_cores bigint,
    recommended_memory_mb bigint,
    visibility            text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public','private','group_specific')),
    status                text NOT NULL DEFAULT 'active' CHECK (status IN ('active','deprecated','archived')),
    file_server_id        uuid,
    file_path             text,
    checksum_md5          text,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX images_global_name_key ON images (name) WHERE tenant_id IS NULL;
CREATE INDEX images_owner_idx ON images (owner_id);

-- Seed 001 ImageVersion.
CREATE TABLE image_versions (
    id                uuid PRIMARY KEY,
    image_id          uuid NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    parent_version_id uuid REFERENCES image_versions(id) ON DELETE SET NULL,
    version_number    text NOT NULL,
    version_name      text,
    is_latest         boolean NOT NULL DEFAULT false,
    is_default        boolean NOT NULL DEFAULT false,
    size_mb           bigint CHECK (size_mb >= 0),
    file_path         text,
    checksum_md5      text,
    release_notes     text,
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active','deprecated','archived')),
    created_by        uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at        timestamptz NOT NULL,
    UNIQUE (image_id, version_number),
    UNIQUE (id, image_id)
);
CREATE UNIQUE INDEX image_versions_one_latest ON image_versions (image_id) WHERE is_latest;
CREATE UNIQUE INDEX image_versions_one_default ON image_versions (image_id) WHERE is_default;
CREATE INDEX image_versions_parent_idx ON image_versions (parent_version_id);
CREATE INDEX image_versions_created_by_idx ON image_versions (created_by);

-- Seed 001 ImageTag (the composite key keeps a tag's version inside the tag's image).
CREATE TABLE image_tags (
    id           uuid PRIMARY KEY,
    image_id     uuid NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    version_id   uuid NOT NULL,
    tag_name     text NOT NULL,
    is_immutable boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    UNIQUE (image_id, tag_name),
    FOREIGN KEY (version_id, image_id) REFERENCES image_versions(id, image_id) ON DELETE CASCADE
);
CREATE INDEX image_tags_version_idx ON image_tags (version_id);

-- Seed 001 Template (instance templates; seed 000 Proxmox templates are `vm_templates`).
CREATE TABLE instance_templates (
    id                     uuid PRIMARY KEY,
    tenant_id              uuid REFERENCES tenants(id) ON DELETE RESTRICT,
    owner_id               uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    base_image_id          uuid REFERENCES images(id) ON DELETE SET NULL,
    name                   text NOT NULL,
    description            text,
    use_case               text CHECK (use_case IN ('ai_application','graphics_rendering','gaming_high_performance','lightweight_office','web_server','database','development','general')),
    template_type          text NOT NULL DEFAULT 'instance' CHECK (template_type IN ('instance','instance_set')),
    default_cpu_cores      bigint NOT NULL CHECK (default_cpu_cores >= 0),
    default_memory_mb      bigint NOT NULL CHECK (default_memory_mb >= 0),
    default_storage_gb     bigint NOT NULL CHECK (default_storage_gb >= 0),
    default_gpu_count      bigint NOT NULL DEFAULT 0 CHECK (default_gpu_count >= 0),
    default_bandwidth_gbps double precision,
    network_config         jsonb,
    user_data              text,
    tags                   jsonb,
    visibility             text NOT NULL DEFAULT 'private' CHECK (visibility IN ('public','private','group_specific')),
    version                text NOT NULL DEFAULT 'v1.0.0',
    status                 text NOT NULL DEFAULT 'active' CHECK (status IN ('active','deprecated','archived')),
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    UNIQUE (tenant_id, name)
);
CREATE UNIQUE INDEX instance_templates_global_name_key ON instance_templates (name) WHERE tenant_id IS NULL;
CREATE INDEX instance_templates_owner_idx ON instance_templates (owner_id);
CREATE INDEX instance_templates_base_image_idx ON instance_templates (base_image_id);

-- Seed 001 TemplateVersion.
CREATE TABLE instance_template_versions (
    id              uuid PRIMARY KEY,
    template_id     uuid NOT NULL REFERENCES instance_templates(id) ON DELETE CASCADE,
    version_number  text NOT NULL,
    is_latest       boolean NOT NULL DEFAULT false,
    config_snapshot jsonb NOT NULL,
    changelog       text,
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    UNIQUE (template_id, version_number)
);
CREATE UNIQUE INDEX instance_template_versions_one_latest ON instance_template_versions (template_id) WHERE is_latest;
CREATE INDEX instance_template_versions_created_by_idx ON instance_template_versions (created_by);

-- Seed 001 Instance ('deleted' added: instances are soft-deleted so history stays).
CREATE TABLE instances (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    user_id            uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    template_id        uuid REFERENCES instance_templates(id) ON DELETE SET NULL,
    resource_pool_id   uuid REFERENCES resource_pools(id) ON DELETE SET NULL,
    compute_machine_id uuid REFERENCES compute_machines(id) ON DELETE SET NULL,
    name               text NOT NULL,
    status             text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating','starting','running','stopping','stopped','error','deleted')),
    config             jsonb,
    rental_mode        text CHECK (rental_mode IN ('exclusive','shared')),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX instances_tenant_idx ON instances (tenant_id);
CREATE INDEX instances_user_idx ON instances (user_id);
CREATE INDEX instances_template_idx ON instances (template_id);
CREATE INDEX instances_pool_idx ON instances (resource_pool_id);
CREATE INDEX instances_machine_idx ON instances (compute_machine_id);

-- Seed 001 VirtualMachine merged with seed 002 virtual_machine.
CREATE TABLE virtual_machines (
    id                 uuid PRIMARY KEY,
    compute_machine_id uuid REFERENCES compute_machines(id) ON DELETE RESTRICT,
    resource_pool_id   uuid REFERENCES resource_pools(id) ON DELETE RESTRICT,
    instance_id        uuid UNIQUE REFERENCES instances(id) ON DELETE SET NULL,
    owner_id           uuid REFERENCES users(id) ON DELETE SET NULL,
    os_id              uuid REFERENCES operating_systems(id) ON DELETE SET NULL,
    vm_uuid            text UNIQUE,
    name               text NOT NULL,
    instance_type      text,
    custom_os          text,
    cpu_cores          bigint NOT NULL DEFAULT 0 CHECK (cpu_cores >= 0),
    memory_mb          bigint NOT NULL DEFAULT 0 CHECK (memory_mb >= 0),
    storage_gb         bigint NOT NULL DEFAULT 0 CHECK (storage_gb >= 0),
    gpu_count          bigint NOT NULL DEFAULT 0 CHECK (gpu_count >= 0),
    status             text NOT NULL DEFAULT 'creating' CHECK (status IN ('creating','starting','running','stopping','stopped','restarting','error','deleted','unknown')),
    ip_address         text,
    mac_address        text,
    config             jsonb,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX virtual_machines_machine_idx ON virtual_machines (compute_machine_id);
CREATE INDEX virtual_machines_pool_idx ON virtual_machines (resource_pool_id);
CREATE INDEX virtual_machines_owner_idx ON virtual_machines (owner_id);
CREATE INDEX virtual_machines_os_idx ON virtual_machines (os_id);

-- Seed 002 storage_device.
CREATE TABLE storage_devices (
    id               uuid PRIMARY KEY,
    resource_pool_id uuid NOT NULL REFERENCES resource_pools(id) ON DELETE RESTRICT,
    name             text NOT NULL,
    capacity_gb      bigint NOT NULL DEFAULT 0 CHECK (capacity_gb >= 0),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
CREATE INDEX storage_devices_pool_idx ON storage_devices (resource_pool_id);

-- Seed 002 disk.
CREATE TABLE disks (
    id                 uuid PRIMARY KEY,
    virtual_machine_id uuid NOT NULL REFERENCES virtual_machines(id) ON DELETE CASCADE,
    storage_device_id  uuid NOT NULL REFERENCES storage_devices(id) ON DELETE RESTRICT,
    size_mb            bigint NOT NULL CHECK (size_mb >= 0),
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);
CREATE INDEX disks_vm_idx ON disks (virtual_machine_id);
CREATE INDEX disks_storage_device_idx ON disks (storage_device_id);

-- Seed 002 partition.
CREATE TABLE partitions (
    id         uuid PRIMARY KEY,
    disk_id    uuid NOT NULL REFERENCES disks(id) ON DELETE CASCADE,
    size_mb    bigint NOT NULL CHECK (size_mb >= 0),
    filesystem text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX partitions_disk_idx ON partitions (disk_id);

-- Seed 002 system.
CREATE TABLE systems (
    id          uuid PRIMARY KEY,
    name        text NOT NULL,
    description text,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- Seed 002 system_virtual_machine.
CREATE TABLE system_virtual_machines (
    system_id          uuid NOT NULL REFERENCES systems(id) ON DELETE CASCADE,
    virtual_machine_id uuid NOT NULL REFERENCES virtual_machines(id) ON DELETE CASCADE,
    PRIMARY KEY (system_id, virtual_machine_id)
);
CREATE INDEX system_virtual_machines_vm_idx ON system_virtual_machines (virtual_machine_id);

-- Seed 001 IpAddress merged with seed 002 ip_address (one address per row).
CREATE TABLE ip_addresses (
    id                 uuid PRIMARY KEY,
    address            text NOT NULL,
    family             text NOT NULL CHECK (family IN ('ipv4','ipv6')),
    ip_pool_id         uuid REFERENCES resource_pools(id) ON DELETE RESTRICT,
    subnet_id          uuid REFERENCES subnets(id) ON DELETE RESTRICT,
    instance_id        uuid REFERENCES instances(id) ON DELETE SET NULL,
    virtual_machine_id uuid REFERENCES virtual_machines(id) ON DELETE SET NULL,
    vlan               text,
    status             text NOT NULL DEFAULT 'available' CHECK (status IN ('available','allocated','reserved','frozen')),
    mac_address        text,
    allocated_at       timestamptz,
    allocated_by       uuid REFERENCES users(id) ON DELETE SET NULL,
    lease_expires_at   timestamptz,
    is_range_start     boolean NOT NULL DEFAULT false,
    range_size         bigint NOT NULL DEFAULT 1 CHECK (range_size >= 1),
    tags               jsonb,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    UNIQUE (subnet_id, address)
);
CREATE INDEX ip_addresses_address_idx ON ip_addresses (address);
CREATE INDEX ip_addresses_pool_idx ON ip_addresses (ip_pool_id, status);
CREATE INDEX ip_addresses_instance_idx ON ip_addresses (instance_id);
CREATE INDEX ip_addresses_vm_idx ON ip_addresses (virtual_machine_id);
CREATE INDEX ip_addresses_allocated_by_idx ON ip_addresses (allocated_by);

-- Seed 001 CloudBox (thin clients).
CREATE TABLE cloud_boxes (
    id                        uuid PRIMARY KEY,
    site_id                   uuid REFERENCES sites(id) ON DELETE SET NULL,
    subnet_id                 uuid REFERENCES subnets(id) ON DELETE SET NULL,
    temporary_instance_id     uuid REFERENCES instances(id) ON DELETE SET NULL,
    assigned_user_id          uuid REFERENCES users(id) ON DELETE SET NULL,
    name                      text NOT NULL,
    serial_number             text NOT NULL UNIQUE,
    status                    text NOT NULL DEFAULT 'initializing' CHECK (status IN ('online','offline','initializing','maintenance','error')),
    ip_address                text,
    mac_address               text,
    firmware_version          text,
    model                     text,
    manufacturer              text,
    hardware_config           jsonb,
    location                  text,
    tags                      jsonb,
    network_mode              text,
    gateway                   text,
    subnet_mask               text,
    dns_servers               jsonb,
    is_disabled               boolean NOT NULL DEFAULT false,
    temporary_bind_expires_at timestamptz,
    cpu_usage_percent         double precision,
    memory_usage_percent      double precision,
    disk_usage_percent        double precision,
    temperature               double precision,
    uptime_seconds            bigint,
    last_boot_at              timestamptz,
    last_heartbeat_at         timestamptz,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL
);
CREATE INDEX cloud_boxes_site_idx ON cloud_boxes (site_id);
CREATE INDEX cloud_boxes_subnet_idx ON cloud_boxes (subnet_id);
CREATE INDEX cloud_boxes_instance_idx ON cloud_boxes (temporary_instance_id);
CREATE INDEX cloud_boxes_user_idx ON cloud_boxes (assigned_user_id);

-- Seed 001 PrivateDataDisk.
CREATE TABLE private_data_disks (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    user_id         uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    name            text NOT NULL,
    size_gb         bigint NOT NULL CHECK (size_gb > 0),
    disk_type       text NOT NULL DEFAULT 'standard' CHECK (disk_type IN ('standard','ssd','nvme')),
    status          text NOT NULL DEFAULT 'creating' CHECK (status IN ('available','attached','creating','deleting','error')),
    share_mode      text NOT NULL DEFAULT 'exclusive' CHECK (share_mode IN ('exclusive','shared')),
    max_attachments bigint NOT NULL DEFAULT 1 CHECK (max_attachments >= 1),
    rbd_image_name  text NOT NULL UNIQUE,
    rbd_pool        text NOT NULL DEFAULT 'private-data-disks',
    created_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_by      uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX private_data_disks_tenant_idx ON private_data_disks (tenant_id);
CREATE INDEX private_data_disks_user_idx ON private_data_disks (user_id);
CREATE INDEX private_data_disks_created_by_idx ON private_data_disks (created_by);
CREATE INDEX private_data_disks_updated_by_idx ON private_data_disks (updated_by);

-- Seed 001 InstancePrivateDataDiskAttachment.
CREATE TABLE private_data_disk_attachments (
    id          uuid PRIMARY KEY,
    instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    disk_id     uuid NOT NULL REFERENCES private_data_disks(id) ON DELETE CASCADE,
    mount_path  text NOT NULL,
    mount_mode  text NOT NULL DEFAULT 'rw' CHECK (mount_mode IN ('rw','ro')),
    status      text NOT NULL DEFAULT 'attaching' CHECK (status IN ('attaching','attached','detaching','failed')),
    attached_by uuid REFERENCES users(id) ON DELETE SET NULL,
    attached_at timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    UNIQUE (instance_id, disk_id)
);
CREATE INDEX private_data_disk_attachments_disk_idx ON private_data_disk_attachments (disk_id);
CREATE INDEX private_data_disk_attachments_attached_by_idx ON private_data_disk_attachments (attached_by);

-- Seed 001 InstanceSet (a seed 000 class is one of type 'training'; (id, user_group_id) is unique so a class can pin its group).
CREATE TABLE instance_sets (
    id            uuid PRIMARY KEY,
    tenant_id     uuid NOT NULL REFERENCES tenants(id) ON DELETE RESTRICT,
    owner_id      uuid NOT NULL REFERENCES users(id) ON DELETE RESTRICT,
    user_group_id uuid REFERENCES user_groups(id) ON DELETE SET NULL,
    name          text NOT NULL,
    description   text,
    set_type      text NOT NULL DEFAULT 'project' CHECK (set_type IN ('project','department','application','training','custom')),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active','archived','deleted')),
    tags          jsonb,
    created_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    updated_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (id, user_group_id)
);
CREATE INDEX instance_sets_owner_idx ON instance_sets (owner_id);
CREATE INDEX instance_sets_group_idx ON instance_sets (user_group_id);
CREATE INDEX instance_sets_created_by_idx ON instance_sets (created_by);
CREATE INDEX instance_sets_updated_by_idx ON instance_sets (updated_by);

-- Seed 001 InstanceSetMember.
CREATE TABLE instance_set_members (
    id          uuid PRIMARY KEY,
    set_id      uuid NOT NULL REFERENCES instance_sets(id) ON DELETE CASCADE,
    instance_id uuid NOT NULL REFERENCES instances(id) ON DELETE CASCADE,
    role        text NOT NULL DEFAULT 'member',
    added_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    joined_at   timestamptz NOT NULL,
    UNIQUE (set_id, instance_id)
);
CREATE INDEX instance_set_members_instance_idx ON instance_set_members (instance_id);
CREATE INDEX instance_set_members_added_by_idx ON instance_set_members (added_by);
