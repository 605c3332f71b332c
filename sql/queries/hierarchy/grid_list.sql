SELECT id, name FROM grid ORDER BY id
