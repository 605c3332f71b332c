-- Whether this PostgreSQL server knows the zone by this exact name (rollups bucket local days
-- in PostgreSQL, so a zone Python knows but the server does not would fail every daily read).
-- pg_timezone_names reads the server's zone files: about 20 ms here, once per grid write that
-- names a zone. `now() AT TIME ZONE` would take 0.2 ms but also accepts abbreviations and any
-- spelling, and answers an unknown zone with an error rather than false.
SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = %(timezone)s)
