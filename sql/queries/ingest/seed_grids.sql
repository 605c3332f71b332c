-- The data set's grids that are missing, in order. Only rows actually inserted take an id (an
-- upsert would take one for every row it sees): a fresh database gets grids 1, 2, 3 ...
INSERT INTO grid (name)
SELECT t.grid
FROM unnest(%(grids)s::text[]) WITH ORDINALITY AS t (grid, position)
WHERE NOT EXISTS (SELECT 1 FROM grid g WHERE g.name = t.grid)
ORDER BY t.position
ON CONFLICT DO NOTHING
