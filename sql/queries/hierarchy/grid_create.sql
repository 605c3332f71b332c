INSERT INTO grid (name, timezone) VALUES (%(name)s, %(timezone)s) RETURNING id, name, timezone
