-- Per grid: its time zone, how many series its nodes have, and the latest target for which any
-- of them holds a usable (good or estimated) revision. The max walks each chunk's time index
-- from the newest chunk back and stops at the first match, so a grid with recent data costs
-- one chunk; the series ids go as an array so compressed chunks are filtered by segment.
-- Measured at year scale (see counts.sql): 0.5-2 ms for three grids, 3 ms with a fourth that
-- holds nothing; the same from the series_latest aggregate took 43 ms.
SELECT g.id, g.name, g.timezone, s.series, l.latest_target
FROM grid g
CROSS JOIN LATERAL (
    SELECT count(*) AS series, array_agg(s.id) AS ids
    FROM series s
    JOIN grid_node n ON n.id = s.node_id
    JOIN grid_region r ON r.id = n.region_id
    WHERE r.grid_id = g.id
) AS s
CROSS JOIN LATERAL (
    SELECT max(m.timestamp_measured) AS latest_target
    FROM measures m
    WHERE m.series_id = ANY(s.ids) AND m.quality < 2
) AS l
ORDER BY g.id
