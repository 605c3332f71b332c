-- The chunk of one hypertable whose range holds %(at)s (after a merge, the merged chunk).
SELECT format('%%I.%%I', chunk_schema, chunk_name)
FROM timescaledb_information.chunks
WHERE hypertable_schema = %(schema)s AND hypertable_name = %(name)s
  AND range_start <= %(at)s AND %(at)s < range_end
