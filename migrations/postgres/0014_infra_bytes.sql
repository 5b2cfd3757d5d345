-- Infrastructure (issue 16). Capacities are bytes (`*_bytes`): the console shows GiB/TiB, and
-- seed 002's units are a display concern. What is used or inside (site totals, pool and machine
-- allocations) is computed from the instances and machines, never typed, so those columns go.
-- Instances carry their own size (quota usage is summed from it) and tenants a typed quota
-- (NULL: no limit) instead of free-form JSON.

ALTER TABLE resource_pools RENAME COLUMN total_memory_mb TO total_memory_bytes;
UPDATE resource_pools SET total_memory_bytes = total_memory_bytes * 1048576;
ALTER TABLE resource_pools RENAME COLUMN total_storage_gb TO total_storage_bytes;
UPDATE resource_pools SET total_storage_bytes = total_storage_bytes * 1073741824;
ALTER TABLE compute_machines RENAME COLUMN memory_mb TO memory_bytes;
UPDATE compute_machines SET memory_bytes = memory_bytes * 1048576;
ALTER TABLE compute_machines RENAME COLUMN storage_gb TO storage_bytes;
UPDATE compute_machines SET storage_bytes = storage_bytes * 1073741824;
ALTER TABLE images RENAME COLUMN size_mb TO size_bytes;
UPDATE images SET size_bytes = size_bytes * 1048576;
ALTER TABLE images RENAME COLUMN min_memory_mb TO min_memory_bytes;
UPDATE images SET min_memory_bytes = min_memory_bytes * 1048576;
ALTER TABLE images RENAME COLUMN min_storage_gb TO min_storage_bytes;
UPDATE images SET min_storage_bytes = min_storage_bytes * 1073741824;
ALTER TABLE images RENAME COLUMN recommended_memory_mb TO recommended_memory_bytes;
UPDATE images SET recommended_memory_bytes = recommended_memory_bytes * 1048576;
ALTER TABLE image_versions RENAME COLUMN size_mb TO size_bytes;
UPDATE image_versions SET size_bytes = size_bytes * 1048576;
ALTER TABLE instance_templates RENAME COLUMN default_memory_mb TO default_memory_bytes;
UPDATE instance_templates SET default_memory_bytes = default_memory_bytes * 1048576;
ALTER TABLE instance_templates RENAME COLUMN default_storage_gb TO default_storage_bytes;
UPDATE instance_templates SET default_storage_bytes = default_storage_bytes * 1073741824;
ALTER TABLE virtual_machines RENAME COLUMN memory_mb TO memory_bytes;
UPDATE virtual_machines SET memory_bytes = memory_bytes * 1048576;
ALTER TABLE virtual_machines RENAME COLUMN storage_gb TO storage_bytes;
UPDATE virtual_machines SET storage_bytes = storage_bytes * 1073741824;
ALTER TABLE storage_devices RENAME COLUMN capacity_gb TO capacity_bytes;
UPDATE storage_devices SET capacity_bytes = capacity_bytes * 1073741824;
ALTER TABLE disks RENAME COLUMN size_mb TO size_bytes;
UPDATE disks SET size_bytes = size_bytes * 1048576;
ALTER TABLE partitions RENAME COLUMN size_mb TO size_bytes;
UPDATE partitions SET size_bytes = size_bytes * 1048576;
ALTER TABLE private_data_disks RENAME COLUMN size_gb TO size_bytes;
UPDATE private_data_disks SET size_bytes = size_bytes * 1073741824;

ALTER TABLE sites DROP COLUMN total_cpu_cores;
ALTER TABLE sites DROP COLUMN total_memory_mb;
ALTER TABLE sites DROP COLUMN total_storage_gb;
ALTER TABLE sites DROP COLUMN total_gpu_count;
ALTER TABLE resource_pools DROP COLUMN allocated_cpu_cores;
ALTER TABLE resource_pools DROP COLUMN allocated_memory_mb;
ALTER TABLE resource_pools DROP COLUMN allocated_storage_gb;
ALTER TABLE resource_pools DROP COLUMN allocated_gpu_count;
ALTER TABLE compute_machines DROP COLUMN allocated_cpu_cores;
ALTER TABLE compute_machines DROP COLUMN allocated_memory_mb;
ALTER TABLE compute_machines DROP COLUMN allocated_storage_gb;
ALTER TABLE compute_machines DROP COLUMN allocated_gpu_count;

ALTER TABLE instances ADD COLUMN cpu_cores bigint NOT NULL DEFAULT 0 CHECK (cpu_cores >= 0);
ALTER TABLE instances ADD COLUMN memory_bytes bigint NOT NULL DEFAULT 0 CHECK (memory_bytes >= 0);
ALTER TABLE instances ADD COLUMN storage_bytes bigint NOT NULL DEFAULT 0 CHECK (storage_bytes >= 0);
ALTER TABLE instances ADD COLUMN gpu_count bigint NOT NULL DEFAULT 0 CHECK (gpu_count >= 0);
UPDATE instances SET cpu_cores = COALESCE((config->>'cpu_cores')::numeric, 0)::bigint, memory_bytes = COALESCE((config->>'memory_mb')::numeric, 0)::bigint * 1048576, storage_bytes = COALESCE((config->>'storage_gb')::numeric, 0)::bigint * 1073741824, gpu_count = COALESCE((config->>'gpu_count')::numeric, 0)::bigint WHERE config IS NOT NULL;

ALTER TABLE tenants ADD COLUMN quota_cpu_cores bigint CHECK (quota_cpu_cores >= 0);
ALTER TABLE tenants ADD COLUMN quota_memory_bytes bigint CHECK (quota_memory_bytes >= 0);
ALTER TABLE tenants ADD COLUMN quota_storage_bytes bigint CHECK (quota_storage_bytes >= 0);
ALTER TABLE tenants ADD COLUMN quota_instances bigint CHECK (quota_instances >= 0);
UPDATE tenants SET quota_cpu_cores = ((quota->>'max_cpu_cores')::numeric)::bigint, quota_memory_bytes = ((quota->>'max_memory_mb')::numeric)::bigint * 1048576, quota_storage_bytes = ((quota->>'max_storage_gb')::numeric)::bigint * 1073741824, quota_instances = ((quota->>'max_instances')::numeric)::bigint WHERE quota IS NOT NULL;
ALTER TABLE tenants DROP COLUMN quota;

-- IPAM reads a subnet's taken addresses in one indexed scan.
CREATE INDEX ip_addresses_subnet_status_idx ON ip_addresses (subnet_id, status);
-- An exclusive private data disk is attached once: the attachment copies the disk's mode and
-- the database refuses a second exclusive attachment of one disk.
ALTER TABLE private_data_disk_attachments ADD COLUMN exclusive boolean NOT NULL DEFAULT false;
UPDATE private_data_disk_attachments SET exclusive = true
 WHERE disk_id IN (SELECT id FROM private_data_disks WHERE share_mode = 'exclusive');
CREATE UNIQUE INDEX private_data_disk_attachments_exclusive ON private_data_disk_attachments (disk_id) WHERE exclusive;

-- A VM (and through it an instance) is the Proxmox guest polled under this cluster and vmid.
ALTER TABLE virtual_machines ADD COLUMN pve_cluster_id uuid REFERENCES pve_clusters(id) ON DELETE SET NULL;
ALTER TABLE virtual_machines ADD COLUMN pve_vmid bigint CHECK (pve_vmid BETWEEN 100 AND 999999999);
CREATE UNIQUE INDEX virtual_machines_pve_guest ON virtual_machines (pve_cluster_id, pve_vmid);
