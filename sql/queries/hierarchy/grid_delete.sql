DELETE FROM grid WHERE id = %(id)s RETURNING id
