-- The columnstore layout of measures (issue 14; figures in bench/README.md, "Storage layout
-- choices"). Today's order, target DESC then collection DESC, interleaves a target's revisions:
-- collection times step -1 h, -1 h, +3 h and values jump between forecasts and measures, so the
-- codecs find no regular run (37.5 bytes per row on the seed preset). Ordered by lead first (the
-- target minus the collection time), each batch holds one lead's targets: an hourly run with a
-- delta-of-delta of zero and a smooth curve of values.
--
-- `lead` is a stored generated column, because an orderby column must be a real one. Adding it
-- rewrites the table, which TimescaleDB allows only with the columnstore off: every compressed
-- chunk is decompressed first and compressed again at the end. Nothing else changes: the rollups
-- read the same columns and keep their materialisations.

CREATE TEMP TABLE gridts_compressed_before ON COMMIT DROP AS
SELECT format('%I.%I', chunk_schema, chunk_name)::regclass AS chunk
FROM timescaledb_information.chunks
WHERE hypertable_schema = current_schema() AND hypertable_name = 'measures' AND is_compressed;

SELECT count(decompress_chunk(chunk)) FROM gridts_compressed_before;
SELECT remove_compression_policy('measures', if_exists => true);
ALTER TABLE measures SET (timescaledb.compress = false);

-- Seconds from collection to target: positive for a forecast, negative for a late measure. Only
-- an order for the codecs, so an integer (4 bytes: the row grows by 6 with alignment, not 14 as
-- with a bigint after the smallint quality), clamped to its range (68 years either way), and
-- computed with date_part's float8 (extract's numeric costs twice as much per row, measured).
ALTER TABLE measures ADD COLUMN lead integer NOT NULL
    GENERATED ALWAYS AS (CAST(least(greatest(date_part('epoch', timestamp_measured
                                                            - timestamp_collected),
                                             -2147483648), 2147483647) AS integer))
    STORED;

-- timestamp_collected closes the order (it is unique once lead and target are fixed), so every
-- column of the primary key has min/max metadata for the conflict checks of late writes.
ALTER TABLE measures SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'series_id',
    timescaledb.compress_orderby = 'lead, timestamp_measured, timestamp_collected'
);
SELECT add_compression_policy('measures', compress_after => CAST({compress_after} AS interval));

-- No sparse index beyond that. TimescaleDB 2.28 adds a bloom filter over the primary key's
-- columns to every chunk it compresses, which costs about 1 byte per row here (5.6 -> 4.6 on 8
-- weeks of the seed preset) and did not make late writes into compressed chunks faster (648 late
-- revisions of one day: 34 ms with it, 18 ms without; one run each on this 2-core machine). It is
-- switched off for every session of this database, the policies' background jobs included. Not
-- with the table's `timescaledb.sparse_index = ''`: with that setting an UPDATE of a compressed
-- chunk crashes the 2.28.3 server (signal 11, seen here).
DO $sparse$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET timescaledb.auto_sparse_indexes = off',
                   current_database());
END
$sparse$;
SET LOCAL timescaledb.auto_sparse_indexes = off;
SELECT count(compress_chunk(chunk)) FROM gridts_compressed_before;
DROP TABLE gridts_compressed_before;
