-- Back to 0008's layout: ordered by target DESC, collection DESC, without the lead column.
CREATE TEMP TABLE gridts_compressed_before ON COMMIT DROP AS
SELECT format('%I.%I', chunk_schema, chunk_name)::regclass AS chunk
FROM timescaledb_information.chunks
WHERE hypertable_schema = current_schema() AND hypertable_name = 'measures' AND is_compressed;

SELECT count(decompress_chunk(chunk)) FROM gridts_compressed_before;
SELECT remove_compression_policy('measures', if_exists => true);
ALTER TABLE measures SET (timescaledb.compress = false);
ALTER TABLE measures DROP COLUMN lead;
ALTER TABLE measures SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'timestamp_measured DESC, timestamp_collected DESC'
);
SELECT add_compression_policy('measures', compress_after => CAST({compress_after} AS interval));
DO $sparse$
BEGIN
    EXECUTE format('ALTER DATABASE %I RESET timescaledb.auto_sparse_indexes', current_database());
END
$sparse$;
SET LOCAL timescaledb.auto_sparse_indexes = on;
SELECT count(compress_chunk(chunk)) FROM gridts_compressed_before;
DROP TABLE gridts_compressed_before;
