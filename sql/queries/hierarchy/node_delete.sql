DELETE FROM grid_node WHERE id = %(id)s RETURNING id
