-- The chunk interval of a rollup's materialisation (%(view)s): chunks of a fixed interval are
-- aligned on the Unix epoch, so its multiples from there are the chunks' boundaries.
SELECT d.time_interval
FROM timescaledb_information.continuous_aggregates c
JOIN timescaledb_information.dimensions d
  ON d.hypertable_schema = c.materialization_hypertable_schema
 AND d.hypertable_name = c.materialization_hypertable_name
 AND d.dimension_number = 1
WHERE c.view_schema = current_schema()
  AND c.view_name = %(view)s
