-- Hierarchical continuous aggregates. Every level counts each target timestamp once, with
-- its latest revision: node_latest keeps one row per node and target (last revision by
-- collection time), and everything above reads it. Targets are whole seconds (ingest
-- enforces that), so a one-second bucket is the target itself; this makes 15-minute
-- (or any) target resolutions work, not only hourly ones.
CREATE MATERIALIZED VIEW node_latest
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT node_id,
       time_bucket(INTERVAL '1 second', timestamp_measured) AS target,
       last(value, timestamp_collected) AS value,
       max(timestamp_collected) AS timestamp_collected,
       count(*) AS revisions
FROM measures
GROUP BY node_id, time_bucket(INTERVAL '1 second', timestamp_measured)
WITH NO DATA;

CREATE MATERIALIZED VIEW node_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT node_id,
       time_bucket(INTERVAL '1 hour', target) AS bucket,
       avg(value) AS avg, min(value) AS min, max(value) AS max,
       sum(value) AS sum, count(*) AS count
FROM node_latest
GROUP BY node_id, time_bucket(INTERVAL '1 hour', target)
WITH NO DATA;

-- A region's (grid's) hourly total is the sum of its nodes' hourly averages.
CREATE MATERIALIZED VIEW region_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT n.region_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       sum(h.avg) AS total,
       count(*) AS nodes
FROM node_1h h
JOIN grid_node n ON n.id = h.node_id
GROUP BY n.region_id, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW grid_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT r.grid_id,
       time_bucket(INTERVAL '1 hour', h.bucket) AS bucket,
       sum(h.total) AS total,
       sum(h.nodes)::bigint AS nodes
FROM region_1h h
JOIN grid_region r ON r.id = h.region_id
GROUP BY r.grid_id, time_bucket(INTERVAL '1 hour', h.bucket)
WITH NO DATA;

-- Daily statistics over the hourly series: a node's hourly avg, a region's or grid's
-- hourly total. `nodes` is the most nodes that reported in any hour of the day.
CREATE MATERIALIZED VIEW node_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT node_id,
       time_bucket(INTERVAL '1 day', bucket) AS bucket,
       avg(avg) AS avg, min(avg) AS min, max(avg) AS max,
       sum(avg) AS sum, count(*) AS count
FROM node_1h
GROUP BY node_id, time_bucket(INTERVAL '1 day', bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW region_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT region_id,
       time_bucket(INTERVAL '1 day', bucket) AS bucket,
       avg(total) AS avg, min(total) AS min, max(total) AS max,
       sum(total) AS sum, count(*) AS count, max(nodes) AS nodes
FROM region_1h
GROUP BY region_id, time_bucket(INTERVAL '1 day', bucket)
WITH NO DATA;

CREATE MATERIALIZED VIEW grid_1d
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT grid_id,
       time_bucket(INTERVAL '1 day', bucket) AS bucket,
       avg(total) AS avg, min(total) AS min, max(total) AS max,
       sum(total) AS sum, count(*) AS count, max(nodes) AS nodes
FROM grid_1h
GROUP BY grid_id, time_bucket(INTERVAL '1 day', bucket)
WITH NO DATA;

-- Refresh policies: every hour, the last five weeks (late revisions inside that window are
-- caught even if nobody asked). Writes through gridts' ingest path refresh what they touch at
-- once, so older ranges never wait for a policy; real-time aggregation covers what lies past
-- each view's watermark. A refresh works in batches of buckets, one transaction each, and pays a
-- fixed cost per batch: with node_latest's one-second buckets the default batch (10 buckets)
-- would mean hundreds of thousands of batches, so it refreshes in one pass (0).
SELECT add_continuous_aggregate_policy(view_name::regclass,
           start_offset => INTERVAL '35 days', end_offset => NULL,
           schedule_interval => INTERVAL '1 hour',
           buckets_per_batch => CASE WHEN view_name = 'node_latest' THEN 0 END)
FROM (VALUES ('node_latest'), ('node_1h'), ('node_1d'), ('region_1h'), ('region_1d'),
             ('grid_1h'), ('grid_1d')) AS v (view_name);
