-- The default series is made by the grid_node_default_series trigger, after this statement:
-- the service reads the node back (node_get) to answer with its id.
INSERT INTO grid_node (name, region_id) VALUES (%(name)s, %(region_id)s) RETURNING id
