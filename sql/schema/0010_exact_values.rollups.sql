-- series_1h, region_1h and grid_1h, rebuilt over series_latest after 0010_exact_values.up.sql or
-- .down.sql has made it (its definitions are the only difference between the two ways), with
-- 0007's definitions; their policies, compression and grants: 0010_exact_values.policies.sql.
CREATE MATERIALIZED VIEW series_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 hour', target) AS bucket,
       avg(value) FILTER (WHERE quality < 2) AS avg,
       min(value) FILTER (WHERE quality < 2) AS min,
       max(value) FILTER (WHERE quality < 2) AS max,
       sum(value) FILTER (WHERE quality < 2) AS sum,
       count(*) FILTER (WHERE quality < 2) AS count,
       count(*) FILTER (WHERE quality = 1) AS estimated
FROM series_latest
GROUP BY series_id, time_bucket(INTERVAL '1 hour', target)
WITH NO DATA;

CREATE MATERIALIZED VIEW region_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT n.region_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       s.kind,
       s.subtype,
       sum(h.avg) AS total,
       count(h.avg) AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM series_1h h
JOIN series s ON s.id = h.series_id
JOIN grid_node n ON n.id = s.node_id
GROUP BY n.region_id, s.kind, s.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW grid_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT r.grid_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       h.kind,
       h.subtype,
       sum(h.total) AS total,
       sum(h.nodes)::bigint AS nodes,
       sum(h.estimated)::bigint AS estimated
FROM region_1h h
JOIN grid_region r ON r.id = h.region_id
GROUP BY r.grid_id, h.kind, h.subtype, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;
