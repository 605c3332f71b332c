-- Rows of a rollup query (id, bucket, avg, min, max, sum, count, nodes) whose bucket starts in
-- [start, end], ordered by id then bucket, at most %(limit)s of them. {nodes} is NULL at node
-- level (a node's row has no node count).
SELECT rows.id, rows.bucket, rows.avg, rows.min, rows.max, rows.sum, rows.count, {nodes}
FROM ({rows}) AS rows
WHERE rows.bucket >= %(start)s::timestamptz AND rows.bucket <= %(end)s::timestamptz
ORDER BY rows.id, rows.bucket
LIMIT %(limit)s
