-- node_1d computed from the latest values: daily statistics of the node's hourly averages.
WITH latest AS ({latest}),
hourly AS (
    SELECT id, time_bucket(INTERVAL '1 hour', target) AS bucket, avg(value) AS avg
    FROM latest
    GROUP BY id, time_bucket(INTERVAL '1 hour', target)
)
SELECT id, time_bucket(INTERVAL '1 day', bucket) AS bucket,
       avg(avg) AS avg, min(avg) AS min, max(avg) AS max, sum(avg) AS sum,
       count(*) AS count, NULL::bigint AS nodes
FROM hourly
GROUP BY id, time_bucket(INTERVAL '1 day', bucket)
