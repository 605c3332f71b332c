INSERT INTO grid_region (name, grid_id) VALUES (%(name)s, %(grid_id)s) RETURNING id, name, grid_id
