-- Viewers read the Infrastructure tab (issue 16): databases whose role grants were seeded
-- before get the read grants new databases start with (an admin may revoke them again).
INSERT INTO role_permissions (id, role, permission_id)
SELECT randomblob(16), 'viewer', id FROM permissions WHERE action = 'read' AND resource IN ('edge_dc','server','instance','instance_set','storage','network','image','template','place')
ON CONFLICT (role, permission_id) DO NOTHING;
