-- Whether this PostgreSQL server knows the zone by this exact name (rollups bucket local days
-- in PostgreSQL, so a zone Python knows but the server does not would fail every daily read).
SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = %(timezone)s)
