-- The rollups' materialisations are compressed like measures (issue 14). Uncompressed, the four
-- aggregates cost more than the data they summarise: on the seed preset's shape 170.7 bytes per
-- stored revision for the whole database, of which measures 37.6; compressed, 65.2
-- (bench/storage_choices.py --whole). One segment per series (or region or grid, kind and
-- subtype), ordered by time, as their reads ask for them.
--
-- Only what the refresh policies no longer revisit is compressed: compress_after (45 days) is
-- past their start_offset (35 days, 0003/0007), as TimescaleDB requires. A late revision older
-- than that is still refreshed (the refresher), into compressed chunks.
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
