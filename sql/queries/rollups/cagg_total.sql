-- Rows of an hourly total rollup (region_1h, grid_1h): one value per hour, so avg = min = max =
-- sum = total and count = 1; nodes = how many nodes reported.
SELECT v.{key} AS id, v.bucket,
       v.total AS avg, v.total AS min, v.total AS max, v.total AS sum,
       1::bigint AS count, v.nodes
FROM {view} v
WHERE v.{key} = ANY(%(ids)s::integer[])
  AND v.bucket >= %(start)s::timestamptz AND v.bucket <= %(end)s::timestamptz
