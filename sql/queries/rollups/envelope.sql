-- Wraps a rollup row query (columns id, bucket, avg, min, max, sum, count, nodes) into one row:
-- how many rows (bounded by %(limit)s) and the rows as a JSON array ordered by id, bucket.
WITH r AS (
    SELECT * FROM ({rows}) AS rows
    WHERE rows.bucket >= %(start)s::timestamptz AND rows.bucket <= %(end)s::timestamptz
    LIMIT %(limit)s
)
SELECT count(*),
       coalesce(json_agg(json_build_object(
           'id', r.id, 'bucket', r.bucket,
           'avg', r.avg, 'min', r.min, 'max', r.max, 'sum', r.sum, 'count', r.count
           {nodes}
       ) ORDER BY r.id, r.bucket), '[]'::json)
FROM r
