-- Back to float8 values (each integer divided by its kind's scale: the same float8 as sent).
CREATE TEMP TABLE gridts_compressed_before ON COMMIT DROP AS
SELECT format('%I.%I', chunk_schema, chunk_name)::regclass AS chunk
FROM timescaledb_information.chunks
WHERE hypertable_schema = current_schema() AND hypertable_name = 'measures' AND is_compressed;

SELECT count(decompress_chunk(chunk)) FROM gridts_compressed_before;
SELECT remove_compression_policy('measures', if_exists => true);
ALTER TABLE measures SET (timescaledb.compress = false);
DROP VIEW forecast_revisions;
DROP MATERIALIZED VIEW grid_1h;
DROP MATERIALIZED VIEW region_1h;
DROP MATERIALIZED VIEW series_1h;
DROP MATERIALIZED VIEW series_latest;

CREATE FUNCTION pg_temp.scale_of(series integer) RETURNS bigint
LANGUAGE sql STABLE
RETURN (SELECT k.scale FROM series s JOIN kind k ON k.name = s.kind WHERE s.id = series);

ALTER TABLE measures ALTER COLUMN value TYPE double precision
    USING value::float8 / pg_temp.scale_of(series_id);
ALTER TABLE measures ADD CONSTRAINT measures_value_check
    CHECK (value <> 'NaN'::float8 AND value <> 'Infinity'::float8 AND value <> '-Infinity'::float8);
ALTER TABLE measures SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'lead, timestamp_measured, timestamp_collected'
);
SELECT add_compression_policy('measures', compress_after => CAST({compress_after} AS interval));
SELECT count(compress_chunk(chunk)) FROM gridts_compressed_before;
DROP FUNCTION pg_temp.scale_of(integer);

CREATE VIEW forecast_revisions AS
SELECT s.node_id,
       m.series_id,
       s.kind,
       s.subtype,
       m.timestamp_measured AS target,
       m.timestamp_collected AS collected,
       m.value,
       quality_name(m.quality) AS quality
FROM measures m
JOIN series s ON s.id = m.series_id;
GRANT SELECT ON forecast_revisions TO gridts_grafana, gridts_api;

DROP TRIGGER kind_guard ON kind;
CREATE OR REPLACE FUNCTION gridts_guard_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.unit, NEW.aggregation) IS DISTINCT FROM (OLD.unit, OLD.aggregation)
       AND EXISTS (SELECT 1 FROM series WHERE kind = OLD.name) THEN
        RAISE EXCEPTION 'kind % is in use', OLD.name
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'a kind that series use keeps its unit and aggregation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER kind_guard
    BEFORE UPDATE OF unit, aggregation ON kind
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_kind();
ALTER TABLE kind DROP COLUMN scale;
ALTER TABLE kind DROP COLUMN decimals;
DROP TABLE gridts_compressed_before;

-- The rollups as 0007 made them, on float8 values.
CREATE MATERIALIZED VIEW series_latest
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT series_id,
       time_bucket(INTERVAL '1 second', timestamp_measured) AS target,
       last(value, timestamp_collected) AS value,
       last(quality, timestamp_collected) AS quality,
       max(timestamp_collected) AS timestamp_collected,
       count(*) AS revisions
FROM measures
GROUP BY series_id, time_bucket(INTERVAL '1 second', timestamp_measured)
WITH NO DATA;

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
