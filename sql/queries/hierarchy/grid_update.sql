UPDATE grid SET name = coalesce(%(name)s, name) WHERE id = %(id)s RETURNING id, name
