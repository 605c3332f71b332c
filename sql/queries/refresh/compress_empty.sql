-- Compress the uncompressed chunks of %(schema)s.%(table)s that hold an instant of %(at)s and
-- end by %(before)s (the view's compression horizon). Empty, they compress at once, and a
-- refresh then writes compressed batches into a compressed chunk. Left uncompressed, such a
-- chunk would be marked partly compressed by that write (TimescaleDB so marks a chunk it did not
-- create in the same statement), and the compression policy would compress it again.
SELECT compress_chunk(format('%%I.%%I', k.schema_name, k.table_name)::regclass)
FROM _timescaledb_catalog.hypertable h
JOIN _timescaledb_catalog.chunk k ON k.hypertable_id = h.id
JOIN _timescaledb_catalog.chunk_constraint cc ON cc.chunk_id = k.id
JOIN _timescaledb_catalog.dimension_slice s ON s.id = cc.dimension_slice_id
WHERE h.schema_name = %(schema)s
  AND h.table_name = %(table)s
  AND k.status & 1 = 0
  AND _timescaledb_functions.to_timestamp(s.range_end) <= %(before)s
  AND EXISTS (
      SELECT 1 FROM unnest(%(at)s::timestamptz[]) AS t
      WHERE t >= _timescaledb_functions.to_timestamp(s.range_start)
        AND t < _timescaledb_functions.to_timestamp(s.range_end)
  )
