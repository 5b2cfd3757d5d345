-- Topology editing (issue #18). A device is a node at most once per topology; a link end
-- names a port of its node's device (the device's in_port or out_port), or no port on a node
-- that is not a device; a port carries at most one link per topology. A device's ports cannot
-- be renumbered away from under a link. Rows written before this migration are not re-checked.
CREATE UNIQUE INDEX topology_nodes_device_key ON topology_nodes (topology_id, device_id);

CREATE FUNCTION topology_links_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Writers of one topology queue on its row, so two links cannot take one port at once.
    PERFORM 1 FROM topologies WHERE id = NEW.topology_id FOR UPDATE;
    IF NOT EXISTS (
        SELECT 1 FROM topology_nodes n LEFT JOIN devices d ON d.id = n.device_id
        WHERE n.id = NEW.from_node_id
          AND ((n.device_id IS NULL AND NEW.from_port IS NULL) OR NEW.from_port IN (d.in_port, d.out_port))
    ) OR NOT EXISTS (
        SELECT 1 FROM topology_nodes n LEFT JOIN devices d ON d.id = n.device_id
        WHERE n.id = NEW.to_node_id
          AND ((n.device_id IS NULL AND NEW.to_port IS NULL) OR NEW.to_port IN (d.in_port, d.out_port))
    ) THEN
        RAISE EXCEPTION 'topology link port does not exist'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'topology_links_ports';
    END IF;
    IF EXISTS (
        SELECT 1 FROM topology_links l
        WHERE l.topology_id = NEW.topology_id AND l.id <> NEW.id
          AND ((l.from_node_id = NEW.from_node_id AND l.from_port = NEW.from_port)
            OR (l.to_node_id = NEW.from_node_id AND l.to_port = NEW.from_port)
            OR (l.from_node_id = NEW.to_node_id AND l.from_port = NEW.to_port)
            OR (l.to_node_id = NEW.to_node_id AND l.to_port = NEW.to_port))
    ) THEN
        RAISE EXCEPTION 'topology port in use'
            USING ERRCODE = 'unique_violation', CONSTRAINT = 'topology_links_port_once';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER topology_links_guard_ins BEFORE INSERT ON topology_links
    FOR EACH ROW EXECUTE FUNCTION topology_links_guard();
CREATE TRIGGER topology_links_guard_upd BEFORE UPDATE OF from_node_id, to_node_id, from_port, to_port ON topology_links
    FOR EACH ROW EXECUTE FUNCTION topology_links_guard();

CREATE FUNCTION devices_ports_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM topology_links l JOIN topology_nodes n ON n.device_id = NEW.id
        WHERE ((l.from_node_id = n.id AND l.from_port NOT IN (NEW.in_port, NEW.out_port))
            OR (l.to_node_id = n.id AND l.to_port NOT IN (NEW.in_port, NEW.out_port)))
    ) THEN
        RAISE EXCEPTION 'device port used by a topology link'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'devices_ports_linked';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER devices_ports_guard BEFORE UPDATE OF in_port, out_port ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_ports_guard();
