SELECT id FROM grid_node WHERE id = ANY(%(nodes)s)
