SELECT n.id, n.name, n.region_id, r.grid_id, s.id AS default_series_id
FROM grid_node n
JOIN grid_region r ON r.id = n.region_id
JOIN series s ON s.node_id = n.id AND s.kind = 'load' AND s.subtype IS NULL
WHERE (%(region_id)s::integer IS NULL OR n.region_id = %(region_id)s)
  AND (%(grid_id)s::integer IS NULL OR r.grid_id = %(grid_id)s)
ORDER BY n.id
