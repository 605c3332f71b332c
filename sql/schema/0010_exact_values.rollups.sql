-- series_1h, region_1h and grid_1h, rebuilt over series_latest after 0010_exact_values.up.sql or
-- .down.sql has made it (its definitions are the only difference between the two ways): the
-- definitions, policies, compression and grants of 0007 and 0008.
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

-- Policies, compression and grants as 0007 and 0008 made them.
SELECT add_continuous_aggregate_policy(view_name::regclass,
           start_offset => INTERVAL '35 days', end_offset => NULL,
           schedule_interval => INTERVAL '1 hour',
           buckets_per_batch => CASE WHEN view_name = 'series_latest' THEN 0 END)
FROM (VALUES ('series_latest'), ('series_1h'), ('region_1h'), ('grid_1h')) AS v (view_name);
ALTER MATERIALIZED VIEW series_latest SET (
    timescaledb.compress = true,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'target'
);
ALTER MATERIALIZED VIEW series_1h SET (
    timescaledb.compress = true,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'bucket'
);
ALTER MATERIALIZED VIEW region_1h SET (
    timescaledb.compress = true,
    timescaledb.compress_segmentby = 'region_id, kind, subtype',
    timescaledb.compress_orderby = 'bucket'
);
ALTER MATERIALIZED VIEW grid_1h SET (
    timescaledb.compress = true,
    timescaledb.compress_segmentby = 'grid_id, kind, subtype',
    timescaledb.compress_orderby = 'bucket'
);
SELECT add_compression_policy(view_name::regclass, compress_after => INTERVAL '45 days')
FROM (VALUES ('series_latest'), ('series_1h'), ('region_1h'), ('grid_1h')) AS v (view_name);

GRANT SELECT ON series_latest, series_1h, region_1h, grid_1h TO gridts_grafana, gridts_api;
DO $internals$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT format('%I.%I', h.schema_name, h.table_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c
        JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
        WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.partial_view_schema, c.partial_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
        UNION ALL
        SELECT format('%I.%I', c.direct_view_schema, c.direct_view_name)::regclass
        FROM _timescaledb_catalog.continuous_agg c WHERE c.user_view_schema = current_schema()
    LOOP
        EXECUTE format('REVOKE ALL ON %s FROM gridts_grafana, gridts_api', rel);
    END LOOP;
END
$internals$;

-- The rebuilt aggregates hold nothing yet: every stored day is queued for the refresher (as in
-- 0007; `gridts migrate` drains the queue before it returns). Until then real-time aggregation
-- answers from measures.
INSERT INTO rollup_refresh_queue (window_start, window_end)
SELECT date_trunc('day', lo, 'UTC'), date_trunc('day', hi, 'UTC') + INTERVAL '1 day'
FROM (SELECT min(timestamp_measured) AS lo, max(timestamp_measured) AS hi FROM measures) AS r
WHERE lo IS NOT NULL;
