SELECT id, name FROM grid WHERE id = %(id)s
