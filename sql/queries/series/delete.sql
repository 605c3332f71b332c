-- The default series of a node and a series holding measures are kept by the series_guard
-- trigger (SQLSTATE 23503).
DELETE FROM series WHERE id = %(id)s RETURNING id
