-- The time ranges of measures' chunks, oldest first: where raw data can be, and so the only
-- places a full refresh writes rollup chunks (gridts.refresh.precreate). A stray row years ahead
-- would otherwise have a chunk of each per-series rollup created for every few days in between.
-- Read from TimescaleDB's catalog, as chunks_at.sql is.
SELECT DISTINCT _timescaledb_functions.to_timestamp(s.range_start),
                _timescaledb_functions.to_timestamp(s.range_end)
FROM _timescaledb_catalog.hypertable h
JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.id
JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = k.id
JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
WHERE h.schema_name = current_schema() AND h.table_name = 'measures'
ORDER BY 1
