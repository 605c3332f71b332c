SELECT n.id, n.name, n.region_id, r.grid_id
FROM grid_node n JOIN grid_region r ON r.id = n.region_id
WHERE n.id = %(id)s
