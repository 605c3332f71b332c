-- Of the instants %(at)s, those that no chunk of the hypertable %(schema)s.%(table)s holds.
-- Read from TimescaleDB's catalog, as compressed_chunks.sql is (timescaledb_information.chunks
-- costs about 5 ms a call).
SELECT t
FROM unnest(%(at)s::timestamptz[]) AS t
WHERE NOT EXISTS (
    SELECT 1
    FROM _timescaledb_catalog.hypertable h
    JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.id
    JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = k.id
    JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
    WHERE h.schema_name = %(schema)s
      AND h.table_name = %(table)s
      AND t >= _timescaledb_functions.to_timestamp(s.range_start)
      AND t < _timescaledb_functions.to_timestamp(s.range_end)
)
ORDER BY t
