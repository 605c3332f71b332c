WITH created AS (
    INSERT INTO grid_node (name, region_id) VALUES (%(name)s, %(region_id)s)
    RETURNING id, name, region_id
)
SELECT c.id, c.name, c.region_id, r.grid_id
FROM created c JOIN grid_region r ON r.id = c.region_id
