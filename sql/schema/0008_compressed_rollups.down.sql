-- Back to uncompressed rollups: policies off, every compressed chunk decompressed, then
-- compression off.
SELECT remove_compression_policy(view_name::regclass, if_exists => true)
FROM (VALUES ('series_latest'), ('series_1h'), ('region_1h'), ('grid_1h')) AS v (view_name);
SELECT count(decompress_chunk(c, if_compressed => true))
FROM (VALUES ('series_latest'), ('series_1h'), ('region_1h'), ('grid_1h')) AS v (view_name),
     LATERAL show_chunks(view_name::regclass) AS c;
ALTER MATERIALIZED VIEW series_latest SET (timescaledb.compress = false);
ALTER MATERIALIZED VIEW series_1h SET (timescaledb.compress = false);
ALTER MATERIALIZED VIEW region_1h SET (timescaledb.compress = false);
ALTER MATERIALIZED VIEW grid_1h SET (timescaledb.compress = false);
