-- region_1d / grid_1d computed from the latest values: daily statistics of the hourly totals;
-- nodes = the most nodes that reported in any hour of the day.
WITH latest AS ({latest}),
hourly AS (
    SELECT id, node_id, time_bucket(INTERVAL '1 hour', target) AS bucket, avg(value) AS avg
    FROM latest
    GROUP BY id, node_id, time_bucket(INTERVAL '1 hour', target)
),
totals AS (
    SELECT id, bucket, sum(avg) AS total, count(*) AS nodes
    FROM hourly
    GROUP BY id, bucket
)
SELECT id, time_bucket(INTERVAL '1 day', bucket) AS bucket,
       avg(total) AS avg, min(total) AS min, max(total) AS max, sum(total) AS sum,
       count(*) AS count, max(nodes) AS nodes
FROM totals
GROUP BY id, time_bucket(INTERVAL '1 day', bucket)
