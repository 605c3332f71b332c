DELETE FROM grid_region WHERE id = %(id)s RETURNING id
