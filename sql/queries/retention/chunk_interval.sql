SELECT d.time_interval
FROM timescaledb_information.dimensions d
WHERE d.hypertable_schema = current_schema() AND d.hypertable_name = 'measures'
  AND d.dimension_number = 1
