-- Per target: a node's value, or a region's (grid's) total over its nodes' values; count = 1,
-- nodes = how many nodes had a value for that target.
WITH latest AS ({latest})
SELECT id, target AS bucket,
       sum(value) AS avg, sum(value) AS min, sum(value) AS max, sum(value) AS sum,
       1::bigint AS count, count(*) AS nodes
FROM latest
GROUP BY id, target
