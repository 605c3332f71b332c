-- Moving a node that holds measures (in any of its series) is refused by the gridts_guard_node
-- trigger.
WITH updated AS (
    UPDATE grid_node
    SET name = coalesce(%(name)s, name), region_id = coalesce(%(region_id)s, region_id)
    WHERE id = %(id)s
    RETURNING id, name, region_id
)
SELECT u.id, u.name, u.region_id, r.grid_id, s.id AS default_series_id
FROM updated u
JOIN grid_region r ON r.id = u.region_id
JOIN series s ON s.node_id = u.id AND s.kind = 'load' AND s.subtype IS NULL
