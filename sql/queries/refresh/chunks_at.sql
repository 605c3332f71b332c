-- For each instant of %(at)s, the chunk of the hypertable %(schema)s.%(table)s that holds it
-- (NULL where none does), whether that chunk is compressed (status bit 1), and its end.
-- Read from TimescaleDB's catalog, as compressed_chunks.sql is (timescaledb_information.chunks
-- costs about 5 ms a call).
SELECT t, c.chunk, c.compressed, c.range_end
FROM unnest(%(at)s::timestamptz[]) AS t
LEFT JOIN (
    SELECT format('%%I.%%I', k.schema_name, k.table_name) AS chunk,
           k.status & 1 = 1 AS compressed,
           _timescaledb_functions.to_timestamp(s.range_start) AS range_start,
           _timescaledb_functions.to_timestamp(s.range_end) AS range_end
    FROM _timescaledb_catalog.hypertable h
    JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.id
    JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = k.id
    JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
    WHERE h.schema_name = %(schema)s
      AND h.table_name = %(table)s
) AS c ON t >= c.range_start AND t < c.range_end
ORDER BY t
