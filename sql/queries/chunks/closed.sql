-- The chunks of one hypertable that lie wholly in the past, oldest first.
SELECT format('%%I.%%I', chunk_schema, chunk_name)::regclass, range_start, range_end, is_compressed
FROM timescaledb_information.chunks
WHERE hypertable_schema = %(schema)s AND hypertable_name = %(name)s
  AND range_end <= now()
ORDER BY range_start
