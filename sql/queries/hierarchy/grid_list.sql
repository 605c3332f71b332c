SELECT id, name, timezone FROM grid ORDER BY id
