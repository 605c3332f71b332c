SELECT id, name, timezone FROM grid WHERE id = %(id)s
