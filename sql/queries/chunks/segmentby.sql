-- The compress_segmentby columns of one hypertable, in order (none when it is not segmented).
SELECT attname
FROM timescaledb_information.compression_settings
WHERE hypertable_schema = %(schema)s AND hypertable_name = %(name)s
  AND segmentby_column_index IS NOT NULL
ORDER BY segmentby_column_index
