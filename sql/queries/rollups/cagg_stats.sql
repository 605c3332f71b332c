-- Rows of a statistics rollup (node_1h, node_1d, region_1d, grid_1d) for the chosen entities.
-- Real-time aggregates: materialised rows below the watermark, raw data above it.
SELECT v.{key} AS id, v.bucket, v.avg, v.min, v.max, v.sum, v.count, {nodes} AS nodes
FROM {view} v
WHERE v.{key} = ANY(%(ids)s::integer[])
  AND v.bucket >= %(start)s::timestamptz AND v.bucket <= %(end)s::timestamptz
