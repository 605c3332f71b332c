INSERT INTO grid (name) VALUES (%(name)s) RETURNING id, name
