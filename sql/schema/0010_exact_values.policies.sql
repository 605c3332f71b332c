-- The four rollups' policies, compression and grants as 0007 and 0008 made them, applied after
-- 0010 (and 0011) rebuilt the chain; then every stored day is queued for a refresh.
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
