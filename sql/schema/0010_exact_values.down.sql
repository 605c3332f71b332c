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
-- series_1h, region_1h and grid_1h over it: 0010_exact_values.rollups.sql.
