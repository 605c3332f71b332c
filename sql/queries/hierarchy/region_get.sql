SELECT id, name, grid_id FROM grid_region WHERE id = %(id)s
