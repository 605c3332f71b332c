-- node_1h computed from the latest values: statistics of each hour's targets.
WITH latest AS ({latest})
SELECT id, time_bucket(INTERVAL '1 hour', target) AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max, sum(value) AS sum,
       count(*) AS count, NULL::bigint AS nodes
FROM latest
GROUP BY id, time_bucket(INTERVAL '1 hour', target)
