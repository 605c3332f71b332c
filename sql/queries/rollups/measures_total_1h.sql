-- region_1h / grid_1h computed from the latest values: per hour, the sum of the nodes' hourly
-- averages (avg = min = max = sum = total, count = 1) and how many nodes reported.
WITH latest AS ({latest}),
hourly AS (
    SELECT id, node_id, time_bucket(INTERVAL '1 hour', target) AS bucket, avg(value) AS avg
    FROM latest
    GROUP BY id, node_id, time_bucket(INTERVAL '1 hour', target)
)
SELECT id, bucket,
       sum(avg) AS avg, sum(avg) AS min, sum(avg) AS max, sum(avg) AS sum,
       1::bigint AS count, count(*) AS nodes
FROM hourly
GROUP BY id, bucket
