-- Values stored exactly, as integers of the kind's smallest unit (issue 14). A kind declares how
-- many decimals its values have (3 for MW: kilowatts), and measures.value holds value * 10^decimals
-- as a bigint. Two reasons, both measured (bench/README.md, "Storage layout choices"):
-- - size: a 3-decimal float8's mantissa has no trailing zeros for Gorilla's XOR to drop, while
--   integers get delta-of-delta and simple-8b: with 0009's order, measures takes 3.9 bytes per
--   row instead of 9.5 on the seed preset's shape;
-- - exactness: a sum of decimals is a decimal (2110.671, not 2110.6710000000003).
-- Ingest refuses a value with more decimals than its kind keeps (a 422 naming the row): a value
-- is never rounded. Reads divide by the kind's scale: int64 -> float8 and a division by a power
-- of ten are exact steps, so a value reads back as the same float8 it was sent as.

ALTER TABLE kind ADD COLUMN decimals smallint NOT NULL DEFAULT 3
    CONSTRAINT kind_decimals_check CHECK (decimals BETWEEN 0 AND 6);
ALTER TABLE kind ADD COLUMN scale bigint NOT NULL
    GENERATED ALWAYS AS (CAST(10::numeric ^ decimals AS bigint)) STORED;

-- Stored values are never rounded either: a kind in use gets the fewest decimals, from 3 up to 6,
-- that hold each of its stored values exactly; the upgrade stops, and changes nothing, if one
-- needs more.
CREATE FUNCTION pg_temp.exact_at(v double precision, d integer) RETURNS boolean
LANGUAGE sql IMMUTABLE
RETURN v IS NULL OR (abs(v) * 10 ^ d <= 2 ^ 53 AND round(v * 10 ^ d) / 10 ^ d = v);

DO $decimals$
DECLARE
    k record;
    needed integer;
    bad record;
BEGIN
    FOR k IN SELECT kd.name, kd.decimals,
                    ARRAY(SELECT s.id FROM series s WHERE s.kind = kd.name) AS ids
             FROM kind kd WHERE EXISTS (SELECT 1 FROM series s WHERE s.kind = kd.name)
    LOOP
        SELECT min(d) INTO needed
        FROM generate_series(k.decimals, 6) AS d
        WHERE NOT EXISTS (SELECT 1 FROM measures m
                          WHERE m.series_id = ANY(k.ids) AND NOT pg_temp.exact_at(m.value, d));
        IF needed IS NULL THEN
            SELECT m.series_id, m.timestamp_measured, m.timestamp_collected, m.value INTO bad
            FROM measures m WHERE m.series_id = ANY(k.ids) AND NOT pg_temp.exact_at(m.value, 6)
            LIMIT 1;
            RAISE EXCEPTION 'kind % holds values with more than 6 decimals, e.g. series %, '
                            'target %, collected %: %', k.name, bad.series_id,
                            bad.timestamp_measured, bad.timestamp_collected, bad.value
                USING HINT = 'gridts stores values exactly, as integers; stay at revision 0010, '
                             'or delete or correct those values first';
        END IF;
        UPDATE kind SET decimals = needed WHERE name = k.name AND decimals <> needed;
    END LOOP;
END
$decimals$;

-- A kind in use keeps its unit, aggregation and decimals: every stored value was read that way.
CREATE OR REPLACE FUNCTION gridts_guard_kind() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.unit, NEW.aggregation, NEW.decimals)
           IS DISTINCT FROM (OLD.unit, OLD.aggregation, OLD.decimals)
       AND EXISTS (SELECT 1 FROM series WHERE kind = OLD.name) THEN
        RAISE EXCEPTION 'kind % is in use', OLD.name
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'a kind that series use keeps its unit, aggregation and decimals';
    END IF;
    RETURN NEW;
END;
$$;
DROP TRIGGER kind_guard ON kind;
CREATE TRIGGER kind_guard
    BEFORE UPDATE OF unit, aggregation, decimals ON kind
    FOR EACH ROW EXECUTE FUNCTION gridts_guard_kind();

-- The type changes with the columnstore off (as 0009 does): decompress, change, compress again.
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
ALTER TABLE measures DROP CONSTRAINT measures_value_check;  -- NaN and infinities: not integers

CREATE FUNCTION pg_temp.scale_of(series integer) RETURNS bigint
LANGUAGE sql STABLE
RETURN (SELECT k.scale FROM series s JOIN kind k ON k.name = s.kind WHERE s.id = series);

ALTER TABLE measures ALTER COLUMN value TYPE bigint
    USING CAST(round(value * pg_temp.scale_of(series_id)) AS bigint);

ALTER TABLE measures SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'lead, timestamp_measured, timestamp_collected'
);
SELECT add_compression_policy('measures', compress_after => CAST({compress_after} AS interval));
SELECT count(compress_chunk(chunk)) FROM gridts_compressed_before;
DROP FUNCTION pg_temp.scale_of(integer);
DROP FUNCTION pg_temp.exact_at(double precision, integer);

-- Dashboard 3 (forecast evolution) reads every revision through this view (see 0005, 0007), in
-- the kind's unit as before.
CREATE VIEW forecast_revisions AS
SELECT s.node_id,
       m.series_id,
       s.kind,
       s.subtype,
       m.timestamp_measured AS target,
       m.timestamp_collected AS collected,
       m.value::float8 / k.scale AS value,
       quality_name(m.quality) AS quality
FROM measures m
JOIN series s ON s.id = m.series_id
JOIN kind k ON k.name = s.kind;
GRANT SELECT ON forecast_revisions TO gridts_grafana, gridts_api;
DROP TABLE gridts_compressed_before;
-- The rollups, rebuilt on the integers: 0010_exact_values.latest.sql, .rollups.sql, .policies.sql.
